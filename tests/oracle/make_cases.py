#!/usr/bin/env python3
"""Write the oracle cases: small racoon.conf and setkey files of our own, each a
base configuration with one change. `label.py` then records what the real
parsers say of each. Re-running this script rewrites the same files.

Usage: python3 tests/oracle/make_cases.py
"""
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

RACOON_BASE = """\
# oracle case {slug}: {what}
path pre_shared_key "/usr/local/etc/racoon/psk.txt";
log notify;

listen {
	isakmp 192.0.2.1 [500];
}

timer {
	counter 5;
	interval 10 sec;
	phase1 30 sec;
	phase2 30 sec;
}

padding {
	randomize off;
}

remote 198.51.100.1 {
	exchange_mode main;
	my_identifier address;
	lifetime time 8 hour;
	proposal {
		encryption_algorithm aes 256;
		hash_algorithm sha256;
		authentication_method pre_shared_key;
		dh_group modp2048;
	}
}

sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any {
	pfs_group modp2048;
	lifetime time 1 hour;
	encryption_algorithm aes 256;
	authentication_algorithm hmac_sha256;
	compression_algorithm deflate;
}
"""

# (line of the base to replace, replacements). "" deletes the line; a
# replacement may hold several lines. Each replacement is one case.
RACOON_SUBSTITUTIONS = [
    ('path pre_shared_key "/usr/local/etc/racoon/psk.txt";', [
        'path pre_shared_key /usr/local/etc/racoon/psk.txt;',
        'path pre_shared_key "psk.txt";',
        'path certificate "/usr/local/etc/racoon/cert";',
        'path script "/usr/local/etc/racoon/scripts";',
        'path backupsa "/var/db/racoon/backupsa";',
        'path pidfile "/var/run/racoon.pid";',
        'path include "/usr/local/etc/racoon";',
        'path include "/usr/local/etc/racoon";\ninclude "remotes.conf";',
        'path pre_shared_key "/usr/local/etc/racoon/psk.txt"',
        'path pre-shared-key "/usr/local/etc/racoon/psk.txt";',
        'path pre_shared_keys "/usr/local/etc/racoon/psk.txt";',
        'path "/usr/local/etc/racoon/psk.txt";',
        'pfkey_buffer 128;',
        'pfkey_buffer 0x80;',
        'gss_id_enc latin1;',
        'gss_id_enc utf-16le;',
        'gss_id_enc utf8;',
        'complex_bundle on;',
        'complex_bundle yes;',
        'privsep {\n\tuser 0;\n\tgroup 0;\n\tchroot "/var/empty";\n}',
        'privsep {\n\tuser "nosuchuser-oracle";\n}',
        'radiuscfg {\n\tauth "192.0.2.9" "secret";\n}',
        'ldapcfg {\n\tversion 3;\n\thost "ldap.example.org";\n}',
        'mode_cfg {\n\tnetwork4 10.9.0.1;\n\tnetmask4 255.255.255.0;\n\tpool_size 10;\n\tauth_source system;\n}',
        'mode_cfg {\n\tauth_source pam;\n}',
        'mode_cfg {\n\tdns4 10.9.0.2, 10.9.0.3;\n\tsplit_network include 10.1.0.0/16;\n\tbanner "/etc/motd";\n}',
        '# a comment only',
        '/* a C comment */',
        '// a C++ comment',
        ';',
    ]),
    ('log notify;', [
        'log error;', 'log warning;', 'log info;', 'log debug;', 'log debug2;',
        'log notice;', 'log "debug";', 'log verbose;', 'log notify', 'log Notify;',
        'log debug3;', 'log;', 'logging notify;', 'log notifyy;', 'log debugg;',
    ]),
    ('\tisakmp 192.0.2.1 [500];', [
        '\tisakmp 192.0.2.1;', '\tisakmp 192.0.2.1[500];', '\tisakmp 2001:db8::1 [500];',
        '\tisakmp 192.0.2.1 [500];\n\tisakmp_natt 192.0.2.1 [4500];',
        '\tisakmp_natt 192.0.2.1;', '\tstrict_address;',
        '\tadminsock "/var/db/racoon/racoon.sock" "root" "operator" 0660;',
        '\tadminsock "/var/db/racoon/racoon.sock";', '\tadminsock disabled;',
        '\tisakmp vpn.example.org [500];', '\tisakmp 192.0.2.1 500;',
        '\tisakmp 192.0.2.1 [500]', '\tisakmp "192.0.2.1" [500];', '\tisakmp 192.0.2.0/24 [500];',
        '\tisakmp 192.0.2.1 [any];', '\tisakmpp 192.0.2.1 [500];',
    ]),
    ('\tcounter 5;', [
        '\tcounter 5', '\tcounter five;', '\tpersend 2;', '\tnatt_keepalive 15 sec;',
        '\tcounter 5 sec;', '\tcounters 5;',
    ]),
    ('\tinterval 10 sec;', [
        '\tinterval 10;', '\tinterval 10 secs;', '\tinterval 1 min;', '\tinterval 1 minute;',
        '\tinterval 1 day;', '\tinterval 10 seconds;', '\tinterval 10 s;',
    ]),
    ('\tphase1 30 sec;', ['\tphase1 1 hour;', '\tphase1 30;', '\tphase1 2 hours;', '\tphase1 30 second;']),
    ('\trandomize off;', [
        '\trandomize no;', '\trandomize_length on;', '\tmaximum_length 20;', '\tstrict_check on;',
        '\texclusive_tail on;', '\trandomize off', '\trandomise off;', '\tmaximum_length 0x14;',
    ]),
    ('remote 198.51.100.1 {', [
        'remote 198.51.100.1 [500] {', 'remote 198.51.100.1[500] {', 'remote anonymous {',
        'remote anonymous [500] {', 'remote "east" {', 'remote east {',
        'remote vpn.example.org {', 'remote 198.51.100.0/24 {', 'remote "198.51.100.1" {',
        'remote 2001:db8::2 {', 'remote 198.51.100.1', 'remote 198.51.100.1 {{',
        'remote {', 'remotes 198.51.100.1 {', 'remote 198.51.100.1 inherit 198.51.100.9 {',
        'remote anonymous inherit 198.51.100.9 {',
    ]),
    ('\texchange_mode main;', [
        '\texchange_mode aggressive;', '\texchange_mode base;', '\texchange_mode main, aggressive;',
        '\texchange_mode main aggressive;', '\texchange_mode main,aggressive;',
        '\texchange_mode aggressive, main;', '\texchange_mode Main;', '\texchange_mode mmain;',
        '\texchange_mode mainaggressive;', '\texchange_mode main', '\texchange_mode;',
        '', '\texchange_mode identity;', '\texchange_mode quick;', '\texchange-mode main;',
        '\texchange_mode main main;', '\texchange_mode maim;', '\texchange_mode mian;',
    ]),
    ('\tmy_identifier address;', [
        '\tmy_identifier address 192.0.2.1;', '\tmy_identifier fqdn "west.example.org";',
        '\tmy_identifier fqdn west.example.org;', '\tmy_identifier user_fqdn "vpn@example.org";',
        '\tmy_identifier keyid tag "west";', '\tmy_identifier keyid file "/etc/keyid";',
        '\tmy_identifier asn1dn;', '\tmy_identifier subnet 10.1.0.0/16;',
        '\tmy_identifier fqdn "";', '\tmy_identifier address "192.0.2.1";',
        '\tmy_identifier hostname "west";', '\tmy_identifier;', '\tmy_identifer address;',
        '\tmy_identifier addresss;', '\tmy_identifier adress;', '\tmy_identifier address 192.0.2.1',
        '\tpeers_identifier address 198.51.100.1;', '\tpeers_identifier fqdn "east.example.org";',
        '\tpeers_identifier user_fqdn "east@example.org";\n\tverify_identifier on;',
        '\tpeers_identifier fqdn "east.example.org";\n\tpeers_identifier address 198.51.100.1;\n\tverify_identifier on;',
        '\tverify_identifier on;', '\tverify_identifier yes;', '\tverify_identifier true;',
        '\tpeers_identifier asn1dn "C=XX, O=Oracle, CN=*";',
    ]),
    ('\tlifetime time 8 hour;', [
        '\tlifetime time 8 hours;', '\tlifetime time 28800 sec;', '\tlifetime time 480 min;',
        '\tlifetime time 28800;', '\tlifetime time 1 day;', '\tlifetime byte 100 MB;',
        '\tlifetime 8 hour;', '\tlifetime time 8 hour', '\tlifetime time eight hour;',
        '\tnonce_size 16;', '\tnonce_size 0x10;', '\tpassive on;', '\tpassive yes;',
        '\tpassive off;', '\tpassive;', '\tike_frag on;', '\tike_frag force;', '\tesp_frag 552;',
        '\tinitial_contact off;', '\tinitial_contact on;', '\tmode_cfg on;',
        '\tweak_phase1_check on;', '\tgenerate_policy on;', '\tgenerate_policy require;',
        '\tgenerate_policy unique;', '\tgenerate_policy maybe;', '\tsupport_proxy on;',
        '\tnat_traversal on;', '\tnat_traversal force;', '\tnat_traversal yes;',
        '\tdpd_delay 20;', '\tdpd_delay 20;\n\tdpd_retry 5;\n\tdpd_maxfail 3;', '\tdpd_delay 20 sec;',
        '\trekey off;', '\trekey force;', '\tph1id 3;', '\tproposal_check obey;',
        '\tproposal_check strict;', '\tproposal_check claim;', '\tproposal_check exact;',
        '\tproposal_check loose;', '\tproposal_check obeyy;',
        '\tscript "/usr/local/etc/racoon/up.sh" phase1_up;',
        '\tscript "/usr/local/etc/racoon/down.sh" phase1_down;',
        '\tscript "/usr/local/etc/racoon/up.sh";', '\tdh_group modp2048;', '\tkeepalive;',
        '\tsend_cert off;', '\tsend_cr off;', '\tverify_cert off;', '\tmatch_empty_cr on;',
        '\tdoi ipsec_doi;', '\tsituation identity_only;', '\tsituation secrecy;',
        '\tcertificate_type x509 "west.crt" "west.key";', '\tca_type x509 "ca.crt";',
        '\tpeers_certfile x509 "east.crt";', '\txauth_login "west";', '\tremote_address 198.51.100.1;',
        '\tlifetime time 8 hour;\n\tlifetime time 1 hour;', '\tpassive on;\n\tpassive off;',
        '\tike_frag yes;', '\tdpd on;',
    ]),
    ('\t\tencryption_algorithm aes 256;', [
        '\t\tencryption_algorithm aes;', '\t\tencryption_algorithm aes 128;', '\t\tencryption_algorithm aes 192;',
        '\t\tencryption_algorithm aes256;', '\t\tencryption_algorithm aes 512;', '\t\tencryption_algorithm aes 100;',
        '\t\tencryption_algorithm rijndael;', '\t\tencryption_algorithm 3des;', '\t\tencryption_algorithm 3des 192;',
        '\t\tencryption_algorithm des;', '\t\tencryption_algorithm blowfish 448;', '\t\tencryption_algorithm blowfish 449;',
        '\t\tencryption_algorithm cast128;', '\t\tencryption_algorithm camellia 256;', '\t\tencryption_algorithm twofish;',
        '\t\tencryption_algorithm null;', '\t\tencryption_algorithm aes, 3des;', '\t\tencryption_algorithm aes-cbc;',
        '\t\tencryption_algorithm AES;', '\t\tencryption_algorithm aes_256;', '\t\tencryption_algorithm aes 256',
        '\t\tencryption_algorithm;', '', '\t\tencryption_algorithm aess;', '\t\tencryption_algorithm rc5;',
        '\t\tencryption_algorithm idea;', '\t\tencryption_algorithm des_iv64;',
    ]),
    ('\t\thash_algorithm sha256;', [
        '\t\thash_algorithm sha1;', '\t\thash_algorithm md5;', '\t\thash_algorithm sha384;', '\t\thash_algorithm sha512;',
        '\t\thash_algorithm sha2_256;', '\t\thash_algorithm hmac_sha1;', '\t\thash_algorithm SHA1;',
        '\t\thash_algorithm sha-256;', '\t\thash_algorithm sha256', '', '\t\thash_algorithm sha1, md5;',
        '\t\thash_algorithm sha255;', '\t\thash_algorithm sha2566;',
    ]),
    ('\t\tauthentication_method pre_shared_key;', [
        '\t\tauthentication_method rsasig;', '\t\tauthentication_method gssapi_krb;',
        '\t\tauthentication_method xauth_psk_client;', '\t\tauthentication_method xauth_psk_server;',
        '\t\tauthentication_method hybrid_rsa_client;', '\t\tauthentication_method psk;',
        '\t\tauthentication_method pre-shared-key;', '\t\tauthentication_method pre_shared_key', '',
        '\t\tauthentication_method dsssig;', '\t\tauthentication_method pre_shared_keys;',
        '\t\tauthentication_method gssapi_krb;\n\t\tgss_id "host/west";',
        '\t\tauthentication_method pre_shared_key;\n\t\tgss_id "host/west";',
    ]),
    ('\t\tdh_group modp2048;', [
        '\t\tdh_group 2;', '\t\tdh_group 14;', '\t\tdh_group 5;', '\t\tdh_group 1;', '\t\tdh_group 15;',
        '\t\tdh_group 18;', '\t\tdh_group 19;', '\t\tdh_group 24;', '\t\tdh_group 3;', '\t\tdh_group 0;',
        '\t\tdh_group modp768;', '\t\tdh_group modp1024;', '\t\tdh_group modp1536;', '\t\tdh_group modp3072;',
        '\t\tdh_group modp4096;', '\t\tdh_group modp6144;', '\t\tdh_group modp8192;', '\t\tdh_group ec2n155;',
        '\t\tdh_group modp2049;', '\t\tdh_group MODP2048;', '\t\tdh_group modp2048', '', '\t\tdh_group;',
        '\t\tdh_group modp2048;\n\t\tlifetime time 1 hour;', '\t\tdh_group modp2048;\n\t\tlifetime byte 1 MB;',
        '\t\tdh_group ecp256;', '\t\tdh_group modp_2048;',
    ]),
    ('sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any {', [
        'sainfo anonymous {', 'sainfo anonymous clientaddr {', 'sainfo anonymous address 10.2.0.0/16 any {',
        'sainfo address 10.1.0.0/16 any anonymous {', 'sainfo address 10.1.0.0/16 any clientaddr {',
        'sainfo address 10.1.0.0/16 address 10.2.0.0/16 {', 'sainfo address 10.1.0.0/16 any address 10.2.0.0/16 {',
        'sainfo subnet 10.1.0.0/16 any subnet 10.2.0.0/16 any {', 'sainfo address 10.1.0.1 any address 10.2.0.1 any {',
        'sainfo address 10.1.0.0/16 tcp address 10.2.0.0/16 tcp {', 'sainfo address 10.1.0.0/16 [any] any address 10.2.0.0/16 [any] any {',
        'sainfo address 10.1.0.0/16 [22] tcp address 10.2.0.0/16 [any] tcp {',
        'sainfo address 10.1.0.0/16 [22] icmp address 10.2.0.0/16 icmp {',
        'sainfo address 10.1.0.0/16 icmp6 address 10.2.0.0/16 icmp6 {',
        'sainfo address 10.1.0.1-10.1.0.9 any address 10.2.0.0/16 any {',
        'sainfo address 10.1.0.0/16 gre address 10.2.0.0/16 gre {', 'sainfo address 10.1.0.0/16 47 address 10.2.0.0/16 47 {',
        'sainfo address 10.1.0.0/16 ALL address 10.2.0.0/16 ALL {', 'sainfo address 10.1.0.0/16 all address 10.2.0.0/16 all {',
        'sainfo address 2001:db8:1::/48 any address 2001:db8:2::/48 any {',
        'sainfo address 10.1.0.0/16 any address 2001:db8:2::/48 any {',
        'sainfo address lan.example.org any address 10.2.0.0/16 any {',
        'sainfo anonymous anonymous {', 'sainfo {', 'sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any from address 198.51.100.1 {',
        'sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any from fqdn "east.example.org" {',
        'sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any group "vpn" {',
        'sainfo fqdn "west.example.org" fqdn "east.example.org" {',
        'sainfo asn1dn "CN=west" asn1dn "CN=east" {',
        'sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any', 'sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any {{',
        'sainfo address 10.1.0.0/16 udp address 10.2.0.0/16 udp {', 'sainfo address 10.1.0.0/16 esp address 10.2.0.0/16 esp {',
        'sainfo address 10.1.0.0/33 any address 10.2.0.0/16 any {', 'sainfo adress 10.1.0.0/16 any address 10.2.0.0/16 any {',
        'sainfo address 10.1.0.0/16 anyy address 10.2.0.0/16 any {',
    ]),
    ('\tpfs_group modp2048;', [
        '\tpfs_group 2;', '\tpfs_group 14;', '\tpfs_group 0;', '\tpfs_group none;', '\tpfs_group modp1024;',
        '\tpfs_group 19;', '\tpfs_group modp2048', '', '\tremoteid 3;', '\tpfs_group modp2048;\n\tpfs_group 2;',
        '\tmy_identifier address;', '\tdh_group modp2048;', '\tpfs-group modp2048;', '\tpfs_group off;',
    ]),
    ('\tlifetime time 1 hour;', [
        '\tlifetime time 3600 sec;', '\tlifetime time 3600;', '\tlifetime byte 1 MB;', '\tlifetime time 1 hours;',
        '\tlifetime time 60 min;', '\tlifetime time 1 day;', '\tlifetime time 1 hour', '\tlifetime time 1 hour;\n\tlifetime byte 100 KB;',
        '\tlifetime byte 1 GB;',
    ]),
    ('\tencryption_algorithm aes 256;', [
        '\tencryption_algorithm aes;', '\tencryption_algorithm aes 128, aes 256;', '\tencryption_algorithm aes, 3des;',
        '\tencryption_algorithm 3des;', '\tencryption_algorithm des;', '\tencryption_algorithm blowfish;',
        '\tencryption_algorithm cast128;', '\tencryption_algorithm camellia;', '\tencryption_algorithm null_enc;',
        '\tencryption_algorithm null;', '\tencryption_algorithm rijndael;', '\tencryption_algorithm twofish;',
        '\tencryption_algorithm aes-cbc;', '\tencryption_algorithm aes aes;', '\tencryption_algorithm aes 512;',
        '\tencryption_algorithm aes256;', '\tencryption_algorithm AES;', '', '\tencryption_algorithm;',
        '\tencryption_algorithm aes 256', '\tencryption_algorithm aes, ;', '\tencryption_algorithm des_iv64;',
        '\tencryption_algorithm aes_gcm;', '\tencryption_algorithm aes, null_enc;',
    ]),
    ('\tauthentication_algorithm hmac_sha256;', [
        '\tauthentication_algorithm hmac_sha1;', '\tauthentication_algorithm hmac_md5;',
        '\tauthentication_algorithm hmac_sha384;', '\tauthentication_algorithm hmac_sha512;',
        '\tauthentication_algorithm hmac_sha2_256;', '\tauthentication_algorithm non_auth;',
        '\tauthentication_algorithm hmac_sha1, hmac_sha256;', '\tauthentication_algorithm hmac_sha1 hmac_sha256;',
        '\tauthentication_algorithm sha1;', '\tauthentication_algorithm sha256;', '\tauthentication_algorithm hmac-sha1;',
        '\tauthentication_algorithm hmac_sha256', '', '\tauthentication_algorithm kpdk;', '\tauthentication_algorithm des;',
        '\tauthentication_algorithm hmac_sha265;', '\tauthentication_algorithm hmac_sha1, hmac_md5;',
    ]),
    ('\tcompression_algorithm deflate;', [
        '\tcompression_algorithm oui;', '\tcompression_algorithm lzs;', '\tcompression_algorithm deflate, lzs;',
        '\tcompression_algorithm none;', '\tcompression_algorithm deflate', '', '\tcompression_algorithm lzjh;',
        '\tcompression_algorithm Deflate;',
    ]),
]

