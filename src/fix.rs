//! Safe fixes of a run: gathered per file, applied to the text in memory
//! round after round (a fix may uncover the next), shown as a unified diff
//! of masked text. The CLI's `--fix`/`--diff` and the language server's
//! fix-all share this; neither writes anything here.

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::engine::{lint, Input, LintOptions, Report};
use crate::source::{FileId, FileSystem, OverlayFs};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The most rounds of fixing: each round re-checks the fixed text.
pub const MAX_ROUNDS: usize = 10;

/// The fixes of one file, in order, none overlapping another.
#[derive(Debug)]
pub struct FileFixes {
    pub file: FileId,
    pub edits: Vec<Edit>,
    /// How many findings these edits fix.
    pub fixes: usize,
}

/// Two edits touch the same text (two insertions at one point count).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    let (a0, a1, b0, b1) = (a.span.start(), a.span.end(), b.span.start(), b.span.end());
    a0 < b1 && b0 < a1
        || a0 == b0
        || (a0 == a1 && b0 < a0 && a0 < b1)
        || (b0 == b1 && a0 < b0 && b0 < a1)
}

/// The fixes to apply to one file from `diagnostics`: in order of place,
/// the first of two overlapping fixes kept (the other waits for the next round),
/// a fix repeated by two readings of the file applied once.
pub fn for_file<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    file: FileId,
) -> Option<FileFixes> {
    let fixes = diagnostics
        .into_iter()
        .filter(|d| d.location.file == file)
        .filter_map(|d| d.fix.as_ref());
    let (edits, count) = non_overlapping(fixes);
    (count > 0).then_some(FileFixes {
        file,
        edits,
        fixes: count,
    })
}

/// The edits of the fixes that can be made together (sorted by place), and
/// how many fixes they make.
pub fn non_overlapping<'a>(fixes: impl IntoIterator<Item = &'a Fix>) -> (Vec<Edit>, usize) {
    let mut fixes: Vec<&Fix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| f.edits.first().map(|e| (e.span.start(), e.span.end())));
    fixes.dedup();
    let mut edits: Vec<Edit> = Vec::new();
    let mut count = 0;
    for f in fixes {
        if f.edits.iter().any(|e| edits.iter().any(|x| overlaps(x, e))) {
            continue;
        }
        edits.extend(f.edits.iter().cloned());
        count += 1;
    }
    edits.sort_by_key(|e| (e.span.start(), e.span.end()));
    (edits, count)
}

/// Every file of the report with fixes, one entry per real file.
pub fn gather(report: &Report) -> Vec<FileFixes> {
    let mut seen = std::collections::HashSet::new();
    let mut files: Vec<FileId> = report
        .diagnostics
        .iter()
        .filter(|d| d.fix.is_some())
        .map(|d| d.location.file)
        .collect();
    files.sort();
    files.dedup();
    files
        .into_iter()
        .filter(|f| seen.insert(real_path(report, *f)))
        .filter_map(|f| {
            // Findings at every reading of the same file, fixed once.
            let same: Vec<FileId> = report
                .db
                .files()
                .iter()
                .filter(|s| real_path(report, s.id) == real_path(report, f))
                .map(|s| s.id)
                .collect();
            let diags = report
                .diagnostics
                .iter()
                .filter(|d| same.contains(&d.location.file))
                .map(|d| {
                    let mut d = d.clone();
                    d.location.file = f;
                    d
                })
                .collect::<Vec<_>>();
            for_file(&diags, f)
        })
        .collect()
}

fn real_path(report: &Report, file: FileId) -> PathBuf {
    let f = report.db.get(file);
    f.real.clone().unwrap_or_else(|| f.path.clone())
}

/// `text` with the edits (sorted, non-overlapping) applied.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for e in edits {
        let (s, t) = (e.span.start().min(text.len()), e.span.end().min(text.len()));
        if s < at || !text.is_char_boundary(s) || !text.is_char_boundary(t) {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(&e.replacement);
        at = t;
    }
    out.push_str(&text[at..]);
    out
}

