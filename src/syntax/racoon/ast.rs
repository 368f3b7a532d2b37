//! The typed racoon.conf syntax tree. Every node carries its byte span.

use crate::source::Span;
use crate::syntax::Spanned;
use std::net::IpAddr;
use std::sync::Arc;

pub use super::word::Word;

/// A whole racoon.conf.
#[derive(Clone, Debug, Default)]
pub struct RacoonConf {
    pub items: Vec<TopItem>,
    /// The first statement racoon rejects: racoon does not start with this file.
    pub first_error: Option<crate::syntax::Rejected>,
}

#[derive(Clone, Debug)]
// Remote and sainfo are behind pointers: a file of a million one-line
// settings would otherwise cost a sainfo's size per line. A sainfo is shared
// with the model, which needs all of it.
pub enum TopItem {
    Remote(Box<Remote>),
    Sainfo(Arc<Sainfo>),
    /// listen, timer, padding, privsep, mode_cfg, ldapcfg, radiuscfg.
    Block(Block),
    /// path, include, log, pfkey_buffer, gss_id_enc, complex_bundle.
    Setting(Setting),
}

/// `keyword value... ;`
#[derive(Clone, Debug)]
pub struct Setting {
    pub span: Span,
    pub keyword: Spanned<Word>,
    /// Lists here are boxed slices: sized to fit, and 8 bytes smaller than a
    /// Vec in every statement.
    pub values: Box<[Value]>,
}

impl Setting {
    pub fn is(&self, kw: &str) -> bool {
        self.keyword.value == kw
    }
    /// The n-th value that is a bare word.
    pub fn word(&self, n: usize) -> Option<&Spanned<Word>> {
        self.values
            .iter()
            .filter_map(|v| match v {
                Value::Word(w) => Some(w),
                _ => None,
            })
            .nth(n)
    }
    pub fn first_number(&self) -> Option<Spanned<u64>> {
        self.values.iter().find_map(|v| match v {
            Value::Number(n) => Some(n.clone()),
            _ => None,
        })
    }
    pub fn first_quoted(&self) -> Option<&Spanned<String>> {
        self.values.iter().find_map(|v| match v {
            Value::Quoted(q) => Some(q),
            _ => None,
        })
    }
}

/// A value in a statement.
#[derive(Clone, Debug)]
pub enum Value {
    Word(Spanned<Word>),
    Number(Spanned<u64>),
    /// A quoted string, without its quotes.
    Quoted(Spanned<String>),
    /// Boxed: inline, its 128 bytes made every value of every statement that size.
    Address(Box<Address>),
    Port(Spanned<Option<u16>>),
    /// A time with its unit, in seconds.
    Time(Spanned<u64>),
    /// A byte count with its unit (racoon rejects all byte lifetimes).
    Bytes(Spanned<u64>),
    Algorithm(Algorithm),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Word(s) => s.span,
            Value::Quoted(s) => s.span,
            Value::Number(s) | Value::Time(s) | Value::Bytes(s) => s.span,
            Value::Port(s) => s.span,
            Value::Address(a) => a.span,
            Value::Algorithm(a) => a.span,
        }
    }
}

/// An algorithm name with its optional key length (`aes 256`, `aes256`).
#[derive(Clone, Debug)]
pub struct Algorithm {
    pub span: Span,
    pub name: Word,
    pub name_span: Span,
    /// Past 2^32 - 1 it is pinned there: no cipher allows such a length,
    /// and racoon keeps it in an int.
    pub keylen: Option<Spanned<u32>>,
}

/// An address literal, optionally with a range end and a prefix length.
#[derive(Clone, Debug)]
pub struct Address {
    pub span: Span,
    /// The literal as written, kept only when [`Address::text`] cannot
    /// rebuild it (an upper-case or abbreviated IPv6, a scope, a name):
    /// a hub's thousands of plain literals cost no string each.
    pub verbatim: Option<Box<str>>,
    /// `None` when the text is not a valid IP literal.
    pub ip: Option<IpAddr>,
    pub range_end: Option<Box<Spanned<Option<IpAddr>>>>,
    pub prefix: Option<Spanned<u32>>,
}

