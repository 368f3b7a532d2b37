//! The command line: exit codes, formats, explain, rules, file recognition.

mod common;
use assert_cmd::Command;
use common::*;
use predicates::prelude::*;

fn cmd() -> Command {
    let mut c = Command::cargo_bin("ipseclint").unwrap();
    c.current_dir(project());
    c
}

#[test]
fn clean_gateway_exits_0() {
    cmd()
        .arg("corpus/example/east")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 errors"));
}

#[test]
fn errors_exit_1_and_fail_on_controls_it() {
    cmd().arg("corpus/example/broken").assert().code(1);
    cmd()
        .args(["--fail-on", "never", "corpus/example/broken"])
        .assert()
        .code(0);
    // A warning-only file fails only with --fail-on warning.
    cmd()
        .arg("corpus/rules/IPS2101/bad/racoon.conf")
        .assert()
        .code(0);
    cmd()
        .args([
            "--fail-on",
            "warning",
            "corpus/rules/IPS2101/bad/racoon.conf",
        ])
        .assert()
        .code(1);
    cmd()
        .args(["--fail-on", "info", "corpus/rules/IPS2103/bad/racoon.conf"])
        .assert()
        .code(1);
    cmd()
        .args([
            "--fail-on",
            "warning",
            "corpus/rules/IPS2103/bad/racoon.conf",
        ])
        .assert()
        .code(0);
}

#[test]
fn unreadable_path_exits_2_and_json_still_goes_to_stdout() {
    let out = cmd()
        .args([
            "--format",
            "json",
            "corpus/example/east",
            "does/not/exist.conf",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist.conf"))
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["files"], 2);
}

#[test]
fn usage_errors_exit_2() {
    cmd().assert().code(2);
    cmd().args(["--format", "yaml", "corpus"]).assert().code(2);
    cmd().args(["explain", "IPS0000"]).assert().code(2);
}

#[test]
fn json_has_the_documented_shape() {
    let out = cmd()
        .args(["--format", "json", "corpus/example/broken"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    for key in [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "related",
        "help",
    ] {
        assert!(d.get(key).is_some(), "missing {key}");
    }
    let s = &v["summary"];
    assert!(s["errors"].as_u64().unwrap() >= 5);
    // Sorted by file, then line, then column.
    let keys: Vec<(String, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(keys[0].0.starts_with("corpus/example/broken/"));
}

#[test]
fn explain_prints_the_doc() {
    cmd().args(["explain", "IPS2015"]).assert().code(0).stdout(
        predicate::str::contains("Why it matters")
            .and(predicate::str::contains("Bad:"))
            .and(predicate::str::contains("Good:")),
    );
    cmd()
        .args(["explain", "ips1003"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("missing-semicolon"));
}

#[test]
fn rules_lists_every_code() {
    let out = cmd().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for r in ipseclint::rules::all() {
        assert!(text.contains(r.code), "{}", r.code);
    }
}

#[test]
fn strongswan_ipsec_conf_gets_an_info_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ipsec.conf");
    std::fs::write(
        &f,
        "config setup\n\nconn office\n    left=%defaultroute\n    right=192.0.2.1\n",
    )
    .unwrap();
    let out = cmd()
        .args(["--format", "json"])
        .arg(&f)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "IPS9001");
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("strongSwan"));
}

#[test]
fn racoon_conf_recognised_by_content_and_non_utf8_reported() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("gateway.cfg");
    std::fs::write(
        &f,
        b"# caf\xe9\nremote anonymous {\n exchange_mode main;\n}\n",
    )
    .unwrap();
    let out = cmd()
        .args(["--format", "json"])
        .arg(&f)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"IPS9002"), "{codes:?}");
    assert!(codes.contains(&"IPS2014"), "{codes:?}");
}

