//! `--fix` and `--diff` on the corpus: what each safe fix changes, that
//! `--diff` changes nothing, that `--fix` leaves only what it cannot fix,
//! keeps psk.txt's mode and never shows a key.

mod common;
use assert_cmd::Command;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn cmd(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("ipseclint").unwrap();
    c.current_dir(dir).arg("--no-config");
    c
}

/// A copy of a corpus directory in a fresh temporary directory.
fn copy_of(corpus: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&project().join(corpus), tmp.path());
    tmp
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn stdout_of(c: &mut Command) -> (i32, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The `-`/`+` lines of a diff (its headers left out).
fn changes(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect()
}

#[test]
fn diff_shows_each_kind_of_fix_and_changes_nothing() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "corpus/rules/IPS1003/bad",
            "racoon.conf",
            &["-\tinitial_contact on", "+\tinitial_contact on;"],
        ),
        ("corpus/rules/IPS1005/bad", "racoon.conf", &["-};", "+}"]),
        (
            "corpus/pairs/fail-remote-address-typo",
            "west/usr/local/etc/racoon/racoon.conf",
            &["-remote 203.0.113.11 {", "+remote 203.0.113.1 {"],
        ),
    ];
    for (dir, file, want) in cases {
        let tmp = copy_of(dir);
        let before = read(&tmp.path().join(file));
        let (code, diff) = stdout_of(cmd(tmp.path()).args(["--diff", "."]));
        assert_eq!(code, 1, "{dir}: --diff exits 1 when there is a fix\n{diff}");
        assert_eq!(&changes(&diff), want, "{dir}:\n{diff}");
        assert!(diff.contains(&format!("+++ b/./{file}")), "{diff}");
        assert_eq!(read(&tmp.path().join(file)), before, "{dir}: --diff wrote");
    }
}

#[test]
fn diff_of_a_clean_gateway_is_empty() {
    let (code, diff) = stdout_of(cmd(&project()).args(["--diff", "corpus/example/east"]));
    assert_eq!((code, diff.as_str()), (0, ""));
}

#[test]
fn diff_never_shows_a_key() {
    let tmp = copy_of("corpus/rules/IPS2502/bad");
    let (code, diff) = stdout_of(cmd(tmp.path()).args(["--diff", "psk.txt"]));
    assert_eq!(code, 1);
    assert_eq!(changes(&diff).len(), 2, "{diff}");
    for key in ["5kxhD5i7M1nKBmPsSgwsrManzJ", "DTAH3K4FXbgoKU27zUutW5bIVo"] {
        assert!(!diff.contains(key), "a key in the diff:\n{diff}");
    }
}

#[test]
fn fix_strips_a_keys_trailing_blanks_and_keeps_the_mode() {
    let tmp = copy_of("corpus/rules/IPS2502/bad");
    let psk = tmp.path().join("psk.txt");
    std::fs::set_permissions(&psk, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = cmd(tmp.path()).args(["--fix", "psk.txt"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fixed 1 finding in psk.txt"), "{stderr}");
    let text = String::from_utf8(read(&psk)).unwrap();
    assert!(text.contains("203.0.113.9\t5kxhD5i7M1nKBmPsSgwsrManzJ\n"));
    assert_eq!(
        std::fs::metadata(&psk).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(!shown.contains("IPS2502"), "{shown}");
    assert!(!shown.contains("5kxhD5i7M1nKBmPsSgwsrManzJ") && !stderr.contains("5kxhD5i7"));
}

#[test]
fn fix_leaves_only_what_it_cannot_fix_and_a_second_run_does_nothing() {
    let tmp = copy_of("corpus/pairs/fail-racoon-conf-syntax");
    let conf = tmp.path().join("west/usr/local/etc/racoon/racoon.conf");
    let out = cmd(tmp.path())
        .args(["--fix", "--format", "gcc", "west", "east"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(!shown.contains("IPS1003"), "{shown}");
    assert!(String::from_utf8(read(&conf))
        .unwrap()
        .contains("lifetime time 8 hour;\n"));
    // The pair came up once the `;` was there: nothing left to report.
    assert_eq!(out.status.code(), Some(0), "{shown}");
    let again = read(&conf);
    let (code, diff) = stdout_of(cmd(tmp.path()).args(["--diff", "west", "east"]));
    assert_eq!((code, diff.as_str()), (0, ""));
    assert_eq!(read(&conf), again);
}

#[test]
fn fix_corrects_a_near_miss_psk_identifier() {
    let tmp = copy_of("corpus/pairs/fail-psk-ident-typo");
    let psk = tmp.path().join("west/usr/local/etc/racoon/psk.txt");
    let out = cmd(tmp.path())
        .args(["--fix", "--format", "gcc", "west", "east"])
        .output()
        .unwrap();
    let text = String::from_utf8(read(&psk)).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("203.0.113.1\t")),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("203.0.113.11\t")));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        !shown.contains("IPS6004") && !shown.contains("near miss"),
        "{shown}"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_never_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("racoon.conf");
    let bytes = b"# caf\xe9\nremote 192.0.2.1 {\n\texchange_mode main\n}\n".to_vec();
    std::fs::write(&conf, &bytes).unwrap();
    cmd(tmp.path())
        .args(["--fix", "racoon.conf"])
        .assert()
        .code(1);
    assert_eq!(read(&conf), bytes);
}

#[test]
fn fix_and_diff_exclude_each_other() {
    cmd(&project())
        .args(["--fix", "--diff", "corpus/example/east"])
        .assert()
        .code(2);
}
