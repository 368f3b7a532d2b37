//! Hostile inputs: files made to exhaust time, stack or memory. Each must
//! simply finish, with the parts it cannot follow reported, never a hang or
//! an abort. (No timing is asserted; a regression shows as a test that does
//! not end.) The random-input tests are in `tests/proptest.rs`.

use ipseclint::model::rcconf::RcConfig;
use ipseclint::source::FileId;
use ipseclint::syntax;

/// An unclosed `{` after a bad statement used to double the work each time.
#[test]
fn racoon_unclosed_braces() {
    let text = format!(
        "x {}\nremote 192.0.2.1 {{ exchange_mode main; }}\n",
        "{".repeat(60)
    );
    let parsed = syntax::racoon::parse(FileId(0), &text);
    assert!(!parsed.diagnostics.is_empty());
    let deep = format!("x {}\n", "{ a ".repeat(5_000));
    let parsed = syntax::racoon::parse(FileId(0), &deep);
    assert!(!parsed.diagnostics.is_empty());
}

/// One stray `"` no longer leaves the whole file unread.
#[test]
fn racoon_stray_quote_keeps_the_rest() {
    let text = "listen { \" }\nremote 192.0.2.1 { exchange_mode main; }\n";
    let parsed = syntax::racoon::parse(FileId(0), text);
    assert!(!parsed.diagnostics.is_empty());
    let remotes = parsed
        .conf
        .items
        .iter()
        .filter(|i| matches!(i, syntax::racoon::TopItem::Remote(_)))
        .count();
    assert_eq!(remotes, 1, "{:?}", parsed.diagnostics);
}

#[test]
fn shell_script_too_many_tokens() {
    let text = format!(
        "#!/bin/sh\n{}ipfw add allow ip from any to any\n",
        "\n".repeat(2_000_001)
    );
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    // The command after the limit is not read, and that is said.
    assert!(out.commands.is_empty());
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("words and operators")),
        "{:?}",
        out.diagnostics
    );
}

#[test]
fn shell_script_deep_nesting() {
    let text = format!("#!/bin/sh\n{}\n", "(".repeat(100_000));
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    assert!(!out.diagnostics.is_empty());
    let text = format!(
        "#!/bin/sh\nx={}\nipfw add allow ip from any to any\n",
        "${a%".repeat(100_000)
    );
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    // The unclosed expansions run to the end of the file: the ipfw line is
    // part of them (sh would not run it either).
    assert!(out.commands.is_empty());
}

#[test]
fn shell_variable_doubling() {
    let text = format!(
        "#!/bin/sh\na=10.0.0.1\n{}ipfw add allow ip from \"$a\" to any\n",
        "a=\"$a $a\"\n".repeat(40)
    );
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    assert!(!out.diagnostics.is_empty(), "the cut-off is reported");
}

#[test]
fn interface_pattern_of_many_stars() {
    let pattern = format!("{}x", "*".repeat(1_000));
    assert!(!ipseclint::model::firewall::iface_pattern_matches(
        &pattern,
        &"y".repeat(1_000)
    ));
    let text = format!("add 100 allow ip from any to any via {pattern}\n");
    let parsed = syntax::ipfw::parse_file(FileId(0), &text);
    assert_eq!(parsed.file.rules().count(), 1);
}

#[test]
fn rc_conf_value_doubling() {
    let text = format!("a=xxxxxxxx\n{}", "a=$a$a\n".repeat(40));
    let rc = syntax::rcconf::parse(&text);
    let mut config = RcConfig::with_defaults();
    config.apply(FileId(0), &rc);
    assert!(config.value("a").len() <= 64 << 10);
    assert_eq!(config.history.len(), 41);
}

#[test]
fn rc_conf_many_unclosed_expansions() {
    let text = "a=${\n".repeat(200_000);
    let rc = syntax::rcconf::parse(&text);
    assert_eq!(rc.assignments().count(), 200_000);
}

#[test]
fn ipf_variable_bomb() {
    let mut text = String::from("a0=\"xxxxxxxx\";\n");
    for i in 1..10 {
        let prev = format!("$a{}", i - 1);
        text.push_str(&format!("a{i}=\"{}\";\n", prev.repeat(10)));
    }
    text.push_str("pass in from $a9 to any\n");
    let parsed = syntax::ipf::parse(FileId(0), &text, syntax::ipf::IpfVersion::default());
    assert!(parsed
        .diagnostics
        .iter()
        .any(|d| d.message.contains("too much text")));
}

