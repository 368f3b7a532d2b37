//! Firewall shell scripts in the rc.firewall style: a small `/bin/sh`
//! evaluator that finds the ipfw commands a script runs.
//!
//! It runs the script the way sh would, line by line, with the variables it
//! is given (rc.conf values instead of sourcing `/etc/rc.conf`): assignments,
//! `${x}`/`$x` (with `:-`, `-`, `%`, `#`, ... operators), `case` with sh
//! patterns, `if`/`elif`/`else` with the `[ ... ]` tests it can decide,
//! `&&`/`||`, `for` over known lists, simple shell functions, and rc.subr's
//! `checkyesno`/`load_rc_config`. Every command whose first word is ipfw
//! (`${fwcmd}`, `/sbin/ipfw -q`, `ipfw`, ...) is parsed with the ipfw parser,
//! its spans pointing into the script.
//!
//! What it cannot know — the output of a command substitution, a variable
//! nobody set, a file test, the exit status of an external command — is never
//! guessed: a command that needs it is reported as "not evaluated"
//! (IPS1203), and the branches of an undecided condition are run as
//! *conditional*: their ipfw commands are returned with
//! [`ShCommand::conditional`] set, and variables they change become unknown.

use crate::diagnostic::{register, rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, LineIndex, Span};
use crate::syntax::ipfw::IPFW_TRUNCATED;
use crate::syntax::ipfw::{self, CommandKind, IpfwCommand, IpfwFile, IpfwRule, MappedText};
use crate::syntax::Spanned;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

// The syntax rules this parser emits.

rule!(IPFW_NOT_EVALUATED, "IPS1203", "ipfw-not-evaluated", Info,
    "A line of a firewall shell script that ipseclint could not evaluate.",
    why: "ipfw rulesets are often shell scripts (rc.firewall style). ipseclint runs the parts it can\n\
          decide (variables, `case`, `if [ ... ]`, simple functions) and lists the ipfw commands the\n\
          script adds. A command that depends on a value it cannot know (a command substitution, an\n\
          unset variable, a file test) is reported here and left out, never guessed: the checks that\n\
          follow do not see that rule.",
    bad: "fwcmd=\"/sbin/ipfw -q\"\noif=`route -n get default | awk '/interface/ {print $2}'`\n${fwcmd} add allow esp from any to me via ${oif}",
    good: "fwcmd=\"/sbin/ipfw -q\"\noif=\"em0\"\n${fwcmd} add allow esp from any to me via ${oif}",
    log: None);

register![IPFW_NOT_EVALUATED];

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// What the script is run with.
#[derive(Clone, Debug, Default)]
pub struct ShellOptions {
    /// Variables known before the script starts (rc.conf values).
    pub vars: HashMap<String, String>,
    /// Positional parameters `$1`, `$2`, ...
    pub args: Vec<String>,
    /// Treat variables that are neither set by the script nor in `vars` as
    /// empty (sh's rule) instead of unknown. Right when `vars` holds every
    /// variable the script may read (rc.firewall with rc.conf and its defaults).
    pub unset_is_empty: bool,
    /// Exit status of commands ipseclint cannot run, by their expanded text
    /// (`"afexists inet6"` → 0).
    pub statuses: HashMap<String, i32>,
    /// What a path is, for `[ -r path ]`, `[ -f path ]`, `[ -d path ]`.
    pub files: HashMap<String, PathKind>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    File,
    Dir,
    Missing,
}

/// An ipfw command the script runs.
#[derive(Clone, Debug)]
pub struct ShCommand {
    pub command: IpfwCommand,
    /// It runs only under a condition ipseclint could not decide.
    pub conditional: bool,
    /// The function calls it was reached through (call sites, outermost first).
    pub calls: Vec<Span>,
}

/// The result of evaluating a script.
#[derive(Debug, Default)]
pub struct ShellOutput {
    /// Every ipfw command the script runs (or may run), in order.
    pub commands: Vec<ShCommand>,
    pub diagnostics: Vec<Diagnostic>,
    /// Variables at the end of the script (`None` = unknown).
    pub vars: HashMap<String, Option<String>>,
}

impl ShellOutput {
    /// The commands that certainly run, as a file of commands.
    pub fn certain(&self) -> IpfwFile {
        IpfwFile {
            commands: self
                .commands
                .iter()
                .filter(|c| !c.conditional)
                .map(|c| c.command.clone())
                .collect(),
        }
    }
    /// The rules the script certainly adds.
    pub fn rules(&self) -> Vec<&IpfwRule> {
        self.commands
            .iter()
            .filter(|c| !c.conditional)
            .filter_map(|c| c.command.rule())
            .collect()
    }
    /// Rules added only under an undecided condition.
    pub fn conditional_rules(&self) -> Vec<&IpfwRule> {
        self.commands
            .iter()
            .filter(|c| c.conditional)
            .filter_map(|c| c.command.rule())
            .collect()
    }
}

/// Evaluate a firewall script.
pub fn evaluate(file: FileId, text: &str, opts: &ShellOptions) -> ShellOutput {
    let mut lexer = Lexer::new(text);
    let toks = lexer.tokens();
    let mut parser = ShParser {
        toks,
        i: 0,
        definite: None,
        depth: 0,
    };
    let (program, error) = parser.program();
    let mut ev = Evaluator::new(file, text, opts);
    if let Some(at) = lexer.truncated {
        ev.note(
            Span::new(at, at),
            format!("not evaluated from here on: the script has more than {MAX_TOKENS} words and operators"),
        );
    }
    for node in &program {
        if let Flow::Exit = ev.run(node) {
            break;
        }
    }
    match (error, parser.definite) {
        (Some(_), _) if ev.exited => {}
        (Some(_), Some((at, what))) => {
            let lines = LineIndex::new(text);
            let first = lines.line_col(text, at.start()).0;
            let last = lines.line_count();
            let mut d = Diagnostic::new(
                &IPFW_TRUNCATED,
                file,
                at,
                format!("{what}: sh stops the script here, lines {first}–{last} do not run"),
            );
            let before = text
                .get(at.start().saturating_sub(5)..at.start())
                .unwrap_or("");
            if before == "table" {
                d = d.with_help("quote it for the shell: \"table(13)\"");
            }
            ev.diags.push(d);
        }
        (Some((span, msg)), None) => {
            ev.note(span, format!("not evaluated from here on: {msg}"));
        }
        (None, _) => {}
    }
    let vars = ev
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), v.known().map(str::to_string)))
        .collect();
    ShellOutput {
        commands: ev.out,
        diagnostics: ev.diags,
        vars,
    }
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Part {
    /// Unquoted text: glob characters are active, expansions split.
    Lit(MappedText),
    /// Quoted or escaped text.
    Quoted(MappedText),
    /// `$x`, `${x...}`; `bool` = inside double quotes.
    Param(Box<Param>, bool),
    /// `` `...` ``, `$(...)`, `$((...))`: never run.
    Subst(Span),
}

#[derive(Clone, Debug)]
struct Param {
    name: String,
    op: ParamOp,
    span: Span,
}

#[derive(Clone, Debug)]
enum ParamOp {
    Plain,
    Length,
    /// `-`, `=`, `+`, `?` with or without `:`.
    Cond {
        kind: u8,
        colon: bool,
        word: Vec<Part>,
    },
    /// `%`, `%%`, `#`, `##`.
    Trim {
        suffix: bool,
        longest: bool,
        pat: Vec<Part>,
    },
}

#[derive(Clone, Debug)]
struct Word {
    span: Span,
    parts: Vec<Part>,
}

impl Word {
    /// The text of a word without quotes or expansions.
    fn literal(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(m) => s.push_str(&m.text),
                _ => return None,
            }
        }
        Some(s)
    }
    /// The text with quotes removed, when there are no expansions.
    fn unquoted(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(m) | Part::Quoted(m) => s.push_str(&m.text),
                _ => return None,
            }
        }
        Some(s)
    }
}

#[derive(Clone, Debug)]
enum Tok {
    Word(Word),
    Op(&'static str, Span),
    Newline(Span),
    /// A redirection with its target (ignored).
    Redir(Span),
    Eof(Span),
}

impl Tok {
    fn span(&self) -> Span {
        match self {
            Tok::Word(w) => w.span,
            Tok::Op(_, s) | Tok::Newline(s) | Tok::Redir(s) | Tok::Eof(s) => *s,
        }
    }
}

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    heredocs: Vec<(String, bool)>,
    /// `${` nesting, bounded by `MAX_NESTING`.
    depth: usize,
    /// Where reading stopped at `MAX_TOKENS`.
    truncated: Option<usize>,
}

/// How deep `${...}` expansions and compound commands are followed: a
/// hostile script must not exhaust the stack (sh scripts never come close).
const MAX_NESTING: usize = 100;

/// The most tokens read from one script (it is at most 16 MiB).
const MAX_TOKENS: usize = 2_000_000;

