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
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

#[derive(Clone, Debug)]
pub enum PskLine {
    Comment(Span),
    Blank(Span),
    /// Starts with a blank: racoon reads an empty identifier.
    Indented(Span),
    /// An identifier with no key: racoon ignores the line.
    Single {
        span: Span,
        ident: String,
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
            Rule::comment => PskLine::Comment(span),
            Rule::blank => PskLine::Blank(span),
            Rule::indented => PskLine::Indented(span),
            Rule::single => PskLine::Single {
                span,
                ident: p
                    .into_inner()
                    .next()
                    .map(|i| i.as_str().to_string())
                    .unwrap_or_default(),
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
                        ident: ident.as_str().to_string(),
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

/// Spans of every key in the text (so renderers can mask them).
pub fn secret_spans(file: &PskFile) -> Vec<Span> {
    let mut v: Vec<Span> = file.entries().map(|e| e.key_span).collect();
    // An indented line may hold a key too.
    v.extend(file.lines.iter().filter_map(|l| match l {
        PskLine::Indented(s) => Some(*s),
        _ => None,
    }));
    v
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
        assert!(matches!(f.lines[1], PskLine::Comment(_)));
        assert!(matches!(f.lines[2], PskLine::Indented(_)));
        assert!(matches!(f.lines[3], PskLine::Single { .. }));
        assert!(!format!("{:?}", f).contains("secret value"));
    }
}
