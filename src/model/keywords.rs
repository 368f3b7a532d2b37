//! What each racoon.conf statement keyword means and racoon's default for it
//! (ipsec-tools 0.8.2, from its code where the man page differs): the
//! language server's hover.

/// One keyword: what it does, and what racoon does when it is not written.
#[derive(Clone, Copy, Debug)]
pub struct KeywordDoc {
    pub keyword: &'static str,
    pub meaning: &'static str,
    pub default: &'static str,
}

const fn k(keyword: &'static str, meaning: &'static str, default: &'static str) -> KeywordDoc {
    KeywordDoc {
        keyword,
        meaning,
        default,
    }
}

/// The statement keywords, at the top level and in every block.
pub const KEYWORDS: &[KeywordDoc] = &[
    k("path", "Sets a directory or file racoon uses: `include`, `pre_shared_key` (psk.txt), `certificate`, `script`, `backupsa`, `pidfile`. A later `path` of the same type overrides an earlier one.", "none: without `path pre_shared_key` no pre-shared key is ever found"),
    k("include", "Reads more configuration files (a glob). A relative name is taken below `path include`; a glob that matches nothing stops racoon.", "none"),
    k("log", "racoon's log level: error, warning, notify, info, debug or debug2 (each `-d` flag raises it).", "info"),
    k("listen", "Which addresses racoon binds for IKE (`isakmp`, `isakmp_natt`), `strict_address` and the admin socket.", "all interface addresses, UDP 500 (and 4500 with NAT-T)"),
    k("timer", "Retransmission and timeout settings: counter, interval, persend, phase1, phase2, natt_keepalive.", "counter 5, interval 10 sec, persend 1, phase1 30 sec, phase2 30 sec, natt_keepalive 20 sec"),
    k("padding", "Padding of IKE payloads: randomize, randomize_length, maximum_length, strict_check, exclusive_tail.", "randomize on, maximum_length 20, exclusive_tail on"),
    k("remote", "Phase 1 settings for one peer (an address, a name with `remote_address`, or `anonymous` for any peer).", "none: a peer without a remote (and no `remote anonymous`) is refused"),
    k("sainfo", "Phase 2 settings for a pair of traffic selectors (local and remote ids), or `anonymous` for any.", "none: a phase 2 without a matching sainfo fails"),
    k("privsep", "Runs racoon privilege-separated: user, group, chroot.", "off"),
    k("pfkey_buffer", "The PF_KEY socket buffer size, in KB.", "0 (the system's default)"),
    k("gss_id_enc", "Encoding of GSS-API ids: latin1 or utf-16le.", "utf-16le"),
    k("complex_bundle", "How racoon orders a bundle of several IPsec protocols.", "on (the man page says off; the code says on)"),
    k("mode_cfg", "IKE mode-config for remote-access clients (addresses, DNS, split networks).", "off"),
    k("exchange_mode", "The phase 1 exchange modes: the first is the one racoon initiates with, all of them are accepted as responder.", "none: mandatory in every remote (`no exchange mode specified.`)"),
    k("remote_address", "The peer's address of a named remote.", "none: a named remote without it acts as anonymous"),
    k("my_identifier", "The identifier racoon sends in phase 1: address, fqdn, user_fqdn, keyid, asn1dn or subnet. With a pre-shared key it also selects the psk.txt line the peer looks up.", "address (the local IP address of the exchange)"),
    k("peers_identifier", "The identifier the peer must send (several lines are alternatives); checked only with `verify_identifier on`.", "none"),
    k("verify_identifier", "Whether the peer's identifier must match `peers_identifier`.", "off"),
    k("passive", "Never initiates: racoon only responds to this peer.", "off"),
    k("generate_policy", "As responder, installs the policies the initiator proposes (road warriors). `on` is `require`; `unique` too.", "off"),
    k("nat_traversal", "NAT-T (RFC 3947): `on` negotiates it, `force` uses UDP 4500 even without a NAT. Both sides need it.", "off"),
    k("initial_contact", "Sends INITIAL-CONTACT, so the peer drops SAs of an earlier run.", "on"),
    k("proposal_check", "How a responder judges the initiator's lifetimes and key lengths: obey, strict, claim or exact.", "strict"),
    k("lifetime", "The SA lifetime (`lifetime time N sec|min|hour`). `lifetime byte` is refused in phase 1.", "28800 sec (8 hours)"),
    k("dpd_delay", "Seconds between dead peer detection probes; 0 probes never.", "0"),
    k("dpd_retry", "Seconds before a DPD probe is retried.", "5"),
    k("dpd_maxfail", "DPD probes that may fail before the peer is declared dead.", "5"),
    k("ike_frag", "IKE fragmentation: on, off or force.", "off"),
    k("rekey", "Re-keys phase 1 when it expires: on, off or force.", "on"),
    k("ph1id", "A number that pairs this remote with sainfos that say `remoteid` the same number.", "0"),
    k("nonce_size", "Size of the nonce, in bytes.", "16"),
    k("certificate_type", "The local certificate and private key (x509 or plain_rsa), loaded when the file is parsed.", "none"),
    k("support_proxy", "Accepts phase 2 ids that are not the peers' own addresses (proxy ids).", "off"),
    k("proposal", "One phase 1 transform; the file's order is the order of preference.", "at least one is required in every remote"),
    k("encryption_algorithm", "In a proposal: the one phase 1 cipher (des, 3des, blowfish, cast128, aes). In a sainfo: the phase 2 ciphers, a comma-separated list, which the kernel must support.", "none: mandatory"),
    k("hash_algorithm", "The phase 1 hash: md5, sha1, sha256, sha384, sha512.", "none: mandatory"),
    k("authentication_method", "How the peers authenticate in phase 1: pre_shared_key (psk.txt), rsasig (certificates), gssapi_krb, or the hybrid/xauth modes.", "none: mandatory"),
    k("dh_group", "The Diffie-Hellman group of a phase 1 proposal (modp768 … modp8192, or 1, 2, 5, 14-18). With aggressive mode, every proposal needs the same group.", "none: mandatory (`DH group required.`)"),
    k("authentication_algorithm", "The phase 2 integrity algorithms, a comma-separated list (hmac_sha1, hmac_sha256, hmac_sha384, hmac_sha512, non_auth).", "none: mandatory"),
    k("compression_algorithm", "The IPComp algorithms (deflate); required even when IPComp is never used.", "none: mandatory"),
    k("pfs_group", "Perfect forward secrecy for phase 2: the DH group of a fresh exchange. Omit the line for no PFS; both sides must agree.", "none (no PFS)"),
    k("remoteid", "Pairs this sainfo with remotes that say `ph1id` the same number.", "0"),
];

/// The doc of a keyword, if it is one.
pub fn doc(word: &str) -> Option<&'static KeywordDoc> {
    KEYWORDS.iter().find(|d| d.keyword == word)
}