fn is_op_char(c: u8) -> bool {
    matches!(c, b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str) -> Self {
        Lexer {
            s,
            b: s.as_bytes(),
            i: 0,
            heredocs: Vec::new(),
            depth: 0,
            truncated: None,
        }
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn tokens(&mut self) -> Vec<Tok> {
        let mut out = Vec::new();
        loop {
            let t = self.next();
            let end = matches!(t, Tok::Eof(_));
            out.push(t);
            if end {
                break;
            }
            if out.len() >= MAX_TOKENS {
                // The parser needs its end: what follows is not read.
                self.truncated = Some(self.i);
                out.push(Tok::Eof(Span::new(self.i, self.i)));
                break;
            }
        }
        out
    }

    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == b' ' || c == b'\t' || c == b'\r' {
                self.i += 1;
            } else if c == b'\\' && self.peek(1) == Some(b'\n') {
                self.i += 2;
            } else if c == b'\\' && self.peek(1) == Some(b'\r') && self.peek(2) == Some(b'\n') {
                self.i += 3;
            } else {
                break;
            }
        }
    }

    fn skip_heredocs(&mut self) {
        let docs = std::mem::take(&mut self.heredocs);
        for (delim, strip) in docs {
            loop {
                if self.i >= self.b.len() {
                    return;
                }
                let end = self.s[self.i..]
                    .find('\n')
                    .map_or(self.b.len(), |j| self.i + j);
                let line = self.s[self.i..end].trim_end_matches('\r');
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                self.i = (end + 1).min(self.b.len());
                if line == delim {
                    break;
                }
            }
        }
    }

    fn next(&mut self) -> Tok {
        loop {
            self.skip_blanks();
            let start = self.i;
            let Some(c) = self.peek(0) else {
                return Tok::Eof(Span::new(start, start));
            };
            match c {
                b'#' => {
                    while let Some(c) = self.peek(0) {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                    continue;
                }
                b'\n' => {
                    self.i += 1;
                    if !self.heredocs.is_empty() {
                        self.skip_heredocs();
                    }
                    return Tok::Newline(Span::new(start, start + 1));
                }
                b';' | b'&' | b'|' | b'(' | b')' => {
                    let two = [c, self.peek(1).unwrap_or(0)];
                    let op: &'static str = match &two {
                        b";;" => ";;",
                        b"&&" => "&&",
                        b"||" => "||",
                        _ => match c {
                            b';' => ";",
                            b'&' => "&",
                            b'|' => "|",
                            b'(' => "(",
                            _ => ")",
                        },
                    };
                    self.i += op.len();
                    return Tok::Op(op, Span::new(start, self.i));
                }
                b'<' | b'>' => return self.redirection(start),
                _ => {}
            }
            // An fd number right before a redirection (`2>&1`).
            if c.is_ascii_digit() {
                let mut j = self.i;
                while j < self.b.len() && self.b[j].is_ascii_digit() {
                    j += 1;
                }
                if j < self.b.len() && (self.b[j] == b'<' || self.b[j] == b'>') {
                    self.i = j;
                    return self.redirection(start);
                }
            }
            let parts = self.parts(false);
            return Tok::Word(Word {
                span: Span::new(start, self.i),
                parts,
            });
        }
    }

    fn redirection(&mut self, start: usize) -> Tok {
        let rest = &self.s[self.i..];
        let op = ["<<-", "<<", ">>", ">&", "<&", ">|", "<>", "<", ">"]
            .into_iter()
            .find(|o| rest.starts_with(o))
            .unwrap_or(">");
        self.i += op.len();
        self.skip_blanks();
        let wstart = self.i;
        let parts = self.parts(false);
        let w = Word {
            span: Span::new(wstart, self.i),
            parts,
        };
        if op.starts_with("<<") {
            let delim = w
                .unquoted()
                .unwrap_or_else(|| self.s[wstart..self.i].to_string());
            self.heredocs.push((delim, op == "<<-"));
        }
        Tok::Redir(Span::new(start, self.i))
    }

    /// Read the parts of a word up to an unquoted blank or operator (or `}`
    /// when `in_brace`, for the operand of `${x-...}`).
    fn parts(&mut self, in_brace: bool) -> Vec<Part> {
        let mut parts: Vec<Part> = Vec::new();
        let mut lit = MappedText::new();
        let flush = |lit: &mut MappedText, parts: &mut Vec<Part>| {
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(lit)));
            }
        };
        while let Some(c) = self.peek(0) {
            if in_brace {
                if c == b'}' {
                    break;
                }
            } else if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' || is_op_char(c) {
                break;
            }
            match c {
                b'\\' => match self.peek(1) {
                    Some(b'\n') => self.i += 2,
                    Some(_) => {
                        flush(&mut lit, &mut parts);
                        let ch = self.s[self.i + 1..].chars().next().unwrap_or('\\');
                        let mut q = MappedText::new();
                        q.push_mapped(
                            &ch.to_string(),
                            Span::new(self.i, self.i + 1 + ch.len_utf8()),
                        );
                        parts.push(Part::Quoted(q));
                        self.i += 1 + ch.len_utf8();
                    }
                    None => {
                        lit.push_exact("\\", self.i);
                        self.i += 1;
                    }
                },
                b'\'' => {
                    flush(&mut lit, &mut parts);
                    let start = self.i + 1;
                    let end = self.s[start..]
                        .find('\'')
                        .map_or(self.b.len(), |j| start + j);
                    let mut q = MappedText::new();
                    q.push_exact(&self.s[start..end], start);
                    parts.push(Part::Quoted(q));
                    self.i = (end + 1).min(self.b.len());
                }
                b'"' => {
                    flush(&mut lit, &mut parts);
                    self.i += 1;
                    self.dquoted(&mut parts);
                }
                b'$' => {
                    flush(&mut lit, &mut parts);
                    if let Some(p) = self.dollar(false) {
                        parts.push(p);
                    } else {
                        lit.push_exact("$", self.i);
                        self.i += 1;
                    }
                }
                b'`' => {
                    flush(&mut lit, &mut parts);
                    let start = self.i;
                    self.i += 1;
                    self.skip_backquote();
                    parts.push(Part::Subst(Span::new(start, self.i)));
                }
                _ => {
                    let ch = self.s[self.i..].chars().next().unwrap_or(' ');
                    lit.push_exact(&self.s[self.i..self.i + ch.len_utf8()], self.i);
                    self.i += ch.len_utf8();
                }
            }
        }
        flush(&mut lit, &mut parts);
        parts
    }

    fn skip_backquote(&mut self) {
        while let Some(c) = self.peek(0) {
            self.i += 1;
            if c == b'\\' {
                self.i += 1;
            } else if c == b'`' {
                return;
            }
        }
        self.i = self.i.min(self.b.len());
    }

    /// Inside double quotes (after the opening `"`).
    fn dquoted(&mut self, parts: &mut Vec<Part>) {
        let mut q = MappedText::new();
        let mut any = false;
        while let Some(c) = self.peek(0) {
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => match self.peek(1) {
                    Some(b'\n') => self.i += 2,
                    Some(n @ (b'$' | b'`' | b'"' | b'\\')) => {
                        q.push_mapped(
                            std::str::from_utf8(&[n]).unwrap_or(""),
                            Span::new(self.i, self.i + 2),
                        );
                        self.i += 2;
                    }
                    _ => {
                        q.push_exact("\\", self.i);
                        self.i += 1;
                    }
                },
                b'$' => {
                    if let Some(p) = self.dollar(true) {
                        if !q.is_empty() {
                            parts.push(Part::Quoted(std::mem::take(&mut q)));
                        }
                        parts.push(p);
                        any = true;
                    } else {
                        q.push_exact("$", self.i);
                        self.i += 1;
                    }
                }
                b'`' => {
                    if !q.is_empty() {
                        parts.push(Part::Quoted(std::mem::take(&mut q)));
                    }
                    let start = self.i;
                    self.i += 1;
                    self.skip_backquote();
                    parts.push(Part::Subst(Span::new(start, self.i)));
                    any = true;
                }
                _ => {
                    let ch = self.s[self.i..].chars().next().unwrap_or(' ');
                    q.push_exact(&self.s[self.i..self.i + ch.len_utf8()], self.i);
                    self.i += ch.len_utf8();
                }
            }
        }
        if !q.is_empty() || !any {
            parts.push(Part::Quoted(q));
        }
    }

    /// Skip to the `close` that balances an `open` just passed (single quotes
    /// and backslashes respected); to the end when there is none.
    fn skip_balanced(&mut self, open: u8, close: u8) {
        let mut depth = 1;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            match c {
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                b'\'' => {
                    let end = self.s[self.i..]
                        .find('\'')
                        .map_or(self.b.len(), |j| self.i + j);
                    self.i = (end + 1).min(self.b.len());
                }
                b'\\' => self.i += 1,
                _ => {}
            }
        }
        self.i = self.i.min(self.b.len());
    }

    /// `$...` at self.i; `None` when the `$` is literal.
    fn dollar(&mut self, quoted: bool) -> Option<Part> {
        let start = self.i;
        let c = self.peek(1)?;
        match c {
            b'{' if self.depth >= MAX_NESTING => {
                // Too deep to follow: unknown, like a command substitution.
                self.i += 2;
                self.skip_balanced(b'{', b'}');
                Some(Part::Subst(Span::new(start, self.i)))
            }
            b'{' => {
                self.i += 2;
                self.depth += 1;
                let p = self.braced(start, quoted);
                self.depth -= 1;
                Some(p)
            }
            b'(' => {
                // $(...) or $((...)): find the matching paren.
                self.i += 2;
                self.skip_balanced(b'(', b')');
                Some(Part::Subst(Span::new(start, self.i)))
            }
            c if is_name_start(c) => {
                let mut j = self.i + 1;
                while j < self.b.len() && is_name_char(self.b[j]) {
                    j += 1;
                }
                let name = self.s[self.i + 1..j].to_string();
                self.i = j;
                Some(Part::Param(
                    Box::new(Param {
                        name,
                        op: ParamOp::Plain,
                        span: Span::new(start, j),
                    }),
                    quoted,
                ))
            }
            c if c.is_ascii_digit() || b"?#@*$!-".contains(&c) => {
                self.i += 2;
                Some(Part::Param(
                    Box::new(Param {
                        name: (c as char).to_string(),
                        op: ParamOp::Plain,
                        span: Span::new(start, self.i),
                    }),
                    quoted,
                ))
            }
            _ => None,
        }
    }

    /// After `${`.
    fn braced(&mut self, start: usize, quoted: bool) -> Part {
        let mut length = false;
        if self.peek(0) == Some(b'#') && self.peek(1).is_some_and(|c| c != b'}') {
            length = true;
            self.i += 1;
        }
        let nstart = self.i;
        if self
            .peek(0)
            .is_some_and(|c| c.is_ascii_digit() || b"?#@*$!-".contains(&c))
            && !self.peek(0).is_some_and(is_name_start)
        {
            // Special or positional: one char, or digits.
            if self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
            } else {
                self.i += 1;
            }
        } else {
            while self.peek(0).is_some_and(is_name_char) {
                self.i += 1;
            }
        }
        let name = self.s[nstart..self.i].to_string();
        let op = if length {
            ParamOp::Length
        } else {
            let rest = &self.s[self.i..];
            let (kind, colon, len) = if rest.starts_with(":-") {
                (b'-', true, 2)
            } else if rest.starts_with(":=") {
                (b'=', true, 2)
            } else if rest.starts_with(":+") {
                (b'+', true, 2)
            } else if rest.starts_with(":?") {
                (b'?', true, 2)
            } else if rest.starts_with("%%") {
                (b'P', true, 2)
            } else if rest.starts_with("##") {
                (b'H', true, 2)
            } else {
                match rest.as_bytes().first() {
                    Some(b'-') => (b'-', false, 1),
                    Some(b'=') => (b'=', false, 1),
                    Some(b'+') => (b'+', false, 1),
                    Some(b'?') => (b'?', false, 1),
                    Some(b'%') => (b'P', false, 1),
                    Some(b'#') => (b'H', false, 1),
                    _ => (0, false, 0),
                }
            };
            self.i += len;
            match kind {
                0 => ParamOp::Plain,
                b'P' | b'H' => ParamOp::Trim {
                    suffix: kind == b'P',
                    longest: colon,
                    pat: self.parts(true),
                },
                _ => ParamOp::Cond {
                    kind,
                    colon,
                    word: self.parts(true),
                },
            }
        };
        // Skip to the closing brace.
        while let Some(c) = self.peek(0) {
            self.i += 1;
            if c == b'}' {
                break;
            }
        }
        Part::Param(
            Box::new(Param {
                name,
                op,
                span: Span::new(start, self.i),
            }),
            quoted,
        )
    }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