# Whole files that a substitution cannot make.
RACOON_WHOLE = {
    'empty': '',
    'comments-only': '# nothing but a comment\n# and another\n',
    'remote-only': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'sainfo-only': 'sainfo anonymous {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\n',
    'remote-no-proposal': 'remote 198.51.100.1 {\n\texchange_mode main;\n}\n',
    'remote-empty': 'remote 198.51.100.1 {\n}\n',
    'inherit-address': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\nremote 198.51.100.2 inherit 198.51.100.1 {\n\tpassive on;\n}\n',
    'inherit-address-semicolon': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\nremote 198.51.100.2 inherit 198.51.100.1;\n',
    'inherit-named': 'remote "base" {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\nremote "east" inherit "base" {\n\tpassive on;\n}\n',
    'inherit-named-address': 'remote "base" {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\nremote "east" inherit "base" {\n\tremote_address 198.51.100.1;\n}\n',
    'inherit-missing-named': 'remote "east" inherit "base" {\n\texchange_mode main;\n}\n',
    'inherit-anonymous': 'remote anonymous {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\nremote 198.51.100.2 inherit anonymous {\n\tpassive on;\n}\n',
    'named-remote-address': 'remote "east" {\n\tremote_address 198.51.100.1;\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'duplicate-named': 'remote "east" {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\nremote "east" {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'duplicate-address': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\nremote 198.51.100.1 {\n\texchange_mode aggressive;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'duplicate-sainfo': 'sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\nsainfo address 10.1.0.0/16 any address 10.2.0.0/16 any {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\n',
    'two-anonymous-sainfo': 'sainfo anonymous {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\nsainfo anonymous {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\n',
    'aggressive-mixed-dh': 'remote 198.51.100.1 {\n\texchange_mode aggressive;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 14;\n\t}\n}\n',
    'main-mixed-dh': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 14;\n\t}\n}\n',
    'aggressive-dh3': 'remote 198.51.100.1 {\n\texchange_mode aggressive;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 3;\n\t}\n}\n',
    'unterminated-remote': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n',
    'crlf': 'log notify;\r\nremote 198.51.100.1 {\r\n\texchange_mode main;\r\n\tproposal {\r\n\t\tencryption_algorithm aes;\r\n\t\thash_algorithm sha1;\r\n\t\tauthentication_method pre_shared_key;\r\n\t\tdh_group 2;\r\n\t}\r\n}\r\n',
    'one-line': 'remote 198.51.100.1 { exchange_mode main; proposal { encryption_algorithm aes; hash_algorithm sha1; authentication_method pre_shared_key; dh_group 2; } }\n',
    'hash-in-string': 'path pre_shared_key "/usr/local/etc/racoon/psk#1.txt";\n',
    'string-over-lines': 'path pre_shared_key "/usr/local/etc/\nracoon/psk.txt";\n',
    'unterminated-string': 'path pre_shared_key "/usr/local/etc/racoon/psk.txt;\nlog notify;\n',
    'include-glob-none': 'include "/nonexistent/oracle/*.conf";\n',
    'sainfo-no-compression': 'sainfo anonymous {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n}\n',
    'sainfo-empty': 'sainfo anonymous {\n}\n',
    'proposal-empty': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t}\n}\n',
    'dh-only-proposal': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tdh_group 2;\n\t}\n}\n',
    'icmp-port': 'sainfo address 10.1.0.0/16 [8] icmp address 10.2.0.0/16 icmp {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\n',
    'icmp6-v4': 'sainfo address 10.1.0.0/16 icmp6 address 10.2.0.0/16 icmp6 {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\n',
    'extra-brace-top': 'log notify;\n}\n',
    'extra-brace-after-remote': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n}\n',
    'extra-brace-in-remote': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n\t}\n}\n',
    'extra-brace-in-proposal': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}}\n}\n',
    'extra-brace-sainfo': 'sainfo anonymous {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}}\n',
    'semicolon-after-brace': 'sainfo anonymous {\n\tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n};\n',
    'sainfo-3des-fbsd12': '# profile: freebsd12\nsainfo anonymous {\n\tencryption_algorithm 3des;\n\tauthentication_algorithm hmac_md5;\n\tcompression_algorithm deflate;\n}\n',
    'sainfo-blowfish-fbsd12': '# profile: freebsd12\nsainfo anonymous {\n\tencryption_algorithm blowfish 448, cast128, rijndael;\n\tauthentication_algorithm hmac_sha1, hmac_md5;\n\tcompression_algorithm deflate;\n}\n',
    'sainfo-camellia-fbsd12': '# profile: freebsd12\nsainfo anonymous {\n\tencryption_algorithm camellia;\n\tauthentication_algorithm hmac_sha256;\n\tcompression_algorithm deflate;\n}\n',
    'sainfo-des-fbsd12': '# profile: freebsd12\nsainfo anonymous {\n\tencryption_algorithm des;\n\tauthentication_algorithm hmac_sha1;\n\tcompression_algorithm deflate;\n}\n',
    'glued-equals-address': 'remote =198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'glued-underscore-address': 'listen {\n\tisakmp _192.0.2.1 [500];\n}\n',
    'glued-equals-string': 'path pre_shared_key ="/usr/local/etc/racoon/psk.txt";\n',
    'glued-equals-keyword': 'remote 198.51.100.1 {\n\texchange_mode =aggressive;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'glued-equals-number': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tdpd_delay = 30;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'comma-in-remote': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tdpd_delay 20,;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'anonymous-remote-address': 'remote anonymous {\n\tremote_address 198.51.100.1;\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
    'p1-3des-fbsd13': 'remote 198.51.100.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm 3des;\n\t\thash_algorithm md5;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n',
}

