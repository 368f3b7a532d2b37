//! psk.txt: pest grammar (`grammar/psk.pest`) and its tree.
//!
//! Keys are wrapped in [`Secret`], whose `Debug` never shows the value.

use crate::source::Span;
use crate::syntax::span_of;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/psk.pest"]
struct PskParser;

/// A pre-shared key value. Never printed: `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Self {
        Secret(value)
    }
    /// The raw value, for comparisons only. Never put it in a message.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// An IP address is an identifier, not a key: it may be shown.
    pub fn is_address(&self) -> bool {
        self.0.parse::<std::net::IpAddr>().is_ok()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

#[derive(Clone, Debug)]
pub enum PskLine {
    /// A comment; `key` is the key part of a commented-out entry
    /// (`#198.51.100.1 oldkey`), which stays secret.
    Comment {
        span: Span,
        key: Option<Span>,
    },
    Blank(Span),
    /// Starts with a blank: racoon reads an empty identifier.
    Indented(Span),
    /// A single field: racoon ignores the line. It may be a key wrapped onto
    /// its own line, so it is kept as a secret.
    Single {
        span: Span,
        field: Secret,
    },
    Entry(PskEntry),
}

#[derive(Clone, Debug)]
pub struct PskEntry {
    pub span: Span,
    pub ident: String,
    pub ident_span: Span,
    pub key: Secret,
    pub key_span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct PskFile {
    pub lines: Vec<PskLine>,
}

impl PskFile {
    pub fn entries(&self) -> impl Iterator<Item = &PskEntry> {
        self.lines.iter().filter_map(|l| match l {
            PskLine::Entry(e) => Some(e),
            _ => None,
        })
    }
}

/// Parse psk.txt. Every byte sequence is a valid psk.txt, so this never fails.
pub fn parse(text: &str) -> PskFile {
    let mut out = PskFile::default();
    let Ok(mut pairs) = PskParser::parse(Rule::file, text) else {
        return out;
    };
    let file = pairs.next().expect("file rule");
    for p in file.into_inner() {
        let span = span_of(p.as_span(), 0);
        let line = match p.as_rule() {
            Rule::comment => PskLine::Comment {
                span,
                key: commented_out_key(p.as_str(), span.start()),
            },
            Rule::blank => PskLine::Blank(span),
            Rule::indented => PskLine::Indented(span),
            Rule::single => PskLine::Single {
                span,
                field: Secret(
                    p.into_inner()
                        .next()
                        .map(|i| i.as_str().to_string())
                        .unwrap_or_default(),
                ),
            },
            Rule::entry => {
                let mut it = p.into_inner();
                let ident = it.next().expect("ident");
                let _sep = it.next();
                let key = it.next().expect("key");
                // racoon skips every isspace() byte (CR included) before the key.
                if key.as_str().trim().is_empty() {
                    out.lines.push(PskLine::Single {
                        span,
                        field: Secret(ident.as_str().to_string()),
                    });
                    continue;
                }
                PskLine::Entry(PskEntry {
                    span,
                    ident: ident.as_str().to_string(),
                    ident_span: span_of(ident.as_span(), 0),
                    key: Secret(key.as_str().to_string()),
                    key_span: span_of(key.as_span(), 0),
                })
            }
            _ => continue,
        };
        out.lines.push(line);
    }
    out
}

/// The secret part of a psk.txt comment. Prose (three or more words of
/// letters) is shown, and so is a lone word that names a peer (`# west.example.net`).
/// Anything else may be a commented-out entry (`#198.51.100.1 oldkey`,
/// `#branch1 oldkey`, `##host: key`): all after its first word is masked; a
/// lone word that names no peer may be a key on its own line and is masked.
fn commented_out_key(comment: &str, at: usize) -> Option<Span> {
    let body = comment.trim_start_matches('#');
    let base = at + (comment.len() - body.len());
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in body.char_indices().chain([(body.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                words.push((s, &body[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    let wordy = |w: &str| {
        let w = w.trim_matches(|c: char| ".,:;!?()'\"`".contains(c));
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
    };
    let names_peer = |w: &str| {
        w == "*"
            || w.split('%')
                .next()
                .is_some_and(|a| a.parse::<std::net::IpAddr>().is_ok())
            || (w.contains('.') || w.contains('@'))
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-_@".contains(&b))
    };
    match words.as_slice() {
        [] => None,
        [(s, w)] if !(names_peer(w) || wordy(w) && w.len() <= 24) => {
            Some(Span::new(base + s, base + s + w.len()))
        }
        [_] => None,
        ws if ws.len() >= 3 && ws.iter().all(|(_, w)| wordy(w)) => None,
        [_, (s, _), ..] => Some(Span::new(base + s, at + comment.len())),
    }
}

/// The entry whose identifier is one or two typing mistakes from `ident`
/// (`203.0.113.11` for `203.0.113.1`), when no entry has it exactly: the
/// line the admin meant.
/// Lines that another peer already uses (`in_use`) are no near miss.
pub fn near_miss<'a>(
    file: &'a PskFile,
    ident: &str,
    in_use: &dyn Fn(&str) -> bool,
) -> Option<&'a PskEntry> {
    if file.entries().any(|e| e.ident == ident) {
        return None;
    }
    let limit = if ident.len() > 6 { 2 } else { 1 };
    file.entries()
        .filter(|e| e.ident != "*" && !in_use(&e.ident))
        .map(|e| (e, strsim::damerau_levenshtein(&e.ident, ident)))
        .filter(|(_, d)| *d <= limit)
        .min_by_key(|(_, d)| *d)
        .map(|(e, _)| e)
}

/// What renderers must mask: every key, and every line that may hold one.
/// Only the identifiers of entries stay readable.
pub fn secret_spans(file: &PskFile) -> Vec<Span> {
    file.lines
        .iter()
        .filter_map(|l| match l {
            PskLine::Entry(e) => Some(e.key_span),
            // A commented-out entry keeps its key; an indented line may be a
            // key on its own, and so may a single field that is no address.
            PskLine::Comment { key, .. } => *key,
            PskLine::Indented(s) => Some(*s),
            PskLine::Single { span, field } => (!field.is_address()).then_some(*span),
            PskLine::Blank(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_keeps_trailing_blanks_and_cr() {
        let f = parse("192.0.2.1\tsecret value \r\n# c\n  10.0.0.1 x\nlonely\n");
        let e: Vec<_> = f.entries().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].ident, "192.0.2.1");
        assert_eq!(e[0].key.expose(), "secret value \r");
        assert!(matches!(f.lines[1], PskLine::Comment { key: None, .. }));
        assert!(matches!(f.lines[2], PskLine::Indented(_)));
        assert!(matches!(f.lines[3], PskLine::Single { .. }));
        assert!(!format!("{:?}", f).contains("secret value"));
    }

    #[test]
    fn identifier_ends_at_any_isspace_byte() {
        for sep in ["\u{b}", "\u{c}", "\r", " \r\t"] {
            let f = parse(&format!("198.51.100.1{sep}my secret\n"));
            let e: Vec<_> = f.entries().collect();
            assert_eq!(e.len(), 1, "{sep:?}");
            assert_eq!(e[0].ident, "198.51.100.1");
            assert_eq!(e[0].key.expose(), "my secret");
        }
        // White space alone is a blank line; leading white space before a word is indented.
        let f = parse("\r\n  \n\u{c}192.0.2.1 k\n");
        assert!(matches!(f.lines[0], PskLine::Blank(_)));
        assert!(matches!(f.lines[1], PskLine::Blank(_)));
        assert!(matches!(f.lines[2], PskLine::Indented(_)));
    }

    #[test]
    fn a_commented_out_entry_keeps_only_its_key_secret() {
        let text = "# keys of the branch offices\n#198.51.100.1  oldkey here\n# west.example.net\n\
                    ##198.51.100.2 k2\n#branch1 k3\n#198.51.100.3: k4\n#old 198.51.100.4 k5\n#0x6b3f09aa\n";
        let f = parse(text);
        let masked: Vec<&str> = secret_spans(&f)
            .iter()
            .map(|s| &text[s.start()..s.end()])
            .collect();
        assert_eq!(
            masked,
            [
                "oldkey here",
                "k2",
                "k3",
                "k4",
                "198.51.100.4 k5",
                "0x6b3f09aa"
            ]
        );
    }

    #[test]
    fn a_near_miss_is_one_or_two_typing_mistakes_away() {
        let f = parse("192.0.2.7 a\n203.0.113.11 b\n*\tc\n");
        let unused = |_: &str| false;
        assert_eq!(
            near_miss(&f, "203.0.113.1", &unused).map(|e| e.ident.as_str()),
            Some("203.0.113.11")
        );
        assert!(near_miss(&f, "198.51.100.1", &unused).is_none());
        assert!(
            near_miss(&f, "192.0.2.7", &unused).is_none(),
            "an exact entry is no near miss"
        );
        // A line another peer uses is that peer's, not a typo.
        assert!(near_miss(&f, "203.0.113.1", &|i| i == "203.0.113.11").is_none());
    }
}