#[derive(Debug)]
enum Node {
    Simple {
        assigns: Vec<(String, Word)>,
        words: Vec<Word>,
        span: Span,
    },
    Pipeline {
        negated: bool,
        cmds: Vec<Node>,
    },
    AndOr {
        first: Box<Node>,
        rest: Vec<(bool, Node)>,
    },
    List(Vec<Node>),
    If {
        arms: Vec<(Node, Node)>,
        otherwise: Option<Box<Node>>,
    },
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, Node)>,
        span: Span,
    },
    For {
        var: String,
        words: Option<Vec<Word>>,
        body: Box<Node>,
        span: Span,
    },
    While {
        until: bool,
        cond: Box<Node>,
        body: Box<Node>,
        span: Span,
    },
    Group(Box<Node>),
    Subshell(Box<Node>),
    FuncDef {
        name: String,
        body: Rc<Node>,
    },
}

impl Node {
    fn span(&self) -> Span {
        match self {
            Node::Simple { span, .. }
            | Node::Case { span, .. }
            | Node::For { span, .. }
            | Node::While { span, .. } => *span,
            Node::Pipeline { cmds, .. } => cmds
                .iter()
                .map(Node::span)
                .reduce(Span::cover)
                .unwrap_or_default(),
            Node::AndOr { first, rest } => rest
                .iter()
                .map(|(_, n)| n.span())
                .fold(first.span(), Span::cover),
            Node::List(v) => v
                .iter()
                .map(Node::span)
                .reduce(Span::cover)
                .unwrap_or_default(),
            Node::If { arms, otherwise } => arms
                .iter()
                .map(|(c, b)| c.span().cover(b.span()))
                .chain(otherwise.iter().map(|o| o.span()))
                .reduce(Span::cover)
                .unwrap_or_default(),
            Node::Group(n) | Node::Subshell(n) => n.span(),
            Node::FuncDef { body, .. } => body.span(),
        }
    }
}

type ParseError = (Span, String);

struct ShParser {
    toks: Vec<Tok>,
    i: usize,
    /// A syntax error sh itself reports (not a construct ipseclint lacks).
    definite: Option<ParseError>,
    /// Compound commands nested around the current one.
    depth: usize,
}

const RESERVED_END: &[&str] = &["then", "elif", "else", "fi", "do", "done", "esac", "}"];

impl ShParser {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }
    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn peek_word(&self) -> Option<String> {
        match self.peek() {
            Tok::Word(w) => w.literal(),
            _ => None,
        }
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o, _) if *o == op)
    }
    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline(_)) {
            self.bump();
        }
    }
    fn skip_separators(&mut self) {
        while matches!(self.peek(), Tok::Newline(_)) || self.is_op(";") || self.is_op("&") {
            self.bump();
        }
    }
    fn expect_word(&mut self, w: &str) -> Result<Span, ParseError> {
        while matches!(self.peek(), Tok::Newline(_)) || self.is_op(";") {
            self.bump();
        }
        match self.peek() {
            Tok::Word(x) if x.literal().as_deref() == Some(w) => {
                let s = x.span;
                self.bump();
                Ok(s)
            }
            t => Err((t.span(), format!("expected `{w}`"))),
        }
    }

    /// Top-level commands up to the first shell syntax error.
    fn program(&mut self) -> (Vec<Node>, Option<ParseError>) {
        let mut out = Vec::new();
        loop {
            self.skip_separators();
            if matches!(self.peek(), Tok::Eof(_)) {
                return (out, None);
            }
            let before = self.i;
            match self.and_or() {
                Ok(n) => out.push(n),
                Err(e) => return (out, Some(e)),
            }
            if self.i == before {
                let t = self.peek().span();
                return (
                    out,
                    Some((t, "a shell construct ipseclint cannot parse".into())),
                );
            }
        }
    }

    /// Commands until one of `ends` (reserved words) or `;;`/`)`.
    fn list(&mut self, ends: &[&str]) -> Result<Node, ParseError> {
        let mut v = Vec::new();
        loop {
            self.skip_separators();
            match self.peek() {
                Tok::Eof(s) => {
                    if ends.is_empty() {
                        break;
                    }
                    return Err((*s, format!("missing `{}`", ends.join("` or `"))));
                }
                Tok::Op(";;", _) | Tok::Op(")", _) => break,
                Tok::Word(w) => {
                    if let Some(l) = w.literal() {
                        if ends.contains(&l.as_str()) {
                            break;
                        }
                    }
                }
                _ => {}
            }
            let before = self.i;
            v.push(self.and_or()?);
            if self.i == before {
                return Err((self.peek().span(), "unexpected token".into()));
            }
        }
        Ok(Node::List(v))
    }

    fn and_or(&mut self) -> Result<Node, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = if self.is_op("&&") {
                true
            } else if self.is_op("||") {
                false
            } else {
                break;
            };
            self.bump();
            self.skip_newlines();
            rest.push((and, self.pipeline()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::AndOr {
                first: Box::new(first),
                rest,
            }
        })
    }

    fn pipeline(&mut self) -> Result<Node, ParseError> {
        let mut negated = false;
        if self.peek_word().as_deref() == Some("!") {
            self.bump();
            negated = true;
        }
        let mut cmds = vec![self.command()?];
        while self.is_op("|") {
            self.bump();
            self.skip_newlines();
            cmds.push(self.command()?);
        }
        Ok(if cmds.len() == 1 && !negated {
            cmds.pop().expect("one")
        } else {
            Node::Pipeline { negated, cmds }
        })
    }

    fn redirections(&mut self) {
        while matches!(self.peek(), Tok::Redir(_)) {
            self.bump();
        }
    }

    fn command(&mut self) -> Result<Node, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err((
                self.peek().span(),
                format!("commands nested more than {MAX_NESTING} deep"),
            ));
        }
        self.depth += 1;
        let node = self.command_at();
        self.depth -= 1;
        node
    }

    fn command_at(&mut self) -> Result<Node, ParseError> {
        let start = self.peek().span();
        if self.is_op("(") {
            self.bump();
            let body = self.list(&[])?;
            if !self.is_op(")") {
                return Err((self.peek().span(), "missing `)`".into()));
            }
            self.bump();
            self.redirections();
            return Ok(Node::Subshell(Box::new(body)));
        }
        let word = self.peek_word();
        match word.as_deref() {
            Some("if") => {
                self.bump();
                let mut arms = Vec::new();
                let mut otherwise = None;
                loop {
                    let cond = self.list(&["then"])?;
                    self.expect_word("then")?;
                    let body = self.list(&["elif", "else", "fi"])?;
                    arms.push((cond, body));
                    match self.peek_word().as_deref() {
                        Some("elif") => {
                            self.bump();
                        }
                        Some("else") => {
                            self.bump();
                            otherwise = Some(Box::new(self.list(&["fi"])?));
                            self.expect_word("fi")?;
                            break;
                        }
                        _ => {
                            self.expect_word("fi")?;
                            break;
                        }
                    }
                }
                self.redirections();
                Ok(Node::If { arms, otherwise })
            }
            Some("case") => {
                self.bump();
                let word = match self.bump() {
                    Tok::Word(w) => w,
                    t => return Err((t.span(), "expected a word after `case`".into())),
                };
                self.expect_word("in")?;
                let mut arms = Vec::new();
                loop {
                    self.skip_newlines();
                    if self.peek_word().as_deref() == Some("esac") {
                        self.bump();
                        break;
                    }
                    if matches!(self.peek(), Tok::Eof(_)) {
                        return Err((self.peek().span(), "missing `esac`".into()));
                    }
                    if self.is_op("(") {
                        self.bump();
                    }
                    let mut pats = Vec::new();
                    loop {
                        match self.bump() {
                            Tok::Word(w) => pats.push(w),
                            t => return Err((t.span(), "expected a case pattern".into())),
                        }
                        if self.is_op("|") {
                            self.bump();
                            continue;
                        }
                        if self.is_op(")") {
                            self.bump();
                            break;
                        }
                        return Err((
                            self.peek().span(),
                            "expected `)` after a case pattern".into(),
                        ));
                    }
                    let body = self.list(&["esac"])?;
                    arms.push((pats, body));
                    if self.is_op(";;") {
                        self.bump();
                    }
                }
                let span = start.cover(self.toks[self.i.saturating_sub(1)].span());
                self.redirections();
                Ok(Node::Case { word, arms, span })
            }
            Some("for") => {
                self.bump();
                let var = match self.bump() {
                    Tok::Word(w) => w.literal().unwrap_or_default(),
                    t => return Err((t.span(), "expected a name after `for`".into())),
                };
                let mut words = None;
                if self.is_op(";") {
                    self.bump();
                }
                self.skip_newlines();
                if self.peek_word().as_deref() == Some("in") {
                    self.bump();
                    let mut v = Vec::new();
                    while let Tok::Word(w) = self.peek() {
                        v.push(w.clone());
                        self.bump();
                    }
                    words = Some(v);
                }
                self.expect_word("do")?;
                let body = self.list(&["done"])?;
                self.expect_word("done")?;
                let span = start.cover(self.toks[self.i.saturating_sub(1)].span());
                self.redirections();
                Ok(Node::For {
                    var,
                    words,
                    body: Box::new(body),
                    span,
                })
            }
            Some(w @ ("while" | "until")) => {
                let until = w == "until";
                self.bump();
                let cond = self.list(&["do"])?;
                self.expect_word("do")?;
                let body = self.list(&["done"])?;
                self.expect_word("done")?;
                let span = start.cover(self.toks[self.i.saturating_sub(1)].span());
                self.redirections();
                Ok(Node::While {
                    until,
                    cond: Box::new(cond),
                    body: Box::new(body),
                    span,
                })
            }
            Some("{") => {
                self.bump();
                let body = self.list(&["}"])?;
                self.expect_word("}")?;
                self.redirections();
                Ok(Node::Group(Box::new(body)))
            }
            Some("function") => {
                self.bump();
                let name = match self.bump() {
                    Tok::Word(w) => w.literal().unwrap_or_default(),
                    t => return Err((t.span(), "expected a function name".into())),
                };
                if self.is_op("(") {
                    self.bump();
                    if self.is_op(")") {
                        self.bump();
                    }
                }
                self.skip_newlines();
                let body = self.command()?;
                Ok(Node::FuncDef {
                    name,
                    body: Rc::new(body),
                })
            }
            Some(w) if RESERVED_END.contains(&w) => Err((start, format!("unexpected `{w}`"))),
            _ => {
                // name() compound-command
                if let (Some(name), Some(Tok::Op("(", _)), Some(Tok::Op(")", _))) = (
                    word.clone(),
                    self.toks.get(self.i + 1),
                    self.toks.get(self.i + 2),
                ) {
                    if name
                        .bytes()
                        .all(|c| is_name_char(c) || c == b'-' || c == b'.')
                    {
                        self.i += 3;
                        self.skip_newlines();
                        let body = self.command()?;
                        return Ok(Node::FuncDef {
                            name,
                            body: Rc::new(body),
                        });
                    }
                }
                self.simple()
            }
        }
    }

    fn simple(&mut self) -> Result<Node, ParseError> {
        let mut assigns = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut span: Option<Span> = None;
        loop {
            match self.peek() {
                Tok::Word(w) => {
                    let w = w.clone();
                    span = Some(span.map_or(w.span, |s| s.cover(w.span)));
                    self.bump();
                    if words.is_empty() {
                        if let Some((name, value)) = split_assignment(&w) {
                            assigns.push((name, value));
                            continue;
                        }
                    }
                    words.push(w);
                }
                Tok::Redir(s) => {
                    let s = *s;
                    span = Some(span.map_or(s, |x| x.cover(s)));
                    self.bump();
                }
                Tok::Op("(", s) if !words.is_empty() => {
                    // `table(13)` unquoted: sh refuses the script here.
                    let s = *s;
                    let msg = "sh syntax error: `(` unexpected".to_string();
                    self.definite = Some((s, msg.clone()));
                    return Err((s, msg));
                }
                _ => break,
            }
        }
        match span {
            Some(span) => Ok(Node::Simple {
                assigns,
                words,
                span,
            }),
            None => Err((self.peek().span(), "expected a command".into())),
        }
    }
}

