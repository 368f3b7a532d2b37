//! setkey(8) files: pest grammar (`grammar/setkey.pest`), typed tree and
//! per-command recovery. Manual keys are [`Secret`]s.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::{register, rule};
use crate::source::{FileId, Span};
use crate::syntax::psk::Secret;
use crate::syntax::{join_expected, pest_failure, prev_token_end, span_of, token_at, Spanned};
use pest::iterators::Pair;
use pest::Parser;
use std::net::IpAddr;

// The syntax rules this parser emits.

rule!(SETKEY_SYNTAX, "IPS1101", "setkey-syntax-error", Error,
    "A setkey command that setkey's parser rejects.",
    why: "setkey executes commands as it parses them and stops at the first syntax error: the\n\
          policies after it are never installed, while the ones before it are.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;",
    log: Some("line 1: syntax error at [ipsec]"));

rule!(SETKEY_CRLF, "IPS1102", "setkey-crlf", Error,
    "A setkey file with CRLF (DOS) line ends.",
    why: "setkey's lexer has no rule for a carriage return, so a file edited on Windows fails at\n\
          its first line end and no policy is loaded.",
    bad: "flush;\r\nspdflush;\r\n",
    good: "flush;\nspdflush;\n",
    log: Some("line 1: syntax error at [\r]"));

register![SETKEY_SYNTAX, SETKEY_CRLF];

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/setkey.pest"]
struct SetkeyParser;

/// A host as written, with its address when it is a numeric literal.
#[derive(Clone, Debug)]
pub struct Host {
    pub text: Spanned<String>,
    pub ip: Option<IpAddr>,
    pub port: Option<Spanned<String>>,
}

/// A policy selector: address[/prefix][[port]].
#[derive(Clone, Debug)]
pub struct Selector {
    pub span: Span,
    pub host: Host,
    pub prefix: Option<Spanned<u32>>,
}

