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
    let mut parsed = read_as_racoon_does(file, text);
    let glued = glued_modes(file, &parsed.conf);
    parsed.diagnostics.extend(glued);
    parsed
}

/// `exchange_mode mainaggressive;`: flex reads two modes where no blank
/// separates them. racoon accepts it; say what it reads.
fn glued_modes(file: FileId, conf: &RacoonConf) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in &conf.items {
        let TopItem::Remote(r) = item else { continue };
        for s in r
            .body
            .iter()
            .flat_map(|b| b.settings.iter())
            .filter(|s| s.is("exchange_mode"))
        {
            for pair in s.values.windows(2) {
                if let [Value::Word(a), Value::Word(b)] = pair {
                    if a.span.end() == b.span.start() {
                        out.push(super::stray::glued_words(file, a, b));
                    }
                }
            }
        }
    }
    out
}

fn read_as_racoon_does(file: FileId, text: &str) -> Parsed {
    let first = parse_text(file, text);
    // `first_error` is the first error of the syntax rules: the parse's own.
    if first.conf.first_error.is_none() {
        return first;
    }
    // racoon may read the file anyway: its lexer swallows what it cannot use.
    let runs = super::reading::swallowed(text);
    if runs.is_empty() {
        return first;
    }
    let mut read = text.as_bytes().to_vec();
    for r in &runs {
        read[r.span.start()..r.span.end()].fill(b' ');
        if r.changes_a_value {
            // The swallowed text joins the next token: a number then reads
            // as 0 (strtoul stops at once); an address or string is mangled.
            let digits = text[r.span.end()..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if digits == 0 {
                return first;
            }
            read[r.span.end()] = b'0';
            read[r.span.end() + 1..r.span.end() + digits].fill(b' ');
        }
    }
    let Ok(read) = String::from_utf8(read) else {
        return first;
    };
    let mut second = parse_text(file, &read);
    if second.conf.first_error.is_some() {
        return first;
    }
    // Punctuation runs are reported by `stray` already.
    second.diagnostics.extend(
        runs.iter()
            .filter(|r| !super::stray::handles(text, r.span))
            .map(|r| super::stray::swallowed_word(file, text, r.span)),
    );
    second.conf.first_error = None;
    second
}

fn parse_text(file: FileId, text: &str) -> Parsed {
    let mut lw = Lowerer {
        file,
        text,
        base: 0,
        diags: Vec::new(),
        values: Vec::new(),
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
    /// Reused for every statement's values, which are then copied once into
    /// a list of their exact size: growing and shrinking each list costs
    /// more than the parse of the statement.
    values: Vec<Value>,
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
            Rule::sainfo => Some(TopItem::Sainfo(std::sync::Arc::new(self.sainfo(p)))),
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
        let mut settings = Vec::with_capacity(count(&inner, |r| !is_punctuation(r)));
        let mut close = None;
        for c in inner {
            match c.as_rule() {
                Rule::rbrace => close = Some(self.sp(&c)),
                Rule::bad_stmt => self.skipped(c, ctx),
                _ => settings.push(self.setting(c)),
            }
        }
        let block = Block {
            span,
            keyword,
            settings: settings.into_boxed_slice(),
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
        let mut values = std::mem::take(&mut self.values);
        self.collect(p, &mut keyword, &mut values);
        let exact: Box<[Value]> = values.drain(..).collect();
        self.values = values;
        let keyword = keyword.unwrap_or_else(|| {
            Spanned::new(Word::default(), Span::new(span.start(), span.start()))
        });
        Setting {
            span,
            keyword,
            values: exact,
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
                let name_span = self.sp(&name);
                let name = intern(name.as_str());
                // racoon reads a key length of 0 as none given
                // (`if ($2 && check_keylen(...))`): the default applies.
                let keylen = it
                    .next()
                    .map(|k| {
                        let n = self.number(&k);
                        Spanned::new(u32::try_from(n.value).unwrap_or(u32::MAX), n.span)
                    })
                    .filter(|k| k.value != 0);
                Value::Algorithm(Algorithm {
                    span,
                    name,
                    name_span,
                    keylen,
                })
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
                        range_end = Some(Box::new(Spanned::new(ip, s)));
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
        let mut address = Address {
            span,
            verbatim: None,
            ip,
            range_end,
            prefix,
        };
        if address.ip.is_none_or(|ip| address.canonical(ip) != p_text) {
            address.verbatim = Some(p_text.into());
        }
        address
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
        let inner = p.into_inner();
        let mut settings =
            Vec::with_capacity(count(&inner, |r| !is_punctuation(r) && r != Rule::proposal));
        let mut proposals = Vec::with_capacity(count(&inner, |r| r == Rule::proposal));
        let mut close = None;
        for c in inner {
            match c.as_rule() {
                Rule::rbrace => close = Some(self.sp(&c)),
                Rule::bad_stmt => self.skipped(c, Context::Remote),
                Rule::proposal => proposals.push(self.block(c, Context::Proposal)),
                _ => settings.push(self.setting(c)),
            }
        }
        let body = RemoteBody {
            settings: settings.into_boxed_slice(),
            proposals: proposals.into_boxed_slice(),
            close,
        };
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
        let mut ids = Vec::with_capacity(2);
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
                Rule::sainfo_from => from = Some(Box::new(self.setting(c))),
                Rule::sainfo_group => {
                    if let Some(q) = c.into_inner().nth(1) {
                        let s = self.sp(&q);
                        group = Some(Box::new(Spanned::new(unquote(q.as_str()).to_string(), s)));
                    }
                }
                Rule::sainfo_body => {
                    header_end = self.sp(&c).start() + 1;
                    let inner = c.into_inner();
                    settings.reserve_exact(count(&inner, |r| !is_punctuation(r)));
                    for s in inner {
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
            settings: settings.into_boxed_slice(),
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
                let mut proto = Spanned::new(Word::default(), span);
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

/// How many of a node's children are of the rules `keep` picks: lists are
/// allocated at their size once, not grown and shrunk.
fn count(children: &pest::iterators::Pairs<'_, Rule>, keep: impl Fn(Rule) -> bool) -> usize {
    children.clone().filter(|c| keep(c.as_rule())).count()
}

/// The closing brace and skipped statements: children that are no statement.
fn is_punctuation(r: Rule) -> bool {
    matches!(r, Rule::rbrace | Rule::bad_stmt)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sainfo_ids(text: &str) -> Vec<Address> {
        let parsed = parse(FileId(0), text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        parsed
            .conf
            .items
            .iter()
            .filter_map(|i| match i {
                TopItem::Sainfo(s) => Some(s),
                _ => None,
            })
            .flat_map(|s| [Some(&s.local), s.remote.as_ref()])
            .flatten()
            .filter_map(|id| match id {
                SainfoId::Address { address, .. } => Some((**address).clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_address_reads_back_as_written_and_keeps_text_only_when_it_must() {
        let ids = sainfo_ids(
            "sainfo address 10.0.0.0/24 any address 2001:DB8::/32 any {\n\
             \tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\
             \tcompression_algorithm deflate;\n}\n\
             sainfo address 10.1.0.1-10.1.0.9 any address fe80::1%em0 any {\n\
             \tencryption_algorithm aes;\n\tauthentication_algorithm hmac_sha1;\n\
             \tcompression_algorithm deflate;\n}\n",
        );
        let texts: Vec<String> = ids.iter().map(|a| a.text().into_owned()).collect();
        assert_eq!(
            texts,
            [
                "10.0.0.0/24",
                "2001:DB8::/32",
                "10.1.0.1-10.1.0.9",
                "fe80::1%em0"
            ]
        );
        let kept: Vec<bool> = ids.iter().map(|a| a.verbatim.is_some()).collect();
        // Canonical literals rebuild their text; upper case and scopes do not.
        assert_eq!(kept, [false, true, false, true]);
    }

    #[test]
    fn every_list_is_exactly_its_length() {
        let parsed = parse(
            FileId(0),
            "remote 192.0.2.1 {\n\texchange_mode main, aggressive;\n\tproposal {\n\
             \t\tencryption_algorithm aes;\n\t\thash_algorithm sha1;\n\
             \t\tauthentication_method pre_shared_key;\n\t\tdh_group 2;\n\t}\n}\n",
        );
        let TopItem::Remote(r) = &parsed.conf.items[0] else {
            panic!("a remote")
        };
        let body = r.body.as_ref().expect("a body");
        assert_eq!(body.settings.len(), 1);
        assert_eq!(body.settings[0].values.len(), 2);
        assert_eq!(body.proposals.len(), 1);
        assert_eq!(body.proposals[0].settings.len(), 4);
    }
}
