//! `--write-baseline` then `--baseline`: only new findings are reported, and
//! recorded ones stay known when lines move.

mod common;
use assert_cmd::Command;
use common::project;
use serde_json::Value;
use std::path::Path;

fn ipseclint() -> Command {
    Command::cargo_bin("ipseclint").unwrap()
}

fn copy_flat(rel: &str, to: &Path) {
    for e in std::fs::read_dir(project().join(rel)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn json(args: &[&str], dir: &Path) -> (Value, i32) {
    let out = ipseclint()
        .args(["--format", "json"])
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

#[test]
fn only_new_findings_fail_after_a_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = tmp.path().join("gw");
    std::fs::create_dir(&gw).unwrap();
    copy_flat("corpus/example/broken", &gw);
    let base = tmp.path().join("baseline.json");
    let base_s = base.to_str().unwrap();

    let (all, code) = json(&[], &gw);
    assert_eq!(code, 1);
    let n = all["diagnostics"].as_array().unwrap().len();
    assert!(n > 0);

    ipseclint()
        .args(["--write-baseline", base_s])
        .arg(&gw)
        .assert()
        .code(0);
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(recorded["findings"].as_array().unwrap().len(), n);

    // Nothing new: clean exit, nothing shown.
    let (v, code) = json(&["--baseline", base_s], &gw);
    assert_eq!(code, 0);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);

    // Lines inserted above every finding, and one new mistake.
    let conf = gw.join("racoon.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        format!("# reviewed 2026-11\n# by the network team\n\n{text}\nlisten {{ isakmp 192.0.2.30 [500] }}\n"),
    )
    .unwrap();
    let (v, code) = json(&["--baseline", base_s], &gw);
    let new: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(code, 1, "{new:?}");
    assert_eq!(new, ["IPS1003"], "only the new missing `;` is reported");
}

#[test]
fn a_bad_baseline_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("b.json");
    std::fs::write(&base, "{ not json").unwrap();
    ipseclint()
        .current_dir(project())
        .args(["--baseline", base.to_str().unwrap(), "corpus/example/east"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("baseline"));
    ipseclint()
        .current_dir(project())
        .args(["--baseline", "/nonexistent/b.json", "corpus/example/east"])
        .assert()
        .code(2);
}

#[test]
fn a_baseline_holds_no_key() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("b.json");
    let pair = project().join("corpus/pairs/fail-psk-differs");
    ipseclint()
        .args(["--write-baseline", base.to_str().unwrap()])
        .arg(pair.join("east"))
        .arg(pair.join("west"))
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(text.contains("IPS6004"));
    for side in ["east", "west"] {
        let psk =
            std::fs::read_to_string(pair.join(side).join("usr/local/etc/racoon/psk.txt")).unwrap();
        for line in psk.lines().filter(|l| !l.starts_with('#')) {
            if let Some(key) = line.split_whitespace().nth(1) {
                assert!(!text.contains(key), "a key of {side} is in the baseline");
            }
        }
    }
}
