//! The ipfw front end against real files (`../shared/conformance`), the
//! rc.firewall prototypes, our fixtures, and parsing never panicking.

mod common;

use ipseclint::diagnostic::{Diagnostic, Severity};
use ipseclint::model::firewall::{proto, Dir, Packet, Verdict};
use ipseclint::model::ipfw::{self, Evaluator, IpfwEnv};
use ipseclint::model::rc_firewall::{self, RcFirewallOptions};
use ipseclint::source::{FileId, LineIndex};
use ipseclint::syntax::ipfw::{self as ipfw_syntax, IpfwFormat};
use ipseclint::syntax::ipfw_sh::{self, PathKind, ShellOptions};
use proptest::prelude::*;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Files SOURCES.tsv notes as broken for ipfw, with the line ipfw rejects.
/// (`etc_11_ipf1b.conf`: "`$add 10060 udp from any to any via igb1 out
/// keep-state` has NO ACTION -> ipfw syntax error".)
const BROKEN: &[(&str, usize)] = &[("santosha2003__freebsd-desktop__etc_11_ipf1b.conf", 104)];

/// An rc.firewall script run with these rc.conf variables.
fn run_rc_firewall(text: &str, vals: &[(&str, &str)]) -> ipfw_sh::ShellOutput {
    let vals: HashMap<String, String> = vals
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let vars = rc_firewall::rc_vars_from(&vals);
    rc_firewall::run_script(FileId(0), text, &vars, &RcFirewallOptions::default())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn pkt(dir: Dir, iface: &str, proto: u8, src: &str, dst: &str) -> Packet {
    Packet::new(dir, Some(iface), proto, ip(src), ip(dst))
}

const TYPES: &[&str] = &[
    "open",
    "client",
    "simple",
    "closed",
    "workstation",
    "UNKNOWN",
];

fn errors(text: &str, diags: &[Diagnostic]) -> Vec<(usize, String)> {
    let li = LineIndex::new(text);
    let mut v: Vec<(usize, String)> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            (
                li.line_col(text, d.location.span.start()).0,
                d.message.clone(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Every error ipseclint reports for a file: a rule file is parsed as
/// `ipfw /path` reads it; a script is run (an rc.firewall once per
/// `firewall_type`, with the rc.conf defaults).
fn check_file(path: &Path) -> (Vec<(usize, String)>, usize) {
    let text = std::fs::read_to_string(path).expect("read");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    match ipfw_syntax::detect_format(&text) {
        IpfwFormat::RuleFile => {
            let p = ipfw_syntax::parse_file(FileId(0), &text);
            (errors(&text, &p.diagnostics), p.file.rules().count())
        }
        IpfwFormat::Shell if name.contains("rc.firewall") => {
            let mut all = Vec::new();
            let mut rules = 0;
            for t in TYPES {
                let out = run_rc_firewall(&text, &[("firewall_type", t)]);
                all.extend(errors(&text, &out.diagnostics));
                rules = rules.max(out.rules().len());
            }
            all.sort();
            all.dedup();
            (all, rules)
        }
        IpfwFormat::Shell => {
            let out = ipfw_sh::evaluate(FileId(0), &text, &ShellOptions::default());
            (
                errors(&text, &out.diagnostics),
                out.rules().len() + out.conditional_rules().len(),
            )
        }
    }
}

fn conformance_files(shared: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared.join("conformance/wild/ipfw"))
        .expect("wild/ipfw")
        .map(|e| e.unwrap().path())
        .collect();
    for e in walkdir::WalkDir::new(shared.join("conformance/rc")) {
        let e = e.unwrap();
        if e.file_type().is_file() && e.file_name().to_string_lossy().starts_with("rc.firewall") {
            files.push(e.path().to_path_buf());
        }
    }
    files.sort();
    files
}

#[test]
fn real_ipfw_files_parse_except_the_known_broken_line() {
    let shared = shared_or_skip!();
    // The broken list follows SOURCES.tsv: every ipfw file it calls a syntax error is in it.
    let tsv = std::fs::read_to_string(shared.join("conformance/wild/SOURCES.tsv")).expect("tsv");
    for line in tsv.lines().filter(|l| l.starts_with("ipfw/")) {
        let local = line.split('\t').next().unwrap();
        let name = local.trim_start_matches("ipfw/");
        if line.contains("syntax error") {
            assert!(
                BROKEN.iter().any(|(n, _)| *n == name),
                "{name} is noted as broken"
            );
        }
    }
    let files = conformance_files(&shared);
    assert!(files.len() >= 18, "{files:?}");
    let mut failures = Vec::new();
    let mut rules = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let (errs, n) = check_file(f);
        rules += n;
        match BROKEN.iter().find(|(b, _)| *b == name) {
            Some((_, line)) => {
                if errs.len() != 1 || errs[0].0 != *line {
                    failures.push(format!(
                        "{name}: expected one error at line {line}, got {errs:?}"
                    ));
                }
            }
            None => {
                if !errs.is_empty() {
                    failures.push(format!("{name}: {errs:?}"));
                }
            }
        }
    }
    assert!(rules > 300, "only {rules} rules found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_broken_rule_loses_only_itself_in_a_script() {
    let shared = shared_or_skip!();
    let path =
        shared.join("conformance/wild/ipfw/santosha2003__freebsd-desktop__etc_11_ipf1b.conf");
    let text = std::fs::read_to_string(path).unwrap();
    let out = ipfw_sh::evaluate(FileId(0), &text, &ShellOptions::default());
    let e = out
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "IPS1201")
        .unwrap();
    assert_eq!(&text[e.location.span.start()..e.location.span.end()], "udp");
    // The rule after it (65534 allow ip from any to any) is still added.
    assert!(out.rules().iter().any(|r| r.number == Some(65534)));
}

#[test]
fn rule_sets_of_real_scripts() {
    let shared = shared_or_skip!();
    let path = shared.join("conformance/wild/ipfw/ptudor__freebsd-install__etc_ipfw.rules");
    let text = std::fs::read_to_string(path).unwrap();
    let out = ipfw_sh::evaluate(FileId(0), &text, &ShellOptions::default());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let loaded = ipfw::load(&out.certain().commands);
    assert_eq!(loaded.rules.len(), 49);
    // Three rules share number 21150.
    assert_eq!(
        loaded
            .rules
            .iter()
            .filter(|r| r.number == Some(21150))
            .count(),
        3
    );
    // ESP is let in by `allow log esp from any to any` (rule 1001).
    let env = IpfwEnv::default();
    let esp = pkt(
        Dir::In,
        "lagg0",
        proto::ESP,
        "198.51.100.1",
        "69.197.191.250",
    );
    let d = ipfw::evaluate(&loaded.rules, &env, &esp);
    assert_eq!(d.verdict, Verdict::Pass);
    assert_eq!(loaded.rules[d.rule.unwrap().index].number, Some(1001));
    // IKE is admitted by source port 500 only.
    let ike = Packet::udp(
        Dir::In,
        Some("lagg0"),
        ip("198.51.100.1"),
        4500,
        ip("69.197.191.250"),
        4500,
    );
    assert_eq!(
        ipfw::evaluate(&loaded.rules, &env, &ike).verdict,
        Verdict::Block
    );
}

/// `firewall_type=simple` on the real current rc.firewall: the anti-spoof
/// rules deny RFC 1918 sources (table 13) on the outside interface.
#[test]
fn rc_firewall_simple_denies_rfc1918_on_the_outside() {
    let shared = shared_or_skip!();
    let path = shared.join("conformance/rc/freebsd-current/libexec/rc/rc.firewall");
    let text = std::fs::read_to_string(path).unwrap();
    let out = run_rc_firewall(
        &text,
        &[
            ("firewall_type", "simple"),
            ("firewall_simple_oif", "em0"),
            ("firewall_simple_inet", "203.0.113.0/24"),
        ],
    );
    assert!(errors(&text, &out.diagnostics).is_empty());
    assert!(out.conditional_rules().is_empty());
    let cmds = out.certain();
    let loaded = ipfw::load(&cmds.commands);
    let mut env = IpfwEnv {
        local: vec!["192.0.2.1".parse().unwrap()],
        ..Default::default()
    };
    env.tables = loaded.tables.clone();
    assert_eq!(env.tables["13"].len(), 8);
    // A decapsulated packet from the remote LAN, filtered on the outside interface.
    let mut inner = pkt(Dir::In, "em0", proto::TCP, "192.168.7.5", "203.0.113.3");
    inner.ipsec_done = true;
    let d = ipfw::evaluate(&loaded.rules, &env, &inner);
    assert_eq!(d.verdict, Verdict::Block);
    let rule = &loaded.rules[d.rule.unwrap().index];
    let line = &text[rule.span.start()..rule.span.end()];
    assert_eq!(
        line,
        "${fwcmd} add deny all from \"table($BAD_ADDR_TBL)\" to any via ${oif}"
    );
    // The inside net arriving on the outside interface.
    let spoof = pkt(Dir::In, "em0", proto::UDP, "203.0.113.9", "192.0.2.1");
    let d = ipfw::evaluate(&loaded.rules, &env, &spoof);
    let line = &text[loaded.rules[d.rule.unwrap().index].span.start()..];
    assert!(line.starts_with("${fwcmd} add deny all from ${inet} to any in via ${oif}"));
    // Neither ESP nor IKE is let in.
    let esp = pkt(Dir::In, "em0", proto::ESP, "198.51.100.1", "192.0.2.1");
    assert_eq!(
        ipfw::evaluate(&loaded.rules, &env, &esp).verdict,
        Verdict::Block
    );
}

/// The 2005 script (FreeBSD 4.x layout) lists the RFC 1918 nets itself.
#[test]
fn rc_firewall_2007_simple_lists_the_nets() {
    let shared = shared_or_skip!();
    let text = std::fs::read_to_string(shared.join("conformance/rc/freebsd-2007/etc/rc.firewall"))
        .unwrap();
    let out = run_rc_firewall(&text, &[("firewall_type", "SIMPLE")]);
    let loaded = ipfw::load(&out.certain().commands);
    let p = pkt(Dir::In, "ed0", proto::ESP, "172.16.1.1", "203.0.113.1");
    let d = ipfw::evaluate(&loaded.rules, &IpfwEnv::default(), &p);
    let r = &loaded.rules[d.rule.unwrap().index];
    assert_eq!(
        &text[r.span.start()..r.span.end()],
        "${fwcmd} add deny all from 172.16.0.0/12 to any via ${oif}"
    );
}

#[test]
fn builtin_stand_in_matches_the_real_script() {
    let shared = shared_or_skip!();
    let script = std::fs::read_to_string(
        shared.join("conformance/rc/freebsd-current/libexec/rc/rc.firewall"),
    )
    .unwrap();
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("firewall_type", "open")],
        vec![
            ("firewall_type", "OPEN"),
            ("natd_enable", "YES"),
            ("natd_interface", "em0"),
            ("firewall_nat_enable", "yes"),
            ("firewall_nat_interface", "192.0.2.1"),
            ("firewall_quiet", "YES"),
        ],
        vec![("firewall_type", "client")],
        vec![
            ("firewall_type", "client"),
            ("firewall_client_net_ipv6", "2001:db8::/64"),
            ("firewall_nat_enable", "YES"),
            ("firewall_nat_interface", "em0"),
            ("firewall_nat_flags", "same_ports"),
        ],
        vec![("firewall_type", "simple")],
        vec![
            ("firewall_type", "Simple"),
            ("natd_enable", "YES"),
            ("natd_interface", "em0"),
            ("firewall_simple_inet_ipv6", "2001:db8:1::/48"),
            ("firewall_simple_onet_ipv6", "2001:db8:2::/48"),
        ],
        vec![("firewall_type", "closed")],
        vec![("firewall_type", "workstation")],
        vec![
            ("firewall_type", "workstation"),
            ("firewall_myservices", "22/tcp 500/udp esp/proto 80 bad/"),
            ("firewall_allowservices", "192.0.2.0/24 any"),
            ("firewall_trusted", "10.0.0.1"),
            ("firewall_logdeny", "yes"),
        ],
        vec![("firewall_type", "UNKNOWN")],
        vec![
            ("firewall_type", "/etc/ipfw.rules"),
            ("firewall_flags", "-q"),
        ],
    ];
    for inet6 in [true, false] {
        for c in &cases {
            let m: HashMap<String, String> = c
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let vars = rc_firewall::rc_vars_from(&m);
            let mut o = RcFirewallOptions {
                inet6,
                ..Default::default()
            };
            o.files.insert("/etc/ipfw.rules".into(), PathKind::File);
            let real = rc_firewall::run_script(FileId(0), &script, &vars, &o);
            let text = rc_firewall::builtin_script(&vars, &o);
            let built = rc_firewall::run_builtin(FileId(1), &text, &o);
            assert!(errors(&text, &built.diagnostics).is_empty());
            assert_eq!(
                rc_firewall::command_texts(&real),
                rc_firewall::command_texts(&built),
                "{c:?} inet6={inet6}"
            );
            // Every built-in rule points at its own line of the stand-in.
            for r in built.rules() {
                let line = &text[r.span.start()..r.span.end()];
                assert!(
                    line.starts_with("/sbin/ipfw") && !line.contains('\n'),
                    "{line}"
                );
            }
        }
    }
}