/// `NAME=value` as the first word(s) of a simple command.
fn split_assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first)) = w.parts.first() else {
        return None;
    };
    let eq = first.text.find('=')?;
    let name = &first.text[..eq];
    if name.is_empty()
        || !name.bytes().next().is_some_and(is_name_start)
        || !name.bytes().all(is_name_char)
    {
        return None;
    }
    let mut parts = Vec::new();
    if eq + 1 < first.text.len() {
        parts.push(Part::Lit(first.sub(eq + 1, first.text.len())));
    }
    parts.extend(w.parts[1..].iter().cloned());
    Some((
        name.to_string(),
        Word {
            span: w.span,
            parts,
        },
    ))
}

// ---------------------------------------------------------------------------
// Evaluator
// ---------------------------------------------------------------------------

/// A value: known text, or unknown with the reason.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Known(String),
    Unknown(Rc<str>),
}

impl Val {
    fn known(&self) -> Option<&str> {
        match self {
            Val::Known(s) => Some(s),
            Val::Unknown(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Known(i32),
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Normal,
    Return,
    Exit,
    Break,
    Continue,
}

/// A field after expansion, or why it cannot be known.
type Fields = Result<Vec<MappedText>, Rc<str>>;

struct Frame {
    /// Undecided conditions we are under.
    conditional: usize,
}

struct Evaluator<'a> {
    file: FileId,
    text: &'a str,
    opts: &'a ShellOptions,
    vars: HashMap<String, Val>,
    positional: Vec<Val>,
    funcs: HashMap<String, Rc<Node>>,
    status: Status,
    frame: Frame,
    calls: Vec<Span>,
    out: Vec<ShCommand>,
    diags: Vec<Diagnostic>,
    seen: HashSet<(Span, String)>,
    steps: usize,
    /// A bound was hit: nothing more is run (it has been reported).
    stopped: bool,
    exited: bool,
    /// Everything after an undecided `exit`/`return` is conditional.
    maybe_left: bool,
    /// Inside a pipeline of several commands.
    in_pipe: usize,
}

const MAX_STEPS: usize = 200_000;
/// The longest variable value followed (trimming patterns are quadratic in it).
const MAX_VALUE: usize = 16 << 10;
const MAX_DEPTH: usize = 40;
const MAX_LOOP: usize = 10_000;
/// The most ipfw commands one script may add: nested loops multiply, and
/// five loops of ten would add 100,000 rules (a real ruleset has hundreds).
const MAX_COMMANDS: usize = 10_000;

fn is_rc_source(path: &str) -> bool {
    matches!(
        path,
        "/etc/rc.conf"
            | "/etc/defaults/rc.conf"
            | "/etc/rc.conf.local"
            | "/etc/rc.subr"
            | "/etc/network.subr"
    ) || path.ends_with("/rc.conf")
        || path.ends_with("/rc.subr")
}

/// Commands whose run ipseclint does not need to know about.
const HARMLESS: &[&str] = &[
    ":",
    "true",
    "echo",
    "printf",
    "export",
    "readonly",
    "local",
    "set",
    "shift",
    "unset",
    "cd",
    "umask",
    "trap",
    "wait",
    "sleep",
    "logger",
    "load_rc_config",
    "source_rc_confs",
    "debug",
    "info",
    "warn",
    "stty",
    "clear",
    "date",
    "hostname",
    "cat",
    "test",
    "[",
    "false",
];

impl<'a> Evaluator<'a> {
    fn new(file: FileId, text: &'a str, opts: &'a ShellOptions) -> Self {
        let vars = opts
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), Val::Known(v.clone())))
            .collect();
        let positional = opts.args.iter().map(|a| Val::Known(a.clone())).collect();
        Evaluator {
            file,
            text,
            opts,
            vars,
            positional,
            funcs: HashMap::new(),
            status: Status::Known(0),
            frame: Frame { conditional: 0 },
            calls: Vec::new(),
            out: Vec::new(),
            diags: Vec::new(),
            seen: HashSet::new(),
            steps: 0,
            stopped: false,
            exited: false,
            maybe_left: false,
            in_pipe: 0,
        }
    }

    fn conditional(&self) -> bool {
        self.frame.conditional > 0 || self.maybe_left
    }

    /// A bound is hit: say where, once, and run nothing more.
    fn stop(&mut self, span: Span, why: String) {
        if !self.stopped {
            self.stopped = true;
            self.note(
                span,
                format!("not evaluated from here on: {why} (a bound of ipseclint's, so that a small script cannot run for minutes)"),
            );
        }
    }

    fn note(&mut self, span: Span, msg: String) {
        if self.seen.insert((span, msg.clone())) {
            self.diags
                .push(Diagnostic::new(&IPFW_NOT_EVALUATED, self.file, span, msg));
        }
    }

    /// Why a command substitution's value is unknown.
    fn subst_reason(&self, span: Span) -> String {
        let raw = self.snippet(span);
        let inner = raw
            .strip_prefix("$(")
            .and_then(|r| r.strip_suffix(')'))
            .or_else(|| raw.strip_prefix('`').and_then(|r| r.strip_suffix('`')))
            .unwrap_or(&raw);
        format!("the output of `{inner}`, which ipseclint does not run")
    }

    fn snippet(&self, span: Span) -> String {
        let s = self.text.get(span.start()..span.end()).unwrap_or("");
        let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() > 70 {
            let cut: String = one.chars().take(67).collect();
            format!("{cut}...")
        } else {
            one
        }
    }

    // -- variables ---------------------------------------------------------

    fn get(&self, name: &str) -> Option<Val> {
        if let Ok(n) = name.parse::<usize>() {
            if n == 0 {
                return Some(Val::Unknown("`$0` is the script's name".into()));
            }
            return self.positional.get(n - 1).cloned();
        }
        match name {
            "?" => Some(match self.status {
                Status::Known(n) => Val::Known(n.to_string()),
                Status::Unknown => {
                    Val::Unknown("`$?` is the status of a command ipseclint cannot run".into())
                }
            }),
            "#" => Some(Val::Known(self.positional.len().to_string())),
            "@" | "*" => {
                let mut v = Vec::new();
                for p in &self.positional {
                    match p {
                        Val::Known(s) => v.push(s.clone()),
                        u => return Some(u.clone()),
                    }
                }
                Some(Val::Known(v.join(" ")))
            }
            "$" | "!" | "-" => Some(Val::Unknown(
                format!("`${name}` is only known at run time").into(),
            )),
            _ => self.vars.get(name).cloned(),
        }
    }

    /// A variable's value as sh would expand it (unset = empty, or unknown).
    fn value(&self, name: &str) -> Val {
        match self.get(name) {
            Some(v) => v,
            None if self.opts.unset_is_empty || name.parse::<usize>().is_ok() => {
                Val::Known(String::new())
            }
            None => Val::Unknown(format!("`${name}` is not set by the script or rc.conf").into()),
        }
    }

    fn set(&mut self, name: &str, v: Val) {
        self.vars.insert(name.to_string(), v);
    }

    // -- expansion ---------------------------------------------------------

    /// Expand parts into one string (no field splitting), with its map.
    fn expand_join(&mut self, parts: &[Part]) -> Result<MappedText, Rc<str>> {
        let mut m = MappedText::new();
        for p in parts {
            match p {
                Part::Lit(t) | Part::Quoted(t) => append(&mut m, t),
                Part::Param(param, _) => {
                    let v = self.param(param)?;
                    m.push_mapped(&v, param.span);
                }
                Part::Subst(span) => return Err(self.subst_reason(*span).into()),
            }
        }
        Ok(m)
    }

    /// Expand a word into fields (unquoted expansions are split on blanks).
    fn expand_word(&mut self, w: &Word) -> Fields {
        let mut fields: Vec<MappedText> = Vec::new();
        let mut cur: Option<MappedText> = None;
        for p in &w.parts {
            match p {
                Part::Lit(t) | Part::Quoted(t) => {
                    append(cur.get_or_insert_with(MappedText::new), t);
                }
                Part::Param(param, quoted) => {
                    let v = self.param(param)?;
                    if *quoted {
                        cur.get_or_insert_with(MappedText::new)
                            .push_mapped(&v, param.span);
                        continue;
                    }
                    // Field splitting on blanks (IFS default).
                    let pieces: Vec<&str> = v.split([' ', '\t', '\n']).collect();
                    for (k, piece) in pieces.iter().enumerate() {
                        if k > 0 {
                            if let Some(c) = cur.take() {
                                fields.push(c);
                            }
                        }
                        if !piece.is_empty() {
                            cur.get_or_insert_with(MappedText::new)
                                .push_mapped(piece, param.span);
                        }
                    }
                }
                Part::Subst(span) => return Err(self.subst_reason(*span).into()),
            }
        }
        if let Some(c) = cur {
            fields.push(c);
        }
        Ok(fields)
    }

    fn expand_words(&mut self, words: &[Word]) -> Fields {
        let mut out = Vec::new();
        for w in words {
            out.extend(self.expand_word(w)?);
        }
        Ok(out)
    }

    /// A parameter's value; longer than `MAX_VALUE` it is not followed
    /// (`a=$a$a` doubles on every line).
    fn param(&mut self, p: &Param) -> Result<String, Rc<str>> {
        let v = self.param_value(p)?;
        if v.len() > MAX_VALUE {
            return Err(format!(
                "`${}` grows longer than {} KiB: not followed",
                p.name,
                MAX_VALUE >> 10
            )
            .into());
        }
        Ok(v)
    }

    fn param_value(&mut self, p: &Param) -> Result<String, Rc<str>> {
        let cur = self.get(&p.name);
        let val = || -> Val {
            cur.clone().unwrap_or_else(|| {
                if self.opts.unset_is_empty || p.name.parse::<usize>().is_ok() {
                    Val::Known(String::new())
                } else {
                    Val::Unknown(
                        format!("`${}` is not set by the script or rc.conf", p.name).into(),
                    )
                }
            })
        };
        match &p.op {
            ParamOp::Plain => match val() {
                Val::Known(s) => Ok(s),
                Val::Unknown(r) => Err(r),
            },
            ParamOp::Length => match val() {
                Val::Known(s) => Ok(s.chars().count().to_string()),
                Val::Unknown(r) => Err(r),
            },
            ParamOp::Cond { kind, colon, word } => {
                // Is the variable "unset (or, with `:`, empty)"?
                let (cond, value) = match cur {
                    Some(Val::Known(s)) => (*colon && s.is_empty(), s),
                    Some(Val::Unknown(r)) => return Err(r),
                    None if self.opts.unset_is_empty || p.name.parse::<usize>().is_ok() => {
                        (true, String::new())
                    }
                    // Unset here, but it may come from the environment.
                    None => {
                        return Err(
                            format!("`${}` is not set by the script or rc.conf", p.name).into()
                        )
                    }
                };
                match kind {
                    b'-' if cond => Ok(self.expand_join(word)?.text),
                    b'=' if cond => {
                        let s = self.expand_join(word)?.text;
                        self.set(&p.name, Val::Known(s.clone()));
                        Ok(s)
                    }
                    b'+' if cond => Ok(String::new()),
                    b'+' => Ok(self.expand_join(word)?.text),
                    b'?' if cond => Err(format!(
                        "`${{{}?}}` stops the script when `{}` is unset",
                        p.name, p.name
                    )
                    .into()),
                    _ => Ok(value),
                }
            }
            ParamOp::Trim {
                suffix,
                longest,
                pat,
            } => {
                let s = match val() {
                    Val::Known(s) => s,
                    Val::Unknown(r) => return Err(r),
                };
                let pat = self.pattern(pat)?;
                Ok(trim(&s, &pat, *suffix, *longest))
            }
        }
    }

    /// Expand a pattern: quoted characters are literal.
    fn pattern(&mut self, parts: &[Part]) -> Result<Vec<PatChar>, Rc<str>> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Part::Lit(t) => out.extend(t.text.chars().map(|c| PatChar { c, lit: false })),
                Part::Quoted(t) => out.extend(t.text.chars().map(|c| PatChar { c, lit: true })),
                Part::Param(param, quoted) => {
                    let v = self.param(param)?;
                    out.extend(v.chars().map(|c| PatChar { c, lit: *quoted }));
                }
                Part::Subst(span) => return Err(self.subst_reason(*span).into()),
            }
        }
        Ok(out)
    }

    // -- running -----------------------------------------------------------

    fn run(&mut self, node: &Node) -> Flow {
        self.steps += 1;
        if self.steps > MAX_STEPS && !self.stopped {
            let at = match node {
                Node::Simple { span, .. }
                | Node::Case { span, .. }
                | Node::For { span, .. }
                | Node::While { span, .. } => *span,
                _ => self.out.last().map_or(Span::new(0, 0), |c| c.command.span),
            };
            self.stop(
                at,
                format!("the script runs more than {MAX_STEPS} commands"),
            );
        }
        if self.stopped {
            return Flow::Exit;
        }
        match node {
            Node::Simple {
                assigns,
                words,
                span,
            } => self.simple(assigns, words, *span),
            Node::List(v) => {
                for n in v {
                    let f = self.run(n);
                    if f != Flow::Normal {
                        return f;
                    }
                }
                Flow::Normal
            }
            Node::Pipeline { negated, cmds } => {
                let known = if cmds.len() > 1 {
                    self.pipeline_status(cmds)
                } else {
                    None
                };
                let f = if cmds.len() == 1 {
                    self.run(&cmds[0])
                } else if let Some(st) = known {
                    self.status = Status::Known(st);
                    Flow::Normal
                } else {
                    // Each element runs in a subshell, fed by commands we do not run.
                    self.in_pipe += 1;
                    for c in cmds {
                        self.run_subshell(c);
                    }
                    self.in_pipe -= 1;
                    self.status = Status::Unknown;
                    Flow::Normal
                };
                if *negated {
                    self.status = match self.status {
                        Status::Known(0) => Status::Known(1),
                        Status::Known(_) => Status::Known(0),
                        Status::Unknown => Status::Unknown,
                    };
                }
                f
            }
            Node::AndOr { first, rest } => {
                let f = self.run(first);
                if f != Flow::Normal {
                    return f;
                }
                for (and, n) in rest {
                    match self.status {
                        Status::Known(s) => {
                            let run = (s == 0) == *and;
                            if run {
                                let f = self.run(n);
                                if f != Flow::Normal {
                                    return f;
                                }
                            }
                        }
                        Status::Unknown => {
                            let f = self.branches(&[n], true, n.span());
                            if f != Flow::Normal {
                                return f;
                            }
                            self.status = Status::Unknown;
                        }
                    }
                }
                Flow::Normal
            }
            Node::If { arms, otherwise } => self.run_if(arms, otherwise.as_deref()),
            Node::Case { word, arms, span } => self.run_case(word, arms, *span),
            Node::For {
                var,
                words,
                body,
                span,
            } => self.run_for(var, words.as_deref(), body, *span),
            Node::While {
                until,
                cond,
                body,
                span,
            } => {
                let f = self.run(cond);
                if f != Flow::Normal {
                    return f;
                }
                let stop = match self.status {
                    Status::Known(s) => (s == 0) == *until,
                    Status::Unknown => false,
                };
                if stop {
                    self.status = Status::Known(0);
                    return Flow::Normal;
                }
                // The number of rounds is not known: run the body once, conditionally.
                let n = self.count_ipfw(body);
                if n > 0 {
                    self.note(
                        *span,
                        format!(
                            "not evaluated: ipseclint cannot tell how often this loop runs; its {n} ipfw command{} kept as conditional",
                            if n == 1 { " is" } else { "s are" }
                        ),
                    );
                }
                let f = self.branches(&[body], true, *span);
                if f == Flow::Exit {
                    return Flow::Exit;
                }
                self.status = Status::Unknown;
                Flow::Normal
            }
            Node::Group(n) => self.run(n),
            Node::Subshell(n) => {
                let f = self.run_subshell(n);
                if f == Flow::Exit {
                    Flow::Normal
                } else {
                    f
                }
            }
            Node::FuncDef { name, body } => {
                self.funcs.insert(name.clone(), body.clone());
                self.status = Status::Known(0);
                Flow::Normal
            }
        }
    }

    /// The status the caller gave for a whole pipeline (by its expanded text,
    /// elements joined with ` | `).
    fn pipeline_status(&mut self, cmds: &[Node]) -> Option<i32> {
        if self.opts.statuses.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for c in cmds {
            let Node::Simple { assigns, words, .. } = c else {
                return None;
            };
            if !assigns.is_empty() {
                return None;
            }
            let f = self.expand_words(words).ok()?;
            parts.push(
                f.iter()
                    .map(|m| m.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        self.opts.statuses.get(&parts.join(" | ")).copied()
    }

    /// Run in a copy of the variables (a subshell or pipeline element).
    fn run_subshell(&mut self, n: &Node) -> Flow {
        let vars = self.vars.clone();
        let funcs = self.funcs.clone();
        let f = self.run(n);
        self.vars = vars;
        self.funcs = funcs;
        f
    }

    fn run_if(&mut self, arms: &[(Node, Node)], otherwise: Option<&Node>) -> Flow {
        for (k, (cond, body)) in arms.iter().enumerate() {
            let f = self.run(cond);
            if f != Flow::Normal {
                return f;
            }
            match self.status {
                Status::Known(0) => return self.run(body),
                Status::Known(_) => continue,
                Status::Unknown => {
                    // Undecided: this arm, the later ones and the else may run.
                    let mut alts: Vec<&Node> = vec![body];
                    let mut later = Vec::new();
                    for (c, b) in &arms[k + 1..] {
                        later.push((c, b));
                    }
                    for (_, b) in &later {
                        alts.push(b);
                    }
                    if let Some(o) = otherwise {
                        alts.push(o);
                    }
                    let n: usize = alts.iter().map(|a| self.count_ipfw(a)).sum();
                    if n > 0 {
                        let why = self.why_unknown(cond);
                        self.note(
                            cond.span(),
                            format!(
                                "not evaluated: cannot decide `{}`{why}; the {n} ipfw command{} it guards {} kept as conditional",
                                self.snippet(cond.span()),
                                if n == 1 { "" } else { "s" },
                                if n == 1 { "is" } else { "are" },
                            ),
                        );
                    }
                    // Later conditions are run inside the alternatives only for
                    // their commands; their own tests stay undecided.
                    let f = self.branches(&alts, otherwise.is_none(), cond.span());
                    self.status = Status::Unknown;
                    return f;
                }
            }
        }
        match otherwise {
            Some(o) => self.run(o),
            None => {
                self.status = Status::Known(0);
                Flow::Normal
            }
        }
    }

    /// Why a condition is undecided (the first unknown it reads), for messages.
    fn why_unknown(&mut self, cond: &Node) -> String {
        let mut reason = None;
        collect_unknown(cond, &mut |w: &Word| {
            if reason.is_some() {
                return;
            }
            if let Err(r) = self.expand_word(w) {
                reason = Some(r);
            }
        });
        match reason {
            Some(r) => format!(" ({r})"),
            None => String::new(),
        }
    }

    fn run_case(&mut self, word: &Word, arms: &[(Vec<Word>, Node)], span: Span) -> Flow {
        let subject = match self.expand_join(&word.parts) {
            Ok(m) => Some(m.text),
            Err(r) => {
                let alts: Vec<&Node> = arms.iter().map(|(_, b)| b).collect();
                let n: usize = alts.iter().map(|a| self.count_ipfw(a)).sum();
                if n > 0 {
                    self.note(
                        word.span,
                        format!(
                            "not evaluated: cannot decide which branch of `case {}` runs ({r}); its {n} ipfw command{} kept as conditional",
                            self.snippet(word.span),
                            if n == 1 { " is" } else { "s are" }
                        ),
                    );
                }
                let f = self.branches(&alts, true, span);
                self.status = Status::Unknown;
                return f;
            }
        };
        let subject = subject.unwrap_or_default();
        for (k, (pats, body)) in arms.iter().enumerate() {
            for p in pats {
                match self.pattern(&p.parts) {
                    Ok(pat) => {
                        if glob_match(&pat, &subject.chars().collect::<Vec<_>>()) {
                            return self.run(body);
                        }
                    }
                    Err(r) => {
                        // An unknown pattern: this and later arms may run.
                        let alts: Vec<&Node> = arms[k..].iter().map(|(_, b)| b).collect();
                        let n: usize = alts.iter().map(|a| self.count_ipfw(a)).sum();
                        if n > 0 {
                            self.note(
                                p.span,
                                format!("not evaluated: cannot match the case pattern ({r}); {n} ipfw commands are kept as conditional"),
                            );
                        }
                        let f = self.branches(&alts, true, span);
                        self.status = Status::Unknown;
                        return f;
                    }
                }
            }
        }
        self.status = Status::Known(0);
        Flow::Normal
    }

    fn run_for(&mut self, var: &str, words: Option<&[Word]>, body: &Node, span: Span) -> Flow {
        let items: Result<Vec<String>, Rc<str>> = match words {
            Some(ws) => self
                .expand_words(ws)
                .map(|v| v.into_iter().map(|m| m.text).collect()),
            None => self
                .positional
                .iter()
                .map(|p| match p {
                    Val::Known(s) => Ok(s.clone()),
                    Val::Unknown(r) => Err(r.clone()),
                })
                .collect(),
        };
        match items {
            Ok(items) => {
                for item in items.into_iter().take(MAX_LOOP) {
                    self.set(var, Val::Known(item));
                    match self.run(body) {
                        Flow::Break => break,
                        Flow::Continue | Flow::Normal => {}
                        f => return f,
                    }
                }
                Flow::Normal
            }
            Err(r) => {
                let n = self.count_ipfw(body);
                if n > 0 {
                    self.note(
                        span,
                        format!(
                            "not evaluated: the list this loop runs over is not known ({r}); its {n} ipfw command{} kept as conditional",
                            if n == 1 { " is" } else { "s are" }
                        ),
                    );
                }
                self.set(
                    var,
                    Val::Unknown(format!("`${var}` is an element of an unknown list").into()),
                );
                let f = self.branches(&[body], true, span);
                self.status = Status::Unknown;
                if f == Flow::Exit {
                    Flow::Exit
                } else {
                    Flow::Normal
                }
            }
        }
    }

    /// Run alternatives none of which is known to run: each in a copy of
    /// the variables, then keep only the values they agree on.
    fn branches(&mut self, alts: &[&Node], with_nothing: bool, _span: Span) -> Flow {
        let vars0 = self.vars.clone();
        let funcs0 = self.funcs.clone();
        let mut results: Vec<HashMap<String, Val>> = Vec::new();
        let mut funcs = funcs0.clone();
        let mut left = false;
        self.frame.conditional += 1;
        for a in alts {
            self.vars = vars0.clone();
            self.funcs = funcs0.clone();
            let f = self.run(a);
            if matches!(f, Flow::Exit | Flow::Return) {
                left = true;
            }
            results.push(std::mem::take(&mut self.vars));
            for (k, v) in std::mem::take(&mut self.funcs) {
                funcs.insert(k, v);
            }
        }
        self.frame.conditional -= 1;
        if with_nothing {
            results.push(vars0.clone());
        }
        let mut merged = HashMap::new();
        let keys: HashSet<&String> = results.iter().flat_map(|m| m.keys()).collect();
        for k in keys {
            let vals: Vec<Option<&Val>> = results.iter().map(|m| m.get(k)).collect();
            let first = vals[0];
            let same = vals.iter().all(|v| *v == first);
            let v = if same {
                first.cloned()
            } else {
                Some(Val::Unknown(
                    format!("`${k}` is set under a condition ipseclint cannot decide").into(),
                ))
            };
            if let Some(v) = v {
                merged.insert(k.clone(), v);
            }
        }
        self.vars = merged;
        self.funcs = funcs;
        if left {
            // The script may have left here: everything after is conditional.
            self.maybe_left = true;
        }
        Flow::Normal
    }

    /// How many ipfw commands a subtree contains (for messages).
    fn count_ipfw(&self, n: &Node) -> usize {
        let mut c = 0;
        walk(n, &mut |x| {
            if let Node::Simple { words, .. } = x {
                if let Some(w) = words.first() {
                    let t = self.text.get(w.span.start()..w.span.end()).unwrap_or("");
                    if looks_like_ipfw(t, &self.vars) {
                        c += 1;
                    } else if let Some(f) = w.literal().and_then(|l| self.funcs.get(&l)) {
                        let mut inner = 0;
                        walk(f, &mut |y| {
                            if let Node::Simple { words, .. } = y {
                                if let Some(w) = words.first() {
                                    let t =
                                        self.text.get(w.span.start()..w.span.end()).unwrap_or("");
                                    if looks_like_ipfw(t, &self.vars) {
                                        inner += 1;
                                    }
                                }
                            }
                        });
                        c += inner;
                    }
                }
            }
        });
        c
    }

    fn simple(&mut self, assigns: &[(String, Word)], words: &[Word], span: Span) -> Flow {
        // Assignments alone set variables; before a command they only set its environment.
        let mut values = Vec::new();
        for (name, w) in assigns {
            let v = match self.expand_join(&w.parts) {
                Ok(m) => Val::Known(m.text),
                Err(r) if r.starts_with("the output") => {
                    Val::Unknown(format!("`${name}` is set to {r}").into())
                }
                Err(r) => Val::Unknown(r),
            };
            values.push((name.clone(), v));
        }
        if words.is_empty() {
            for (n, v) in values {
                self.set(&n, v);
            }
            self.status = Status::Known(0);
            return Flow::Normal;
        }
        let fields = match self.expand_words(words) {
            Ok(f) => f,
            Err(r) => {
                let lit = words[0].literal();
                if let Some(name) = lit.as_deref() {
                    if let Some(body) = self.funcs.get(name).cloned() {
                        // Call with the arguments it can know.
                        let mut args = Vec::new();
                        for w in &words[1..] {
                            match self.expand_word(w) {
                                Ok(fs) => args.extend(fs.into_iter().map(|f| Val::Known(f.text))),
                                Err(r) => args.push(Val::Unknown(r)),
                            }
                        }
                        return self.call_vals(name, body, args, span);
                    }
                    if HARMLESS.contains(&name) {
                        self.status = if name == "[" || name == "test" {
                            Status::Unknown
                        } else {
                            Status::Known(0)
                        };
                        return Flow::Normal;
                    }
                }
                let first = self
                    .text
                    .get(words[0].span.start()..words[0].span.end())
                    .unwrap_or("");
                let ipfw_like = looks_like_ipfw(first, &self.vars);
                if ipfw_like {
                    self.note(
                        span,
                        format!("not evaluated: this ipfw command needs a value ipseclint does not know: {r}"),
                    );
                } else {
                    self.note(
                        span,
                        format!("not evaluated: `{}`: {r}", self.snippet(span)),
                    );
                }
                self.status = Status::Unknown;
                return Flow::Normal;
            }
        };
        if fields.is_empty() {
            self.status = Status::Known(0);
            return Flow::Normal;
        }
        let cmd = fields[0].text.clone();
        let args: Vec<String> = fields[1..].iter().map(|f| f.text.clone()).collect();
        let base = cmd.rsplit('/').next().unwrap_or(&cmd).to_string();
        if base == "ipfw" {
            self.ipfw(&fields[1..], span);
            return Flow::Normal;
        }
        if let Some(body) = self.funcs.get(&cmd).cloned() {
            return self.call(&cmd, body, &args, span);
        }
        match cmd.as_str() {
            "[" | "test" => {
                let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
                if cmd == "[" {
                    if a.last() == Some(&"]") {
                        a.pop();
                    } else {
                        self.status = Status::Known(2);
                        return Flow::Normal;
                    }
                }
                self.status = match self.test(&a) {
                    Some(true) => Status::Known(0),
                    Some(false) => Status::Known(1),
                    None => Status::Unknown,
                };
                Flow::Normal
            }
            "." | "source" => {
                let path = args.first().cloned().unwrap_or_default();
                if !is_rc_source(&path) {
                    self.note(
                        span,
                        format!("not evaluated: `{}` reads another file, which ipseclint does not follow", self.snippet(span)),
                    );
                    self.status = Status::Unknown;
                } else {
                    self.status = Status::Known(0);
                }
                Flow::Normal
            }
            "exit" => {
                if self.frame.conditional == 0 {
                    self.exited = true;
                }
                Flow::Exit
            }
            "return" => {
                self.status = match args.first().and_then(|a| a.parse().ok()) {
                    Some(n) => Status::Known(n),
                    None => self.status,
                };
                Flow::Return
            }
            "break" => Flow::Break,
            "continue" => Flow::Continue,
            "false" => {
                self.status = Status::Known(1);
                Flow::Normal
            }
            "set" => {
                if let Some(pos) = args.iter().position(|a| a == "--") {
                    self.positional = args[pos + 1..]
                        .iter()
                        .map(|a| Val::Known(a.clone()))
                        .collect();
                }
                self.status = Status::Known(0);
                Flow::Normal
            }
            "shift" => {
                let n = args.first().and_then(|a| a.parse().ok()).unwrap_or(1usize);
                let n = n.min(self.positional.len());
                self.positional.drain(..n);
                self.status = Status::Known(0);
                Flow::Normal
            }
            "unset" => {
                for a in &args {
                    if !a.starts_with('-') {
                        self.vars.remove(a);
                    }
                }
                self.status = Status::Known(0);
                Flow::Normal
            }
            "export" | "readonly" | "local" => {
                for a in &args {
                    if let Some((n, v)) = a.split_once('=') {
                        self.set(n, Val::Known(v.to_string()));
                    } else if cmd == "local" && !a.starts_with('-') {
                        self.set(a, Val::Known(String::new()));
                    }
                }
                self.status = Status::Known(0);
                Flow::Normal
            }
            "checkyesno" => {
                let v = args.first().map(|n| self.value(n));
                self.status = match v {
                    Some(Val::Known(s)) => {
                        if matches!(s.to_ascii_uppercase().as_str(), "YES" | "TRUE" | "ON" | "1") {
                            Status::Known(0)
                        } else {
                            Status::Known(1)
                        }
                    }
                    _ => Status::Unknown,
                };
                Flow::Normal
            }
            "read" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    self.set(
                        a,
                        Val::Unknown(format!("`${a}` is read at run time").into()),
                    );
                }
                self.status = Status::Unknown;
                Flow::Normal
            }
            "eval" => {
                self.note(
                    span,
                    format!("not evaluated: `{}` (eval)", self.snippet(span)),
                );
                self.status = Status::Unknown;
                Flow::Normal
            }
            _ => {
                let line = std::iter::once(cmd.clone())
                    .chain(args.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(s) = self.opts.statuses.get(&line) {
                    self.status = Status::Known(*s);
                    return Flow::Normal;
                }
                if HARMLESS.contains(&cmd.as_str()) {
                    self.status = Status::Known(0);
                    return Flow::Normal;
                }
                if self.in_pipe > 0 {
                    // Part of a pipeline feeding data around: not a firewall change.
                } else if base == "ip6fw" {
                    self.note(
                        span,
                        format!("not evaluated: `{}` (ip6fw, the separate IPv6 firewall of FreeBSD ≤ 6, is not modelled)", self.snippet(span)),
                    );
                } else {
                    self.note(
                        span,
                        format!(
                            "not evaluated: `{}` (a command ipseclint does not run)",
                            self.snippet(span)
                        ),
                    );
                }
                self.status = Status::Unknown;
                Flow::Normal
            }
        }
    }

    fn call(&mut self, name: &str, body: Rc<Node>, args: &[String], span: Span) -> Flow {
        let vals = args.iter().map(|a| Val::Known(a.clone())).collect();
        self.call_vals(name, body, vals, span)
    }

    fn call_vals(&mut self, name: &str, body: Rc<Node>, args: Vec<Val>, span: Span) -> Flow {
        if self.calls.len() >= MAX_DEPTH {
            self.note(
                span,
                format!("not evaluated: `{name}` calls itself too deeply"),
            );
            self.status = Status::Unknown;
            return Flow::Normal;
        }
        let saved = std::mem::replace(&mut self.positional, args);
        let saved_left = self.maybe_left;
        self.calls.push(span);
        let f = self.run(&body);
        self.calls.pop();
        self.positional = saved;
        // An undecided `return` inside the function makes only its rest conditional.
        self.maybe_left = saved_left;
        if f == Flow::Exit {
            return Flow::Exit;
        }
        Flow::Normal
    }

    /// `ipfw ...` with its expanded arguments.
    fn ipfw(&mut self, args: &[MappedText], span: Span) {
        self.status = Status::Unknown;
        // getopt flags, then either a command or a file name.
        let mut k = 0;
        let mut prep: Option<Spanned<String>> = None;
        let mut flags = Vec::new();
        while k < args.len() && args[k].text.starts_with('-') && args[k].text.len() > 1 {
            if args[k].text == "-p" {
                let cmdw = args.get(k + 1);
                prep =
                    cmdw.map(|c| Spanned::new(c.text.clone(), c.map(Span::new(0, c.text.len()))));
                // The rest up to the last word are preprocessor arguments.
                k = args.len().saturating_sub(1).max(k + 2);
                break;
            }
            flags.push(Spanned::new(
                args[k].text.clone(),
                args[k].map(Span::new(0, args[k].text.len())),
            ));
            k += 1;
        }
        let rest = &args[k.min(args.len())..];
        if let Some(first) = rest.first() {
            if rest.len() == 1 && first.text.starts_with('/') || prep.is_some() {
                let path = Spanned::new(
                    first.text.clone(),
                    first.map(Span::new(0, first.text.len())),
                );
                let text = args
                    .iter()
                    .map(|a| a.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                self.emit(IpfwCommand {
                    file: self.file,
                    span,
                    text,
                    flags,
                    kind: CommandKind::LoadFile {
                        path,
                        preprocessor: prep,
                    },
                });
                self.status = Status::Known(0);
                return;
            }
        }
        let mut m = MappedText::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                let gap =
                    args[i - 1].map(Span::new(args[i - 1].text.len(), args[i - 1].text.len()));
                m.push_mapped(" ", gap);
            }
            append(&mut m, a);
        }
        let norm = m.normalize(false);
        let parsed = ipfw::parse_command(self.file, &norm, span);
        for d in parsed.diagnostics {
            let key = (d.location.span, d.message.clone());
            if self.seen.insert(key) {
                self.diags.push(d);
            }
        }
        match parsed.command {
            Some(c) => {
                self.emit(c);
                self.status = Status::Known(0);
            }
            None if parsed.failed => self.status = Status::Known(1),
            None => {
                self.note(span, "not evaluated: ipfw without a command".to_string());
            }
        }
    }

    fn emit(&mut self, command: IpfwCommand) {
        if self.out.len() >= MAX_COMMANDS {
            let at = command.span;
            self.stop(
                at,
                format!("the script adds more than {MAX_COMMANDS} ipfw rules"),
            );
            return;
        }
        let conditional = self.conditional();
        self.out.push(ShCommand {
            command,
            conditional,
            calls: self.calls.clone(),
        });
    }

    // -- test(1) -----------------------------------------------------------

    fn test(&self, a: &[&str]) -> Option<bool> {
        // -o binds looser than -a, both looser than `!`.
        if let Some(i) = a.iter().rposition(|x| *x == "-o") {
            if i > 0 && i + 1 < a.len() {
                let l = self.test(&a[..i]);
                let r = self.test(&a[i + 1..]);
                return match (l, r) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
            }
        }
        if let Some(i) = a.iter().rposition(|x| *x == "-a") {
            if i > 0 && i + 1 < a.len() {
                let l = self.test(&a[..i]);
                let r = self.test(&a[i + 1..]);
                return match (l, r) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
            }
        }
        match a {
            [] => Some(false),
            [s] => Some(!s.is_empty()),
            ["!", rest @ ..] => self.test(rest).map(|b| !b),
            ["(", inner @ .., ")"] => self.test(inner),
            [op, s] => match *op {
                "-n" => Some(!s.is_empty()),
                "-z" => Some(s.is_empty()),
                "-r" | "-e" | "-f" | "-d" | "-s" | "-x" | "-L" | "-h" | "-w" => {
                    let kind = self.opts.files.get(*s)?;
                    Some(!matches!(
                        (*op, kind),
                        (_, PathKind::Missing)
                            | ("-f", PathKind::Dir)
                            | ("-d", PathKind::File)
                            | ("-L" | "-h", _)
                    ))
                }
                _ => None,
            },
            [l, op, r] => match *op {
                "=" | "==" => Some(l == r),
                "!=" => Some(l != r),
                "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
                    let x: i64 = l.trim().parse().ok()?;
                    let y: i64 = r.trim().parse().ok()?;
                    Some(match *op {
                        "-eq" => x == y,
                        "-ne" => x != y,
                        "-lt" => x < y,
                        "-le" => x <= y,
                        "-gt" => x > y,
                        _ => x >= y,
                    })
                }
                _ => None,
            },
            _ => None,
        }
    }
}

