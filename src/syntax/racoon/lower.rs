//! pest pairs → typed tree. Skipped (`bad_*`) regions become diagnostics.

use super::ast::*;
use super::errors::{explain_skipped, Context};
use super::{intern, RacoonParser, Rule, BAD_ADDRESS, SYNTAX_ERROR, UNCLOSED_BLOCK};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::{span_of, Spanned};
use pest::iterators::Pair;
use pest::Parser;
use std::net::IpAddr;

/// The result of parsing one racoon.conf.
#[derive(Debug)]
pub struct Parsed {
    pub conf: RacoonConf,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse racoon.conf text. Never fails: every mistake becomes a diagnostic
/// and parsing resumes at the next statement.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let mut lw = Lowerer {
        file,
        text,
        base: 0,
        diags: Vec::new(),
    };
    let mut conf = RacoonConf::default();
    while let Some(item) = lw.next_top() {
        conf.items.extend(item);
    }
    conf.items.shrink_to_fit();
    lw.diags.extend(super::stray::check(file, text));
    conf.first_error = crate::syntax::first_error(text, &lw.diags);
    Parsed {
        conf,
        diagnostics: lw.diags,
    }
}

struct Lowerer<'t> {
    file: FileId,
    text: &'t str,
    /// Where the statement being lowered was parsed from: pest's positions are
    /// relative to it.
    base: usize,
    diags: Vec<Diagnostic>,
}

impl<'t> Lowerer<'t> {
    /// Parse and lower the next top-level statement, and move `base` past it.
    /// The item is `None` for a skipped statement; `None` itself means the end.
    fn next_top(&mut self) -> Option<Option<TopItem>> {
        let from = self.base;
        let rest = &self.text[from..];
        let one = match RacoonParser::parse(Rule::top_one, rest) {
            Ok(mut pairs) => pairs.next().expect("top_one rule"),
            // The recovery rules accept any input; this is a safety net only.
            Err(e) => {
                let (pos, _) = crate::syntax::pest_failure(&e);
                let at = from + pos;
                self.diags.push(Diagnostic::new(
                    &SYNTAX_ERROR,
                    self.file,
                    Span::new(at, at),
                    "racoon cannot parse this file",
                ));
                return None;
            }
        };
        let p = one.into_inner().next()?;
        let end = from + p.as_span().end();
        let item = match p.as_rule() {
            Rule::EOI => return None,
            Rule::bad_top => {
                self.skipped(p, Context::Top);
                None
            }
            _ => self.top(p),
        };
        self.base = end;
        Some(item)
    }

    fn sp(&self, p: &Pair<'_, Rule>) -> Span {
        span_of(p.as_span(), self.base)
    }

    fn skipped(&mut self, p: Pair<'_, Rule>, ctx: Context) {
        let span = self.sp(&p);
        let d = explain_skipped(self.file, self.text, span, ctx);
        self.diags.extend(d);
    }

    fn top(&mut self, p: Pair<'_, Rule>) -> Option<TopItem> {
        match p.as_rule() {
            Rule::remote => Some(TopItem::Remote(Box::new(self.remote(p)))),
            Rule::sainfo => Some(TopItem::Sainfo(Box::new(self.sainfo(p)))),
            Rule::privsep => Some(TopItem::Block(self.block(p, Context::Privsep))),
            Rule::padding => Some(TopItem::Block(self.block(p, Context::Padding))),
            Rule::listen => Some(TopItem::Block(self.block(p, Context::Listen))),
            Rule::timer => Some(TopItem::Block(self.block(p, Context::Timer))),
            Rule::mode_cfg => Some(TopItem::Block(self.block(p, Context::ModeCfg))),
            Rule::ldapcfg => Some(TopItem::Block(self.block(p, Context::Ldapcfg))),
            Rule::radiuscfg => Some(TopItem::Block(self.block(p, Context::Radiuscfg))),
            _ => Some(TopItem::Setting(self.setting(p))),
        }
    }