def typo_mutations(base):
    """Small slips in each keyword-bearing line of the base: a doubled
    letter, a dropped letter, a missing `;`, an upper-case first letter."""
    out = []
    lines = base.split('\n')
    for i, line in enumerate(lines):
        words = re.findall(r'[a-z_]{4,}', line)
        if line.startswith('#') or not words:
            continue
        w = words[0]
        j = line.index(w)
        for kind, nw in [('double', w + w[-1]), ('drop', w[:-1]), ('upper', w[0].upper() + w[1:])]:
            out.append((f'{kind}-{w}-l{i+1}', '\n'.join(lines[:i] + [line[:j] + nw + line[j+len(w):]] + lines[i+1:])))
        if line.rstrip().endswith(';'):
            out.append((f'nosemi-{w}-l{i+1}', '\n'.join(lines[:i] + [line.rstrip()[:-1]] + lines[i+1:])))
        if line.strip() == '}':
            out.append((f'brace-semi-l{i+1}', '\n'.join(lines[:i] + [line + ';'] + lines[i+1:])))
    return out

SETKEY_HEX128 = '0x' + '6f7261636c65' + '0' * 20
SETKEY_HEX160 = '0x' + '6f7261636c65' + '1' * 28
SETKEY_HEX256 = '0x' + '6f7261636c65' + '2' * 52

