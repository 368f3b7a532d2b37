//! Characters racoon's lexer swallows without a word.
//!
//! cftoken.l ends with a catch-all rule that calls `yymore()`, so a character
//! no token starts with is silently glued onto the next token. `//` and `/* */`
//! therefore do not comment anything out, and `dpd_delay = 30;` is accepted.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::{register, rule};
use crate::source::{FileId, Span};

// The syntax rules this parser emits.

rule!(STRAY_CHARACTERS, "IPS1007", "ignored-characters", Warning,
    "Characters that racoon silently ignores (`//`, `=`, ...).",
    why: "racoon's lexer swallows characters that start no token. `//` therefore does not comment out a\n\
          line: the statement after it is still active. `dpd_delay = 30;` works only by accident.",
    bad: "remote anonymous {\n    // passive on;\n}",
    good: "remote anonymous {\n    # passive on;\n}",
    log: None);

register![STRAY_CHARACTERS];

fn is_stray(text: &[u8], i: usize) -> bool {
    let b = text[i];
    let next = text.get(i + 1).copied().unwrap_or(b' ');
    match b {
        b'/' => !next.is_ascii_digit(),
        b'-' => !(next.is_ascii_hexdigit() || next == b':'),
        b'"' | b'{' | b'}' | b';' | b'[' | b']' | b',' | b'#' | b':' => false,
        b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => false,
        _ => !b.is_ascii_alphanumeric(),
    }
}

/// Whether this module reports the characters of `span` itself (they are
/// punctuation such as `//` or `=`, not part of a word).
pub(crate) fn handles(text: &str, span: Span) -> bool {
    (span.start()..span.end()).all(|i| is_stray(text.as_bytes(), i))
}

/// Letters or a brace racoon swallows: it reads the file without them.
pub(crate) fn swallowed_word(file: FileId, text: &str, span: Span) -> Diagnostic {
    let s = &text[span.start()..span.end()];
    let word_start = text[..span.start()]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let word_end = span.end()
        + text[span.end()..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - span.end());
    let word = &text[word_start..word_end];
    let reads = format!(
        "{}{}",
        &text[word_start..span.start()],
        &text[span.end()..word_end]
    );
    let glued_number = text
        .as_bytes()
        .get(span.end())
        .is_some_and(u8::is_ascii_digit);
    let msg = if glued_number {
        format!("racoon swallows `{s}`, and the number glued to it then reads as 0")
    } else if s == "}" || s == "{" {
        format!("racoon ignores this `{s}`: no block is open here for it, so racoon's lexer swallows it")
    } else if reads.is_empty() {
        format!("racoon ignores `{s}` here: its lexer swallows characters that start no word")
    } else {
        format!("racoon reads `{word}` as `{reads}`: its lexer swallows `{s}`, which starts no word here")
    };
    Diagnostic::new(&STRAY_CHARACTERS, file, span, msg).with_help(
        "racoon accepts the file, but write what it reads, so the next reader sees it too",
    )
}

/// Two words with nothing between them, which flex reads as two tokens.
pub(crate) fn glued_words(
    file: FileId,
    a: &crate::syntax::Spanned<super::Word>,
    b: &crate::syntax::Spanned<super::Word>,
) -> Diagnostic {
    let (a, b, span) = (&*a.value, &*b.value, a.span.cover(b.span));
    Diagnostic::new(
        &STRAY_CHARACTERS,
        file,
        span,
        format!("racoon reads `{a}{b}` as the two words `{a} {b}`"),
    )
    .with_help(format!("write `{a}, {b}`"))
    .with_fix(format!("Write `{a}, {b}`"), span, format!("{a}, {b}"))
}

pub fn check(file: FileId, text: &str) -> Vec<Diagnostic> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                i += 1;
            }
            // Words and address literals (with `.`, `:`, `_`, `%`) are tokens.
            // A word starts with a letter or digit; a leading `_` is swallowed.
            b if b.is_ascii_alphanumeric() => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b':' | b'%'))
                {
                    i += 1;
                }
            }
            _ if is_stray(bytes, i) => {
                let start = i;
                while i < bytes.len() && is_stray(bytes, i) {
                    i += 1;
                }
                // Whole characters only (non-ASCII bytes are stray too).
                while i < bytes.len() && !text.is_char_boundary(i) {
                    i += 1;
                }
                out.push(describe(file, text, Span::new(start, i)));
            }
            _ => i += 1,
        }
    }
    out
}

fn describe(file: FileId, text: &str, span: Span) -> Diagnostic {
    let s = &text[span.start()..span.end()];
    // The swallowed characters stay glued to the next token (yymore): an
    // address or a string after them is mangled, and racoon fails on it.
    let rest = &text[span.end()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if super::reading::address_len(rest.as_bytes()) > digits {
        return Diagnostic::new(
            &super::BAD_ADDRESS,
            file,
            span,
            format!("racoon glues `{s}` to the address after it, which it then cannot read"),
        )
        .with_help("remove the characters before the address");
    }
    if rest.starts_with('"') {
        return Diagnostic::new(
            &super::SYNTAX_ERROR,
            file,
            span,
            format!("racoon glues `{s}` to the string after it, which then reads as empty"),
        )
        .with_help("remove the characters before the string");
    }
    let glued_number = text
        .as_bytes()
        .get(span.end())
        .is_some_and(|b| b.is_ascii_digit());
    let mut d = if s.starts_with("//") || s.starts_with("/*") || s.starts_with("*/") {
        Diagnostic::new(
            &STRAY_CHARACTERS,
            file,
            span,
            format!("`{s}` is not a comment in racoon.conf: racoon ignores these characters and reads the rest of the line"),
        )
        .with_help("use `#` to comment out a line")
    } else {
        Diagnostic::new(
            &STRAY_CHARACTERS,
            file,
            span,
            format!("racoon silently ignores `{s}` here"),
        )
        .with_help("remove the characters; racoon's lexer skips them without an error")
    };
    if glued_number {
        d.message
            .push_str("; the number right after it is read as 0, because the ignored characters stay glued to it");
    }
    d
}
