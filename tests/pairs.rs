//! Cross-peer checks: our own pairs (one per failure kind, and clean pairs
//! of each flavour), a hub-and-spoke site, and the real pairs in
//! ../shared/conformance/wild/pairs.

mod common;
use common::*;

fn run(paths: &[String]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(project())
        .arg("--format")
        .arg("json")
        .args(paths)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    let mut c: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c.dedup();
    c
}

/// (scenario, east→west, west→east, a code the pair must report, and where
/// its error points: the statement to change, as `gateway/path:line`)
/// (scenario, east→west, west→east, code, primary place)
type Expectation = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const EXPECTED: &[Expectation] = &[
    (
        "clean-main-psk-ipfw",
        "ESTABLISHED",
        "ESTABLISHED",
        None,
        None,
    ),
    (
        "clean-main-psk-ipf",
        "ESTABLISHED",
        "ESTABLISHED",
        None,
        None,
    ),
    (
        "clean-aggressive-fqdn",
        "ESTABLISHED",
        "ESTABLISHED",
        None,
        None,
    ),
    (
        "clean-main-address-ids",
        "ESTABLISHED",
        "ESTABLISHED",
        None,
        None,
    ),
    (
        "clean-manual-keys",
        "ESTABLISHED",
        "ESTABLISHED",
        None,
        None,
    ),
    ("clean-gif-legacy", "ESTABLISHED", "ESTABLISHED", None, None),
    (
        "fail-exchange-mode",
        "PHASE1_FAILED",
        "PHASE1_FAILED",
        Some("IPS6003"),
        None,
    ),
    (
        "fail-proposal-hash",
        "PHASE1_FAILED",
        "PHASE1_FAILED",
        Some("IPS6003"),
        None,
    ),
    // Strict: west (8 h) refuses east's 24 h; east accepts west's shorter lifetime.
    (
        "fail-lifetime-strict",
        "PHASE1_FAILED",
        "ESTABLISHED",
        Some("IPS6003"),
        None,
    ),
    (
        "fail-psk-differs",
        "PHASE1_KEY_MISMATCH",
        "PHASE1_KEY_MISMATCH",
        Some("IPS6004"),
        None,
    ),
    (
        "fail-psk-missing",
        "PHASE1_KEY_MISMATCH",
        "PHASE1_KEY_MISMATCH",
        Some("IPS6004"),
        None,
    ),
    (
        "fail-p2-auth",
        "PHASE2_FAILED",
        "PHASE2_FAILED",
        Some("IPS6005"),
        None,
    ),
    (
        "fail-pfs",
        "PHASE2_FAILED",
        "PHASE2_FAILED",
        Some("IPS6005"),
        None,
    ),
    (
        "fail-sainfo-mismatch",
        "PHASE2_FAILED",
        "PHASE2_FAILED",
        Some("IPS6005"),
        None,
    ),
    (
        "fail-no-inbound-policy",
        "PHASE2_FAILED",
        "ESTABLISHED",
        Some("IPS6005"),
        None,
    ),
    (
        "fail-firewall-esp",
        "BLOCKED_BY_FIREWALL",
        "BLOCKED_BY_FIREWALL",
        Some("IPS6006"),
        None,
    ),
    (
        "fail-missing-remote",
        "MISSING_PEER_CONFIG",
        "MISSING_PEER_CONFIG",
        Some("IPS6002"),
        None,
    ),
    (
        "fail-both-passive",
        "NEVER_INITIATED",
        "NEVER_INITIATED",
        Some("IPS6002"),
        Some("east/usr/local/etc/racoon/racoon.conf:12"),
    ),
    // Only west verifies identifiers, and only as responder.
    (
        "fail-identifier",
        "PHASE1_FAILED",
        "ESTABLISHED",
        Some("IPS6003"),
        None,
    ),
    // west's key for east→west differs; west→east uses equal keys.
    (
        "fail-manual-keys",
        "PHASE1_KEY_MISMATCH",
        "ESTABLISHED",
        Some("IPS6007"),
        None,
    ),
    // The IPsec SAs negotiate; the gif tunnels do not mirror each other.
    (
        "fail-gif-not-mirrored",
        "ESTABLISHED",
        "ESTABLISHED",
        Some("IPS6010"),
        None,
    ),
    (
        "fail-network-not-local",
        "ESTABLISHED",
        "ESTABLISHED",
        Some("IPS6009"),
        None,
    ),
    // FreeBSD 12 era 3DES/SHA1/modp1024: weak but working, so notes only.
    (
        "clean-freebsd12-3des",
        "ESTABLISHED",
        "ESTABLISHED",
        None,
        None,
    ),
    // The Handbook's gif + transport-mode ESP between the public addresses.
    (
        "clean-handbook-gif-transport",
        "ESTABLISHED",
        "ESTABLISHED",
        None,
        None,
    ),
    // The head office only responds (passive, generate_policy, NAT-T, FQDN ids).
    (
        "clean-responder-only-natt",
        "NEVER_INITIATED",
        "ESTABLISHED",
        None,
        None,
    ),
    // SAs come up; filtertunnel=1 lets the anti-spoof rule drop the decrypted traffic.
    (
        "fail-antispoof-filtertunnel",
        "BLOCKED_BY_FIREWALL",
        "BLOCKED_BY_FIREWALL",
        Some("IPS6006"),
        Some("west/etc/ipfw.rules:8"),
    ),
    // Only the DH group differs: the error is at that line, not at `proposal {`.
    (
        "fail-dh-group",
        "PHASE1_FAILED",
        "PHASE1_FAILED",
        Some("IPS6003"),
        Some("west/usr/local/etc/racoon/racoon.conf:16"),
    ),
    // The IKE rule names the LAN interface: that rule, not the final deny.
    (
        "fail-ipfw-lan-interface",
        "BLOCKED_BY_FIREWALL",
        "BLOCKED_BY_FIREWALL",
        Some("IPS6006"),
        Some("east/etc/ipfw.rules:16"),
    ),
    // `ipsec_enabled`: rc.d/ipsec never runs (no SPD, no ipsec module for racoon).
    (
        "fail-ipsec-enable-misspelt",
        "NOT_RUNNING",
        "NOT_RUNNING",
        Some("IPS6011"),
        Some("west/etc/rc.conf:13"),
    ),
    // No ipsec_enable at all: the ipsec_file line names what is never loaded.
    (
        "fail-ipsec-enable-missing",
        "NOT_RUNNING",
        "NOT_RUNNING",
        Some("IPS6011"),
        Some("west/etc/rc.conf:12"),
    ),
    // west's outbound policy is written `-P in`: it never starts, and its replies leave unprotected.
    (
        "fail-policy-in-not-out",
        "NO_POLICY",
        "NO_POLICY",
        Some("IPS6011"),
        Some("west/etc/ipsec.conf:9"),
    ),
    // A psk.txt identifier one character off: that line.
    (
        "fail-psk-ident-typo",
        "PHASE1_KEY_MISMATCH",
        "PHASE1_KEY_MISMATCH",
        Some("IPS6004"),
        Some("west/usr/local/etc/racoon/psk.txt:8"),
    ),
    // psk.txt mode 0644 (.mtree): racoon refuses the file on every lookup.
    (
        "fail-psk-mode",
        "KEY_FILE_REFUSED",
        "KEY_FILE_REFUSED",
        Some("IPS6011"),
        Some("west/usr/local/etc/racoon/psk.txt:1"),
    ),
    // west's racoon.conf does not load: no phase-1 verdict about east's proposals.
    (
        "fail-racoon-conf-syntax",
        "NOT_RUNNING",
        "NOT_RUNNING",
        Some("IPS1003"),
        Some("west/usr/local/etc/racoon/racoon.conf:12"),
    ),
    // No racoon_enable: nothing to point at but rc.conf itself.
    (
        "fail-racoon-not-enabled",
        "NOT_RUNNING",
        "NOT_RUNNING",
        Some("IPS6011"),
        Some("west/etc/rc.conf:1"),
    ),
    // west's `remote 203.0.113.11` for east's 203.0.113.1: that line, named as a near miss.
    (
        "fail-remote-address-typo",
        "MISSING_PEER_CONFIG",
        "MISSING_PEER_CONFIG",
        Some("IPS6002"),
        Some("west/usr/local/etc/racoon/racoon.conf:10"),
    ),
    // west's sainfo was copied from east without swapping the ids.
    (
        "fail-sainfo-reversed",
        "PHASE2_FAILED",
        "PHASE2_FAILED",
        Some("IPS6005"),
        Some("west/usr/local/etc/racoon/racoon.conf:21"),
    ),
];