    /// A generic block: keyword `{` settings `}`.
    fn block(&mut self, p: Pair<'_, Rule>, ctx: Context) -> Block {
        let span = self.sp(&p);
        let mut inner = p.into_inner();
        let kw = inner.next().expect("block keyword");
        let keyword = Spanned::new(intern(kw.as_str()), self.sp(&kw));
        let mut settings = Vec::new();
        let mut close = None;
        for c in inner {
            match c.as_rule() {
                Rule::rbrace => close = Some(self.sp(&c)),
                Rule::bad_stmt => self.skipped(c, ctx),
                _ => settings.push(self.setting(c)),
            }
        }
        // Pushes leave up to half of a list unused; a large file keeps them all.
        settings.shrink_to_fit();
        let block = Block {
            span,
            keyword,
            settings,
            close,
        };
        if block.close.is_none() {
            self.unclosed(&block.keyword.value, block.keyword.span, span);
        }
        block
    }

    fn unclosed(&mut self, what: &str, at: Span, block: Span) {
        let end = Span::new(block.end(), block.end());
        self.diags.push(
            Diagnostic::new(
                &UNCLOSED_BLOCK,
                self.file,
                at,
                format!("this `{what}` block is never closed"),
            )
            .with_related(self.file, end, "the block should end with `}` before here")
            .with_help(
                "add the missing `}`; racoon reports this only as `(null):0` or at a later line",
            ),
        );
    }

    /// A statement: keyword followed by values (nested rules are flattened).
    fn setting(&mut self, p: Pair<'_, Rule>) -> Setting {
        let span = self.sp(&p);
        let mut keyword = None;
        let mut values = Vec::new();
        self.collect(p, &mut keyword, &mut values);
        // A Vec grows to four values at its first push; most settings have one.
        values.shrink_to_fit();
        let keyword = keyword.unwrap_or_else(|| {
            Spanned::new(Word::Borrowed(""), Span::new(span.start(), span.start()))
        });
        Setting {
            span,
            keyword,
            values,
        }
    }