fn append(m: &mut MappedText, t: &MappedText) {
    // Copy byte by byte with the source spans.
    for (i, ch) in t.text.char_indices() {
        let s = t.map(Span::new(i, i + ch.len_utf8()));
        let mut buf = [0u8; 4];
        m.push_mapped(ch.encode_utf8(&mut buf), s);
    }
}

/// Does a command word look like ipfw before expansion (for counting)?
fn looks_like_ipfw(word: &str, vars: &HashMap<String, Val>) -> bool {
    let w = word.trim_matches('"');
    if w.rsplit('/').next() == Some("ipfw") {
        return true;
    }
    let name = w
        .trim_start_matches('$')
        .trim_start_matches('{')
        .trim_end_matches('}');
    if w.starts_with('$') {
        if let Some(Val::Known(v)) = vars.get(name) {
            let first = v.split_whitespace().next().unwrap_or("");
            return first.rsplit('/').next() == Some("ipfw");
        }
        return name.contains("fw") || name == "cmd" || name == "add";
    }
    false
}

fn walk(n: &Node, f: &mut dyn FnMut(&Node)) {
    f(n);
    match n {
        Node::Simple { .. } | Node::FuncDef { .. } => {}
        Node::Pipeline { cmds, .. } => cmds.iter().for_each(|c| walk(c, f)),
        Node::AndOr { first, rest } => {
            walk(first, f);
            rest.iter().for_each(|(_, c)| walk(c, f));
        }
        Node::List(v) => v.iter().for_each(|c| walk(c, f)),
        Node::If { arms, otherwise } => {
            for (c, b) in arms {
                walk(c, f);
                walk(b, f);
            }
            if let Some(o) = otherwise {
                walk(o, f);
            }
        }
        Node::Case { arms, .. } => arms.iter().for_each(|(_, b)| walk(b, f)),
        Node::For { body, .. } => walk(body, f),
        Node::While { cond, body, .. } => {
            walk(cond, f);
            walk(body, f);
        }
        Node::Group(b) | Node::Subshell(b) => walk(b, f),
    }
}