SETKEY_BASE = f"""\
# oracle case {{slug}}: {{what}}
flush;
spdflush;

add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};
add 198.51.100.1 192.0.2.1 esp 0x1002 -m tunnel -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};

spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;
spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec esp/tunnel/198.51.100.1-192.0.2.1/require;
"""

K16 = '"0123456789abcdef"'
K20 = '"0123456789abcdefghij"'
K24 = '"0123456789abcdefghijklmn"'
K32 = '"0123456789abcdefghijklmnopqrstuv"'
K36 = '"0123456789abcdefghijklmnopqrstuvwxyz"'

SETKEY_ADD = f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};'
SETKEY_SPD = 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;'

SETKEY_SUBSTITUTIONS = [
    ('flush;', [
        'flush esp;', 'flush ah;', 'flush ipcomp;', 'flush', 'FLUSH;', 'flush all;', 'dump;', 'dump esp;',
        'spddump;', 'flush; spdflush;', 'flushh;', 'flush; # comment after',
        'spdflush tagged;', 'exit;', 'quit;', 'deleteall 192.0.2.1 198.51.100.1 esp;',
        'delete 192.0.2.1 198.51.100.1 esp 0x1001;', 'delete 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel;',
        'get 192.0.2.1 198.51.100.1 esp 0x1001;', 'spdupdate 10.1.0.0/16 10.2.0.0/16 any -P out none;',
        'getspi 192.0.2.1 198.51.100.1 esp 0x1001;', 'spdadd tagged "vpn" -P out ipsec esp/transport//require;',
    ]),
    (SETKEY_ADD, [
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m transport -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m any -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -mtunnel -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunel -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -r 4 -u 7 -lh 3600 -ls 3000 -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -f random-pad -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -f nocyclic-seq -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -bh 100000 -E aes-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E rijndael-cbc {SETKEY_HEX128} -A hmac-sha2-256 {SETKEY_HEX256};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K24} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K32} -A hmac-sha2-256 {K32};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K20} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha2-256 {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha2-512 {K32};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha2-384 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A aes-xcbc-mac {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-ctr {K20} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-ctr {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-gcm-16 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-gcm-16 {K36};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-gcm-16 {K20} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-gcm-16 {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-gcm {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E 3des-cbc {K24} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E des-cbc "01234567" -A hmac-md5 {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E blowfish-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E camellia-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-md5 {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha256 {K32};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-ripemd160 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A keyed-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E null "" -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E null -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E simple "" -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A null;',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -A hmac-sha1 {K20} -E aes-cbc {K16};',
        f'add 192.0.2.1 198.51.100.1 ah 0x1001 -m tunnel -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 ah 0x1001 -m tunnel -E aes-cbc {K16};',
        f'add 192.0.2.1 198.51.100.1 ah-old 0x1001 -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp-old 0x1001 -E aes-cbc {K16};',
        f'add 192.0.2.1 198.51.100.1 esp-old 0x1001 -r 4 -E aes-cbc {K16};',
        'add 192.0.2.1 198.51.100.1 ipcomp 0x2001 -C deflate;',
        'add 192.0.2.1 198.51.100.1 ipcomp 0x2001 -C deflate -R;',
        'add 192.0.2.1 198.51.100.1 ipcomp 0x2001 -C lzs;',
        'add 192.0.2.1 198.51.100.1 tcp 0x1000 -A tcp-md5 "tcpmd5key";',
        f'add 192.0.2.1 198.51.100.1 esp-udp 0x1001 -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 100 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 4096 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x100000000 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x10 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc unquotedkey16byte -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc 0x0123456789abcdef0123456789abcdef0 -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc 0x{"ab" * 24} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc 0x{"ab" * 32} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc 0x{"ab" * 15}a -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E AES-CBC {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 ESP 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20}',
        f'add -4 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add -4n 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1[4500] 198.51.100.1[4500] esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 2001:db8::1 2001:db8::2 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 2001:db8::2 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add gw_west 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001\n\t-m tunnel\n\t-E aes-cbc {K16}\n\t-A hmac-sha1 {K20};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K20}; # comment',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 {K16}\n\t;',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc\n\t{K16}\n\t-A hmac-sha1 {K16};',
        f'add 192.0.2.1 198.51.100.1 esp 0x1001 -m tunnel -E aes-cbc {K16} -A hmac-sha1 "#notacomment#abcdefghi";',
    ]),
    (SETKEY_SPD, [
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/use;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/unique;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/unique:7;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/default;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel//require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/transport//require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-2001:db8::2/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/gw-west-gw-east/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1[4500]-198.51.100.1[4500]/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require ah/transport//require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec\n\tesp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require # the tunnel\n\t;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require; # the tunnel',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec # the tunnel\n\tesp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/requir;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec ESP/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec ipcomp/tunnel/192.0.2.1-198.51.100.1/use esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec ah/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out none;', 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out discard;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out entrust;', 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out bypass;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P fwd ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out prio 10 ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out;', 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 tcp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 udp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 icmp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 gre -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 47 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 ALL -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 all -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 tcp6 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 ip -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 ipv4 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 ip4 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 ipencap -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 sctp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 ospf -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 TCP -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 icmp6 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 ipv6-icmp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 icmp6 135,0 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 icmp 8,0 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 256 -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16[any] 10.2.0.0/16[22] tcp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16[any] 10.2.0.0/16[ssh] tcp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16[any] 10.2.0.0/16[nosuchservice] tcp -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/33 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 2001:db8:2::/48 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 2001:db8:1::/48 2001:db8:2::/48 any -P out ipsec esp/tunnel/2001:db8::1-2001:db8::2/require;',
        'spdadd 10.1.0.1-10.1.0.9 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd -4 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd -n 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd lan_west 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1_198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require; spdadd 10.2.0.0/16 10.1.0.0/16 any -P in none;',
        'spddelete 10.1.0.0/16 10.2.0.0/16 any -P out;',
        'spddelete 10.1.0.0/16 10.2.0.0/16 any;',
        'spddelete 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require\nspdadd 10.2.0.0/16 10.1.0.0/16 any -P in none;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -Pout ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require/extra;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1 - 198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp / tunnel / 192.0.2.1-198.51.100.1 / require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require $x;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/unique:0;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/unique:40000;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P in ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/me-any/require;',
        'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require ;',
    ]),
]

SETKEY_WHOLE = {
    'empty': '',
    'comments-only': '# just a comment\n',
    'underscore-top': 'flush;\nspd_flush;\n',
    'underscore-host': f'add gw_a gw_b esp 0x1001 -E aes-cbc {K16} -A hmac-sha1 {K20};\n',
    'dollar': 'flush;\n$spdflush;\n',
    'stray-dot': 'flush;\n.\n',
    'unterminated-quote': f'add 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc "0123456789abcdef -A hmac-sha1 {K20};\nflush;\n',
    'two-on-a-line': 'flush; spdflush; dump;\n',
    'missing-semi-then-flush': 'flush\nspdflush;\n',
    'spd-missing-semi-then-add': f'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require\nadd 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc {K16} -A hmac-sha1 {K20};\n',
    'kernel-reject-multiline': f'add 192.0.2.1 198.51.100.1 esp 0x1001\n\t-m tunnel\n\t-E aes-cbc {K16}\n\t-A hmac-sha1 {K20}\n\t;\nadd 192.0.2.1 198.51.100.1 esp 0x1002\n\t-E aes-gcm-16 {K20}\n\t-A hmac-sha1 {K20}\n\t;\n',
    'kernel-reject-two': f'add 192.0.2.1 198.51.100.1 ah 0x1001 -E aes-cbc {K16};\nadd 192.0.2.1 198.51.100.1 ah 0x1002 -E aes-cbc {K16};\n',
    'ipcomp-lzs-then-ok': 'add 192.0.2.1 198.51.100.1 ipcomp 0x2001 -C lzs;\nflush;\n',
    'reserved-spi-spi': f'add 192.0.2.1 198.51.100.1 esp 200 -E aes-cbc {K16} -A hmac-sha1 {K20};\n',
    'reserved-spi-0-spi': f'add 192.0.2.1 198.51.100.1 esp 0 -E aes-cbc {K16} -A hmac-sha1 {K20};\n',
    'ok-spi-spi': f'add 192.0.2.1 198.51.100.1 esp 256 -E aes-cbc {K16} -A hmac-sha1 {K20};\n',
    'fbsd12-3des': f'# profile: freebsd12\nadd 192.0.2.1 198.51.100.1 esp 0x1001 -E 3des-cbc {K24} -A hmac-sha1 {K20};\n',
    'fbsd12-hmac-md5': f'# profile: freebsd12\nadd 192.0.2.1 198.51.100.1 esp 0x1001 -E rijndael-cbc {K16} -A hmac-md5 {K16};\n',
    'crlf': 'flush;\r\nspdflush;\r\n',
    'policy-over-lines': 'spdadd 10.1.0.0/16 10.2.0.0/16 any\n\t-P out ipsec\n\tesp/tunnel/192.0.2.1-198.51.100.1/require\n\tah/tunnel/192.0.2.1-198.51.100.1/require;\n',
    'policy-hash-end': 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require; #c\nspdflush;\n',
    'policy-hash-mid-line3': 'flush;\nspdflush;\nspdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec #why\n\tesp/tunnel/192.0.2.1-198.51.100.1/require;\n',
    'upper-ah': 'spdadd 10.1.0.0/16 10.2.0.0/16 ah -P out none;\n',
    'upper-ipcomp': 'spdadd 10.1.0.0/16 10.2.0.0/16 ipcomp -P out none;\n',
    'upper-IPComp': 'spdadd 10.1.0.0/16 10.2.0.0/16 IPComp -P out none;\n',
    'upper-OSPF': 'spdadd 10.1.0.0/16 10.2.0.0/16 OSPF -P out none;\n',
    'upper-OSPFIGP': 'spdadd 10.1.0.0/16 10.2.0.0/16 OSPFIGP -P out none;\n',
    'upper-ip-encap': 'spdadd 10.1.0.0/16 10.2.0.0/16 ip-encap -P out none;\n',
    'upper-esp-old': 'spdadd 10.1.0.0/16 10.2.0.0/16 esp-old -P out none;\n',
    'upper-58-type-code': 'spdadd 2001:db8:1::/48 2001:db8:2::/48 58 135,0 -P out none;\n',
    'upper-ipv6-icmp-type-code': 'spdadd 2001:db8:1::/48 2001:db8:2::/48 ipv6-icmp 135,0 -P out none;\n',
    'transport-no-second-slash': 'spdadd 192.0.2.1 198.51.100.1 any -P out ipsec esp/transport;\n',
    'replay-glued': f'add 192.0.2.1 198.51.100.1 esp 0x1001 -r4 -u7 -E aes-cbc {K16} -A hmac-sha1 {K20};\n',
    'ah-auth-null': 'add 192.0.2.1 198.51.100.1 ah 0x1001 -A null;\n',
    'ipcomp-with-enc': f'add 192.0.2.1 198.51.100.1 ipcomp 0x2001 -E aes-cbc {K16};\n',
    'hash-semicolon-in-comment': 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec # old; new\n\tesp/tunnel/192.0.2.1-198.51.100.1/require;\n',
    'underscore-in-comment': 'flush; # my_gateway\nspdflush;\nflush\n',
    # A CR inside a quoted key is part of the key; setkey stops at the CR after `flush;`.
    'cr-in-quoted-key': f'add 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc "0123456789abcde\r" -A hmac-sha1 {K20};\nflush;\r\n',
    'policy-underscore': 'spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/gw_a-gw_b/require;\n',
}


def describe(old, new):
    """What a substitution changes, in a few words, without any key."""
    if not new.strip():
        return f'without {old.strip()}'
    old_words = set(old.split())
    words = [w for w in new.split() if w not in old_words] or new.split()
    words = ['KEY' if w.startswith('"') or re.fullmatch(r'0x[0-9a-fA-F]{9,}|[0-9A-Za-z]{12,}', w) else w for w in words]
    return ' '.join(words)


def write_cases(kind, base, subs, whole, mutations):
    d = os.path.join(HERE, kind)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    n = 0
    seen = set()

    def emit(slug, text):
        nonlocal n
        if text in seen:
            return
        seen.add(text)
        n += 1
        slug = re.sub(r'[^a-z0-9]+', '-', slug.lower()).strip('-')[:48]
        name = f'{kind[0]}{n:04d}-{slug}.{"racoon.conf" if kind == "racoon" else "setkey.conf"}'
        with open(os.path.join(d, name), 'w', newline='') as f:
            f.write(text)

    for old, news in subs:
        assert old in base, old
        for new in news:
            what = describe(old, new)
            slug = what
            emit(slug, base.replace(old, new, 1).replace('{slug}', slug).replace('{what}', what))
    for slug, text in whole.items():
        emit(slug, text)
    for slug, text in mutations:
        emit(slug, text.replace('{slug}', slug).replace('{what}', slug))
    return n


if __name__ == '__main__':
    r = write_cases('racoon', RACOON_BASE, RACOON_SUBSTITUTIONS, RACOON_WHOLE, typo_mutations(RACOON_BASE))
    s = write_cases('setkey', SETKEY_BASE, SETKEY_SUBSTITUTIONS, SETKEY_WHOLE, typo_mutations(SETKEY_BASE))
    print(f'{r} racoon.conf cases, {s} setkey cases')
