//! IPFilter ipf.conf (3.4 and 4.x/5.x) and a minimal ipnat.conf: pest
//! grammar (`grammar/ipf.pest`), typed tree with spans, version-aware loading
//! (3.4 skips a bad line and reads on; 4.x/5.x stop at the first error and
//! lose every later rule) and the syntax diagnostics IPS1301-IPS1303.
//! See ../shared/facts/ipf-grammar.md.

pub mod names;
pub mod nat;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::{register, rule};
use crate::source::{FileId, Span};
use crate::syntax::{join_expected, pest_failure, token_at, Spanned};
use pest::iterators::Pair;
use pest::Parser;
use std::net::IpAddr;

// The syntax rules this parser emits.

rule!(IPF_SYNTAX, "IPS1301", "ipf-syntax-error", Error,
    "An ipf.conf rule that IPFilter's parser rejects.",
    why: "IPFilter 3.4 (FreeBSD 4.x) reports the line and skips it: the rule is silently missing from the\n\
          running ruleset. IPFilter 4.x and 5.x stop at the first error, so this rule and every rule after it\n\
          are missing. Either way the firewall is not what the file says, and an ESP or IKE pass rule written\n\
          with ports on the wrong protocol never exists.",
    bad: "pass in quick on fxp0 proto esp from 198.51.100.1 port = 500 to any",
    good: "pass in quick on fxp0 proto esp from 198.51.100.1 to any\n\
           pass in quick on fxp0 proto udp from 198.51.100.1 port = 500 to any port = 500",
    log: Some("ipf: 1: port operation on non tcp/udp"));

rule!(IPF_LOAD_TRUNCATED, "IPS1302", "ipf-load-truncated", Error,
    "IPFilter 4.x/5.x stops loading at a syntax error: the rules after it are not active.",
    why: "rc.d/ipfilter runs `ipf -Fa -f /etc/ipf.rules`: the old rules are flushed first, then ipf's yacc\n\
          parser exits at the first error. The rules before the error are loaded, everything after it is not.\n\
          With IPFILTER_DEFAULT_BLOCK this typically locks out whatever the later rules allowed (IKE, ESP, ssh).",
    bad: "block in all\npass in quick proto udp from any to any port = 500 keep sate\npass in quick proto esp all",
    good: "block in all\npass in quick proto udp from any to any port = 500 keep state\npass in quick proto esp all",
    log: Some("ipf: syntax error at \"sate\", line 2"));

register![IPF_SYNTAX, IPF_LOAD_TRUNCATED];

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/ipf.pest"]
pub(crate) struct IpfParser;

/// Which IPFilter reads the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum IpfVersion {
    /// 3.4.x (FreeBSD 4.x): hand-written line parser, fixed keyword order.
    V3_4,
    /// 4.1.x (FreeBSD 5.3-9.x): yacc grammar.
    V4_1,
    /// 5.1.x (FreeBSD 10 and later).
    #[default]
    V5_1,
}

impl IpfVersion {
    /// `3.4`, `3.4.29`, `4`, `4.1`, `5`, `5.1.2`: the releases emulated, with
    /// any patch level. Other versions (`9.9`, `4.0`) are refused, not
    /// mapped to the nearest one.
    pub fn parse(s: &str) -> Option<IpfVersion> {
        let mut it = s.trim().trim_start_matches(['v', 'V']).split('.');
        let major: u32 = it.next()?.parse().ok()?;
        let (version, minor) = match major {
            3 => (IpfVersion::V3_4, 4),
            4 => (IpfVersion::V4_1, 1),
            5 => (IpfVersion::V5_1, 1),
            _ => return None,
        };
        let rest: Vec<&str> = it.collect();
        let numeric = rest.iter().all(|p| p.parse::<u32>().is_ok());
        match rest.first() {
            _ if !numeric || rest.len() > 2 => None,
            Some(m) if m.parse::<u32>() != Ok(minor) => None,
            _ => Some(version),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            IpfVersion::V3_4 => "IPFilter 3.4",
            IpfVersion::V4_1 => "IPFilter 4.1",
            IpfVersion::V5_1 => "IPFilter 5.1",
        }
    }
    pub fn is_v34(self) -> bool {
        self == IpfVersion::V3_4
    }
}

// ---------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

/// `block return-...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockReturn {
    Icmp(Option<u8>),
    IcmpAsDest(Option<u8>),
    Rst,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LogOptions {
    pub body: bool,
    pub first: bool,
    pub or_block: bool,
    pub level: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Block(Option<BlockReturn>),
    Pass,
    /// `log ...` as the action: logs, does not decide.
    Log(LogOptions),
    Count,
    Skip(u32),
    Auth {
        return_rst: bool,
    },
    Preauth,
    Call {
        now: bool,
        func: String,
    },
    Nomatch,
    Decapsulate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Inet,
    Inet6,
}

/// A protocol as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proto {
    /// `tcp/udp` or `tcp-udp`.
    TcpUdp,
    /// A number or a name with its number (`None`: unknown name).
    Number { text: String, number: Option<u8> },
}

impl Proto {
    pub fn number(&self) -> Option<u8> {
        match self {
            Proto::TcpUdp => None,
            Proto::Number { number, .. } => *number,
        }
    }
}

/// A netmask as written after `/` or `mask`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mask {
    Bits(u32),
    /// Dotted quad or 0x hex.
    Addr(u32),
    /// `broadcast`, `network`, `netmasked`, `peer` (interface addresses).
    Dynamic(String),
    Invalid(String),
}

/// A host as written; `ip` is its address when it is a literal or a name
/// known without DNS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    pub text: String,
    pub ip: Option<IpAddr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    Any,
    Host {
        host: Host,
        mask: Option<Mask>,
    },
    /// `{ a, b }` (5.x) or `( a, b )` (4.x): one rule per element.
    List(Vec<(bool, Addr)>),
    /// `pool/N`, `hash/N`: defined by ippool(8), not in this file.
    Pool {
        kind: String,
        name: String,
    },
    /// `pool = ( a, !b )`: an anonymous pool.
    InlinePool(Vec<(bool, Addr)>),
    /// `(fxp0)`, `(fxp0)/broadcast`: the interface's address.
    Interface {
        name: String,
        mask: Option<Mask>,
    },
}

/// A port number or service name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortNum {
    pub text: String,
    /// `None`: a service name not known here.
    pub value: Option<u16>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeOp {
    /// `a <> b`: port < a or port > b.
    Outside,
    /// `a >< b`: a < port < b.
    Inside,
    /// `a:b` (4.x/5.x): a <= port <= b.
    Inclusive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortSpec {
    Cmp(PortOp, PortNum),
    Range(PortNum, RangeOp, PortNum),
    /// `port = { a, b }`: one rule per element.
    List(Vec<PortNum>),
}

/// One side of `from ... to ...`.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub span: Span,
    pub negated: bool,
    /// `None`: only a port (`from port = 53`, 4.x).
    pub addr: Option<Spanned<Addr>>,
    pub port: Option<Spanned<PortSpec>>,
}

/// `flags X/Y`: `None` parts were not written; `bad` names a character that
/// is no flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpFlags {
    pub set: Option<u8>,
    pub mask: Option<u8>,
    pub numeric: bool,
    pub bad: Option<char>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcmpSpec {
    /// Types as written with their number (`None`: unknown name).
    pub types: Vec<(String, Option<u8>)>,
    pub codes: Vec<(String, Option<u8>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WithKind {
    /// `ipopts`, `short`, `frag`, `nat`, `oow`, ...
    Flag(String),
    /// `opt lsrr,ssrr`, with `sec-class a,b`.
    Opts {
        opts: Vec<String>,
        sec_classes: Vec<String>,
    },
    V6Hdrs(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithOpt {
    pub negated: bool,
    pub kind: WithKind,
}

/// `keep state (limit 10, strict, ...)`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct KeepState {
    pub options: Vec<(String, Option<String>)>,
}

impl KeepState {
    pub fn limit(&self) -> Option<u32> {
        self.options
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("limit"))
            .and_then(|(_, v)| v.as_deref())
            .and_then(parse_c_number)
            .map(|v| v as u32)
    }
}

/// `dup-to`, `to`, `reply-to` target: an interface and an optional address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTarget {
    pub iface: String,
    pub addr: Option<String>,
}

/// What a piece of a rule is, for the 3.4 order check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Clause {
    Log,
    Quick,
    On,
    DupTo,
    RouteTo,
    Via,
    ReplyTo,
    Family,
    Tos,
    Ttl,
    Proto,
    Ip,
    Flags,
    With,
    Icmp,
    Keep,
    Head,
    Group,
    Tag,
    Other,
}

/// One ipf rule.
#[derive(Clone, Debug)]
pub struct IpfRule {
    pub span: Span,
    /// The rule as written, blanks collapsed (variables expanded).
    pub text: String,
    /// Whether IPFilter loads it (3.4: the line was accepted; 4.x/5.x: no
    /// error before it in the file).
    pub loaded: bool,
    pub insert: Option<Spanned<u32>>,
    pub action: Spanned<Action>,
    pub dir: Spanned<Direction>,
    pub log: Option<Spanned<LogOptions>>,
    pub quick: Option<Span>,
    pub on: Vec<Spanned<String>>,
    pub via: Vec<Spanned<String>>,
    pub dup_to: Option<Spanned<RouteTarget>>,
    pub fastroute: Option<Span>,
    pub route_to: Option<Spanned<RouteTarget>>,
    pub reply_to: Option<Spanned<RouteTarget>>,
    pub family: Option<Spanned<Family>>,
    pub tos: Vec<Spanned<u32>>,
    pub ttl: Vec<Spanned<u32>>,
    pub protos: Vec<Spanned<Proto>>,
    pub all: Option<Span>,
    pub from: Option<Endpoint>,
    pub to: Option<Endpoint>,
    pub bpf: Option<Span>,
    pub flags: Option<Spanned<TcpFlags>>,
    pub icmp: Option<Spanned<IcmpSpec>>,
    pub with: Vec<Spanned<WithOpt>>,
    pub keep_state: Option<Spanned<KeepState>>,
    pub keep_frags: Option<Span>,
    /// `keep frags (strict)`.
    pub keep_frags_strict: bool,
    pub state_age: Option<Spanned<(u32, u32)>>,
    pub head: Option<Spanned<String>>,
    pub group: Option<Spanned<String>>,
    /// set-tag, match-tag, pps, age, rule-ttl, comment: kept as written.
    pub extras: Vec<Spanned<String>>,
    /// Clauses in the order written.
    pub clauses: Vec<(Clause, Span)>,
}