/// Every cross-peer rule is triggered by some scenario here, and the clean
/// scenarios trigger none (the per-rule fixtures of corpus/rules are single
/// gateways, so pair rules are exercised in this file).
#[test]
fn every_pair_rule_is_exercised() {
    let (_tmp, unrelated) = east_and_an_unrelated_gateway();
    let mut triggered: Vec<String> = codes(&unrelated);
    for (name, _, _, _, _) in EXPECTED {
        triggered.extend(codes(&run(&[
            format!("corpus/pairs/{name}/east"),
            format!("corpus/pairs/{name}/west"),
        ])));
    }
    for r in ipseclint::rules::all()
        .into_iter()
        .filter(|r| r.code.starts_with("IPS60"))
    {
        assert!(
            triggered.iter().any(|c| c == r.code),
            "no pair scenario triggers {}",
            r.code
        );
    }
}

#[test]
fn every_pair_scenario_gets_the_status_racoon_would_reach() {
    let mut dirs: Vec<String> = std::fs::read_dir(project().join("corpus/pairs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(
        dirs.len(),
        EXPECTED.len(),
        "every scenario needs an expectation: {dirs:?}"
    );
    for (name, ab, ba, code, primary) in EXPECTED {
        let v = run(&[
            format!("corpus/pairs/{name}/east"),
            format!("corpus/pairs/{name}/west"),
        ]);
        let p = &v["pairs"][0];
        assert_eq!(
            (p["a"].as_str(), p["b"].as_str()),
            (Some("east"), Some("west")),
            "{name}"
        );
        assert_eq!(
            (p["a_to_b"].as_str().unwrap(), p["b_to_a"].as_str().unwrap()),
            (*ab, *ba),
            "{name}"
        );
        let c = codes(&v);
        if let (Some(code), Some(primary)) = (code, primary) {
            let (path, line) = primary.rsplit_once(':').unwrap();
            assert!(
                v["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["code"] == *code
                        && d["severity"] == "error"
                        && d["file"].as_str().unwrap().ends_with(path)
                        && d["line"].as_u64() == line.parse().ok()),
                "{name}: no {code} error at {primary}: {}",
                v["diagnostics"]
            );
        }
        match code {
            // A clean pair may carry notes (weak but working algorithms), nothing more.
            None => assert!(
                v["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|d| d["severity"] == "info"),
                "{name}: a clean pair reports {c:?}"
            ),
            // A file that does not load: the pair's checks are not run on it.
            Some(code) if !code.starts_with("IPS60") => {
                assert!(c.contains(&code.to_string()), "{name}: {c:?}");
                assert!(
                    !c.iter().any(|x| x.starts_with("IPS600")),
                    "{name}: cascade {c:?}"
                );
            }
            Some(code) => {
                assert!(c.contains(&code.to_string()), "{name}: {c:?}");
                // The pair's own findings are listed under it, and each names both gateways.
                let idx: Vec<usize> = p["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_u64().unwrap() as usize)
                    .collect();
                assert!(!idx.is_empty(), "{name}");
                for i in idx {
                    let d = &v["diagnostics"][i];
                    let files: Vec<&str> = std::iter::once(d["file"].as_str().unwrap())
                        .chain(
                            d["related"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|r| r["file"].as_str().unwrap()),
                        )
                        .collect();
                    assert!(
                        files.iter().any(|f| f.contains("/east/"))
                            && files.iter().any(|f| f.contains("/west/")),
                        "{name}: {d}"
                    );
                }
            }
        }
        insta::assert_json_snapshot!(format!("pair_{name}"), v);
        let dirs = [
            format!("corpus/pairs/{name}/east"),
            format!("corpus/pairs/{name}/west"),
        ];
        insta::assert_snapshot!(
            format!("pair_{name}_human"),
            human(&[dirs[0].as_str(), dirs[1].as_str()])
        );
    }
}

#[test]
fn a_hub_with_twenty_spokes() {
    let v = run(&["corpus/sites/hub20".to_string()]);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 20);
    for p in pairs {
        assert_eq!(p["a_to_b"], "ESTABLISHED", "{p}");
        assert_eq!(p["b_to_a"], "ESTABLISHED", "{p}");
    }
    assert_eq!(v["diagnostics"], serde_json::json!([]));
}

/// Errors and warnings of a report (notes are allowed on clean sites).
fn findings(v: &serde_json::Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| format!("{} {}:{} {}", d["code"], d["file"], d["line"], d["message"]))
        .collect()
}

#[test]
fn a_hub_with_three_spokes_and_three_firewall_styles() {
    let v = run(&["corpus/sites/hub3".to_string()]);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    for p in pairs {
        assert_eq!(p["a_to_b"], "ESTABLISHED", "{p}");
        assert_eq!(p["b_to_a"], "ESTABLISHED", "{p}");
    }
    assert_eq!(findings(&v), Vec::<String>::new());
    insta::assert_snapshot!("site_hub3_human", human(&["corpus/sites/hub3"]));
}

/// A hub that only responds, its spokes all behind NAT: each spoke starts
/// its tunnel, the hub never does, and that is the design, not an error.
#[test]
fn a_responder_only_hub_whose_spokes_are_all_behind_nat() {
    let v = run(&["corpus/sites/hub-natt".to_string()]);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    for p in pairs {
        let (hub_to_spoke, spoke_to_hub) = if p["a"] == "hub" {
            (&p["a_to_b"], &p["b_to_a"])
        } else {
            (&p["b_to_a"], &p["a_to_b"])
        };
        assert_eq!(hub_to_spoke, "NEVER_INITIATED", "{p}");
        assert_eq!(spoke_to_hub, "ESTABLISHED", "{p}");
        let reason = p["a_to_b_reason"].as_str().or(p["b_to_a_reason"].as_str());
        assert!(
            reason.is_some_and(|r| r.contains("starts the tunnel")),
            "the status says which side starts: {p}"
        );
    }
    assert_eq!(findings(&v), Vec::<String>::new());
    insta::assert_snapshot!("site_hub_natt_human", human(&["corpus/sites/hub-natt"]));
}

/// The human output of a run (as an admin reads it).
fn human(paths: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(project())
        .env("NO_COLOR", "1")
        .args(paths)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn one_side_only_names_the_unchecked_peer_once_pairs_are_checked() {
    // Alone, a gateway is not a pair: no info about its peer.
    let v = run(&["corpus/gateways/east".to_string()]);
    assert!(v.get("pairs").is_none() && codes(&v).is_empty());
    // With an unrelated gateway, east's peer is reported as not checked.
    let (_tmp, v) = east_and_an_unrelated_gateway();
    assert!(
        codes(&v).contains(&"IPS6001".to_string()),
        "{:?}",
        codes(&v)
    );
    assert!(v.get("pairs").is_none());
}

/// east with a gateway that has nothing to do with it (the JSON output).
fn east_and_an_unrelated_gateway() -> (tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(
        other.join("rc.conf"),
        "hostname=\"other.example.net\"\nifconfig_em0=\"inet 192.0.2.77/24\"\n",
    )
    .unwrap();
    let v = run(&[
        "corpus/gateways/east".to_string(),
        other.to_string_lossy().into_owned(),
    ]);
    (dir, v)
}

/// The real pairs (road-warrior samples): what ipseclint finds, and why.
#[test]
fn real_pairs_from_the_wild() {
    let shared = shared_or_skip!();
    let base = shared.join("conformance/wild/pairs");
    let p = |s: &str| base.join(s).to_string_lossy().into_owned();
    // ipsec-tools 0.8 road warrior: certificates are placeholders (racoon
    // refuses to start: IPS4014); the client names the server as 192.0.2.50,
    // an address the server's files do not declare (IPS6001); modp1024 is weak.
    let v = run(&[
        p("ipsec-tools-0.8-roadwarrior/peerA-server"),
        p("ipsec-tools-0.8-roadwarrior/peerB-client"),
    ]);
    let c = codes(&v);
    for want in ["IPS4014", "IPS6001", "IPS2102"] {
        assert!(c.contains(&want.to_string()), "{want}: {c:?}");
    }
    // rdratlos fork road warrior: the server misspells `ldapcfg` as `ldap_cfg`
    // (IPS1002) and its certificates are missing (IPS4014).
    let v = run(&[
        p("rdratlos-racoon-ipsec-tools-roadwarrior/peerA-server"),
        p("rdratlos-racoon-ipsec-tools-roadwarrior/peerB-client"),
    ]);
    let c = codes(&v);
    for want in ["IPS1002", "IPS4014"] {
        assert!(c.contains(&want.to_string()), "{want}: {c:?}");
    }
}

// ---------------------------------------------------------------------------
// racoon's own rules, each shown on a variation of a clean pair
// ---------------------------------------------------------------------------

/// A clean corpus pair copied and edited: `(gateway, file, from, to)`, an
/// empty `from` writing a new file; the JSON output for both gateways.
fn variant(pair: &str, edits: &[(&str, &str, &str, &str)]) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&project().join("corpus/pairs").join(pair), tmp.path());
    for (gw, file, from, to) in edits {
        let path = tmp.path().join(gw).join(file);
        if from.is_empty() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, to).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{pair}/{gw}/{file} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let dirs = ["east", "west"].map(|g| tmp.path().join(g).to_string_lossy().into_owned());
    run(&dirs)
}