fn collect_unknown(n: &Node, f: &mut dyn FnMut(&Word)) {
    walk(n, &mut |x| {
        if let Node::Simple { words, assigns, .. } = x {
            for w in words {
                f(w);
            }
            for (_, w) in assigns {
                f(w);
            }
        }
    });
}

// ---------------------------------------------------------------------------
// sh patterns
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct PatChar {
    c: char,
    /// Quoted: matches itself only.
    lit: bool,
}

/// fnmatch(3) without FNM_PATHNAME: `*`, `?`, `[...]` (ranges, `!`/`^`).
fn glob_match(p: &[PatChar], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            let pc = p[pi];
            if !pc.lit && pc.c == '*' {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            if !pc.lit && pc.c == '?' {
                pi += 1;
                si += 1;
                continue;
            }
            if !pc.lit && pc.c == '[' {
                if let Some((matched, next)) = class_match(p, pi, s[si]) {
                    if matched {
                        pi = next;
                        si += 1;
                        continue;
                    }
                } else if s[si] == '[' {
                    pi += 1;
                    si += 1;
                    continue;
                }
            } else if pc.c == '\\' && !pc.lit && pi + 1 < p.len() {
                if p[pi + 1].c == s[si] {
                    pi += 2;
                    si += 1;
                    continue;
                }
            } else if pc.c == s[si] {
                pi += 1;
                si += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && !p[pi].lit && p[pi].c == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `[...]` at p[i]: whether `c` matches and where the class ends; `None`
/// when the bracket is not closed (then it is a literal `[`).
fn class_match(p: &[PatChar], i: usize, c: char) -> Option<(bool, usize)> {
    let mut j = i + 1;
    let negate = j < p.len() && !p[j].lit && (p[j].c == '!' || p[j].c == '^');
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    while j < p.len() {
        let pc = p[j];
        if !pc.lit && pc.c == ']' && !first {
            return Some((matched != negate, j + 1));
        }
        first = false;
        // [:class:]
        if !pc.lit && pc.c == '[' && j + 1 < p.len() && p[j + 1].c == ':' {
            let rest: String = p[j + 2..].iter().map(|x| x.c).collect();
            if let Some(end) = rest.find(":]") {
                let name = &rest[..end];
                let ok = match name {
                    "alpha" => c.is_alphabetic(),
                    "digit" => c.is_ascii_digit(),
                    "alnum" => c.is_alphanumeric(),
                    "upper" => c.is_uppercase(),
                    "lower" => c.is_lowercase(),
                    "space" => c.is_whitespace(),
                    "xdigit" => c.is_ascii_hexdigit(),
                    "punct" => c.is_ascii_punctuation(),
                    _ => false,
                };
                matched |= ok;
                j += 2 + end + 2;
                continue;
            }
        }
        let range = j + 2 < p.len()
            && !p[j + 1].lit
            && p[j + 1].c == '-'
            && (p[j + 2].lit || p[j + 2].c != ']');
        if range {
            if pc.c <= c && c <= p[j + 2].c {
                matched = true;
            }
            j += 3;
            continue;
        }
        if pc.c == c {
            matched = true;
        }
        j += 1;
    }
    None
}

/// `${x%pat}`, `${x%%pat}`, `${x#pat}`, `${x##pat}`.
fn trim(s: &str, pat: &[PatChar], suffix: bool, longest: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let idx: Vec<usize> = if suffix == longest {
        // suffix+longest: from the front; prefix+shortest: from the front
        (0..=n).collect()
    } else {
        (0..=n).rev().collect()
    };
    for i in idx {
        if suffix {
            if glob_match(pat, &chars[i..]) {
                return chars[..i].iter().collect();
            }
        } else if glob_match(pat, &chars[..i]) {
            return chars[i..].iter().collect();
        }
    }
    s.to_string()
}

/// Severity helper for callers: did the evaluation report ipfw syntax errors?
pub fn has_errors(out: &ShellOutput) -> bool {
    out.diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, vars: &[(&str, &str)], args: &[&str]) -> ShellOutput {
        let opts = ShellOptions {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            args: args.iter().map(|a| a.to_string()).collect(),
            unset_is_empty: false,
            ..Default::default()
        };
        evaluate(FileId(0), text, &opts)
    }

    fn rule_texts<'a>(text: &'a str, out: &ShellOutput) -> Vec<&'a str> {
        out.rules()
            .iter()
            .map(|r| &text[r.span.start()..r.span.end()])
            .collect()
    }

    #[test]
    fn variables_case_and_functions() {
        let t = r#"#!/bin/sh
case ${firewall_quiet} in
[Yy][Ee][Ss]) fwcmd="/sbin/ipfw -q" ;;
*) fwcmd="/sbin/ipfw" ;;
esac
setup_loopback () {
	${fwcmd} add 100 pass all from any to any via lo0
	${fwcmd} add 200 deny all from any to 127.0.0.0/8
}
${fwcmd} -f flush
case ${firewall_type} in
[Oo][Pp][Ee][Nn]|[Cc][Ll][Ii][Ee][Nn][Tt])
	setup_loopback
	${fwcmd} add 65000 pass all from any to any
	;;
