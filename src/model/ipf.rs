//! IPFilter's rule evaluation, as `fil.c` does it: rules compiled to the
//! kernel's form (a value/mask pair per header word, port comparisons, TCP
//! flags, ICMP type/code), in/out and accounting lists, groups, `skip`,
//! last match wins unless `quick`; a state table (`keep state`) and a
//! fragment cache (`keep frags`) consulted before the rules; and the
//! one-entry result cache per direction. Differences between 3.4 and 4.1
//! (default flag masks, option recognition, `log quick`, group checks,
//! untyped 4.x rules, return codes) follow each version's source.
//!
//! [`IpfRuleset`] implements the shared [`Ruleset`] trait.

use crate::model::firewall::{
    AddrSpace, Decision, Dir, FirewallEnv, HeaderSpace, MatchOrder, Packet, RuleEffect, RuleInfo,
    RuleRef, Ruleset, Verdict,
};
use crate::source::{FileId, Span};
use crate::syntax::ipf::{
    self as syn, names, Action, Addr, BlockReturn, Direction, IpfFile, IpfRule, IpfVersion, Mask,
    PortOp, PortSpec, Proto, RangeOp, WithKind,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;

// ---------------------------------------------------------------------------
// Flags (IPFilter 4.1's values; 3.4's meanings are mapped onto them)
// ---------------------------------------------------------------------------

/// Rule/result flags (`fr_flags`, the `pass` word).
pub mod fr {
    pub const CALL: u32 = 0x0;
    pub const BLOCK: u32 = 0x1;
    pub const PASS: u32 = 0x2;
    pub const AUTH: u32 = 0x3;
    pub const PREAUTH: u32 = 0x4;
    pub const ACCOUNT: u32 = 0x5;
    pub const SKIP: u32 = 0x6;
    pub const CMDMASK: u32 = 0xf;
    pub const LOG: u32 = 0x10;
    pub const LOGMASK: u32 = LOG | CMDMASK;
    pub const CALLNOW: u32 = 0x20;
    pub const NOTSRCIP: u32 = 0x40;
    pub const NOTDSTIP: u32 = 0x80;
    pub const QUICK: u32 = 0x100;
    pub const KEEPFRAG: u32 = 0x200;
    pub const KEEPSTATE: u32 = 0x400;
    pub const FASTROUTE: u32 = 0x800;
    pub const RETRST: u32 = 0x1000;
    pub const RETICMP: u32 = 0x2000;
    pub const FAKEICMP: u32 = 0x3000;
    pub const RETMASK: u32 = 0x3000;
    pub const OUTQUE: u32 = 0x4000;
    pub const INQUE: u32 = 0x8000;
    pub const LOGBODY: u32 = 0x10000;
    pub const LOGFIRST: u32 = 0x20000;
    pub const LOGORBLOCK: u32 = 0x40000;
    pub const DUP: u32 = 0x80000;
    pub const FRSTRICT: u32 = 0x100000;
    pub const STSTRICT: u32 = 0x200000;
    /// The `nomatch` action (3.4, 5.x).
    pub const NOMATCH_ACTION: u32 = 0x4000000;
    pub const NOMATCH: u32 = 0x8000000;
}

/// Packet flags (`fi_flx`).
pub mod fi {
    pub const TCPUDP: u32 = 0x0001;
    pub const OPTIONS: u32 = 0x0002;
    pub const FRAG: u32 = 0x0004;
    pub const SHORT: u32 = 0x0008;
    pub const NATED: u32 = 0x0010;
    pub const MULTICAST: u32 = 0x0020;
    pub const BROADCAST: u32 = 0x0040;
    pub const MBCAST: u32 = 0x0080;
    pub const STATE: u32 = 0x0100;
    pub const BADNAT: u32 = 0x0200;
    pub const BAD: u32 = 0x0400;
    pub const OOW: u32 = 0x0800;
    pub const ICMPERR: u32 = 0x1000;
    pub const FRAGBODY: u32 = 0x2000;
    pub const BADSRC: u32 = 0x4000;
    pub const LOWTTL: u32 = 0x8000;
    /// Flags the state table compares (3.4's FI_CMP: options, tcp/udp, short).
    pub const CMP34: u32 = OPTIONS | TCPUDP | SHORT;
}

const TH_FIN: u8 = 0x01;
const TH_SYN: u8 = 0x02;
const TH_RST: u8 = 0x04;
const TH_ACK: u8 = 0x10;
const TH_OPENING: u8 = TH_SYN | TH_ACK;

// ---------------------------------------------------------------------------
// The packet as IPFilter summarises it (fr_info_t)
// ---------------------------------------------------------------------------

/// TCP header fields the state table needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpHeader {
    pub seq: u32,
    pub ack: u32,
    pub win: u16,
    /// Header length in bytes (`th_off << 2`).
    pub off: u32,
    pub flags: u8,
}

/// ICMP header fields the state table needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IcmpHeader {
    pub icmp_type: u8,
    pub code: u8,
    pub id: u16,
    pub seq: u16,
}

/// `fr_info_t`: what `fr_makefrip` extracts from a packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PacketInfo {
    pub v: u8,
    pub out: bool,
    pub ifname: String,
    pub tos: u8,
    pub ttl: u8,
    pub p: u8,
    /// Addresses as four 32-bit words (IPv4 in the first).
    pub src: [u32; 4],
    pub dst: [u32; 4],
    pub flx: u32,
    pub optmsk: u32,
    pub secmsk: u16,
    pub auth: u16,
    /// Ports (TCP/UDP) or type<<8|code and id (ICMP).
    pub data: [u16; 2],
    pub tcpf: u8,
    /// Fragment offset in bytes.
    pub off: u32,
    /// Bytes after the IP header (`ip_len - hlen`).
    pub dlen: i32,
    pub plen: i32,
    pub hlen: u32,
    pub id: u16,
    /// More-fragments bit.
    pub mf: bool,
    pub tcp: Option<TcpHeader>,
    pub icmp: Option<IcmpHeader>,
}

fn addr_words(a: IpAddr) -> ([u32; 4], u8) {
    match a {
        IpAddr::V4(v4) => ([u32::from(v4), 0, 0, 0], 4),
        IpAddr::V6(v6) => {
            let b = v6.octets();
            let w = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
            ([w(0), w(4), w(8), w(12)], 6)
        }
    }
}

impl PacketInfo {
    /// Summarise a model [`Packet`] the way `fr_makefrip` would summarise the
    /// packet it describes.
    pub fn from_packet(p: &Packet) -> PacketInfo {
        let (src, v) = addr_words(p.src);
        let (dst, _) = addr_words(p.dst);
        let off = u32::from(p.frag_offset) * 8;
        let mut flx = 0;
        if p.proto == 6 || p.proto == 17 {
            flx |= fi::TCPUDP;
        }
        if p.frag_offset != 0 || p.more_frags {
            flx |= fi::FRAG;
        }
        if off != 0 {
            flx |= fi::FRAGBODY;
        }
        if p.short {
            flx |= fi::SHORT;
        }
        if p.ip_options != 0 {
            flx |= fi::OPTIONS;
        }
        let l4 = match p.proto {
            6 => 20,
            17 => 8,
            1 => 28,
            _ => 8,
        };
        let dlen = if p.short {
            if p.sport.is_some() {
                4
            } else {
                0
            }
        } else {
            l4
        };
        let mut data = [0u16; 2];
        if off == 0 {
            if let (Some(s), Some(d)) = (p.sport, p.dport) {
                data = [s, d];
            }
            if let Some((t, c)) = p.icmp {
                data = [u16::from(t) << 8 | u16::from(c), 0];
            }
        }
        let tcp = (p.proto == 6 && off == 0 && !p.short).then_some(TcpHeader {
            seq: 0,
            ack: 0,
            win: 4096,
            off: 20,
            flags: p.tcp_flags,
        });
        let icmp = p.icmp.map(|(t, c)| IcmpHeader {
            icmp_type: t,
            code: c,
            id: 0,
            seq: 0,
        });
        PacketInfo {
            v,
            out: p.dir == Dir::Out,
            ifname: p.iface.clone().unwrap_or_default(),
            tos: p.tos,
            ttl: p.ttl,
            p: p.proto,
            src,
            dst,
            flx,
            optmsk: p.ip_options,
            secmsk: 0,
            auth: 0,
            data,
            tcpf: if p.proto == 6 && !p.short && off == 0 {
                p.tcp_flags
            } else {
                0
            },
            off,
            dlen,
            plen: dlen + 20,
            hlen: 20,
            id: 0,
            mf: p.more_frags,
            tcp,
            icmp,
        }
    }
}

// ---------------------------------------------------------------------------
// Compiled rules (frentry_t)
// ---------------------------------------------------------------------------

/// A port comparison (`frpcmp_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortCmp {
    pub op: PortCmpOp,
    pub port: u16,
    pub top: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortCmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    /// `<>`
    OutRange,
    /// `><`
    InRange,
    /// `:`
    IncRange,
}

impl PortCmp {
    fn matches(&self, tup: u16) -> bool {
        let po = self.port;
        match self.op {
            PortCmpOp::Eq => tup == po,
            PortCmpOp::Ne => tup != po,
            PortCmpOp::Lt => tup < po,
            PortCmpOp::Gt => tup > po,
            PortCmpOp::Le => tup <= po,
            PortCmpOp::Ge => tup >= po,
            PortCmpOp::OutRange => !(tup >= po && tup <= self.top),
            PortCmpOp::InRange => !(tup <= po || tup >= self.top),
            PortCmpOp::IncRange => !(tup < po || tup > self.top),
        }
    }

    /// The inclusive ranges it accepts.
    fn ranges(&self) -> Vec<(u16, u16)> {
        let p = self.port;
        let t = self.top;
        let mut v = match self.op {
            PortCmpOp::Eq => vec![(p, p)],
            PortCmpOp::Ne => vec![(0, p.wrapping_sub(1)), (p.wrapping_add(1), 65535)],
            PortCmpOp::Lt => vec![(0, p.wrapping_sub(1))],
            PortCmpOp::Gt => vec![(p.wrapping_add(1), 65535)],
            PortCmpOp::Le => vec![(0, p)],
            PortCmpOp::Ge => vec![(p, 65535)],
            PortCmpOp::OutRange => vec![(0, p.wrapping_sub(1)), (t.wrapping_add(1), 65535)],
            PortCmpOp::InRange => vec![(p.wrapping_add(1), t.wrapping_sub(1))],
            PortCmpOp::IncRange => vec![(p, t)],
        };
        // Drop empty ranges (p = 0 for `<`, p = 65535 for `>`).
        v.retain(|(a, b)| {
            a <= b
                && !(self.op == PortCmpOp::Lt && p == 0)
                && !(self.op == PortCmpOp::Gt && p == 65535)
        });
        if matches!(self.op, PortCmpOp::Ne | PortCmpOp::OutRange) {
            v.retain(|(a, b)| !(*a == 0 && *b == 65535));
            if self.op == PortCmpOp::Ne && p == 0 {
                v = vec![(1, 65535)];
            }
            if self.op == PortCmpOp::Ne && p == 65535 {
                v = vec![(0, 65534)];
            }
            if self.op == PortCmpOp::OutRange && p == 0 {
                v = if t == 65535 {
                    vec![]
                } else {
                    vec![(t + 1, 65535)]
                };
            }
        }
        v
    }
}

