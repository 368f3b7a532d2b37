//! Baselines: the findings of an old setup, recorded by fingerprint, so that
//! CI fails only on new ones (`--write-baseline FILE`, then `--baseline FILE`).
//!
//! A fingerprint must survive unrelated edits: it hashes the rule code, the
//! file's path and the text of the finding's first line (secrets masked,
//! blanks trimmed), plus how many identical ones come before it, but not the
//! line number, so inserting lines above a finding does not make it new.
//! A finding about a whole file hashes its message instead of a line.

use crate::diagnostic::Diagnostic;
use crate::engine::Report;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The fingerprint of every finding of the report, in its order.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let key = key_of(report, d);
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            let mut h = Sha256::new();
            h.update(key.as_bytes());
            h.update(n.to_string().as_bytes());
            h.finalize()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
}

fn key_of(report: &Report, d: &Diagnostic) -> String {
    let file = d.location.file;
    let path = report
        .db
        .get(file)
        .path
        .to_string_lossy()
        .replace('\\', "/");
    // A finding about a whole file (an empty span at its start) has no line
    // of its own: its message tells it apart.
    if d.location.span.start == 0 && d.location.span.end == 0 {
        return format!("{}\0{path}\0\0{}\0", d.rule.code, d.message);
    }
    let text = report.masked_text(file);
    let f = report.db.get(file);
    let line = f.line_col(d.location.span.start()).0;
    let line_text = f
        .lines
        .line_start(line)
        .and_then(|s| text.get(s..))
        .and_then(|t| t.split('\n').next())
        .unwrap_or("")
        .trim();
    format!("{}\0{path}\0{line_text}\0", d.rule.code)
}

/// A baseline file.
#[derive(Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One recorded finding; only `fingerprint` is matched, the rest is for readers.
#[derive(Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub line: usize,
    #[serde(default)]
    pub message: String,
}

/// The baseline of a report's findings.
pub fn record(report: &Report) -> Baseline {
    let findings = report
        .diagnostics
        .iter()
        .zip(fingerprints(report))
        .map(|(d, fingerprint)| {
            let f = report.db.get(d.location.file);
            Entry {
                fingerprint,
                code: d.rule.code.to_string(),
                file: f.path.to_string_lossy().into_owned(),
                line: f.line_col(d.location.span.start()).0,
                message: d.message.clone(),
            }
        })
        .collect();
    Baseline {
        version: 1,
        findings,
    }
}

/// Read a baseline file's text.
pub fn parse(text: &str) -> Result<Baseline, String> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if b.version != 1 {
        return Err(format!("unsupported baseline version {}", b.version));
    }
    Ok(b)
}

/// Drop the findings the baseline knows (each recorded finding absorbs one);
/// returns how many were dropped.
pub fn filter(report: &mut Report, baseline: &Baseline) -> usize {
    let mut known: HashMap<&str, usize> = HashMap::new();
    for e in &baseline.findings {
        *known.entry(e.fingerprint.as_str()).or_insert(0) += 1;
    }
    let prints = fingerprints(report);
    let diags = std::mem::take(&mut report.diagnostics);
    let before = diags.len();
    report.diagnostics = diags
        .into_iter()
        .zip(prints)
        .filter(|(_, p)| match known.get_mut(p.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .map(|(d, _)| d)
        .collect();
    before - report.diagnostics.len()
}
