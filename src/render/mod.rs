//! Renderers: a [`Report`] to text. None of them ever shows a secret: source
//! text is masked with [`Report::masked_text`] before any snippet is made.

pub mod gcc;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod sarif;
pub mod transcript;

use crate::engine::Report;
use crate::source::{FileId, Span};

/// 1-based (line, column) of both ends of a span.
pub fn range(report: &Report, file: FileId, span: Span) -> ((usize, usize), (usize, usize)) {
    let f = report.db.get(file);
    (f.line_col(span.start()), f.line_col(span.end()))
}

/// A file's path as the user reached it (from the command line argument).
pub fn path(report: &Report, file: FileId) -> String {
    report.db.get(file).path.to_string_lossy().into_owned()
}