/// A header word the rule compares: `(packet & mask) == value`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Masked<T> {
    value: T,
    mask: T,
}

/// One compiled rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FrEntry {
    /// Index in [`IpfFile::rules`].
    pub rule: usize,
    pub span: Span,
    pub text: String,
    pub flags: u32,
    pub skip: u32,
    pub icode: u8,
    /// 4.x: a rule that never named a header field (`pass in all`) is not
    /// of type IPF and matches every packet.
    pub typed: bool,
    /// Interface the rule is bound to (`None`: any).
    pub ifname: Option<String>,
    /// The other interfaces (`on a,b`, `in-via`/`out-via`) for state entries.
    pub ifnames: [Option<String>; 4],
    pub v: u8,
    tos: Masked<u8>,
    ttl: Masked<u8>,
    proto: Masked<u8>,
    flx: Masked<u32>,
    optmsk: Masked<u32>,
    secmsk: Masked<u16>,
    src: Masked<[u32; 4]>,
    dst: Masked<[u32; 4]>,
    /// An address IPFilter resolves at load time and we cannot (host names,
    /// pools, interface addresses): the rule never matches here.
    unresolved: bool,
    pub scmp: Option<PortCmp>,
    pub dcmp: Option<PortCmp>,
    pub tcpf: u8,
    pub tcpfm: u8,
    pub icmp: u16,
    pub icmpm: u16,
    pub head: Option<String>,
    pub group: Option<String>,
    pub state_limit: u32,
    loglevel: Option<String>,
    targets: String,
    age: (u32, u32),
}

fn masked4(addr: u32, mask: u32) -> Masked<[u32; 4]> {
    Masked {
        value: [addr & mask, 0, 0, 0],
        mask: [mask, 0, 0, 0],
    }
}

fn bits_mask(bits: u32) -> u32 {
    if bits == 0 {
        0
    } else if bits >= 32 {
        0xffff_ffff
    } else {
        0xffff_ffff << (32 - bits)
    }
}

fn v6_mask(bits: u32) -> [u32; 4] {
    let mut m = [0u32; 4];
    let mut left = bits.min(128);
    for w in m.iter_mut() {
        *w = bits_mask(left.min(32));
        left = left.saturating_sub(32);
    }
    m
}

/// How an address compiled: the value/mask, or unresolvable.
enum CompiledAddr {
    Exact(Masked<[u32; 4]>, u8),
    Unresolved,
}

impl CompiledAddr {
    /// The address for an entry, whose IP version it may decide; `None`
    /// (and the entry unresolved) when it could not be resolved.
    fn take(&self, e: &mut FrEntry) -> Option<Masked<[u32; 4]>> {
        match self {
            CompiledAddr::Exact(m, v) => {
                if *v != 0 {
                    e.v = *v;
                }
                Some(*m)
            }
            CompiledAddr::Unresolved => {
                e.unresolved = true;
                None
            }
        }
    }
}

fn compile_addr(a: &Addr, version: IpfVersion) -> Vec<(CompiledAddr, bool)> {
    match a {
        Addr::Any => vec![(CompiledAddr::Exact(Masked::default(), 0), false)],
        Addr::Host { host, mask } => {
            let one = |ip: Option<IpAddr>| -> CompiledAddr {
                match ip {
                    Some(IpAddr::V4(v4)) => {
                        let a = u32::from(v4);
                        let m = match mask {
                            None => {
                                // 3.4: a host without mask is /32, except
                                // 0.0.0.0 which means any.
                                if version.is_v34() && a == 0 {
                                    0
                                } else {
                                    0xffff_ffff
                                }
                            }
                            Some(Mask::Bits(b)) => bits_mask(*b),
                            Some(Mask::Addr(m)) => *m,
                            Some(_) => return CompiledAddr::Unresolved,
                        };
                        CompiledAddr::Exact(masked4(a, m), 4)
                    }
                    Some(IpAddr::V6(_)) => {
                        let (w, _) = addr_words(ip.expect("v6"));
                        let m = match mask {
                            None => v6_mask(128),
                            Some(Mask::Bits(b)) => v6_mask(*b),
                            Some(_) => return CompiledAddr::Unresolved,
                        };
                        let mut value = w;
                        for (v, mm) in value.iter_mut().zip(m) {
                            *v &= mm;
                        }
                        CompiledAddr::Exact(Masked { value, mask: m }, 6)
                    }
                    None => CompiledAddr::Unresolved,
                }
            };
            vec![(one(host.ip), false)]
        }
        Addr::List(items) => items
            .iter()
            .flat_map(|(neg, a)| {
                compile_addr(a, version)
                    .into_iter()
                    .map(move |(c, n)| (c, n ^ *neg))
            })
            .collect(),
        Addr::Pool { .. } | Addr::InlinePool(_) | Addr::Interface { .. } => {
            vec![(CompiledAddr::Unresolved, false)]
        }
    }
}

fn port_value(n: &syn::PortNum, proto: Option<u8>) -> Option<u16> {
    n.value.or_else(|| names::service(&n.text, proto))
}

fn compile_ports(p: &PortSpec, proto: Option<u8>) -> Vec<Option<PortCmp>> {
    let cmp = |op, a: &syn::PortNum, b: Option<&syn::PortNum>| -> Option<PortCmp> {
        Some(PortCmp {
            op,
            port: port_value(a, proto)?,
            top: match b {
                Some(b) => port_value(b, proto)?,
                None => 0,
            },
        })
    };
    match p {
        PortSpec::Cmp(op, n) => {
            let op = match op {
                PortOp::Eq => PortCmpOp::Eq,
                PortOp::Ne => PortCmpOp::Ne,
                PortOp::Lt => PortCmpOp::Lt,
                PortOp::Gt => PortCmpOp::Gt,
                PortOp::Le => PortCmpOp::Le,
                PortOp::Ge => PortCmpOp::Ge,
            };
            vec![cmp(op, n, None)]
        }
        PortSpec::Range(a, op, b) => {
            let op = match op {
                RangeOp::Outside => PortCmpOp::OutRange,
                RangeOp::Inside => PortCmpOp::InRange,
                RangeOp::Inclusive => PortCmpOp::IncRange,
            };
            vec![cmp(op, a, Some(b))]
        }
        PortSpec::List(v) => v.iter().map(|n| cmp(PortCmpOp::Eq, n, None)).collect(),
    }
}

/// The action bits of a rule.
fn action_flags(r: &IpfRule, version: IpfVersion) -> (u32, u32, u8) {
    let mut flags = match r.dir.value {
        Direction::In => fr::INQUE,
        Direction::Out => fr::OUTQUE,
    };
    let mut skip = 0;
    let mut icode = 0;
    match &r.action.value {
        Action::Block(ret) => {
            flags |= fr::BLOCK;
            match ret {
                Some(BlockReturn::Icmp(c)) => {
                    flags |= fr::RETICMP;
                    icode = c.unwrap_or(0);
                }
                Some(BlockReturn::IcmpAsDest(c)) => {
                    flags |= fr::FAKEICMP;
                    icode = c.unwrap_or(0);
                }
                Some(BlockReturn::Rst) => flags |= fr::RETRST,
                None => {}
            }
        }
        Action::Pass => flags |= fr::PASS,
        Action::Log(o) => {
            flags |= fr::LOG;
            if o.body {
                flags |= fr::LOGBODY;
            }
            if o.first {
                flags |= fr::LOGFIRST;
            }
            if o.or_block {
                flags |= fr::LOGORBLOCK;
            }
        }
        Action::Count => flags |= fr::ACCOUNT,
        Action::Skip(n) => {
            flags |= fr::SKIP;
            skip = *n;
        }
        Action::Auth { return_rst } => {
            flags |= fr::AUTH;
            if *return_rst {
                flags |= fr::RETRST;
            }
        }
        Action::Preauth => flags |= fr::PREAUTH,
        Action::Call { now, .. } => {
            if *now {
                flags |= fr::CALLNOW;
            }
        }
        Action::Nomatch => flags |= fr::NOMATCH_ACTION,
        Action::Decapsulate => {}
    }
    if let Some(l) = &r.log {
        let cmd = flags & fr::CMDMASK;
        // 3.4 sets the log bit only on pass and block rules.
        if !version.is_v34() || cmd == fr::PASS || cmd == fr::BLOCK {
            flags |= fr::LOG;
        }
        if l.value.body {
            flags |= fr::LOGBODY;
        }
        if l.value.first {
            flags |= fr::LOGFIRST;
        }
        if l.value.or_block {
            flags |= fr::LOGORBLOCK;
        }
    }
    if r.quick.is_some() {
        flags |= fr::QUICK;
    }
    if r.keep_state.is_some() {
        flags |= fr::KEEPSTATE;
        if r.keep_state.as_ref().is_some_and(|k| {
            k.value
                .options
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("strict"))
        }) {
            flags |= fr::STSTRICT;
        }
    }
    if r.keep_frags.is_some() {
        flags |= fr::KEEPFRAG;
        if r.keep_frags_strict {
            flags |= fr::FRSTRICT;
        }
    }
    if r.fastroute.is_some() {
        flags |= fr::FASTROUTE;
    }
    if r.from.as_ref().is_some_and(|e| e.negated) {
        flags |= fr::NOTSRCIP;
    }
    if r.to.as_ref().is_some_and(|e| e.negated) {
        flags |= fr::NOTDSTIP;
    }
    (flags, skip, icode)
}

