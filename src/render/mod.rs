//! Renderers: a [`Report`] to text. None of them ever shows a secret: source
//! text is masked with [`masked_text`] before any snippet is made.

pub mod gcc;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::engine::Report;
use crate::source::{FileId, Span};

/// The file's text with every secret byte replaced by `*` (offsets unchanged).
pub fn masked_text(report: &Report, file: FileId) -> String {
    let text = &report.db.get(file).text;
    let spans = report.secret_spans(file);
    if spans.is_empty() {
        return text.clone();
    }
    let mut bytes = text.as_bytes().to_vec();
    for s in spans {
        for b in bytes.iter_mut().take(s.end.min(text.len())).skip(s.start) {
            if *b != b'\n' {
                *b = b'*';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// 1-based (line, column) of both ends of a span.
pub fn range(report: &Report, file: FileId, span: Span) -> ((usize, usize), (usize, usize)) {
    let f = report.db.get(file);
    (f.line_col(span.start), f.line_col(span.end))
}

/// A file's path as the user reached it (from the command line argument).
pub fn path(report: &Report, file: FileId) -> String {
    report.db.get(file).path.to_string_lossy().into_owned()
}