impl IpfRule {
    /// The protocol when exactly one number is given.
    pub fn proto_number(&self) -> Option<u8> {
        match self.protos.as_slice() {
            [p] => p.value.number(),
            _ => None,
        }
    }
    pub fn is_tcpudp(&self) -> bool {
        self.protos.iter().any(|p| p.value == Proto::TcpUdp)
    }
    pub fn has_ports(&self) -> bool {
        self.from.as_ref().is_some_and(|e| e.port.is_some())
            || self.to.as_ref().is_some_and(|e| e.port.is_some())
    }
    pub fn is_quick(&self) -> bool {
        self.quick.is_some()
    }
    /// Whether the rule names IPsec traffic: ESP, AH, IP-in-IP, or UDP/TCP
    /// ports 500 or 4500.
    pub fn is_ipsec(&self) -> bool {
        let ports = |e: &Option<Endpoint>| {
            e.as_ref().and_then(|e| e.port.as_ref()).is_some_and(|p| {
                let nums: Vec<&PortNum> = match &p.value {
                    PortSpec::Cmp(_, n) => vec![n],
                    PortSpec::Range(a, _, b) => vec![a, b],
                    PortSpec::List(v) => v.iter().collect(),
                };
                nums.iter().any(|n| {
                    matches!(n.value, Some(500 | 4500))
                        || ["isakmp", "ipsec-nat-t"].contains(&n.text.to_ascii_lowercase().as_str())
                })
            })
        };
        self.protos
            .iter()
            .any(|p| matches!(p.value.number(), Some(4 | 50 | 51)))
            || ports(&self.from)
            || ports(&self.to)
    }
}

/// `name = "value";` (4.x/5.x).
#[derive(Clone, Debug)]
pub struct Assignment {
    pub span: Span,
    pub name: Spanned<String>,
    pub value: String,
}

/// A statement IPFilter could not read.
#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// Where loading stopped (4.x/5.x) and what was lost.
#[derive(Clone, Debug)]
pub struct Truncation {
    pub error: Span,
    /// Indices in [`IpfFile::rules`] of rules after the error (not loaded).
    pub lost: Vec<usize>,
    /// Spans of later statements that did not parse at all.
    pub lost_unparsed: usize,
}

#[derive(Clone, Debug, Default)]
pub struct IpfFile {
    pub version: IpfVersion,
    pub rules: Vec<IpfRule>,
    pub assignments: Vec<Assignment>,
    pub errors: Vec<SyntaxError>,
    pub truncation: Option<Truncation>,
}

impl IpfFile {
    /// The rules IPFilter loads, in file order.
    pub fn loaded(&self) -> impl Iterator<Item = &IpfRule> {
        self.rules.iter().filter(|r| r.loaded)
    }
}

#[derive(Debug)]
pub struct Parsed {
    pub file: IpfFile,
    pub diagnostics: Vec<Diagnostic>,
}

// ---------------------------------------------------------------------------
// Regions: a statement's text with a map back to file offsets
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Seg {
    exp: (usize, usize),
    orig: (usize, usize),
    literal: bool,
}

/// The text handed to pest and where each byte came from.
#[derive(Clone, Debug)]
pub(crate) struct Region {
    pub(crate) text: String,
    segs: Vec<Seg>,
}

impl Region {
    pub(crate) fn literal(text: &str, base: usize) -> Region {
        Region {
            text: text.to_string(),
            segs: vec![Seg {
                exp: (0, text.len()),
                orig: (base, base + text.len()),
                literal: true,
            }],
        }
    }

    fn pos(&self, p: usize, end: bool) -> usize {
        for s in &self.segs {
            if p >= s.exp.0 && (p < s.exp.1 || (end && p == s.exp.1)) {
                return if s.literal {
                    s.orig.0 + (p - s.exp.0)
                } else if end {
                    s.orig.1
                } else {
                    s.orig.0
                };
            }
        }
        self.segs.last().map_or(0, |s| s.orig.1)
    }

    pub(crate) fn span(&self, s: pest::Span<'_>) -> Span {
        Span::new(self.pos(s.start(), false), self.pos(s.end(), true))
    }

    pub(crate) fn range(&self, start: usize, end: usize) -> Span {
        Span::new(self.pos(start, false), self.pos(end, true))
    }
}

/// Collapse blanks (and `\`-newlines) into single spaces.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let blank = c.is_whitespace() || (c == '\\' && matches!(chars.peek(), Some('\n' | '\r')));
        if blank {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A C `strtol(s, NULL, 0)`-style number: decimal, 0x hex or 0 octal.
pub fn parse_c_number(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// `inet_aton`: `a.b.c.d`, `a.b.c`, `a.b`, `a`, each part decimal, octal or
/// hex.
pub fn inet_aton(s: &str) -> Option<u32> {
    if s.is_empty() || s.ends_with('.') {
        return None;
    }
    let parts: Vec<u64> = s
        .split('.')
        .map(|p| {
            if p.is_empty() {
                None
            } else {
                parse_c_number(p)
            }
        })
        .collect::<Option<Vec<_>>>()?;
    let v = match parts.as_slice() {
        [a] if *a <= 0xffff_ffff => *a,
        [a, b] if *a <= 255 && *b <= 0xff_ffff => (a << 24) | b,
        [a, b, c] if *a <= 255 && *b <= 255 && *c <= 0xffff => (a << 24) | (b << 16) | c,
        [a, b, c, d] if *a <= 255 && *b <= 255 && *c <= 255 && *d <= 255 => {
            (a << 24) | (b << 16) | (c << 8) | d
        }
        _ => return None,
    };
    Some(v as u32)
}

/// A host's address when it is a literal or a built-in name.
pub fn resolve_host(text: &str, version: IpfVersion) -> Option<IpAddr> {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        if let Some(v) = inet_aton(text) {
            return Some(IpAddr::V4(v.into()));
        }
    }
    if text.contains(':') {
        if let Ok(v6) = text.parse::<std::net::Ipv6Addr>() {
            return Some(IpAddr::V6(v6));
        }
    }
    names::builtin_host(text, version.is_v34()).map(IpAddr::V4)
}

// ---------------------------------------------------------------------------
// Splitting a file into statements
// ---------------------------------------------------------------------------

/// 3.4: one rule per line; a line ending in `\` continues; `#` and CR end
/// the (joined) line. Returns (start, end) byte ranges of non-blank lines.
fn split34(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        // Join physical lines ending in a backslash.
        let mut end;
        loop {
            let nl = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            end = nl;
            if nl < bytes.len() && nl > i && bytes[nl - 1] == b'\\' {
                i = nl + 1;
                continue;
            }
            i = (nl + 1).min(bytes.len().max(nl + 1));
            break;
        }
        let mut cut = end;
        if let Some(h) = text[start..end].find(['#', '\r']) {
            cut = start + h;
        }
        if !text[start..cut].trim().is_empty() {
            out.push((start, cut));
        }
    }
    out
}

const ACTION_WORDS: &[&str] = &[
    "block",
    "pass",
    "count",
    "skip",
    "auth",
    "preauth",
    "call",
    "nomatch",
    "decapsulate",
    "log",
];

/// Words that show a 4.x rule has left its option phase (after which `log`
/// at the start of a line begins a new rule).
const PAST_OPTIONS: &[&str] = &[
    "all",
    "from",
    "to",
    "proto",
    "tos",
    "ttl",
    "family",
    "inet",
    "inet6",
    "with",
    "and",
    "keep",
    "head",
    "group",
    "flags",
    "icmp-type",
    "port",
];

/// 4.x/5.x: split at `;` and at lines that begin a new statement (an action
/// word, `@N`, `name =`, `set`). Comments and quotes are skipped.
fn split4(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut cur: Option<usize> = None;
    let mut cur_end = 0usize;
    let mut line_start = true;
    let mut past_options = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\\' if matches!(bytes.get(i + 1), Some(b'\n')) => {
                i += 2;
                continue;
            }
            b'\\'
                if matches!(bytes.get(i + 1), Some(b'\r'))
                    && matches!(bytes.get(i + 2), Some(b'\n')) =>
            {
                i += 3;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        // A token starts at i.
        let tok_start = i;
        let tok_end = if c == b'"' || c == b'\'' {
            text[i + 1..]
                .find(c as char)
                .map_or(bytes.len(), |n| i + 1 + n + 1)
        } else if c == b';' {
            i + 1
        } else {
            let mut j = i;
            while j < bytes.len() && !matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'#')
            {
                j += 1;
            }
            j.max(i + 1)
        };
        let tok = &text[tok_start..tok_end];
        let lower = tok.to_ascii_lowercase();
        let word = lower.trim_end_matches(['(', ')', ',']);
        let mut starts = false;
        if line_start {
            if word.starts_with('@')
                && word[1..].chars().all(|c| c.is_ascii_digit())
                && word.len() > 1
            {
                starts = true;
            } else if ACTION_WORDS.contains(&word) {
                starts = !(word == "log" && cur.is_some() && !past_options);
            } else if word == "set" || is_assignment_start(text, tok_start) {
                starts = true;
            }
        }
        if starts {
            if let Some(s) = cur.take() {
                out.push((s, cur_end));
            }
            past_options = false;
        }
        if cur.is_none() {
            cur = Some(tok_start);
        }
        if PAST_OPTIONS.contains(&word) {
            past_options = true;
        }
        cur_end = tok_end;
        line_start = false;
        i = tok_end;
        if c == b';' {
            if let Some(s) = cur.take() {
                out.push((s, cur_end));
            }
            past_options = false;
        }
    }
    if let Some(s) = cur {
        out.push((s, cur_end));
    }
    out
}

/// `name =` (a variable assignment) at `pos`.
fn is_assignment_start(text: &str, pos: usize) -> bool {
    let rest = &text[pos..];
    let name_len = rest
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
        .count();
    if name_len == 0 {
        return false;
    }
    rest[name_len..]
        .trim_start_matches([' ', '\t'])
        .starts_with('=')
}

/// The longest text a statement expands to, and the most a file expands to
/// in all: `a1="$a0$a0$a0"`, `a2="$a1$a1$a1"`... grows without end.
const MAX_EXPANDED_STATEMENT: usize = 64 << 10;
const MAX_EXPANDED_FILE: usize = 64 << 20;

/// Why a variable has no value.
enum Unset {
    Unknown,
    /// Too deep or too long to expand.
    TooMuch,
}

