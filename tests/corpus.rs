//! Our own corpus: every rule has a broken example that triggers it and a
//! fixed one where it stays silent; the JSON of each is snapshot-tested.

mod common;
use common::*;
use std::path::PathBuf;

fn rule_dirs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(project().join("corpus/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_rule_has_fixtures() {
    let dirs: Vec<String> = rule_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for r in ipseclint::rules::all() {
        // File-level rules are exercised in tests/cli.rs, pair rules in tests/pairs.rs.
        if r.code.starts_with("IPS9") || r.code.starts_with("IPS60") {
            continue;
        }
        assert!(
            dirs.contains(&r.code.to_string()),
            "no corpus/rules/{} fixtures",
            r.code
        );
    }
}

/// The fixture of a single-file rule: the one file in `dir`.
fn only_file(dir: &std::path::Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{} must hold one file", dir.display());
    files[0].clone()
}

/// Gateway and firewall rules (IPS40xx, IPS50xx) are checked on whole gateway directories; the
/// others on their single file.
fn fixture(dir: &std::path::Path, code: &str) -> PathBuf {
    if code.starts_with("IPS40") || code.starts_with("IPS50") {
        dir.to_path_buf()
    } else {
        only_file(dir)
    }
}

#[test]
fn bad_fixtures_trigger_their_rule_and_good_ones_stay_silent() {
    for dir in rule_dirs() {
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        // `bad`/`good`, and variants such as `bad-ipf`/`good-ipf` (the same
        // mistake with the other firewall).
        for (variant, expect_bad) in variants(&dir) {
            let path = fixture(&dir.join(&variant), &code);
            let r = if checked_live(&dir) {
                check_live(&path)
            } else {
                check_auto(&path)
            };
            if expect_bad {
                assert!(
                    r.diagnostics.iter().any(|d| d.rule.code == code),
                    "{code}/{variant}: does not trigger it: {:?}",
                    findings(&r)
                );
            } else {
                // A lone file's note that its include/path files were not
                // read (IPS9007) says nothing about the fixture itself.
                let found: Vec<_> = findings(&r)
                    .into_iter()
                    .filter(|f| f.0 != "IPS9007")
                    .collect();
                assert!(found.is_empty(), "{code}/{variant}: not clean: {found:?}");
            }
        }
    }
}

/// A rule about `--live` (a `live` file beside bad/ and good/) is checked
/// with it: the modes are then the checkout's own.
fn checked_live(dir: &std::path::Path) -> bool {
    dir.join("live").is_file()
}

fn check_live(path: &std::path::Path) -> ipseclint::engine::Report {
    ipseclint::engine::lint(
        &[ipseclint::engine::Input {
            path: path.to_path_buf(),
        }],
        &ipseclint::source::DiskFs,
        &ipseclint::engine::LintOptions {
            live: true,
            ..Default::default()
        },
    )
}

/// The fixture directories of a rule: (name, is a bad example).
fn variants(dir: &std::path::Path) -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bad") || n.starts_with("good"))
        .map(|n| {
            let bad = n.starts_with("bad");
            (n, bad)
        })
        .collect();
    v.sort();
    assert!(
        v.iter().any(|(n, _)| n == "bad") && v.iter().any(|(n, _)| n == "good"),
        "{} needs bad/ and good/",
        dir.display()
    );
    v
}

#[test]
fn rule_fixture_json_snapshots() {
    for dir in rule_dirs() {
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        // A live check's output holds the checkout's modes and owner, which
        // differ between machines: no snapshot.
        if checked_live(&dir) {
            continue;
        }
        for (variant, _) in variants(&dir).into_iter().filter(|(_, bad)| *bad) {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
                .current_dir(project())
                .args([
                    "--format",
                    "json",
                    &rel(&fixture(&dir.join(&variant), &code)),
                ])
                .output()
                .unwrap();
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let name = match variant.strip_prefix("bad-") {
                Some(kind) => format!("rule_{code}_{kind}"),
                None => format!("rule_{code}"),
            };
            insta::assert_json_snapshot!(name, json);
        }
    }
}

#[test]
fn example_gateways_json_snapshots() {
    for name in ["east", "west", "broken"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
            .current_dir(project())
            .args(["--format", "json", &format!("corpus/example/{name}")])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        insta::assert_json_snapshot!(format!("example_{name}"), json);
    }
}

#[test]
fn clean_examples_are_clean() {
    for name in ["east", "west"] {
        let r = check(&project().join("corpus/example").join(name));
        assert_eq!(r.db.files().len(), 2);
        // Flat directories get infos (layout fallback, unknown modes), nothing more.
        assert!(
            r.diagnostics
                .iter()
                .all(|d| d.severity == ipseclint::diagnostic::Severity::Info),
            "{name}: {:?}",
            findings(&r)
        );
    }
}

/// Whole gateway snapshots (snapshot layout) and a site of all of them.
#[test]
fn gateway_snapshots() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(project().join("corpus/gateways"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
            .current_dir(project())
            .args(["--format", "json", &rel(&dir)])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if !name.contains("broken") {
            assert_eq!(
                json["diagnostics"],
                serde_json::json!([]),
                "{name} must be clean"
            );
        } else {
            assert!(
                json["summary"]["errors"].as_u64().unwrap() > 0,
                "{name} must have errors"
            );
        }
        insta::assert_json_snapshot!(format!("gateway_{name}"), json);
    }
    // corpus/gateways itself is a site: each subdirectory is a gateway.
    let r = check_auto(&project().join("corpus/gateways"));
    let roots: std::collections::BTreeSet<String> =
        r.db.files()
            .iter()
            .filter_map(|f| f.path.strip_prefix(project().join("corpus/gateways")).ok())
            .filter_map(|p| p.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
    assert!(roots.len() >= 3, "{roots:?}");
}