/// Compile one rule into the entries IPFilter loads for it (4.x turns every
/// list into one rule per element).
fn compile(r: &IpfRule, index: usize, version: IpfVersion) -> Vec<FrEntry> {
    let v34 = version.is_v34();
    let base = base_entry(r, index, version);
    let lists = ElementLists::of(r, version);
    let mut out = Vec::new();
    for proto in &lists.protos {
        let (sports, dports) = port_lists(r, proto);
        for &tos in &lists.tos {
            for &ttl in &lists.ttl {
                for src in &lists.srcs {
                    for dst in &lists.dsts {
                        for sport in &sports {
                            for dport in &dports {
                                for &icmp_type in &lists.icmp_types {
                                    for &icmp_code in &lists.icmp_codes {
                                        let el = Element {
                                            proto,
                                            tos,
                                            ttl,
                                            src,
                                            dst,
                                            sport,
                                            dport,
                                            icmp_type,
                                            icmp_code,
                                        };
                                        out.push(element_entry(&base, r, v34, &el));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The lists a rule may give (protocols, TOS, TTL, addresses, ICMP types and
/// codes), each with one `None`/"any" element when the rule gives none.
struct ElementLists {
    protos: Vec<Option<Proto>>,
    tos: Vec<Option<u32>>,
    ttl: Vec<Option<u32>>,
    srcs: Vec<(CompiledAddr, bool)>,
    dsts: Vec<(CompiledAddr, bool)>,
    icmp_types: Vec<Option<u8>>,
    icmp_codes: Vec<Option<u8>>,
}

impl ElementLists {
    fn of(r: &IpfRule, version: IpfVersion) -> Self {
        fn or_any<T: Clone>(v: Vec<T>) -> Vec<Option<T>> {
            if v.is_empty() {
                vec![None]
            } else {
                v.into_iter().map(Some).collect()
            }
        }
        let addrs = |e: &Option<syn::Endpoint>| match e.as_ref().and_then(|e| e.addr.as_ref()) {
            Some(a) => compile_addr(&a.value, version),
            None => vec![(CompiledAddr::Exact(Masked::default(), 0), false)],
        };
        let icmp = |names: Option<&[(String, Option<u8>)]>| match names {
            Some(n) if !n.is_empty() => n.iter().map(|t| t.1).collect(),
            _ => vec![None],
        };
        let spec = r.icmp.as_ref().map(|i| &i.value);
        ElementLists {
            protos: or_any(r.protos.iter().map(|p| p.value.clone()).collect()),
            tos: or_any(r.tos.iter().map(|t| t.value).collect()),
            ttl: or_any(r.ttl.iter().map(|t| t.value).collect()),
            srcs: addrs(&r.from),
            dsts: addrs(&r.to),
            icmp_types: icmp(spec.map(|i| i.types.as_slice())),
            icmp_codes: icmp(spec.map(|i| i.codes.as_slice())),
        }
    }
}

/// Source and destination port lists for one protocol of the rule
/// (`None`: the side names no port).
type PortList = Vec<Option<Option<PortCmp>>>;

fn port_lists(r: &IpfRule, proto: &Option<Proto>) -> (PortList, PortList) {
    let tcpudp = matches!(proto, Some(Proto::TcpUdp));
    let port_proto = if tcpudp {
        None
    } else {
        proto.as_ref().and_then(|p| p.number())
    };
    let ports = |e: &Option<syn::Endpoint>| match e.as_ref().and_then(|e| e.port.as_ref()) {
        Some(p) => compile_ports(&p.value, port_proto)
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None],
    };
    (ports(&r.from), ports(&r.to))
}

/// One combination of a rule's list elements.
struct Element<'a> {
    proto: &'a Option<Proto>,
    tos: Option<u32>,
    ttl: Option<u32>,
    src: &'a (CompiledAddr, bool),
    dst: &'a (CompiledAddr, bool),
    sport: &'a Option<Option<PortCmp>>,
    dport: &'a Option<Option<PortCmp>>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
}

/// Interface names: `on` (one or two) and `in-via`/`out-via`; `*`, `-` or
/// nothing is any interface.
fn interface_names(r: &IpfRule) -> (Option<String>, [Option<String>; 4]) {
    let wild = |s: &str| s == "*" || s == "-" || s.is_empty();
    let ifname = r.on.first().map(|s| s.value.clone()).filter(|s| !wild(s));
    let mut ifnames: [Option<String>; 4] = [ifname.clone(), None, None, None];
    if let Some(o) = r.on.get(1) {
        if !wild(&o.value) {
            ifnames[1] = Some(o.value.clone());
        }
    }
    for (i, v) in r.via.iter().take(2).enumerate() {
        if !wild(&v.value) {
            ifnames[2 + i] = Some(v.value.clone());
        }
    }
    (ifname, ifnames)
}

/// The `with` options as the kernel's flag, IP option and security masks.
fn with_masks(r: &IpfRule, v34: bool) -> (Masked<u32>, Masked<u32>, Masked<u16>) {
    let mut flx = Masked::<u32>::default();
    let mut optmsk = Masked::<u32>::default();
    let mut secmsk = Masked::<u16>::default();
    for w in &r.with {
        let neg = w.value.negated;
        match &w.value.kind {
            WithKind::Flag(f) => {
                let bit = match f.as_str() {
                    "ipopts" | "ipopt" => fi::OPTIONS,
                    "short" => fi::SHORT,
                    "frag" | "frags" => fi::FRAG,
                    "frag-body" => fi::FRAGBODY,
                    "nat" => fi::NATED,
                    "bad" => fi::BAD,
                    "bad-nat" => fi::BADNAT,
                    "bad-src" => fi::BADSRC,
                    "lowttl" => fi::LOWTTL,
                    "mbcast" => fi::MBCAST,
                    "mcast" | "multicast" => fi::MULTICAST,
                    "bcast" | "broadcast" => fi::BROADCAST,
                    "state" => fi::STATE,
                    "oow" => fi::OOW,
                    _ => 0,
                };
                flx.mask |= bit;
                if !neg {
                    flx.value |= bit;
                }
            }
            WithKind::Opts { opts, sec_classes } => {
                let mut bits = 0u32;
                for o in opts {
                    // 4.x: `sec-class X` contributes only the class bits.
                    if !v34 && o == "sec-class" {
                        continue;
                    }
                    bits |= names::ip_option_bit(o, v34).unwrap_or(0);
                }
                let sec: u16 = sec_classes
                    .iter()
                    .filter_map(|s| names::sec_class_bit(s))
                    .fold(0, |a, b| a | b);
                if v34 {
                    // extras() in parse.c
                    if !neg || bits == 0 {
                        flx.mask |= fi::OPTIONS;
                    }
                    if neg {
                        optmsk.mask |= if sec == 0 { bits } else { bits & !0x0100 };
                    } else {
                        optmsk.mask |= bits;
                    }
                    secmsk.mask |= sec;
                    if neg {
                        flx.value &= !fi::OPTIONS;
                        optmsk.value &= !bits;
                        secmsk.value &= !sec;
                    } else {
                        flx.value |= fi::OPTIONS;
                        optmsk.value |= bits;
                        secmsk.value |= sec;
                    }
                } else {
                    optmsk.mask |= bits;
                    secmsk.mask |= sec;
                    if !neg {
                        optmsk.value |= bits;
                        secmsk.value |= sec;
                    }
                }
            }
            WithKind::V6Hdrs(_) => {}
        }
    }

    (flx, optmsk, secmsk)
}

/// What every entry of a rule has in common, before its list elements.
fn base_entry(r: &IpfRule, index: usize, version: IpfVersion) -> FrEntry {
    let v34 = version.is_v34();
    let (flags, skip, icode) = action_flags(r, version);
    let (ifname, ifnames) = interface_names(r);
    let (flx, optmsk, secmsk) = with_masks(r, v34);
    let typed = !v34
        && (!r.tos.is_empty()
            || !r.ttl.is_empty()
            || !r.protos.is_empty()
            || r.from.is_some()
            || r.to.is_some()
            || !r.with.is_empty()
            || r.icmp.is_some()
            || r.family.is_some());
    let loglevel = r
        .log
        .as_ref()
        .and_then(|l| l.value.level.clone())
        .or(match &r.action.value {
            Action::Log(o) => o.level.clone(),
            _ => None,
        });
    let targets = format!(
        "{:?}{:?}{:?}",
        r.dup_to.as_ref().map(|t| &t.value),
        r.route_to.as_ref().map(|t| &t.value),
        r.reply_to.as_ref().map(|t| &t.value)
    );
    FrEntry {
        rule: index,
        span: r.span,
        text: r.text.clone(),
        flags,
        skip,
        icode,
        typed: v34 || typed,
        ifname,
        ifnames,
        v: 0,
        tos: Masked::default(),
        ttl: Masked::default(),
        proto: Masked::default(),
        flx,
        optmsk,
        secmsk,
        src: Masked::default(),
        dst: Masked::default(),
        unresolved: false,
        scmp: None,
        dcmp: None,
        tcpf: 0,
        tcpfm: 0,
        icmp: 0,
        icmpm: 0,
        head: r.head.as_ref().map(|h| h.value.clone()),
        group: r.group.as_ref().map(|g| g.value.clone()),
        state_limit: r
            .keep_state
            .as_ref()
            .and_then(|k| k.value.limit())
            .unwrap_or(0),
        loglevel,
        targets,
        age: r.state_age.as_ref().map_or((0, 0), |a| a.value),
    }
}

/// The entry for one combination of list elements.
fn element_entry(base: &FrEntry, r: &IpfRule, v34: bool, el: &Element) -> FrEntry {
    let mut e = base.clone();
    if let Some(t) = el.tos {
        e.tos = Masked {
            value: t as u8,
            mask: 0xff,
        };
    }
    if let Some(t) = el.ttl {
        e.ttl = Masked {
            value: t as u8,
            mask: 0xff,
        };
    }
    match el.proto {
        Some(Proto::TcpUdp) => {
            e.flx.value |= fi::TCPUDP;
            e.flx.mask |= fi::TCPUDP;
        }
        Some(Proto::Number { number, .. }) => {
            e.proto = Masked {
                value: number.unwrap_or(0),
                mask: 0xff,
            };
            if number.is_none() {
                e.unresolved = true;
            }
        }
        None => {}
    }
    let (s, sneg) = el.src;
    let (d, dneg) = el.dst;
    if *sneg {
        e.flags ^= fr::NOTSRCIP;
    }
    if *dneg {
        e.flags ^= fr::NOTDSTIP;
    }
    if let Some(f) = &r.family {
        e.v = if f.value == syn::Family::Inet6 { 6 } else { 4 };
    }
    e.src = s.take(&mut e).unwrap_or(e.src);
    e.dst = d.take(&mut e).unwrap_or(e.dst);
    // A port that did not resolve leaves the rule unresolved.
    if let Some(sp) = el.sport {
        e.scmp = *sp;
        e.unresolved |= sp.is_none();
    }
    if let Some(dp) = el.dport {
        e.dcmp = *dp;
        e.unresolved |= dp.is_none();
    }
    if let Some(f) = &r.flags {
        let set = f.value.set.unwrap_or(0);
        let mask = match f.value.mask {
            Some(m) if m != 0 => m,
            _ if v34 => {
                if set == TH_SYN {
                    0x3f
                } else {
                    0xbf
                }
            }
            _ => 0x3f,
        };
        e.tcpf = set;
        e.tcpfm = mask;
    }
    if let Some(ty) = el.icmp_type {
        e.icmp = u16::from(ty) << 8;
        e.icmpm = 0xff00;
    } else if r.icmp.is_some() {
        e.unresolved = true;
    }
    if let Some(c) = el.icmp_code {
        e.icmp |= u16::from(c);
        e.icmpm = 0xffff;
    } else if r.icmp.as_ref().is_some_and(|i| !i.value.codes.is_empty()) {
        e.unresolved = true;
    }
    e
}

/// Why a rule that parsed was not installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadProblem {
    /// An identical rule is already in the list (EEXIST).
    Duplicate,
    /// `group G` names no group made by an earlier `head G` (ESRCH).
    UnknownGroup(String),
    /// 4.x: the group's rules are for the other direction (ESRCH).
    GroupDirection(String),
    /// `head G` for a group that already exists (EEXIST, 3.4).
    GroupExists(String),
}

#[derive(Clone, Debug)]
pub struct LoadNote {
    pub rule: usize,
    pub span: Span,
    pub problem: LoadProblem,
}

#[derive(Clone, Debug)]
struct Group {
    name: String,
    account: bool,
    /// 4.x: in or out, fixed by the first member.
    dir: Option<u32>,
    list: usize,
}

/// Tunables (`ipftest -T name=value`).
#[derive(Clone, Debug)]
pub struct Tunables {
    /// `fr_statemax` (4.1) / `state_max` (5.x): state table size.
    pub state_max: usize,
    /// `fr_minttl`: packets with a lower TTL get `lowttl` (4.x).
    pub min_ttl: u8,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            state_max: 4013,
            min_ttl: 3,
        }
    }
}

/// A loaded ipf ruleset.
#[derive(Clone, Debug)]
pub struct IpfRuleset {
    pub version: IpfVersion,
    pub file: FileId,
    pub entries: Vec<FrEntry>,
    /// Rule lists; each holds entry indices in order.
    lists: Vec<Vec<usize>>,
    /// filter[in], filter[out], acct[in], acct[out] (list ids).
    filter: [usize; 2],
    acct: [usize; 2],
    groups: Vec<Group>,
    /// Entry → the list of its group (for heads).
    grp: HashMap<usize, usize>,
    pub notes: Vec<LoadNote>,
    pub tunables: Tunables,
    /// Whether the kernel passes packets no rule decides (pass unless
    /// IPFILTER_DEFAULT_BLOCK).
    pub default_pass: bool,
}

impl IpfRuleset {
    /// Load the rules of `file` that IPFilter loads, as `ipf -f` would.
    pub fn load(file_id: FileId, file: &IpfFile) -> IpfRuleset {
        Self::load_with(file_id, file, Tunables::default())
    }

    pub fn load_with(file_id: FileId, file: &IpfFile, tunables: Tunables) -> IpfRuleset {
        let mut rs = IpfRuleset {
            version: file.version,
            file: file_id,
            entries: Vec::new(),
            lists: vec![Vec::new(); 4],
            filter: [0, 1],
            acct: [2, 3],
            groups: Vec::new(),
            grp: HashMap::new(),
            notes: Vec::new(),
            tunables,
            default_pass: true,
        };
        for (i, r) in file.rules.iter().enumerate() {
            if !r.loaded {
                continue;
            }
            for e in compile(r, i, file.version) {
                rs.add(e, r.insert.as_ref().map(|s| s.value));
            }
        }
        rs
    }

    fn note(&mut self, e: &FrEntry, problem: LoadProblem) {
        self.notes.push(LoadNote {
            rule: e.rule,
            span: e.span,
            problem,
        });
    }

    /// `frrequest(SIOCADAFR/SIOCINAFR)`.
    fn add(&mut self, mut e: FrEntry, insert: Option<u32>) {
        let v34 = self.version.is_v34();
        let account = e.flags & fr::CMDMASK == fr::ACCOUNT;
        let dir = e.flags & (fr::INQUE | fr::OUTQUE);
        let out = usize::from(dir == fr::OUTQUE);
        // Group names: "0" means none.
        let norm = |g: &Option<String>| -> Option<String> {
            g.as_ref().and_then(|g| {
                let zero = if v34 {
                    syn::parse_c_number(g) == Some(0)
                } else {
                    g == "0"
                };
                (!zero && !g.is_empty()).then(|| {
                    if v34 {
                        syn::parse_c_number(g).map_or(g.clone(), |n| n.to_string())
                    } else {
                        g.clone()
                    }
                })
            })
        };
        e.head = norm(&e.head);
        e.group = norm(&e.group);
        if let Some(h) = &e.head {
            if v34 && self.find_group(h, account).is_some() {
                let h = h.clone();
                self.note(&e, LoadProblem::GroupExists(h));
                return;
            }
        }
        let list = match &e.group {
            Some(g) => match self.find_group(g, account) {
                Some(gi) => {
                    if !v34 {
                        match self.groups[gi].dir {
                            None => self.groups[gi].dir = Some(dir),
                            Some(d) if d != dir => {
                                let g = g.clone();
                                self.note(&e, LoadProblem::GroupDirection(g));
                                return;
                            }
                            _ => {}
                        }
                    }
                    self.groups[gi].list
                }
                None => {
                    let g = g.clone();
                    self.note(&e, LoadProblem::UnknownGroup(g));
                    return;
                }
            },
            None if account => self.acct[out],
            None => self.filter[out],
        };
        // Identical rules are refused.
        if self.lists[list]
            .iter()
            .any(|&i| same_rule(&self.entries[i], &e))
        {
            self.note(&e, LoadProblem::Duplicate);
            return;
        }
        let idx = self.entries.len();
        let head = e.head.clone();
        self.entries.push(e);
        match insert {
            Some(n) if n > 0 => {
                let at = (n as usize - 1).min(self.lists[list].len());
                self.lists[list].insert(at, idx);
            }
            _ => self.lists[list].push(idx),
        }
        if let Some(h) = head {
            // 4.x: a second head for the same group reuses it.
            let gl = match self.find_group(&h, account) {
                Some(gi) => self.groups[gi].list,
                None => {
                    self.lists.push(Vec::new());
                    let l = self.lists.len() - 1;
                    self.groups.push(Group {
                        name: h,
                        account,
                        dir: None,
                        list: l,
                    });
                    l
                }
            };
            self.grp.insert(idx, gl);
        }
    }

    fn find_group(&self, name: &str, account: bool) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.name == name && g.account == account)
    }

    /// The entries of the main in/out list.
    pub fn list(&self, dir: Dir) -> &[usize] {
        &self.lists[self.filter[usize::from(dir == Dir::Out)]]
    }

    /// Start evaluating packets (state and caches empty).
    pub fn session(&self) -> Session<'_> {
        Session {
            rs: self,
            states: Vec::new(),
            frags: Vec::new(),
            cache: HashMap::new(),
            rule_states: RefCell::new(HashMap::new()),
        }
    }

    /// Entries in evaluation order: each list, a head's group right after it.
    fn flatten(
        &self,
        list: usize,
        out: &mut Vec<(usize, Option<usize>)>,
        head: Option<usize>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        for &i in &self.lists[list] {
            out.push((i, head));
            if let Some(&g) = self.grp.get(&i) {
                self.flatten(g, out, Some(i), depth + 1);
            }
        }
    }
}

fn same_rule(a: &FrEntry, b: &FrEntry) -> bool {
    let mut x = a.clone();
    x.rule = b.rule;
    x.span = b.span;
    x.text.clone_from(&b.text);
    x == *b
}

// ---------------------------------------------------------------------------
// Matching one rule (fr_ipfcheck / the body of 3.4's fr_scanlist)
// ---------------------------------------------------------------------------

fn tcpudpchk(e: &FrEntry, fin: &PacketInfo) -> bool {
    let mut ok = true;
    if let Some(d) = e.dcmp {
        ok = d.matches(fin.data[1]);
    }
    if ok {
        if let Some(s) = e.scmp {
            ok = s.matches(fin.data[0]);
        }
    }
    if ok && fin.p == 6 {
        if fin.flx & fi::SHORT != 0 {
            return (e.tcpf | e.tcpfm) == 0;
        }
        if e.tcpfm != 0 && e.tcpf != (fin.tcpf & e.tcpfm) {
            ok = false;
        }
    }
    ok
}

fn addr_match(m: &Masked<[u32; 4]>, a: &[u32; 4], v6: bool) -> bool {
    let n = if v6 { 4 } else { 1 };
    (0..n).all(|i| a[i] & m.mask[i] == m.value[i])
}

/// Whether `e` matches the packet, ignoring the interface.
fn ipf_match(e: &FrEntry, fin: &PacketInfo, portcmp: bool, v34: bool, v5: bool) -> bool {
    if e.unresolved {
        return false;
    }
    // A rule that names no family or address: IPv4 only before 5.x, both
    // families in 5.x.
    let ev = match e.v {
        0 if v5 => fin.v,
        0 => 4,
        v => v,
    };
    if ev != fin.v {
        return false;
    }
    if !e.typed {
        return true;
    }
    if fin.tos & e.tos.mask != e.tos.value
        || fin.ttl & e.ttl.mask != e.ttl.value
        || fin.p & e.proto.mask != e.proto.value
    {
        return false;
    }
    // 3.4 compares the flag nibble with v/tos/ttl/proto; 4.1 later.
    if v34 && (fin.flx & e.flx.mask) != e.flx.value {
        return false;
    }
    if !v34 && (fin.optmsk & e.optmsk.mask) != e.optmsk.value {
        return false;
    }
    let v6 = fin.v == 6;
    let s = addr_match(&e.src, &fin.src, v6) ^ (e.flags & fr::NOTSRCIP != 0);
    if !s {
        return false;
    }
    let d = addr_match(&e.dst, &fin.dst, v6) ^ (e.flags & fr::NOTDSTIP != 0);
    if !d {
        return false;
    }
    if v34 {
        if (fin.optmsk & e.optmsk.mask) != e.optmsk.value
            || (fin.secmsk & e.secmsk.mask) != e.secmsk.value
        {
            return false;
        }
        let has_tcp = e.dcmp.is_some() || e.scmp.is_some() || e.tcpf != 0 || e.tcpfm != 0;
        if !portcmp && has_tcp {
            return false;
        }
        if fin.flx & fi::TCPUDP != 0 {
            if !tcpudpchk(e, fin) {
                return false;
            }
        } else if e.icmpm != 0 || e.icmp != 0 {
            if fin.p != 1 || fin.off != 0 || fin.dlen < 2 {
                return false;
            }
            if fin.data[0] & e.icmpm != e.icmp {
                return false;
            }
        }
        true
    } else {
        if (fin.secmsk & e.secmsk.mask) != e.secmsk.value {
            return false;
        }
        if (fin.flx & e.flx.mask) != e.flx.value {
            return false;
        }
        if portcmp {
            tcpudpchk(e, fin)
        } else {
            if e.dcmp.is_some() || e.scmp.is_some() || e.tcpf != 0 || e.tcpfm != 0 {
                return false;
            }
            if e.icmpm != 0 || e.icmp != 0 {
                if (fin.p != 1 && fin.p != 58) || fin.off != 0 || fin.dlen < 2 {
                    return false;
                }
                if fin.data[0] & e.icmpm != e.icmp {
                    return false;
                }
            }
            true
        }
    }
}

// ---------------------------------------------------------------------------
// State table (ip_state.c), fragment cache (ip_frag.c)
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default)]
struct TcpData {
    end: u32,
    maxend: u32,
    maxwin: u32,
    wscale: u8,
}

const TCPS_CLOSED: u8 = 0;
const TCPS_SYN_SENT: u8 = 2;
const TCPS_SYN_RECEIVED: u8 = 3;
const TCPS_ESTABLISHED: u8 = 4;
const TCPS_CLOSE_WAIT: u8 = 5;
const TCPS_FIN_WAIT_1: u8 = 6;
const TCPS_LAST_ACK: u8 = 8;
const TCPS_TIME_WAIT: u8 = 10;

#[derive(Clone, Debug)]
struct StateEntry {
    p: u8,
    v: u8,
    src: [u32; 4],
    dst: [u32; 4],
    sport: u16,
    dport: u16,
    icmp_type: u8,
    icmp_id: u16,
    icmp_seq: u16,
    /// Interface per (direction, forward/reverse); `None` = any.
    ifp: [Option<String>; 4],
    /// Whether a slot still accepts any interface (and learns it).
    ifwild: [bool; 4],
    rule: Option<usize>,
    rulen: u32,
    pass: u32,
    tcp: [TcpData; 2],
    tcp_state: [u8; 2],
    fsm: bool,
    flags_cmp: u32,
    opt: u32,
    sec: u16,
    auth: u16,
}

#[derive(Clone, Debug)]
struct FragEntry {
    /// (proto, id, tos, src, dst, interface, copied options, security, auth)
    key: (u8, u16, u8, [u32; 4], [u32; 4], String, u32, u16, u16),
    pass: u32,
    rule: Option<usize>,
    seen0: bool,
    /// Offset (8-byte units) the next in-order fragment starts at.
    off: u32,
}

fn frag_key(fin: &PacketInfo) -> (u8, u16, u8, [u32; 4], [u32; 4], String, u32, u16, u16) {
    (
        fin.p,
        fin.id,
        fin.tos,
        fin.src,
        fin.dst,
        fin.ifname.clone(),
        fin.optmsk & 0x07ff00,
        fin.secmsk,
        fin.auth,
    )
}

/// The result of checking one packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The final `pass` word.
    pub pass: u32,
    /// The entry that decided (`None`: nothing matched or the default).
    pub rule: Option<usize>,
    /// Entries that matched on the way.
    pub matched: Vec<usize>,
    pub by_state: bool,
}