const RACOON: &str = "usr/local/etc/racoon/racoon.conf";
const PSK: &str = "usr/local/etc/racoon/psk.txt";

fn east_to_west(v: &serde_json::Value) -> &str {
    v["pairs"][0]["a_to_b"].as_str().unwrap_or("no pair")
}

/// str2val: a `0x` key is the bytes its hex digits spell.
#[test]
fn a_hex_key_and_its_text_are_the_same_key() {
    let text = std::fs::read_to_string(
        project()
            .join("corpus/pairs/clean-main-psk-ipfw/west")
            .join(PSK),
    )
    .unwrap();
    let key = "zQp69xC0SRMApH5CtO6Kf5txaZyCubZa";
    assert!(text.contains(key));
    let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    let v = variant(
        "clean-main-psk-ipfw",
        &[("west", PSK, key, &format!("0x{hex}"))],
    );
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
    assert!(!codes(&v).contains(&"IPS6004".to_string()), "{v}");
}

/// A named remote without remote_address is anonymous to racoon.
#[test]
fn a_named_remote_answers_as_anonymous() {
    let v = variant(
        "clean-main-psk-ipfw",
        &[(
            "west",
            RACOON,
            "remote 203.0.113.1 {",
            "remote \"branches\" {",
        )],
    );
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
}

