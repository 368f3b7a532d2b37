//! ipseclint held to the real parsers' recorded verdicts
//! (`tests/oracle/verdicts.jsonl`, written by `tests/oracle/label.py` with
//! racoon-check and setkey-check). Needs no oracle: the verdicts are facts in
//! the project. Where ipseclint differs on purpose, `disagreements.toml` says
//! why; an entry that no longer differs fails the test too.

mod common;
use common::*;
use ipseclint::diagnostic::Severity;
use ipseclint::Target;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Clone)]
struct Recorded {
    file: String,
    parser: String,
    profile: String,
    verdict: String,
    line: Option<usize>,
    #[serde(default)]
    lines: Vec<usize>,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct Disagreements {
    disagreement: Vec<Disagreement>,
}

/// A difference on purpose. Either the parser accepts, but the tunnel cannot
/// work, and ipseclint says so at `line` with `code`; or FreeBSD itself does
/// what `freebsd` says, where the oracle's emulation of it differs.
#[derive(Deserialize)]
struct Disagreement {
    file: String,
    code: Option<String>,
    line: Option<usize>,
    freebsd: Option<String>,
    reason: String,
}

/// One error of ipseclint: its code, the lines it names (primary and
/// related, in the same file) and its message.
#[derive(Debug)]
struct Found {
    code: &'static str,
    /// The line of the finding's own place.
    primary: usize,
    lines: BTreeSet<usize>,
    message: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target_of(profile: &str) -> Target {
    match profile {
        "freebsd12" => Target::FreeBsd12,
        _ => Target::FreeBsd14,
    }
}

fn errors_of(path: &Path, target: Target) -> Vec<Found> {
    let r = check_lone_file(path, target);
    // The file under test is the only one a lone-file check reads.
    assert_eq!(
        r.db.files().len(),
        1,
        "{}: more than one file read",
        path.display()
    );
    r.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let line =
                |l: &ipseclint::diagnostic::Location| r.db.get(l.file).line_col(l.span.start()).0;
            let primary = line(&d.location);
            let mut lines = BTreeSet::from([primary]);
            lines.extend(d.related.iter().map(|rel| line(&rel.location)));
            Found {
                code: d.rule.code,
                primary,
                lines,
                message: d.message.clone(),
            }
        })
        .collect()
}

/// racoon refused the file for something on this machine (a file, a user or
/// a name it looked up), not for its text.
fn environmental(message: &str) -> bool {
    [
        "glob found no matches",
        "failed to load certificate",
        "unknown user",
        "Couldn't parse keyfile",
    ]
    .iter()
    .any(|m| message.contains(m))
        // `keyid file "/path"`: racoon reads the file when it parses.
        || (message.starts_with("\"\"/") && message.contains("failed to set identifer"))
}

fn describe(errors: &[Found]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{} at {:?}: {}", e.code, e.lines, e.message))
        .collect();
    format!("[{}]", parts.join("; "))
}

/// Compare ipseclint's errors with one verdict; a failure says how they differ.
fn compare(v: &Recorded, errors: &[Found]) -> Option<String> {
    let says = || format!("{} ({} {}): {}", v.file, v.parser, v.profile, v.message);
    let names = |n: usize| errors.iter().any(|e| e.lines.contains(&n));
    match v.verdict.as_str() {
        "accept" => (!errors.is_empty()).then(|| {
            format!(
                "{}: accepted, ipseclint reports {}",
                v.file,
                describe(errors)
            )
        }),
        "reject" if environmental(&v.message) => {
            let early: Vec<_> = errors
                .iter()
                .filter(|e| e.code.starts_with("IPS1"))
                .collect();
            (!early.is_empty()).then(|| format!("{}: refused for its environment only; ipseclint reports syntax errors {early:?}", says()))
        }
        "reject" => match v.line {
            None if errors.is_empty() => {
                Some(format!("{}: rejected, ipseclint reports nothing", says()))
            }
            None => None,
            Some(n) => {
                // An error placed before the parser's line that does not
                // name that line is one the parser did not see.
                let early: Vec<_> = errors
                    .iter()
                    .filter(|e| e.primary < n && !e.lines.contains(&n))
                    .collect();
                if !early.is_empty() {
                    Some(format!(
                        "{}: rejected at line {n}, ipseclint reports earlier errors {early:?}",
                        says()
                    ))
                } else if !names(n) {
                    Some(format!(
                        "{}: rejected at line {n}, ipseclint reports {}",
                        says(),
                        describe(errors)
                    ))
                } else {
                    None
                }
            }
        },
        "kernel-reject" => {
            let missing: Vec<_> = v.lines.iter().filter(|n| !names(**n)).collect();
            let elsewhere: Vec<_> = errors
                .iter()
                .filter(|e| !e.lines.iter().any(|l| v.lines.contains(l)))
                .collect();
            (!missing.is_empty() || !elsewhere.is_empty()).then(|| {
                format!(
                    "{}: the kernel rejects lines {:?}, ipseclint reports {}",
                    says(),
                    v.lines,
                    describe(errors)
                )
            })
        }
        other => Some(format!("{}: unknown verdict {other}", v.file)),
    }
}