impl Outcome {
    pub fn verdict(&self) -> Verdict {
        if self.pass & fr::NOMATCH != 0 {
            Verdict::NoMatch
        } else if self.pass & fr::CMDMASK == fr::PASS {
            Verdict::Pass
        } else {
            Verdict::Block
        }
    }

    /// The word ipftest -b prints for this result.
    pub fn word(&self, version: IpfVersion) -> String {
        let pass = self.pass;
        let cmd = pass & fr::CMDMASK;
        if version.is_v34() {
            if pass & fr::NOMATCH != 0 {
                "nomatch"
            } else if cmd == fr::PASS {
                "pass"
            } else if cmd == fr::AUTH {
                "auth"
            } else if pass & fr::RETMASK == fr::RETRST {
                "block return-rst"
            } else if pass & fr::RETMASK == fr::RETICMP {
                "block return-icmp"
            } else if pass & fr::RETMASK == fr::FAKEICMP {
                "block return-icmp-as-dest"
            } else {
                "block"
            }
            .to_string()
        } else {
            if pass & fr::NOMATCH != 0 {
                return "nomatch".into();
            }
            match pass & fr::RETMASK {
                fr::RETRST => return "block return-rst".into(),
                fr::RETICMP => return "block return-icmp".into(),
                fr::FAKEICMP => return "block return-icmp-as-dest".into(),
                _ => {}
            }
            match cmd {
                fr::PASS => "pass".into(),
                fr::BLOCK => "block".into(),
                fr::AUTH => "auth".into(),
                fr::ACCOUNT => "account".into(),
                fr::PREAUTH => "preauth".into(),
                _ => "recognised return 0x2\n".into(),
            }
        }
    }
}

