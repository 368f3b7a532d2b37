//! Suppression comments: line and file directives, psk.txt's comment rule,
//! unused and malformed suppressions, cross-peer findings, every format.

mod common;
use assert_cmd::Command;
use common::{copy_dir, project};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A copy of a corpus directory to edit.
fn copy(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&project().join(rel), tmp.path());
    let root = tmp.path().to_path_buf();
    (tmp, root)
}

/// Replace line `n` (1-based) of a file with `f(line)`.
fn edit_line(path: &Path, n: usize, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    lines[n - 1] = f(&lines[n - 1]);
    std::fs::write(path, lines.join("\n")).unwrap();
}

fn json(args: &[&Path]) -> Value {
    let out = Command::cargo_bin("ipseclint")
        .unwrap()
        .arg("--format")
        .arg("json")
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (code, line) of every finding in a file whose name ends with `file`.
fn findings(v: &Value, file: &str) -> Vec<(String, u64)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"].as_str().unwrap().ends_with(file))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn codes(v: &Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_comment_line_silences_the_next_statement_only() {
    let (_t, dir) = copy("corpus/example/broken");
    let before = json(&[&dir]);
    assert!(findings(&before, "racoon.conf").contains(&("IPS1007".into(), 19)));
    edit_line(&dir.join("racoon.conf"), 19, |l| {
        format!("\t# ipseclint: ignore[IPS1007] kept for the next migration\n{l}")
    });
    let after = json(&[&dir]);
    let f = findings(&after, "racoon.conf");
    assert!(!f.iter().any(|(c, _)| c == "IPS1007"), "{f:?}");
    assert!(!codes(&after).contains(&"IPS9004".to_string()));
    // Everything else is still reported (one line further down).
    assert_eq!(codes(&after).len(), codes(&before).len() - 1);
}

#[test]
fn a_trailing_comment_silences_its_own_line() {
    let (_t, dir) = copy("corpus/example/broken");
    edit_line(&dir.join("racoon.conf"), 19, |l| {
        format!("{l}  # ipseclint: ignore[IPS1007]")
    });
    let v = json(&[&dir]);
    assert!(!codes(&v).contains(&"IPS1007".to_string()));
    // The gcc format shows the same set of findings.
    let out = Command::cargo_bin("ipseclint")
        .unwrap()
        .args(["--format", "gcc"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("[IPS1007]"));
    assert!(text.contains("[IPS1003]"));
}

#[test]
fn ignore_file_at_the_top_silences_the_whole_file() {
    let (_t, dir) = copy("corpus/example/broken");
    edit_line(&dir.join("racoon.conf"), 1, |l| {
        format!("# ipseclint: ignore-file[IPS1007, IPS1003]\n{l}")
    });
    let f = findings(&json(&[&dir]), "racoon.conf");
    assert!(
        !f.iter().any(|(c, _)| c == "IPS1007" || c == "IPS1003"),
        "{f:?}"
    );
    assert!(!f.is_empty(), "other findings stay");
}

#[test]
fn ignore_file_below_the_first_statement_is_invalid() {
    let (_t, dir) = copy("corpus/example/broken");
    edit_line(&dir.join("racoon.conf"), 19, |l| {
        format!("# ipseclint: ignore-file[IPS1007]\n{l}")
    });
    let f = findings(&json(&[&dir]), "racoon.conf");
    assert!(f.contains(&("IPS9005".into(), 19)), "{f:?}");
    assert!(f.contains(&("IPS1007".into(), 20)), "{f:?}");
}

#[test]
fn unused_and_malformed_suppressions_are_reported() {
    let (_t, dir) = copy("corpus/example/broken");
    edit_line(&dir.join("racoon.conf"), 15, |l| {
        format!("# ipseclint: ignore[IPS2001]\n# ipseclint: ignore IPS1007\n# ipseclint: ignore[IPS123]\n{l}")
    });
    let v = json(&[&dir]);
    let f = findings(&v, "racoon.conf");
    assert!(f.contains(&("IPS9004".into(), 15)), "{f:?}");
    assert!(f.contains(&("IPS9005".into(), 16)), "{f:?}");
    assert!(f.contains(&("IPS9005".into(), 17)), "{f:?}");
    let unused = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "IPS9004")
        .unwrap();
    assert_eq!(unused["severity"], "info");
    assert!(unused["message"].as_str().unwrap().contains("IPS2001"));
}

#[test]
fn psk_files_take_only_column_one_comments() {
    let (_t, dir) = copy("corpus/example/broken");
    let psk = dir.join("psk.txt");
    let before = findings(&json(&[&dir]), "psk.txt");
    assert!(before.contains(&("IPS2502".into(), 3)), "{before:?}");
    // At the end of a key line it is part of the key, not a directive. (The
    // key changed, so IPS2502 is gone; a directive read there would now be
    // unused and reported as IPS9004.)
    edit_line(&psk, 3, |l| format!("{l} # ipseclint: ignore[IPS2502]"));
    let trailing = findings(&json(&[&dir]), "psk.txt");
    assert!(
        !trailing.iter().any(|(c, _)| c == "IPS9004"),
        "{trailing:?}"
    );
    edit_line(&psk, 3, |l| l.split(" # ").next().unwrap().to_string());
    // In column 1 on the line before, it is a comment and counts.
    edit_line(&psk, 3, |l| {
        format!("# ipseclint: ignore[IPS2502] rotated next week\n{l}")
    });
    let after = findings(&json(&[&dir]), "psk.txt");
    assert!(!after.iter().any(|(c, _)| c == "IPS2502"), "{after:?}");
}

#[test]
fn a_cross_peer_finding_is_silenced_at_either_peer() {
    let (_t, dir) = copy("corpus/pairs/fail-psk-differs");
    let (east, west) = (dir.join("east"), dir.join("west"));
    let before = json(&[&east, &west]);
    assert_eq!(codes(&before).iter().filter(|c| *c == "IPS6004").count(), 2);
    // One comment in east's psk.txt covers both findings: each names that line.
    edit_line(&east.join("usr/local/etc/racoon/psk.txt"), 2, |l| {
        format!("# ipseclint: ignore[IPS6004] keys being rotated\n{l}")
    });
    let after = json(&[&east, &west]);
    assert!(
        !codes(&after).contains(&"IPS6004".to_string()),
        "{:?}",
        codes(&after)
    );
    assert!(!codes(&after).contains(&"IPS9004".to_string()));
    // The pair's status still says what racoon would do.
    assert_eq!(after["pairs"][0]["a_to_b"], "PHASE1_KEY_MISMATCH");
}