impl Address {
    /// The literal as written.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match (&self.verbatim, self.ip) {
            (Some(v), _) => std::borrow::Cow::Borrowed(v),
            (None, Some(ip)) => self.canonical(ip).into(),
            (None, None) => std::borrow::Cow::Borrowed(""),
        }
    }
    /// How racoon's address types print this literal.
    pub fn canonical(&self, ip: IpAddr) -> String {
        use std::fmt::Write;
        let mut s = ip.to_string();
        if let Some(end) = &self.range_end {
            match end.value {
                Some(e) => {
                    let _ = write!(s, "-{e}");
                }
                None => s.push_str("-?"),
            }
        }
        if let Some(p) = &self.prefix {
            let _ = write!(s, "/{}", p.value);
        }
        s
    }
}

/// A `{ ... }` block of settings.
#[derive(Clone, Debug)]
pub struct Block {
    pub span: Span,
    pub keyword: Spanned<Word>,
    pub settings: Box<[Setting]>,
    /// The closing `}`; `None` when it is missing.
    pub close: Option<Span>,
}

/// Which peer a `remote` is for.
#[derive(Clone, Debug)]
pub enum RemoteTarget {
    Anonymous {
        span: Span,
        port: Option<Spanned<Option<u16>>>,
    },
    Name(Spanned<String>),
    Address {
        /// Boxed, as in [`Value::Address`]: a remote has two targets.
        address: Box<Address>,
        port: Option<Spanned<Option<u16>>>,
    },
}

impl RemoteTarget {
    pub fn span(&self) -> Span {
        match self {
            RemoteTarget::Anonymous { span, port } => {
                port.as_ref().map_or(*span, |p| span.cover(p.span))
            }
            RemoteTarget::Name(n) => n.span,
            RemoteTarget::Address { address, port } => port
                .as_ref()
                .map_or(address.span, |p| address.span.cover(p.span)),
        }
    }
}

/// `remote TARGET [inherit PARENT] { ... }`
#[derive(Clone, Debug)]
pub struct Remote {
    pub span: Span,
    /// `remote ... {` up to the brace.
    pub header: Span,
    pub target: RemoteTarget,
    pub parent: Option<RemoteTarget>,
    /// `None` for `remote X inherit Y;`.
    pub body: Option<RemoteBody>,
}

#[derive(Clone, Debug, Default)]
pub struct RemoteBody {
    pub settings: Box<[Setting]>,
    pub proposals: Box<[Block]>,
    pub close: Option<Span>,
}

/// One side of a sainfo's id pair.
#[derive(Clone, Debug)]
pub enum SainfoId {
    Anonymous(Span),
    ClientAddr(Span),
    Address {
        span: Span,
        id_type: Spanned<Word>,
        address: Box<Address>,
        /// `[N]` or `[any]` (`Some(None)`).
        port: Option<Spanned<Option<u16>>>,
        proto: Spanned<Word>,
    },
    Named {
        span: Span,
        id_type: Spanned<Word>,
        value: Spanned<String>,
    },
}

impl SainfoId {
    pub fn span(&self) -> Span {
        match self {
            SainfoId::Anonymous(s) | SainfoId::ClientAddr(s) => *s,
            SainfoId::Address { span, .. } | SainfoId::Named { span, .. } => *span,
        }
    }
    pub fn is_anonymous(&self) -> bool {
        matches!(self, SainfoId::Anonymous(_))
    }
}

/// `sainfo LOCAL REMOTE [from ID] [group "g"] { ... }`
#[derive(Clone, Debug)]
pub struct Sainfo {
    pub span: Span,
    pub header: Span,
    pub local: SainfoId,
    /// `None` for the single-word `sainfo anonymous`.
    pub remote: Option<SainfoId>,
    /// Boxed, as the rarely written parts of a node are.
    pub from: Option<Box<Setting>>,
    pub group: Option<Box<Spanned<String>>>,
    pub settings: Box<[Setting]>,
    pub close: Option<Span>,
}