/// Per-packet scratch (`fr_info_t` fields fr_scanlist updates).
#[derive(Default)]
struct Scan {
    fr: Option<usize>,
    rule: u32,
    depth: u32,
    dontcache: bool,
    matched: Vec<usize>,
}

/// Evaluation of packets in time order against one ruleset: the state
/// table, fragment cache and result cache live here.
pub struct Session<'a> {
    rs: &'a IpfRuleset,
    states: Vec<StateEntry>,
    frags: Vec<FragEntry>,
    /// (direction, interface) → (packet key, fin_fr).
    cache: HashMap<(bool, String), (String, Option<usize>)>,
    /// Per-rule state counts.
    rule_states: RefCell<HashMap<usize, u32>>,
}

impl Session<'_> {
    /// `fr_check`: the result for one packet.
    pub fn check(&mut self, fin: &PacketInfo) -> Outcome {
        let mut fin = fin.clone();
        let v34 = self.rs.version.is_v34();
        let fr_pass = if self.rs.default_pass {
            fr::PASS | fr::NOMATCH
        } else {
            fr::BLOCK | fr::NOMATCH
        };
        if !v34 && !fin.out && fin.v == 4 && fin.ttl < self.rs.tunables.min_ttl {
            fin.flx |= fi::LOWTTL;
        }
        let mut sc = Scan::default();
        let out = usize::from(fin.out);
        // Accounting (inbound before filtering).
        if !fin.out {
            self.account(0, &mut fin);
        }
        let mut pass = fr_pass;
        let mut fr: Option<usize> = None;
        let mut by_state = false;
        let frag_ok = if v34 {
            fin.flx & fi::FRAG != 0
        } else {
            fin.flx & (fi::FRAG | fi::BAD) == fi::FRAG
        };
        let mut found = false;
        if frag_ok {
            // The rule that made the fragment entry decides.
            if let Some(Some(r)) = self.known_frag(&fin) {
                pass = self.rs.entries[r].flags;
                fr = Some(r);
                found = true;
                by_state = true;
            }
        }
        if !found {
            if let Some((p, r)) = self.check_state(&mut fin) {
                pass = p;
                fr = r;
                found = true;
                by_state = true;
            }
        }
        if found {
            if pass & fr::LOGFIRST != 0 {
                pass &= !(fr::LOGFIRST | fr::LOG);
            }
            sc.fr = fr;
        } else {
            // fr_firewall / 3.4's inline version.
            let key = cache_key(&fin);
            let slot = (fin.out, fin.ifname.clone());
            let cached = self
                .cache
                .get(&slot)
                .filter(|(k, _)| *k == key)
                .map(|(_, f)| *f);
            if let Some(cf) = cached {
                sc.fr = cf;
                if let Some(f) = cf {
                    pass = self.rs.entries[f].flags;
                }
            } else {
                let l = self.rs.filter[out];
                if !self.rs.lists[l].is_empty() {
                    pass = self.scan(l, &mut fin, &mut sc, fr_pass);
                }
                if pass & fr::KEEPSTATE == 0 && !sc.dontcache {
                    self.cache.insert(slot, (key, sc.fr));
                }
                if pass & fr::NOMATCH != 0 && v34 {
                    sc.fr = None;
                }
            }
            fr = sc.fr;
            if pass & (fr::KEEPFRAG | fr::KEEPSTATE) == fr::KEEPFRAG && fin.flx & fi::FRAG != 0 {
                self.new_frag(&fin, pass, fr);
            }
            if pass & fr::KEEPSTATE != 0 && (v34 || fin.flx & fi::STATE == 0) {
                let added = self.add_state(&fin, fr, pass);
                if !added && !v34 && pass & fr::CMDMASK == fr::PASS {
                    pass = (pass & !fr::CMDMASK) | fr::BLOCK;
                }
            }
        }
        if fin.out && pass & fr::CMDMASK == fr::PASS {
            self.account(1, &mut fin);
        }
        let rule = if pass & fr::NOMATCH != 0 { None } else { fr };
        Outcome {
            pass,
            rule,
            matched: sc.matched,
            by_state,
        }
    }

    /// Run the accounting list of a direction (0 in, 1 out); its verdict is not used.
    fn account(&mut self, dir: usize, fin: &mut PacketInfo) {
        let l = self.rs.acct[dir];
        if !self.rs.lists[l].is_empty() {
            self.scan(l, fin, &mut Scan::default(), fr::NOMATCH);
        }
    }

    /// `fr_scanlist`.
    fn scan(&mut self, list: usize, fin: &mut PacketInfo, sc: &mut Scan, passin: u32) -> u32 {
        let rs = self.rs;
        let v34 = rs.version.is_v34();
        let mut pass = passin;
        if !v34 && sc.depth >= 16 {
            return pass;
        }
        if rs.lists[list].is_empty() {
            return pass;
        }
        sc.depth += 1;
        sc.fr = None;
        let mut skip = 0u32;
        let mut logged = false;
        let portcmp = fin.flx & fi::TCPUDP != 0 && fin.dlen > 3 && fin.off == 0;
        let mut frl: Option<usize> = None;
        for (rulen, &ei) in rs.lists[list].iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let e = &rs.entries[ei];
            if let Some(ifn) = &e.ifname {
                if *ifn != fin.ifname {
                    continue;
                }
            }
            if !ipf_match(e, fin, portcmp, v34, rs.version == IpfVersion::V5_1) {
                continue;
            }
            let mut passt = e.flags;
            if v34 && passt & fr::NOMATCH_ACTION != 0 {
                sc.fr = frl.take();
                if passt & fr::QUICK != 0 {
                    break;
                }
                continue;
            }
            if !v34 && passt & fr::KEEPSTATE != 0 && fin.flx & fi::OOW != 0 {
                continue;
            }
            sc.matched.push(ei);
            frl = sc.fr;
            sc.fr = Some(ei);
            let logonly = passt & fr::LOGMASK == fr::LOG;
            if logonly {
                logged = true;
            }
            sc.rule = rulen as u32;
            if v34 {
                if let Some(&g) = rs.grp.get(&ei) {
                    passt = self.scan(g, fin, sc, passt);
                    if sc.fr.is_none() {
                        sc.fr = Some(ei);
                        sc.rule = rulen as u32;
                    }
                    if sc.dontcache {
                        logged = true;
                    }
                }
                let is_skip = e.flags & fr::CMDMASK == fr::SKIP;
                if is_skip {
                    skip = e.skip;
                }
                if !is_skip && passt & fr::LOGMASK != fr::LOG {
                    pass = passt;
                }
                if passt & fr::QUICK != 0 {
                    break;
                }
            } else {
                let passo = pass;
                if passt & fr::CMDMASK == fr::SKIP {
                    skip = e.skip;
                } else if !logonly {
                    pass = passt;
                }
                if let Some(&g) = rs.grp.get(&ei) {
                    pass = self.scan(g, fin, sc, pass);
                    if sc.fr.is_none() {
                        sc.rule = rulen as u32;
                        sc.fr = Some(ei);
                    }
                    if sc.dontcache {
                        logged = true;
                    }
                }
                if pass & fr::QUICK != 0 {
                    if pass & fr::KEEPSTATE != 0 && fin.flx & fi::STATE == 0 {
                        if self.add_state(fin, sc.fr, pass) {
                            fin.flx |= fi::STATE;
                        } else {
                            pass = passo;
                            continue;
                        }
                    }
                    break;
                }
            }
        }
        if logged {
            sc.dontcache = true;
        }
        sc.depth -= 1;
        pass
    }

    // -- state ------------------------------------------------------------

    fn add_state(&mut self, fin: &PacketInfo, rule: Option<usize>, pass: u32) -> bool {
        let rs = self.rs;
        let v34 = rs.version.is_v34();
        if fin.off != 0 || fin.flx & fi::SHORT != 0 {
            return false;
        }
        if !v34 && fin.flx & (fi::STATE | fi::FRAGBODY | fi::BAD) != 0 {
            return false;
        }
        let limit = rule.map_or(0, |r| rs.entries[r].state_limit);
        if (v34 || limit == 0) && self.states.len() >= rs.tunables.state_max {
            return false;
        }
        if !v34 && limit != 0 {
            let mut counts = self.rule_states.borrow_mut();
            let c = counts.entry(rule.expect("rule")).or_insert(0);
            if *c >= limit {
                return false;
            }
            *c += 1;
        }
        let out = usize::from(fin.out);
        let mut st = StateEntry {
            p: fin.p,
            v: fin.v,
            src: fin.src,
            dst: fin.dst,
            sport: 0,
            dport: 0,
            icmp_type: 0,
            icmp_id: 0,
            icmp_seq: 0,
            ifp: [None, None, None, None],
            ifwild: [true; 4],
            rule,
            rulen: 0,
            pass,
            tcp: [TcpData::default(); 2],
            tcp_state: [TCPS_CLOSED; 2],
            fsm: false,
            flags_cmp: fin.flx & fi::CMP34,
            opt: fin.optmsk,
            sec: fin.secmsk,
            auth: fin.auth,
        };
        match fin.p {
            1 => {
                let Some(ic) = fin.icmp else { return false };
                if !matches!(ic.icmp_type, 8 | 13 | 15 | 17) {
                    return false;
                }
                st.icmp_type = ic.icmp_type;
                st.icmp_id = ic.id;
                st.icmp_seq = ic.seq;
            }
            6 => {
                let Some(t) = fin.tcp else { return false };
                if t.flags & TH_RST != 0 {
                    return false;
                }
                st.sport = fin.data[0];
                st.dport = fin.data[1];
                let send = t
                    .seq
                    .wrapping_add((fin.dlen - t.off as i32) as u32)
                    .wrapping_add(u32::from(t.flags & TH_SYN != 0))
                    .wrapping_add(u32::from(t.flags & TH_FIN != 0));
                st.tcp[0] = TcpData {
                    end: send,
                    maxend: send,
                    maxwin: u32::from(t.win).max(1),
                    wscale: 0,
                };
                st.tcp[1] = TcpData {
                    end: 0,
                    maxend: 0,
                    maxwin: 1,
                    wscale: 0,
                };
                if t.flags & TH_OPENING == TH_SYN {
                    st.fsm = true;
                } else if !v34 {
                    st.tcp[1].maxwin = st.tcp[0].maxwin * 4;
                    st.tcp[1].end = t.ack;
                    st.tcp[1].maxend = t.ack;
                }
            }
            17 => {
                st.sport = fin.data[0];
                st.dport = fin.data[1];
            }
            _ => {}
        }
        if let Some(r) = rule {
            let e = &rs.entries[r];
            st.rulen = 0;
            st.ifp[(out << 1) + 1] = e.ifnames[1].clone();
            st.ifp[(1 - out) << 1] = e.ifnames[2].clone();
            st.ifp[((1 - out) << 1) + 1] = e.ifnames[3].clone();
            st.ifwild[(out << 1) + 1] = e.ifnames[1].is_none();
            st.ifwild[(1 - out) << 1] = e.ifnames[2].is_none();
            st.ifwild[((1 - out) << 1) + 1] = e.ifnames[3].is_none();
            st.pass = e.flags;
        }
        st.ifp[out << 1] = Some(fin.ifname.clone());
        st.ifwild[out << 1] = false;
        if st.pass & fr::LOGFIRST != 0 {
            st.pass &= !(fr::LOGFIRST | fr::LOG);
        }
        if fin.p == 6 {
            let t = fin.tcp.expect("tcp");
            tcp_age(&mut st.tcp_state, t.flags, 0, st.fsm);
        }
        self.states.push(st);
        if fin.flx & fi::FRAG != 0 {
            if v34 && pass & fr::KEEPFRAG != 0 {
                self.new_frag(fin, pass, rule);
            } else if !v34 {
                self.new_frag(fin, pass ^ fr::KEEPSTATE, rule);
            }
        }
        true
    }

    fn check_state(&mut self, fin: &mut PacketInfo) -> Option<(u32, Option<usize>)> {
        let v34 = self.rs.version.is_v34();
        if self.states.is_empty() || fin.off != 0 || fin.flx & fi::SHORT != 0 {
            return None;
        }
        if !v34 && fin.flx & (fi::STATE | fi::FRAGBODY | fi::BAD) != 0 {
            return None;
        }
        let out = usize::from(fin.out);
        let tcp = fin.tcp;
        if fin.p == 6 {
            let t = tcp?;
            if t.flags & TH_RST != 0 && t.flags & (TH_FIN | TH_SYN | TH_RST) != TH_RST {
                return None;
            }
        }
        let mut hit: Option<usize> = None;
        let mut oow = false;
        // New entries go to the head of the hash chain: newest first.
        for (i, st) in self.states.iter_mut().enumerate().rev() {
            if st.p != fin.p || st.v != fin.v {
                continue;
            }
            let ports = fin.p == 6 || fin.p == 17;
            let mut rev = st.dst != fin.dst;
            if ports && !rev && (fin.data[0] != st.sport || fin.data[1] != st.dport) {
                rev = true;
            }
            let idx = (out << 1) + usize::from(rev);
            let if_ok = st.ifwild[idx] || st.ifp[idx].as_deref() == Some(fin.ifname.as_str());
            if !if_ok {
                continue;
            }
            let addr_ok = if !rev {
                st.dst == fin.dst
                    && st.src == fin.src
                    && (!ports || (fin.data[0] == st.sport && fin.data[1] == st.dport))
            } else {
                st.dst == fin.src
                    && st.src == fin.dst
                    && (!ports || (fin.data[0] == st.dport && fin.data[1] == st.sport))
            };
            if !addr_ok {
                continue;
            }
            if v34
                && (fin.flx & fi::CMP34 != st.flags_cmp
                    || fin.optmsk != st.opt
                    || fin.secmsk != st.sec
                    || fin.auth != st.auth)
            {
                continue;
            }
            if fin.p == 1 {
                let Some(ic) = fin.icmp else { continue };
                let reply = match st.icmp_type {
                    8 => 0,
                    13 => 14,
                    15 => 16,
                    17 => 18,
                    _ => 255,
                };
                let ok = (ic.icmp_type == st.icmp_type || ic.icmp_type == reply)
                    && (ic.icmp_type != 0 || (ic.id == st.icmp_id && ic.seq == st.icmp_seq));
                if !ok {
                    continue;
                }
            }
            if st.ifwild[idx] {
                st.ifwild[idx] = false;
                st.ifp[idx] = Some(fin.ifname.clone());
            }
            if fin.p == 6 {
                let t = tcp.expect("tcp");
                if !tcp_state(st, fin, &t, v34) {
                    // 3.4 stops at the first entry for the addresses; 4.x
                    // looks further and marks the packet out of window.
                    if v34 {
                        hit = None;
                        break;
                    }
                    oow = true;
                    continue;
                }
            }
            hit = Some(i);
            break;
        }
        if hit.is_none() && oow {
            fin.flx |= fi::OOW;
        }
        let i = hit?;
        let st = &self.states[i];
        let pass = st.pass;
        let rule = st.rule;
        if !v34 {
            fin.flx |= fi::STATE;
        }
        let keep = if v34 {
            pass & fr::KEEPFRAG != 0
        } else {
            pass & fr::CMDMASK == fr::PASS
        };
        if fin.flx & fi::FRAG != 0 && keep {
            let p = if v34 { pass } else { pass ^ fr::KEEPSTATE };
            self.new_frag(fin, p, rule);
        }
        // ipftest removes closing TCP sessions (3.4: on FIN/RST; 4.x: once
        // either side is past ESTABLISHED).
        if fin.p == 6 {
            let t = tcp.expect("tcp");
            let st = &self.states[i];
            let close = if v34 {
                t.flags & (TH_FIN | TH_RST) != 0
            } else {
                st.tcp_state[0] > TCPS_ESTABLISHED || st.tcp_state[1] > TCPS_ESTABLISHED
            };
            if close {
                if let Some(r) = self.states[i].rule {
                    if let Some(c) = self.rule_states.borrow_mut().get_mut(&r) {
                        *c = c.saturating_sub(1);
                    }
                }
                self.states.remove(i);
            }
        }
        Some((pass, rule))
    }

    // -- fragments ------------------------------------------------------------

    /// `ipfr_newfrag`.
    fn new_frag(&mut self, fin: &PacketInfo, pass: u32, rule: Option<usize>) {
        let v34 = self.rs.version.is_v34();
        if fin.v != 4 || fin.flx & fi::FRAG == 0 {
            return;
        }
        if !v34 && (fin.flx & fi::BAD != 0 || (pass & fr::FRSTRICT != 0 && fin.off != 0)) {
            return;
        }
        let key = frag_key(fin);
        if self.frags.iter().any(|f| f.key == key) {
            return;
        }
        let off = fin.off / 8;
        self.frags.push(FragEntry {
            key,
            pass,
            rule,
            seen0: off == 0,
            off: off + (fin.dlen.max(0) as u32 >> 3),
        });
    }

    /// `ipfr_knownfrag` / `fr_knownfrag`: `Some(rule)` when the fragment
    /// cache knows the packet.
    fn known_frag(&mut self, fin: &PacketInfo) -> Option<Option<usize>> {
        let v34 = self.rs.version.is_v34();
        if fin.v != 4 || self.frags.is_empty() {
            return None;
        }
        if v34 && (fin.off as i32 + fin.dlen > 0xffff || fin.dlen == 0) {
            return None;
        }
        let key = frag_key(fin);
        let off = fin.off / 8;
        let i = self.frags.iter().position(|f| {
            if f.key != key {
                return false;
            }
            if !v34 && fin.flx & fi::SHORT != 0 {
                return false;
            }
            if f.seen0 {
                !(off == 0 || (v34 && fin.flx & fi::SHORT != 0))
            } else {
                true
            }
        })?;
        let f = &mut self.frags[i];
        if off == 0 {
            f.seen0 = true;
        }
        let atoff = off + (fin.dlen.max(0) as u32 >> 3);
        if off == f.off {
            if v34 {
                if fin.mf {
                    f.off = atoff;
                }
            } else {
                f.off = atoff;
            }
        } else if !v34 && f.pass & fr::FRSTRICT != 0 {
            return None;
        }
        Some(f.rule)
    }
}