fn recorded() -> Vec<Recorded> {
    let text = std::fs::read_to_string(root().join("tests/oracle/verdicts.jsonl"))
        .expect("tests/oracle/verdicts.jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn disagreements() -> Vec<Disagreement> {
    let text = std::fs::read_to_string(root().join("tests/oracle/disagreements.toml"))
        .expect("tests/oracle/disagreements.toml");
    let d: Disagreements = toml::from_str(&text).expect("disagreements.toml");
    d.disagreement
}

#[test]
fn ipseclint_agrees_with_the_recorded_verdicts_of_the_real_parsers() {
    let verdicts = recorded();
    let listed = disagreements();
    let count = |p: &str| verdicts.iter().filter(|v| v.parser == p).count();
    assert!(
        count("racoon") >= 300,
        "only {} racoon.conf verdicts",
        count("racoon")
    );
    assert!(
        count("setkey") >= 200,
        "only {} setkey verdicts",
        count("setkey")
    );
    let mut failures = Vec::new();
    let mut used = vec![false; listed.len()];
    for v in &verdicts {
        let mut errors = errors_of(&root().join(&v.file), target_of(&v.profile));
        let mut freebsd_accepts = false;
        for (i, d) in listed.iter().enumerate().filter(|(_, d)| d.file == v.file) {
            if let (Some(code), Some(line)) = (&d.code, d.line) {
                let before = errors.len();
                errors.retain(|e| !(e.code == code && e.lines.contains(&line)));
                used[i] |= errors.len() < before;
            }
            if d.freebsd.as_deref() == Some("accept") && v.verdict != "accept" {
                used[i] = true;
                freebsd_accepts = true;
            }
        }
        let accepted = Recorded {
            verdict: "accept".into(),
            ..v.clone()
        };
        failures.extend(compare(
            if freebsd_accepts { &accepted } else { v },
            &errors,
        ));
    }
    for (d, used) in listed.iter().zip(used) {
        if !used {
            failures.push(format!(
                "{}: listed disagreement ({:?} at {:?}, FreeBSD {:?}) no longer happens ({}): remove it",
                d.file, d.code, d.line, d.freebsd, d.reason
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} verdicts differ:\n{}",
        failures.len(),
        verdicts.len(),
        failures.join("\n")
    );
}

/// Every disagreement is about a file that has a verdict, and has a reason.
#[test]
fn every_listed_disagreement_names_a_labelled_file_and_a_reason() {
    let files: BTreeSet<String> = recorded().into_iter().map(|v| v.file).collect();
    for d in disagreements() {
        assert!(files.contains(&d.file), "{} has no verdict", d.file);
        assert!(d.reason.len() > 20, "{}: the reason is too short", d.file);
        let kept = d.code.as_deref().is_some_and(|c| c.starts_with("IPS")) && d.line.is_some();
        let freebsd = d.freebsd.as_deref() == Some("accept");
        assert!(
            kept != freebsd,
            "{}: give `code` and `line`, or `freebsd = \"accept\"`",
            d.file
        );
    }
}

/// The verdicts cover the known classes of the issue, so a re-label that
/// loses one of them is noticed.
#[test]
fn the_verdicts_cover_the_known_gaps() {
    let verdicts = recorded();
    let has = |needle: &str| verdicts.iter().any(|v| v.message.contains(needle));
    for needle in [
        "invalid upper layer protocol",
        "Syntax error at [_]",
        "no exchange mode specified",
        "DH group required",
        "no encryption algorithm at",
        "Invalid argument",
        "Invalid key length",
    ] {
        assert!(has(needle), "no verdict says {needle:?}");
    }
    let accepted = |slug: &str| {
        verdicts
            .iter()
            .any(|v| v.file.contains(slug) && v.verdict == "accept")
    };
    assert!(
        accepted("mtunnel"),
        "-mtunnel is accepted by FreeBSD's setkey"
    );
    // No key is kept in the verdicts, even our own test keys.
    let text = std::fs::read_to_string(root().join("tests/oracle/verdicts.jsonl")).unwrap();
    for key in ["0123456789abcdef", "6f7261636c65", "unquotedkey16byte"] {
        assert!(!text.contains(key), "a key ({key}) is in verdicts.jsonl");
    }
}

/// ipseclint's safe fixes (`--fix`: a missing `;`, `};`, a misspelt word),
/// applied by `make_fixed.py` and labelled by the real parsers: each fixed
/// file is accepted, or rejected only at a later line than before.
#[test]
fn the_safe_fixes_satisfy_the_real_parsers() {
    let verdicts = recorded();
    let by_file: std::collections::HashMap<&str, &Recorded> =
        verdicts.iter().map(|v| (v.file.as_str(), v)).collect();
    let fixed: Vec<&Recorded> = verdicts
        .iter()
        .filter(|v| v.file.starts_with("tests/oracle/fixed/"))
        .collect();
    assert!(fixed.len() >= 100, "only {} fixed cases", fixed.len());
    let mut failures = Vec::new();
    let mut accepted = 0;
    for f in &fixed {
        let name = f.file.trim_start_matches("tests/oracle/fixed/");
        let dir = if name.ends_with(".racoon.conf") {
            "racoon"
        } else {
            "setkey"
        };
        let original = by_file
            .get(format!("tests/oracle/{dir}/{name}").as_str())
            .unwrap_or_else(|| panic!("{name}: no verdict of the original"));
        let before = original.line.unwrap_or(0);
        match (f.verdict.as_str(), f.line) {
            ("accept", _) => accepted += 1,
            ("reject", Some(n)) if n > before && original.verdict != "accept" => {}
            _ => failures.push(format!(
                "{name}: before the fix {} at {:?}, after it {} at {:?}: {}",
                original.verdict, original.line, f.verdict, f.line, f.message
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        accepted * 10 >= fixed.len() * 9,
        "only {accepted} of {} fixed files are accepted",
        fixed.len()
    );
}
