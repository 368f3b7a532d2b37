//! Gateway discovery and the checks across one gateway's files.

mod common;
use common::*;
use ipseclint::diagnostic::Severity;
use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::source::{DiskFs, MemoryFs};
use std::path::Path;

const RC: &str = "hostname=\"east.example.net\"\nifconfig_em0=\"inet 203.0.113.1/24\"\nifconfig_em1=\"inet 10.1.0.1/24\"\nipsec_enable=\"YES\"\nracoon_enable=\"YES\"\n";
const SPD: &str = "flush;\nspdflush;\nspdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;\nspdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec esp/tunnel/198.51.100.1-203.0.113.1/require;\n";
const RACOON: &str = "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\nremote 198.51.100.1 {\n exchange_mode main;\n proposal {\n  encryption_algorithm aes 256;\n  hash_algorithm sha256;\n  authentication_method pre_shared_key;\n  dh_group modp2048;\n }\n}\nsainfo address 10.1.0.0/24 any address 10.2.0.0/24 any {\n encryption_algorithm aes;\n authentication_algorithm hmac_sha256;\n compression_algorithm deflate;\n}\n";
const PSK: &str = "198.51.100.1\tQ7wZp2Lr9XkT4mVb8NcY3sHd\n";
const MTREE: &str = "./usr/local/etc/racoon/psk.txt type=file uname=root mode=0600\n";

fn gateway(root: &str) -> MemoryFs {
    let mut fs = MemoryFs::default();
    fs.insert(format!("{root}/etc/rc.conf"), RC);
    fs.insert(format!("{root}/etc/ipsec.conf"), SPD);
    fs.insert(format!("{root}/usr/local/etc/racoon/racoon.conf"), RACOON);
    fs.insert(format!("{root}/usr/local/etc/racoon/psk.txt"), PSK);
    fs.insert(format!("{root}/.mtree"), MTREE);
    fs
}

fn run(fs: &MemoryFs, path: &str) -> ipseclint::engine::Report {
    lint(&[Input { path: path.into() }], fs, &LintOptions::default())
}

/// The messages of one rule's findings.
fn messages<'a>(r: &'a ipseclint::engine::Report, code: &str) -> Vec<&'a str> {
    r.diagnostics
        .iter()
        .filter(|d| d.code() == code)
        .map(|d| d.message.as_str())
        .collect()
}

/// rc.conf (RC plus `extra`) with ipfw enabled from /etc/ipfw.rules, and those rules.
fn with_ipfw(fs: &mut MemoryFs, root: &str, extra: &str, rules: &str) {
    fs.insert(
        format!("{root}/etc/rc.conf"),
        format!("{RC}{extra}firewall_enable=\"YES\"\nfirewall_type=\"/etc/ipfw.rules\"\n"),
    );
    fs.insert(format!("{root}/etc/ipfw.rules"), rules);
}

fn codes(r: &ipseclint::engine::Report) -> Vec<&'static str> {
    r.diagnostics.iter().map(|d| d.rule.code).collect()
}

#[test]
fn a_clean_gateway_is_clean_and_paths_read_from_the_argument() {
    let fs = gateway("east");
    let r = run(&fs, "east");
    assert!(r.diagnostics.is_empty(), "{:?}", findings(&r));
    let paths: Vec<String> =
        r.db.files()
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
    assert!(
        paths.contains(&"east/usr/local/etc/racoon/racoon.conf".to_string()),
        "{paths:?}"
    );
    assert!(paths.contains(&"east/etc/ipsec.conf".to_string()));
}

#[test]
fn a_site_is_checked_gateway_by_gateway() {
    let mut fs = gateway("site/east");
    for (p, t) in [("site/west/etc/rc.conf", RC), ("site/west/etc/ipsec.conf", "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;\n")] {
        fs.insert(p, t);
    }
    let r = run(&fs, "site");
    let west: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| r.db.get(d.location.file).path.starts_with("site/west"))
        .map(|d| d.rule.code)
        .collect();
    assert!(west.contains(&"IPS4006"), "{west:?}"); // racoon enabled... but no racoon.conf
    assert!(west.contains(&"IPS4003"), "{west:?}");
    assert!(
        // (cross-peer findings aside: both test gateways claim 203.0.113.1)
        !r.diagnostics
            .iter()
            .any(|d| r.db.get(d.location.file).path.starts_with("site/east")
                && !d.rule.code.starts_with("IPS60")),
        "{:?}",
        findings(&r)
    );
}