/// Expand `$name` and `${name}` (4.x/5.x). Unknown variables are reported.
/// `budget` is what the file may still expand to.
fn expand(
    text: &str,
    base: usize,
    vars: &[(String, String)],
    errors: &mut Vec<(Span, String)>,
    budget: &mut usize,
) -> Region {
    let mut out = String::new();
    let mut segs = Vec::new();
    let bytes = text.as_bytes();
    let mut lit_start = 0;
    let mut i = 0;
    let mut in_comment = false;
    let mut unclosed = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_comment {
            if c == b'\n' {
                in_comment = false;
            }
            i += 1;
            continue;
        }
        if c == b'#' {
            in_comment = true;
            i += 1;
            continue;
        }
        if c != b'$' {
            i += 1;
            continue;
        }
        let (name, end) = if bytes.get(i + 1) == Some(&b'{') {
            // Once a `${` has no `}`, none after it has one: do not search again.
            let close = if unclosed {
                None
            } else {
                text[i + 2..].find('}')
            };
            match close {
                Some(n) => (&text[i + 2..i + 2 + n], i + 2 + n + 1),
                None => {
                    unclosed = true;
                    errors.push((
                        Span::new(base + i, base + text.len()),
                        "`${` without `}`".into(),
                    ));
                    i += 1;
                    continue;
                }
            }
        } else {
            let n = text[i + 1..]
                .char_indices()
                .take_while(|(k, ch)| {
                    ch.is_ascii_alphabetic() || (*k > 0 && (ch.is_ascii_digit() || *ch == '_'))
                })
                .count();
            if n == 0 {
                i += 1;
                continue;
            }
            (&text[i + 1..i + 1 + n], i + 1 + n)
        };
        // Flush the literal part.
        if i > lit_start {
            segs.push(Seg {
                exp: (out.len(), out.len() + (i - lit_start)),
                orig: (base + lit_start, base + i),
                literal: true,
            });
            out.push_str(&text[lit_start..i]);
        }
        let value = lookup(name, vars, 0).and_then(|v| {
            if out.len() + v.len() > MAX_EXPANDED_STATEMENT || v.len() > *budget {
                Err(Unset::TooMuch)
            } else {
                *budget -= v.len();
                Ok(v)
            }
        });
        match value {
            Ok(v) => {
                segs.push(Seg {
                    exp: (out.len(), out.len() + v.len()),
                    orig: (base + i, base + end),
                    literal: false,
                });
                out.push_str(&v);
            }
            Err(why) => {
                errors.push((
                    Span::new(base + i, base + end),
                    match why {
                        Unset::Unknown => format!("unknown variable `{name}`"),
                        Unset::TooMuch => format!(
                            "variable `{name}` expands to too much text (more than {} KiB in one statement or {} MiB in the file): not expanded",
                            MAX_EXPANDED_STATEMENT >> 10,
                            MAX_EXPANDED_FILE >> 20
                        ),
                    },
                ));
                segs.push(Seg {
                    exp: (out.len(), out.len() + (end - i)),
                    orig: (base + i, base + end),
                    literal: true,
                });
                out.push_str(&text[i..end]);
            }
        }
        i = end;
        lit_start = end;
    }
    if lit_start < text.len() || segs.is_empty() {
        segs.push(Seg {
            exp: (out.len(), out.len() + (text.len() - lit_start)),
            orig: (base + lit_start, base + text.len()),
            literal: true,
        });
        out.push_str(&text[lit_start..]);
    }
    Region { text: out, segs }
}

/// A variable's value with the variables in it expanded (4.x expands when
/// the value is used).
fn lookup(name: &str, vars: &[(String, String)], depth: usize) -> Result<String, Unset> {
    if depth > 16 {
        return Err(Unset::TooMuch);
    }
    let v = vars
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .ok_or(Unset::Unknown)?
        .1
        .clone();
    if !v.contains('$') {
        return Ok(v);
    }
    let mut out = String::new();
    let mut rest = v.as_str();
    while let Some(p) = rest.find('$') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let (n, len) = if let Some(b) = after.strip_prefix('{') {
            let e = b.find('}').ok_or(Unset::Unknown)?;
            (&b[..e], e + 2)
        } else {
            let k = after
                .char_indices()
                .take_while(|(i, c)| {
                    c.is_ascii_alphabetic() || (*i > 0 && (c.is_ascii_digit() || *c == '_'))
                })
                .count();
            (&after[..k], k)
        };
        if n.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(&lookup(n, vars, depth + 1)?);
        if out.len() > MAX_EXPANDED_STATEMENT {
            return Err(Unset::TooMuch);
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    Ok(out)
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// Parse an ipf.conf as `version` reads it. Never fails: what IPFilter would
/// reject becomes a diagnostic and (4.x/5.x) marks the later rules as lost.
pub fn parse(file: FileId, text: &str, version: IpfVersion) -> Parsed {
    let mut out = IpfFile {
        version,
        ..Default::default()
    };
    let mut diags = Vec::new();
    if version.is_v34() {
        for (s, e) in split34(text) {
            let region = Region::literal(&text[s..e], s);
            match IpfParser::parse(Rule::stmt34, &region.text) {
                Ok(mut pairs) => {
                    let stmt = pairs.next().expect("stmt34");
                    for p in stmt.into_inner() {
                        if p.as_rule() == Rule::rule {
                            let mut r = lower_rule(p, &region, version);
                            let problems = validate(&r, version);
                            if let Some((span, msg)) = problems.into_iter().next() {
                                r.loaded = false;
                                push_error(&mut out, &mut diags, file, span, msg, None);
                            }
                            out.rules.push(r);
                        }
                    }
                }
                Err(e) => {
                    let (span, msg, help) = explain(&region, &e, version);
                    push_error(&mut out, &mut diags, file, span, msg, help);
                }
            }
        }
        return Parsed {
            file: out,
            diagnostics: diags,
        };
    }

    // 4.x/5.x
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut budget = MAX_EXPANDED_FILE;
    let mut stopped: Option<Span> = None;
    let mut lost_unparsed = 0usize;
    for (s, e) in split4(text) {
        let mut var_errors = Vec::new();
        let region = expand(&text[s..e], s, &vars, &mut var_errors, &mut budget);
        let before = out.rules.len();
        let mut error: Option<(Span, String, Option<String>)> =
            var_errors.into_iter().next().map(|(sp, m)| (sp, m, None));
        match IpfParser::parse(Rule::stmt4, &region.text) {
            Ok(mut pairs) => {
                let stmt = pairs.next().expect("stmt4");
                for p in stmt.into_inner() {
                    match p.as_rule() {
                        Rule::rule => {
                            let mut r = lower_rule(p, &region, version);
                            r.loaded = stopped.is_none() && error.is_none();
                            if error.is_none() && stopped.is_none() {
                                if let Some((span, msg)) = validate(&r, version).into_iter().next()
                                {
                                    r.loaded = false;
                                    error = Some((span, msg, None));
                                }
                            }
                            out.rules.push(r);
                        }
                        Rule::assign => {
                            let a = lower_assign(p, &region);
                            if stopped.is_none() {
                                vars.push((a.name.value.clone(), a.value.clone()));
                            }
                            out.assignments.push(a);
                        }
                        _ => {}
                    }
                }
            }
            Err(e) => {
                // Rules before the error in this statement still load (yacc
                // adds each rule once it is complete).
                let (pos, _) = pest_failure(&e);
                if let Ok(mut pairs) = IpfParser::parse(Rule::rule_prefix4, &region.text) {
                    let stmt = pairs.next().expect("prefix");
                    for p in stmt.into_inner() {
                        if p.as_rule() != Rule::rule {
                            continue;
                        }
                        let end = p.as_span().start() + trimmed_len(p.as_str());
                        let complete = end <= pos && starts_statement(&region.text[end..]);
                        let mut r = lower_rule(p, &region, version);
                        r.loaded = stopped.is_none() && error.is_none() && complete;
                        if !complete {
                            continue;
                        }
                        if r.loaded {
                            if let Some((span, msg)) = validate(&r, version).into_iter().next() {
                                r.loaded = false;
                                error = Some((span, msg, None));
                            }
                        }
                        out.rules.push(r);
                    }
                }
                if error.is_none() {
                    error = Some(explain(&region, &e, version));
                }
                if stopped.is_some() {
                    lost_unparsed += 1;
                }
            }
        }
        if let Some((span, msg, help)) = error {
            if stopped.is_none() {
                push_error(&mut out, &mut diags, file, span, msg, help);
                stopped = Some(span);
                for r in &mut out.rules[before..] {
                    if r.span.start >= span.start {
                        r.loaded = false;
                    }
                }
            } else {
                lost_unparsed += usize::from(out.rules.len() == before);
            }
        }
    }
    if let Some(at) = stopped {
        let lost: Vec<usize> = out
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.loaded && r.span.start >= at.start)
            .map(|(i, _)| i)
            .collect();
        if !lost.is_empty() || lost_unparsed > 0 {
            let n = lost.len();
            let ipsec = lost.iter().filter(|i| out.rules[**i].is_ipsec()).count();
            let what = if n == 0 {
                "the rest of the file is not read".to_string()
            } else {
                format!(
                    "{} later rule{} {} not loaded{}",
                    n,
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    match ipsec {
                        0 => String::new(),
                        1 => ", including 1 rule for IKE, ESP or AH".to_string(),
                        k => format!(", including {k} rules for IKE, ESP or AH"),
                    }
                )
            };
            let mut d = Diagnostic::new(
                &IPF_LOAD_TRUNCATED,
                file,
                at,
                format!("{} stops loading at this error: {what}", version.label()),
            )
            .with_help("rc.d runs `ipf -Fa -f` (flush, then load): only the rules before the error are active");
            if let Some(first) = lost.first() {
                d = d.with_related(
                    file,
                    out.rules[*first].span,
                    "the first rule that is not loaded",
                );
            }
            diags.push(d);
        }
        out.truncation = Some(Truncation {
            error: at,
            lost,
            lost_unparsed,
        });
    }
    Parsed {
        file: out,
        diagnostics: diags,
    }
}

fn push_error(
    out: &mut IpfFile,
    diags: &mut Vec<Diagnostic>,
    file: FileId,
    span: Span,
    msg: String,
    help: Option<String>,
) {
    out.errors.push(SyntaxError {
        span,
        message: msg.clone(),
    });
    let mut d = Diagnostic::new(&IPF_SYNTAX, file, span, msg);
    if let Some(h) = help {
        d = d.with_help(h);
    }
    diags.push(d);
}

/// Whether `rest` (after a complete rule) begins something yacc accepts as
/// the next statement.
fn starts_statement(rest: &str) -> bool {
    let t = rest.trim_start();
    if t.is_empty() || t.starts_with(';') || t.starts_with('#') {
        return true;
    }
    if IpfParser::parse(Rule::rule_start, t).is_ok() {
        return true;
    }
    // A word that is no keyword may begin an assignment (keywords are
    // tokens of their own and cannot).
    let word: String = t
        .chars()
        .take_while(|c| !c.is_whitespace() && !"=,/;{}()".contains(*c))
        .collect();
    t.starts_with(|c: char| c.is_ascii_alphabetic())
        && !IPF_WORDS.contains(&word.to_ascii_lowercase().as_str())
}

/// ipf 4.x's keyword table (`ipfwords`).
const IPF_WORDS: &[&str] = &[
    "age",
    "ah",
    "all",
    "and",
    "auth",
    "bad",
    "bad-nat",
    "bad-src",
    "bcast",
    "block",
    "body",
    "bpf-v4",
    "bpf-v6",
    "call",
    "code",
    "count",
    "dup-to",
    "eq",
    "esp",
    "fastroute",
    "first",
    "flags",
    "frag",
    "frag-body",
    "frags",
    "from",
    "ge",
    "group",
    "gt",
    "head",
    "icmp",
    "icmp-type",
    "in",
    "in-via",
    "ipopt",
    "ipopts",
    "keep",
    "le",
    "level",
    "limit",
    "log",
    "lowttl",
    "lt",
    "mask",
    "match-tag",
    "mbcast",
    "mcast",
    "multicast",
    "nat",
    "ne",
    "net",
    "newisn",
    "no",
    "no-icmp-err",
    "now",
    "not",
    "oow",
    "on",
    "opt",
    "or-block",
    "out",
    "out-via",
    "pass",
    "port",
    "pps",
    "preauth",
    "proto",
    "quick",
    "reply-to",
    "return-icmp",
    "return-icmp-as-dest",
    "return-rst",
    "route-to",
    "sec-class",
    "set-tag",
    "skip",
    "short",
    "state",
    "state-age",
    "strict",
    "sync",
    "tcp",
    "tcp-udp",
    "tos",
    "to",
    "ttl",
    "udp",
    "v6hdrs",
    "with",
    "family",
    "inet",
    "inet6",
    "decapsulate",
    "nomatch",
    "rule-ttl",
    "comment",
    "any",
    "pool",
    "hash",
];

fn lower_assign(p: Pair<'_, Rule>, region: &Region) -> Assignment {
    let span = region.span(p.as_span());
    let mut name = Spanned::new(String::new(), span);
    let mut value = String::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::var_name => name = Spanned::new(c.as_str().to_string(), region.span(c.as_span())),
            Rule::var_value => {
                let t = c.as_str();
                value = t
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .or_else(|| t.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                    .unwrap_or(t)
                    .to_string();
            }
            _ => {}
        }
    }
    Assignment { span, name, value }
}