#[test]
fn ipf_many_unclosed_expansions() {
    let text = format!("pass in all {}\n", "${".repeat(200_000));
    let parsed = syntax::ipf::parse(FileId(0), &text, syntax::ipf::IpfVersion::default());
    assert!(!parsed.diagnostics.is_empty());
}

// ---------------------------------------------------------------------------
// Special files: never opened as configuration, never waited on
// ---------------------------------------------------------------------------

mod common;

use assert_cmd::Command;
use std::path::Path;
use std::time::Duration;

/// Runs the CLI with a watchdog: a run that blocks is killed and fails the
/// test, instead of hanging it. (The limit is generous: it is a watchdog,
/// not a timing assertion.)
fn run_watched(args: &[&str]) -> std::process::Output {
    let out = Command::cargo_bin("ipseclint")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some(),
        "ipseclint {args:?} was killed (it blocked or ran away): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {path:?}"
    );
}

/// A FIFO in the place of each file a gateway reads is an input error
/// (exit 2) that names it, at once: nothing waits for a writer.
#[test]
fn a_fifo_in_a_files_place_is_refused_at_once() {
    let gw = common::project().join("corpus/gateways/east");
    for file in [
        "etc/rc.conf",
        "etc/ipsec.conf",
        "usr/local/etc/racoon/racoon.conf",
        "usr/local/etc/racoon/psk.txt",
        "bin/freebsd-version",
        ".mtree",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("east");
        common::copy_dir(&gw, &root);
        let place = root.join(file);
        let _ = std::fs::remove_file(&place);
        mkfifo(&place);
        let out = run_watched(&[root.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains("not a regular file (a FIFO)")
                && stderr.contains(file.rsplit('/').next().unwrap()),
            "{file}: {stderr}"
        );
    }
}

/// `/dev/zero` as a file to check, a baseline or ipftest's rules is refused
/// before a byte is read (it used to be read until memory ran out).
#[test]
fn a_device_is_never_read() {
    let zero = "/dev/zero";
    if !Path::new(zero).exists() {
        println!("skipped: this machine has no {zero}");
        return;
    }
    let gw = common::project().join("corpus/gateways/east");
    for args in [
        vec![zero],
        vec!["--baseline", zero, gw.to_str().unwrap()],
        vec!["ipftest", "-r", zero, "-i", zero],
    ] {
        let out = run_watched(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("not a regular file (a character device)"),
            "{args:?}: {stderr}"
        );
    }
}

/// Small inputs that used to run for minutes finish with the bound they hit
/// reported: five nested `for` loops in an rc.firewall-style script (100,000
/// rules), 100,000 identical ipfw rules (the shadowing analysis is linear on
/// repeated rules and shows at most 100 findings per rule and file), and an
/// rc.conf of 300,000 chained `${v}` assignments.
#[test]
fn small_inputs_with_long_runs_finish_with_the_bound_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let loops = tmp.path().join("rc.firewall");
    let ten = "1 2 3 4 5 6 7 8 9 10";
    std::fs::write(
        &loops,
        format!("fwcmd=/sbin/ipfw\nfor a in {ten};do for b in {ten};do for c in {ten};do for d in {ten};do for e in {ten};do ${{fwcmd}} add deny ip from 10.$a.$b.$c to any;done;done;done;done;done\n"),
    )
    .unwrap();
    let out = run_watched(&["--no-config", "--format", "gcc", loops.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not evaluated from here on: the script adds more than 10000 ipfw rules"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.contains("[IPS9006]"), "no findings cap reported");
    assert!(
        text.lines().count() < 1000,
        "{} lines",
        text.lines().count()
    );

    let same = tmp.path().join("same.rules");
    std::fs::write(
        &same,
        "add 100 allow udp from any to any 500\n".repeat(100_000),
    )
    .unwrap();
    let out = run_watched(&["--no-config", "--format", "gcc", same.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("99899 more IPS5001 findings in this file are not shown"),
        "{}",
        &text[..text.len().min(2000)]
    );

    let dir = tmp.path().join("rc");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rc = String::from("v0=x\n");
    for i in 1..300_000 {
        rc.push_str(&format!("v{i}=${{v{}}}\n", i - 1));
    }
    std::fs::write(dir.join("rc.conf"), rc).unwrap();
    let out = run_watched(&["--no-config", dir.join("rc.conf").to_str().unwrap()]);
    assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
}
