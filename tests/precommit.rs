//! The pre-commit hook (`.pre-commit-hooks.yaml`) with the real `pre-commit`
//! tool: a repository with a gateway pair installs the hook, a commit that
//! breaks a configuration is refused, and the fixed one goes in.
//!
//! `.ci/run` installs pre-commit from PyPI. Outside CI the test skips, with the
//! reason, when pre-commit or git is missing.
//!
//! pre-commit builds the hook with `cargo install --path .` from a commit of
//! this checkout: the working tree is copied into a repository of its own
//! (under the target directory, with fixed dates, so an unchanged tree gives
//! the same commit and pre-commit's cache is reused) and committed.

mod common;
use common::{copy_dir, project};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// How to run pre-commit here: the command and its leading arguments.
fn pre_commit() -> Option<Vec<String>> {
    let candidates = [
        vec!["pre-commit".to_string()],
        vec![
            "python3".to_string(),
            "-m".to_string(),
            "pre_commit".to_string(),
        ],
    ];
    candidates.into_iter().find(|c| {
        Command::new(&c[0])
            .args(&c[1..])
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn have_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// No user or system git config (a global `core.hooksPath` would stop
/// `pre-commit install`), and a fixed identity.
fn isolated<'a>(cmd: &'a mut Command, who: &str) -> &'a mut Command {
    cmd.env("GIT_AUTHOR_NAME", who)
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", who)
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
}

/// Fixed dates too: the same tree always makes the same commit.
fn git(dir: &Path, args: &[&str]) -> Output {
    isolated(
        Command::new("git").current_dir(dir).args(args),
        "ipseclint test",
    )
    .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
    .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
    .output()
    .expect("git runs")
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// This checkout's files (tracked and new, not ignored) committed in a
/// repository of their own; returns its path and the commit.
fn snapshot_of_checkout(at: &Path) -> (PathBuf, String) {
    let repo = at.join("hook-repo");
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    let listed = git_ok(
        &project(),
        &["ls-files", "--cached", "--others", "--exclude-standard"],
    );
    for rel in listed.lines() {
        let from = project().join(rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = repo.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    git_ok(&repo, &["init", "-q", "-b", "main"]);
    git_ok(&repo, &["add", "-A"]);
    git_ok(&repo, &["commit", "-q", "-m", "ipseclint under test"]);
    let rev = git_ok(&repo, &["rev-parse", "HEAD"]);
    (repo, rev)
}

/// `git commit` in the gateway repository, with the hook's build settings:
/// pre-commit's cache and cargo's target directory under our target
/// directory, and a release build without optimisation (the hook's speed
/// does not matter here, the build time does).
fn commit(work: &Path, cache: &Path, message: &str) -> Output {
    let mut cmd = Command::new("git");
    isolated(
        cmd.current_dir(work).args(["commit", "-m", message]),
        "admin",
    )
    .env("PRE_COMMIT_HOME", cache.join("pre-commit-home"))
    .env("PRE_COMMIT_COLOR", "never")
    .env("CARGO_TARGET_DIR", cache.join("cargo-target"))
    .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
    .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
    .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256");
    // The variables `cargo test` sets for this test describe this package,
    // not the one pre-commit builds.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if (k.starts_with("CARGO_PKG_") || k.starts_with("CARGO_BIN_"))
            || matches!(
                k.as_str(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
            )
        {
            cmd.env_remove(k);
        }
    }
    cmd.output().expect("git commit runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn commits(work: &Path) -> usize {
    git_ok(work, &["rev-list", "--count", "HEAD"])
        .parse()
        .unwrap()
}

#[test]
fn the_hook_blocks_a_broken_config_and_lets_the_fix_in() {
    let ci = std::env::var_os("CI").is_some();
    let tool = match (pre_commit(), have_git()) {
        (Some(t), true) => t,
        (t, git) => {
            let missing = if git { "pre-commit" } else { "git" };
            assert!(
                !ci,
                "{missing} is missing in CI: .ci/run installs pre-commit (t={t:?})"
            );
            println!("SKIP: {missing} is not installed (`pip install pre-commit`)");
            return;
        }
    };

    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-test");
    let (hook_repo, rev) = snapshot_of_checkout(&cache);

    // The admins' repository: a clean pair, and the hook.
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("vpn");
    for g in ["east", "west"] {
        copy_dir(
            &project().join("corpus/example").join(g),
            &work.join("gateways").join(g),
        );
    }
    std::fs::write(
        work.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: ipseclint\n        args: [gateways/east, gateways/west]\n",
            hook_repo.display()
        ),
    )
    .unwrap();
    git_ok(&work, &["init", "-q", "-b", "main"]);
    let install = isolated(
        Command::new(&tool[0])
            .args(&tool[1..])
            .arg("install")
            .current_dir(&work),
        "admin",
    )
    .env("PRE_COMMIT_HOME", cache.join("pre-commit-home"))
    .output()
    .unwrap();
    assert!(install.status.success(), "{}", text(&install));
    assert!(work.join(".git/hooks/pre-commit").is_file());

    git_ok(&work, &["add", "-A"]);
    let first = commit(&work, &cache, "east and west");
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("ipseclint"), "{}", text(&first));
    assert_eq!(commits(&work), 1);

    // An edit of east's racoon.conf that loses a statement's `;`.
    let conf = work.join("gateways/east/racoon.conf");
    let before = std::fs::read_to_string(&conf).unwrap();
    let good = before.replacen(
        "# west.example.net",
        "# west.example.net (second uplink)",
        1,
    );
    let broken = good.replacen("exchange_mode main;", "exchange_mode main", 1);
    assert!(before != good && good != broken);
    std::fs::write(&conf, &broken).unwrap();
    git_ok(&work, &["add", "-A"]);
    let refused = commit(&work, &cache, "east: tidy up");
    let said = text(&refused);
    assert!(!refused.status.success(), "{said}");
    assert!(said.contains("Failed"), "{said}");
    assert!(said.contains("IPS1003"), "{said}");
    assert!(said.contains("gateways/east/racoon.conf"), "{said}");
    assert_eq!(commits(&work), 1, "the broken commit was not made");

    // A commit that touches no gateway file does not run the hook.
    std::fs::write(work.join("notes.txt"), "rotate the PSK in March\n").unwrap();
    git_ok(&work, &["reset", "-q"]);
    git_ok(&work, &["add", "notes.txt"]);
    let skipped = commit(&work, &cache, "notes");
    assert!(skipped.status.success(), "{}", text(&skipped));
    assert!(text(&skipped).contains("Skipped"), "{}", text(&skipped));
    assert_eq!(commits(&work), 2);

    // The fix goes in.
    std::fs::write(&conf, &good).unwrap();
    git_ok(&work, &["add", "-A"]);
    let fixed = commit(&work, &cache, "east: tidy up");
    assert!(fixed.status.success(), "{}", text(&fixed));
    assert!(text(&fixed).contains("Passed"), "{}", text(&fixed));
    assert_eq!(commits(&work), 3);
}