impl Selector {
    /// Prefix length, defaulting to a host route.
    pub fn prefix_len(&self) -> Option<u32> {
        let ip = self.host.ip?;
        Some(
            self.prefix
                .as_ref()
                .map_or(if ip.is_ipv4() { 32 } else { 128 }, |p| p.value),
        )
    }
    /// The network, when numeric: `10.1.0.0/24`.
    pub fn net(&self) -> Option<ipnet::IpNet> {
        ipnet::IpNet::new(self.host.ip?, u8::try_from(self.prefix_len()?).ok()?).ok()
    }
    /// The port as written: `None` for none/`any`.
    pub fn port(&self) -> Option<&str> {
        self.host
            .port
            .as_ref()
            .map(|p| p.value.as_str())
            .filter(|p| *p != "any")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    In,
    Out,
    /// Linux only.
    Fwd,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    Default,
    Use,
    Require,
    Unique(Option<u32>),
}

/// One `protocol/mode/src-dst/level` rule of an ipsec policy.
#[derive(Clone, Debug)]
pub struct IpsecRule {
    pub span: Span,
    pub protocol: Spanned<String>,
    pub mode: Spanned<String>,
    pub endpoints: Option<(Host, Host)>,
    pub endpoints_span: Option<Span>,
    pub level: Option<Spanned<Level>>,
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub span: Span,
    pub direction: Spanned<Direction>,
    /// Linux priority (`prio N`), unsupported by FreeBSD.
    pub priority: Option<Span>,
    /// discard, none, entrust, bypass or ipsec; `None` for `spddelete ... -P out`.
    pub action: Option<Spanned<String>>,
    pub rules: Vec<IpsecRule>,
}

/// `spdadd`, `spdupdate`, `spddelete`.
#[derive(Clone, Debug)]
pub struct PolicyCommand {
    pub src: Option<Selector>,
    pub dst: Option<Selector>,
    pub upper: Option<Spanned<String>>,
    pub tag: Option<Spanned<String>>,
    pub policy: Policy,
}

/// An algorithm with its key.
#[derive(Clone, Debug)]
pub struct AlgKey {
    pub name: Spanned<String>,
    pub key: Option<Key>,
}

#[derive(Clone, Debug)]
pub struct Key {
    pub span: Span,
    /// Key size in bits as setkey computes it (hex: digits × 4, padded to bytes).
    pub bits: u64,
    pub value: Secret,
}

/// `add`, `get`, `delete`.
#[derive(Clone, Debug)]
pub struct SaCommand {
    pub src: Host,
    pub dst: Host,
    pub protocol: Spanned<String>,
    pub spi: Spanned<u64>,
    pub mode: Option<Spanned<String>>,
    pub reqid: Option<Spanned<u64>>,
    pub replay: Option<Spanned<u64>>,
    pub encryption: Option<AlgKey>,
    pub authentication: Option<AlgKey>,
    pub compression: Option<Spanned<String>>,
    /// ipsec-tools-only extensions (`-bh`, `-bs`, `-ctx`).
    pub linux_extensions: Vec<Span>,
}

#[derive(Clone, Debug)]
pub enum CommandKind {
    Add(SaCommand),
    Get(SaCommand),
    Delete(SaCommand),
    DeleteAll,
    Flush,
    Dump,
    SpdAdd(PolicyCommand),
    SpdUpdate(PolicyCommand),
    SpdDelete(PolicyCommand),
    SpdFlush,
    SpdDump,
    Exit,
}

#[derive(Clone, Debug)]
pub struct Command {
    pub span: Span,
    pub keyword: Spanned<String>,
    pub family: Option<Span>,
    pub kind: CommandKind,
}

#[derive(Clone, Debug, Default)]
pub struct SetkeyFile {
    pub commands: Vec<Command>,
    /// Where setkey stops: it applies the commands before its first error,
    /// none after.
    pub first_error: Option<super::Rejected>,
}

#[derive(Debug)]
pub struct Parsed {
    pub file: SetkeyFile,
    pub diagnostics: Vec<Diagnostic>,
    /// Spans of manual keys (masked by renderers).
    pub secrets: Vec<Span>,
}

/// Parse a setkey file. Never fails: a bad command becomes a diagnostic and
/// parsing resumes after the next `;`.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let mut diags = Vec::new();
    // setkey's lexer has no rule for CR: a CRLF file fails at its first line
    // end. Say so once, then read on as if the CRs were blanks.
    let owned;
    let text = if let Some(cr) = first_cr_outside_comments(text) {
        diags.push(
            Diagnostic::new(
                &SETKEY_CRLF,
                file,
                Span::new(cr, cr + 1),
                "setkey rejects carriage returns: this file has CRLF line ends",
            )
            .with_help("convert the file to LF line ends (e.g. `tr -d '\\r'`)"),
        );
        owned = text.replace('\r', " ");
        owned.as_str()
    } else {
        text
    };
    let mut out = SetkeyFile::default();
    let mut secrets = Vec::new();
    let pairs = match SetkeyParser::parse(Rule::file, text) {
        Ok(mut p) => p.next().expect("file").into_inner(),
        Err(e) => {
            let (pos, _) = pest_failure(&e);
            diags.push(Diagnostic::new(
                &SETKEY_SYNTAX,
                file,
                Span::new(pos, pos),
                "setkey cannot parse this file",
            ));
            out.first_error = Some(super::Rejected::at(text, Span::new(pos, pos)));
            return Parsed {
                file: out,
                diagnostics: diags,
                secrets,
            };
        }
    };
    for p in pairs {
        match p.as_rule() {
            Rule::EOI => {}
            Rule::bad_command => {
                let span = span_of(p.as_span(), 0);
                // The command may hold keys: mask every string and hex token in it.
                let masked = key_like_tokens(text, span);
                diags.push(explain(file, text, span, &masked));
                secrets.extend(masked);
            }
            _ => {
                let c = command(p, &mut secrets);
                if let CommandKind::Add(sa) | CommandKind::Get(sa) | CommandKind::Delete(sa) =
                    &c.kind
                {
                    diags.extend(spi_overflow(file, text, sa));
                }
                diags.extend(freebsd_parse_checks(file, &c));
                out.commands.push(c);
            }
        }
    }
    out.first_error = super::first_error(text, &diags);
    Parsed {
        file: out,
        diagnostics: diags,
        secrets,
    }
}

