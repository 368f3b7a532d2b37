//! Per-format parsers: text in, typed syntax tree with spans out, plus the
//! diagnostics for what the real parser would reject or silently skip.

pub mod ipf;
pub mod ipfw;
pub mod ipfw_sh;
pub mod protocols;
pub mod psk;
pub mod racoon;
pub mod rcconf;
pub mod setkey;

use crate::diagnostic::RuleMeta;
use crate::source::Span;

/// The syntax rules (IPS1xxx) each parser declares and emits, for `rules::all()`.
pub const RULE_LISTS: &[&[&RuleMeta]] = &[
    racoon::RULES,
    racoon::stray::RULES,
    setkey::RULES,
    ipfw::RULES,
    ipfw_sh::RULES,
    ipf::RULES,
    ipf::nat::RULES,
];

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

/// The token found at `pos` (for "found `x`" in messages).
pub(crate) fn token_at(text: &str, pos: usize) -> Option<(Span, &str)> {
    let rest = text.get(pos..)?;
    let rest_trim = rest.trim_start();
    let start = pos + (rest.len() - rest_trim.len());
    let len = match rest_trim.chars().next()? {
        '"' => rest_trim[1..]
            .find('"')
            .map(|i| i + 2)
            .unwrap_or(rest_trim.len()),
        c if !c.is_whitespace() && !";{}".contains(c) => rest_trim
            .find(|c: char| c.is_whitespace() || ";{}".contains(c))
            .unwrap_or(rest_trim.len()),
        c => c.len_utf8(),
    };
    Some((Span::new(start, start + len), &rest_trim[..len]))
}

/// End of the last token before `pos` (skipping blanks and `#` comments).
pub(crate) fn prev_token_end(text: &str, lo: usize, pos: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = lo;
    let mut i = lo;
    let mut in_comment = false;
    let mut in_quote = false;
    while i < pos.min(bytes.len()) {
        let b = bytes[i];
        if in_comment {
            if b == b'\n' {
                in_comment = false;
            }
        } else if in_quote {
            if b == b'"' {
                in_quote = false;
                end = i + 1;
            }
        } else if b == b'#' {
            in_comment = true;
        } else if b == b'"' {
            in_quote = true;
        } else if !b.is_ascii_whitespace() {
            end = i + 1;
        }
        i += 1;
    }
    end
}

/// "a, b or c" from descriptions of what a parser expected (empty ones skipped).
pub(crate) fn join_expected<'a>(descriptions: impl Iterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = Vec::new();
    for d in descriptions {
        if !d.is_empty() && !names.contains(&d) {
            names.push(d);
        }
    }
    match names.len() {
        0 => String::new(),
        1 => names[0].to_string(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// Where a pest error happened (byte offset into the parsed text) and what was expected there.
pub(crate) fn pest_failure<R: pest::RuleType>(e: &pest::error::Error<R>) -> (usize, Vec<R>) {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let positives = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    (pos, positives)
}

/// The closest keyword, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let (best, dist) = candidates
        .iter()
        .map(|c| (*c, strsim::damerau_levenshtein(word, c)))
        .min_by_key(|(_, d)| *d)?;
    let limit = (word.len().max(best.len()) / 3).max(1);
    (dist <= limit).then_some(best)
}