/// A file whose text changed: as first read, and after every fix.
#[derive(Debug)]
pub struct Changed {
    /// The path as the run reached it (shown in the diff).
    pub path: PathBuf,
    /// The path to write: symlinks resolved.
    pub real: PathBuf,
    pub before: String,
    pub after: String,
    pub fixes: usize,
}

/// The result of fixing: what changed, and the report on the fixed text.
#[derive(Debug)]
pub struct Outcome {
    pub changed: Vec<Changed>,
    /// The first run's report (masks of the original text).
    pub first: Report,
    /// The last run's report, when any fix was made.
    last: Option<Report>,
}

impl Outcome {
    /// What is left after the fixes.
    pub fn remaining(&self) -> &Report {
        self.last.as_ref().unwrap_or(&self.first)
    }
    /// The report on the fixed text, to render.
    pub fn into_remaining(self) -> Report {
        self.last.unwrap_or(self.first)
    }
    /// How many findings the fixes resolved.
    pub fn fixed(&self) -> usize {
        self.changed.iter().map(|c| c.fixes).sum()
    }
}

/// Lint, apply every safe fix in memory, lint again, until nothing is left
/// to fix (or [`MAX_ROUNDS`]). Files read lossily (not UTF-8) are never
/// fixed: writing them back would change bytes nobody asked to change.
pub fn fix_all<F: FileSystem>(inputs: &[Input], base: F, opts: &LintOptions) -> Outcome {
    let mut fs = OverlayFs {
        base,
        buffers: HashMap::new(),
    };
    let first = lint(inputs, &fs, opts);
    let mut changed: Vec<Changed> = Vec::new();
    let mut last: Option<Report> = None;
    for _ in 0..MAX_ROUNDS {
        let current = last.as_ref().unwrap_or(&first);
        if !fix_round(current, &mut fs, &mut changed) {
            break;
        }
        last = Some(lint(inputs, &fs, opts));
    }
    Outcome {
        changed,
        first,
        last,
    }
}

/// Apply one report's fixes to the overlay. Did anything change?
fn fix_round<F: FileSystem>(
    current: &Report,
    fs: &mut OverlayFs<F>,
    changed: &mut Vec<Changed>,
) -> bool {
    let mut progressed = false;
    for ff in gather(current) {
        let src = current.db.get(ff.file);
        if fs.read(&src.path).map_or(true, |r| r.lossy) {
            continue;
        }
        let after = apply(&src.text, &ff.edits);
        if after == *src.text {
            continue;
        }
        progressed = true;
        let real = real_path(current, ff.file);
        match changed.iter_mut().find(|c| c.real == real) {
            Some(c) => {
                c.after = after.clone();
                c.fixes += ff.fixes;
            }
            None => changed.push(Changed {
                path: src.path.clone(),
                real: real.clone(),
                before: src.text.to_string(),
                after: after.clone(),
                fixes: ff.fixes,
            }),
        }
        // Every path that reaches this file reads the fixed text.
        for s in current.db.files() {
            if real_path(current, s.id) == real {
                fs.buffers.insert(s.path.clone(), after.clone());
            }
        }
    }
    progressed
}

/// A unified diff of every change, keys masked: each side is shown as its
/// run masks it, so a key on a context line is stars, and the last scrub
/// of both runs removes any key value left.
pub fn diff(outcome: &Outcome) -> String {
    let mut out = String::new();
    for c in &outcome.changed {
        let before = masked(&outcome.first, &c.path).unwrap_or_else(|| c.before.clone());
        let after = masked(outcome.remaining(), &c.path).unwrap_or_else(|| c.after.clone());
        let name = c.path.display().to_string();
        let text = similar::TextDiff::from_lines(&before, &after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        out.push_str(&text);
    }
    outcome.remaining().scrub(&outcome.first.scrub(&out))
}

/// The text of `path` in `report`, masked.
fn masked(report: &Report, path: &Path) -> Option<String> {
    let f = report.db.files().iter().find(|f| f.path == path)?;
    Some(report.masked_text(f.id).to_string())
}
