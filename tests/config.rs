//! `ipseclint.toml`: found in the current directory or a parent (or named
//! with `--config`), rule levels, fail-on, target, exclude, gateway hints, and
//! exit 2 with the place of every mistake in it.

mod common;
use assert_cmd::Command;
use common::{copy_dir, project};
use serde_json::Value;
use std::path::Path;

fn ipseclint(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("ipseclint").unwrap();
    c.current_dir(cwd);
    c
}

/// The fail-pfs pair: two IPS6005 errors, nothing else.
fn pfs_pair() -> [String; 2] {
    ["east", "west"].map(|g| {
        project()
            .join("corpus/pairs/fail-pfs")
            .join(g)
            .to_string_lossy()
            .into_owned()
    })
}

/// Run with `--format json` in `cwd`: the output and the exit status.
fn json(cwd: &Path, args: &[&str]) -> (Value, i32) {
    let out = ipseclint(cwd)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap())
}

fn codes_and_severities(v: &Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The severity of each finding.
fn levels(v: &Value) -> Vec<String> {
    codes_and_severities(v)
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

/// `pairs` is left out of the JSON when there are none.
fn pair_count(v: &Value) -> usize {
    v["pairs"].as_array().map_or(0, Vec::len)
}

fn dir_with_config(text: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ipseclint.toml"), text).unwrap();
    tmp
}

#[test]
fn rules_can_be_turned_off_or_given_another_severity() {
    let pair = pfs_pair();
    let args: Vec<&str> = pair.iter().map(String::as_str).collect();

    let plain = tempfile::tempdir().unwrap();
    let (v, code) = json(plain.path(), &args);
    assert_eq!(code, 1);
    let all = codes_and_severities(&v);
    assert_eq!(all.len(), 2);
    assert!(
        all.iter().all(|(c, s)| c == "IPS6005" && s == "error"),
        "{all:?}"
    );

    let off = dir_with_config("[rules]\nIPS6005 = \"off\"\n");
    let (v, code) = json(off.path(), &args);
    assert_eq!((codes_and_severities(&v), code), (vec![], 0));
    // The tunnel still fails: turning a rule off hides the finding, not the fact.
    assert_eq!(v["pairs"][0]["a_to_b"], "PHASE2_FAILED");
    assert_eq!(v["pairs"][0]["diagnostics"], serde_json::json!([]));

    let warn = dir_with_config("[rules]\nIPS6005 = \"warning\"\n");
    let (v, code) = json(warn.path(), &args);
    assert_eq!(code, 0, "warnings do not fail by default");
    assert_eq!(levels(&v), ["warning", "warning"]);
    assert_eq!(v["summary"]["warnings"], 2);

    // A prefix names a group of rules; the most specific entry wins.
    let prefix = dir_with_config("[rules]\nIPS6 = \"info\"\nIPS600 = \"warning\"\n");
    let (v, _) = json(prefix.path(), &args);
    assert_eq!(levels(&v), ["warning", "warning"]);
    let prefix = dir_with_config("[rules]\nips6 = \"info\"\n");
    let (v, _) = json(prefix.path(), &args);
    assert_eq!(levels(&v), ["info", "info"]);
}

#[test]
fn fail_on_comes_from_the_config_unless_the_command_line_says() {
    let pair = pfs_pair();
    let dir = dir_with_config("fail-on = \"warning\"\n[rules]\nIPS6005 = \"warning\"\n");
    ipseclint(dir.path()).args(&pair).assert().code(1);
    ipseclint(dir.path())
        .args(["--fail-on", "error"])
        .args(&pair)
        .assert()
        .code(0);
}

#[test]
fn the_config_is_found_in_a_parent_named_or_skipped() {
    let pair = pfs_pair();
    let args: Vec<&str> = pair.iter().map(String::as_str).collect();
    let dir = dir_with_config("[rules]\nIPS6005 = \"off\"\n");
    let deep = dir.path().join("a/b");
    std::fs::create_dir_all(&deep).unwrap();

    let (v, code) = json(&deep, &args);
    assert_eq!((codes_and_severities(&v).len(), code), (0, 0));

    let mut skip = vec!["--no-config"];
    skip.extend(&args);
    let (v, code) = json(&deep, &skip);
    assert_eq!((codes_and_severities(&v).len(), code), (2, 1));

    // --config names a file anywhere; the one in the parent is not read then.
    let other = deep.join("strict.toml");
    std::fs::write(&other, "[rules]\nIPS6005 = \"info\"\n").unwrap();
    let mut named = vec!["--config", "strict.toml"];
    named.extend(&args);
    let (v, code) = json(&deep, &named);
    assert_eq!(code, 0);
    assert_eq!(levels(&v), ["info", "info"]);
}

#[test]
fn target_comes_from_the_config_unless_the_command_line_says() {
    // IPS2015: an algorithm the kernel lacks is an error on 13 and later,
    // a note before (it still works there).
    let file = project().join("corpus/rules/IPS2015/bad/racoon.conf");
    let file = file.to_str().unwrap();
    let dir = dir_with_config("target = \"freebsd-12\"\n");
    let (v, _) = json(dir.path(), &[file]);
    assert_eq!(v["diagnostics"][0]["code"], "IPS2015");
    assert_eq!(v["diagnostics"][0]["severity"], "info");
    let (v, _) = json(dir.path(), &["--target", "freebsd-14", file]);
    assert_eq!(v["diagnostics"][0]["severity"], "error");
}

#[test]
fn the_configured_site_example_is_clean_and_needs_its_config() {
    let site = project().join("corpus/sites/configured");
    let (v, code) = json(&site, &["."]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes_and_severities(&v), vec![]);
    // The [[gateway]] hint finds the two gateways two levels down and pairs them.
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{v}");
    assert_eq!(pairs[0]["a_to_b"], "ESTABLISHED");
    assert_eq!(pairs[0]["b_to_a"], "ESTABLISHED");
    assert_eq!(v["summary"]["files"], 4, "archive/ is excluded");

    // Without it: no gateways found, and the archived file fails the run.
    let (v, code) = json(&site, &["--no-config", "."]);
    assert_eq!(code, 1);
    assert_eq!(pair_count(&v), 0);
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().any(|f| f.contains("archive/old-east")),
        "{files:?}"
    );
}

#[test]
fn exclude_hides_a_gateway_of_a_site_but_not_a_named_path() {
    let dir = dir_with_config("exclude = [\"west\"]\n");
    let site = dir.path().join("site");
    for g in ["east", "west"] {
        copy_dir(
            &project().join("corpus/pairs/fail-pfs").join(g),
            &site.join(g),
        );
    }
    let (v, code) = json(dir.path(), &["site"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(pair_count(&v), 0, "{v}");
    let text = v.to_string();
    assert!(!text.contains("site/west"), "{text}");

    // Named on the command line, an excluded path is checked: asking is asking.
    let (v, code) = json(dir.path(), &["site/east", "site/west"]);
    assert_eq!(code, 1);
    assert_eq!(pair_count(&v), 1);
}

/// Each broken config: its text, where the error points and what it says.
const BROKEN: &[(&str, &str, &str)] = &[
    ("[rules\nIPS6005 = \"off\"\n", ":1:7:", "expected `]`"),
    (
        "target = \"freebsd-13\"\n\n[rules]\nIPS20O3 = \"off\"\n",
        ":4:1:",
        "did you mean `IPS2003`",
    ),
    (
        "[rules]\nIPS2003 = \"loud\"\n",
        ":2:11:",
        "unknown variant `loud`",
    ),
    (
        "targett = \"freebsd-13\"\n",
        ":1:1:",
        "unknown field `targett`",
    ),
    ("target = \"freebsd-9\"\n", ":1:10:", "freebsd-13"),
    ("fail-on = 1\n", ":1:11:", "wanted string"),
    (
        "exclude = [\"archive/**\", \"old[\"]\n",
        ":1:26:",
        "not a valid glob",
    ),
    (
        "[[gateway]]\npath = \"gw/*\"\nlayout = \"tree\"\n",
        ":3:10:",
        "unknown variant `tree`",
    ),
    (
        "[[gateway]]\nlayout = \"flat\"\n",
        ":1:1:",
        "missing field `path`",
    ),
];

#[test]
fn a_broken_config_exits_2_and_says_where() {
    let target = project().join("corpus/example/east");
    for (text, place, says) in BROKEN {
        let dir = dir_with_config(text);
        let out = ipseclint(dir.path()).arg(&target).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}\n{err}");
        assert!(out.stdout.is_empty(), "nothing is checked: {text}");
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.starts_with(&format!("ipseclint: ipseclint.toml{place}")),
            "{text}\n{err}"
        );
        assert!(first.contains(says), "{text}\n{err}");
        // The line itself is shown under the message.
        let line: usize = place.split(':').nth(1).unwrap().parse().unwrap();
        let shown = text.lines().nth(line - 1).unwrap();
        assert!(err.contains(shown), "{text}\n{err}");
    }
}

#[test]
fn a_named_config_that_cannot_be_read_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = ipseclint(dir.path())
        .args(["--config", "nowhere.toml"])
        .arg(project().join("corpus/example/east"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("ipseclint: nowhere.toml: cannot read the configuration"),
        "{err}"
    );
}