/// What FreeBSD's parse.y refuses in a command that fits the grammar: an
/// upper-layer name not in /etc/protocols, a type,code after anything but
/// icmp6, a port in a policy endpoint, an address range, families mixed in
/// an SA, a replay window on an old-style SA, a key after `simple`.
fn freebsd_parse_checks(file: FileId, c: &Command) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut err =
        |span: Span, msg: String| out.push(Diagnostic::new(&SETKEY_SYNTAX, file, span, msg));
    match &c.kind {
        CommandKind::SpdAdd(p) | CommandKind::SpdUpdate(p) | CommandKind::SpdDelete(p) => {
            if let Some(u) = &p.upper {
                let mut words = u.value.split_whitespace();
                let name = words.next().unwrap_or("");
                let name_span = Span::new(u.span.start(), u.span.start() + name.len());
                match upper_layer(name) {
                    None => err(name_span, format!("invalid upper layer protocol `{name}`: FreeBSD's setkey takes `any`, a number, `icmp6`, `ip4` or a name from /etc/protocols, as written there")),
                    // parse.y takes a type,code only for protocol 58.
                    Some(p) if p != 58 && words.next().is_some() => err(u.span, format!("only ICMPv6 takes a type,code in FreeBSD's setkey, not `{name}`: setkey stops with `parse failed`")),
                    Some(_) => {}
                }
            }
            for sel in p.src.iter().chain(p.dst.iter()) {
                if let Some(port) = sel
                    .port()
                    .filter(|p| !p.bytes().all(|b| b.is_ascii_digit()))
                {
                    if !crate::syntax::services::udp_service(port) {
                        let span = sel.host.port.as_ref().map_or(sel.span, |p| p.span);
                        err(span, format!("FreeBSD's /etc/services has no udp service `{port}`: setkey cannot resolve the port (it looks names up for udp)"));
                    }
                }
                if sel.host.ip.is_none() && looks_like_range(&sel.host.text.value) {
                    err(
                        sel.host.text.span,
                        format!(
                            "setkey has no address ranges: it looks `{}` up as a host name",
                            sel.host.text.value
                        ),
                    );
                }
            }
            for r in &p.policy.rules {
                for h in r.endpoints.iter().flat_map(|(a, b)| [a, b]) {
                    if let Some(port) = &h.port {
                        err(port.span, "FreeBSD's policy parser takes no port on a tunnel endpoint (that is ipsec-tools' NAT-T form): `Invalid argument`".to_string());
                    }
                }
            }
        }
        CommandKind::Add(sa) => {
            if let (Some(a), Some(b)) = (sa.src.ip, sa.dst.ip) {
                if a.is_ipv4() != b.is_ipv4() {
                    err(sa.src.text.span.cover(sa.dst.text.span), "the SA's source and destination mix IPv4 and IPv6: setkey stops with `parse failed`".to_string());
                }
            }
            if let Some(r) = &sa.replay {
                if sa.protocol.value.ends_with("-old") {
                    err(
                        r.span,
                        format!(
                            "replay prevention cannot be used with {}: FreeBSD's setkey stops here",
                            sa.protocol.value
                        ),
                    );
                }
            }
            if let Some(e) = &sa.encryption {
                if let (true, Some(k)) = (e.name.value == "simple", &e.key) {
                    err(k.span, "`-E simple` takes no key in FreeBSD's setkey (it is the obsolete name of null)".to_string());
                }
            }
        }
        _ => {}
    }
    out
}

/// The protocol number of an upper-layer protocol setkey accepts (`any` is
/// 255): a number, the `tcp` and `esp` keywords, a name getprotobyname(3)
/// finds in FreeBSD's /etc/protocols as written (`TCP`, `IPComp`), or its
/// own `icmp6` and `ip4`. `ah` and `ipcomp` are keywords of setkey's lexer
/// that its upper-layer rule does not take: a syntax error.
fn upper_layer(name: &str) -> Option<u16> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return name.parse().ok();
    }
    match name {
        "any" => Some(255),
        // `esp-old` is the lexer's PR_ESP too; `ah`, `ah-old`, `ipcomp` are no upper-layer token.
        "esp-old" => Some(50),
        "ah" | "ah-old" | "ipcomp" => None,
        "icmp6" => Some(58),
        "ip4" => Some(4),
        _ => crate::syntax::protocols::by_name_as_written(name),
    }
}

/// `10.1.0.1-10.1.0.9`: two addresses joined by a `-`.
fn looks_like_range(host: &str) -> bool {
    host.split_once('-')
        .is_some_and(|(a, b)| ip_of(a).is_some() && ip_of(b).is_some())
}

/// An SPI over 32 bits: setkey refuses a hex one (`SPI too big.`) and cuts a
/// decimal one to its low 32 bits without a word.
fn spi_overflow(file: FileId, text: &str, sa: &SaCommand) -> Option<Diagnostic> {
    let v = sa.spi.value;
    if v <= u64::from(u32::MAX) && v != u64::MAX {
        return None;
    }
    let written = text
        .get(sa.spi.span.start()..sa.spi.span.end())
        .unwrap_or("");
    let hex = written.starts_with("0x") || written.starts_with("0X");
    Some(if hex {
        Diagnostic::new(
            &SETKEY_SYNTAX,
            file,
            sa.spi.span,
            "the SPI does not fit 32 bits: setkey stops with `SPI too big.`",
        )
    } else {
        let kept = written
            .parse::<u128>()
            .map_or_else(|_| "some other SPI".to_string(), |n| (n as u32).to_string());
        Diagnostic::new(
            &SETKEY_SYNTAX,
            file,
            sa.spi.span,
            format!("the SPI does not fit 32 bits: setkey silently keeps its low 32 bits ({kept})"),
        )
        .with_severity(crate::diagnostic::Severity::Warning)
    })
}