#[test]
fn target_release_changes_kernel_algorithm_severity() {
    let out = cmd()
        .args([
            "--format",
            "json",
            "--target",
            "freebsd-12",
            "corpus/rules/IPS2015/bad/racoon.conf",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "IPS2015");
    // Working on 12, removed in 13: a note for the upgrade.
    assert_eq!(v["diagnostics"][0]["severity"], "info");
    let out = cmd()
        .args(["--format", "json", "corpus/rules/IPS2015/bad/racoon.conf"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["severity"], "error");
}

#[test]
fn human_output_has_no_colour_when_piped() {
    cmd().arg("corpus/example/broken").assert().stdout(
        predicate::str::contains("\u{1b}[")
            .not()
            .and(predicate::str::contains("IPS1003")),
    );
}

/// The findings as JSON, to hold the line formats against.
fn json_of(args: &[&str]) -> serde_json::Value {
    let out = cmd()
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn gcc_format_has_a_line_per_finding_and_related_place() {
    let args = [
        "corpus/pairs/fail-psk-differs/east",
        "corpus/pairs/fail-psk-differs/west",
    ];
    let v = json_of(&args);
    let out = cmd().args(["--format", "gcc"]).args(args).assert().code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let mut lines = text.lines();
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    for d in diags {
        let sev = match d["severity"].as_str().unwrap() {
            "info" => "note",
            s => s,
        };
        let want = format!(
            "{}:{}:{}: {}: {} [{}]",
            d["file"].as_str().unwrap(),
            d["line"],
            d["column"],
            sev,
            d["message"].as_str().unwrap(),
            d["code"].as_str().unwrap()
        );
        assert_eq!(lines.next(), Some(want.as_str()));
        for r in d["related"].as_array().unwrap() {
            let want = format!(
                "{}:{}:{}: note: {} [{}]",
                r["file"].as_str().unwrap(),
                r["line"],
                r["column"],
                r["message"].as_str().unwrap(),
                d["code"].as_str().unwrap()
            );
            assert_eq!(lines.next(), Some(want.as_str()));
        }
    }
    assert_eq!(lines.next(), None);
}

#[test]
fn github_format_is_one_workflow_command_per_finding() {
    let v = json_of(&["corpus/example/broken"]);
    let out = cmd()
        .args(["--format", "github", "corpus/example/broken"])
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), diags.len());
    for (l, d) in lines.iter().zip(diags) {
        let cmd = match d["severity"].as_str().unwrap() {
            "info" => "notice",
            s => s,
        };
        let head = format!(
            "::{cmd} file={},line={},col={},endLine={},endColumn={},title={} ",
            d["file"].as_str().unwrap(),
            d["line"],
            d["column"],
            d["end_line"],
            d["end_column"],
            d["code"].as_str().unwrap()
        );
        assert!(l.starts_with(&head), "{l}\nwanted {head}");
        // Newlines in the message are escaped, so a command is one line.
        let msg = l.split_once("::").unwrap().1.split_once("::").unwrap().1;
        assert!(msg.starts_with(&d["message"].as_str().unwrap().replace('%', "%25")));
    }
}

/// Check `text` as an ipsec.conf with extra `args`: (code, line, severity,
/// message) of every finding.
fn setkey_findings(text: &str, args: &[&str]) -> Vec<(String, u64, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ipsec.conf");
    std::fs::write(&file, text).unwrap();
    let out = cmd()
        .args(["--format", "json"])
        .args(args)
        .arg(&file)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// ipsec-tools syntax FreeBSD's setkey rejects, line by line, and aes-cbc on
/// FreeBSD 12 (not a keyword there: a syntax error).
#[test]
fn setkey_constructs_freebsd_does_not_accept() {
    let found = setkey_findings(
        "add 192.0.2.1[4500] 198.51.100.1[4500] esp 0x1000 -E rijndael-cbc 0x00112233445566778899aabbccddeeff;\n\
         add 192.0.2.1 198.51.100.1 ah 0x1001 -A hmac-sha256 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff;\n\
         exit;\n\
         add 192.0.2.1 198.51.100.1 esp 0x1002 -E aes-cbc 0x00112233445566778899aabbccddeeff;\n",
        &["--target", "freebsd-12"],
    );
    let is = |code: &str, line: u64| {
        found
            .iter()
            .any(|f| f.0 == code && f.1 == line && f.2 == "error")
    };
    for line in [1, 2, 3] {
        assert!(is("IPS3011", line), "line {line}: {found:?}");
    }
    assert!(is("IPS3002", 4), "{found:?}");
}

/// An SPI over 32 bits: setkey refuses it in hex and silently cuts it in
/// decimal (2^32 + 100 becomes the reserved 100).
#[test]
fn setkey_spi_over_32_bits() {
    let found = setkey_findings(
        "add 192.0.2.1 198.51.100.1 esp 0x100000000 -E rijndael-cbc 0x00112233445566778899aabbccddeeff;\n\
         add 192.0.2.1 198.51.100.1 esp 4294967396 -E rijndael-cbc 0x00112233445566778899aabbccddeeff;\n",
        &[],
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "IPS1101" && f.1 == 1 && f.2 == "error" && f.3.contains("SPI too big")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "IPS1101" && f.1 == 2 && f.2 == "warning" && f.3.contains("(100)")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.0 == "IPS3003" && f.1 == 2),
        "{found:?}"
    );
}

/// Every closed set of values has a did-you-mean, drawn from the grammar's
/// own lists: racoon keywords and values, setkey algorithms and modes,
/// rc.conf's YES/NO.
#[test]
fn misspelt_values_get_a_did_you_mean() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "racoon.conf",
            "remote 192.0.2.1 {\n\texchange_mode main;\n\tproposal {\n\t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\t\tauthentication_method pre_share_key;\n\t\tdh_group 2;\n\t}\n}\n",
            "did you mean `pre_shared_key`?",
        ),
        (
            "ipsec.conf",
            "add 192.0.2.1 192.0.2.2 esp 0x1000 -E aes-cbcc 0x00112233445566778899aabbccddeeff;\n",
            "did you mean `aes-cbc`?",
        ),
        (
            "policy.conf",
            "spdadd 10.0.0.0/24 10.1.0.0/24 any -P out ipsec esp/tunnle/192.0.2.1-192.0.2.2/require;\n",
            "did you mean `tunnel`?",
        ),
        ("rc.conf", "racoon_enable=\"YSE\"\n", "did you mean `racoon_enable=\"YES\"`?"),
    ];
    for (name, text, want) in cases {
        let dir = tmp.path().join(name.replace('.', "_"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(if name == "policy.conf" {
            "ipsec.conf"
        } else {
            name
        });
        std::fs::write(&file, text).unwrap();
        let out = cmd()
            .args(["--format", "json"])
            .arg(&file)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let helps: Vec<&str> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["help"].as_str())
            .collect();
        assert!(helps.contains(&want), "{name}: {helps:?}");
    }
}

/// A lone racoon.conf says which `include` and `path` files it did not read
/// (IPS9007); given the gateway's root, the same file is followed and the
/// note is gone.
#[test]
fn a_lone_racoon_conf_says_what_it_did_not_follow() {
    let gateway = "corpus/rules/IPS4018/good";
    let lone = format!("{gateway}/usr/local/etc/racoon/racoon.conf");
    let out = cmd().args(["--format", "json", &lone]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "IPS9007")
        .collect();
    assert!(
        notes.iter().any(|d| d["message"]
            .as_str()
            .unwrap()
            .contains("include is not followed")),
        "{notes:?}"
    );
    assert!(notes.iter().all(|d| d["severity"] == "info"), "{notes:?}");
    let out = cmd().args(["--format", "json", gateway]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("IPS9007"), "{text}");
}