fn cache_key(fin: &PacketInfo) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{:?}|{:?}|{}|{}|{}|{}|{:?}|{}|{}",
        fin.ifname,
        fin.out,
        fin.v,
        fin.tos,
        fin.ttl,
        fin.p,
        fin.src,
        fin.dst,
        fin.flx,
        fin.optmsk,
        fin.secmsk,
        fin.auth,
        fin.data,
        fin.hlen,
        fin.tcpf
    )
}

/// `fr_tcp_age`: the TCP state machine; false when the flags make no sense
/// for the current state.
fn tcp_age(state: &mut [u8; 2], flags: u8, dir: usize, fsm: bool) -> bool {
    let ostate = state[1 - dir];
    if flags & TH_RST != 0 {
        state[dir] = TCPS_CLOSED;
        return true;
    }
    let mut ok = false;
    match state[dir] {
        TCPS_CLOSED => {
            if flags & TH_OPENING == TH_OPENING {
                state[dir] = TCPS_SYN_RECEIVED;
                ok = true;
            } else if flags & TH_OPENING == TH_SYN {
                state[dir] = TCPS_SYN_SENT;
                ok = true;
            }
            if !fsm
                && flags & (TH_FIN | TH_SYN | TH_RST | TH_ACK) == TH_ACK
                && (state[1 - dir] == TCPS_CLOSED || state[1 - dir] == TCPS_ESTABLISHED)
            {
                state[dir] = TCPS_ESTABLISHED;
                ok = true;
            }
        }
        TCPS_SYN_SENT => {
            if flags & !0xc0 == TH_SYN {
                ok = true;
            } else if flags & (TH_SYN | TH_FIN | TH_ACK) == TH_ACK {
                state[dir] = TCPS_ESTABLISHED;
                ok = true;
            } else if flags & TH_FIN != 0 {
                state[dir] = TCPS_FIN_WAIT_1;
                ok = true;
            } else if flags & TH_OPENING == TH_OPENING {
                state[dir] = TCPS_SYN_RECEIVED;
                ok = true;
            }
        }
        TCPS_SYN_RECEIVED => {
            if flags & (TH_SYN | TH_FIN | TH_ACK) == TH_ACK {
                state[dir] = TCPS_ESTABLISHED;
                ok = true;
            } else if flags & !0xc0 == TH_OPENING {
                ok = true;
            } else if flags & TH_FIN != 0 {
                state[dir] = TCPS_FIN_WAIT_1;
                ok = true;
            }
        }
        TCPS_ESTABLISHED => {
            if flags & TH_FIN != 0 {
                state[dir] = TCPS_FIN_WAIT_1;
                ok = true;
            } else if flags & TH_ACK != 0 {
                if ostate == TCPS_FIN_WAIT_1 {
                    state[dir] = TCPS_CLOSE_WAIT;
                    ok = true;
                } else if ostate < TCPS_CLOSE_WAIT {
                    ok = true;
                }
            }
        }
        TCPS_CLOSE_WAIT => {
            if flags & TH_FIN != 0 {
                state[dir] = TCPS_LAST_ACK;
            }
            ok = true;
        }
        TCPS_FIN_WAIT_1 => {
            if flags & TH_ACK != 0 && ostate > TCPS_CLOSE_WAIT {
                state[dir] = TCPS_TIME_WAIT;
            }
            ok = true;
        }
        TCPS_LAST_ACK => ok = flags & TH_ACK != 0,
        TCPS_TIME_WAIT => ok = true,
        _ => {}
    }
    ok
}