#[test]
fn workstation_state_admits_replies_not_unsolicited_packets() {
    let vals: HashMap<String, String> = [("firewall_type", "workstation")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let vars = rc_firewall::rc_vars_from(&vals);
    let o = RcFirewallOptions::default();
    let text = rc_firewall::builtin_script(&vars, &o);
    let out = rc_firewall::run_builtin(FileId(0), &text, &o);
    let loaded = ipfw::load(&out.certain().commands);
    let env = IpfwEnv {
        local: vec!["192.0.2.1".parse().unwrap()],
        ..Default::default()
    };
    let mut ev = Evaluator::new(&loaded.rules, &env);
    let peer_ike = Packet::udp(
        Dir::In,
        Some("em0"),
        ip("198.51.100.1"),
        500,
        ip("192.0.2.1"),
        500,
    );
    assert_eq!(ev.eval(&peer_ike).verdict, Verdict::Block);
    let our_ike = peer_ike.reply(Dir::Out, Some("em0"));
    assert_eq!(ev.eval(&our_ike).verdict, Verdict::Pass);
    let d = ev.eval(&peer_ike);
    assert_eq!((d.verdict, d.by_state), (Verdict::Pass, true));
    // ESP has no rule in either direction.
    let esp = pkt(Dir::In, "em0", proto::ESP, "198.51.100.1", "192.0.2.1");
    assert_eq!(ev.eval(&esp).verdict, Verdict::Block);
}

fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            "add",
            "100",
            "allow",
            "deny",
            "skipto",
            "tcp",
            "udp",
            "esp",
            "from",
            "to",
            "any",
            "me",
            "not",
            "{",
            "}",
            "or",
            "(",
            ")",
            "10.0.0.0/8",
            "::1",
            "table(13)",
            "500",
            "22,80",
            "1024-65535",
            "via",
            "em0",
            "in",
            "out",
            "keep-state",
            "limit",
            "src-addr",
            "frag",
            "tcpflags",
            "syn,!ack",
            "//",
            "#",
            "\n",
            "-q",
            "flush",
            "table",
            "${fwcmd}",
            "$x",
            "\"",
            "'",
            "\\",
            "if",
            "then",
            "fi",
            "case",
            "esac",
            ";;",
            ")",
            "for",
            "do",
            "done",
            "=",
            "x=1",
            "`",
            "$(",
            "[",
            "]",
            "-n",
            "||",
            "&&",
            "|",
            ";",
            "1.2.3.0/24{5,7-9}",
            "ipfw",
            "/sbin/ipfw",
            "check-state",
            "log",
            "logamount",
        ]),
        0..40,
    )
    .prop_map(|v| v.join(" "))
}