// ---------------------------------------------------------------------------
// Lowering pest pairs to the tree
// ---------------------------------------------------------------------------

/// Length of `s` without trailing blanks and comments.
fn trimmed_len(s: &str) -> usize {
    let mut end = 0;
    let mut in_comment = false;
    for (i, c) in s.char_indices() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
        } else if c == '#' {
            in_comment = true;
        } else if !(c.is_whitespace() || c == '\\' && s[i + 1..].starts_with(['\n', '\r'])) {
            end = i + c.len_utf8();
        }
    }
    end
}

fn lower_rule(p: Pair<'_, Rule>, region: &Region, version: IpfVersion) -> IpfRule {
    let start = p.as_span().start();
    let span = region.range(start, start + trimmed_len(p.as_str()));
    let text = collapse(strip_comments(p.as_str()).as_str());
    let mut r = IpfRule {
        span,
        text,
        loaded: true,
        insert: None,
        action: Spanned::new(Action::Pass, span),
        dir: Spanned::new(Direction::In, span),
        log: None,
        quick: None,
        on: Vec::new(),
        via: Vec::new(),
        dup_to: None,
        fastroute: None,
        route_to: None,
        reply_to: None,
        family: None,
        tos: Vec::new(),
        ttl: Vec::new(),
        protos: Vec::new(),
        all: None,
        from: None,
        to: None,
        bpf: None,
        flags: None,
        icmp: None,
        with: Vec::new(),
        keep_state: None,
        keep_frags: None,
        keep_frags_strict: false,
        state_age: None,
        head: None,
        group: None,
        extras: Vec::new(),
        clauses: Vec::new(),
    };
    for c in p.into_inner() {
        let cs = region.span(c.as_span());
        match c.as_rule() {
            Rule::insert => {
                let n = c.as_str()[1..].trim().parse().unwrap_or(u32::MAX);
                r.insert = Some(Spanned::new(n, cs));
            }
            Rule::action => r.action = Spanned::new(lower_action(c), cs),
            Rule::direction => {
                let d = if c.as_str().eq_ignore_ascii_case("in") {
                    Direction::In
                } else {
                    Direction::Out
                };
                r.dir = Spanned::new(d, cs);
            }
            Rule::rule_opt => {
                let o = c.into_inner().next().expect("rule_opt");
                lower_opt(o, region, &mut r);
            }
            Rule::family => {
                let f = if c.as_str().to_ascii_lowercase().contains("inet6") {
                    Family::Inet6
                } else {
                    Family::Inet
                };
                r.family = Some(Spanned::new(f, cs));
                r.clauses.push((Clause::Family, cs));
            }
            Rule::tos | Rule::ttl => {
                let is_tos = c.as_rule() == Rule::tos;
                let mut v = Vec::new();
                for n in c.into_inner() {
                    match n.as_rule() {
                        Rule::num => v.push(num_of(&n, region)),
                        Rule::num_list => {
                            for m in n.into_inner() {
                                v.push(num_of(&m, region));
                            }
                        }
                        _ => {}
                    }
                }
                if is_tos {
                    r.tos = v;
                    r.clauses.push((Clause::Tos, cs));
                } else {
                    r.ttl = v;
                    r.clauses.push((Clause::Ttl, cs));
                }
            }
            Rule::proto => {
                for n in c.into_inner() {
                    match n.as_rule() {
                        Rule::proto_name => r.protos.push(proto_of(&n, region)),
                        Rule::proto_list => {
                            for m in n.into_inner() {
                                r.protos.push(proto_of(&m, region));
                            }
                        }
                        _ => {}
                    }
                }
                r.clauses.push((Clause::Proto, cs));
            }
            Rule::ip_part => {
                let inner = c.into_inner().next().expect("ip_part");
                match inner.as_rule() {
                    Rule::k_all => r.all = Some(cs),
                    Rule::bpf => r.bpf = Some(cs),
                    _ => {
                        for part in inner.into_inner() {
                            let is_from = part.as_rule() == Rule::from_part;
                            let ep = part
                                .into_inner()
                                .find(|x| x.as_rule() == Rule::endpoint)
                                .map(|x| lower_endpoint(x, region, version));
                            if is_from {
                                r.from = ep;
                            } else {
                                r.to = ep;
                            }
                        }
                    }
                }
                r.clauses.push((Clause::Ip, cs));
            }
            Rule::tail => {
                let t = c.into_inner().next().expect("tail");
                lower_tail(t, region, &mut r);
            }
            _ => {}
        }
    }
    r
}