[Ss][Ii][Mm][Pp][Ll][Ee])
	oif="$firewall_simple_oif"
	setup_loopback
	${fwcmd} add deny all from 10.0.0.0/8 to any via ${oif}
	;;
esac
"#;
        let out = run(
            t,
            &[
                ("firewall_quiet", "YES"),
                ("firewall_type", "Simple"),
                ("firewall_simple_oif", "em0"),
            ],
            &[],
        );
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let rules = out.rules();
        assert_eq!(rules.len(), 3);
        assert_eq!(out.commands[0].command.flags[0].value, "-q");
        let last = rules[2];
        let via = last.all_options().next().unwrap();
        assert_eq!(&t[via.span.start()..via.span.end()], "via ${oif}");
        assert_eq!(out.commands[1].calls.len(), 1);
        let texts = rule_texts(t, &out);
        assert_eq!(
            texts[0],
            "${fwcmd} add 100 pass all from any to any via lo0"
        );
    }

    #[test]
    fn undecidable_conditions_are_conditional() {
        let t = "fwcmd=ipfw\nv6=`afexists inet6`\nif [ \"$v6\" -eq 0 ]; then\n  $fwcmd add 400 deny all from any to ::1\n  x=1\nfi\n$fwcmd add 500 allow ip from any to any\necho $x\n";
        let out = run(t, &[], &[]);
        assert_eq!(out.rules().len(), 1);
        assert_eq!(out.conditional_rules().len(), 1);
        assert!(out
            .diagnostics
            .iter()
            .any(|d| d.rule.code == "IPS1203" && d.message.contains("cannot decide")));
        assert_eq!(out.vars.get("x"), Some(&None));
    }

    #[test]
    fn unknown_values_are_not_guessed() {
        let t = "cmd=\"ipfw -q add\"\n$cmd 10 allow all from any to any via $ext\n$cmd 20 deny all from any to any\n";
        let out = run(t, &[], &[]);
        assert_eq!(out.rules().len(), 1);
        let d = out
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "IPS1203")
            .unwrap();
        assert!(d.message.contains("$ext"), "{}", d.message);
        assert_eq!(d.location.span.start(), t.find("$cmd 10").unwrap());
    }

    #[test]
    fn loops_tests_and_trims() {
        let t = r#"fwcmd=/sbin/ipfw
for i in ${firewall_allowservices} ; do
  for j in ${firewall_myservices} ; do
    case $j in
    [0-9A-Za-z]*/[Tt][Cc][Pp])
      ${fwcmd} add pass tcp from $i to me ${j%/[Tt][Cc][Pp]}
    ;;
    [0-9A-Za-z]*/[Uu][Dd][Pp])
      ${fwcmd} add pass udp from $i to me ${j%/[Uu][Dd][Pp]}
    ;;
    esac
  done