/// racoon's default key length for a variable-length cipher is 128, for
/// camellia as for aes: `camellia` and `camellia 128` agree under `exact`.
#[test]
fn the_default_key_length_is_128_for_every_variable_cipher() {
    let v = variant(
        "clean-main-psk-ipfw",
        &[
            (
                "east",
                RACOON,
                "encryption_algorithm aes 256;",
                "encryption_algorithm camellia;",
            ),
            (
                "west",
                RACOON,
                "encryption_algorithm aes 256;",
                "encryption_algorithm camellia 128;",
            ),
            (
                "west",
                RACOON,
                "remote 203.0.113.1 {",
                "remote 203.0.113.1 {\n\tproposal_check exact;",
            ),
        ],
    );
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
}

/// Aggressive mode looks keys up by the peer's identifier, but an address
/// identifier arrives as binary and never matches a psk.txt line; with
/// verify_identifier there is no fallback to the address.
#[test]
fn an_address_identifier_never_finds_a_key_by_identifier() {
    let v = variant(
        "clean-aggressive-fqdn",
        &[
            (
                "east",
                RACOON,
                "my_identifier fqdn \"east.example.net\";",
                "my_identifier address;",
            ),
            (
                "west",
                RACOON,
                "peers_identifier fqdn \"east.example.net\";",
                "peers_identifier address 203.0.113.1;",
            ),
            ("west", PSK, "east.example.net\t", "203.0.113.1\t"),
        ],
    );
    assert_eq!(east_to_west(&v), "PHASE1_KEY_MISMATCH", "{v}");
    let said = v["diagnostics"].to_string();
    assert!(said.contains("couldn't find the pskey.)"), "{said}");
}

