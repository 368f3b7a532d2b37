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
    /// `$name` or `${name}` (with `${name:-default}` keeping only the name and default).
    Var {
        name: String,
        default: Option<String>,
    },
    /// `$(...)` or backquotes: not evaluated.
    Command(String),
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
    let mut value_span = Span::new(span.end, span.end);
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
        let (name, default) = match inner.find([':', '-', '=', '+', '?']) {
            Some(i) => {
                let rest = inner[i..].trim_start_matches(':');
                let default = rest.strip_prefix('-').map(|d| d.to_string());
                (&inner[..i], default)
            }
            None => (inner, None),
        };
        return Part::Var {
            name: name.to_string(),
            default,
        };
    }
    if t.starts_with("$(") || t.starts_with('`') {
        return Part::Command(t.to_string());
    }
    match t.strip_prefix('$') {
        Some(n) if !n.is_empty() => Part::Var {
            name: n.to_string(),
            default: None,
        },
        _ => Part::Literal(t.to_string()),
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
                default: None
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
    fn continuation_inside_quotes() {
        let f = parse("ifconfig_ed0_aliases=\"\\\n  inet 10.0.0.1/24\"\n");
        let a: Vec<_> = f.assignments().collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].parts, vec![Part::Literal("  inet 10.0.0.1/24".into())]);
    }
}
