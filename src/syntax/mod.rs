//! Per-format parsers: text in, typed syntax tree with spans out, plus the
//! diagnostics for what the real parser would reject or silently skip.

pub mod ipf;
pub mod ipfw;
pub mod ipfw_sh;
pub mod protocols;
pub mod psk;
pub mod racoon;
pub mod rcconf;
pub mod services;
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

/// The next token at or after `pos`, skipping blanks and `#` comments: where
/// a yacc parser notices a missing `;` or `{` (it reads one token ahead).
pub(crate) fn next_token(text: &str, pos: usize) -> Option<Span> {
    let mut i = pos;
    loop {
        let rest = text.get(i..)?;
        let trimmed = rest.trim_start();
        i += rest.len() - trimmed.len();
        if trimmed.starts_with('#') {
            i += trimmed.find('\n').unwrap_or(trimmed.len());
            continue;
        }
        return token_at(text, i).map(|(s, _)| s);
    }
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

/// Where a parser rejects a file: the daemon does not load past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub span: crate::source::Span,
    /// 1-based, for messages about another file.
    pub line: usize,
}

impl Rejected {
    pub fn at(text: &str, span: crate::source::Span) -> Rejected {
        let end = span.start().min(text.len());
        let line = 1 + text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        Rejected { span, line }
    }
}

/// The earliest place a parser rejects (an error, not a warning).
pub(crate) fn first_error(text: &str, diags: &[crate::diagnostic::Diagnostic]) -> Option<Rejected> {
    diags
        .iter()
        .filter(|d| d.severity == crate::diagnostic::Severity::Error)
        .map(|d| d.location.span)
        .min_by_key(|s| s.start)
        .map(|s| Rejected::at(text, s))
}

/// The literal words a grammar rule lists, in the grammar's own order
/// (`auth_method = @{ ("pre_shared_key" | "rsasig" ...) ~ !ic }`): the
/// closed value sets did-you-mean draws from, so they never drift from
/// what the parser accepts.
pub(crate) fn grammar_words(grammar: &'static str, rule: &str) -> Vec<&'static str> {
    let Some(def) = grammar
        .lines()
        .scan(0usize, |off, l| {
            let at = *off;
            *off += l.len() + 1;
            Some((at, l))
        })
        .find(|(_, l)| {
            l.strip_prefix(rule)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(at, _)| &grammar[at..])
    else {
        return Vec::new();
    };
    let Some(open) = def.find('{') else {
        return Vec::new();
    };
    let (mut depth, mut in_quote, mut end) = (0usize, false, def.len());
    for (i, c) in def[open..].char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '{' if !in_quote => depth += 1,
            '}' if !in_quote => {
                depth -= 1;
                if depth == 0 {
                    end = open + i;
                    break;
                }
            }
            _ => {}
        }
    }
    def[open..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.len() > 1
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .collect()
}

/// A did-you-mean for a value where the parser expected one of `rules`
/// (pest rule names) of `grammar`.
pub(crate) fn closest_value(
    grammar: &'static str,
    rules: impl IntoIterator<Item = String>,
    word: &str,
) -> Option<&'static str> {
    // A token runs on into the next field (`tunnle/192.0.2.1-...`): the word is its head.
    let word = word
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .next()
        .unwrap_or(word);
    if word.is_empty() {
        return None;
    }
    let words: Vec<&'static str> = rules
        .into_iter()
        .flat_map(|r| grammar_words(grammar, &r))
        .collect();
    closest(word, &words).filter(|w| *w != word)
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