/// What in a command that did not parse may be key material: quoted
/// strings, `0x` tokens (up to the next blank, typos included) and every
/// token after `-E ALG` / `-A ALG` up to the next flag or `;`. Masked by the
/// renderers and never quoted in a message.
fn key_like_tokens(text: &str, span: Span) -> Vec<Span> {
    let bytes = text.as_bytes();
    let end = span.end().min(bytes.len());
    let mut out = Vec::new();
    // 0: outside keys, 1: the algorithm after -E/-A comes next, 2: keys.
    let mut state = 0;
    let mut i = span.start();
    while i < end {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if bytes[i] == b'"' {
            i = text[i + 1..end].find('"').map_or(end, |j| i + 1 + j + 1);
        } else {
            while i < end && !bytes[i].is_ascii_whitespace() && bytes[i] != b'"' {
                // A `;` ends the token, except inside a key (quoted keys may hold one).
                if bytes[i] == b';' && state != 2 {
                    break;
                }
                i += 1;
            }
            if i == start {
                // A lone `;`.
                state = 0;
                i += 1;
                continue;
            }
        }
        let token = &text[start..i];
        let is_flag = token.starts_with('-') && token.len() > 1;
        let keyish = token.starts_with('"') || token.starts_with("0x") || token.starts_with("0X");
        if state == 2 && is_flag {
            state = 0;
        }
        if state == 2 || keyish {
            out.push(Span::new(start, i));
        }
        state = match (state, token) {
            (_, "-E" | "-A" | "-C") => 1,
            (1, _) => 2,
            (s, _) => s,
        };
    }
    out
}

fn sp(p: &Pair<'_, Rule>) -> Span {
    span_of(p.as_span(), 0)
}

fn spanned(p: &Pair<'_, Rule>) -> Spanned<String> {
    Spanned::new(p.as_str().to_string(), sp(p))
}

fn number(p: &Pair<'_, Rule>) -> Spanned<u64> {
    let t = p.as_str();
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).unwrap_or(u64::MAX),
        None => t.parse().unwrap_or(u64::MAX),
    };
    Spanned::new(v, sp(p))
}

fn ip_of(t: &str) -> Option<IpAddr> {
    t.split('%').next().unwrap_or(t).parse().ok()
}

fn host(p: Pair<'_, Rule>) -> Host {
    let mut text = None;
    let mut port = None;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::host | Rule::ep_addr => text = Some(spanned(&c)),
            Rule::port => {
                let s = sp(&c);
                let inner = c.as_str().trim_start_matches('[').trim_end_matches(']');
                port = Some(Spanned::new(inner.to_string(), s));
            }
            _ => {}
        }
    }
    let text = text.unwrap_or_else(|| Spanned::new(String::new(), Span::default()));
    let ip = ip_of(&text.value);
    Host { text, ip, port }
}

fn selector(p: Pair<'_, Rule>) -> Selector {
    let span = sp(&p);
    let mut prefix = None;
    let mut text = None;
    let mut port = None;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::host => text = Some(spanned(&c)),
            Rule::prefix => {
                prefix = Some(Spanned::new(
                    c.as_str()[1..].parse().unwrap_or(u32::MAX),
                    sp(&c),
                ))
            }
            Rule::port => {
                let inner = c.as_str().trim_start_matches('[').trim_end_matches(']');
                port = Some(Spanned::new(inner.to_string(), sp(&c)));
            }
            _ => {}
        }
    }
    let text = text.unwrap_or_else(|| Spanned::new(String::new(), span));
    let ip = ip_of(&text.value);
    Selector {
        span,
        host: Host { text, ip, port },
        prefix,
    }
}

fn key(p: Pair<'_, Rule>) -> Key {
    let t = p.as_str();
    let bits = if let Some(q) = t.strip_prefix('"') {
        q.strip_suffix('"').unwrap_or(q).len() as u64 * 8
    } else {
        // 0x + digits; an odd digit count is padded with a 0 nibble.
        let digits = t.len().saturating_sub(2) as u64;
        digits.div_ceil(2) * 8
    };
    Key {
        span: sp(&p),
        bits,
        value: Secret::new(t.to_string()),
    }
}

fn alg_key(p: Pair<'_, Rule>, secrets: &mut Vec<Span>) -> AlgKey {
    let mut it = p.into_inner();
    let _flag = it.next();
    let name = it
        .next()
        .map(|n| spanned(&n))
        .unwrap_or_else(|| Spanned::new(String::new(), Span::default()));
    let key = it.next().filter(|k| k.as_rule() == Rule::key).map(key);
    if let Some(k) = &key {
        secrets.push(k.span);
    }
    AlgKey { name, key }
}