#[test]
fn ipsec_enable_without_the_file_is_an_error_pointing_at_both_lines() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/etc/rc.conf",
        format!("{RC}ipsec_file=\"/etc/ipsec-vpn.conf\"\n"),
    );
    let r = run(&fs, "gw");
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "IPS4001")
        .expect("IPS4001");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(r.db.get(d.location.file).path, Path::new("gw/etc/rc.conf"));
    assert_eq!(d.related.len(), 1);
}

#[test]
fn sainfo_must_equal_the_policy_selectors_exactly() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/usr/local/etc/racoon/racoon.conf",
        RACOON.replace(
            "10.1.0.0/24 any address 10.2.0.0/24",
            "10.1.0.0/16 any address 10.2.0.0/16",
        ),
    );
    let r = run(&fs, "gw");
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "IPS4007")
        .expect("IPS4007");
    assert!(d.related[0].message.contains("exactly"), "{:?}", d.related);
}

#[test]
fn psk_lookup_follows_the_exchange_mode() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/usr/local/etc/racoon/psk.txt",
        "west.example.net\tQ7wZp2Lr9XkT4mVb8NcY3sHd\n",
    );
    assert!(codes(&run(&fs, "gw")).contains(&"IPS4012"));
    // Aggressive mode with the peer's fqdn finds the fqdn line.
    fs.insert(
        "gw/usr/local/etc/racoon/racoon.conf",
        RACOON.replace(
            "exchange_mode main;",
            "exchange_mode aggressive;\n peers_identifier fqdn \"west.example.net\";",
        ),
    );
    assert!(!codes(&run(&fs, "gw")).contains(&"IPS4012"));
}

#[test]
fn psk_modes_from_mtree_and_etckeeper() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/.mtree",
        "./usr/local/etc/racoon/psk.txt type=file uname=root mode=0644\n",
    );
    assert!(codes(&run(&fs, "gw")).contains(&"IPS4013"));
    // An mtree spec that does not list psk.txt says nothing about it.
    let mut fs = gateway("gw2");
    fs.insert("gw2/.mtree", "");
    assert!(!codes(&run(&fs, "gw2")).contains(&"IPS4013"));
    // etckeeper (which tracks /etc only) is a mode source even though it
    // cannot list psk.txt under /usr/local: no finding about the key file's
    // mode, and no "modes unknown" (IPS4016) either.
    let mut fs = MemoryFs::default();
    for (p, t) in [
        ("gw3/etc/rc.conf", RC),
        ("gw3/etc/ipsec.conf", SPD),
        ("gw3/usr/local/etc/racoon/racoon.conf", RACOON),
        ("gw3/usr/local/etc/racoon/psk.txt", PSK),
    ] {
        fs.insert(p, t);
    }
    fs.insert("gw3/etc/.etckeeper", "maybe chmod 0644 'rc.conf'\n");
    let c = codes(&run(&fs, "gw3"));
    assert!(!c.contains(&"IPS4016") && !c.contains(&"IPS4013"), "{c:?}");
}

#[test]
fn includes_never_leave_the_root() {
    let mut fs = gateway("gw");
    fs.insert("gw/usr/local/etc/racoon/racoon.conf", format!("path include \"/usr/local/etc/racoon\";\ninclude \"../../../../../../etc/master.passwd\";\n{RACOON}"));
    fs.insert(
        "etc/master.passwd",
        "root:secret:0:0::0:0:Charlie &:/root:/bin/csh\n",
    );
    let r = run(&fs, "gw");
    assert!(codes(&r).contains(&"IPS4017"), "{:?}", findings(&r));
    assert!(r.db.files().iter().all(|f| f.path.starts_with("gw")));
}

#[test]
fn include_globs_are_expanded_inside_the_root() {
    let mut fs = gateway("gw");
    let (remote, sainfo) = RACOON.split_at(RACOON.find("sainfo").unwrap());
    let remote = remote.replace(
        "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\n",
        "",
    );
    fs.insert("gw/usr/local/etc/racoon/racoon.conf", format!("path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\npath include \"/usr/local/etc/racoon\";\ninclude \"peers/*.conf\";\n{sainfo}"));
    fs.insert("gw/usr/local/etc/racoon/peers/west.conf", remote);
    let r = run(&fs, "gw");
    assert!(r.diagnostics.is_empty(), "{:?}", findings(&r));
    fs.insert(
        "gw/usr/local/etc/racoon/racoon.conf",
        "include \"peers/none*.conf\";\n",
    );
    assert!(codes(&run(&fs, "gw")).contains(&"IPS4018"));
}

