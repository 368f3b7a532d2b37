//! rc.conf, rc.conf.local, loader.conf, sysctl.conf and freebsd-version:
//! pest grammar (`grammar/rcconf.pest`) and its tree.

use crate::source::Span;
use crate::syntax::{span_of, Spanned};
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rcconf.pest"]
struct RcParser;

/// A piece of an assignment's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text taken literally (quotes removed, escapes resolved).
    Literal(String),
    /// `$name`, `${name}`, or `${name OP word}` with sh(1)'s operators.
    Var {
        name: String,
        op: Option<(ParamOp, Vec<Part>)>,
    },
    /// `${#name}`: the length of the value.
    Length(String),
    /// `$(...)` or backquotes: not evaluated.
    Command(String),
    /// A `${...}` form FreeBSD's sh rejects (`${x/a/b}`, `${}`) or one
    /// that needs a shell to run (`$1`, `$$`): its text. Expands to nothing.
    Unsupported(String),
}

/// The operators of sh(1)'s parameter expansion. `colon`: the `:` form,
/// which treats a set but empty variable as unset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamOp {
    /// `${x:-word}`: word when x is unset (or empty).
    Default { colon: bool },
    /// `${x:=word}`: as `-`, and x is assigned word.
    Assign { colon: bool },
    /// `${x:?word}`: the shell stops with an error when x is unset (or empty).
    Error { colon: bool },
    /// `${x:+word}`: word when x is set (and not empty), else nothing.
    Alternative { colon: bool },
    /// `${x#pat}`, `${x##pat}`: x without the shortest / longest prefix matching pat.
    RemovePrefix { longest: bool },
    /// `${x%pat}`, `${x%%pat}`: x without the shortest / longest suffix matching pat.
    RemoveSuffix { longest: bool },
}

#[derive(Clone, Debug)]
pub struct Assignment {
    pub span: Span,
    pub name: Spanned<String>,
    pub value_span: Span,
    /// The value as written.
    pub raw: String,
    pub parts: Vec<Part>,
    pub exported: bool,
}

#[derive(Clone, Debug)]
pub enum RcItem {
    Assignment(Assignment),
    /// A line sh runs as a command.
    Command(Spanned<String>),
    /// A line that cannot be read (an unterminated quote).
    Bad(Span),
}

#[derive(Clone, Debug, Default)]
pub struct RcFile {
    pub items: Vec<RcItem>,
}

impl RcFile {
    pub fn assignments(&self) -> impl Iterator<Item = &Assignment> {
        self.items.iter().filter_map(|i| match i {
            RcItem::Assignment(a) => Some(a),
            _ => None,
        })
    }
}

/// Parse rc.conf-style text. Never fails.
pub fn parse(text: &str) -> RcFile {
    let mut out = RcFile::default();
    let pairs = match RcParser::parse(Rule::file, text) {
        Ok(mut p) => p.next().expect("file").into_inner(),
        Err(_) => {
            // The grammar accepts every input; keep the whole text as unreadable.
            out.items.push(RcItem::Bad(Span::new(0, text.len())));
            return out;
        }
    };
    for p in pairs {
        match p.as_rule() {
            Rule::assignment => out.items.push(RcItem::Assignment(assignment(p))),
            Rule::command => out.items.push(RcItem::Command(Spanned::new(
                p.as_str().to_string(),
                span_of(p.as_span(), 0),
            ))),
            Rule::bad_line => out.items.push(RcItem::Bad(span_of(p.as_span(), 0))),
            _ => {}
        }
    }
    out
}

fn assignment(p: Pair<'_, Rule>) -> Assignment {
    let span = span_of(p.as_span(), 0);
    let mut name = Spanned::new(String::new(), span);
    let mut exported = false;
    let mut value_span = Span::new(span.end(), span.end());
    let mut raw = String::new();
    let mut parts = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::export => exported = true,
            Rule::name => name = Spanned::new(c.as_str().to_string(), span_of(c.as_span(), 0)),
            Rule::value => {
                value_span = span_of(c.as_span(), 0);
                raw = c.as_str().to_string();
                value_parts(c, &mut parts);
            }
            _ => {}
        }
    }
    Assignment {
        span,
        name,
        value_span,
        raw,
        parts,
        exported,
    }
}

fn push_lit(parts: &mut Vec<Part>, s: &str) {
    if let Some(Part::Literal(l)) = parts.last_mut() {
        l.push_str(s);
    } else {
        parts.push(Part::Literal(s.to_string()));
    }
}

fn value_parts(p: Pair<'_, Rule>, parts: &mut Vec<Part>) {
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::dq => value_parts(c, parts),
            Rule::dq_text | Rule::bare => push_lit(parts, c.as_str()),
            Rule::sq => push_lit(parts, &c.as_str()[1..c.as_str().len() - 1]),
            Rule::escape | Rule::dq_escape => {
                let t = &c.as_str()[1..];
                // Backslash-newline is a line continuation.
                if t != "\n" {
                    push_lit(parts, t);
                }
            }
            Rule::expansion => parts.push(expansion(c.as_str())),
            _ => {}
        }
    }
}

fn expansion(t: &str) -> Part {
    if let Some(inner) = t.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        return braced(t, inner);
    }
    if t.starts_with("$(") || t.starts_with('`') {
        return Part::Command(t.to_string());
    }
    match t.strip_prefix('$') {
        Some(n) if !n.is_empty() => Part::Var {
            name: n.to_string(),
            op: None,
        },
        _ => Part::Literal(t.to_string()),
    }
}

