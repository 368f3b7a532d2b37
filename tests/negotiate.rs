//! `ipseclint negotiate A B`: the transcript of every corpus pair, both
//! ways. Its result is the pairs table's, since the same run writes both.

mod common;
use common::*;
use std::path::PathBuf;
use std::process::Command;

fn ipseclint(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", output_text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// The corpus pairs: each directory of corpus/pairs with its two gateways.
fn pairs() -> Vec<(String, String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/pairs");
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for d in dirs {
        let mut gws: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .map(|p| {
                format!(
                    "corpus/pairs/{}/{}",
                    d.file_name().unwrap().to_string_lossy(),
                    p.file_name().unwrap().to_string_lossy()
                )
            })
            .collect();
        gws.sort();
        if let [a, b] = &gws[..] {
            out.push((
                d.file_name().unwrap().to_string_lossy().into_owned(),
                a.clone(),
                b.clone(),
            ));
        }
    }
    out
}

#[test]
fn every_corpus_pair_negotiates_as_its_pairs_table_says() {
    let pairs = pairs();
    assert!(pairs.len() >= 30, "only {} pairs", pairs.len());
    for (name, a, b) in &pairs {
        let t: serde_json::Value =
            serde_json::from_str(&ipseclint(&["negotiate", "--format", "json", a, b])).unwrap();
        let table: serde_json::Value = serde_json::from_str(&ipseclint(&[
            "--no-config",
            "--fail-on",
            "never",
            "--format",
            "json",
            a,
            b,
        ]))
        .unwrap();
        let p = &table["pairs"][0];
        let dirs = t["directions"].as_array().unwrap();
        assert_eq!(dirs.len(), 2, "{name}");
        for (d, (status, reason)) in dirs
            .iter()
            .zip([("a_to_b", "a_to_b_reason"), ("b_to_a", "b_to_a_reason")])
        {
            assert_eq!(
                d["status"], p[status],
                "{name}: the transcript and the table disagree"
            );
            assert_eq!(d["reason"], p[reason], "{name}");
            let steps = d["steps"].as_array().unwrap();
            assert!(!steps.is_empty(), "{name}: no steps");
            // A failed direction ends in the step that fails, at a place.
            if d["status"] != "ESTABLISHED" && d["status"] != "NEVER_INITIATED" {
                let last = steps.last().unwrap();
                assert!(
                    last["what"].as_str().unwrap().starts_with("fails"),
                    "{name}: {last}"
                );
            }
        }
        insta::assert_snapshot!(format!("negotiate_{name}"), ipseclint(&["negotiate", a, b]));
    }
}

#[test]
fn a_negotiation_names_the_psk_lines_but_never_the_keys() {
    let out = ipseclint(&[
        "negotiate",
        "corpus/pairs/fail-psk-differs/east",
        "corpus/pairs/fail-psk-differs/west",
    ]);
    assert!(out.contains("uses its psk.txt line for"), "{out}");
    for psk in [
        "corpus/pairs/fail-psk-differs/east/usr/local/etc/racoon/psk.txt",
        "corpus/pairs/fail-psk-differs/west/usr/local/etc/racoon/psk.txt",
    ] {
        let text =
            std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(psk)).unwrap();
        let psk = ipseclint::syntax::psk::parse(&text);
        let keys: Vec<String> = psk.entries().map(|e| e.key.expose().to_string()).collect();
        assert!(!keys.is_empty());
        for key in keys {
            assert!(!out.contains(&key), "a key is in the transcript");
        }
    }
}

#[test]
fn gateways_that_do_not_refer_to_each_other_are_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "negotiate",
            "corpus/pairs/fail-dh-group/east",
            "corpus/pairs/fail-psk-differs/east",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not refer to each other"));
}