fn seq_ge(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// `fr_tcpstate`: is the segment inside the window? Updates the windows.
fn tcp_state(st: &mut StateEntry, fin: &PacketInfo, t: &TcpHeader, v34: bool) -> bool {
    let source = fin.src == st.src && fin.data[0] == st.sport;
    let (fi_, ti_) = if source { (0, 1) } else { (1, 0) };
    let mut seq = t.seq;
    let mut ack = t.ack;
    let win = u32::from(t.win) << st.tcp[fi_].wscale;
    let win = if !v34 && win == 0 { 1 } else { win };
    let mut end = seq
        .wrapping_add((fin.dlen - t.off as i32) as u32)
        .wrapping_add(u32::from(t.flags & TH_SYN != 0))
        .wrapping_add(u32::from(t.flags & TH_FIN != 0));
    if st.tcp[fi_].end == 0 && (!st.fsm || t.flags & TH_OPENING == TH_OPENING) {
        let fd = &mut st.tcp[fi_];
        fd.end = if v34 { end } else { end.wrapping_sub(1) };
        fd.maxwin = 1;
        fd.maxend = end.wrapping_add(win);
        if v34 && win == 0 {
            fd.maxend = fd.maxend.wrapping_add(1);
        }
    }
    if t.flags & TH_ACK == 0 || (t.flags & (TH_ACK | TH_RST) == (TH_ACK | TH_RST) && ack == 0) {
        ack = st.tcp[ti_].end;
    }
    if v34 && seq == end {
        seq = st.tcp[fi_].end;
        end = seq;
    }
    let maxwin = st.tcp[ti_].maxwin;
    let ackskew = st.tcp[ti_].end.wrapping_sub(ack) as i32;
    if !v34 && st.pass & fr::STSTRICT != 0 && seq != st.tcp[fi_].end {
        return false;
    }
    let fd = st.tcp[fi_];
    let inseq = seq_ge(fd.maxend, end)
        && seq_ge(seq, fd.end.wrapping_sub(maxwin))
        && (-66000..=66000).contains(&ackskew);
    if !inseq {
        return false;
    }
    let dir = usize::from(!source);
    if !tcp_age(&mut st.tcp_state, t.flags, dir, st.fsm) {
        return false;
    }
    if ackskew < 0 {
        st.tcp[ti_].end = ack;
    }
    let fd = &mut st.tcp[fi_];
    if fd.maxwin < win {
        fd.maxwin = win;
    }
    if seq_gt(end, fd.end) {
        fd.end = end;
    }
    let td = &mut st.tcp[ti_];
    if seq_ge(ack.wrapping_add(win), td.maxend) {
        td.maxend = ack.wrapping_add(win);
        if v34 && win == 0 {
            td.maxend = td.maxend.wrapping_add(1);
        }
    }
    true
}

// ---------------------------------------------------------------------------
// The shared firewall interface
// ---------------------------------------------------------------------------

impl IpfRuleset {
    fn rule_ref(&self, entry: usize, index: usize) -> RuleRef {
        RuleRef {
            file: self.file,
            span: self.entries[entry].span,
            index,
        }
    }

    fn flat_index(&self) -> Vec<(usize, Option<usize>)> {
        let mut v = Vec::new();
        for l in [self.filter[0], self.filter[1], self.acct[0], self.acct[1]] {
            self.flatten(l, &mut v, None, 0);
        }
        v
    }

    /// The packets an entry matches, when expressible.
    fn space_of(&self, e: &FrEntry) -> Option<HeaderSpace> {
        if e.unresolved
            || e.tcpfm != 0
            || e.icmpm != 0
            || e.tos.mask != 0
            || e.ttl.mask != 0
            || e.flx.mask & !fi::TCPUDP != 0
            || e.optmsk.mask != 0
            || e.secmsk.mask != 0
        {
            return None;
        }
        let dirs = vec![if e.flags & fr::OUTQUE != 0 {
            Dir::Out
        } else {
            Dir::In
        }];
        let mut protos = if e.proto.mask != 0 {
            Some(vec![e.proto.value])
        } else if e.flx.mask & fi::TCPUDP != 0 {
            Some(vec![6, 17])
        } else {
            None
        };
        if protos.is_none() && (e.scmp.is_some() || e.dcmp.is_some()) {
            protos = Some(vec![6, 17]);
        }
        let net = |m: &Masked<[u32; 4]>, v: u8, neg: bool| -> Option<AddrSpace> {
            if m.mask == [0; 4] {
                // `!any` matches nothing: not expressible.
                return if neg { None } else { Some(AddrSpace::Any) };
            }
            let n = if v == 6 {
                let mut b = [0u8; 16];
                for (i, w) in m.value.iter().enumerate() {
                    b[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
                }
                let len: u32 = m.mask.iter().map(|w| w.count_ones()).sum();
                ipnet::IpNet::new(IpAddr::V6(b.into()), len as u8).ok()?
            } else {
                let mask = m.mask[0];
                if mask.leading_ones() != mask.count_ones() {
                    return None;
                }
                ipnet::IpNet::new(IpAddr::V4(m.value[0].into()), mask.count_ones() as u8).ok()?
            };
            Some(if neg {
                AddrSpace::NotIn(vec![n])
            } else {
                AddrSpace::In(vec![n])
            })
        };
        Some(HeaderSpace {
            dirs,
            iface: e.ifname.clone(),
            protos,
            src: net(&e.src, e.v, e.flags & fr::NOTSRCIP != 0)?,
            dst: net(&e.dst, e.v, e.flags & fr::NOTDSTIP != 0)?,
            sports: e.scmp.map(|c| c.ranges()),
            dports: e.dcmp.map(|c| c.ranges()),
        })
    }
}

/// A group member's space within its head's (`None` when the two cannot be
/// combined exactly).
fn within(head: &HeaderSpace, member: HeaderSpace) -> Option<HeaderSpace> {
    let mut m = member;
    if m.dirs != head.dirs {
        return None;
    }
    m.iface = match (&head.iface, m.iface.take()) {
        (None, x) => x,
        (Some(h), None) => Some(h.clone()),
        (Some(h), Some(x)) if *h == x => Some(x),
        _ => return None,
    };
    m.protos = match (&head.protos, m.protos.take()) {
        (None, x) => x,
        (Some(h), None) => Some(h.clone()),
        (Some(h), Some(x)) => Some(x.into_iter().filter(|p| h.contains(p)).collect()),
    };
    let addr = |h: &AddrSpace, x: AddrSpace| -> Option<AddrSpace> {
        if *h == AddrSpace::Any {
            Some(x)
        } else if x == AddrSpace::Any || *h == x {
            Some(h.clone())
        } else {
            None
        }
    };
    m.src = addr(&head.src, m.src)?;
    m.dst = addr(&head.dst, m.dst)?;
    if head.sports.is_some() || head.dports.is_some() {
        if m.sports.is_some() || m.dports.is_some() {
            return None;
        }
        m.sports.clone_from(&head.sports);
        m.dports.clone_from(&head.dports);
    }
    Some(m)
}

impl Ruleset for IpfRuleset {
    fn order(&self) -> MatchOrder {
        MatchOrder::LastMatch
    }

    fn default_pass(&self, env: &FirewallEnv) -> bool {
        env.default_pass.unwrap_or(true)
    }

    fn evaluate(&self, env: &FirewallEnv, packets: &[Packet]) -> Vec<Decision> {
        let mut rs = self.clone();
        rs.default_pass = true;
        let flat = rs.flat_index();
        let pos: HashMap<usize, usize> =
            flat.iter().enumerate().map(|(i, (e, _))| (*e, i)).collect();
        let mut session = rs.session();
        packets
            .iter()
            .map(|p| {
                // Decapsulated packets bypass the filter unless the kernel
                // filters tunnel traffic (net.inet.ipsec.filtertunnel,
                // IPSEC_FILTERTUNNEL/IPSEC_FILTERGIF).
                if p.ipsec_done && !env.filters_decapsulated(p) {
                    return Decision {
                        verdict: Verdict::Pass,
                        rule: None,
                        consulted: Vec::new(),
                        by_state: false,
                    };
                }
                let o = session.check(&PacketInfo::from_packet(p));
                let verdict = o.verdict();
                Decision {
                    verdict,
                    rule: if verdict == Verdict::NoMatch {
                        None
                    } else {
                        o.rule
                            .map(|r| rs.rule_ref(r, pos.get(&r).copied().unwrap_or(0)))
                    },
                    consulted: o
                        .matched
                        .iter()
                        .map(|r| rs.rule_ref(*r, pos.get(r).copied().unwrap_or(0)))
                        .collect(),
                    by_state: o.by_state,
                }
            })
            .collect()
    }

    fn rules(&self) -> Vec<RuleInfo> {
        let flat = self.flat_index();
        let mut spaces: HashMap<usize, Option<HeaderSpace>> = HashMap::new();
        flat.iter()
            .enumerate()
            .map(|(i, (ei, head))| {
                let e = &self.entries[*ei];
                let own = self.space_of(e);
                let space = match head {
                    None => own,
                    Some(h) => match (spaces.get(h).cloned().flatten(), own) {
                        (Some(hs), Some(o)) => within(&hs, o),
                        _ => None,
                    },
                };
                spaces.insert(*ei, space.clone());
                let cmd = e.flags & fr::CMDMASK;
                let effect = if e.flags & fr::LOGMASK == fr::LOG
                    || e.flags & fr::NOMATCH_ACTION != 0
                    || matches!(cmd, fr::ACCOUNT | fr::SKIP | fr::CALL)
                {
                    RuleEffect::Continue
                } else if cmd == fr::PASS {
                    RuleEffect::Pass
                } else {
                    RuleEffect::Block
                };
                RuleInfo {
                    rule: self.rule_ref(*ei, i),
                    effect,
                    quick: e.flags & fr::QUICK != 0,
                    space,
                    text: e.text.clone(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ipf::parse;
    use std::net::Ipv4Addr;

    fn load(text: &str, v: IpfVersion) -> IpfRuleset {
        let p = parse(FileId(0), text, v);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        IpfRuleset::load(FileId(0), &p.file)
    }

    fn ip(s: &str) -> IpAddr {
        IpAddr::V4(s.parse::<Ipv4Addr>().unwrap())
    }

    fn udp(dir: Dir, ifc: &str, s: &str, sp: u16, d: &str, dp: u16) -> Packet {
        Packet::udp(dir, Some(ifc), ip(s), sp, ip(d), dp)
    }

    fn verdicts(rs: &IpfRuleset, pkts: &[Packet]) -> Vec<Verdict> {
        rs.evaluate(&FirewallEnv::default(), pkts)
            .into_iter()
            .map(|d| d.verdict)
            .collect()
    }

    #[test]
    fn last_match_wins_and_quick_stops() {
        for v in [IpfVersion::V3_4, IpfVersion::V4_1] {
            let rs = load("pass in all\nblock in all\n", v);
            let p = Packet::new(
                Dir::In,
                Some("fxp0"),
                50,
                ip("192.0.2.1"),
                ip("198.51.100.1"),
            );
            assert_eq!(
                verdicts(&rs, std::slice::from_ref(&p)),
                vec![Verdict::Block]
            );
            let rs = load("pass in quick proto esp all\nblock in all\n", v);
            assert_eq!(verdicts(&rs, std::slice::from_ref(&p)), vec![Verdict::Pass]);
            let out = Packet::new(
                Dir::Out,
                Some("fxp0"),
                50,
                ip("198.51.100.1"),
                ip("192.0.2.1"),
            );
            assert_eq!(verdicts(&rs, &[out]), vec![Verdict::NoMatch]);
        }
    }

    #[test]
    fn groups_and_skip() {
        for v in [IpfVersion::V3_4, IpfVersion::V4_1] {
            let rs = load(
                "block in on fxp0 all head 10\npass in quick proto udp from any to any port = 500 group 10\nblock in quick on fxp0 proto udp all\n",
                v,
            );
            let ike = udp(Dir::In, "fxp0", "192.0.2.1", 500, "198.51.100.1", 500);
            let dns = udp(Dir::In, "fxp0", "192.0.2.1", 53, "198.51.100.1", 53);
            let other = Packet::new(
                Dir::In,
                Some("fxp0"),
                50,
                ip("192.0.2.1"),
                ip("198.51.100.1"),
            );
            assert_eq!(
                verdicts(&rs, &[ike, dns, other]),
                vec![Verdict::Pass, Verdict::Block, Verdict::Block]
            );
            let rs = load("pass in all\nskip 1 in proto udp all\nblock in all\n", v);
            let esp = Packet::new(
                Dir::In,
                Some("fxp0"),
                50,
                ip("192.0.2.1"),
                ip("198.51.100.1"),
            );
            let u = udp(Dir::In, "fxp0", "192.0.2.1", 500, "198.51.100.1", 500);
            assert_eq!(
                verdicts(&rs, &[esp, u]),
                vec![Verdict::Block, Verdict::Pass]
            );
        }
    }

    #[test]
    fn keep_state_admits_replies_only() {
        for v in [IpfVersion::V3_4, IpfVersion::V4_1] {
            let rs = load(
                "block in all\nblock out all\npass out quick on fxp0 proto udp from any to any port = 500 keep state\npass out quick on fxp0 proto esp all keep state\n",
                v,
            );
            let out = udp(Dir::Out, "fxp0", "198.51.100.1", 500, "192.0.2.1", 500);
            let reply = out.reply(Dir::In, Some("fxp0"));
            let unsolicited = udp(Dir::In, "fxp0", "192.0.2.9", 500, "198.51.100.1", 500);
            let esp_out = Packet::new(
                Dir::Out,
                Some("fxp0"),
                50,
                ip("198.51.100.1"),
                ip("192.0.2.1"),
            );
            let esp_in = esp_out.reply(Dir::In, Some("fxp0"));
            let d = rs.evaluate(
                &FirewallEnv::default(),
                &[
                    unsolicited.clone(),
                    out,
                    reply,
                    unsolicited,
                    esp_out,
                    esp_in,
                ],
            );
            let got: Vec<_> = d.iter().map(|d| (d.verdict, d.by_state)).collect();
            assert_eq!(
                got,
                vec![
                    (Verdict::Block, false),
                    (Verdict::Pass, false),
                    (Verdict::Pass, true),
                    (Verdict::Block, false),
                    (Verdict::Pass, false),
                    (Verdict::Pass, true),
                ],
                "{v:?}"
            );
        }
    }

    #[test]
    fn masks_negation_and_ports() {
        let rs = load(
            "block in from !10.0.0.0/8 to any\npass in proto tcp from any port 1024 >< 2000 to any\n",
            IpfVersion::V4_1,
        );
        let mut t = Packet::new(Dir::In, None, 6, ip("10.1.1.1"), ip("10.2.2.2"));
        t.sport = Some(1500);
        t.dport = Some(80);
        t.tcp_flags = 0x02;
        let mut t2 = t.clone();
        t2.sport = Some(2000);
        let o = Packet::new(Dir::In, None, 50, ip("192.0.2.1"), ip("10.2.2.2"));
        assert_eq!(
            verdicts(&rs, &[t, t2, o]),
            vec![Verdict::Pass, Verdict::NoMatch, Verdict::Block]
        );
    }

    #[test]
    fn rules_report_header_spaces() {
        let rs = load(
            "pass in quick on fxp0 proto udp from 192.0.2.1 to any port = 500\nblock in on fxp0 all head 1\npass in from 10.0.0.0/8 to any group 1\npass in proto tcp all flags S keep state\n",
            IpfVersion::V4_1,
        );
        let r = rs.rules();
        assert_eq!(r.len(), 4);
        let s = r[0].space.as_ref().unwrap();
        assert_eq!(s.protos, Some(vec![17]));
        assert_eq!(s.dports, Some(vec![(500, 500)]));
        assert_eq!(s.iface, Some("fxp0".to_string()));
        let g = r[2].space.as_ref().unwrap();
        assert_eq!(g.iface, Some("fxp0".to_string()));
        assert!(r[3].space.is_none());
        assert_eq!(r[1].effect, RuleEffect::Block);
    }

    #[test]
    fn decapsulated_packets_bypass_unless_filtered() {
        let rs = load(
            "block in quick on fxp0 from 10.0.0.0/8 to any\n",
            IpfVersion::V5_1,
        );
        let mut inner = Packet::new(Dir::In, Some("fxp0"), 6, ip("10.2.0.1"), ip("10.1.0.1"));
        inner.ipsec_done = true;
        let d = rs.evaluate(&FirewallEnv::default(), std::slice::from_ref(&inner));
        assert_eq!((d[0].verdict, d[0].rule), (Verdict::Pass, None));
        let env = FirewallEnv {
            filter_tunnel: true,
            ..Default::default()
        };
        assert_eq!(rs.evaluate(&env, &[inner])[0].verdict, Verdict::Block);
    }

    #[test]
    fn families() {
        let v6 = |s: &str| -> IpAddr { s.parse().unwrap() };
        let p6 = Packet::new(
            Dir::In,
            Some("fxp0"),
            50,
            v6("2001:db8::1"),
            v6("2001:db8::2"),
        );
        // 4.1: rules without a family are IPv4 rules; 5.x: both.
        let rs = load("block in proto esp all\n", IpfVersion::V4_1);
        assert_eq!(
            verdicts(&rs, std::slice::from_ref(&p6)),
            vec![Verdict::NoMatch]
        );
        let rs = load("block in proto esp all\n", IpfVersion::V5_1);
        assert_eq!(
            verdicts(&rs, std::slice::from_ref(&p6)),
            vec![Verdict::Block]
        );
        let rs = load(
            "pass in proto esp from 2001:db8::/32 to any\n",
            IpfVersion::V5_1,
        );
        assert_eq!(
            verdicts(&rs, std::slice::from_ref(&p6)),
            vec![Verdict::Pass]
        );
    }

    #[test]
    fn port_ranges() {
        let c = PortCmp {
            op: PortCmpOp::OutRange,
            port: 6000,
            top: 6009,
        };
        assert_eq!(c.ranges(), vec![(0, 5999), (6010, 65535)]);
        assert!(c.matches(5999) && !c.matches(6000) && !c.matches(6009) && c.matches(6010));
        let c = PortCmp {
            op: PortCmpOp::InRange,
            port: 0,
            top: 512,
        };
        assert!(!c.matches(0) && c.matches(1) && c.matches(511) && !c.matches(512));
    }
}