#[test]
fn freebsd_version_sets_the_target_unless_given() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/usr/local/etc/racoon/racoon.conf",
        RACOON.replace("encryption_algorithm aes;", "encryption_algorithm 3des;"),
    );
    fs.insert(
        "gw/bin/freebsd-version",
        "#!/bin/sh\nUSERLAND_VERSION=\"12.4-RELEASE-p9\"\n",
    );
    let r = run(&fs, "gw");
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "IPS2015")
        .expect("IPS2015");
    assert_eq!(d.severity, Severity::Info, "FreeBSD 12 still has 3des");
    let r = lint(
        &[Input { path: "gw".into() }],
        &fs,
        &LintOptions {
            target: Some(ipseclint::Target::FreeBsd14),
            live: false,
            ..Default::default()
        },
    );
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "IPS2015")
        .expect("IPS2015");
    assert_eq!(d.severity, Severity::Error);
}

#[test]
fn oversized_files_are_reported_not_read() {
    let mut fs = gateway("gw");
    fs.insert("gw/etc/ipsec.conf", "#".repeat(17 * 1024 * 1024));
    let r = run(&fs, "gw");
    assert!(codes(&r).contains(&"IPS9003"));
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed_and_live_reads_modes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("gw");
    let secret = dir.path().join("outside.conf");
    std::fs::write(&secret, "spdadd 10.9.0.0/24 10.8.0.0/24 any -P out none;\n").unwrap();
    for (p, t) in [
        ("etc/rc.conf", RC),
        ("usr/local/etc/racoon/racoon.conf", RACOON),
        ("usr/local/etc/racoon/psk.txt", PSK),
    ] {
        let f = root.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, t).unwrap();
    }
    std::os::unix::fs::symlink(&secret, root.join("etc/ipsec.conf")).unwrap();
    let psk = root.join("usr/local/etc/racoon/psk.txt");
    std::fs::set_permissions(&psk, std::fs::Permissions::from_mode(0o644)).unwrap();
    let live = |root: &std::path::Path| {
        lint(
            &[Input {
                path: root.to_path_buf(),
            }],
            &DiskFs,
            &LintOptions {
                target: None,
                live: true,
                ..Default::default()
            },
        )
    };
    let r = live(&root);
    let c = codes(&r);
    assert!(c.contains(&"IPS4017"), "{c:?}");
    assert!(r.db.files().iter().all(|f| f.path != secret));
    // --live reads the real mode (0644) — and, when not root, the owner.
    assert!(c.contains(&"IPS4013"), "{c:?}");
    // A copied `.mtree` that still says 0600 does not win over the file system.
    std::fs::write(
        root.join(".mtree"),
        "#mtree\n./usr/local/etc/racoon/psk.txt type=file uid=0 mode=0600\n",
    )
    .unwrap();
    let c = codes(&live(&root));
    assert!(c.contains(&"IPS4013"), "with a stale .mtree: {c:?}");
}

/// An `.mtree` or an include directory that is a symlink out of the root is
/// never read or listed.
#[cfg(unix)]
#[test]
fn mtree_and_include_dirs_outside_the_root_are_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("gw");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    // Modes that would make psk.txt world-readable (IPS4013) if they were read.
    std::fs::write(
        outside.join("spec"),
        "./usr/local/etc/racoon/psk.txt type=file mode=0644 uid=0\n",
    )
    .unwrap();
    std::fs::write(outside.join("extra.conf"), "log debug;\n").unwrap();
    let racoon = format!("{RACOON}include \"/usr/local/etc/racoon/inc.d/*.conf\";\n");
    for (p, t) in [
        ("etc/rc.conf", RC),
        ("usr/local/etc/racoon/racoon.conf", racoon.as_str()),
        ("usr/local/etc/racoon/psk.txt", PSK),
    ] {
        let f = root.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, t).unwrap();
    }
    std::os::unix::fs::symlink(outside.join("spec"), root.join(".mtree")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("usr/local/etc/racoon/inc.d")).unwrap();
    let r = run_disk(&root);
    let c = codes(&r);
    assert!(
        !c.contains(&"IPS4013"),
        "the outside .mtree was read: {c:?}"
    );
    assert!(c.contains(&"IPS4016"), "modes are unknown: {c:?}");
    assert!(
        c.contains(&"IPS4017"),
        "the include directory escapes: {c:?}"
    );
    assert!(r.db.files().iter().all(|f| !f.path.starts_with(&outside)));
}

