//! Per-format parsers: text in, typed syntax tree with spans out, plus the
//! diagnostics for what the real parser would reject or silently skip.

pub mod psk;
pub mod racoon;

use crate::source::Span;

/// A value with the span it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// Convert a pest span to ours, shifted by `base` (used when re-parsing a
/// fragment of a file).
pub(crate) fn span_of(s: pest::Span<'_>, base: usize) -> Span {
    Span::new(s.start() + base, s.end() + base)
}
