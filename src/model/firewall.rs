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

/// A set of packets described by their header fields: what a rule matches
/// when that can be said without evaluating it packet by packet (for
/// shadowing and reachability analyses). A packet is in the space when every
/// field admits it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HeaderSpace {
    /// Directions admitted (empty: the space is empty).
    pub dirs: Vec<Dir>,
    /// Interface name, or a shell pattern (`gif*`, `em[01]`); `None` = any
    /// interface, or none.
    pub iface: Option<String>,
    /// Protocol numbers; `None` = any protocol.
    pub protos: Option<Vec<u8>>,
    pub src: AddrSpace,
    pub dst: AddrSpace,
    /// Source port ranges; `None` = ports are not looked at. With `Some`,
    /// only first fragments of TCP, UDP or SCTP packets whose port is in a
    /// range are in the space (a port test never matches other protocols).
    pub sports: Option<Vec<(u16, u16)>>,
    pub dports: Option<Vec<(u16, u16)>>,
}

/// Addresses: any, inside some networks, or outside all of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AddrSpace {
    Any,
    In(Vec<ipnet::IpNet>),
    NotIn(Vec<ipnet::IpNet>),
}

impl AddrSpace {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match self {
            AddrSpace::Any => true,
            AddrSpace::In(nets) => nets.iter().any(|n| n.contains(&ip)),
            AddrSpace::NotIn(nets) => !nets.iter().any(|n| n.contains(&ip)),
        }
    }
}

impl HeaderSpace {
    /// Every packet.
    pub fn any() -> Self {
        HeaderSpace {
            dirs: vec![Dir::In, Dir::Out],
            iface: None,
            protos: None,
            src: AddrSpace::Any,
            dst: AddrSpace::Any,
            sports: None,
            dports: None,
        }
    }

    /// Is the packet in the space?
    pub fn contains(&self, pkt: &Packet) -> bool {
        if !self.dirs.contains(&pkt.dir) {
            return false;
        }
        if let Some(pat) = &self.iface {
            match &pkt.iface {
                Some(name) if iface_pattern_matches(pat, name) => {}
                _ => return false,
            }
        }
        if let Some(p) = &self.protos {
            if !p.contains(&pkt.proto) {
                return false;
            }
        }
        if !self.src.contains(pkt.src) || !self.dst.contains(pkt.dst) {
            return false;
        }
        let port_ok = |ranges: &Option<Vec<(u16, u16)>>, port: Option<u16>| match ranges {
            None => true,
            Some(r) => {
                matches!(pkt.proto, proto::TCP | proto::UDP | 132)
                    && pkt.is_first_fragment()
                    && port.is_some_and(|p| r.iter().any(|(a, b)| *a <= p && p <= *b))
            }
        };
        port_ok(&self.sports, pkt.sport) && port_ok(&self.dports, pkt.dport)
    }
}

/// An interface name against a name or shell pattern (`*`, `?`, `[...]`),
/// as ipfw compares `via gif*` with interface names.
pub fn iface_pattern_matches(pattern: &str, name: &str) -> bool {
    crate::fnmatch::fnmatch(pattern, name)
}

/// What a rule does to the packets it matches, for the analyses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleEffect {
    Pass,
    Block,
    /// Does not decide (count, log, skip, tee, ...).
    Continue,
}

/// One rule of a loaded ruleset as the analyses see it.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    pub rule: RuleRef,
    pub effect: RuleEffect,
    /// ipf `quick` (ipfw rules always stop at the first terminating match).
    pub quick: bool,
    /// `None` when the rule's match cannot be expressed exactly (state, flags, tables...).
    pub space: Option<HeaderSpace>,
    /// The rule as written, for messages.
    pub text: String,
}

/// How a ruleset decides: ipfw stops at the first matching terminating
/// rule; ipfilter lets the last matching rule win unless one is `quick`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchOrder {
    FirstMatch,
    LastMatch,
}

/// Kernel and sysctl facts that change how a firewall sees IPsec traffic.
#[derive(Clone, Debug, Default)]
pub struct FirewallEnv {
    /// The gateway's own addresses (ipfw `me`).
    pub local: Vec<IpAddr>,
    /// ipfw: IPFIREWALL_DEFAULT_TO_ACCEPT / net.inet.ip.fw.default_to_accept;
    /// ipf: pass unless IPFILTER_DEFAULT_BLOCK.
    pub default_pass: Option<bool>,
    /// Decapsulated IPv4 tunnel traffic is filtered (net.inet.ipsec.filtertunnel=1,
    /// IPSEC_FILTERTUNNEL / IPSEC_FILTERGIF).
    pub filter_tunnel: bool,
    /// The same for IPv6 (net.inet6.ipsec6.filtertunnel=1).
    pub filter_tunnel6: bool,
}

impl FirewallEnv {
    /// Does the firewall see this decapsulated packet? Each address family
    /// has its own sysctl.
    pub fn filters_decapsulated(&self, p: &Packet) -> bool {
        if p.src.is_ipv6() {
            self.filter_tunnel6
        } else {
            self.filter_tunnel
        }
    }
}

/// A loaded ruleset of either firewall.
pub trait Ruleset: Send + Sync {
    fn order(&self) -> MatchOrder;
    /// The kernel default when no rule decides.
    fn default_pass(&self, env: &FirewallEnv) -> bool;
    /// Evaluate packets in time order; state made by one packet applies to
    /// the later ones.
    fn evaluate(&self, env: &FirewallEnv, packets: &[Packet]) -> Vec<Decision>;
    /// Every loaded rule, in evaluation order.
    fn rules(&self) -> Vec<RuleInfo>;
}