fn run_disk(root: &std::path::Path) -> ipseclint::Report {
    lint(
        &[Input {
            path: root.to_path_buf(),
        }],
        &DiskFs,
        &LintOptions::default(),
    )
}

/// A directory where rc.conf names a file is a finding (the file is missing),
/// not an I/O error.
#[test]
fn a_directory_configured_as_a_file_is_a_finding() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/etc/rc.conf",
        format!("{RC}ipsec_file=\"/etc/ipsec.d\"\n"),
    );
    fs.insert("gw/etc/ipsec.d/one.conf", "flush;\n");
    let r = run(&fs, "gw");
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    assert!(codes(&r).contains(&"IPS4001"), "{:?}", codes(&r));
}

/// A firewall script that is missing loads no rule: the kernel's default rule
/// (deny) stops the tunnel, not "no firewall".
#[test]
fn a_missing_firewall_script_leaves_the_default_deny() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/etc/rc.conf",
        format!("{RC}firewall_enable=\"YES\"\nfirewall_script=\"/etc/ipfw.sh\"\n"),
    );
    let c = codes(&run(&fs, "gw"));
    assert!(c.contains(&"IPS5002"), "{c:?}");
}

/// A prototype firewall with a kernel whose default rule accepts is not
/// reported by IPS5006 (the packet checks decide).
#[test]
fn prototype_firewall_with_default_accept() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/etc/rc.conf",
        format!("{RC}firewall_enable=\"YES\"\nfirewall_type=\"client\"\n"),
    );
    assert!(codes(&run(&fs, "gw")).contains(&"IPS5006"));
    fs.insert(
        "gw/boot/loader.conf",
        "net.inet.ip.fw.default_to_accept=\"1\"\n",
    );
    let c = codes(&run(&fs, "gw"));
    assert!(!c.contains(&"IPS5006"), "{c:?}");
}

/// Without net.inet.ipsec.filtertunnel the anti-spoof rule is a latent trap
/// (a warning); the IPv6 sysctl does not turn IPv4 filtering on.
#[test]
fn antispoof_rule_is_latent_without_ipv4_filtertunnel() {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_dir(
        &common::project().join("corpus/rules/IPS5007/bad"),
        tmp.path(),
    );
    let sysctl = tmp.path().join("etc/sysctl.conf");
    let severity = |r: &ipseclint::Report| {
        r.diagnostics
            .iter()
            .find(|d| d.code() == "IPS5007")
            .map(|d| d.severity)
    };
    assert_eq!(severity(&run_disk(tmp.path())), Some(Severity::Error));
    std::fs::write(&sysctl, "net.inet6.ipsec6.filtertunnel=1\n").unwrap();
    assert_eq!(severity(&run_disk(tmp.path())), Some(Severity::Warning));
    std::fs::remove_file(&sysctl).unwrap();
    assert_eq!(severity(&run_disk(tmp.path())), Some(Severity::Warning));
}

/// With NAT-T the peer's own exchanges arrive on UDP 4500 as well: a firewall
/// that admits 4500 only as replies to this gateway's packets is reported.
#[test]
fn natt_exchanges_the_peer_starts_must_get_in() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/usr/local/etc/racoon/racoon.conf",
        RACOON.replacen(
            "exchange_mode main;",
            "exchange_mode main;\n nat_traversal on;",
            1,
        ),
    );
    with_ipfw(
        &mut fs,
        "gw",
        "",
        "add 100 allow udp from 198.51.100.1 500 to 203.0.113.1 500 in via em0\n\
         add 110 allow udp from 203.0.113.1 500 to 198.51.100.1 500 out via em0\n\
         add 120 allow udp from me 4500 to any 4500 out via em0 keep-state\n\
         add 130 allow esp from any to any\n\
         add 140 allow ip from any to any via em1\n\
         add 65000 deny ip from any to any\n",
    );
    let r = run(&fs, "gw");
    let natt = messages(&r, "IPS5005");
    assert!(natt.iter().any(|m| m.contains("UDP 4500")), "{natt:?}");
    assert!(!natt.iter().any(|m| m.contains("UDP 500)")), "{natt:?}");
}

