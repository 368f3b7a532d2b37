//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ipseclint::diagnostic::Severity;
use ipseclint::engine::{lint, Input, LintOptions, Report};
use ipseclint::source::DiskFs;
use ipseclint::Target;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy a directory tree (to edit a corpus example in a scratch directory).
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// `../shared` next to the checkout, if present.
pub fn shared() -> Option<PathBuf> {
    let p = project().join("../shared");
    p.is_dir().then_some(p)
}

pub fn check_paths(paths: &[PathBuf], target: Target) -> Report {
    let inputs: Vec<Input> = paths.iter().map(|p| Input { path: p.clone() }).collect();
    lint(
        &inputs,
        &DiskFs,
        &LintOptions {
            target: Some(target),
            live: false,
            ..Default::default()
        },
    )
}

/// Check one existing file on its own, which must be read without an input
/// error: a missing or unreadable file has no findings, and that must never
/// pass for agreement with a verdict.
pub fn check_lone_file(path: &Path, target: Target) -> Report {
    assert!(path.is_file(), "{} is not a file", path.display());
    let r = check_paths(&[path.to_path_buf()], target);
    assert!(
        r.input_errors.is_empty(),
        "{}: {:?}",
        path.display(),
        r.input_errors
    );
    r
}

/// Check with the target taken from the gateway (freebsd-version) or the default.
pub fn check_auto(path: &Path) -> Report {
    let inputs = vec![Input {
        path: path.to_path_buf(),
    }];
    lint(
        &inputs,
        &DiskFs,
        &LintOptions {
            target: None,
            live: false,
            ..Default::default()
        },
    )
}

pub fn check(path: &Path) -> Report {
    check_paths(&[path.to_path_buf()], Target::default())
}

/// (code, severity, line) of every finding.
pub fn findings(r: &Report) -> Vec<(&'static str, Severity, usize)> {
    r.diagnostics
        .iter()
        .map(|d| {
            let (line, _) = r.db.get(d.location.file).line_col(d.location.span.start());
            (d.rule.code, d.severity, line)
        })
        .collect()
}

/// Relative path with forward slashes (stable in snapshots).
pub fn rel(p: &Path) -> String {
    p.strip_prefix(project())
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// `../shared`, or return from the test with a printed reason.
#[macro_export]
macro_rules! shared_or_skip {
    () => {
        match $crate::common::shared() {
            Some(s) => s,
            None => {
                println!("SKIP: ../shared is absent; conformance files are not available");
                return;
            }
        }
    };
}

/// Is the tool there? In CI its absence is a failure.
pub fn have(tool: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is missing in CI: .ci/run installs it"
        );
        eprintln!("skipped: {tool} is not installed (.ci/run installs it)");
    }
    ok
}

pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