    fn collect(
        &mut self,
        p: Pair<'_, Rule>,
        keyword: &mut Option<Spanned<Word>>,
        values: &mut Vec<Value>,
    ) {
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::semi => {}
                Rule::lifetime | Rule::dh_value => self.collect(c, keyword, values),
                _ if keyword.is_none() => {
                    *keyword = Some(Spanned::new(intern(c.as_str()), self.sp(&c)));
                }
                _ => values.push(self.value(c)),
            }
        }
    }

    fn value(&mut self, c: Pair<'_, Rule>) -> Value {
        let span = self.sp(&c);
        match c.as_rule() {
            Rule::number | Rule::keylen => Value::Number(self.number(&c)),
            Rule::quoted => Value::Quoted(Spanned::new(unquote(c.as_str()).to_string(), span)),
            Rule::address | Rule::addr_spec => Value::Address(Box::new(self.address(c))),
            Rule::port | Rule::port_any => Value::Port(port(&c, span)),
            Rule::time_value | Rule::byte_value => {
                let mut it = c.into_inner();
                let n = it.next().map(|n| self.number(&n).value).unwrap_or(0);
                let unit = it.next().map(|u| u.as_str()).unwrap_or_default();
                let mult = unit_multiplier(unit);
                let total = n.saturating_mul(mult);
                if unit_is_time(unit) {
                    Value::Time(Spanned::new(total, span))
                } else {
                    Value::Bytes(Spanned::new(total, span))
                }
            }
            Rule::algorithm => {
                let mut it = c.into_inner();
                let name = it.next().expect("alg name");
                let name = Spanned::new(intern(name.as_str()), self.sp(&name));
                let keylen = it.next().map(|k| self.number(&k));
                Value::Algorithm(Algorithm { span, name, keylen })
            }
            _ => Value::Word(Spanned::new(intern(c.as_str()), span)),
        }
    }

    fn number(&mut self, p: &Pair<'_, Rule>) -> Spanned<u64> {
        let span = self.sp(p);
        let n = p.as_str().parse::<u64>().unwrap_or_else(|_| {
            self.diags.push(Diagnostic::new(
                &SYNTAX_ERROR,
                self.file,
                span,
                "number too large",
            ));
            u64::MAX
        });
        Spanned::new(n, span)
    }

    /// `address` or `addr_spec`; reports literals that are not IP addresses.
    fn address(&mut self, p: Pair<'_, Rule>) -> Address {
        let span = self.sp(&p);
        let p_text = p.as_str();
        let text = p_text.to_string();
        let (mut ip_text, mut range_end, mut prefix) = (None, None, None);
        if p.as_rule() == Rule::address {
            ip_text = Some((p.as_str(), span));
        } else {
            for c in p.into_inner() {
                let s = self.sp(&c);
                match c.as_rule() {
                    Rule::address => ip_text = Some((c.as_str(), s)),
                    Rule::range_end => {
                        let t = &c.as_str()[1..];
                        let ip = self.ip(t, Span::new(s.start() + 1, s.end()));
                        range_end = Some(Spanned::new(ip, s));
                    }
                    Rule::prefix => {
                        let n = c.as_str()[1..].parse::<u32>().unwrap_or(u32::MAX);
                        prefix = Some(Spanned::new(n, s));
                    }
                    _ => {}
                }
            }
        }
        let (t, s) = ip_text.unwrap_or((p_text, span));
        let ip = self.ip(t, s);
        if let (Some(ip), Some(pfx)) = (ip, &prefix) {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            if pfx.value > max {
                self.diags.push(Diagnostic::new(
                    &BAD_ADDRESS,
                    self.file,
                    pfx.span,
                    format!(
                        "prefix length /{} is longer than the address ({max} bits)",
                        pfx.value
                    ),
                ));
            }
        }
        Address {
            span,
            text,
            ip,
            range_end,
            prefix,
        }
    }

    fn ip(&mut self, t: &str, span: Span) -> Option<IpAddr> {
        let bare = t.split('%').next().unwrap_or(t);
        match bare.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) => {
                self.diags.push(
                    Diagnostic::new(
                        &BAD_ADDRESS,
                        self.file,
                        span,
                        format!("`{t}` is not an IP address"),
                    )
                    .with_help(
                        "racoon needs an IPv4 or IPv6 literal here; it does not resolve host names",
                    ),
                );
                None
            }
        }
    }

    fn remote(&mut self, p: Pair<'_, Rule>) -> Remote {
        let span = self.sp(&p);
        let mut target = None;
        let mut parent = None;
        let mut body = None;
        let mut header_end = span.end();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::remote_target => target = Some(self.remote_target(c)),
                Rule::remote_parent => parent = Some(self.remote_target(c)),
                Rule::remote_body => {
                    header_end = self.sp(&c).start() + 1;
                    body = Some(self.remote_body(c, span));
                }
                _ => {}
            }
        }
        let target = target.unwrap_or(RemoteTarget::Anonymous { span, port: None });
        Remote {
            span,
            header: Span::new(span.start(), header_end),
            target,
            parent,
            body,
        }
    }

    fn remote_target(&mut self, p: Pair<'_, Rule>) -> RemoteTarget {
        let span = self.sp(&p);
        let mut inner = p.into_inner();
        let first = inner.next().expect("remote target");
        let port_v = inner.next().map(|c| {
            let s = self.sp(&c);
            port(&c, s)
        });
        match first.as_rule() {
            Rule::k_anonymous => RemoteTarget::Anonymous {
                span: self.sp(&first),
                port: port_v,
            },
            Rule::quoted => RemoteTarget::Name(Spanned::new(
                unquote(first.as_str()).to_string(),
                self.sp(&first),
            )),
            Rule::address => RemoteTarget::Address {
                address: Box::new(self.address(first)),
                port: port_v,
            },
            _ => RemoteTarget::Anonymous { span, port: None },
        }
    }

    fn remote_body(&mut self, p: Pair<'_, Rule>, remote_span: Span) -> RemoteBody {
        let mut body = RemoteBody::default();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::rbrace => body.close = Some(self.sp(&c)),
                Rule::bad_stmt => self.skipped(c, Context::Remote),
                Rule::proposal => body.proposals.push(self.block(c, Context::Proposal)),
                _ => body.settings.push(self.setting(c)),
            }
        }
        body.settings.shrink_to_fit();
        body.proposals.shrink_to_fit();
        if body.close.is_none() {
            self.unclosed(
                "remote",
                Span::new(remote_span.start(), remote_span.start() + 6),
                remote_span,
            );
        }
        body
    }

    fn sainfo(&mut self, p: Pair<'_, Rule>) -> Sainfo {
        let span = self.sp(&p);
        let mut ids = Vec::new();
        let mut from = None;
        let mut group = None;
        let mut settings = Vec::new();
        let mut close = None;
        let mut header_end = span.end();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::sainfo_ids => {
                    for id in c.into_inner() {
                        ids.push(self.sainfo_id(id));
                    }
                }
                Rule::sainfo_from => from = Some(self.setting(c)),
                Rule::sainfo_group => {
                    if let Some(q) = c.into_inner().nth(1) {
                        let s = self.sp(&q);
                        group = Some(Spanned::new(unquote(q.as_str()).to_string(), s));
                    }
                }
                Rule::sainfo_body => {
                    header_end = self.sp(&c).start() + 1;
                    for s in c.into_inner() {
                        match s.as_rule() {
                            Rule::rbrace => close = Some(self.sp(&s)),
                            Rule::bad_stmt => self.skipped(s, Context::Sainfo),
                            _ => settings.push(self.setting(s)),
                        }
                    }
                }
                _ => {}
            }
        }
        settings.shrink_to_fit();
        if close.is_none() {
            self.unclosed("sainfo", Span::new(span.start(), span.start() + 6), span);
        }
        let mut ids = ids.into_iter();
        let local = ids.next().unwrap_or(SainfoId::Anonymous(span));
        let remote = ids.next();
        Sainfo {
            span,
            header: Span::new(span.start(), header_end),
            local,
            remote,
            from,
            group,
            settings,
            close,
        }
    }

    fn sainfo_id(&mut self, p: Pair<'_, Rule>) -> SainfoId {
        let span = self.sp(&p);
        match p.as_rule() {
            Rule::k_anonymous => SainfoId::Anonymous(span),
            Rule::k_clientaddr => SainfoId::ClientAddr(span),
            _ => {
                let mut it = p.into_inner();
                let t = it.next().expect("id type");
                let id_type = Spanned::new(intern(t.as_str()), self.sp(&t));
                let v = it.next().expect("id value");
                if v.as_rule() == Rule::quoted {
                    let value = Spanned::new(unquote(v.as_str()).to_string(), self.sp(&v));
                    return SainfoId::Named {
                        span,
                        id_type,
                        value,
                    };
                }
                let address = Box::new(self.address(v));
                let mut port_v = None;
                let mut proto = Spanned::new(Word::Borrowed(""), span);
                for c in it {
                    let s = self.sp(&c);
                    match c.as_rule() {
                        Rule::port | Rule::port_any => port_v = Some(port(&c, s)),
                        _ => proto = Spanned::new(intern(c.as_str()), s),
                    }
                }
                SainfoId::Address {
                    span,
                    id_type,
                    address,
                    port: port_v,
                    proto,
                }
            }
        }
    }
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// `[N]` → Some(N), `[any]` → None.
fn port(p: &Pair<'_, Rule>, span: Span) -> Spanned<Option<u16>> {
    let inner = p.as_str().trim_start_matches('[').trim_end_matches(']');
    Spanned::new(inner.parse::<u16>().ok(), span)
}

fn unit_is_time(unit: &str) -> bool {
    unit.starts_with("sec") || unit.starts_with("min") || unit.starts_with("hour")
}

fn unit_multiplier(unit: &str) -> u64 {
    match unit {
        u if u.starts_with("sec") => 1,
        u if u.starts_with("min") => 60,
        u if u.starts_with("hour") => 3600,
        "KB" => 1024,
        "MB" => 1024 * 1024,
        // racoon's TB is really 1024^3.
        "TB" => 1024 * 1024 * 1024,
        _ => 1,
    }
}