fn sa_command(pairs: Vec<Pair<'_, Rule>>, secrets: &mut Vec<Span>) -> SaCommand {
    let mut hosts = Vec::new();
    let mut sa = SaCommand {
        src: Host {
            text: Spanned::new(String::new(), Span::default()),
            ip: None,
            port: None,
        },
        dst: Host {
            text: Spanned::new(String::new(), Span::default()),
            ip: None,
            port: None,
        },
        protocol: Spanned::new(String::new(), Span::default()),
        spi: Spanned::new(0, Span::default()),
        mode: None,
        reqid: None,
        replay: None,
        encryption: None,
        authentication: None,
        compression: None,
        linux_extensions: Vec::new(),
    };
    for c in pairs {
        match c.as_rule() {
            Rule::sa_host => hosts.push(host(c)),
            Rule::sa_proto => sa.protocol = spanned(&c),
            Rule::spi => sa.spi = number(&c),
            Rule::extension => {
                let e = c.into_inner().next().expect("extension");
                let rule = e.as_rule();
                let espan = sp(&e);
                let val = e.into_inner().nth(1);
                match (rule, val) {
                    (Rule::ext_mode, Some(v)) => sa.mode = Some(spanned(&v)),
                    (Rule::ext_reqid, Some(v)) => sa.reqid = Some(number(&v)),
                    (Rule::ext_replay, Some(v)) => sa.replay = Some(number(&v)),
                    (Rule::ext_bytes | Rule::ext_ctx, _) => sa.linux_extensions.push(espan),
                    _ => {}
                }
            }
            Rule::algorithms => {
                for a in c.into_inner() {
                    match a.as_rule() {
                        Rule::enc_alg => sa.encryption = Some(alg_key(a, secrets)),
                        Rule::auth_alg => sa.authentication = Some(alg_key(a, secrets)),
                        Rule::comp_alg => {
                            sa.compression = a.into_inner().nth(1).map(|n| spanned(&n))
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let mut hosts = hosts.into_iter();
    if let Some(h) = hosts.next() {
        sa.src = h;
    }
    if let Some(h) = hosts.next() {
        sa.dst = h;
    }
    sa
}

fn level(t: &str) -> Level {
    match t {
        "use" => Level::Use,
        "require" => Level::Require,
        "default" => Level::Default,
        u => Level::Unique(u.strip_prefix("unique:").and_then(|n| n.parse().ok())),
    }
}

fn policy(p: Pair<'_, Rule>) -> Policy {
    let span = sp(&p);
    let mut pol = Policy {
        span,
        direction: Spanned::new(Direction::Out, span),
        priority: None,
        action: None,
        rules: Vec::new(),
    };
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::direction => {
                let d = match c.as_str() {
                    "in" => Direction::In,
                    "out" => Direction::Out,
                    _ => Direction::Fwd,
                };
                pol.direction = Spanned::new(d, sp(&c));
            }
            Rule::priority => pol.priority = Some(sp(&c)),
            Rule::action => {
                for a in c.into_inner() {
                    match a.as_rule() {
                        Rule::action_word | Rule::ipsec_kw => pol.action = Some(spanned(&a)),
                        Rule::ipsec_rule => pol.rules.push(ipsec_rule(a)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    pol
}

fn ipsec_rule(p: Pair<'_, Rule>) -> IpsecRule {
    let span = sp(&p);
    let mut r = IpsecRule {
        span,
        protocol: Spanned::new(String::new(), span),
        mode: Spanned::new(String::new(), span),
        endpoints: None,
        endpoints_span: None,
        level: None,
    };
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::rule_proto => r.protocol = spanned(&c),
            Rule::rule_mode => r.mode = spanned(&c),
            Rule::endpoints => {
                r.endpoints_span = Some(sp(&c));
                let mut eps = c.into_inner().map(host);
                if let (Some(a), Some(b)) = (eps.next(), eps.next()) {
                    r.endpoints = Some((a, b));
                }
            }
            Rule::level => r.level = Some(Spanned::new(level(c.as_str()), sp(&c))),
            _ => {}
        }
    }
    r
}

fn policy_command(pairs: Vec<Pair<'_, Rule>>) -> PolicyCommand {
    let mut sels = Vec::new();
    let mut upper = None;
    let mut tag = None;
    let mut pol = None;
    for c in pairs {
        match c.as_rule() {
            Rule::selector => sels.push(selector(c)),
            Rule::upperspec => {
                // A non-atomic rule's text may end in the blanks pest skipped.
                let t = c.as_str().trim_end();
                let start = c.as_span().start();
                upper = Some(Spanned::new(
                    t.to_string(),
                    Span::new(start, start + t.len()),
                ));
            }
            Rule::quoted => tag = Some(spanned(&c)),
            Rule::policy => pol = Some(policy(c)),
            _ => {}
        }
    }
    let mut sels = sels.into_iter();
    PolicyCommand {
        src: sels.next(),
        dst: sels.next(),
        upper,
        tag,
        policy: pol.unwrap_or(Policy {
            span: Span::default(),
            direction: Spanned::new(Direction::Out, Span::default()),
            priority: None,
            action: None,
            rules: Vec::new(),
        }),
    }
}

fn command(p: Pair<'_, Rule>, secrets: &mut Vec<Span>) -> Command {
    let span = sp(&p);
    let rule = p.as_rule();
    let mut inner: Vec<Pair<'_, Rule>> = p.into_inner().collect();
    let kw = inner.remove(0);
    let keyword = spanned(&kw);
    let family = inner
        .iter()
        .find(|c| c.as_rule() == Rule::family_opt)
        .map(sp);
    let kind = match rule {
        Rule::add_cmd => CommandKind::Add(sa_command(inner, secrets)),
        Rule::get_cmd => CommandKind::Get(sa_command(inner, secrets)),
        Rule::delete_cmd => CommandKind::Delete(sa_command(inner, secrets)),
        Rule::deleteall_cmd => CommandKind::DeleteAll,
        Rule::flush_cmd => CommandKind::Flush,
        Rule::dump_cmd => CommandKind::Dump,
        Rule::spdadd_cmd => CommandKind::SpdAdd(policy_command(inner)),
        Rule::spdupdate_cmd => CommandKind::SpdUpdate(policy_command(inner)),
        Rule::spddelete_cmd => CommandKind::SpdDelete(policy_command(inner)),
        Rule::spdflush_cmd => CommandKind::SpdFlush,
        Rule::spddump_cmd => CommandKind::SpdDump,
        _ => CommandKind::Exit,
    };
    Command {
        span,
        keyword,
        family,
        kind,
    }
}

fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::semi => "`;`",
        Rule::number => "a number",
        Rule::spi => "an SPI (number or 0x hex)",
        Rule::key => "a key (\"string\" or 0x hex)",
        Rule::quoted => "a quoted string",
        Rule::host | Rule::sa_host => "an address",
        Rule::selector => "an address[/prefix][[port]]",
        Rule::sa_proto => "a protocol (`esp`, `ah`, `ipcomp`, `tcp`)",
        Rule::extension | Rule::algorithms => {
            "an option (`-m`, `-r`, `-u`, `-f`, `-lh`, `-ls`) or an algorithm (`-E`, `-A`, `-C`)"
        }
        Rule::enc_alg | Rule::flag_E => "`-E`",
        Rule::auth_alg | Rule::flag_A => "`-A`",
        Rule::ealg => {
            "an encryption algorithm (`aes-cbc`, `rijndael-cbc`, `aes-gcm-16`, `null`, ...)"
        }
        Rule::aalg => "an authentication algorithm (`hmac-sha2-256`, `hmac-sha1`, ...)",
        Rule::calg => "a compression algorithm (`deflate`)",
        Rule::sa_mode => "`transport`, `tunnel` or `any`",
        Rule::pad_mode => "a padding mode",
        Rule::upperspec | Rule::upper_name => {
            "an upper-layer protocol (`any`, `tcp`, `udp`, a number)"
        }
        Rule::policy | Rule::flag_P => "`-P`",
        Rule::direction => "a direction (`in` or `out`)",
        Rule::action | Rule::action_word | Rule::ipsec_kw => "`discard`, `none` or `ipsec`",
        Rule::ipsec_rule => "a rule `protocol/mode/src-dst/level`",
        Rule::rule_proto => "`esp`, `ah` or `ipcomp`",
        Rule::rule_mode => "`transport` or `tunnel`",
        Rule::level => "a level (`default`, `use`, `require`, `unique[:N]`)",
        Rule::k_add | Rule::k_spdadd | Rule::k_flush | Rule::k_spdflush | Rule::command_strict => {
            "a command (`add`, `spdadd`, `flush`, ...)"
        }
        _ => "",
    }
}

const COMMANDS: &[&str] = &[
    "add",
    "get",
    "delete",
    "deleteall",
    "flush",
    "dump",
    "spdadd",
    "spddelete",
    "spdflush",
    "spddump",
];

/// Explain why a command was skipped.
fn explain(file: FileId, text: &str, span: Span, masked: &[Span]) -> Diagnostic {
    // A token that may be a key is never quoted back.
    let secret = |s: Span| {
        masked
            .iter()
            .any(|m| m.start < s.end.max(s.start + 1) && s.start < m.end)
    };
    let frag = &text[span.start()..span.end()];
    if frag.trim() == ";" {
        return Diagnostic::new(
            &SETKEY_SYNTAX,
            file,
            span,
            "a `;` with no command before it",
        );
    }
    // `_` starts no token of setkey's lexer outside a policy: a fatal error.
    if let Some(u) = underscore_outside_policy(frag) {
        let at = Span::new(span.start() + u, span.start() + u + 1);
        return Diagnostic::new(
            &SETKEY_SYNTAX,
            file,
            at,
            "setkey's lexer has no rule for `_`: it stops here with `Syntax error`",
        )
        .with_help("host names with `_` cannot be used; write the address");
    }
    // The first word: a command keyword?
    let lead = frag.len() - frag.trim_start().len();
    let word: String = frag
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if word.is_empty() || !COMMANDS.contains(&word.as_str()) && word != "spdupdate" {
        let at = span.start() + lead;
        let shown: String = frag
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ';')
            .collect();
        if shown.is_empty() {
            // Only white space that setkey's lexer does not take as a blank (`\v`, `\f`...).
            return Diagnostic::new(
                &SETKEY_SYNTAX,
                file,
                span,
                "a character setkey does not read as a blank (only space, tab and newline are)",
            );
        }
        let at_span = Span::new(at, at + shown.len());
        let msg = if secret(at_span) {
            "this is not a setkey command".to_string()
        } else {
            format!("`{shown}` is not a setkey command")
        };
        let mut d = Diagnostic::new(&SETKEY_SYNTAX, file, at_span, msg);
        if let Some(best) = crate::syntax::closest(&word, COMMANDS) {
            d = d.with_help(format!("did you mean `{best}`?"));
            if !secret(at_span) && shown == word {
                d = d.with_fix(format!("Replace with `{best}`"), at_span, best);
            }
        } else if frag.trim_start().starts_with(['+', '-']) {
            d = d.with_help(
                "a leftover diff marker? setkey lines start with a command such as `spdadd`",
            );
        }
        return d;
    }
    let err = match SetkeyParser::parse(Rule::command_strict, frag) {
        Ok(_) => {
            return Diagnostic::new(
                &SETKEY_SYNTAX,
                file,
                span,
                "setkey does not accept this command",
            )
        }
        Err(e) => e,
    };
    let (pos, positives) = pest_failure(&err);
    let pos = pos + span.start();
    let expected = join_expected(positives.iter().map(|r| describe(*r)));
    let prev_end = prev_token_end(text, span.start(), pos);
    let at_end = text[pos.min(span.end())..span.end()]
        .trim()
        .trim_end_matches(';')
        .trim()
        .is_empty();
    let (fspan, ftok) = token_at(text, pos)
        .filter(|(s, _)| s.end <= span.end)
        .unwrap_or((Span::new(pos, pos), ""));
    let ftok = if secret(fspan) { "" } else { ftok };
    let policy_text = &text[span.start()..pos.min(span.end())];
    if positives.contains(&Rule::semi)
        && text[prev_end..pos.min(text.len())].contains('\n')
        && !at_end
    {
        let at = Span::new(prev_end, prev_end);
        let d = Diagnostic::new(
            &SETKEY_SYNTAX,
            file,
            at,
            "missing `;` at the end of this command",
        )
        .with_help(
            "setkey reports the next line; after `-P` it even reads the next lines into the policy",
        )
        .with_fix("Add the missing `;`", at, ";");
        return match where_setkey_notices(text, span, prev_end, policy_text) {
            Some(next) => d.with_related(file, next, "setkey reports the error here"),
            None => d,
        };
    }
    if positives.contains(&Rule::direction) {
        return Diagnostic::new(
            &SETKEY_SYNTAX,
            file,
            fspan,
            "the policy has no direction: write `-P in` or `-P out`",
        );
    }
    if ftok.starts_with('#') && policy_text.contains("-P") {
        let d = Diagnostic::new(
            &SETKEY_SYNTAX,
            file,
            fspan,
            "a `#` comment inside a policy breaks it: setkey reads everything after `-P` up to `;`",
        )
        .with_help("move the comment after the `;`");
        // The text after the comment is a second policy token: setkey
        // reports it where that token ends, at the `;`.
        let line_end = text[fspan.start()..]
            .find('\n')
            .map_or(text.len(), |i| fspan.start() + i);
        let semi = text[line_end..].find(';').map(|i| line_end + i);
        return match semi {
            Some(at) => {
                d.with_related(file, Span::new(at, at + 1), "setkey reports the error here")
            }
            None => d,
        };
    }
    let msg = if at_end && !expected.is_empty() {
        format!("this command is incomplete: expected {expected}")
    } else if expected.is_empty() && ftok.is_empty() {
        "setkey does not accept this here".to_string()
    } else if expected.is_empty() {
        format!("setkey does not accept `{ftok}` here")
    } else if ftok.is_empty() {
        format!("expected {expected} here")
    } else {
        format!("expected {expected}, found `{ftok}`")
    };
    let mut d = Diagnostic::new(&SETKEY_SYNTAX, file, fspan, msg);
    if positives.contains(&Rule::key)
        || (positives.contains(&Rule::semi)
            && ftok.chars().all(|c| c.is_ascii_alphanumeric())
            && policy_text.contains("-E"))
    {
        d = d.with_help("keys are written as \"quoted text\" or 0x hex digits");
    } else if ftok == "-E" && policy_text.contains("-A") {
        d = d.with_help("give the encryption algorithm first: `-E ealgo key -A aalgo key`");
    } else if let Some(best) =
        crate::syntax::closest_value(GRAMMAR, positives.iter().map(|r| format!("{r:?}")), ftok)
    {
        d = d.with_help(format!("did you mean `{best}`?"));
        // Only the misspelt word is replaced, not what is glued to it
        // (`tunel/192.0.2.1-...`).
        let word = ftok
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(ftok.len());
        if word > 0 {
            let at = Span::new(fspan.start(), fspan.start() + word);
            d = d.with_fix(format!("Replace with `{best}`"), at, best);
        }
    }
    d
}

/// Where setkey reports a command left without its `;`: at the next token,
/// or, after `-P`, at the line where the policy text it swallowed ends (the
/// policy lexer reads up to the next `;`).
fn where_setkey_notices(text: &str, span: Span, end: usize, before: &str) -> Option<Span> {
    if before.contains("-P") {
        let semi = text[end..].find(';').map(|i| end + i)?;
        return Some(Span::new(semi, semi + 1)).filter(|_| semi >= span.start());
    }
    crate::syntax::next_token(text, end)
}

/// The first CR setkey's lexer meets: `#.*` swallows the CRs of comment
/// lines, and a quoted string takes any byte but `"`.
fn first_cr_outside_comments(text: &str) -> Option<usize> {
    let (mut quoted, mut comment) = (false, false);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'\n' if !quoted => comment = false,
            _ if comment => {}
            b'"' => quoted = !quoted,
            _ if quoted => {}
            b'#' => comment = true,
            b'\r' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The first `_` setkey's lexer meets: not in a comment, a quoted string,
/// or the policy after `-P` (whose own lexer takes `_`).
fn underscore_outside_policy(frag: &str) -> Option<usize> {
    let (mut quoted, mut comment) = (false, false);
    for (i, c) in frag.char_indices() {
        match c {
            '\n' => comment = false,
            _ if comment => {}
            '"' => quoted = !quoted,
            _ if quoted => {}
            '#' => comment = true,
            '-' if frag[i..].starts_with("-P") => return None,
            '_' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The grammar's text, for the value lists did-you-mean draws from.
const GRAMMAR: &str = include_str!("../../grammar/setkey.pest");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_policies_and_sas() {
        let t = "flush;\nspdflush;\nspdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec\n\tesp/tunnel/192.0.2.1-198.51.100.1/require ;\nadd 192.0.2.1 198.51.100.1 esp 0x1000 -m tunnel -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 \"12345678901234567890\";\n";
        let p = parse(FileId(0), t);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(p.file.commands.len(), 4);
        let CommandKind::SpdAdd(pc) = &p.file.commands[2].kind else {
            panic!()
        };
        assert_eq!(pc.policy.direction.value, Direction::Out);
        assert_eq!(
            pc.policy.rules[0].level.as_ref().unwrap().value,
            Level::Require
        );
        let CommandKind::Add(sa) = &p.file.commands[3].kind else {
            panic!()
        };
        assert_eq!(
            sa.encryption.as_ref().unwrap().key.as_ref().unwrap().bits,
            128
        );
        assert_eq!(
            sa.authentication
                .as_ref()
                .unwrap()
                .key
                .as_ref()
                .unwrap()
                .bits,
            160
        );
        assert_eq!(p.secrets.len(), 2);
        assert!(!format!("{:?}", p.file).contains("12345678901234567890"));
    }

    #[test]
    fn recovers_per_command() {
        let t = "+flush;\nspdadd 10.1.0.0/24 10.2.0.0/24 any -P ipsec esp/transport//require;\nspdflush;\n";
        let p = parse(FileId(0), t);
        assert_eq!(p.diagnostics.len(), 2, "{:?}", p.diagnostics);
        assert_eq!(p.file.commands.len(), 1);
    }
}
