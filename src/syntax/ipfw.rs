//! ipfw(8) commands and rule files: pest grammar (`grammar/ipfw.pest`),
//! typed tree with spans, and ipfw's load semantics.
//!
//! Two ways a ruleset reaches ipfw (see ../shared/facts/ipfw-grammar.md §2):
//! * a rule *file* (`ipfw -q /etc/ipfw.rules`, rc.conf `firewall_type=/path`):
//!   one command per line without the word `ipfw`; ipfw exits at the first
//!   line it cannot parse, so the rest of the file is lost ([`parse_file`]);
//! * a shell script calling `ipfw add ...` once per rule: a bad command loses
//!   only itself ([`parse_lines`] for plain command lists, `ipfw_sh` for
//!   scripts with variables).
//!
//! Both ipfw1 (FreeBSD ≤ 4.x) and ipfw2 are accepted; features ipfw1 lacks are
//! listed per rule in [`IpfwRule::ipfw2`].

use crate::diagnostic::{register, rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, LineIndex, Span};
use crate::syntax::{join_expected, pest_failure, Spanned};
use ipnet::IpNet;
use pest::iterators::Pair;
use pest::Parser;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

// The syntax rules this parser emits.

rule!(IPFW_SYNTAX, "IPS1201", "ipfw-syntax-error", Error,
    "An ipfw command that ipfw's parser rejects.",
    why: "ipfw checks each command before it hands it to the kernel and refuses a bad one with\n\
          `errx()`: the rule is never installed. In a rule file (`firewall_type=/path`) ipfw exits at\n\
          that line, so every later line is lost as well; in an rc.firewall-style script only that\n\
          rule is missing. Either way the firewall runs without a rule the author relied on.",
    bad: "add 10060 udp from any to any via em0 out keep-state",
    good: "add 10060 allow udp from any to any via em0 out keep-state",
    log: Some("ipfw: invalid action udp"));

rule!(IPFW_TRUNCATED, "IPS1202", "ipfw-load-truncated", Error,
    "A syntax error stops ipfw loading a rule file: the rules after it are not installed.",
    why: "`ipfw /path/to/rules` runs the file line by line and exits at the first line it cannot\n\
          parse. The rules before the error stay loaded, the rules after it silently do not, and the\n\
          default rule (deny) takes their place: typically the IKE and ESP pass rules near the end.",
    bad: "add 100 allow ip from any to any via lo0\nadd 200 udp from any to me 500\nadd 300 allow esp from any to me",
    good: "add 100 allow ip from any to any via lo0\nadd 200 allow udp from any to me 500\nadd 300 allow esp from any to me",
    log: Some("Line 2: invalid action udp"));

rule!(IPFW_UNVERIFIED, "IPS1204", "ipfw-unverified-keyword", Info,
    "An ipfw keyword or name ipseclint does not know, accepted as newer syntax.",
    why: "ipfw gains options with every FreeBSD release, and ports may be written as names from\n\
          /etc/services. A word that is not a misspelling of a keyword ipseclint knows is accepted\n\
          and reported here: the rule is kept, but its meaning cannot be checked, and an older\n\
          ipfw may reject it.",
    bad: "add 100 allow tcp from any to me dst-port 22 in tcp-frobnicate 3",
    good: "add 100 allow tcp from any to me dst-port 22 in",
    log: None);

register![IPFW_SYNTAX, IPFW_TRUNCATED, IPFW_UNVERIFIED];

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/ipfw.pest"]
struct IpfwParser;

// ---------------------------------------------------------------------------
// Tree
// ---------------------------------------------------------------------------

/// A rule file, or the commands a script runs, in order.
#[derive(Clone, Debug, Default)]
pub struct IpfwFile {
    pub commands: Vec<IpfwCommand>,
}

impl IpfwFile {
    /// The `add` commands.
    pub fn rules(&self) -> impl Iterator<Item = &IpfwRule> {
        self.commands.iter().filter_map(|c| match &c.kind {
            CommandKind::Add(r) => Some(&**r),
            _ => None,
        })
    }
}

/// One ipfw command.
#[derive(Clone, Debug)]
pub struct IpfwCommand {
    pub file: FileId,
    /// The whole command (a line of a rule file, or the shell command).
    pub span: Span,
    /// The command as ipfw reads it (words after `ipfw`, variables expanded,
    /// comments and extra blanks removed).
    pub text: String,
    /// `-q`, `-f`, ... before the command word.
    pub flags: Vec<Spanned<String>>,
    pub kind: CommandKind,
}

