//! The ipf model against IPFilter's own regression suite (the f-tests run
//! exactly as `test/dotest`, `hextest`, `mtest`, `mhtest` run ipftest), the
//! ipf files found in the wild and in FreeBSD's examples, unit checks of the
//! evaluator through the public API, and a proptest that parsing never
//! panics. Skips with a printed reason when `../shared` is absent.

mod common;
use common::*;
use ipseclint::model::firewall::{Dir, FirewallEnv, Packet, Ruleset, Verdict};
use ipseclint::model::ipf::IpfRuleset;
use ipseclint::model::ipftest::{run, InputFormat, IpftestOptions};
use ipseclint::source::FileId;
use ipseclint::syntax::ipf::{self, IpfVersion};
use proptest::prelude::*;
use std::net::IpAddr;
use std::path::Path;

/// f-tests this model does not reproduce, as (suite, test, reason). Empty:
/// the stateful ones (f7 in 4.1, f11, f13, f15, f17, f19) match too.
const GAPS: &[(&str, &str, &str)] = &[];

struct Manifest {
    test: String,
    driver: String,
    input_format: String,
    extra: String,
}

fn manifest(dir: &Path) -> Vec<Manifest> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("test\t"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some(Manifest {
                test: f.first()?.to_string(),
                driver: f.get(1)?.to_string(),
                input_format: f.get(2).unwrap_or(&"").to_string(),
                extra: f.get(4).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// What the suite's driver script would write to results/T.
fn drive(dir: &Path, m: &Manifest, version: IpfVersion) -> String {
    let regress = std::fs::read_to_string(dir.join("regress").join(&m.test)).unwrap();
    let input = std::fs::read_to_string(dir.join("input").join(&m.test)).unwrap();
    let hex = matches!(m.driver.as_str(), "hextest" | "mhtest") || m.input_format == "hex";
    let mut opts = IpftestOptions {
        version,
        format: if hex {
            InputFormat::Hex
        } else {
            InputFormat::Text
        },
        ..Default::default()
    };
    if let Some((n, v)) = m.extra.split_once('=') {
        opts.tunables.push((n.to_string(), v.to_string()));
    }
    let mut out = String::new();
    match m.driver.as_str() {
        "dotest" | "hextest" => {
            // `while read rule; do echo "$rule" | ipftest ...; echo --------`
            for line in regress.lines() {
                let rule = format!("{}\n", line.trim());
                let r = run(&rule, &input, &opts);
                out.push_str(&r.output);
                if r.status != 0 {
                    break;
                }
                out.push_str("--------\n");
            }
        }
        _ => {
            let r = run(&regress, &input, &opts);
            out.push_str(&r.output);
            if r.status == 0 {
                out.push_str("--------\n");
            }
        }
    }
    out
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: expected `{x}`, got `{y}`", i + 1);
        }
    }
    format!(
        "expected {} lines, got {}",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn ipfilter_f_tests_byte_for_byte() {
    let shared = shared_or_skip!();
    let base = shared.join("conformance/ipfilter-test");
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    for (suite, version) in [
        ("ipfilter-3.4.29", IpfVersion::V3_4),
        ("freebsd-contrib-4.1.10", IpfVersion::V4_1),
    ] {
        let dir = base.join(suite);
        for m in manifest(&dir) {
            if !m.test.starts_with('f') {
                continue;
            }
            let expected = std::fs::read_to_string(dir.join("expected").join(&m.test)).unwrap();
            let got = drive(&dir, &m, version);
            let gap = GAPS.iter().find(|g| g.0 == suite && g.1 == m.test);
            match (got == expected, gap) {
                (true, None) => passed.push(format!("{suite}/{}", m.test)),
                (true, Some(_)) => failures.push(format!(
                    "{suite}/{} is listed as a gap but now matches: remove it from GAPS",
                    m.test
                )),
                (false, None) => failures.push(format!(
                    "{suite}/{} ({}): {}",
                    m.test,
                    m.driver,
                    first_difference(&expected, &got)
                )),
                (false, Some(g)) => println!("SKIP {suite}/{}: {}", m.test, g.2),
            }
        }
    }
    println!("byte-identical: {}", passed.join(" "));
    // Both suites have 36 f-tests: a manifest that stopped parsing must not pass.
    assert!(
        passed.len() + GAPS.len() >= 36,
        "only {} f-tests compared",
        passed.len()
    );
    if GAPS.is_empty() {
        println!("known gaps: none (every f-test of both suites is compared)");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Files nobody here wrote parse without a syntax error
// ---------------------------------------------------------------------------

/// ipf rule files among FreeBSD's examples (the rest are ipnat, ippool,
/// ipmon files, shell scripts and prose).
fn is_ipf_example(name: &str) -> bool {
    name.starts_with("example.")
        || name.starts_with("BASIC_")
        || name.starts_with("ipf.conf.")
        || name.starts_with("firewall.")
        || ["server", "tcpstate", "ip_rules"].contains(&name)
}

fn is_nat_example(name: &str) -> bool {
    ["nat.eg", "BASIC.NAT", "ipnat.conf.sample"].contains(&name)
        || name.ends_with("ipnat.conf.sample")
}

/// Files a SOURCES note calls broken (none of the ipf files so far).
fn noted_broken(shared: &Path, name: &str) -> bool {
    let notes = [
        shared.join("conformance/wild/SOURCES.tsv"),
        shared.join("conformance/SOURCES-firewall-rc.txt"),
    ];
    notes.iter().any(|p| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .any(|l| {
                // The file's own column, not any mention of a short name.
                l.split(['\t', ' '])
                    .any(|f| f == name || f.ends_with(&format!("/{name}")))
                    && [
                        "syntax error",
                        "does not parse",
                        "broken file",
                        "unparsable",
                    ]
                    .iter()
                    .any(|w| l.to_ascii_lowercase().contains(w))
            })
    })
}

/// The files of a directory that must exist and hold some (a wrong path
/// must not pass as "nothing to check").
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    assert!(!v.is_empty(), "{} is empty", dir.display());
    v.sort();
    v
}

#[test]
fn wild_and_example_ipf_files_parse() {
    let shared = shared_or_skip!();
    let conf = shared.join("conformance");
    let mut ipf_files = Vec::new();
    let mut nat_files = Vec::new();
    for p in files_in(&conf.join("wild/ipf")) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("ipnat") {
            nat_files.push(p);
        } else {
            ipf_files.push(p);
        }
    }
    for era in ["freebsd-2007", "freebsd-2015"] {
        for sub in ["contrib/ipfilter/rules", "share/examples/ipfilter"] {
            for p in files_in(&conf.join("ipfilter-examples").join(era).join(sub)) {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                if is_ipf_example(&name) {
                    ipf_files.push(p);
                } else if is_nat_example(&name) {
                    nat_files.push(p);
                }
            }
        }
    }
    assert!(ipf_files.len() >= 50, "{ipf_files:?}");
    assert!(nat_files.len() >= 7, "{nat_files:?}");
    let mut failures = Vec::new();
    for p in &ipf_files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if noted_broken(&shared, &name) {
            println!("SKIP {}: its SOURCES note says it is broken", rel(p));
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        for v in [IpfVersion::V4_1, IpfVersion::V5_1] {
            let parsed = ipf::parse(FileId(0), &text, v);
            for d in &parsed.diagnostics {
                let line = text[..d.location.span.start()].matches('\n').count() + 1;
                failures.push(format!("{}:{line} ({v:?}): {}", rel(p), d.message));
            }
            assert!(!parsed.file.rules.is_empty(), "{}: no rules", rel(p));
            // Every rule loads into the model.
            let rs = IpfRuleset::load(FileId(0), &parsed.file);
            assert!(!rs.entries.is_empty(), "{}", rel(p));
        }
    }
    for p in &nat_files {
        let text = std::fs::read_to_string(p).unwrap();
        let parsed = ipf::nat::parse(FileId(0), &text, IpfVersion::V5_1);
        for d in &parsed.diagnostics {
            failures.push(format!("{}: {}", rel(p), d.message));
        }
        assert!(!parsed.file.rules.is_empty(), "{}: no NAT rules", rel(p));
    }
    println!(
        "parsed {} ipf and {} ipnat files",
        ipf_files.len(),
        nat_files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ipf_rule_fixtures_trigger_their_code() {
    for code in ["IPS1301", "IPS1302"] {
        let dir = project().join("corpus/rules").join(code);
        for (kind, want) in [("bad", true), ("good", false)] {
            let path = dir.join(kind).join("ipf.rules");
            let text = std::fs::read_to_string(&path).unwrap();
            let parsed = ipf::parse(FileId(0), &text, IpfVersion::V5_1);
            let hit = parsed.diagnostics.iter().any(|d| d.rule.code == code);
            assert_eq!(hit, want, "{}: {:?}", rel(&path), parsed.diagnostics);
            if !want {
                assert!(
                    parsed.diagnostics.is_empty(),
                    "{}: {:?}",
                    rel(&path),
                    parsed.diagnostics
                );
            }
        }
    }
    let dir = project().join("corpus/rules/IPS1303");
    for (kind, want) in [("bad", true), ("good", false)] {
        let path = dir.join(kind).join("ipnat.rules");
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = ipf::nat::parse(FileId(0), &text, IpfVersion::V5_1);
        assert_eq!(
            parsed.diagnostics.iter().any(|d| d.rule.code == "IPS1303"),
            want,
            "{}: {:?}",
            rel(&path),
            parsed.diagnostics
        );
        if !want {
            assert!(parsed.diagnostics.is_empty());
        }
    }
}

// ---------------------------------------------------------------------------
// The evaluator through the shared Ruleset interface
// ---------------------------------------------------------------------------

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn load(text: &str, v: IpfVersion) -> IpfRuleset {
    let parsed = ipf::parse(FileId(0), text, v);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    IpfRuleset::load(FileId(0), &parsed.file)
}

fn esp(dir: Dir, src: &str, dst: &str) -> Packet {
    Packet::new(dir, Some("fxp0"), 50, ip(src), ip(dst))
}

fn ike(dir: Dir, src: &str, dst: &str) -> Packet {
    Packet::udp(dir, Some("fxp0"), ip(src), 500, ip(dst), 500)
}

#[test]
fn last_match_and_quick_decide_ipsec_traffic() {
    for v in [IpfVersion::V3_4, IpfVersion::V4_1, IpfVersion::V5_1] {
        // A later non-quick block overrides the earlier pass...
        let rs = load(
            "pass in on fxp0 proto esp from 198.51.100.1 to 192.0.2.1\nblock in on fxp0 all\n",
            v,
        );
        let d = rs.evaluate(
            &FirewallEnv::default(),
            &[esp(Dir::In, "198.51.100.1", "192.0.2.1")],
        );
        assert_eq!(d[0].verdict, Verdict::Block, "{v:?}");
        assert_eq!(d[0].consulted.len(), 2);
        // ...unless the pass is quick.
        let rs = load(
            "pass in quick on fxp0 proto esp from 198.51.100.1 to 192.0.2.1\nblock in on fxp0 all\n",
            v,
        );
        let d = rs.evaluate(
            &FirewallEnv::default(),
            &[esp(Dir::In, "198.51.100.1", "192.0.2.1")],
        );
        assert_eq!(d[0].verdict, Verdict::Pass);
        assert_eq!(d[0].rule.unwrap().index, 0);
        // No rule: the kernel default applies.
        let d = rs.evaluate(
            &FirewallEnv::default(),
            &[esp(Dir::Out, "192.0.2.1", "198.51.100.1")],
        );
        assert_eq!(d[0].verdict, Verdict::NoMatch);
        assert_eq!(
            d[0].effective(rs.default_pass(&FirewallEnv::default())),
            Verdict::Pass
        );
        let env = FirewallEnv {
            default_pass: Some(false),
            ..Default::default()
        };
        assert!(!rs.default_pass(&env));
        assert_eq!(d[0].effective(rs.default_pass(&env)), Verdict::Block);
    }
}

#[test]
fn groups_skip_and_count() {
    for v in [IpfVersion::V3_4, IpfVersion::V4_1] {
        let rs = load(
            "count in on fxp0 all\n\
             block in quick on fxp0 from 10.0.0.0/8 to any\n\
             block in on fxp0 all head 100\n\
             pass in quick proto udp from any to any port = 500 group 100\n\
             pass in quick proto esp all group 100\n\
             skip 1 in proto icmp all\n\
             block in all\n",
            v,
        );
        let d = rs.evaluate(
            &FirewallEnv::default(),
            &[
                ike(Dir::In, "198.51.100.1", "192.0.2.1"),
                esp(Dir::In, "198.51.100.1", "192.0.2.1"),
                esp(Dir::In, "10.1.1.1", "192.0.2.1"),
                Packet::new(
                    Dir::In,
                    Some("fxp0"),
                    4,
                    ip("198.51.100.1"),
                    ip("192.0.2.1"),
                ),
                Packet::new(
                    Dir::In,
                    Some("fxp1"),
                    1,
                    ip("198.51.100.1"),
                    ip("192.0.2.1"),
                ),
            ],
        );
        let got: Vec<Verdict> = d.iter().map(|d| d.verdict).collect();
        assert_eq!(
            got,
            vec![
                Verdict::Pass,
                Verdict::Pass,
                Verdict::Block,
                Verdict::Block,
                Verdict::NoMatch
            ],
            "{v:?}"
        );
        // The count rule only counts: it decides no packet.
        let count = rs
            .rules()
            .iter()
            .position(|r| r.effect == ipseclint::model::firewall::RuleEffect::Continue)
            .expect("the count rule");
        assert!(
            d.iter().all(|x| x.rule.map(|r| r.index) != Some(count)),
            "{v:?}"
        );
    }
}

#[test]
fn keep_state_initiator_but_not_responder() {
    for v in [IpfVersion::V3_4, IpfVersion::V4_1] {
        let rs = load(
            "block in all\nblock out all\n\
             pass out quick on fxp0 proto udp from 192.0.2.1 port = 500 to any port = 500 keep state\n\
             pass out quick on fxp0 proto esp from 192.0.2.1 to any keep state\n",
            v,
        );
        let out = ike(Dir::Out, "192.0.2.1", "198.51.100.1");
        let reply = out.reply(Dir::In, Some("fxp0"));
        let esp_out = esp(Dir::Out, "192.0.2.1", "198.51.100.1");
        let esp_in = esp(Dir::In, "198.51.100.1", "192.0.2.1");
        let other_peer = esp(Dir::In, "203.0.113.7", "192.0.2.1");
        // Peer-initiated IKE is blocked: nothing admits an unsolicited packet.
        let d = rs.evaluate(
            &FirewallEnv::default(),
            &[
                reply.clone(),
                esp_in.clone(),
                out,
                reply,
                esp_out,
                esp_in,
                other_peer,
            ],
        );
        let got: Vec<(Verdict, bool)> = d.iter().map(|d| (d.verdict, d.by_state)).collect();
        assert_eq!(
            got,
            vec![
                (Verdict::Block, false),
                (Verdict::Block, false),
                (Verdict::Pass, false),
                (Verdict::Pass, true),
                (Verdict::Pass, false),
                (Verdict::Pass, true),
                (Verdict::Block, false),
            ],
            "{v:?}"
        );
    }
}

#[test]
fn fragments_and_short_packets_miss_port_rules() {
    let rs = load(
        "block in all\npass in quick proto udp from any to any port = 500\n",
        IpfVersion::V4_1,
    );
    let mut frag = ike(Dir::In, "198.51.100.1", "192.0.2.1");
    frag.frag_offset = 185;
    let mut short = ike(Dir::In, "198.51.100.1", "192.0.2.1");
    short.short = true;
    short.sport = None;
    short.dport = None;
    let d = rs.evaluate(&FirewallEnv::default(), &[frag, short]);
    assert!(d.iter().all(|d| d.verdict == Verdict::Block));
}

#[test]
fn esp_in_ipftest_text_format() {
    let r = run(
        "block in all\npass in quick on fxp0 proto esp from 198.51.100.1 to 192.0.2.1\npass in quick on fxp0 proto udp from 198.51.100.1 to 192.0.2.1 port = 500\n",
        "in on fxp0 50 198.51.100.1 192.0.2.1\nin on fxp0 udp 198.51.100.1,500 192.0.2.1,500\nin on fxp0 udp 198.51.100.1,4500 192.0.2.1,4500\nin on fxp1 50 198.51.100.1 192.0.2.1\n",
        &IpftestOptions {
            version: IpfVersion::V4_1,
            ..Default::default()
        },
    );
    assert_eq!(r.output, "pass\npass\nblock\nblock\n");
}

// ---------------------------------------------------------------------------
// Parsing never panics
// ---------------------------------------------------------------------------

const VALID: &str = "block in log quick on fxp0 all with short\n\
    pass in quick on fxp0 proto udp from 198.51.100.1 port = 500 to 192.0.2.1 port = 500 keep state\n\
    pass out quick on fxp0 proto esp from 192.0.2.1 to 198.51.100.1 keep state (limit 10)\n\
    block return-icmp(net-unr) in proto udp from any to any port 6000 <> 6009 group 100\n\
    pass in proto tcp from !10.0.0.0/8 to any port = 22 flags S/SA keep frags head 5\n\
    ext = \"fxp0\";\nblock in on $ext from { 10.0.0.0/8, 172.16.0.0/12 } to any\n";

const VALID_NAT: &str = "map fxp0 10.1.0.0/16 -> 0/32 portmap tcp/udp 1024:65535\n\
    rdr fxp0 0.0.0.0/0 port 500 -> 10.1.1.1 port 500 udp\n";

fn exercise(text: &str) {
    for v in [IpfVersion::V3_4, IpfVersion::V4_1, IpfVersion::V5_1] {
        let p = ipf::parse(FileId(0), text, v);
        for d in &p.diagnostics {
            assert!(
                d.location.span.start() <= d.location.span.end()
                    && d.location.span.end() <= text.len()
            );
        }
        let rs = IpfRuleset::load(FileId(0), &p.file);
        let _ = rs.rules();
        let _ = rs.evaluate(
            &FirewallEnv::default(),
            &[
                ike(Dir::In, "198.51.100.1", "192.0.2.1"),
                esp(Dir::Out, "192.0.2.1", "198.51.100.1"),
            ],
        );
        let n = ipf::nat::parse(FileId(0), text, v);
        for d in &n.diagnostics {
            assert!(d.location.span.end() <= text.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn ipf_parsing_never_panics(s in "\\PC{0,200}") {
        exercise(&s);
    }

    #[test]
    fn ipf_mutations_never_panic(pos in 0usize..400, del in 0usize..20, ins in "[ -~\\n]{0,12}") {
        for base in [VALID, VALID_NAT] {
            let mut t = base.to_string();
            let p = pos.min(t.len());
            let p = (0..=p).rev().find(|i| t.is_char_boundary(*i)).unwrap_or(0);
            let e = (p + del).min(t.len());
            let e = (e..=t.len()).find(|i| t.is_char_boundary(*i)).unwrap_or(t.len());
            t.replace_range(p..e, &ins);
            exercise(&t);
        }
    }

    #[test]
    fn ipftest_inputs_never_panic(pkts in "[ -~\\n]{0,200}") {
        for f in [InputFormat::Text, InputFormat::Hex] {
            for v in [IpfVersion::V3_4, IpfVersion::V4_1] {
                let _ = run(VALID, &pkts, &IpftestOptions { version: v, format: f, ..Default::default() });
            }
        }
    }
}

#[test]
fn ipftest_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let pkts = dir.path().join("pkts");
    std::fs::write(
        &pkts,
        "in on fxp0 50 198.51.100.1 192.0.2.1\nin on fxp0 tcp 198.51.100.1,1025 192.0.2.1,22 S\n",
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("ipseclint")
        .unwrap()
        .args(["ipftest", "-b", "-r", "-", "-i"])
        .arg(&pkts)
        .write_stdin("block return-rst in proto tcp all\npass in quick proto esp all\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "pass\nblock return-rst\n"
    );
    // 4.x stops at a syntax error: exit status 1, nothing printed.
    let out = assert_cmd::Command::cargo_bin("ipseclint")
        .unwrap()
        .args(["ipftest", "--ipf-version", "4.1", "-r", "-", "-i"])
        .arg(&pkts)
        .write_stdin("pass in all junk\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk"));
}

/// Bad arguments and bad packets are named, never mapped or dropped silently.
#[test]
fn ipftest_names_a_bad_version_a_bad_tunable_value_and_a_cut_hex_packet() {
    let ipftest = |args: &[&str], stdin: &str| {
        assert_cmd::Command::cargo_bin("ipseclint")
            .unwrap()
            .arg("ipftest")
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .unwrap()
    };
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::write(&rules, "pass in all\n").unwrap();
    let rules = rules.to_str().unwrap();

    let out = ipftest(&["--ipf-version", "9.9", "-r", rules, "-i", "-"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown IPFilter version `9.9`"),
        "{}",
        stderr(&out)
    );
    for ok in ["3.4.35", "4.1", "5", "5.1.2"] {
        let out = ipftest(
            &["--ipf-version", ok, "-b", "-r", rules, "-i", "-"],
            "in tcp 1.1.1.1,1 2.2.2.2,2\n",
        );
        assert!(out.status.success(), "{ok}: {}", stderr(&out));
    }

    let out = ipftest(&["-T", "fr_statemax=-1", "-b", "-r", rules, "-i", "-"], "");
    assert!(
        stderr(&out).contains("bad value for tunable fr_statemax: `-1`"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("unknown tunable"));

    // `zz` ends the line for ipftest; the packet still ends at the blank line.
    let hex = "45000014 0000 0000 ff01 0000 01010101 02020202 zz 99\n\n4500\n";
    let out = ipftest(&["-F", "hex", "-b", "-r", rules, "-i", "-"], hex);
    let err = stderr(&out);
    assert!(
        err.contains("packets line 1: `z` is not a hex digit"),
        "{err}"
    );
    assert!(
        err.contains("packets line 3: the last packet is not ended by a blank line"),
        "{err}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}
