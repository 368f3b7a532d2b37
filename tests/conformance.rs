//! ipseclint against the real parsers' verdicts on files nobody here wrote
//! (`../shared/conformance`). Skips with a reason when `../shared` is absent.

mod common;
use common::*;
use ipseclint::diagnostic::Severity;
use ipseclint::Target;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Accept,
    /// Rejected for a grammar or semantic reason at this line.
    Reject(usize),
    /// Rejected because of a file or user racoon looks up at load time
    /// (certificates, privsep users, include globs): environmental. Lines
    /// before it must be free of errors.
    Environment(Option<usize>),
}

fn environmental(msg: &str) -> bool {
    [
        "failed to load certificate",
        "Couldn't parse keyfile",
        "unknown user",
        "glob found no matches",
        "certificate files",
        "key file",
        "privsep user",
    ]
    .iter()
    .any(|m| msg.contains(m))
}

fn parse_verdict(s: &str) -> Option<Verdict> {
    let s = s.trim().trim_matches('"');
    if s.is_empty() {
        return None;
    }
    if s.eq_ignore_ascii_case("accept") {
        return Some(Verdict::Accept);
    }
    let lower = s.to_ascii_lowercase();
    let line = lower
        .split("line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok());
    if environmental(s) {
        return Some(Verdict::Environment(line));
    }
    line.map(Verdict::Reject)
}

fn errors_of(path: &Path, target: Target) -> Vec<(String, usize, String)> {
    let r = check_lone_file(path, target);
    r.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let (line, _) = r.db.get(d.location.file).line_col(d.location.span.start());
            (d.rule.code.to_string(), line, d.message.clone())
        })
        .collect()
}

/// Compare one file with one verdict; returns a failure description.
fn compare(path: &Path, target: Target, verdict: &Verdict) -> Option<String> {
    let errors = errors_of(path, target);
    let name = path.display();
    match verdict {
        Verdict::Accept if !errors.is_empty() => Some(format!(
            "{name} ({target:?}): racoon accepts it, ipseclint reports {errors:?}"
        )),
        Verdict::Reject(n) => {
            let early: Vec<_> = errors.iter().filter(|e| e.1 + 3 < *n).collect();
            if !early.is_empty() {
                return Some(format!(
                    "{name} ({target:?}): errors before racoon's line {n}: {early:?}"
                ));
            }
            if !errors.iter().any(|e| e.1 <= *n && e.1 + 3 >= *n) {
                return Some(format!(
                    "{name} ({target:?}): racoon rejects line {n}, ipseclint reports {errors:?}"
                ));
            }
            None
        }
        Verdict::Environment(Some(n)) => {
            let early: Vec<_> = errors.iter().filter(|e| e.1 < *n).collect();
            (!early.is_empty()).then(|| format!("{name} ({target:?}): racoon got to line {n} without error, ipseclint reports {early:?}"))
        }
        // Refused for its build or host, not its syntax: no syntax error.
        Verdict::Environment(None) => {
            let syntax: Vec<_> = errors.iter().filter(|e| e.0.starts_with("IPS1")).collect();
            (!syntax.is_empty()).then(|| {
                format!(
                    "{name} ({target:?}): racoon's parser accepts it, ipseclint reports {syntax:?}"
                )
            })
        }
        Verdict::Accept => None,
    }
}

#[test]
fn wild_racoon_and_setkey_files_match_the_real_parsers() {
    let shared = shared_or_skip!();
    let wild = shared.join("conformance/wild");
    let tsv = std::fs::read_to_string(wild.join("SOURCES.tsv")).expect("SOURCES.tsv");
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.contains(name))
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (c13, c12) = (col("FreeBSD 13+"), col("FreeBSD 12"));
    let mut failures = Vec::new();
    let mut compared = 0;
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let local = f[0];
        let is_racoon = local.starts_with("racoon/")
            || (local.starts_with("pairs/") && local.contains("racoon.conf"));
        if !is_racoon {
            continue;
        }
        let path = wild.join(local);
        for (c, target) in [(c13, Target::FreeBsd14), (c12, Target::FreeBsd12)] {
            if let Some(v) = f.get(c).and_then(|s| parse_verdict(s)) {
                compared += 1;
                failures.extend(compare(&path, target, &v));
            }
        }
    }
    assert_verdicts(compared, 30, &failures);
}