impl IpfwCommand {
    pub fn rule(&self) -> Option<&IpfwRule> {
        match &self.kind {
            CommandKind::Add(r) => Some(r),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub enum CommandKind {
    Add(Box<IpfwRule>),
    /// `delete [set] N[-M] ...`: rule numbers (or set numbers) as ranges.
    Delete {
        set: bool,
        targets: Vec<Spanned<(u32, u32)>>,
    },
    /// `flush` (`set N flush` flushes one set).
    Flush {
        set: Option<u32>,
    },
    Table(TableCommand),
    /// `pipe|queue|sched ...` (dummynet).
    Dummynet {
        kind: Spanned<String>,
        args: Vec<Spanned<String>>,
    },
    /// `nat N config ...`, `nat show ...`.
    Nat {
        args: Vec<Spanned<String>>,
    },
    /// `set enable|disable|move|swap ...`.
    Set {
        args: Vec<Spanned<String>>,
    },
    /// `list`, `show`, `zero`, `resetlog`, `enable`, `disable`, ...: no effect on the ruleset
    /// (except `enable`/`disable` of features, which are not modelled).
    Info {
        keyword: Spanned<String>,
        args: Vec<Spanned<String>>,
    },
    /// `ipfw [flags] /path` in a script: load a rule file.
    LoadFile {
        path: Spanned<String>,
        /// `-p cmd`: the file goes through a preprocessor first.
        preprocessor: Option<Spanned<String>>,
    },
}

#[derive(Clone, Debug)]
pub struct TableCommand {
    /// Table number or (ipfw ≥ 11) name, as written.
    pub table: Spanned<String>,
    pub op: TableOp,
}

#[derive(Clone, Debug)]
pub enum TableOp {
    Add(Vec<TableEntry>),
    Delete(Vec<Spanned<String>>),
    Flush,
    /// `create`, `destroy`, `list`, ...
    Other(Vec<Spanned<String>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableEntry {
    pub span: Span,
    /// The key as written.
    pub key: String,
    /// The key as a network (`None` for interface names or host names).
    pub net: Option<IpNet>,
    pub value: Option<u32>,
}

/// One `add` command.
#[derive(Clone, Debug)]
pub struct IpfwRule {
    pub file: FileId,
    pub span: Span,
    /// The rule number as written; `None` = numbered by the kernel when added
    /// (see `model::ipfw::load`, which fills it in).
    pub number: Option<u32>,
    /// Where the number is written (`None` when it was assigned).
    pub number_span: Option<Span>,
    pub set: Option<u32>,
    pub prob: Option<f64>,
    pub action: Spanned<Action>,
    /// The action keyword as written (`allow`, `pass`, ...).
    pub action_word: String,
    pub log: Option<Log>,
    pub altq: Option<Spanned<String>>,
    pub tag: Option<Spanned<Tag>>,
    /// Protocol alternatives; empty = no `proto from .. to ..` part (any).
    pub proto: Vec<ProtoAlt>,
    pub proto_span: Option<Span>,
    pub src: AddrMatch,
    pub sports: Option<PortMatch>,
    pub dst: AddrMatch,
    pub dports: Option<PortMatch>,
    /// Options, in order; each group is one option or an or-block.
    pub options: Vec<OptGroup>,
    pub comment: Option<Spanned<String>>,
    /// ipfw2-only syntax used by this rule (absent in FreeBSD 4.x ipfw1).
    pub ipfw2: Vec<Spanned<&'static str>>,
}

impl IpfwRule {
    /// Every option of the rule (or-block members included).
    pub fn all_options(&self) -> impl Iterator<Item = &Opt> {
        self.options.iter().flat_map(|g| g.alts.iter())
    }
    /// The rule keeps state (`keep-state`, `limit`, `record-state`).
    pub fn keeps_state(&self) -> bool {
        self.all_options().any(|o| {
            matches!(
                o.kind,
                OptKind::KeepState { .. } | OptKind::RecordState { .. } | OptKind::Limit { .. }
            )
        })
    }
    /// The rule sets up state without the implicit check (`record-state`).
    pub fn records_state_only(&self) -> bool {
        self.all_options()
            .any(|o| matches!(o.kind, OptKind::RecordState { .. }))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// allow, accept, pass, permit
    Allow,
    /// deny, drop
    Deny,
    /// `reject` (= unreach host)
    Reject,
    Unreach(String),
    Unreach6(String),
    Reset,
    Reset6,
    Count,
    Skipto(Target),
    Call(Target),
    Return,
    Divert(Target),
    Tee(Target),
    /// fwd/forward IP[,port]
    Fwd(String),
    Pipe(Target),
    Queue(Target),
    Nat(Target),
    Setfib(Target),
    Setdscp(String),
    Netgraph(Target),
    Ngtee(Target),
    Reass,
    /// check-state [:flowname]
    CheckState(Option<String>),
    /// A rule that is only a `// comment` (listed as count).
    Comment,
    Abort,
    Abort6,
    /// Newer actions (eaction, nat64*, nptv6, setmark, tcp-setmss) with their argument.
    Other {
        keyword: String,
        arg: Option<String>,
    },
}

/// The argument of skipto, call, pipe, queue, nat, divert, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Number(u32),
    Tablearg,
    /// `nat global`
    Global,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Log {
    pub span: Span,
    pub amount: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    pub untag: bool,
    pub value: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// `ip`, `all`: any packet.
    Any,
    /// `ip4`/`ipv4`: IPv4 packets.
    Ip4,
    /// `ip6`/`ipv6`: IPv6 packets.
    Ip6,
    Number(u8),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProtoAlt {
    pub span: Span,
    pub negated: bool,
    pub proto: Proto,
    /// As written.
    pub name: String,
}

/// Source or destination: alternatives (`{ a or b }`); empty = any (no body).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AddrMatch {
    pub span: Option<Span>,
    pub alts: Vec<AddrAlt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AddrAlt {
    pub span: Span,
    pub negated: bool,
    pub addr: Addr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Addr {
    Any,
    /// Any address of this host (IPv4 and, in modern kernels, IPv6).
    Me,
    /// Any IPv6 address of this host.
    Me6,
    /// `table(N)` / `table(N,value)` (named tables in ipfw ≥ 11).
    Table {
        name: String,
        value: Option<u32>,
    },
    /// `a`, `a/len`, `a:mask`, `a,b,c`, `a/24{1,5-7}`.
    List(Vec<AddrItem>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum AddrItem {
    Net(IpNet),
    /// IPv4 address with a non-contiguous mask (`a:mask`).
    Masked {
        addr: Ipv4Addr,
        mask: Ipv4Addr,
    },
    /// A host name, resolved once when the rule is added.
    Host(String),
}

/// A port list: ranges, optionally negated.
#[derive(Clone, Debug, PartialEq)]
pub struct PortMatch {
    pub span: Span,
    pub negated: bool,
    pub ranges: Vec<(u16, u16)>,
    /// Service names ipseclint does not know (accepted, not resolved).
    pub unresolved: Vec<String>,
}

/// One option or an or-block of options.
#[derive(Clone, Debug, PartialEq)]
pub struct OptGroup {
    pub span: Span,
    pub alts: Vec<Opt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Opt {
    pub span: Span,
    pub negated: bool,
    pub kind: OptKind,
}

/// An interface argument of via/recv/xmit.
#[derive(Clone, Debug, PartialEq)]
pub enum Iface {
    Any,
    /// A name or a shell pattern (`gif*`, `em[01]`).
    Name(String),
    /// The interface holding this address.
    Addr(IpAddr),
    Table(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum OptKind {
    In,
    Out,
    Via(Iface),
    Recv(Iface),
    Xmit(Iface),
    KeepState {
        flow: Option<String>,
    },
    RecordState {
        flow: Option<String>,
    },
    Limit {
        masks: Vec<String>,
        max: u32,
    },
    Established,
    Setup,
    /// `frag` (non-first fragments) or `frag SPEC` (modern: mf, rf, df, offset).
    Frag(Option<String>),
    Ipsec,
    TcpFlags {
        set: u8,
        clear: u8,
    },
    IcmpTypes(Vec<u8>),
    Icmp6Types(Vec<u8>),
    Ip4,
    Ip6,
    IpVersion(u8),
    Proto(Proto),
    SrcIp(Addr),
    DstIp(Addr),
    SrcPort(PortMatch),
    DstPort(PortMatch),
    IpTtl(Vec<(u32, u32)>),
    Tagged(Vec<(u32, u32)>),
    Fib(u32),
    Diverted,
    Layer2,
    /// Known options whose effect ipseclint does not evaluate (uid, gid,
    /// verrevpath, antispoof, tcpoptions, ...) and, with `known: false`,
    /// words it does not know.
    Other {
        keyword: String,
        args: Vec<String>,
        known: bool,
    },
}

/// A parsed file plus its diagnostics.
#[derive(Debug, Default)]
pub struct ParsedIpfw {
    pub file: IpfwFile,
    pub diagnostics: Vec<Diagnostic>,
    /// The load stopped at a syntax error (rule files only).
    pub truncated: Option<Truncation>,
}

/// What a rule file loses after its first syntax error.
#[derive(Clone, Debug)]
pub struct Truncation {
    /// The line ipfw exits at.
    pub error: Span,
    /// 1-based line of the error.
    pub error_line: usize,
    /// Commands after the error that are not loaded.
    pub lost: Vec<IpfwCommand>,
    /// Lines (1-based, inclusive) holding commands that are not loaded.
    pub lost_lines: Option<(usize, usize)>,
    /// Non-blank lines after the error, parseable or not.
    pub lost_line_count: usize,
}

// ---------------------------------------------------------------------------
// Text with a map back to the source
// ---------------------------------------------------------------------------

/// The text ipfw parses (words joined by blanks, comments removed, blanks
/// after commas squeezed out) with, for each byte, the source span it comes
/// from. Bytes produced by a shell expansion map to the whole expansion.
#[derive(Clone, Debug, Default)]
pub struct MappedText {
    pub text: String,
    src: Vec<Span>,
}

impl MappedText {
    pub fn new() -> Self {
        MappedText::default()
    }

    /// `s`, found at byte `at` of the source.
    pub fn push_exact(&mut self, s: &str, at: usize) {
        self.text.push_str(s);
        self.src
            .extend((0..s.len()).map(|i| Span::new(at + i, at + i + 1)));
    }

    /// `s`, produced by the source region `span` (a variable expansion).
    pub fn push_mapped(&mut self, s: &str, span: Span) {
        self.text.push_str(s);
        self.src.extend(std::iter::repeat_n(span, s.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The bytes `from..to` with their map.
    pub fn sub(&self, from: usize, to: usize) -> MappedText {
        let to = to.min(self.text.len());
        let from = from.min(to);
        MappedText {
            text: self.text[from..to].to_string(),
            src: self.src[from..to].to_vec(),
        }
    }

    /// The source span of a span of [`MappedText::text`].
    pub fn map(&self, s: Span) -> Span {
        if self.src.is_empty() {
            return Span::default();
        }
        let n = self.src.len();
        if s.start >= s.end {
            let i = s.start().min(n);
            return if i == n {
                let e = self.src[n - 1].end();
                Span::new(e, e)
            } else {
                let b = self.src[i].start();
                Span::new(b, b)
            };
        }
        let a = s.start().min(n - 1);
        let b = s.end().min(n).max(a + 1);
        self.src[a..b]
            .iter()
            .fold(self.src[a], |acc, sp| acc.cover(*sp))
    }

    /// ipfw's preprocessing of a command string: `#` starts a comment (only
    /// when `comments`), blanks (and CRs) become separators, blanks after a
    /// comma disappear.
    pub fn normalize(&self, comments: bool) -> MappedText {
        let bytes = self.text.as_bytes();
        let mut kept = Vec::with_capacity(bytes.len());
        let mut src = Vec::with_capacity(bytes.len());
        let mut after_sep = true;
        let mut pending: Option<Span> = None;
        for (i, &b) in bytes.iter().enumerate() {
            if comments && b == b'#' {
                break;
            }
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                if !after_sep && pending.is_none() {
                    pending = Some(self.src[i]);
                }
                continue;
            }
            if let Some(sp) = pending.take() {
                kept.push(b' ');
                src.push(sp);
            }
            kept.push(b);
            src.push(self.src[i]);
            after_sep = b == b',';
        }
        // Only ASCII bytes were dropped: the text is still UTF-8.
        let text = String::from_utf8(kept).unwrap_or_default();
        src.truncate(text.len());
        MappedText { text, src }
    }
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// The result of parsing one command.
#[derive(Debug, Default)]
pub struct CommandParse {
    pub command: Option<IpfwCommand>,
    pub diagnostics: Vec<Diagnostic>,
    /// ipfw would refuse this command (an error was reported).
    pub failed: bool,
}

/// Parse one command (the words after `ipfw`). `text` must already be
/// [`MappedText::normalize`]d; `whole` is the command's span in the source.
pub fn parse_command(file: FileId, text: &MappedText, whole: Span) -> CommandParse {
    let mut b = Builder {
        file,
        mt: text,
        diags: Vec::new(),
        failed: false,
        whole,
    };
    let t = text.text.as_str();
    let command = match IpfwParser::parse(Rule::line, t) {
        Ok(mut pairs) => {
            let line = pairs.next().expect("line");
            b.line(line)
        }
        Err(e) => {
            b.explain(&e);
            None
        }
    };
    let failed = b.failed;
    CommandParse {
        command: if failed { None } else { command },
        diagnostics: b.diags,
        failed,
    }
}

/// A rule file as `ipfw [-q] /path` loads it: line by line, stopping at the
/// first line ipfw rejects. The lines after it are parsed too (for their own
/// diagnostics) but reported as lost, not returned as commands.
pub fn parse_file(file: FileId, text: &str) -> ParsedIpfw {
    parse_text(file, text, true)
}

/// A list of commands run one by one (each line its own `ipfw` call): a bad
/// line loses only itself.
pub fn parse_lines(file: FileId, text: &str) -> ParsedIpfw {
    parse_text(file, text, false)
}

fn parse_text(file: FileId, text: &str, stop_at_error: bool) -> ParsedIpfw {
    let mut out = ParsedIpfw::default();
    let lines = LineIndex::new(text);
    let mut offset = 0;
    let mut stopped: Option<(Span, usize)> = None;
    let mut lost: Vec<IpfwCommand> = Vec::new();
    let mut lost_first: Option<usize> = None;
    let mut lost_last: Option<usize> = None;
    let mut lost_count = 0;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line_text = raw.trim_end_matches('\n');
        let mut mt = MappedText::new();
        mt.push_exact(line_text, start);
        let norm = mt.normalize(true);
        if norm.text.trim().is_empty() {
            continue;
        }
        let whole = Span::new(start, start + line_text.trim_end().len());
        let parsed = parse_command(file, &norm, whole);
        if stopped.is_some() {
            lost_count += 1;
            lost_first.get_or_insert(n + 1);
            lost_last = Some(n + 1);
            for d in parsed.diagnostics {
                if d.severity == Severity::Error {
                    out.diagnostics.push(d);
                }
            }
            if let Some(c) = parsed.command {
                lost.push(c);
            }
            continue;
        }
        out.diagnostics.extend(parsed.diagnostics);
        if parsed.failed {
            if stop_at_error {
                stopped = Some((whole, n + 1));
            }
            continue;
        }
        if let Some(c) = parsed.command {
            out.file.commands.push(c);
        }
    }
    if let Some((span, line)) = stopped {
        let lost_lines = lost_first.zip(lost_last);
        if lost_count > 0 {
            let (first, last) = lost_lines.unwrap_or((line + 1, line + 1));
            let from = lines.line_start(first).unwrap_or(span.end());
            let to = lines
                .line_start(last + 1)
                .map_or(text.len(), |s| s.saturating_sub(1));
            let n_rules = lost.iter().filter(|c| c.rule().is_some()).count();
            let what = if lost_count == 1 {
                "the line after it is".to_string()
            } else {
                format!("the {lost_count} lines after it are")
            };
            let lines_txt = if first == last {
                format!("line {first}")
            } else {
                format!("lines {first}–{last}")
            };
            out.diagnostics.push(
                Diagnostic::new(
                    &IPFW_TRUNCATED,
                    file,
                    Span::new(from, to.max(from)),
                    format!(
                        "ipfw stops loading this file at line {line}: {what} not loaded ({lines_txt}, {n_rules} rule{})",
                        if n_rules == 1 { "" } else { "s" }
                    ),
                )
                .with_related(file, span, "ipfw exits here")
                .with_help("fix the error: in a rule file every line after the first bad one is lost"),
            );
        }
        out.truncated = Some(Truncation {
            error: span,
            error_line: line,
            lost,
            lost_lines,
            lost_line_count: lost_count,
        });
    }
    out
}

/// What kind of ipfw input a text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpfwFormat {
    /// `ipfw /path` input: one command per line without `ipfw`.
    RuleFile,
    /// A shell script that runs ipfw (rc.firewall style).
    Shell,
}

/// Tell a rule file from a shell script: a `#!` line, a variable, an
/// assignment, shell keywords or lines calling `ipfw` mean a script.
pub fn detect_format(text: &str) -> IpfwFormat {
    if text.starts_with("#!") {
        return IpfwFormat::Shell;
    }
    let mut shell = 0usize;
    let mut rules = 0usize;
    for l in text.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        let base = first.rsplit('/').next().unwrap_or(first);
        if base == "ipfw"
            || first.starts_with('$')
            || [
                "if", "then", "fi", "case", "esac", "for", "do", "done", "else", "elif",
            ]
            .contains(&first)
            || (first.contains('=') && !first.starts_with('-'))
            || t.contains("${")
            || t.ends_with('{') && t.contains("()")
        {
            shell += 1;
        } else if [
            "add", "-q", "-f", "flush", "delete", "table", "pipe", "queue", "nat", "set", "sched",
        ]
        .contains(&first)
        {
            rules += 1;
        }
    }
    if shell > rules {
        IpfwFormat::Shell
    } else {
        IpfwFormat::RuleFile
    }
}

// ---------------------------------------------------------------------------
// Builder: pest pairs to the tree, with ipfw's checks on values
// ---------------------------------------------------------------------------

struct Builder<'a> {
    file: FileId,
    mt: &'a MappedText,
    diags: Vec<Diagnostic>,
    failed: bool,
    whole: Span,
}

fn nspan(p: &Pair<'_, Rule>) -> Span {
    Span::new(p.as_span().start(), p.as_span().end())
}

impl Builder<'_> {
    fn sp(&self, s: Span) -> Span {
        let m = self.mt.map(s);
        if m == Span::default() && !self.mt.is_empty() {
            self.whole
        } else {
            m
        }
    }
    fn psp(&self, p: &Pair<'_, Rule>) -> Span {
        self.sp(nspan(p))
    }
    fn spanned(&self, p: &Pair<'_, Rule>) -> Spanned<String> {
        Spanned::new(p.as_str().to_string(), self.psp(p))
    }
    fn error(&mut self, at: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.failed = true;
        let span = self.sp(at);
        self.diags
            .push(Diagnostic::new(&IPFW_SYNTAX, self.file, span, msg));
        self.diags.last_mut().expect("pushed")
    }
    fn info(&mut self, at: Span, msg: impl Into<String>) {
        let span = self.sp(at);
        self.diags
            .push(Diagnostic::new(&IPFW_UNVERIFIED, self.file, span, msg));
    }

    fn line(&mut self, line: Pair<'_, Rule>) -> Option<IpfwCommand> {
        let mut flags = Vec::new();
        let mut kind = None;
        for p in line.into_inner() {
            match p.as_rule() {
                Rule::flag => flags.push(self.spanned(&p)),
                Rule::EOI => {}
                _ => kind = self.command(p),
            }
        }
        // Flags alone (`-q`) make an empty command: ipfw prints its usage.
        let kind = match kind {
            Some(k) => k,
            None => {
                if !flags.is_empty() {
                    let at = Span::new(self.mt.text.len(), self.mt.text.len());
                    self.error(at, "a command is missing after the options");
                }
                return None;
            }
        };
        Some(IpfwCommand {
            file: self.file,
            span: self.whole,
            text: self.mt.text.clone(),
            flags,
            kind,
        })
    }

    fn words<'i>(&self, pairs: impl Iterator<Item = Pair<'i, Rule>>) -> Vec<Spanned<String>> {
        pairs
            .filter(|p| p.as_rule() == Rule::word)
            .map(|p| self.spanned(&p))
            .collect()
    }

    fn command(&mut self, p: Pair<'_, Rule>) -> Option<CommandKind> {
        let rule = p.as_rule();
        let mut inner = p.into_inner();
        Some(match rule {
            Rule::add_cmd => {
                let _kw = inner.next();
                let r = inner.next()?;
                CommandKind::Add(Box::new(self.rule(r)?))
            }
            Rule::delete_cmd => self.delete(inner),
            Rule::flush_cmd => CommandKind::Flush { set: None },
            Rule::table_cmd => {
                let _kw = inner.next();
                let name = inner.next()?;
                let table = self.spanned(&name);
                let op = match inner.next() {
                    None => TableOp::Other(Vec::new()),
                    Some(op) => match op.as_rule() {
                        Rule::table_add => self.table_add(op),
                        Rule::table_delete => TableOp::Delete(self.words(op.into_inner().skip(1))),
                        Rule::table_flush => TableOp::Flush,
                        _ => {
                            let mut v = vec![self.spanned(&op)];
                            v.extend(self.words(inner));
                            TableOp::Other(v)
                        }
                    },
                };
                CommandKind::Table(TableCommand { table, op })
            }
            Rule::set_cmd => {
                let _kw = inner.next();
                let rest: Vec<Pair<'_, Rule>> = inner.collect();
                if rest.first().map(|p| p.as_rule()) == Some(Rule::set_number) {
                    let n: u32 = rest[0].as_str().parse().unwrap_or(u32::MAX);
                    if n > 31 {
                        self.error(nspan(&rest[0]), format!("illegal set {n}: sets are 0..31"));
                    }
                    match rest.get(1).map(|p| p.as_rule()) {
                        Some(Rule::flush_cmd) => CommandKind::Flush { set: Some(n) },
                        Some(Rule::delete_cmd) => {
                            let d = rest[1].clone();
                            self.delete(d.into_inner())
                        }
                        _ => {
                            let p = rest.get(1)?.clone();
                            let mut i = p.into_inner();
                            let keyword = self.spanned(&i.next()?);
                            CommandKind::Info {
                                keyword,
                                args: self.words(i),
                            }
                        }
                    }
                } else {
                    CommandKind::Set {
                        args: self.words(rest.into_iter()),
                    }
                }
            }
            Rule::dummynet_cmd => {
                let kind = self.spanned(&inner.next()?);
                CommandKind::Dummynet {
                    kind,
                    args: self.words(inner),
                }
            }
            Rule::nat_cmd => {
                let _kw = inner.next();
                CommandKind::Nat {
                    args: self.words(inner),
                }
            }
            Rule::info_cmd => {
                let keyword = self.spanned(&inner.next()?);
                CommandKind::Info {
                    keyword,
                    args: self.words(inner),
                }
            }
            _ => return None,
        })
    }

    fn delete<'i>(&mut self, inner: impl Iterator<Item = Pair<'i, Rule>>) -> CommandKind {
        let mut set = false;
        let mut targets = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::k_set => set = true,
                Rule::word => {
                    let t = p.as_str();
                    let (a, b) = t.split_once('-').unwrap_or((t, t));
                    match (a.parse::<u32>(), b.parse::<u32>()) {
                        (Ok(a), Ok(b)) if a <= b => {
                            targets.push(Spanned::new((a, b), self.psp(&p)));
                        }
                        _ => {
                            // ipfw stops reading numbers at the first non-number.
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        if targets.is_empty() {
            let at = Span::new(self.mt.text.len(), self.mt.text.len());
            self.error(at, "`delete` needs rule numbers");
        }
        CommandKind::Delete { set, targets }
    }

    fn table_add(&mut self, op: Pair<'_, Rule>) -> TableOp {
        let words: Vec<Pair<'_, Rule>> = op
            .into_inner()
            .filter(|p| p.as_rule() == Rule::word)
            .collect();
        let mut entries: Vec<TableEntry> = Vec::new();
        for w in words {
            let t = w.as_str();
            // A number after a key is its value.
            if let Some(last) = entries.last_mut() {
                if last.value.is_none() && t.chars().all(|c| c.is_ascii_digit()) {
                    last.value = t.parse().ok();
                    last.span = last.span.cover(self.psp(&w));
                    continue;
                }
            }
            let net = parse_net(t);
            if net.is_none() && t.contains(['/', ':']) && !t.contains(['$', '"']) {
                // Neither a network nor an interface/host name.
                if t.parse::<IpAddr>().is_err()
                    && t.split('/')
                        .next()
                        .and_then(|a| a.parse::<IpAddr>().ok())
                        .is_some()
                {
                    self.error(nspan(&w), format!("bad table entry `{t}`"));
                }
            }
            entries.push(TableEntry {
                span: self.psp(&w),
                key: t.to_string(),
                net,
                value: None,
            });
        }
        TableOp::Add(entries)
    }

    fn rule(&mut self, r: Pair<'_, Rule>) -> Option<IpfwRule> {
        let span = self.whole;
        let mut rule = IpfwRule {
            file: self.file,
            span,
            number: None,
            number_span: None,
            set: None,
            prob: None,
            action: Spanned::new(Action::Count, span),
            action_word: String::new(),
            log: None,
            altq: None,
            tag: None,
            proto: Vec::new(),
            proto_span: None,
            src: AddrMatch::default(),
            sports: None,
            dst: AddrMatch::default(),
            dports: None,
            options: Vec::new(),
            comment: None,
            ipfw2: Vec::new(),
        };
        for p in r.into_inner() {
            match p.as_rule() {
                Rule::rule_number => {
                    let t = p.as_str();
                    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
                    let n: u64 = digits.parse().unwrap_or(u64::MAX);
                    if digits.len() != t.len() {
                        // atoi(): ipfw takes the leading digits and says nothing.
                        let span = self.psp(&p);
                        self.diags.push(
                            Diagnostic::new(
                                &IPFW_SYNTAX,
                                self.file,
                                span,
                                format!("ipfw reads `{t}` as rule number {n}"),
                            )
                            .with_severity(Severity::Warning),
                        );
                    }
                    if n == 0 {
                        // `add 0 ...`: the kernel numbers the rule.
                        continue;
                    } else if n >= 65535 {
                        self.error(
                            nspan(&p),
                            format!(
                                "rule number {t} is out of range: rules are numbered 1..65534 (65535 is the default rule)"
                            ),
                        );
                    }
                    rule.number = Some(n.min(u32::MAX as u64) as u32);
                    rule.number_span = Some(self.psp(&p));
                }
                Rule::set_part => {
                    let w = p.into_inner().nth(1)?;
                    match w.as_str().parse::<u32>() {
                        Ok(n) if n <= 31 => rule.set = Some(n),
                        _ => {
                            self.error(
                                nspan(&w),
                                format!("illegal set `{}`: sets are 0..31", w.as_str()),
                            );
                        }
                    }
                    rule.ipfw2.push(Spanned::new("rule sets", self.psp(&w)));
                }
                Rule::prob_part => {
                    let w = p.into_inner().nth(1)?;
                    match w.as_str().parse::<f64>() {
                        Ok(x) if x > 0.0 && x <= 1.0 => rule.prob = Some(x),
                        _ => {
                            self.error(
                                nspan(&w),
                                format!(
                                    "illegal match probability `{}`: it must be in (0, 1]",
                                    w.as_str()
                                ),
                            );
                        }
                    }
                }
                Rule::check_state => {
                    rule.action_word = p.as_str().to_string();
                    rule.action = Spanned::new(Action::CheckState(None), self.psp(&p));
                }
                Rule::word => {
                    // Words after check-state: a flow name (modern) or ignored.
                    if let Action::CheckState(flow) = &mut rule.action.value {
                        if flow.is_none() && p.as_str().starts_with(':') {
                            *flow = Some(p.as_str()[1..].to_string());
                        }
                    }
                }
                Rule::comment => {
                    rule.action_word = "//".into();
                    rule.action = Spanned::new(Action::Comment, self.psp(&p));
                    rule.comment = self.comment(p);
                }
                Rule::action => {
                    let (a, word) = self.action(p.clone())?;
                    rule.action_word = word;
                    rule.action = Spanned::new(a, self.psp(&p));
                    if matches!(
                        rule.action.value,
                        Action::Call(_) | Action::Return | Action::Nat(_) | Action::Setfib(_)
                    ) {
                        rule.ipfw2.push(Spanned::new(
                            "call/return, nat and setfib actions",
                            self.psp(&p),
                        ));
                    }
                }
                Rule::action_param => self.action_param(p, &mut rule),
                Rule::body => self.body(p, &mut rule),
                _ => {}
            }
        }
        Some(rule)
    }

    fn comment(&mut self, p: Pair<'_, Rule>) -> Option<Spanned<String>> {
        let s = self.psp(&p);
        let text = p
            .into_inner()
            .find(|c| c.as_rule() == Rule::comment_text)
            .map(|c| c.as_str().trim().to_string())
            .unwrap_or_default();
        Some(Spanned::new(text, s))
    }

    fn action(&mut self, p: Pair<'_, Rule>) -> Option<(Action, String)> {
        let inner = p.into_inner().next()?;
        match inner.as_rule() {
            Rule::act_noarg => {
                let w = inner.as_str();
                let a = match w {
                    "accept" | "pass" | "allow" | "permit" => Action::Allow,
                    "deny" | "drop" => Action::Deny,
                    "reject" => Action::Reject,
                    "reset" => Action::Reset,
                    "reset6" => Action::Reset6,
                    "count" => Action::Count,
                    "reass" => Action::Reass,
                    "return" => Action::Return,
                    "abort" => Action::Abort,
                    "abort6" => Action::Abort6,
                    _ => Action::Count,
                };
                Some((a, w.to_string()))
            }
            Rule::act_arg => {
                let mut it = inner.into_inner();
                let kw = it.next()?;
                let arg = it.next()?;
                let w = kw.as_str().to_string();
                let at = arg.as_str();
                let a = match w.as_str() {
                    "skipto" => Action::Skipto(self.target(&arg, &w, false)),
                    "call" => Action::Call(self.target(&arg, &w, false)),
                    "pipe" => Action::Pipe(self.target(&arg, &w, false)),
                    "queue" => Action::Queue(self.target(&arg, &w, false)),
                    "netgraph" => Action::Netgraph(self.target(&arg, &w, false)),
                    "ngtee" => Action::Ngtee(self.target(&arg, &w, false)),
                    "divert" => Action::Divert(self.target(&arg, &w, true)),
                    "tee" => Action::Tee(self.target(&arg, &w, true)),
                    "nat" => {
                        if at == "global" {
                            Action::Nat(Target::Global)
                        } else {
                            Action::Nat(self.target(&arg, &w, false))
                        }
                    }
                    "setfib" => Action::Setfib(self.target(&arg, &w, false)),
                    "setdscp" => Action::Setdscp(at.to_string()),
                    "unreach" => {
                        if !valid_unreach(at) {
                            self.error(nspan(&arg), format!("`{at}` is not an ICMP unreachable code"))
                                .help = Some(
                                "use a number 0..255 or net, host, protocol, port, needfrag, srcfail, net-unknown, host-unknown, isolated, net-prohib, host-prohib, tosnet, toshost, filter-prohib, host-precedence, precedence-cutoff".into(),
                            );
                        }
                        Action::Unreach(at.to_string())
                    }
                    "unreach6" => {
                        if !valid_unreach6(at) {
                            self.error(
                                nspan(&arg),
                                format!("`{at}` is not an ICMPv6 unreachable code"),
                            );
                        }
                        Action::Unreach6(at.to_string())
                    }
                    "fwd" | "forward" => {
                        if !valid_fwd(at) {
                            self.error(
                                nspan(&arg),
                                format!("`{at}` is not a forward address[,port]"),
                            );
                        }
                        Action::Fwd(at.to_string())
                    }
                    _ => Action::Other {
                        keyword: w.clone(),
                        arg: Some(at.to_string()),
                    },
                };
                Some((a, w))
            }
            _ => None,
        }
    }

    /// The numeric argument of an action (`tablearg` allowed; divert/tee
    /// also take a name from the `divert` services).
    fn target(&mut self, arg: &Pair<'_, Rule>, action: &str, divert: bool) -> Target {
        let t = arg.as_str();
        if t == "tablearg" {
            return Target::Tablearg;
        }
        if t.starts_with(|c: char| c.is_ascii_digit()) {
            let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
            let n: u64 = digits.parse().unwrap_or(u64::MAX);
            if n == 0 || n >= 65535 {
                self.error(nspan(arg), format!("illegal argument for {action}: {t}"));
            }
            return Target::Number(n.min(65535) as u32);
        }
        if divert {
            if let Some(p) = divert_port(t) {
                return Target::Number(p);
            }
            self.error(nspan(arg), format!("illegal divert/tee port `{t}`"))
                .help = Some("use a port number or `natd` (8668)".into());
            return Target::Number(0);
        }
        let d = self.error(nspan(arg), format!("illegal argument for {action}: `{t}`"));
        if action == "skipto" || action == "call" {
            d.help = Some(format!("{action} takes a rule number"));
        }
        Target::Number(0)
    }

    fn action_param(&mut self, p: Pair<'_, Rule>, rule: &mut IpfwRule) {
        let Some(inner) = p.into_inner().next() else {
            return;
        };
        let tspan = nspan(&inner);
        let span = self.psp(&inner);
        match inner.as_rule() {
            Rule::ap_log => {
                let amount = inner.into_inner().nth(2).map(|w| {
                    let t = w.as_str();
                    match t.parse::<u32>() {
                        Ok(n) => n,
                        Err(_) => {
                            self.error(
                                nspan(&w),
                                format!("logamount must be a number, found `{t}`"),
                            );
                            0
                        }
                    }
                });
                if rule.log.is_some() {
                    self.error(tspan, "log cannot be specified more than once");
                }
                rule.log = Some(Log { span, amount });
            }
            Rule::ap_altq => {
                if let Some(w) = inner.into_inner().nth(1) {
                    rule.altq = Some(self.spanned(&w));
                }
            }
            Rule::ap_tag => {
                let mut it = inner.into_inner();
                let kw = it
                    .next()
                    .map(|k| k.as_str().to_string())
                    .unwrap_or_default();
                if let Some(w) = it.next() {
                    let value = match w.as_str().parse::<u32>() {
                        Ok(n) if (1..=65534).contains(&n) => n,
                        _ if w.as_str() == "tablearg" => 0,
                        _ => {
                            self.error(
                                nspan(&w),
                                format!("{kw}: invalid argument `{}`", w.as_str()),
                            );
                            0
                        }
                    };
                    if rule.tag.is_some() {
                        self.error(
                            nspan(&w),
                            "tag and untag cannot be specified more than once",
                        );
                    }
                    rule.tag = Some(Spanned::new(
                        Tag {
                            untag: kw == "untag",
                            value,
                        },
                        span,
                    ));
                    rule.ipfw2.push(Spanned::new("tags", span));
                }
            }
            _ => {}
        }
    }

    fn body(&mut self, p: Pair<'_, Rule>, rule: &mut IpfwRule) {
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::classic => self.classic(c, rule),
                Rule::options => self.options(c, rule),
                _ => {}
            }
        }
    }

    fn classic(&mut self, p: Pair<'_, Rule>, rule: &mut IpfwRule) {
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::proto_part => {
                    rule.proto_span = Some(self.psp(&c));
                    let braced = c
                        .clone()
                        .into_inner()
                        .any(|x| x.as_rule() == Rule::open_brace);
                    if braced {
                        rule.ipfw2.push(Spanned::new("or-blocks", self.psp(&c)));
                    }
                    for a in c.into_inner().filter(|x| x.as_rule() == Rule::proto_alt) {
                        let s = self.psp(&a);
                        let mut negated = false;
                        for x in a.into_inner() {
                            match x.as_rule() {
                                Rule::neg => negated = true,
                                Rule::proto_tok => {
                                    let name = x.as_str().to_string();
                                    let proto = match proto_of(&name) {
                                        Some(p) => p,
                                        None => {
                                            let d = self.error(
                                                nspan(&x),
                                                format!("invalid protocol `{name}`"),
                                            );
                                            if name == "ipsec" {
                                                d.help = Some("`ipsec` is an option (`allow ip from A to B ipsec`); IPsec itself is `esp` or `ah`".into());
                                            } else if let Some(best) = closest_proto(&name) {
                                                d.help = Some(format!("did you mean `{best}`?"));
                                            }
                                            Proto::Any
                                        }
                                    };
                                    rule.proto.push(ProtoAlt {
                                        span: s,
                                        negated,
                                        proto,
                                        name,
                                    });
                                }
                                _ => {}
                            }
                        }
                    }
                }
                Rule::src_part => rule.src = self.addr_match(c, rule),
                Rule::dst_part => rule.dst = self.addr_match(c, rule),
                Rule::src_ports => rule.sports = self.port_match(c),
                Rule::dst_ports => rule.dports = self.port_match(c),
                _ => {}
            }
        }
    }

    fn addr_match(&mut self, p: Pair<'_, Rule>, rule: &mut IpfwRule) -> AddrMatch {
        let span = self.psp(&p);
        let mut alts = Vec::new();
        let mut braced = false;
        for a in p.into_inner() {
            match a.as_rule() {
                Rule::open_brace => braced = true,
                Rule::addr_alt => {
                    let s = self.psp(&a);
                    let mut negated = false;
                    for x in a.into_inner() {
                        match x.as_rule() {
                            Rule::neg => negated = true,
                            Rule::addr_tok => {
                                if let Some(addr) = self.addr(&x, rule) {
                                    if negated && addr == Addr::Any {
                                        self.error(nspan(&x), "`not any` never matches");
                                    }
                                    alts.push(AddrAlt {
                                        span: s,
                                        negated,
                                        addr,
                                    });
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if braced {
            rule.ipfw2.push(Spanned::new("or-blocks", span));
        }
        AddrMatch {
            span: Some(span),
            alts,
        }
    }

    /// An address word, checked the way ipfw's fill_ip/fill_ip6 check it.
    fn addr(&mut self, x: &Pair<'_, Rule>, rule: &mut IpfwRule) -> Option<Addr> {
        let t = x.as_str();
        match parse_addr(t) {
            Ok(a) => {
                let feature = match &a {
                    Addr::Table { .. } => Some("lookup tables"),
                    Addr::Me6 => Some("me6"),
                    Addr::List(items) if items.len() > 1 => Some("address lists"),
                    Addr::List(items)
                        if items
                            .iter()
                            .any(|i| matches!(i, AddrItem::Net(IpNet::V6(_)))) =>
                    {
                        Some("IPv6 addresses")
                    }
                    _ => None,
                };
                if let Some(f) = feature {
                    rule.ipfw2.push(Spanned::new(f, self.psp(x)));
                }
                if t.contains('{') {
                    rule.ipfw2.push(Spanned::new("address sets", self.psp(x)));
                }
                Some(a)
            }
            Err(msg) => {
                let d = self.error(nspan(x), msg);
                if t.starts_with('$') {
                    d.help = Some(
                        "ipfw does not expand shell variables in a rule file; use a script or `ipfw -p cpp`".into(),
                    );
                } else if t.starts_with(['"', '\'']) {
                    d.help = Some(
                        "a rule file is not read by a shell: write table(N) without quotes".into(),
                    );
                }
                None
            }
        }
    }

    fn port_match(&mut self, p: Pair<'_, Rule>) -> Option<PortMatch> {
        let span = self.psp(&p);
        let mut negated = false;
        let mut out = None;
        for x in p.into_inner() {
            match x.as_rule() {
                Rule::neg => negated = true,
                Rule::ports_tok => {
                    let t = x.as_str();
                    if t == "any" {
                        return None;
                    }
                    out = self.ports(&x, negated, span);
                }
                _ => {}
            }
        }
        out
    }

    fn ports(&mut self, x: &Pair<'_, Rule>, negated: bool, span: Span) -> Option<PortMatch> {
        let t = x.as_str();
        match parse_ports(t) {
            Ok((ranges, unresolved)) => {
                for u in &unresolved {
                    if let Some(kw) = crate::syntax::closest(u, OPTION_WORDS) {
                        self.error(
                            nspan(x),
                            format!("unrecognised option `{u}` (not a port either)"),
                        )
                        .help = Some(format!("did you mean `{kw}`?"));
                        return None;
                    }
                    self.info(
                        nspan(x),
                        format!("`{u}` is taken as a service name from /etc/services; ipseclint cannot resolve it"),
                    );
                }
                Some(PortMatch {
                    span,
                    negated,
                    ranges,
                    unresolved,
                })
            }
            Err(msg) => {
                self.error(nspan(x), msg);
                None
            }
        }
    }

    fn options(&mut self, p: Pair<'_, Rule>, rule: &mut IpfwRule) {
        let mut have_state: Option<Span> = None;
        for item in p.into_inner() {
            match item.as_rule() {
                Rule::comment => rule.comment = self.comment(item),
                Rule::opt_item => {
                    let gspan = self.psp(&item);
                    let g = item.into_inner().next();
                    let Some(g) = g else { continue };
                    let mut alts = Vec::new();
                    let or_block = g.as_rule() == Rule::or_group;
                    let negs: Vec<Pair<'_, Rule>> = if or_block {
                        g.into_inner()
                            .filter(|x| x.as_rule() == Rule::opt_neg)
                            .collect()
                    } else {
                        vec![g]
                    };
                    for n in negs {
                        if let Some(o) = self.opt_neg(n, or_block, &mut have_state) {
                            alts.push(o);
                        }
                    }
                    if or_block {
                        rule.ipfw2.push(Spanned::new("or-blocks", gspan));
                    }
                    for o in &alts {
                        let f = match &o.kind {
                            OptKind::Ipsec => Some("the ipsec option"),
                            OptKind::SrcIp(_) | OptKind::DstIp(_) => Some("src-ip/dst-ip"),
                            OptKind::Ip4 | OptKind::Ip6 => Some("ip4/ip6"),
                            OptKind::Tagged(_) => Some("tags"),
                            _ => None,
                        };
                        if let Some(f) = f {
                            rule.ipfw2.push(Spanned::new(f, o.span));
                        }
                    }
                    if !alts.is_empty() {
                        rule.options.push(OptGroup { span: gspan, alts });
                    }
                }
                _ => {}
            }
        }
    }

    fn opt_neg(
        &mut self,
        n: Pair<'_, Rule>,
        in_or: bool,
        have_state: &mut Option<Span>,
    ) -> Option<Opt> {
        let span_n = nspan(&n);
        let span = self.sp(span_n);
        let mut negated = false;
        let mut kind = None;
        for x in n.into_inner() {
            match x.as_rule() {
                Rule::opt_not => {
                    if negated {
                        self.error(nspan(&x), "double `not` is not allowed");
                    }
                    negated = true;
                }
                Rule::option => kind = self.option(x, in_or, have_state),
                _ => {}
            }
        }
        kind.map(|kind| Opt {
            span,
            negated,
            kind,
        })
    }

    fn option(
        &mut self,
        x: Pair<'_, Rule>,
        in_or: bool,
        have_state: &mut Option<Span>,
    ) -> Option<OptKind> {
        let o = x.into_inner().next()?;
        let ospan = nspan(&o);
        match o.as_rule() {
            Rule::opt0 => Some(match o.as_str() {
                "in" => OptKind::In,
                "out" => OptKind::Out,
                "established" | "estab" => OptKind::Established,
                "setup" => OptKind::Setup,
                "ipsec" => OptKind::Ipsec,
                "ip4" | "ipv4" => OptKind::Ip4,
                "ip6" | "ipv6" => OptKind::Ip6,
                "diverted" | "diverted-loopback" | "diverted-output" => OptKind::Diverted,
                "layer2" | "bridged" => OptKind::Layer2,
                w => OptKind::Other {
                    keyword: w.to_string(),
                    args: Vec::new(),
                    known: true,
                },
            }),
            Rule::opt_state => {
                let mut it = o.into_inner();
                let kw = it.next()?.as_str().to_string();
                let flow = it.next().map(|f| f.as_str()[1..].to_string());
                if in_or {
                    self.error(ospan, format!("{kw} cannot be part of an or block"));
                }
                if kw == "keep-state" {
                    if have_state.is_some() {
                        self.error(ospan, "only one of keep-state and limit is allowed");
                    }
                    *have_state = Some(ospan);
                    Some(OptKind::KeepState { flow })
                } else {
                    Some(OptKind::RecordState { flow })
                }
            }
            Rule::opt_limit => {
                if in_or {
                    self.error(ospan, "limit cannot be part of an or block");
                }
                if have_state.is_some() {
                    self.error(ospan, "only one of keep-state and limit is allowed");
                }
                *have_state = Some(ospan);
                let mut masks = Vec::new();
                let mut max = 0;
                for c in o.into_inner() {
                    match c.as_rule() {
                        Rule::limit_mask => masks.push(c.as_str().to_string()),
                        Rule::word => match c.as_str().parse::<u32>() {
                            Ok(n) if n > 0 => max = n,
                            _ if c.as_str() == "tablearg" => {}
                            _ => {
                                let msg = if masks.is_empty() {
                                    format!("limit: missing limit mask (src-addr, src-port, dst-addr, dst-port), found `{}`", c.as_str())
                                } else {
                                    format!("limit: invalid argument `{}`", c.as_str())
                                };
                                self.error(nspan(&c), msg);
                            }
                        },
                        _ => {}
                    }
                }
                if masks.is_empty() && !self.failed {
                    self.error(ospan, "limit: missing limit mask");
                }
                Some(OptKind::Limit { masks, max })
            }
            Rule::opt_frag => {
                let spec = o
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::frag_spec)
                    .map(|c| c.as_str().to_string());
                Some(OptKind::Frag(spec))
            }
            Rule::opt1 => {
                let mut it = o.into_inner();
                let kw = it.next()?;
                let arg = it.next()?;
                Some(self.opt1(kw.as_str(), &arg))
            }
            Rule::opt2 => {
                let mut it = o.into_inner();
                let kw = it.next()?.as_str().to_string();
                let args: Vec<String> = it.map(|a| a.as_str().to_string()).collect();
                if kw == "lookup"
                    && ![
                        "dst-ip", "src-ip", "dst-port", "src-port", "uid", "jail", "dscp",
                        "dst-ip6", "src-ip6", "mark", "rulenum", "dst-mac", "src-mac",
                    ]
                    .contains(&args[0].as_str())
                {
                    self.error(ospan, format!("format: cannot lookup on {}", args[0]));
                }
                Some(OptKind::Other {
                    keyword: kw,
                    args,
                    known: true,
                })
            }
            Rule::opt_unknown => {
                let mut it = o.into_inner();
                let kw = it.next()?;
                let word = kw.as_str().to_string();
                let args: Vec<String> = it.map(|a| a.as_str().to_string()).collect();
                let plain = word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && word.starts_with(|c: char| c.is_ascii_lowercase());
                if let Some(best) = crate::syntax::closest(&word, OPTION_WORDS) {
                    self.error(nspan(&kw), format!("unrecognised option `{word}`"))
                        .help = Some(format!("did you mean `{best}`?"));
                } else if !plain || word.len() < 3 {
                    let d = self.error(nspan(&kw), format!("unrecognised option `{word}`"));
                    if word.starts_with('$') {
                        d.help = Some("ipfw does not expand shell variables in a rule file".into());
                    }
                } else {
                    self.info(
                        nspan(&kw),
                        format!("`{word}` is not an ipfw option ipseclint knows: accepted as newer syntax, not checked"),
                    );
                }
                Some(OptKind::Other {
                    keyword: word,
                    args,
                    known: false,
                })
            }
            _ => None,
        }
    }

    /// An option with one argument, with ipfw's check of the argument.
    fn opt1(&mut self, kw: &str, arg: &Pair<'_, Rule>) -> OptKind {
        let a = arg.as_str();
        let at = nspan(arg);
        let other = |known: bool| OptKind::Other {
            keyword: kw.to_string(),
            args: vec![a.to_string()],
            known,
        };
        match kw {
            "via" | "recv" | "xmit" => {
                let i = iface_of(a);
                if a.starts_with('$') || a.contains('"') {
                    self.error(at, format!("`{a}` is not an interface name"))
                        .help = Some("ipfw does not expand shell variables in a rule file".into());
                }
                match kw {
                    "via" => OptKind::Via(i),
                    "recv" => OptKind::Recv(i),
                    _ => OptKind::Xmit(i),
                }
            }
            "tcpflags" | "tcpflgs" => match parse_flags(a, TCP_FLAG_NAMES) {
                Ok((set, clear)) => OptKind::TcpFlags {
                    set: set as u8,
                    clear: clear as u8,
                },
                Err(bad) => {
                    self.error(at, format!("invalid flag `{bad}`"))
                        .help = Some("tcpflags takes fin, syn, rst, psh, ack, urg (ece, cwr), each optionally with `!`".into());
                    other(true)
                }
            },
            "ipoptions" | "ipopts" => {
                if let Err(bad) = parse_flags(a, &[("ssrr", 1), ("lsrr", 2), ("rr", 4), ("ts", 8)])
                {
                    self.error(at, format!("invalid ip option `{bad}`"));
                }
                other(true)
            }
            "tcpoptions" | "tcpopts" => {
                let names = &[
                    ("mss", 1),
                    ("maxseg", 1),
                    ("window", 2),
                    ("sack", 4),
                    ("ts", 8),
                    ("timestamp", 8),
                    ("cc", 16),
                ];
                if let Err(bad) = parse_flags(a, names) {
                    self.error(at, format!("invalid tcp option `{bad}`"));
                }
                other(true)
            }
            "iptos" => {
                let names = &[
                    ("lowdelay", 1),
                    ("throughput", 2),
                    ("reliability", 4),
                    ("mincost", 8),
                    ("congestion", 16),
                    ("ecntransport", 32),
                ];
                if let Err(bad) = parse_flags(a, names) {
                    self.error(at, format!("invalid ip tos option `{bad}`"));
                }
                other(true)
            }
            "icmptype" | "icmptypes" | "icmp6type" | "icmp6types" => match parse_u8_list(a) {
                Some(v) if kw.starts_with("icmp6") => OptKind::Icmp6Types(v),
                Some(v) => OptKind::IcmpTypes(v),
                None => {
                    self.error(
                        at,
                        format!("{kw} requires a list of type numbers, found `{a}`"),
                    );
                    other(true)
                }
            },
            "ipversion" | "ipver" => match a.parse::<u8>() {
                Ok(v) => OptKind::IpVersion(v),
                Err(_) => {
                    self.error(at, format!("ipver requires a version, found `{a}`"));
                    other(true)
                }
            },
            "proto" => match proto_of(a) {
                Some(p) => OptKind::Proto(p),
                None => {
                    self.error(at, format!("invalid protocol `{a}`"));
                    other(true)
                }
            },
            "src-ip" | "dst-ip" | "src-ip6" | "src-ipv6" | "dst-ip6" | "dst-ipv6" => {
                match parse_addr(a) {
                    Ok(addr) => {
                        if kw.starts_with("src") {
                            OptKind::SrcIp(addr)
                        } else {
                            OptKind::DstIp(addr)
                        }
                    }
                    Err(msg) => {
                        self.error(at, msg);
                        other(true)
                    }
                }
            }
            "src-port" | "dst-port" => {
                if a == "any" {
                    return other(true);
                }
                match parse_ports(a) {
                    Ok((ranges, unresolved)) => {
                        for u in &unresolved {
                            self.info(
                                at,
                                format!("`{u}` is taken as a service name from /etc/services; ipseclint cannot resolve it"),
                            );
                        }
                        let pm = PortMatch {
                            span: self.sp(at),
                            negated: false,
                            ranges,
                            unresolved,
                        };
                        if kw == "src-port" {
                            OptKind::SrcPort(pm)
                        } else {
                            OptKind::DstPort(pm)
                        }
                    }
                    Err(msg) => {
                        self.error(
                            at,
                            format!(
                                "invalid {} {a}: {msg}",
                                if kw == "src-port" {
                                    "source port"
                                } else {
                                    "destination port"
                                }
                            ),
                        );
                        other(true)
                    }
                }
            }
            "ipttl" => match parse_num_ranges(a) {
                Some(v) => OptKind::IpTtl(v),
                None => {
                    self.error(at, format!("invalid ipttl `{a}`"));
                    other(true)
                }
            },
            "tagged" => match parse_num_ranges(a) {
                Some(v) => OptKind::Tagged(v),
                None => {
                    self.error(at, format!("tagged: invalid tag list `{a}`"));
                    other(true)
                }
            },
            "fib" => match a.parse::<u32>() {
                Ok(n) => OptKind::Fib(n),
                Err(_) => {
                    self.error(at, format!("fib requires a fib number, found `{a}`"));
                    other(true)
                }
            },
            "iplen" | "ipid" | "tcpdatalen" | "tcpwin" => {
                if parse_num_ranges(a).is_none() {
                    self.error(at, format!("invalid {kw} `{a}`"));
                }
                other(true)
            }
            "jail" | "tcpseq" | "tcpack" | "ipprecedence" => {
                if a.parse::<i64>().is_err() && !a.starts_with("0x") {
                    self.error(at, format!("{kw} requires a number, found `{a}`"));
                }
                other(true)
            }
            "ext6hdr" => {
                let known = [
                    "frag", "hopopt", "route", "rthdr0", "rthdr2", "dstopt", "ah", "esp",
                ];
                for part in a.split(',') {
                    if !known.contains(&part) {
                        self.info(
                            at,
                            format!("ext6hdr `{part}` is not a header ipseclint knows"),
                        );
                    }
                }
                other(true)
            }
            "flow" => {
                if !a.starts_with("table(") {
                    self.error(at, "enclose the table name in `table()`");
                }
                other(true)
            }
            _ => other(true),
        }
    }

    /// Turn a pest failure into a diagnostic that names the real mistake.
    fn explain(&mut self, e: &pest::error::Error<Rule>) {
        let t = self.mt.text.clone();
        let (pos, positives) = pest_failure(e);
        let (tok_span, tok) = word_at(&t, pos);
        let first = t
            .split_whitespace()
            .find(|w| !w.starts_with('-'))
            .unwrap_or("");
        let first_pos = t.find(first).unwrap_or(0);
        // Not a command at all.
        if pos <= first_pos && !first.is_empty() && !COMMANDS.contains(&first) {
            let sp = Span::new(first_pos, first_pos + first.len());
            let d = self.error(sp, format!("`{first}` is not an ipfw command"));
            if first == "ipfw" || first.ends_with("/ipfw") {
                d.help = Some(
                    "a rule file holds commands without the word `ipfw`: write `add ...`".into(),
                );
            } else if let Some(best) = crate::syntax::closest(first, COMMANDS) {
                d.help = Some(format!("did you mean `{best}`?"));
            } else if proto_of(first).is_some() || ACTION_WORDS.contains(&first) {
                d.help = Some("a rule needs the `add` command: `add [number] action ...`".into());
            }
            return;
        }
        let has = |r: Rule| positives.contains(&r);
        let at_end = tok.is_empty();
        if has(Rule::action)
            || has(Rule::act_noarg)
            || has(Rule::act_arg_kw)
            || has(Rule::check_state)
        {
            if at_end {
                self.error(tok_span, "missing action");
                return;
            }
            let d = self.error(tok_span, format!("invalid action `{tok}`"));
            if proto_of(tok).is_some() {
                d.help = Some(format!(
                    "the action is missing: e.g. `allow {tok} ...` or `deny {tok} ...`"
                ));
            } else if let Some(best) = crate::syntax::closest(tok, ACTION_WORDS) {
                d.help = Some(format!("did you mean `{best}`?"));
            }
            return;
        }
        if has(Rule::k_from) {
            self.error(
                tok_span,
                if at_end {
                    "missing `from`".to_string()
                } else {
                    format!("missing `from` before `{tok}`")
                },
            );
            return;
        }
        if has(Rule::k_to) {
            let msg = if at_end {
                "missing `to`".to_string()
            } else {
                format!("missing `to`: `{tok}` is not a port list")
            };
            self.error(tok_span, msg);
            return;
        }
        if has(Rule::close_brace) && !has(Rule::option) {
            self.error(
                tok_span,
                if at_end {
                    "missing `}`".to_string()
                } else {
                    format!("expected `or` or `}}`, found `{tok}`")
                },
            );
            return;
        }
        if has(Rule::addr_tok) || has(Rule::addr_alt) || has(Rule::src_part) || has(Rule::dst_part)
        {
            self.error(tok_span, "missing address");
            return;
        }
        if has(Rule::proto_tok) || has(Rule::proto_alt) {
            self.error(tok_span, "missing protocol");
            return;
        }
        let prev = t[..pos.min(t.len())]
            .split_whitespace()
            .last()
            .unwrap_or("");
        if at_end && (prev == "not" || prev == "!") {
            self.error(
                tok_span,
                format!("`{prev}` must be followed by what it negates"),
            );
            return;
        }
        if has(Rule::word) && at_end {
            // An option or action that needs an argument.
            let prev = t[..pos.min(t.len())]
                .split_whitespace()
                .last()
                .unwrap_or("");
            self.error(tok_span, format!("`{prev}` needs an argument"));
            return;
        }
        if has(Rule::opt_neg) || has(Rule::option) || has(Rule::opt_item) {
            if tok == "}" || tok == ")" {
                self.error(tok_span, format!("`{tok}` without an open `{{`"));
                return;
            }
            if tok == "{" || tok == "(" {
                self.error(tok_span, "nested `{` is not allowed");
                return;
            }
            self.error(tok_span, format!("unexpected `{tok}`"));
            return;
        }
        let expected = join_expected(positives.iter().map(|r| describe(*r)));
        let msg = if at_end {
            if expected.is_empty() {
                "this command is incomplete".to_string()
            } else {
                format!("this command is incomplete: expected {expected}")
            }
        } else if expected.is_empty() {
            format!("ipfw does not accept `{tok}` here")
        } else {
            format!("expected {expected}, found `{tok}`")
        };
        self.error(tok_span, msg);
    }
}

/// The word at byte `pos` of `t` (empty at the end).
fn word_at(t: &str, pos: usize) -> (Span, &str) {
    let pos = pos.min(t.len());
    let rest = &t[pos..];
    let lead = rest.len() - rest.trim_start().len();
    let start = pos + lead;
    let len = t[start..].find([' ', '\t']).unwrap_or(t.len() - start);
    (Span::new(start, start + len), &t[start..start + len])
}

fn describe(r: Rule) -> &'static str {
    match r {
        Rule::rule_number => "a rule number",
        Rule::action | Rule::act_noarg | Rule::act_arg_kw => "an action",
        Rule::k_from => "`from`",
        Rule::k_to => "`to`",
        Rule::k_or => "`or`",
        Rule::close_brace => "`}`",
        Rule::addr_tok | Rule::addr_alt => "an address",
        Rule::ports_tok | Rule::src_ports | Rule::dst_ports => "a port list",
        Rule::proto_tok | Rule::proto_alt | Rule::proto_part => "a protocol",
        Rule::opt_item | Rule::opt_neg | Rule::option => "an option",
        Rule::word => "an argument",
        Rule::comment => "`//`",
        Rule::EOI => "the end of the command",
        _ => "",
    }
}

const COMMANDS: &[&str] = &[
    "add",
    "delete",
    "flush",
    "table",
    "set",
    "pipe",
    "queue",
    "sched",
    "nat",
    "list",
    "show",
    "zero",
    "resetlog",
    "enable",
    "disable",
    "iflist",
    "internal",
    "nat64lsn",
    "nat64stl",
    "nat64clat",
    "nptv6",
    "sets",
];

const ACTION_WORDS: &[&str] = &[
    "accept",
    "pass",
    "allow",
    "permit",
    "count",
    "deny",
    "drop",
    "reject",
    "reset",
    "reset6",
    "unreach",
    "unreach6",
    "skipto",
    "call",
    "return",
    "divert",
    "tee",
    "fwd",
    "forward",
    "pipe",
    "queue",
    "nat",
    "setfib",
    "setdscp",
    "netgraph",
    "ngtee",
    "reass",
    "check-state",
    "abort",
];

/// Option keywords (for did-you-mean).
pub const OPTION_WORDS: &[&str] = &[
    "in",
    "out",
    "via",
    "recv",
    "xmit",
    "keep-state",
    "record-state",
    "limit",
    "established",
    "setup",
    "frag",
    "fragment",
    "ipsec",
    "tcpflags",
    "tcpoptions",
    "tcpseq",
    "tcpack",
    "tcpwin",
    "tcpdatalen",
    "icmptypes",
    "icmp6types",
    "ipoptions",
    "iplen",
    "ipid",
    "ipttl",
    "iptos",
    "ipprecedence",
    "dscp",
    "ipversion",
    "src-ip",
    "dst-ip",
    "src-ip6",
    "dst-ip6",
    "src-port",
    "dst-port",
    "proto",
    "ext6hdr",
    "flow-id",
    "mac-type",
    "layer2",
    "bridged",
    "diverted",
    "diverted-loopback",
    "diverted-output",
    "uid",
    "gid",
    "jail",
    "sockarg",
    "tagged",
    "fib",
    "lookup",
    "flow",
    "verrevpath",
    "versrcreach",
    "antispoof",
    "skip-action",
    "defer-action",
    "antispoof",
];

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/// A protocol word as ipfw reads it in the protocol field.
pub fn proto_of(w: &str) -> Option<Proto> {
    match w {
        "ip" | "all" => return Some(Proto::Any),
        "ip4" | "ipv4" => return Some(Proto::Ip4),
        "ip6" | "ipv6" => return Some(Proto::Ip6),
        _ => {}
    }
    if w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty() {
        return match w.parse::<u32>() {
            Ok(n) if (1..=255).contains(&n) => Some(Proto::Number(n as u8)),
            _ => None,
        };
    }
    // /etc/protocols lists the upper-case names as aliases.
    let lower = w.to_ascii_lowercase();
    if lower != w && w.to_ascii_uppercase() != w {
        return None;
    }
    // `IP` is getprotobyname's 0: any protocol, as `ip` is.
    crate::syntax::protocols::number(&lower).map(|p| match p {
        0 => Proto::Any,
        p => Proto::Number(p),
    })
}

fn closest_proto(w: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = crate::syntax::protocols::names().collect();
    crate::syntax::closest(w, &names)
}

/// Service names (a subset of /etc/services) and their ports.
pub const SERVICES: &[(&str, u16)] = &[
    ("tcpmux", 1),
    ("echo", 7),
    ("discard", 9),
    ("systat", 11),
    ("daytime", 13),
    ("netstat", 15),
    ("qotd", 17),
    ("chargen", 19),
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("time", 37),
    ("nameserver", 42),
    ("whois", 43),
    ("nicname", 43),
    ("tacacs", 49),
    ("domain", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("gopher", 70),
    ("finger", 79),
    ("http", 80),
    ("www", 80),
    ("kerberos", 88),
    ("kerberos-sec", 88),
    ("hostname", 101),
    ("pop2", 109),
    ("pop3", 110),
    ("sunrpc", 111),
    ("auth", 113),
    ("ident", 113),
    ("sftp", 115),
    ("nntp", 119),
    ("ntp", 123),
    ("epmap", 135),
    ("loc-srv", 135),
    ("netbios-ns", 137),
    ("netbios-dgm", 138),
    ("netbios-ssn", 139),
    ("imap", 143),
    ("imap2", 143),
    ("snmp", 161),
    ("snmptrap", 162),
    ("snmp-trap", 162),
    ("xdmcp", 177),
    ("bgp", 179),
    ("irc", 194),
    ("ldap", 389),
    ("https", 443),
    ("microsoft-ds", 445),
    ("kpasswd", 464),
    ("isakmp", 500),
    ("exec", 512),
    ("biff", 512),
    ("login", 513),
    ("who", 513),
    ("shell", 514),
    ("cmd", 514),
    ("syslog", 514),
    ("printer", 515),
    ("talk", 517),
    ("ntalk", 518),
    ("route", 520),
    ("router", 520),
    ("timed", 525),
    ("uucp", 540),
    ("klogin", 543),
    ("kshell", 544),
    ("dhcpv6-client", 546),
    ("dhcpv6-server", 547),
    ("rtsp", 554),
    ("submission", 587),
    ("ipp", 631),
    ("ldaps", 636),
    ("rsync", 873),
    ("ftps-data", 989),
    ("ftps", 990),
    ("telnets", 992),
    ("imaps", 993),
    ("ircs", 994),
    ("pop3s", 995),
    ("socks", 1080),
    ("openvpn", 1194),
    ("ms-sql-s", 1433),
    ("ms-sql-m", 1434),
    ("l2f", 1701),
    ("l2tp", 1701),
    ("pptp", 1723),
    ("radius", 1812),
    ("radius-acct", 1813),
    ("nfsd", 2049),
    ("nfs", 2049),
    ("cvspserver", 2401),
    ("mysql", 3306),
    ("ms-wbt-server", 3389),
    ("svn", 3690),
    ("ipsec-nat-t", 4500),
    ("sip", 5060),
    ("xmpp-client", 5222),
    ("postgresql", 5432),
    ("x11", 6000),
    ("http-alt", 8080),
    ("webcache", 8080),
    ("git", 9418),
];

pub fn service_port(name: &str) -> Option<u16> {
    SERVICES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

fn divert_port(name: &str) -> Option<u32> {
    match name {
        "natd" => Some(8668),
        _ => None,
    }
}

const UNREACH: &[&str] = &[
    "net",
    "host",
    "protocol",
    "port",
    "needfrag",
    "srcfail",
    "net-unknown",
    "host-unknown",
    "isolated",
    "net-prohib",
    "host-prohib",
    "tosnet",
    "toshost",
    "filter-prohib",
    "host-precedence",
    "precedence-cutoff",
];

fn valid_unreach(s: &str) -> bool {
    UNREACH.contains(&s) || s.parse::<u8>().is_ok()
}

fn valid_unreach6(s: &str) -> bool {
    ["no-route", "admin-prohib", "address", "port"].contains(&s) || s.parse::<u8>().is_ok()
}

fn valid_fwd(s: &str) -> bool {
    if s.starts_with("tablearg") {
        return true;
    }
    let (host, port) = match s.rsplit_once(',') {
        Some((h, p)) => (h, Some(p)),
        None => match s.split_once(':') {
            Some((h, p)) if !h.contains(':') && !p.contains(':') => (h, Some(p)),
            _ => (s, None),
        },
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok() || service_port(p).is_some());
    let host_ok = host.parse::<IpAddr>().is_ok() || is_hostname(host);
    port_ok && host_ok
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
}

const TCP_FLAG_NAMES: &[(&str, u32)] = &[
    ("fin", 0x01),
    ("syn", 0x02),
    ("rst", 0x04),
    ("psh", 0x08),
    ("ack", 0x10),
    ("urg", 0x20),
    ("ece", 0x40),
    ("cwr", 0x80),
];

/// `a,!b,c` over a name table: (set bits, cleared bits), or the bad word.
fn parse_flags(s: &str, names: &[(&str, u32)]) -> Result<(u32, u32), String> {
    let mut set = 0;
    let mut clear = 0;
    for part in s.split(',') {
        let (neg, name) = match part.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, part),
        };
        let bit = names
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| *b)
            .ok_or_else(|| part.to_string())?;
        if neg {
            clear |= bit;
        } else {
            set |= bit;
        }
    }
    Ok((set, clear))
}

fn parse_u8_list(s: &str) -> Option<Vec<u8>> {
    s.split(',').map(|p| p.parse::<u8>().ok()).collect()
}

fn parse_num_ranges(s: &str) -> Option<Vec<(u32, u32)>> {
    s.split(',')
        .map(|p| {
            let (a, b) = p.split_once('-').unwrap_or((p, p));
            let a = parse_c_number(a)?;
            let b = parse_c_number(b)?;
            (a <= b).then_some((a, b))
        })
        .collect()
}

fn parse_c_number(s: &str) -> Option<u32> {
    if let Some(h) = s.strip_prefix("0x") {
        u32::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

/// Port ranges and the service names ipseclint could not resolve.
pub type PortList = (Vec<(u16, u16)>, Vec<String>);

/// A port list: `22`, `1024-65535`, `http,https`, `ftp\-data`.
/// Returns the ranges and the names ipseclint does not know.
pub fn parse_ports(s: &str) -> Result<PortList, String> {
    let mut ranges = Vec::new();
    let mut unknown = Vec::new();
    for item in s.split(',') {
        if item.is_empty() {
            return Err(format!("empty entry in port list `{s}`"));
        }
        // Split on an unescaped '-'.
        let bytes = item.as_bytes();
        let mut split = None;
        for i in 1..bytes.len() {
            if bytes[i] == b'-' && bytes[i - 1] != b'\\' {
                split = Some(i);
                break;
            }
        }
        let (a, b) = match split {
            Some(i) => (&item[..i], Some(&item[i + 1..])),
            None => (item, None),
        };
        let lo = port_value(a, &mut unknown)?;
        let hi = match b {
            Some(b) => port_value(b, &mut unknown)?,
            None => lo,
        };
        if let (Some(lo), Some(hi)) = (lo, hi) {
            if lo > hi {
                return Err(format!("invalid port range `{item}`"));
            }
            ranges.push((lo, hi));
        }
    }
    Ok((ranges, unknown))
}

fn port_value(s: &str, unknown: &mut Vec<String>) -> Result<Option<u16>, String> {
    if s.is_empty() {
        return Err("missing port".into());
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s
            .parse::<u16>()
            .map(Some)
            .map_err(|_| format!("port `{s}` is out of range (0..65535)"));
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{s}` is not a port"));
    }
    let name = s.replace("\\-", "-");
    if let Some(p) = service_port(&name) {
        return Ok(Some(p));
    }
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        unknown.push(name);
        return Ok(None);
    }
    Err(format!("`{s}` is not a port or service name"))
}

/// A network in a table entry: `a`, `a/len`.
fn parse_net(s: &str) -> Option<IpNet> {
    let (a, l) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: IpAddr = a.parse().ok()?;
    let full = if ip.is_ipv4() { 32 } else { 128 };
    let len = match l {
        Some(l) => l.parse::<u8>().ok()?,
        None => full,
    };
    IpNet::new(ip, len).ok().map(|n| n.trunc())
}

/// inet_aton(3): 1 to 4 numbers (decimal, 0x hex or 0 octal), the last one
/// filling the remaining bytes.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    if s.is_empty() || s.ends_with('.') {
        return None;
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::new();
    for p in &parts {
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()?
        } else if p.len() > 1 && p.starts_with('0') {
            u32::from_str_radix(&p[1..], 8).ok()?
        } else {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            p.parse::<u32>().ok()?
        };
        nums.push(v);
    }
    let n = nums.len();
    let mut v: u32 = 0;
    for (i, x) in nums.iter().enumerate() {
        if i + 1 < n {
            if *x > 255 {
                return None;
            }
            v |= x << (8 * (3 - i));
        } else {
            let bits = 8 * (4 - i as u32);
            if bits < 32 && *x >= (1u32 << bits) {
                return None;
            }
            v |= x;
        }
    }
    Some(Ipv4Addr::from(v))
}

fn v4_mask(len: u32) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

/// An address field or src-ip/dst-ip argument, checked the way ipfw's
/// fill_ip/fill_ip6 check it.
pub fn parse_addr(s: &str) -> Result<Addr, String> {
    match s {
        "any" => return Ok(Addr::Any),
        "me" => return Ok(Addr::Me),
        "me6" => return Ok(Addr::Me6),
        _ => {}
    }
    if let Some(rest) = s.strip_prefix("table(") {
        let Some(close) = rest.find(')') else {
            return Err(format!("forgotten parenthesis: `{s}`"));
        };
        let inside = &rest[..close];
        let (name, value) = match inside.split_once(',') {
            Some((n, v)) => (n, Some(v)),
            None => (inside, None),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(format!("invalid table name `{name}`"));
        }
        let value = match value {
            Some(v) => Some(parse_c_number(v).ok_or_else(|| format!("invalid table value `{v}`"))?),
            None => None,
        };
        return Ok(Addr::Table {
            name: name.to_string(),
            value,
        });
    }
    let first = s.split(['/', ',']).next().unwrap_or(s);
    if first.parse::<Ipv6Addr>().is_ok() || s.contains("::") {
        return parse_v6_list(s);
    }
    parse_v4_list(s)
}

fn parse_v6_list(s: &str) -> Result<Addr, String> {
    let mut items = Vec::new();
    for item in s.split(',') {
        if item == "me6" || item == "any" {
            continue;
        }
        let (a, l) = match item.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (item, None),
        };
        let ip: Ipv6Addr = a.parse().map_err(|_| format!("bad IPv6 address `{a}`"))?;
        let len = match l {
            Some(l) => l
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 128)
                .ok_or_else(|| format!("bad IPv6 prefix length `{l}`"))?,
            None => 128,
        };
        let net = IpNet::new(IpAddr::V6(ip), len).map_err(|_| format!("bad prefix `{item}`"))?;
        items.push(AddrItem::Net(net.trunc()));
    }
    if items.is_empty() {
        return Ok(Addr::Any);
    }
    Ok(Addr::List(items))
}

fn parse_v4_list(s: &str) -> Result<Addr, String> {
    // An address set: base[/len]{a,b-c} (only as the whole field).
    if let Some(brace) = s.find('{') {
        let base = &s[..brace];
        let set = s[brace + 1..]
            .strip_suffix('}')
            .ok_or_else(|| format!("set not closed in `{s}`"))?;
        if base.contains(',') {
            return Err("an address set cannot be in a list".into());
        }
        let (a, len) = match base.split_once('/') {
            Some((a, l)) => (a, l.parse::<u32>().map_err(|_| format!("bad width `{l}`"))?),
            None => (base, 24),
        };
        if !(24..=31).contains(&len) {
            return Err(format!("invalid set with mask {len}: use /24 to /31"));
        }
        let ip = inet_aton(a).ok_or_else(|| format!("bad address `{a}` in a set"))?;
        let base = u32::from(ip) & v4_mask(len);
        let low = base & 0xff;
        let high = low + (1 << (32 - len)) - 1;
        let mut items = Vec::new();
        for part in set.split(',') {
            let (x, y) = part.split_once('-').unwrap_or((part, part));
            let x: u32 = x.parse().map_err(|_| format!("bad set entry `{part}`"))?;
            let y: u32 = y.parse().map_err(|_| format!("bad set entry `{part}`"))?;
            if x < low || y > high || x > y {
                return Err(format!("addr {part} out of range [{low}-{high}]"));
            }
            for h in x..=y {
                let addr = Ipv4Addr::from((base & !0xff) | h);
                items.push(AddrItem::Net(
                    IpNet::new(IpAddr::V4(addr), 32).expect("/32"),
                ));
            }
        }
        return Ok(Addr::List(items));
    }
    let mut items = Vec::new();
    for item in s.split(',') {
        if item.is_empty() {
            return Err(format!("empty entry in address list `{s}`"));
        }
        let (a, mask) = match item.find(['/', ':']) {
            Some(i) => (&item[..i], Some((&item[i..i + 1], &item[i + 1..]))),
            None => (item, None),
        };
        let ip = match inet_aton(a) {
            Some(ip) => ip,
            None => {
                if a == "any" {
                    // `any` in a list turns the list into "any".
                    return Ok(Addr::Any);
                }
                if is_hostname(a) && !a.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    if mask.is_some() {
                        items.push(AddrItem::Host(item.to_string()));
                    } else {
                        items.push(AddrItem::Host(a.to_string()));
                    }
                    continue;
                }
                return Err(format!("hostname `{a}` unknown"));
            }
        };
        let m = match mask {
            None => u32::MAX,
            Some(("/", l)) => {
                let len: u32 = l.parse().map_err(|_| format!("bad width `{l}`"))?;
                if len > 32 {
                    return Err(format!("bad width `{l}`"));
                }
                v4_mask(len)
            }
            Some((_, m)) => u32::from(inet_aton(m).ok_or_else(|| format!("bad netmask `{m}`"))?),
        };
        let addr = u32::from(ip) & m;
        if m == 0 {
            // x/0 is "any": it makes the whole list a no-op.
            return Ok(Addr::Any);
        }
        if m.leading_ones() + m.trailing_zeros() == 32 {
            let net = IpNet::new(IpAddr::V4(Ipv4Addr::from(addr)), m.leading_ones() as u8)
                .expect("valid prefix");
            items.push(AddrItem::Net(net));
        } else {
            items.push(AddrItem::Masked {
                addr: Ipv4Addr::from(addr),
                mask: Ipv4Addr::from(m),
            });
        }
    }
    Ok(Addr::List(items))
}

fn iface_of(a: &str) -> Iface {
    if a == "any" {
        return Iface::Any;
    }
    if let Some(rest) = a.strip_prefix("table(") {
        return Iface::Table(rest.trim_end_matches(')').to_string());
    }
    if let Ok(ip) = a.parse::<IpAddr>() {
        return Iface::Addr(ip);
    }
    Iface::Name(a.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> CommandParse {
        let mut mt = MappedText::new();
        mt.push_exact(line, 0);
        parse_command(FileId(0), &mt.normalize(true), Span::new(0, line.len()))
    }

    fn rule(line: &str) -> IpfwRule {
        let p = one(line);
        assert!(!p.failed, "{line}: {:?}", p.diagnostics);
        p.command.unwrap().rule().unwrap().clone()
    }

    fn err(line: &str) -> (String, String) {
        let p = one(line);
        assert!(p.failed, "{line} should fail");
        let d = &p.diagnostics[0];
        (
            d.message.clone(),
            line[d.location.span.start()..d.location.span.end()].to_string(),
        )
    }

    #[test]
    fn classic_rules() {
        let r = rule("add 100 allow tcp from any to me 22,80,443 in via em0 setup keep-state");
        assert_eq!(r.number, Some(100));
        assert_eq!(r.action.value, Action::Allow);
        assert_eq!(r.proto[0].proto, Proto::Number(6));
        assert_eq!(r.dst.alts[0].addr, Addr::Me);
        assert_eq!(
            r.dports.as_ref().unwrap().ranges,
            vec![(22, 22), (80, 80), (443, 443)]
        );
        assert_eq!(r.options.len(), 4);
        assert!(r.keeps_state());
        let r = rule("add deny log logamount 5 all from 10.0.0.0/8 to any in via em0");
        assert_eq!(r.log.as_ref().unwrap().amount, Some(5));
        assert_eq!(r.proto[0].proto, Proto::Any);
        let r = rule("add pass all from 192.0.2.16:255.255.255.240 to any");
        match &r.src.alts[0].addr {
            Addr::List(v) => assert_eq!(v[0], AddrItem::Net("192.0.2.16/28".parse().unwrap())),
            a => panic!("{a:?}"),
        }
        let r = rule("add deny { tcp or udp } from any to any 135-139,445 in");
        assert_eq!(r.proto.len(), 2);
        let r = rule("add 50 divert natd ip4 from any to any via em0");
        assert_eq!(r.action.value, Action::Divert(Target::Number(8668)));
        let r = rule(
            "add deny all from any to \"table(13)\" via em0"
                .replace('"', "")
                .as_str(),
        );
        assert_eq!(
            r.dst.alts[0].addr,
            Addr::Table {
                name: "13".into(),
                value: None
            }
        );
        let r = rule("add 2999 return via any");
        assert!(r.proto.is_empty());
        let r = rule("add 1 allow esp from 192.0.2.1 500 to 198.51.100.1 500");
        assert_eq!(r.sports.as_ref().unwrap().ranges, vec![(500, 500)]);
        let r =
            rule("add 230 allow ip4 from any 68 to { 10.0.0.1 or 255.255.255.255 } 67 proto udp");
        assert_eq!(r.dst.alts.len(), 2);
        let r = rule("add 201 deny ip from any to any out recv not recv tun0 xmit em1");
        assert_eq!(r.options.len(), 4);
        let r = rule("add 244 allow ip from any to any out { xmit em0 or xmit tun0 } record-state");
        assert_eq!(r.options[1].alts.len(), 2);
        let r = rule("add 90 deny ip from any to any not antispoof in");
        assert!(r.options[0].alts[0].negated);
        let r = rule(
            "add 305 allow ip4 from any to me 22 tcpflags syn,!ack,!fin,!rst in limit src-addr 10",
        );
        assert!(r.keeps_state());
        let r = rule("add 120 deny ip4 from any to any frag mf");
        assert_eq!(r.options[0].alts[0].kind, OptKind::Frag(Some("mf".into())));
        let r = rule("add 95 allow tcp from any to me 22,80 via igb1 in setup limit src-addr 150");
        assert_eq!(r.options.len(), 4);
        let r = rule("add 100 check-state :default");
        assert_eq!(r.action.value, Action::CheckState(Some("default".into())));
        let r = rule("add 100 // just a comment");
        assert_eq!(r.action.value, Action::Comment);
        let r = rule("add 100 allow ip from 1.2.3.0/24{5,7-9} to any");
        match &r.src.alts[0].addr {
            Addr::List(v) => assert_eq!(v.len(), 4),
            a => panic!("{a:?}"),
        }
        let r = rule("add allow udp from fe80::/10 to ff02::1,ff02::2 546 // dhcp");
        assert_eq!(r.comment.as_ref().unwrap().value, "dhcp");
    }

    #[test]
    fn other_commands() {
        for l in [
            "-f flush",
            "-q flush",
            "table 13 add 10.0.0.0/8",
            "table 13 flush",
            "pipe 1 config bw 1Mbit/s",
            "nat 123 config if igb1 reset redirect_port tcp 192.168.3.2:1723 1723",
            "delete 100 200",
            "set 3 flush",
            "show",
            "nat show config",
            "table fail2ban create or-flush type addr",
        ] {
            let p = one(l);
            assert!(!p.failed, "{l}: {:?}", p.diagnostics);
            assert!(p.command.is_some(), "{l}");
        }
        let p = one("table 13 add 10.0.0.0/8 42");
        let Some(IpfwCommand {
            kind:
                CommandKind::Table(TableCommand {
                    op: TableOp::Add(e),
                    ..
                }),
            ..
        }) = p.command
        else {
            panic!()
        };
        assert_eq!(e[0].value, Some(42));
        assert_eq!(e[0].net, Some("10.0.0.0/8".parse().unwrap()));
    }

    #[test]
    fn errors_point_at_the_mistake() {
        let (m, at) = err("add 10060 udp from any to any via igb1 out keep-state");
        assert!(m.contains("invalid action `udp`"), "{m}");
        assert_eq!(at, "udp");
        let (m, at) = err("ipfw add 100 allow ip from any to any");
        assert!(m.contains("not an ipfw command"), "{m}");
        assert_eq!(at, "ipfw");
        let (m, _) = err("add 100 allow tcp any to any");
        assert!(m.contains("from"), "{m}");
        let (m, at) = err("add 100 allow tcp from any to any estabished");
        assert!(m.contains("unrecognised option"), "{m}");
        assert_eq!(at, "estabished");
        let (m, _) = err("add 100 allow tcp from any to any via");
        assert!(m.contains("needs an argument"), "{m}");
        let (m, at) = err("add 100 allow ip from $inet to any");
        assert!(m.contains("unknown"), "{m}");
        assert_eq!(at, "$inet");
        let (m, _) = err("add 70000 allow ip from any to any");
        assert!(m.contains("out of range"), "{m}");
        let (m, _) = err("add 100 skipto foo ip from any to any");
        assert!(m.contains("illegal argument"), "{m}");
        let (m, _) = err("add 100 allow ip from any to any keep-state limit src-addr 2");
        assert!(m.contains("only one"), "{m}");
        let (m, _) = err("add 100 allow");
        assert!(m.contains("incomplete") || m.contains("missing"), "{m}");
        let (m, _) = err("add 100 allow ip from 10.0.0.0/33 to any");
        assert!(m.contains("bad width"), "{m}");
    }

    #[test]
    fn newer_keywords_are_infos() {
        let p = one("add 100 allow tcp from any to me in tcp-frobnicate 3");
        assert!(!p.failed, "{:?}", p.diagnostics);
        assert_eq!(p.diagnostics[0].rule.code, "IPS1204");
    }

    #[test]
    fn rule_file_stops_at_first_error() {
        let t = "# rules\n-q flush\nadd 100 allow ip from any to any via lo0\nadd 200 udp from any to me 500\n\nadd 300 allow esp from any to me\nadd 400 allow udp from any to me 500\n";
        let p = parse_file(FileId(0), t);
        assert_eq!(p.file.commands.len(), 2);
        let tr = p.truncated.as_ref().unwrap();
        assert_eq!(tr.error_line, 4);
        assert_eq!(tr.lost.len(), 2);
        assert_eq!(tr.lost_lines, Some((6, 7)));
        let codes: Vec<_> = p.diagnostics.iter().map(|d| d.rule.code).collect();
        assert_eq!(codes, vec!["IPS1201", "IPS1202"]);
        let p = parse_lines(FileId(0), t);
        assert_eq!(p.file.commands.len(), 4);
        assert!(p.truncated.is_none());
    }

    #[test]
    fn spans_map_through_normalisation() {
        let t = "add 100 allow ip from 10.0.0.1,   10.0.0.2 to any # comment\n";
        let p = parse_file(FileId(0), t);
        let r = p.file.rules().next().unwrap();
        let s = r.src.alts[0].span;
        assert_eq!(&t[s.start()..s.end()], "10.0.0.1,   10.0.0.2");
    }

    #[test]
    fn format_detection() {
        assert_eq!(
            detect_format("add 100 allow ip from any to any\n"),
            IpfwFormat::RuleFile
        );
        assert_eq!(
            detect_format("cmd=\"ipfw -q add\"\n$cmd 10 allow all from any to any\n"),
            IpfwFormat::Shell
        );
    }
}