fn exercise(text: &str) {
    let p = ipfw_syntax::parse_file(FileId(0), text);
    for d in &p.diagnostics {
        assert!(d.location.span.end() <= text.len());
    }
    let l = ipfw_syntax::parse_lines(FileId(0), text);
    let out = ipfw_sh::evaluate(FileId(0), text, &ShellOptions::default());
    for d in &out.diagnostics {
        assert!(
            d.location.span.start() <= d.location.span.end() && d.location.span.end() <= text.len()
        );
    }
    let loaded = ipfw::load(&l.file.commands);
    let env = IpfwEnv::default();
    let p = Packet::udp(
        Dir::In,
        Some("em0"),
        "10.0.0.1".parse().unwrap(),
        500,
        "10.0.0.2".parse().unwrap(),
        500,
    );
    let _ = ipfw::evaluate(&loaded.rules, &env, &p);
    for r in &loaded.rules {
        let _ = r.match_space();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn parsing_token_soup_never_panics(text in soup()) {
        exercise(&text);
    }

    #[test]
    fn header_space_agrees_with_evaluation(
        proto in prop::sample::select(vec![1u8, 6, 17, 50, 51, 4]),
        src in prop::sample::select(vec!["10.1.2.3", "192.168.1.1", "198.51.100.1", "2001:db8::1"]),
        dst in prop::sample::select(vec!["192.0.2.1", "10.9.9.9", "2001:db8::2"]),
        sport in 0u16..1000, dport in prop::sample::select(vec![22u16, 500, 4500, 80]),
        out in any::<bool>(), iface in prop::sample::select(vec!["em0", "em1", "gif0"]),
        frag in prop::sample::select(vec![0u16, 0, 185]),
    ) {
        let text = "add 100 deny all from 10.0.0.0/8 to any in via em0\n\
                    add 200 allow esp from any to 192.0.2.1\n\
                    add 300 allow udp from any to any not 500\n\
                    add 400 allow ip4 from any to any xmit gif*\n\
                    add 500 allow { tcp or udp } from 198.51.100.0/24 1-999 to { 192.0.2.1 or 10.9.9.9 } 22,500\n\
                    add 600 deny ip from not 192.168.0.0/16 to any out via em1\n\
                    add 700 allow udp from any to any dst-port 4500 proto udp\n";
        let p = ipfw_syntax::parse_lines(FileId(0), text);
        let rules = ipfw::load(&p.file.commands).rules;
        let (s, d): (IpAddr, IpAddr) = (src.parse().unwrap(), dst.parse().unwrap());
        prop_assume!(s.is_ipv4() == d.is_ipv4());
        let mut pkt = Packet::new(if out { Dir::Out } else { Dir::In }, Some(iface), proto, s, d);
        if proto == 6 || proto == 17 {
            pkt.sport = Some(sport);
            pkt.dport = Some(dport);
        }
        pkt.frag_offset = frag;
        let env = IpfwEnv::default();
        let spaces: Vec<_> = rules.iter().map(|r| r.match_space()).collect();
        prop_assert_eq!(spaces.iter().filter(|s| s.is_some()).count(), 6);
        for (i, r) in rules.iter().enumerate() {
            let Some(space) = &spaces[i] else { continue };
            let one = std::slice::from_ref(r);
            let d = ipfw::evaluate(one, &env, &pkt);
            let matched = d.rule.is_some() || !d.consulted.is_empty();
            prop_assert_eq!(space.contains(&pkt), matched, "rule {} {:?}", i, pkt);
        }
    }
}