/// Manual SAs between two gateways are not negotiated, even when racoon runs
/// on both for other peers.
#[test]
fn manual_keys_stay_manual_where_racoon_runs_for_others() {
    let racoon = |me: &str| {
        format!(
            "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\nlisten {{ isakmp {me} [500]; }}\n\
             remote 192.0.2.99 {{\n\texchange_mode main;\n\tproposal {{\n\t\tencryption_algorithm aes 256;\n\
             \t\thash_algorithm sha256;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group modp2048;\n\t}}\n}}\n"
        )
    };
    let (east, west) = (racoon("203.0.113.1"), racoon("198.51.100.1"));
    let v = variant(
        "clean-manual-keys",
        &[
            (
                "east",
                "etc/rc.conf",
                "ipsec_enable=\"YES\"",
                "ipsec_enable=\"YES\"\nracoon_enable=\"YES\"",
            ),
            (
                "west",
                "etc/rc.conf",
                "ipsec_enable=\"YES\"",
                "ipsec_enable=\"YES\"\nracoon_enable=\"YES\"",
            ),
            ("east", RACOON, "", &east),
            ("west", RACOON, "", &west),
        ],
    );
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
    assert_eq!(v["pairs"][0]["b_to_a"], "ESTABLISHED", "{v}");
}

