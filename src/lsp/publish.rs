//! A report as LSP diagnostics per file, and how a partial run's findings
//! are merged with what was published before.
//!
//! Every finding becomes a diagnostic at its place with its related places.
//! Many clients show no related places (neovim before 0.11), so a finding
//! is also published as an Information diagnostic at each related place in
//! another gateway's files, with the finding's gateway named.

use super::position::{self, Encoding};
use super::scope::Scope;
use crate::diagnostic::{Diagnostic, Fix, RuleMeta, Severity};
use crate::engine::Report;
use crate::source::Span;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types as ls;

/// One published diagnostic, with what the server needs to act on it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub diag: ls::Diagnostic,
    pub rule: &'static RuleMeta,
    pub span: Span,
    /// The two gateways (by name, sorted) of a cross-peer finding.
    pub pair: Option<(String, String)>,
    /// Only on the finding itself, never on its copies at related places.
    pub fix: Option<Fix>,
}

/// A file's diagnostics and the text they were computed on.
#[derive(Clone, Debug, Default)]
pub struct FileView {
    pub text: Arc<str>,
    pub entries: Vec<Entry>,
    /// The file is psk.txt (suppressions only in column 1).
    pub psk: bool,
}

/// Where a rule's page lives (the same link SARIF gives).
pub fn rule_href(rule: &RuleMeta) -> Option<ls::Uri> {
    crate::render::sarif::help_uri(rule).parse().ok()
}

fn severity(s: Severity) -> ls::DiagnosticSeverity {
    match s {
        Severity::Error => ls::DiagnosticSeverity::ERROR,
        Severity::Warning => ls::DiagnosticSeverity::WARNING,
        Severity::Info => ls::DiagnosticSeverity::INFORMATION,
    }
}

/// The root of the loaded gateway a path lies in, and its name.
fn gateway_of<'a>(report: &'a Report, path: &Path) -> Option<(&'a Path, &'a str)> {
    super::navigate::gateway_of(report, path).map(|g| (g.root.as_path(), g.name.as_str()))
}

/// Every file of the report, with its diagnostics.
pub fn views(report: &Report, enc: Encoding) -> HashMap<PathBuf, FileView> {
    let mut out: HashMap<PathBuf, FileView> = HashMap::new();
    for f in report.db.files() {
        let v = out.entry(f.path.clone()).or_default();
        v.text = f.text.clone();
        v.psk |= report.psk_files.contains(&f.id);
    }
    for d in &report.diagnostics {
        let Some(entry) = entry(report, d, enc) else {
            continue;
        };
        let path = report.db.get(d.location.file).path.clone();
        let home = gateway_of(report, &path).map(|(r, n)| (r.to_path_buf(), n.to_string()));
        for c in copies(report, d, &entry, home.as_ref(), enc) {
            out.entry(c.0).or_default().entries.push(c.1);
        }
        out.entry(path).or_default().entries.push(entry);
    }
    for v in out.values_mut() {
        v.entries.dedup_by(|a, b| a.diag == b.diag);
    }
    out
}

fn location(
    report: &Report,
    loc: crate::diagnostic::Location,
    enc: Encoding,
) -> Option<ls::Location> {
    let f = report.db.get(loc.file);
    Some(ls::Location::new(
        position::path_to_uri(&f.path)?,
        position::range(&f.text, loc.span, enc),
    ))
}

fn entry(report: &Report, d: &Diagnostic, enc: Encoding) -> Option<Entry> {
    let file = report.db.get(d.location.file);
    let related: Vec<ls::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            Some(ls::DiagnosticRelatedInformation {
                location: location(report, r.location, enc)?,
                message: report.scrub(&r.message),
            })
        })
        .collect();
    let mut message = report.scrub(&d.message);
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(&report.scrub(h));
    }
    let pair = d.pair.and_then(|i| report.pairs.get(i)).map(|p| {
        let (a, b) = (p.a.clone(), p.b.clone());
        if a <= b {
            (a, b)
        } else {
            (b, a)
        }
    });
    Some(Entry {
        diag: ls::Diagnostic {
            range: position::range(&file.text, d.location.span, enc),
            severity: Some(severity(d.severity)),
            code: Some(ls::NumberOrString::String(d.rule.code.to_string())),
            code_description: rule_href(d.rule).map(|href| ls::CodeDescription { href }),
            source: Some("ipseclint".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        },
        rule: d.rule,
        span: d.location.span,
        pair,
        fix: d.fix.clone(),
    })
}

