//! The firewall model shared by ipfw and ipfilter: a packet, the verdict a
//! ruleset gives it, and the rule that decided. Each front end (ipfw, ipf)
//! evaluates its own rules with its own semantics (first match; last match
//! with `quick`) but answers in these terms, so the IPsec checks ask one
//! question of either firewall.

use crate::source::{FileId, Span};
use std::net::{IpAddr, Ipv4Addr};

/// Which way a packet crosses the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    In,
    Out,
}

/// IP protocol numbers used by the checks.
pub mod proto {
    pub const ICMP: u8 = 1;
    pub const IPENCAP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const GRE: u8 = 47;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const ICMP6: u8 = 58;
    pub const IPCOMP: u8 = 108;
}

/// TCP flag bits (as in the TCP header).
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PUSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// A packet as a firewall sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub dir: Dir,
    /// The interface it arrives on (in) or leaves by (out).
    pub iface: Option<String>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub tcp_flags: u8,
    /// ICMP type and code.
    pub icmp: Option<(u8, u8)>,
    /// Fragment offset in 8-byte units (0 = first or not fragmented).
    pub frag_offset: u16,
    /// More-fragments bit.
    pub more_frags: bool,
    /// The L4 header is shorter than the protocol needs.
    pub short: bool,
    /// IP options present, as IPFilter's option bits.
    pub ip_options: u32,
    pub tos: u8,
    pub ttl: u8,
    /// The packet is the decapsulated result of inbound IPsec processing.
    pub ipsec_done: bool,
}

impl Packet {
    /// A packet with no ports, flags or options.
    pub fn new(dir: Dir, iface: Option<&str>, proto: u8, src: IpAddr, dst: IpAddr) -> Packet {
        Packet {
            dir,
            iface: iface.map(String::from),
            src,
            dst,
            proto,
            sport: None,
            dport: None,
            tcp_flags: 0,
            icmp: None,
            frag_offset: 0,
            more_frags: false,
            short: false,
            ip_options: 0,
            tos: 0,
            ttl: 63,
            ipsec_done: false,
        }
    }

    pub fn udp(
        dir: Dir,
        iface: Option<&str>,
        src: IpAddr,
        sport: u16,
        dst: IpAddr,
        dport: u16,
    ) -> Packet {
        let mut p = Packet::new(dir, iface, proto::UDP, src, dst);
        p.sport = Some(sport);
        p.dport = Some(dport);
        p
    }

    /// The same flow in the other direction (addresses and ports swapped).
    pub fn reply(&self, dir: Dir, iface: Option<&str>) -> Packet {
        let mut p = self.clone();
        p.dir = dir;
        p.iface = iface.map(String::from);
        std::mem::swap(&mut p.src, &mut p.dst);
        std::mem::swap(&mut p.sport, &mut p.dport);
        p
    }

    pub fn is_first_fragment(&self) -> bool {
        self.frag_offset == 0
    }
}

impl Default for Packet {
    fn default() -> Self {
        let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        Packet::new(Dir::In, None, 0, any, any)
    }
}

/// What a firewall does with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Block,
    /// No rule decided: the kernel's default applies (see [`Decision::effective`]).
    NoMatch,
}

/// Where a rule is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleRef {
    pub file: FileId,
    pub span: Span,
    /// Position in the loaded ruleset (0-based).
    pub index: usize,
}

/// The answer for one packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// The rule that decided; `None` when the default decided.
    pub rule: Option<RuleRef>,
    /// Rules that matched on the way (count, log, skip, non-quick ipf rules).
    pub consulted: Vec<RuleRef>,
    /// The verdict came from a state entry (keep-state / keep state).
    pub by_state: bool,
}

impl Decision {
    /// The verdict after applying the kernel default to `NoMatch`.
    pub fn effective(&self, default_pass: bool) -> Verdict {
        match self.verdict {
            Verdict::NoMatch if default_pass => Verdict::Pass,
            Verdict::NoMatch => Verdict::Block,
            v => v,
        }
    }
}