/// verify_identifier compares the identifier's type too: an fqdn is not a
/// user_fqdn with the same text.
#[test]
fn identifier_types_must_agree() {
    let v = variant(
        "clean-aggressive-fqdn",
        &[(
            "west",
            RACOON,
            "peers_identifier fqdn \"east.example.net\";",
            "peers_identifier user_fqdn \"east.example.net\";",
        )],
    );
    assert_eq!(east_to_west(&v), "PHASE1_FAILED", "{v}");
}

/// The responder tries every remote for the peer's address and every
/// anonymous one, in file order: an exact remote that allows only main mode
/// does not stop an anonymous one that allows aggressive mode.
#[test]
fn the_responder_tries_every_candidate_remote() {
    let conf = std::fs::read_to_string(
        project()
            .join("corpus/pairs/clean-aggressive-fqdn/west")
            .join(RACOON),
    )
    .unwrap();
    let start = conf.find("remote 203.0.113.1 {").unwrap();
    let end = start + conf[start..].find("\n}\n").unwrap() + 3;
    let block = &conf[start..end];
    let anonymous = block.replacen("remote 203.0.113.1 {", "remote anonymous {", 1);
    let main_only = block.replacen("exchange_mode aggressive;", "exchange_mode main;", 1);
    let v = variant(
        "clean-aggressive-fqdn",
        &[("west", RACOON, block, &format!("{main_only}\n{anonymous}"))],
    );
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
}

/// Phase 2 under the default proposal_check strict: the responder refuses a
/// shorter key than its own (`low key length proposed`); an AH-only policy
/// does not need common encryption algorithms.
#[test]
fn phase_two_key_lengths_and_protocols() {
    let sainfo_enc = "\tlifetime time 1 hour;\n\tencryption_algorithm aes 256;";
    let v = variant(
        "clean-main-psk-ipfw",
        &[(
            "east",
            RACOON,
            sainfo_enc,
            "\tlifetime time 1 hour;\n\tencryption_algorithm aes 128;",
        )],
    );
    assert_eq!(east_to_west(&v), "PHASE2_FAILED", "{v}");
    // The other way the longer key is fine.
    assert_eq!(v["pairs"][0]["b_to_a"], "ESTABLISHED", "{v}");

    // AH only: the encryption lists differ, and nothing depends on them.
    let esp_to_ah = |gw: &'static str| {
        [
            (
                gw,
                "etc/ipsec.conf",
                "any -P out ipsec esp/",
                "any -P out ipsec ah/",
            ),
            (
                gw,
                "etc/ipsec.conf",
                "any -P in ipsec esp/",
                "any -P in ipsec ah/",
            ),
        ]
    };
    let mut edits = vec![(
        "east",
        RACOON,
        sainfo_enc,
        // (A cipher the kernel lacks would stop racoon loading at all: IPS2015.)
        "\tlifetime time 1 hour;\n\tencryption_algorithm aes 128;",
    )];
    edits.extend(esp_to_ah("east"));
    edits.extend(esp_to_ah("west"));
    let v = variant("clean-main-psk-ipfw", &edits);
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
}