fn strip_comments(s: &str) -> String {
    s.lines()
        .map(|l| l.find('#').map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn num_of(p: &Pair<'_, Rule>, region: &Region) -> Spanned<u32> {
    let v = parse_c_number(p.as_str()).map_or(u32::MAX, |v| v.min(u32::MAX as u64) as u32);
    Spanned::new(v, region.span(p.as_span()))
}

fn proto_of(p: &Pair<'_, Rule>, region: &Region) -> Spanned<Proto> {
    let t = p.as_str();
    let lower = t.to_ascii_lowercase();
    let v = if lower == "tcp/udp" || lower == "tcp-udp" {
        Proto::TcpUdp
    } else if t.chars().all(|c| c.is_ascii_digit()) || (lower.starts_with("0x") && lower.len() > 2)
    {
        Proto::Number {
            text: t.to_string(),
            number: parse_c_number(t).and_then(|v| u8::try_from(v).ok()),
        }
    } else {
        Proto::Number {
            text: t.to_string(),
            number: names::protocol(t),
        }
    };
    Spanned::new(v, region.span(p.as_span()))
}

fn lower_action(p: Pair<'_, Rule>) -> Action {
    let inner = p.into_inner().next().expect("action");
    match inner.as_rule() {
        Rule::block => {
            let ret = inner
                .into_inner()
                .find(|x| x.as_rule() == Rule::block_return)
                .map(|b| {
                    let mut kind = None;
                    let mut code = None;
                    for x in b.into_inner() {
                        match x.as_rule() {
                            Rule::k_return_icmp => kind = Some(0),
                            Rule::k_return_icmp_as_dest => kind = Some(1),
                            Rule::k_return_rst => kind = Some(2),
                            Rule::return_code => {
                                let t = x.into_inner().next().map(|c| c.as_str().to_string());
                                code = t.map(|t| {
                                    if t.chars().all(|c| c.is_ascii_digit()) {
                                        t.parse::<u32>().ok().and_then(|v| u8::try_from(v).ok())
                                    } else {
                                        names::icmp_code(&t)
                                    }
                                });
                            }
                            _ => {}
                        }
                    }
                    // An unknown code is kept as 255 (reported by validate).
                    let code = code.map(|c| c.unwrap_or(255));
                    match kind {
                        Some(0) => BlockReturn::Icmp(code),
                        Some(1) => BlockReturn::IcmpAsDest(code),
                        _ => BlockReturn::Rst,
                    }
                });
            Action::Block(ret)
        }
        Rule::k_pass => Action::Pass,
        Rule::log_action => Action::Log(log_options(inner)),
        Rule::k_count => Action::Count,
        Rule::skip => {
            let n = inner
                .into_inner()
                .find(|x| x.as_rule() == Rule::number)
                .and_then(|x| x.as_str().parse().ok())
                .unwrap_or(u32::MAX);
            Action::Skip(n)
        }
        Rule::auth => Action::Auth {
            return_rst: inner
                .into_inner()
                .any(|x| x.as_rule() == Rule::k_return_rst),
        },
        Rule::k_preauth => Action::Preauth,
        Rule::call => {
            let mut now = false;
            let mut func = String::new();
            for x in inner.into_inner() {
                match x.as_rule() {
                    Rule::k_now => now = true,
                    Rule::func => func = x.as_str().to_string(),
                    _ => {}
                }
            }
            Action::Call { now, func }
        }
        Rule::k_nomatch => Action::Nomatch,
        _ => Action::Decapsulate,
    }
}

fn log_options(p: Pair<'_, Rule>) -> LogOptions {
    let mut o = LogOptions::default();
    for x in p.into_inner() {
        if x.as_rule() != Rule::log_option {
            continue;
        }
        let y = x.into_inner().next().expect("log_option");
        match y.as_rule() {
            Rule::k_body => o.body = true,
            Rule::k_first => o.first = true,
            Rule::k_or_block => o.or_block = true,
            Rule::log_level => {
                o.level = y
                    .into_inner()
                    .find(|z| z.as_rule() == Rule::level_name)
                    .map(|z| z.as_str().to_string())
            }
            _ => {}
        }
    }
    o
}

fn route_target(p: Pair<'_, Rule>, region: &Region) -> Spanned<RouteTarget> {
    let span = region.span(p.as_span());
    let mut t = RouteTarget {
        iface: String::new(),
        addr: None,
    };
    for x in p.into_inner() {
        if x.as_rule() != Rule::route_target {
            continue;
        }
        for y in x.into_inner() {
            match y.as_rule() {
                Rule::iface_name => t.iface = y.as_str().to_string(),
                Rule::target_addr => t.addr = Some(y.as_str().to_string()),
                _ => {}
            }
        }
    }
    Spanned::new(t, span)
}

fn lower_opt(o: Pair<'_, Rule>, region: &Region, r: &mut IpfRule) {
    let cs = region.span(o.as_span());
    match o.as_rule() {
        Rule::log_clause => {
            r.log = Some(Spanned::new(log_options(o), cs));
            r.clauses.push((Clause::Log, cs));
        }
        Rule::k_quick => {
            r.quick = Some(cs);
            r.clauses.push((Clause::Quick, cs));
        }
        Rule::on_clause => {
            for l in o.into_inner() {
                if matches!(l.as_rule(), Rule::iface_list | Rule::iface_set) {
                    for i in l.into_inner() {
                        r.on.push(Spanned::new(
                            i.as_str().to_string(),
                            region.span(i.as_span()),
                        ));
                    }
                }
            }
            r.clauses.push((Clause::On, cs));
        }
        Rule::via => {
            for i in o.into_inner() {
                if i.as_rule() == Rule::iface {
                    r.via.push(Spanned::new(
                        i.as_str().to_string(),
                        region.span(i.as_span()),
                    ));
                }
            }
            r.clauses.push((Clause::Via, cs));
        }
        Rule::dup_to => {
            r.dup_to = Some(route_target(o, region));
            r.clauses.push((Clause::DupTo, cs));
        }
        Rule::k_fastroute => {
            r.fastroute = Some(cs);
            r.clauses.push((Clause::RouteTo, cs));
        }
        Rule::route_to => {
            r.route_to = Some(route_target(o, region));
            r.clauses.push((Clause::RouteTo, cs));
        }
        Rule::reply_to => {
            r.reply_to = Some(route_target(o, region));
            r.clauses.push((Clause::ReplyTo, cs));
        }
        _ => {}
    }
}

fn lower_mask(p: Pair<'_, Rule>) -> Mask {
    let inner = p.into_inner().next();
    let Some(m) = inner else {
        return Mask::Invalid(String::new());
    };
    let t = m.as_str();
    match m.as_rule() {
        Rule::hex => u32::from_str_radix(&t[2..], 16)
            .map(Mask::Addr)
            .unwrap_or(Mask::Invalid(t.into())),
        Rule::dotted => inet_aton(t)
            .map(Mask::Addr)
            .unwrap_or(Mask::Invalid(t.into())),
        Rule::dyn_mask => Mask::Dynamic(t.to_ascii_lowercase()),
        _ => t.parse().map(Mask::Bits).unwrap_or(Mask::Invalid(t.into())),
    }
}

fn lower_host_mask(p: Pair<'_, Rule>, version: IpfVersion) -> Addr {
    let mut host = Host {
        text: String::new(),
        ip: None,
    };
    let mut mask = None;
    for x in p.into_inner() {
        match x.as_rule() {
            Rule::host => {
                host = Host {
                    text: x.as_str().to_string(),
                    ip: resolve_host(x.as_str(), version),
                }
            }
            Rule::mask => mask = Some(lower_mask(x)),
            _ => {}
        }
    }
    Addr::Host { host, mask }
}

fn lower_addr_items(p: Pair<'_, Rule>, version: IpfVersion) -> Vec<(bool, Addr)> {
    let mut v = Vec::new();
    for item in p.into_inner() {
        if !matches!(item.as_rule(), Rule::addr_item | Rule::pool_entry) {
            continue;
        }
        let mut neg = false;
        let mut a = Addr::Any;
        for x in item.into_inner() {
            match x.as_rule() {
                Rule::not => neg = true,
                Rule::k_any => a = Addr::Any,
                Rule::host_mask => a = lower_host_mask(x, version),
                _ => {}
            }
        }
        v.push((neg, a));
    }
    v
}

fn lower_addr(p: Pair<'_, Rule>, version: IpfVersion) -> Addr {
    let inner = p.into_inner().next().expect("addr");
    match inner.as_rule() {
        Rule::k_any => Addr::Any,
        Rule::pool_ref => {
            let mut kind = String::new();
            let mut name = None;
            let mut entries = None;
            for x in inner.into_inner() {
                match x.as_rule() {
                    Rule::k_pool | Rule::k_hash => kind = x.as_str().to_ascii_lowercase(),
                    Rule::pool_name => name = Some(x.as_str().to_string()),
                    Rule::pool_entries => entries = Some(lower_addr_items(x, version)),
                    _ => {}
                }
            }
            match (name, entries) {
                (Some(name), _) => Addr::Pool { kind, name },
                (None, Some(e)) => Addr::InlinePool(e),
                _ => Addr::Pool {
                    kind,
                    name: String::new(),
                },
            }
        }
        Rule::addr_list => Addr::List(lower_addr_items(inner, version)),
        Rule::if_addr => {
            let mut name = String::new();
            let mut mask = None;
            for x in inner.into_inner() {
                match x.as_rule() {
                    Rule::iface_name => name = x.as_str().to_string(),
                    Rule::dyn_mask => mask = Some(Mask::Dynamic(x.as_str().to_ascii_lowercase())),
                    Rule::number => mask = x.as_str().parse().ok().map(Mask::Bits),
                    _ => {}
                }
            }
            Addr::Interface { name, mask }
        }
        _ => lower_host_mask(inner, version),
    }
}

fn port_num(p: &Pair<'_, Rule>) -> PortNum {
    let t = p.as_str();
    let value = if t.starts_with(|c: char| c.is_ascii_digit()) {
        parse_c_number(t).and_then(|v| u16::try_from(v).ok())
    } else {
        None
    };
    PortNum {
        text: t.to_string(),
        value,
    }
}

fn lower_port(p: Pair<'_, Rule>) -> PortSpec {
    let inner = p
        .into_inner()
        .find(|x| {
            matches!(
                x.as_rule(),
                Rule::port_range | Rule::port_cmp | Rule::port_set
            )
        })
        .expect("port_spec");
    match inner.as_rule() {
        Rule::port_range => {
            let mut nums = Vec::new();
            let mut op = RangeOp::Inside;
            for x in inner.into_inner() {
                match x.as_rule() {
                    Rule::port_num => nums.push(port_num(&x)),
                    Rule::range_op => {
                        op = match x.as_str() {
                            "<>" => RangeOp::Outside,
                            "><" => RangeOp::Inside,
                            _ => RangeOp::Inclusive,
                        }
                    }
                    _ => {}
                }
            }
            let hi = nums.pop().expect("hi");
            let lo = nums.pop().expect("lo");
            PortSpec::Range(lo, op, hi)
        }
        Rule::port_cmp => {
            let mut op = PortOp::Eq;
            let mut nums = Vec::new();
            for x in inner.into_inner() {
                match x.as_rule() {
                    Rule::cmp => {
                        op = match x.as_str().to_ascii_lowercase().as_str() {
                            "=" | "eq" => PortOp::Eq,
                            "!=" | "ne" => PortOp::Ne,
                            "<" | "lt" => PortOp::Lt,
                            ">" | "gt" => PortOp::Gt,
                            "<=" | "le" => PortOp::Le,
                            _ => PortOp::Ge,
                        }
                    }
                    Rule::port_num => nums.push(port_num(&x)),
                    _ => {}
                }
            }
            if nums.len() == 2 {
                let hi = nums.pop().expect("hi");
                let lo = nums.pop().expect("lo");
                PortSpec::Range(lo, RangeOp::Inclusive, hi)
            } else {
                PortSpec::Cmp(op, nums.pop().expect("port"))
            }
        }
        _ => PortSpec::List(
            inner
                .into_inner()
                .filter(|x| x.as_rule() == Rule::port_num)
                .map(|x| port_num(&x))
                .collect(),
        ),
    }
}

fn lower_endpoint(p: Pair<'_, Rule>, region: &Region, version: IpfVersion) -> Endpoint {
    let span = region.span(p.as_span());
    let mut e = Endpoint {
        span,
        negated: false,
        addr: None,
        port: None,
    };
    for x in p.into_inner() {
        let xs = region.span(x.as_span());
        match x.as_rule() {
            Rule::not => e.negated = true,
            Rule::addr => e.addr = Some(Spanned::new(lower_addr(x, version), xs)),
            Rule::port_spec => e.port = Some(Spanned::new(lower_port(x), xs)),
            _ => {}
        }
    }
    e
}

/// Parse a `flags` word: letters from FSRPAUEC or a number.
fn flag_bits(s: &str) -> (Option<u8>, bool, Option<char>) {
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return (parse_c_number(s).map(|v| v as u8), true, None);
    }
    let mut v = 0u8;
    for c in s.chars() {
        match "FSRPAUEC".find(c) {
            Some(i) => v |= 1 << i,
            None => return (Some(v), false, Some(c)),
        }
    }
    (Some(v), false, None)
}

fn lower_tail(t: Pair<'_, Rule>, region: &Region, r: &mut IpfRule) {
    let cs = region.span(t.as_span());
    match t.as_rule() {
        Rule::flags => {
            let mut f = TcpFlags {
                set: None,
                mask: None,
                numeric: false,
                bad: None,
            };
            let mut seen_slash = false;
            let text = t.as_str();
            let slash_first = text
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .trim_start()
                .starts_with('/');
            for x in t.into_inner() {
                if x.as_rule() != Rule::flag_set {
                    continue;
                }
                let (v, numeric, bad) = flag_bits(x.as_str());
                f.numeric |= numeric;
                if f.bad.is_none() {
                    f.bad = bad;
                }
                if seen_slash || slash_first {
                    f.mask = v;
                } else {
                    f.set = v;
                    seen_slash = true;
                }
            }
            r.flags = Some(Spanned::new(f, cs));
            r.clauses.push((Clause::Flags, cs));
        }
        Rule::icmp => {
            let mut spec = IcmpSpec {
                types: Vec::new(),
                codes: Vec::new(),
            };
            for x in t.into_inner() {
                match x.as_rule() {
                    Rule::icmp_types => {
                        for y in x.into_inner() {
                            let s = y.as_str();
                            let v = if s.starts_with(|c: char| c.is_ascii_digit()) {
                                parse_c_number(s).and_then(|v| u8::try_from(v).ok())
                            } else {
                                names::icmp_type(s)
                            };
                            spec.types.push((s.to_string(), v));
                        }
                    }
                    Rule::icmp_codes => {
                        for y in x.into_inner() {
                            let s = y.as_str();
                            let v = if s.starts_with(|c: char| c.is_ascii_digit()) {
                                parse_c_number(s).and_then(|v| u8::try_from(v).ok())
                            } else {
                                names::icmp_code(s)
                            };
                            spec.codes.push((s.to_string(), v));
                        }
                    }
                    _ => {}
                }
            }
            r.icmp = Some(Spanned::new(spec, cs));
            r.clauses.push((Clause::Icmp, cs));
        }
        Rule::with => {
            for w in t.into_inner() {
                if w.as_rule() != Rule::with_opt {
                    continue;
                }
                let ws = region.span(w.as_span());
                let mut negated = false;
                let mut kind = WithKind::Flag(String::new());
                for x in w.into_inner() {
                    match x.as_rule() {
                        Rule::negate => negated = true,
                        Rule::with_flag => kind = WithKind::Flag(x.as_str().to_ascii_lowercase()),
                        Rule::opt_list => {
                            let mut opts = Vec::new();
                            let mut sec = Vec::new();
                            for o in x.into_inner() {
                                if o.as_rule() != Rule::ip_opt {
                                    continue;
                                }
                                let y = o.into_inner().next().expect("ip_opt");
                                match y.as_rule() {
                                    Rule::sec_class => {
                                        opts.push("sec-class".to_string());
                                        for z in y.into_inner() {
                                            if z.as_rule() == Rule::sec_level {
                                                sec.push(z.as_str().to_ascii_lowercase());
                                            }
                                        }
                                    }
                                    _ => opts.push(y.as_str().to_ascii_lowercase()),
                                }
                            }
                            kind = WithKind::Opts {
                                opts,
                                sec_classes: sec,
                            };
                        }
                        Rule::v6hdrs => {
                            kind = WithKind::V6Hdrs(
                                x.into_inner()
                                    .filter(|z| z.as_rule() == Rule::opt_name)
                                    .map(|z| z.as_str().to_ascii_lowercase())
                                    .collect(),
                            )
                        }
                        _ => {}
                    }
                }
                r.with.push(Spanned::new(WithOpt { negated, kind }, ws));
            }
            r.clauses.push((Clause::With, cs));
        }
        Rule::keep => {
            let k = t
                .into_inner()
                .find(|x| x.as_rule() != Rule::k_keep)
                .expect("keep");
            match k.as_rule() {
                Rule::keep_state => {
                    let mut ks = KeepState::default();
                    for x in k.into_inner() {
                        if x.as_rule() != Rule::state_opts {
                            continue;
                        }
                        for o in x.into_inner() {
                            let mut it = o.into_inner();
                            let name = it
                                .next()
                                .map(|n| n.as_str().to_string())
                                .unwrap_or_default();
                            let rest: Vec<String> = it.map(|n| n.as_str().to_string()).collect();
                            let val = if rest.is_empty() {
                                None
                            } else {
                                Some(rest.join("/"))
                            };
                            ks.options.push((name, val));
                        }
                    }
                    r.keep_state = Some(Spanned::new(ks, cs));
                }
                Rule::keep_frags => {
                    r.keep_frags_strict = k.into_inner().any(|x| {
                        x.as_rule() == Rule::word && x.as_str().eq_ignore_ascii_case("strict")
                    });
                    r.keep_frags = Some(cs);
                }
                _ => {
                    let nums: Vec<u32> = k
                        .into_inner()
                        .filter(|x| x.as_rule() == Rule::number)
                        .filter_map(|x| x.as_str().parse().ok())
                        .collect();
                    let a = nums.first().copied().unwrap_or(0);
                    r.state_age = Some(Spanned::new((a, nums.get(1).copied().unwrap_or(a)), cs));
                }
            }
            r.clauses.push((Clause::Keep, cs));
        }
        Rule::head | Rule::group => {
            let is_head = t.as_rule() == Rule::head;
            let name = t
                .into_inner()
                .find(|x| x.as_rule() == Rule::group_name)
                .map(|x| x.as_str().trim_matches('"').to_string())
                .unwrap_or_default();
            if is_head {
                r.head = Some(Spanned::new(name, cs));
                r.clauses.push((Clause::Head, cs));
            } else {
                r.group = Some(Spanned::new(name, cs));
                r.clauses.push((Clause::Group, cs));
            }
        }
        _ => {
            r.extras.push(Spanned::new(collapse(t.as_str()), cs));
            r.clauses.push((Clause::Tag, cs));
        }
    }
}

// ---------------------------------------------------------------------------
// What the real parsers reject beyond the grammar
// ---------------------------------------------------------------------------

/// Problems IPFilter reports for a rule that matches the grammar, as
/// (where, message), in the order it would find them.
pub fn validate(r: &IpfRule, version: IpfVersion) -> Vec<(Span, String)> {
    let mut out: Vec<(Span, String)> = Vec::new();
    if version.is_v34() {
        reject_unknown_to_v34(r, &mut out);
        check_v34_order(r, &mut out);
        check_v34_actions(r, &mut out);
        check_v34_protocol_options(r, &mut out);
    } else {
        check_v4_options(r, version, &mut out);
    }
    check_names(r, version, &mut out);
    check_log_levels(r, &mut out);
    out.sort_by_key(|(s, _)| s.start);
    out
}

/// IPFilter 3.4: options, lists and address forms it does not know.
fn reject_unknown_to_v34(r: &IpfRule, out: &mut Vec<(Span, String)>) {
    // Options 3.4 does not know.
    let unsupported = |what: &str| format!("IPFilter 3.4 does not know `{what}`");
    if let Some(f) = &r.family {
        out.push((f.span, unsupported("family/inet/inet6")));
    }
    if let Some(t) = &r.reply_to {
        out.push((t.span, unsupported("reply-to")));
    }
    if let Some(t) = r.extras.first() {
        out.push((
            t.span,
            unsupported(t.value.split([' ', '(']).next().unwrap_or("")),
        ));
    }
    if let Some(b) = r.bpf {
        out.push((b, unsupported("bpf-v4")));
    }
    if matches!(r.action.value, Action::Call { .. } | Action::Decapsulate) {
        out.push((r.action.span, unsupported("call/decapsulate")));
    }
    if r.protos.len() > 1 || r.tos.len() > 1 || r.ttl.len() > 1 {
        out.push((r.span, "IPFilter 3.4 does not take lists here".into()));
    }
    if let Some(ks) = &r.keep_state {
        if !ks.value.options.is_empty() {
            out.push((
                ks.span,
                "IPFilter 3.4 does not take `keep state (...)` options".into(),
            ));
        }
    }
    for ep in [&r.from, &r.to].into_iter().flatten() {
        match ep.addr.as_ref().map(|a| &a.value) {
            Some(Addr::List(_)) | Some(Addr::Pool { .. }) | Some(Addr::InlinePool(_)) => {
                out.push((
                    ep.span,
                    "IPFilter 3.4 does not know address lists or pools".into(),
                ))
            }
            Some(Addr::Interface { .. }) => out.push((
                ep.span,
                "IPFilter 3.4 does not know interface addresses `(if)`".into(),
            )),
            _ => {}
        }
        if ep.addr.is_none() {
            out.push((ep.span, "missing host after from/to".into()));
        }
        if let Some(p) = &ep.port {
            if matches!(
                p.value,
                PortSpec::List(_) | PortSpec::Range(_, RangeOp::Inclusive, _)
            ) {
                out.push((
                    p.span,
                    "IPFilter 3.4 does not know port lists or `a:b` ranges".into(),
                ));
            }
        }
    }
    if r.on.len() > 2 {
        out.push((
            r.on[2].span,
            "IPFilter 3.4 takes at most two interfaces".into(),
        ));
    }
    if let Some(rt) = &r.route_to {
        if r.text.to_ascii_lowercase().contains("route-to") {
            out.push((rt.span, unsupported("route-to")));
        }
    }
}

/// IPFilter 3.4 reads the options in a fixed order, and some only after `on`.
fn check_v34_order(r: &IpfRule, out: &mut Vec<(Span, String)>) {
    // Fixed order.
    let mut last: Option<Clause> = None;
    for (c, sp) in &r.clauses {
        let rank = order34(*c);
        if let Some(l) = last {
            if rank < order34(l) || (rank == order34(l) && !matches!(c, Clause::Keep)) {
                out.push((
                    *sp,
                    format!(
                        "IPFilter 3.4 expects the options in a fixed order: `{}` cannot come here",
                        clause_word(*c)
                    ),
                ));
                break;
            }
        }
        last = Some(*c);
    }
    // dup-to/to/fastroute/via only after `on`.
    let has_on = !r.on.is_empty();
    if !has_on {
        if let Some((_, sp)) = r
            .clauses
            .iter()
            .find(|(c, _)| matches!(c, Clause::DupTo | Clause::RouteTo | Clause::Via))
        {
            out.push((*sp, "IPFilter 3.4 reads dup-to, to, fastroute and in-via/out-via only after `on <interface>`".into()));
        }
    }
}

/// IPFilter 3.4: what the action, direction and groups allow.
fn check_v34_actions(r: &IpfRule, out: &mut Vec<(Span, String)>) {
    let proto = r.proto_number();
    match (&r.from, &r.to) {
        (None, None) if r.all.is_none() => out.push((
            r.span,
            "missing source specification: IPFilter 3.4 needs `all` or `from ... to ...`".into(),
        )),
        (None, Some(to)) => out.push((
            to.span,
            "unexpected keyword (to) - from: IPFilter 3.4 needs `from ... to ...`".into(),
        )),
        (Some(from), None) => out.push((
            from.span,
            "missing to fields: IPFilter 3.4 needs `from ... to ...`".into(),
        )),
        _ => {}
    }
    if r.dir.value == Direction::Out {
        if let Action::Block(Some(ret)) = r.action.value {
            let w = if ret == BlockReturn::Rst {
                "return-rst"
            } else {
                "return-icmp"
            };
            out.push((r.action.span, format!("Can only use {w} with 'in'")));
        }
    }
    if let (Some(f), Direction::Out) = (r.fastroute, r.dir.value) {
        out.push((f, "can only use fastroute with 'in'".into()));
    }
    if matches!(r.action.value, Action::Block(Some(BlockReturn::Rst))) && proto != Some(6) {
        out.push((r.action.span, "return-rst can only be used with TCP".into()));
    }
    if let Some(l) = &r.log {
        if l.value.or_block && r.action.value != Action::Pass {
            out.push((l.span, "or-block must be used with pass".into()));
        }
    }
    if matches!(r.action.value, Action::Skip(_)) {
        if let Some(q) = r.quick {
            out.push((q, "cannot use skip with quick".into()));
        }
        if let Some(h) = &r.head {
            out.push((h.span, "cannot use skip with head".into()));
        }
    }
    for g in [&r.head, &r.group].into_iter().flatten() {
        if parse_c_number(&g.value).is_none() {
            out.push((g.span, format!("invalid group ({})", g.value)));
        }
    }
}

/// IPFilter 3.4: ports, ICMP, flags and `with` against the rule's protocol.
fn check_v34_protocol_options(r: &IpfRule, out: &mut Vec<(Span, String)>) {
    let proto = r.proto_number();
    let tcpudp = r.is_tcpudp();
    for ep in [&r.from, &r.to].into_iter().flatten() {
        if let (Some(port), false) = (&ep.port, proto == Some(6) || proto == Some(17) || tcpudp) {
            out.push((port.span, "cannot use port and neither tcp or udp: ports need `proto tcp`, `proto udp` or `proto tcp/udp`".into()));
        }
    }
    if let Some(ic) = &r.icmp {
        if proto != Some(1) && proto != Some(58) {
            out.push((
                ic.span,
                format!("icmp with wrong protocol ({})", proto.unwrap_or(0)),
            ));
        }
    }
    if let Some(f) = &r.flags {
        if proto != Some(6) {
            out.push((
                f.span,
                "TCP protocol not specified: `flags` needs `proto tcp`".into(),
            ));
        }
        if r.with
            .iter()
            .any(|w| matches!(&w.value.kind, WithKind::Flag(s) if s == "short"))
        {
            out.push((f.span, "short cannot be used with TCP flags".into()));
        }
    }
    for w in &r.with {
        let ok = match &w.value.kind {
            WithKind::Flag(s) => s.starts_with("ipopt") || s.starts_with("frag") || s == "short",
            WithKind::Opts { .. } => true,
            WithKind::V6Hdrs(_) => false,
        };
        if !ok {
            out.push((
                w.span,
                "IPFilter 3.4 knows only ipopts, short, frag and opt after `with`".into(),
            ));
        }
    }
}

/// IPFilter 4.x/5.x: flags, keep-state options, ports and value ranges.
fn check_v4_options(r: &IpfRule, version: IpfVersion, out: &mut Vec<(Span, String)>) {
    let proto = r.proto_number();
    // 4.x/5.x
    if let Some(f) = &r.flags {
        if proto != Some(6) {
            out.push((
                f.span,
                "flags with non-TCP rule: `flags` needs `proto tcp`".into(),
            ));
        }
    }
    if let Some(ks) = &r.keep_state {
        for (n, _) in &ks.value.options {
            let l = n.to_ascii_lowercase();
            if (l == "strict" || l == "newisn") && proto != Some(6) {
                out.push((ks.span, format!("`{l}` needs `proto tcp`")));
            }
            if ![
                "limit",
                "strict",
                "newisn",
                "no-icmp-err",
                "noicmperr",
                "sync",
                "age",
                "nolog",
                "icmp-head",
                "max-srcs",
                "max-per-src",
                "loose",
            ]
            .contains(&l.as_str())
            {
                out.push((ks.span, format!("unknown keep state option `{n}`")));
            }
        }
    }
    if version == IpfVersion::V5_1 {
        for ep in [&r.from, &r.to].into_iter().flatten() {
            if let Some(p) = &ep.port {
                if proto.is_some() && proto != Some(6) && proto != Some(17) {
                    out.push((p.span, "port use incorrect: ports need `proto tcp`, `proto udp` or `proto tcp/udp`".into()));
                }
            }
        }
    }
    if r.dir.value == Direction::Out {
        if let Some(f) = r.fastroute {
            out.push((f, "fastroute is only for `in` rules".into()));
        }
    }
    if let Some(v) = r.tos.iter().chain(&r.ttl).find(|v| v.value > 255) {
        out.push((v.span, "value out of range (0-255)".into()));
    }
}

/// Both versions: protocol, port, ICMP, flag and IP option names must
/// resolve, and masks must be valid.
fn check_names(r: &IpfRule, version: IpfVersion, out: &mut Vec<(Span, String)>) {
    let v34 = version.is_v34();
    let proto = r.proto_number();
    let tcpudp = r.is_tcpudp();
    // Both versions: names that must resolve.
    for p in &r.protos {
        if let Proto::Number { text, number: None } = &p.value {
            out.push((p.span, format!("unknown protocol ({text})")));
        }
    }
    let port_proto = if tcpudp { None } else { proto };
    for ep in [&r.from, &r.to].into_iter().flatten() {
        if let Some(p) = &ep.port {
            let nums: Vec<&PortNum> = match &p.value {
                PortSpec::Cmp(_, n) => vec![n],
                PortSpec::Range(a, _, b) => vec![a, b],
                PortSpec::List(v) => v.iter().collect(),
            };
            for n in nums {
                if n.value.is_none() {
                    if n.text.starts_with(|c: char| c.is_ascii_digit()) {
                        out.push((p.span, format!("invalid port number \"{}\"", n.text)));
                    } else if names::service(&n.text, port_proto).is_none() {
                        // Not known here; /etc/services may know it: not an error.
                    }
                }
            }
        }
        if let Some(a) = &ep.addr {
            check_mask(&a.value, a.span, out);
        }
    }
    if let Some(ic) = &r.icmp {
        for (t, v) in &ic.value.types {
            if v.is_none() {
                out.push((ic.span, format!("Invalid icmp-type ({t}) specified")));
            }
        }
        for (t, v) in &ic.value.codes {
            if v.is_none() {
                out.push((ic.span, format!("Invalid icmp code ({t}) specified")));
            }
        }
    }
    if let Action::Block(Some(BlockReturn::Icmp(Some(255)) | BlockReturn::IcmpAsDest(Some(255)))) =
        r.action.value
    {
        out.push((r.action.span, "unrecognised icmp code".into()));
    }
    if let Some(f) = &r.flags {
        if let Some(c) = f.value.bad {
            out.push((f.span, format!("unknown flag ({c})")));
        }
    }
    for w in &r.with {
        if let WithKind::Opts { opts, sec_classes } = &w.value.kind {
            for o in opts {
                if names::ip_option_bit(o, v34).is_none() {
                    out.push((w.span, format!("unknown IP option name {o}")));
                }
            }
            for s in sec_classes {
                if names::sec_class_bit(s).is_none() {
                    out.push((w.span, format!("no such security level: {s}")));
                }
            }
            if opts.iter().any(|o| o == "sec-class") && sec_classes.is_empty() {
                out.push((w.span, "missing security level after sec-class".into()));
            }
        }
    }
}

/// Both versions: `log level facility.priority` names syslog knows.
fn check_log_levels(r: &IpfRule, out: &mut Vec<(Span, String)>) {
    for l in r
        .log
        .iter()
        .map(|l| (&l.value, l.span))
        .chain(match &r.action.value {
            Action::Log(o) => Some((o, r.action.span)),
            _ => None,
        })
    {
        if let Some(level) = &l.0.level {
            let (fac, pri) = match level.split_once('.') {
                Some((f, p)) => (Some(f), p),
                None => (None, level.as_str()),
            };
            if let Some(f) = fac {
                if !names::FACILITIES.contains(&f.to_ascii_lowercase().as_str()) {
                    out.push((l.1, format!("Unknown facility {f}")));
                }
            }
            if !names::PRIORITIES.contains(&pri.to_ascii_lowercase().as_str()) {
                out.push((l.1, format!("Unknown priority {pri}")));
            }
        }
    }
}

fn check_mask(a: &Addr, span: Span, out: &mut Vec<(Span, String)>) {
    match a {
        Addr::Host {
            mask: Some(Mask::Bits(b)),
            host,
        } if *b > 32 && !host.text.contains(':') => out.push((span, format!("bad mask (/{b})"))),
        Addr::Host {
            mask: Some(Mask::Invalid(t)),
            ..
        } => out.push((span, format!("bad mask ({t})"))),
        Addr::List(v) | Addr::InlinePool(v) => {
            for (_, x) in v {
                check_mask(x, span, out);
            }
        }
        _ => {}
    }
}

fn order34(c: Clause) -> u8 {
    match c {
        Clause::Log => 0,
        Clause::Quick => 1,
        Clause::On => 2,
        Clause::DupTo => 3,
        Clause::RouteTo => 4,
        Clause::Via => 5,
        Clause::ReplyTo => 6,
        Clause::Family => 7,
        Clause::Tos => 8,
        Clause::Ttl => 9,
        Clause::Proto => 10,
        Clause::Ip => 11,
        Clause::Flags => 12,
        Clause::With => 13,
        Clause::Icmp => 14,
        Clause::Keep => 15,
        Clause::Head => 16,
        Clause::Group => 17,
        Clause::Tag | Clause::Other => 18,
    }
}

fn clause_word(c: Clause) -> &'static str {
    match c {
        Clause::Log => "log",
        Clause::Quick => "quick",
        Clause::On => "on",
        Clause::DupTo => "dup-to",
        Clause::RouteTo => "to/fastroute",
        Clause::Via => "in-via/out-via",
        Clause::ReplyTo => "reply-to",
        Clause::Family => "family",
        Clause::Tos => "tos",
        Clause::Ttl => "ttl",
        Clause::Proto => "proto",
        Clause::Ip => "from/all",
        Clause::Flags => "flags",
        Clause::With => "with",
        Clause::Icmp => "icmp-type",
        Clause::Keep => "keep",
        Clause::Head => "head",
        Clause::Group => "group",
        Clause::Tag | Clause::Other => "...",
    }
}