/// Enough verdicts were compared, and ipseclint agreed with every one.
fn assert_verdicts(compared: usize, at_least: usize, failures: &[String]) {
    assert!(compared >= at_least, "only {compared} verdicts compared");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn racoon_samples_match_the_real_parser() {
    let shared = shared_or_skip!();
    let dir = shared.join("conformance/racoon-samples");
    let sources = std::fs::read_to_string(dir.join("SOURCES.txt")).expect("SOURCES.txt");
    // Lines such as:  racoon.conf.sample   freebsd13 profile: REJECT line 58 (...); freebsd12: ACCEPT
    let mut failures = Vec::new();
    let mut compared = 0;
    for line in sources.lines() {
        let t = line.trim_start();
        if !t.starts_with("racoon.conf.sample") {
            continue;
        }
        let name = t.split_whitespace().next().unwrap();
        let path = dir.join("ipsec-tools-0.8.2/racoon").join(name);
        let rest = &t[name.len()..];
        for part in rest.split(';') {
            let lower = part.to_ascii_lowercase();
            let target = if lower.contains("freebsd12") {
                Target::FreeBsd12
            } else {
                Target::FreeBsd14
            };
            let v = if lower.contains("accept") {
                Verdict::Accept
            } else if environmental(part) {
                Verdict::Environment(None)
            } else {
                match parse_verdict(&lower.replace("reject", "")) {
                    Some(v) => v,
                    None => continue,
                }
            };
            compared += 1;
            failures.extend(compare(&path, target, &v));
        }
    }
    assert_verdicts(compared, 6, &failures);
}

/// Every racoon.conf in the conformance tree is read without a panic (the
/// verdicts are compared by the tests above).
#[test]
fn every_conformance_racoon_conf_parses_without_panic() {
    let shared = shared_or_skip!();
    let mut n = 0;
    for e in walkdir::WalkDir::new(shared.join("conformance"))
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_file() && name.contains("racoon.conf") {
            let _ = errors_of(e.path(), Target::default());
            n += 1;
        }
    }
    assert!(n >= 20, "found only {n} racoon.conf files");
}

#[test]
fn every_wild_psk_file_parses() {
    let shared = shared_or_skip!();
    let dir = shared.join("conformance/wild/psk");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 5);
    for f in files {
        let text = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&text);
        let psk = ipseclint::syntax::psk::parse(&text);
        let consumed: usize = psk.lines.len();
        assert!(
            consumed >= text.lines().count(),
            "{}: lines lost",
            f.display()
        );
        // Through the engine too, as psk.txt.
        let r = check_paths(std::slice::from_ref(&f), Target::default());
        assert!(r.input_errors.is_empty(), "{}", f.display());
        assert!(
            r.diagnostics
                .iter()
                .all(|d| !d.rule.code.starts_with("IPS1")),
            "{}",
            f.display()
        );
    }
}

/// The setkey samples of racoon-samples/SOURCES.txt (verdicts of ipsec-tools
/// `setkey -n` with the kernel algorithm set of the named release).
#[test]
fn setkey_samples_match_the_real_parser() {
    let shared = shared_or_skip!();
    let dir = shared.join("conformance/racoon-samples");
    let sources = std::fs::read_to_string(dir.join("SOURCES.txt")).expect("SOURCES.txt");
    // The verdict lines this table mirrors must still be there.
    for needle in [
        "setkey sample-policy01/02.cf  ACCEPT",
        "REJECT line 157",
        "REJECT line 53 with the FreeBSD-13 profile",
    ] {
        assert!(
            sources.contains(needle),
            "SOURCES.txt no longer says: {needle}"
        );
    }
    let cases = [
        (
            "ipsec-tools-0.8.2/setkey/sample-policy01.cf",
            Target::FreeBsd12,
            Verdict::Accept,
        ),
        (
            "ipsec-tools-0.8.2/setkey/sample-policy02.cf",
            Target::FreeBsd12,
            Verdict::Accept,
        ),
        (
            "ipsec-tools-0.8.2/setkey/sample.cf",
            Target::FreeBsd12,
            Verdict::Reject(157),
        ),
        (
            "freebsd-src/sample.cf",
            Target::FreeBsd14,
            Verdict::Reject(53),
        ),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(f, t, v)| compare(&dir.join(f), *t, v))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every rc.conf-style file in the conformance tree is read without an
/// error, and FreeBSD's own defaults/rc.conf gives no finding at all.
#[test]
fn rc_conf_files_parse_and_defaults_are_clean() {
    let shared = shared_or_skip!();
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared.join("conformance/wild/rcconf"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let mut defaults = Vec::new();
    for e in walkdir::WalkDir::new(shared.join("conformance/rc"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.file_name() == "rc.conf" {
            defaults.push(e.path().to_path_buf());
        }
    }
    assert!(files.len() >= 5 && defaults.len() >= 2);
    files.extend(defaults.iter().cloned());
    for f in &files {
        let errors = errors_of(f, Target::default());
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
    for f in &defaults {
        let r = check_paths(std::slice::from_ref(f), Target::default());
        assert!(
            r.diagnostics.is_empty(),
            "{}: {:?}",
            f.display(),
            findings(&r)
        );
    }
}