/// The finding as an Information diagnostic at each related place that is
/// in another gateway's files, pointing back at the finding.
fn copies(
    report: &Report,
    d: &Diagnostic,
    e: &Entry,
    home: Option<&(PathBuf, String)>,
    enc: Encoding,
) -> Vec<(PathBuf, Entry)> {
    let Some((home_root, home_name)) = home else {
        return Vec::new();
    };
    let back = location(report, d.location, enc);
    let mut out = Vec::new();
    for r in &d.related {
        let f = report.db.get(r.location.file);
        if f.path.starts_with(home_root) {
            continue;
        }
        let mut diag = e.diag.clone();
        diag.range = position::range(&f.text, r.location.span, enc);
        diag.severity = Some(ls::DiagnosticSeverity::INFORMATION);
        diag.message = format!(
            "{home_name}: {} ({})",
            e.diag.message,
            report.scrub(&r.message)
        );
        diag.related_information = back.clone().map(|location| {
            vec![ls::DiagnosticRelatedInformation {
                location,
                message: format!("the finding, in {home_name}'s files"),
            }]
        });
        out.push((
            f.path.clone(),
            Entry {
                diag,
                rule: e.rule,
                span: r.location.span,
                pair: e.pair.clone(),
                fix: None,
            },
        ));
    }
    out
}

/// Merge a run's views into the published ones. Returns the paths whose
/// diagnostics are to be sent again (an empty list clears a file).
///
/// Files of the edited gateways (or of a whole-site run, or a lone file)
/// take the run's findings as they are. A peer's files keep what the run
/// could not see (its own findings, and pairs with gateways not loaded) and
/// take the run's findings for pairs between loaded gateways.
pub fn merge(
    published: &mut HashMap<PathBuf, FileView>,
    mut new: HashMap<PathBuf, FileView>,
    scope: &Scope,
    report: &Report,
) -> Vec<PathBuf> {
    let loaded: BTreeSet<&str> = report
        .gateways
        .iter()
        .map(|g| g.gateway.name.as_str())
        .collect();
    // A partial run checks only the pairs of its primary gateways.
    let primary: BTreeSet<&str> = report
        .gateways
        .iter()
        .filter(|g| scope.whole || scope.primary.contains(&g.gateway.root))
        .map(|g| g.gateway.name.as_str())
        .collect();
    let in_run = |pair: &Option<(String, String)>| {
        pair.as_ref().is_some_and(|(a, b)| {
            loaded.contains(a.as_str())
                && loaded.contains(b.as_str())
                && (primary.contains(a.as_str()) || primary.contains(b.as_str()))
        })
    };
    let replaced_wholly = |path: &Path| -> bool {
        if scope.whole {
            return true;
        }
        match gateway_of(report, path) {
            Some((root, _)) => scope.primary.contains(root),
            None => true,
        }
    };
    // Files that were published under this run's reach and are gone from it.
    let mut touched: Vec<PathBuf> = published
        .keys()
        .filter(|p| !new.contains_key(*p))
        .filter(|p| {
            let under_scope = if scope.whole {
                p.starts_with(&scope.key)
            } else {
                scope.primary.iter().any(|r| p.starts_with(r))
            };
            under_scope && replaced_wholly(p)
        })
        .cloned()
        .collect();
    for p in &touched {
        if let Some(v) = published.get_mut(p) {
            v.entries.clear();
        }
    }
    for (path, view) in new.drain() {
        let merged = if replaced_wholly(&path) {
            view
        } else {
            let mut entries: Vec<Entry> = published
                .get(&path)
                .map(|old| {
                    old.entries
                        .iter()
                        .filter(|e| !in_run(&e.pair))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            entries.extend(view.entries.into_iter().filter(|e| in_run(&e.pair)));
            FileView { entries, ..view }
        };
        let changed = published.get(&path).is_none_or(|old| {
            old.entries.len() != merged.entries.len()
                || old
                    .entries
                    .iter()
                    .zip(&merged.entries)
                    .any(|(a, b)| a.diag != b.diag)
        });
        published.insert(path.clone(), merged);
        if changed {
            touched.push(path);
        }
    }
    touched.sort();
    touched.dedup();
    touched
}