// ---------------------------------------------------------------------------
// Explaining a statement that does not parse
// ---------------------------------------------------------------------------

fn describe(r: Rule) -> &'static str {
    match r {
        Rule::direction | Rule::k_in | Rule::k_out => "`in` or `out`",
        Rule::action | Rule::rule_start => {
            "an action (`block`, `pass`, `log`, `count`, `skip`, `auth`)"
        }
        Rule::ip_part | Rule::k_all | Rule::from_to | Rule::from_part | Rule::k_from => {
            "`all` or `from ... to ...`"
        }
        Rule::to_part | Rule::k_to => "`to`",
        Rule::endpoint | Rule::addr | Rule::host | Rule::host_mask => {
            "an address (`any`, a.b.c.d[/n], a host name)"
        }
        Rule::port_spec | Rule::k_port => "`port`",
        Rule::port_num => "a port number or service name",
        Rule::cmp | Rule::port_cmp => "a comparison (`=`, `!=`, `<`, `>`, `<=`, `>=`)",
        Rule::range_op => "`<>` or `><`",
        Rule::proto_name => "a protocol",
        Rule::mask | Rule::dotted | Rule::number | Rule::hex | Rule::num => "a number",
        Rule::flag_set => "TCP flags (letters from FSRPAUEC)",
        Rule::icmp_type => "an ICMP type",
        Rule::icmp_code => "an ICMP code",
        Rule::with_opt | Rule::with_flag => {
            "an option after `with` (`ipopts`, `short`, `frag`, `opt ...`)"
        }
        Rule::keep_state | Rule::keep_frags | Rule::k_state => "`state` or `frags`",
        Rule::group_name => "a group name or number",
        Rule::iface | Rule::iface_list | Rule::iface_name => "an interface name",
        Rule::semi => "`;`",
        Rule::var_value => "a value",
        _ => "",
    }
}