done
if [ ${firewall_logdeny:-x} = "YES" -o ${firewall_logdeny:-x} = "yes" ] ; then
  log="log logamount 500"
fi
${fwcmd} add deny $log ip from any to any
[ -n "$nothing" ] || ${fwcmd} add 10 count ip from any to any
"#;
        let out = run(
            t,
            &[
                ("firewall_allowservices", "192.0.2.0/24 any"),
                ("firewall_myservices", "22/tcp 500/udp"),
                ("firewall_logdeny", "yes"),
                ("nothing", ""),
            ],
            &[],
        );
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let rules = out.rules();
        assert_eq!(rules.len(), 6);
        assert_eq!(rules[1].dports.as_ref().unwrap().ranges, vec![(500, 500)]);
        assert!(rules[4].log.is_some());
        assert_eq!(rules[5].number, Some(10));
    }

    #[test]
    fn continuation_heredoc_and_quotes() {
        let t = "ipfw nat 123 config if igb1 reset\\\n   redirect_port tcp 10.0.0.2:1723 1723\ncat <<EOF\nipfw add 1 deny ip from any to any\nEOF\nipfw add 230 allow ip4 from any 68 to \\{ 10.0.0.1 or 255.255.255.255 \\} 67 proto udp\nipfw add 110 deny ip from 'table(fail2ban)' to any\n";
        let out = run(t, &[], &[]);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(out.commands.len(), 3);
        assert_eq!(out.rules()[0].dst.alts.len(), 2);
    }

    #[test]
    fn ipfw_errors_lose_only_their_rule() {
        let t = "add=\"/sbin/ipfw add\"\n$add 10060 udp from any to any via igb1 out keep-state\n$add 65534 allow ip from any to any\n";
        let out = run(t, &[], &[]);
        assert_eq!(out.rules().len(), 1);
        let e = out
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "IPS1201")
            .unwrap();
        assert_eq!(&t[e.location.span.start()..e.location.span.end()], "udp");
    }

    #[test]
    fn unquoted_parenthesis_stops_sh() {
        let t = "ipfw add 100 allow ip from any to any via lo0\nipfw add 200 deny ip from table(13) to any\nipfw add 300 allow esp from any to any\n";
        let out = run(t, &[], &[]);
        assert_eq!(out.rules().len(), 1);
        let d = out
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "IPS1202")
            .unwrap();
        assert!(d.message.contains("lines 2–"), "{}", d.message);
        assert!(d.help.is_some());
    }

    #[test]
    fn load_file_form() {
        let t = "fwcmd=/sbin/ipfw\n${fwcmd} ${firewall_flags} ${firewall_type}\n";
        let out = run(
            t,
            &[("firewall_flags", ""), ("firewall_type", "/etc/ipfw.rules")],
            &[],
        );
        match &out.commands[0].command.kind {
            CommandKind::LoadFile { path, .. } => assert_eq!(path.value, "/etc/ipfw.rules"),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn glob_patterns() {
        let p = |s: &str| {
            s.chars()
                .map(|c| PatChar { c, lit: false })
                .collect::<Vec<_>>()
        };
        let m = |pat: &str, s: &str| glob_match(&p(pat), &s.chars().collect::<Vec<_>>());
        assert!(m("[Yy][Ee][Ss]", "yes"));
        assert!(!m("[Yy][Ee][Ss]", "yess"));
        assert!(m("*[0-9A-Za-z]", "ssh"));
        assert!(m("[0-9A-Za-z]*/[Pp][Rr][Oo][Tt][Oo]", "esp/proto"));
        assert!(!m("[!a]*", "abc"));
        assert_eq!(trim("22/tcp", &p("/[Tt][Cc][Pp]"), true, false), "22");
        assert_eq!(trim("a.b.c", &p("*."), false, true), "c");
        assert_eq!(trim("a.b.c", &p("*."), false, false), "b.c");
        assert_eq!(trim("a.b.c", &p(".*"), true, true), "a");
        assert_eq!(trim("a.b.c", &p(".*"), true, false), "a.b");
    }
}