/// A `clientaddr` remote id matches the peer's own address (a host-to-host
/// transport-mode policy).
#[test]
fn a_clientaddr_sainfo_matches_the_peer_itself() {
    let v = variant(
        "clean-main-psk-ipfw",
        &[
            (
                "east",
                "etc/ipsec.conf",
                "",
                "spdadd 203.0.113.1 198.51.100.1 any -P out ipsec esp/transport//require;\n\
                 spdadd 198.51.100.1 203.0.113.1 any -P in ipsec esp/transport//require;\n",
            ),
            (
                "west",
                "etc/ipsec.conf",
                "",
                "spdadd 198.51.100.1 203.0.113.1 any -P out ipsec esp/transport//require;\n\
                 spdadd 203.0.113.1 198.51.100.1 any -P in ipsec esp/transport//require;\n",
            ),
            (
                "east",
                RACOON,
                "sainfo address 10.1.0.0/24 any address 10.2.0.0/24 any {",
                "sainfo address 203.0.113.1 any address 198.51.100.1 any {",
            ),
            (
                "west",
                RACOON,
                "sainfo address 10.2.0.0/24 any address 10.1.0.0/24 any {",
                "sainfo address 198.51.100.1 any clientaddr {",
            ),
        ],
    );
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
}

/// A sainfo belongs to the phase-1 remote whose `ph1id` its `remoteid` names
/// (both 0 by default).
#[test]
fn a_sainfo_must_name_the_remotes_ph1id() {
    let ph1id = (
        "west",
        RACOON,
        "remote 203.0.113.1 {",
        "remote 203.0.113.1 {\n\tph1id 1;",
    );
    let sainfo = "sainfo address 10.2.0.0/24 any address 10.1.0.0/24 any {";
    let v = variant("clean-main-psk-ipfw", &[ph1id]);
    assert_eq!(east_to_west(&v), "PHASE2_FAILED", "{v}");
    let v = variant(
        "clean-main-psk-ipfw",
        &[
            ph1id,
            ("west", RACOON, sainfo, &format!("{sainfo}\n\tremoteid 1;")),
        ],
    );
    assert_eq!(east_to_west(&v), "ESTABLISHED", "{v}");
}

// ---------------------------------------------------------------------------
// Property: one changed attribute is either harmless or blamed at its line
// ---------------------------------------------------------------------------

/// Other values for a phase-1 or phase-2 attribute (what an admin would
/// change it to).
fn alternatives(keyword: &str) -> &'static [&'static str] {
    match keyword {
        "exchange_mode" => &["main", "aggressive"],
        "encryption_algorithm" => &["aes 128", "aes 256", "3des"],
        "hash_algorithm" => &["sha1", "sha256", "md5"],
        "authentication_algorithm" => &["hmac_sha1", "hmac_sha256"],
        "dh_group" | "pfs_group" => &["modp1024", "modp2048", "modp3072"],
        "lifetime" => &["time 1 hour", "time 24 hour"],
        _ => &[],
    }
}

