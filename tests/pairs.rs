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
        "\tlifetime time 1 hour;\n\tencryption_algorithm blowfish;",
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