/// The Handbook's gif + IPsec VPN: the SPD encrypts the IP-in-IP packets, so
/// the firewall sees ESP, not protocol 4, on the outside.
#[test]
fn gif_inside_ipsec_needs_no_ipencap_rule() {
    let mut fs = gateway("gw");
    with_ipfw(
        &mut fs,
        "gw",
        "gif_interfaces=\"gif0\"\ngifconfig_gif0=\"203.0.113.1 198.51.100.1\"\n\
         ifconfig_gif0=\"inet 10.1.0.1 10.2.0.1 netmask 0xffffffff\"\n",
        "add 100 allow udp from any 500 to any 500\n\
         add 110 allow esp from any to any\n\
         add 120 allow ip from any to any via gif0\n\
         add 130 allow ip from any to any via em1\n\
         add 65000 deny ip from any to any\n",
    );
    fs.insert(
        "gw/etc/ipsec.conf",
        "flush;\nspdflush;\n\
         spdadd 203.0.113.1/32 198.51.100.1/32 ipencap -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;\n\
         spdadd 198.51.100.1/32 203.0.113.1/32 ipencap -P in ipsec esp/tunnel/198.51.100.1-203.0.113.1/require;\n",
    );
    let r = run(&fs, "gw");
    let gif = messages(&r, "IPS5008");
    assert!(gif.is_empty(), "{gif:?}");
    // Without the policies the IP-in-IP packets are on the wire and blocked.
    fs.insert("gw/etc/ipsec.conf", SPD);
    let r = run(&fs, "gw");
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code() == "IPS5008" && d.message.contains("IP-in-IP")),
        "{:?}",
        codes(&r)
    );
}

/// On a DHCP gateway `me` and `via em0` still stand for the tunnel's own
/// address: the configuration names it (SPD tunnel source), rc.conf cannot.
#[test]
fn dhcp_gateway_rules_with_me_pass_the_tunnel() {
    let mut fs = gateway("gw");
    fs.insert(
        "gw/etc/rc.conf",
        RC.replace(
            "ifconfig_em0=\"inet 203.0.113.1/24\"",
            "ifconfig_em0=\"DHCP\"",
        ) + "firewall_enable=\"YES\"\nfirewall_type=\"/etc/ipfw.rules\"\n",
    );
    fs.insert(
        "gw/etc/ipfw.rules",
        "add 100 allow udp from 198.51.100.1 500 to me 500 in via em0\n\
         add 110 allow udp from me 500 to 198.51.100.1 500 out via em0\n\
         add 120 allow esp from 198.51.100.1 to me in via em0\n\
         add 130 allow esp from me to 198.51.100.1 out via em0\n\
         add 140 allow ip from any to any via em1\n\
         add 65000 deny ip from any to any\n",
    );
    let c = codes(&run(&fs, "gw"));
    for code in ["IPS5002", "IPS5003", "IPS5005"] {
        assert!(!c.contains(&code), "{code}: {c:?}");
    }
}

/// The port's rc script requires racoon.conf at its own path, whatever file
/// racoon_flags `-f` names.
#[test]
fn the_rc_script_requires_the_default_racoon_conf() {
    let mut fs = MemoryFs::default();
    for (p, t) in [
        (
            "gw/etc/rc.conf",
            format!("{RC}racoon_flags=\"-f /usr/local/etc/racoon/vpn.conf\"\n"),
        ),
        ("gw/etc/ipsec.conf", SPD.to_string()),
        ("gw/usr/local/etc/racoon/vpn.conf", RACOON.to_string()),
        ("gw/usr/local/etc/racoon/psk.txt", PSK.to_string()),
        ("gw/.mtree", MTREE.to_string()),
    ] {
        fs.insert(p, t);
    }
    let r = run(&fs, "gw");
    let found = messages(&r, "IPS4003");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("required_files"), "{found:?}");
    // With the default file present too, nothing is missing.
    fs.insert(
        "gw/usr/local/etc/racoon/racoon.conf",
        "# placeholder for rc\n",
    );
    assert!(!codes(&run(&fs, "gw")).contains(&"IPS4003"));
}