/// For every clean pair that racoon keys, changing any one phase-1 or phase-2
/// attribute on one side either keeps both directions as they were, or
/// yields an error at that attribute's line (as the finding or its related
/// place): the change is never silently fatal, and never blamed elsewhere.
#[test]
fn one_changed_attribute_is_harmless_or_blamed_at_its_line() {
    let clean: Vec<&str> = EXPECTED
        .iter()
        .filter(|e| e.3.is_none() && e.0 != "clean-manual-keys")
        .map(|e| e.0)
        .collect();
    let mut tried = 0;
    for pair in clean {
        let base = run(&[
            format!("corpus/pairs/{pair}/east"),
            format!("corpus/pairs/{pair}/west"),
        ]);
        let statuses = |v: &serde_json::Value| {
            (
                v["pairs"][0]["a_to_b"].clone(),
                v["pairs"][0]["b_to_a"].clone(),
            )
        };
        for gw in ["east", "west"] {
            let path = project()
                .join("corpus/pairs")
                .join(pair)
                .join(gw)
                .join(RACOON);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for (n, line) in text.lines().enumerate() {
                let t = line.trim();
                let Some((kw, rest)) = t.split_once(char::is_whitespace) else {
                    continue;
                };
                let value = rest.trim().trim_end_matches(';').trim();
                for alt in alternatives(kw).iter().filter(|a| **a != value) {
                    // Whole lines (a sainfo's `\tencryption_algorithm` is inside a
                    // proposal's `\t\tencryption_algorithm`).
                    let (from, to) = (
                        format!("\n{line}\n"),
                        format!("\n{}\n", line.replacen(value, alt, 1)),
                    );
                    let v = variant(pair, &[(gw, RACOON, &from, &to)]);
                    tried += 1;
                    if statuses(&v) == statuses(&base) {
                        continue;
                    }
                    let at_line = |f: &serde_json::Value, l: &serde_json::Value| {
                        f.as_str()
                            .is_some_and(|f| f.ends_with(&format!("{gw}/{RACOON}")))
                            && l.as_u64() == Some(n as u64 + 1)
                    };
                    let blamed = v["diagnostics"].as_array().unwrap().iter().any(|d| {
                        d["severity"] == "error"
                            && (at_line(&d["file"], &d["line"])
                                || d["related"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .any(|r| at_line(&r["file"], &r["line"])))
                    });
                    assert!(
                        blamed,
                        "{pair}: {gw} line {} `{t}` → `{alt}` changes {:?} → {:?} without an error there: {}",
                        n + 1,
                        statuses(&base),
                        statuses(&v),
                        v["diagnostics"]
                    );
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} variants tried");
}

/// The statuses of both directions (east→west, west→east).
fn both_ways(v: &serde_json::Value) -> (String, String) {
    let s = |k: &str| v["pairs"][0][k].as_str().unwrap_or("no pair").to_string();
    (s("a_to_b"), s("b_to_a"))
}

/// What the booted gateways do, on variations of clean pairs: each cause is
/// read from the gateway's runtime state, and blamed on that gateway only.
#[test]
fn the_runtime_state_decides_and_blames_only_its_gateway() {
    // The branch's racoon.conf does not load: its direction says so, and the
    // head office's correct `passive on` gets no error.
    let v = variant(
        "clean-responder-only-natt",
        &[("west", RACOON, "\tnat_traversal on;", "\tnat_traversal on")],
    );
    assert_eq!(both_ways(&v).1, "NOT_RUNNING", "{v}");
    let blamed_east = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["severity"] == "error" && d["file"].as_str().unwrap().contains("/east/"));
    assert!(!blamed_east, "the healthy head office is blamed: {v}");

    // A phase-2 cipher the kernel lacks: racoon refuses the file (IPS2015) and
    // does not run; no phase-2 verdict is drawn from it.
    let v = variant(
        "clean-main-psk-ipfw",
        &[(
            "west",
            RACOON,
            "\tencryption_algorithm aes 256;\n\tauthentication_algorithm",
            "\tencryption_algorithm blowfish;\n\tauthentication_algorithm",
        )],
    );
    assert_eq!(
        both_ways(&v),
        ("NOT_RUNNING".into(), "NOT_RUNNING".into()),
        "{v}"
    );
    assert!(!codes(&v).contains(&"IPS6005".to_string()), "{v}");

    // Manual keys are loaded by setkey too: no ipsec_enable, no SAs.
    let v = variant(
        "clean-manual-keys",
        &[(
            "west",
            "etc/rc.conf",
            "ipsec_enable=\"YES\"",
            "ipsec_enabled=\"YES\"",
        )],
    );
    assert_eq!(
        both_ways(&v),
        ("NO_POLICY".into(), "NO_POLICY".into()),
        "{v}"
    );
    assert!(codes(&v).contains(&"IPS4020".to_string()), "{v}");

    // `nat_traversal force` on one side (and `on` on the other) floats to
    // UDP 4500 even between public addresses: a firewall passing only 500
    // and ESP blocks the tunnel.
    let v = variant(
        "clean-main-psk-ipfw",
        &[
            (
                "east",
                RACOON,
                "	exchange_mode main;",
                "	exchange_mode main;
	nat_traversal force;",
            ),
            (
                "west",
                RACOON,
                "	exchange_mode main;",
                "	exchange_mode main;
	nat_traversal on;",
            ),
        ],
    );
    assert_eq!(east_to_west(&v), "BLOCKED_BY_FIREWALL", "{v}");
    assert!(
        v["pairs"][0]["a_to_b_reason"]
            .as_str()
            .unwrap()
            .contains("UDP 4500"),
        "{v}"
    );
}
