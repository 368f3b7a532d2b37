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

/// (scenario, east→west, west→east, a code the pair must report)
const EXPECTED: &[(&str, &str, &str, Option<&str>)] = &[
    ("clean-main-psk-ipfw", "ESTABLISHED", "ESTABLISHED", None),
    ("clean-main-psk-ipf", "ESTABLISHED", "ESTABLISHED", None),
    ("clean-aggressive-fqdn", "ESTABLISHED", "ESTABLISHED", None),
    ("clean-main-address-ids", "ESTABLISHED", "ESTABLISHED", None),
    ("clean-manual-keys", "ESTABLISHED", "ESTABLISHED", None),
    ("clean-gif-legacy", "ESTABLISHED", "ESTABLISHED", None),
    (
        "fail-exchange-mode",
        "PHASE1_FAILED",
        "PHASE1_FAILED",
        Some("IPS6003"),
    ),
    (
        "fail-proposal-hash",
        "PHASE1_FAILED",
        "PHASE1_FAILED",
        Some("IPS6003"),
    ),
    // Strict: west (8 h) refuses east's 24 h; east accepts west's shorter lifetime.
    (
        "fail-lifetime-strict",
        "PHASE1_FAILED",
        "ESTABLISHED",
        Some("IPS6003"),
    ),
    (
        "fail-psk-differs",
        "PHASE1_KEY_MISMATCH",
        "PHASE1_KEY_MISMATCH",
        Some("IPS6004"),
    ),
    (
        "fail-psk-missing",
        "PHASE1_KEY_MISMATCH",
        "PHASE1_KEY_MISMATCH",
        Some("IPS6004"),
    ),
    (
        "fail-p2-auth",
        "PHASE2_FAILED",
        "PHASE2_FAILED",
        Some("IPS6005"),
    ),
    (
        "fail-pfs",
        "PHASE2_FAILED",
        "PHASE2_FAILED",
        Some("IPS6005"),
    ),
    (
        "fail-sainfo-mismatch",
        "PHASE2_FAILED",
        "PHASE2_FAILED",
        Some("IPS6005"),
    ),
    (
        "fail-no-inbound-policy",
        "PHASE2_FAILED",
        "ESTABLISHED",
        Some("IPS6005"),
    ),
    (
        "fail-firewall-esp",
        "BLOCKED_BY_FIREWALL",
        "BLOCKED_BY_FIREWALL",
        Some("IPS6006"),
    ),
    (
        "fail-missing-remote",
        "MISSING_PEER_CONFIG",
        "MISSING_PEER_CONFIG",
        Some("IPS6002"),
    ),
    (
        "fail-both-passive",
        "MISSING_PEER_CONFIG",
        "MISSING_PEER_CONFIG",
        Some("IPS6002"),
    ),
    // Only west verifies identifiers, and only as responder.
    (
        "fail-identifier",
        "PHASE1_FAILED",
        "ESTABLISHED",
        Some("IPS6003"),
    ),
    // west's key for east→west differs; west→east uses equal keys.
    (
        "fail-manual-keys",
        "PHASE1_KEY_MISMATCH",
        "ESTABLISHED",
        Some("IPS6007"),
    ),
    // The IPsec SAs negotiate; the gif tunnels do not mirror each other.
    (
        "fail-gif-not-mirrored",
        "ESTABLISHED",
        "ESTABLISHED",
        Some("IPS6010"),
    ),
    (
        "fail-network-not-local",
        "ESTABLISHED",
        "ESTABLISHED",
        Some("IPS6009"),
    ),
];

/// Every cross-peer rule is triggered by some scenario here, and the clean
/// scenarios trigger none (the per-rule fixtures of corpus/rules are single
/// gateways, so pair rules are exercised in this file).
#[test]
fn every_pair_rule_is_exercised() {
    let (_tmp, unrelated) = east_and_an_unrelated_gateway();
    let mut triggered: Vec<String> = codes(&unrelated);
    for (name, _, _, _) in EXPECTED {
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
    for (name, ab, ba, code) in EXPECTED {
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
        match code {
            None => assert!(c.is_empty(), "{name}: a clean pair reports {c:?}"),
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