const KEYWORDS: &[&str] = &[
    "block",
    "pass",
    "log",
    "count",
    "skip",
    "auth",
    "preauth",
    "call",
    "in",
    "out",
    "quick",
    "on",
    "dup-to",
    "to",
    "fastroute",
    "reply-to",
    "proto",
    "from",
    "all",
    "any",
    "port",
    "flags",
    "with",
    "icmp-type",
    "code",
    "keep",
    "state",
    "frags",
    "head",
    "group",
    "tos",
    "ttl",
    "body",
    "first",
    "or-block",
    "level",
    "return-rst",
    "return-icmp",
    "return-icmp-as-dest",
    "ipopts",
    "short",
    "frag",
    "opt",
    "not",
    "no",
    "mask",
    "in-via",
    "out-via",
];

fn explain(
    region: &Region,
    e: &pest::error::Error<Rule>,
    version: IpfVersion,
) -> (Span, String, Option<String>) {
    let (pos, positives) = pest_failure(e);
    let text = &region.text;
    let pos = pos.min(text.len());
    // The first word: an action?
    let first: String = text
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let lead = text.len() - text.trim_start().len();
    if IpfParser::parse(Rule::rule_start, text.trim_start()).is_err()
        && !(version != IpfVersion::V3_4 && is_assignment_start(text, lead))
    {
        let at = region.range(lead, lead + first.len().max(1));
        let mut help = None;
        let word = first.to_ascii_lowercase();
        if let Some(best) = crate::syntax::closest(&word, ACTION_WORDS) {
            help = Some(format!("did you mean `{best}`?"));
        }
        return (
            at,
            format!("unknown keyword ({first}): a rule starts with an action"),
            help,
        );
    }
    let could_end = positives
        .iter()
        .any(|r| matches!(r, Rule::tail | Rule::EOI | Rule::semi));
    let expected = join_expected(
        positives
            .iter()
            .filter(|r| !matches!(r, Rule::semi | Rule::tail))
            .map(|r| describe(*r)),
    );
    let (tspan, tok) = token_at(text, pos).unwrap_or((Span::new(pos, pos), ""));
    let at_end = text[pos..].trim().is_empty();
    let fspan = region.range(tspan.start(), tspan.end().max(tspan.start()));
    let msg = if at_end {
        if expected.is_empty() {
            "the rule is incomplete".to_string()
        } else {
            format!("the rule is incomplete: expected {expected}")
        }
    } else if could_end || expected.is_empty() {
        format!("ipf does not know `{tok}` here")
    } else {
        format!("expected {expected}, found `{tok}`")
    };
    let mut help = None;
    if positives.contains(&Rule::range_op) {
        help =
            Some("a port needs a comparison (`port = 500`) or a range (`port 1 <> 1023`)".into());
    }
    let low = tok.to_ascii_lowercase();
    if help.is_none() && !tok.is_empty() && !KEYWORDS.contains(&low.as_str()) {
        if let Some(best) = crate::syntax::closest(&low, KEYWORDS) {
            help = Some(format!("did you mean `{best}`?"));
        }
    }
    if tok.starts_with('$') && version == IpfVersion::V3_4 {
        help = Some("IPFilter 3.4 has no variables".into());
    }
    (fspan, msg, help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str, v: IpfVersion) -> Parsed {
        parse(FileId(0), text, v)
    }

    #[test]
    fn parses_the_suite_shapes() {
        for v in [IpfVersion::V3_4, IpfVersion::V4_1] {
            let t = "block in all\npass in proto tcp from any port = 23 to any\n\
                     pass in proto tcp/udp from any port 0 >< 512 to any\n\
                     block in proto tcp from any to any flags S/SA\n\
                     pass in from any to any with not opt ssrr,sec-class topsecret\n\
                     block in proto icmp from any to any icmp-type unreach code 3\n\
                     block in log quick on hme0 from any to 195.134.65.0/25 head 10\n\
                     block return-rst in log quick proto tcp all flags S head 100 group 10\n\
                     skip 2 in proto tcp all\n\
                     block in from !1.1.0.0/16 to any\n";
            let r = p(t, v);
            assert!(r.diagnostics.is_empty(), "{v:?}: {:?}", r.diagnostics);
            assert_eq!(r.file.rules.len(), 10);
            assert!(r.file.rules.iter().all(|r| r.loaded));
            let f = r.file.rules[3].flags.as_ref().unwrap();
            assert_eq!((f.value.set, f.value.mask), (Some(2), Some(0x12)));
            assert!(r.file.rules[9].from.as_ref().unwrap().negated);
        }
    }

    #[test]
    fn v34_skips_bad_lines_v4_stops() {
        let t = "pass in all\nblock in proto esp from any port = 500 to any\npass out all\n";
        let r = p(t, IpfVersion::V3_4);
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        assert_eq!(r.file.loaded().count(), 2);
        let t = "pass in all\npass in quick proto tcp from any to any port = 22 flags S/SA keep state junk\npass out all\nblock in all\n";
        let r = p(t, IpfVersion::V4_1);
        assert_eq!(
            r.file.loaded().count(),
            2,
            "{:?}",
            r.file
                .rules
                .iter()
                .map(|r| (&r.text, r.loaded))
                .collect::<Vec<_>>()
        );
        let tr = r.file.truncation.as_ref().unwrap();
        assert_eq!(tr.lost.len(), 2);
        assert!(r.diagnostics.iter().any(|d| d.rule.code == "IPS1302"));
        let t = "pass in all\npass in proto tcp all flags S keep sate\npass in proto esp all\npass in proto udp from any to any port = 4500\nblock in all\n";
        let r = p(t, IpfVersion::V5_1);
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "IPS1302")
            .unwrap();
        assert!(
            d.message
                .ends_with("3 later rules are not loaded, including 2 rules for IKE, ESP or AH"),
            "{}",
            d.message
        );
    }

    #[test]
    fn v4_rules_span_lines_and_use_variables() {
        let t = "ext = \"fxp0\";\nnet=\"10.1.0.0/16\";\npass in quick on $ext proto tcp\n    from $net to any port = 22 keep state\nblock in on ${ext} all\n";
        let r = p(t, IpfVersion::V5_1);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.file.rules.len(), 2);
        assert_eq!(r.file.rules[0].on[0].value, "fxp0");
        assert_eq!(
            &t[r.file.rules[0].on[0].span.start()..r.file.rules[0].on[0].span.end()],
            "$ext"
        );
        let Some(Addr::Host { host, mask }) = r.file.rules[0]
            .from
            .as_ref()
            .unwrap()
            .addr
            .as_ref()
            .map(|a| &a.value)
        else {
            panic!()
        };
        assert_eq!(host.text, "10.1.0.0");
        assert_eq!(mask, &Some(Mask::Bits(16)));
    }

    #[test]
    fn v34_order_and_from_to() {
        let r = p("pass in quick log all\n", IpfVersion::V3_4);
        assert_eq!(r.diagnostics.len(), 1);
        let r = p("pass in quick log all\n", IpfVersion::V4_1);
        assert!(r.diagnostics.is_empty());
        let r = p(
            "block in log quick from any with ipopts\n",
            IpfVersion::V3_4,
        );
        assert_eq!(r.diagnostics.len(), 1);
        let r = p(
            "block in log quick from any with ipopts\n",
            IpfVersion::V4_1,
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn unknown_action_is_explained() {
        let r = p("blok in all\n", IpfVersion::V3_4);
        assert!(r.diagnostics[0].message.contains("unknown keyword"));
        assert_eq!(
            r.diagnostics[0].help.as_deref(),
            Some("did you mean `block`?")
        );
    }

    #[test]
    fn reads_the_5x_superset() {
        let t = r#"# variables, lists, pools, families, tags
int = "fxp1"; lan = "{ 10.1.0.0/16, 10.2.0.0/16 }";
set state_max 40000;
@1 pass in quick on $int,fxp0 family inet proto { tcp, udp } from $lan to any port = { 22, 80 } keep state (limit 100, age 30/60)
block return-icmp-as-dest(port-unr) in on fxp0 inet6 from any to any
pass out log body first or-block level local0.info quick on fxp0 dup-to fxp2:10.9.9.9 proto tcp/udp from (fxp0) to pool/10 port 1:1023 keep frags(strict) head out1
count in on fxp0 proto icmp all icmp-type echo code 0 set-tag(log=3) pps 10
call now fr_srcgrpmap/1 in on fxp0 all
nomatch in all
decapsulate in on fxp0 proto ah all head ah1
pass in on fxp0 proto esp from 198.51.100.1 mask 255.255.255.255 to 192.0.2.1/0xffffffff with not frag, not short group ah1
auth in proto tcp from any to any port = 25 flags S/SA keep state
preauth in on fxp0 tos 0x10 ttl 64 from any to any with opt lsrr,sec-class topsecret
block in quick from any to any with ipopts and
"#;
        let r = p(t, IpfVersion::V5_1);
        let msgs: Vec<_> = r
            .diagnostics
            .iter()
            .map(|d| {
                (
                    &t[d.location.span.start()..d.location.span.end()],
                    &d.message,
                )
            })
            .collect();
        // The last line's dangling `and` is an error that stops the load.
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert_eq!(r.file.rules.len(), 10);
        assert_eq!(r.file.loaded().count(), 10);
        assert!(r.file.truncation.as_ref().unwrap().lost.is_empty());
        let first = &r.file.rules[0];
        assert_eq!(first.insert.as_ref().unwrap().value, 1);
        assert_eq!(first.on.len(), 2);
        assert_eq!(first.protos.len(), 2);
        assert!(
            matches!(first.from.as_ref().unwrap().addr.as_ref().unwrap().value, Addr::List(ref l) if l.len() == 2)
        );
        assert_eq!(first.keep_state.as_ref().unwrap().value.limit(), Some(100));
        assert_eq!(
            r.file.rules[1].family.as_ref().unwrap().value,
            Family::Inet6
        );
        assert!(r.file.rules[2].keep_frags_strict);
        assert_eq!(r.file.rules[2].head.as_ref().unwrap().value, "out1");
        assert!(matches!(
            r.file.rules[2]
                .to
                .as_ref()
                .unwrap()
                .addr
                .as_ref()
                .unwrap()
                .value,
            Addr::Pool { .. }
        ));
        assert_eq!(r.file.rules[7].with.len(), 2);
    }

    #[test]
    fn inet_aton_forms() {
        assert_eq!(inet_aton("1.2.3.4"), Some(0x01020304));
        assert_eq!(inet_aton("0xffffff00"), Some(0xffffff00));
        assert_eq!(inet_aton("10"), Some(10));
        assert_eq!(inet_aton("1.2"), Some(0x01000002));
        assert_eq!(inet_aton("1.2.3.256"), None);
    }
}