/// `${inner}`, as sh(1) reads it: a name, then nothing or an operator and
/// its word.
fn braced(whole: &str, inner: &str) -> Part {
    if let Some(name) = inner.strip_prefix('#').filter(|n| is_name(n)) {
        return Part::Length(name.to_string());
    }
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_len);
    if !is_name(name) {
        return Part::Unsupported(whole.to_string());
    }
    if rest.is_empty() {
        return Part::Var {
            name: name.to_string(),
            op: None,
        };
    }
    let (colon, rest) = match rest.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let mut chars = rest.chars();
    let op = match (chars.next(), colon) {
        (Some('-'), _) => ParamOp::Default { colon },
        (Some('='), _) => ParamOp::Assign { colon },
        (Some('?'), _) => ParamOp::Error { colon },
        (Some('+'), _) => ParamOp::Alternative { colon },
        (Some('#'), false) => ParamOp::RemovePrefix {
            longest: rest.starts_with("##"),
        },
        (Some('%'), false) => ParamOp::RemoveSuffix {
            longest: rest.starts_with("%%"),
        },
        _ => return Part::Unsupported(whole.to_string()),
    };
    let skip = match op {
        ParamOp::RemovePrefix { longest: true } | ParamOp::RemoveSuffix { longest: true } => 2,
        _ => 1,
    };
    Part::Var {
        name: name.to_string(),
        op: Some((op, word_parts(&rest[skip..]))),
    }
}

fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The word of `${x:-word}`: quotes removed, `$x` and `${...}` kept as
/// parts (the grammar bounds how deep they nest).
fn word_parts(word: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let b = word.as_bytes();
    let mut i = 0;
    let mut in_dq = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                in_dq = !in_dq;
                i += 1;
            }
            b'\'' if !in_dq => {
                let end = word[i + 1..].find('\'').map_or(b.len(), |j| i + 1 + j);
                push_lit(&mut parts, &word[(i + 1).min(end)..end]);
                i = (end + 1).min(b.len());
            }
            b'\\' if i + 1 < b.len() => {
                let c = word[i + 1..].chars().next().unwrap_or('\\');
                push_lit(&mut parts, &word[i + 1..i + 1 + c.len_utf8()]);
                i += 1 + c.len_utf8();
            }
            b'$' => {
                let len = expansion_len(&word[i..]);
                if len <= 1 {
                    push_lit(&mut parts, "$");
                    i += 1;
                } else {
                    parts.push(expansion(&word[i..i + len]));
                    i += len;
                }
            }
            _ => {
                let c = word[i..].chars().next().unwrap_or(' ');
                push_lit(&mut parts, &word[i..i + c.len_utf8()]);
                i += c.len_utf8();
            }
        }
    }
    parts
}

/// How long the `$...` expansion at the start of `s` is.
fn expansion_len(s: &str) -> usize {
    let b = s.as_bytes();
    match b.get(1) {
        Some(b'{') => {
            let mut depth = 0;
            for (i, &c) in b.iter().enumerate() {
                match c {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
            }
            1
        }
        Some(b'(') => s.find(')').map_or(1, |j| j + 1),
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            1 + s[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(s.len() - 1)
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_assignments_and_commands() {
        let f = parse("# c\nipsec_enable=\"YES\" # on\nexport a='x y'\nb=${a}z c=$d\nkldload ipfw\nfoo=\"unterminated\n");
        let a: Vec<_> = f.assignments().collect();
        assert_eq!(a[0].name.value, "ipsec_enable");
        assert_eq!(a[0].parts, vec![Part::Literal("YES".into())]);
        assert!(a[1].exported);
        assert_eq!(a[1].parts, vec![Part::Literal("x y".into())]);
        assert_eq!(
            a[2].parts[0],
            Part::Var {
                name: "a".into(),
                op: None
            }
        );
        assert_eq!(a[3].name.value, "c");
        assert!(f
            .items
            .iter()
            .any(|i| matches!(i, RcItem::Command(c) if c.value == "kldload ipfw")));
        assert!(f.items.iter().any(|i| matches!(i, RcItem::Bad(_))));
    }

    #[test]
    fn every_parameter_expansion_form_is_read() {
        let f = parse("a=${b:-${c:-d}} e=${f:+w} g=${#h} i=${j##*/} k=${l/x/y} m=${n-'o p'}\n");
        let p: Vec<&Part> = f.assignments().map(|a| &a.parts[0]).collect();
        let var = |name: &str, op, word: Vec<Part>| Part::Var {
            name: name.into(),
            op: Some((op, word)),
        };
        let c = var(
            "c",
            ParamOp::Default { colon: true },
            vec![Part::Literal("d".into())],
        );
        assert_eq!(*p[0], var("b", ParamOp::Default { colon: true }, vec![c]));
        assert_eq!(
            *p[1],
            var(
                "f",
                ParamOp::Alternative { colon: true },
                vec![Part::Literal("w".into())]
            )
        );
        assert_eq!(*p[2], Part::Length("h".into()));
        assert_eq!(
            *p[3],
            var(
                "j",
                ParamOp::RemovePrefix { longest: true },
                vec![Part::Literal("*/".into())]
            )
        );
        assert_eq!(*p[4], Part::Unsupported("${l/x/y}".into()));
        assert_eq!(
            *p[5],
            var(
                "n",
                ParamOp::Default { colon: false },
                vec![Part::Literal("o p".into())]
            )
        );
    }

    #[test]
    fn continuation_inside_quotes() {
        let f = parse("ifconfig_ed0_aliases=\"\\\n  inet 10.0.0.1/24\"\n");
        let a: Vec<_> = f.assignments().collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].parts, vec![Part::Literal("  inet 10.0.0.1/24".into())]);
    }
}
