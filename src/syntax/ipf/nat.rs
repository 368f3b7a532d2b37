//! A minimal ipnat.conf reader: map, map-block, bimap and rdr rules, enough
//! to tell which NAT rules touch IKE (UDP 500/4500) and ESP on which
//! interface. Options it does not need are kept as words.

use super::{IpfParser, IpfVersion, Region, Rule};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::{register, rule};
use crate::source::{FileId, Span};
use crate::syntax::{pest_failure, token_at, Spanned};
use pest::iterators::Pair;
use pest::Parser;

// The syntax rules this parser emits.

rule!(IPNAT_SYNTAX, "IPS1303", "ipnat-syntax-error", Error,
    "An ipnat.conf rule that ipnat's parser rejects.",
    why: "ipnat reports the bad rule and does not install it. A missing `map` or `rdr` rule changes which\n\
          packets are translated, including IKE (UDP 500/4500) and ESP between the gateways.",
    bad: "map fxp0 10.1.0.0/16 -> 0/32 portmap tcp/udp 1024-65535",
    good: "map fxp0 10.1.0.0/16 -> 0/32 portmap tcp/udp 1024:65535",
    log: Some("ipnat: syntax error at \"-\", line 1"));

register![IPNAT_SYNTAX];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatKind {
    /// `map`: outbound packets on the interface get a new source.
    Map,
    /// `map-block`.
    MapBlock,
    /// `bimap`: both directions, 1:1.
    Bimap,
    /// `rdr`: inbound packets on the interface get a new destination.
    Rdr,
}

/// Which packets a NAT rule can touch by protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NatProto {
    /// No protocol restriction (every protocol, ESP included).
    Any,
    Tcp,
    Udp,
    TcpUdp,
    Number(u8),
}

impl NatProto {
    pub fn covers(&self, proto: u8) -> bool {
        match self {
            NatProto::Any => true,
            NatProto::Tcp => proto == 6,
            NatProto::Udp => proto == 17,
            NatProto::TcpUdp => proto == 6 || proto == 17,
            NatProto::Number(p) => *p == proto,
        }
    }
}

#[derive(Clone, Debug)]
pub struct NatRule {
    pub span: Span,
    pub text: String,
    pub kind: NatKind,
    pub ifaces: Vec<Spanned<String>>,
    /// The matched addresses as written (`10.0.0.0/8`, `from a to b`).
    pub matched: String,
    pub target: String,
    pub proto: NatProto,
    /// rdr: the destination port range matched (`port 500`, `port 500-501`).
    pub dports: Option<(u16, u16)>,
    /// map: `portmap` given (source ports are rewritten).
    pub portmap: bool,
    /// `proxy port P name/proto`.
    pub proxy: Option<(String, String)>,
}

impl NatRule {
    /// Whether this rule can rewrite a packet of `proto` to/from `port`
    /// (`None`: no port, e.g. ESP).
    pub fn touches(&self, proto: u8, port: Option<u16>) -> bool {
        if let Some((name, _)) = &self.proxy {
            if name.eq_ignore_ascii_case("ipsec") && (proto == 17 || proto == 50) {
                return true;
            }
        }
        if !self.proto.covers(proto) {
            return false;
        }
        match (self.kind, self.dports, port) {
            (NatKind::Rdr, Some((lo, hi)), Some(p)) => lo <= p && p <= hi,
            (NatKind::Rdr, Some(_), None) => false,
            _ => true,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct NatFile {
    pub rules: Vec<NatRule>,
}

impl NatFile {
    /// The rules on `iface` that can rewrite packets of `proto` to/from
    /// `port` (IKE: 17/500 and 17/4500; ESP: 50 with no port).
    pub fn touching<'a>(
        &'a self,
        iface: &'a str,
        proto: u8,
        port: Option<u16>,
    ) -> impl Iterator<Item = &'a NatRule> + 'a {
        self.rules
            .iter()
            .filter(move |r| r.ifaces.iter().any(|i| i.value == iface) && r.touches(proto, port))
    }
}

#[derive(Debug)]
pub struct ParsedNat {
    pub file: NatFile,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse an ipnat.conf. ipnat reads one rule per line (`\` continues) in
/// every version; a bad line is reported and skipped.
pub fn parse(file: FileId, text: &str, version: IpfVersion) -> ParsedNat {
    let _ = version;
    let mut out = NatFile::default();
    let mut diags = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let s = start;
        start += line.len();
        let body = line.split(['#', '\r', '\n']).next().unwrap_or("");
        if body.trim().is_empty() {
            continue;
        }
        let region = Region::literal(body, s);
        match IpfParser::parse(Rule::nat_stmt, body) {
            Ok(mut pairs) => {
                for p in pairs.next().expect("nat_stmt").into_inner() {
                    if p.as_rule() == Rule::nat_rule {
                        out.rules.push(lower(p, &region));
                    }
                }
            }
            Err(e) => {
                let (pos, _) = pest_failure(&e);
                let (tspan, tok) = token_at(body, pos).unwrap_or((Span::new(pos, pos), ""));
                let at = region.range(tspan.start(), tspan.end());
                let word = body.split_whitespace().next().unwrap_or("");
                let msg = if !["map", "map-block", "bimap", "rdr"]
                    .contains(&word.to_ascii_lowercase().as_str())
                {
                    format!("`{word}` is not an ipnat rule (map, map-block, bimap, rdr)")
                } else if tok.is_empty() {
                    "the NAT rule is incomplete".to_string()
                } else {
                    format!("ipnat does not accept `{tok}` here")
                };
                diags.push(Diagnostic::new(&IPNAT_SYNTAX, file, at, msg));
            }
        }
    }
    ParsedNat {
        file: out,
        diagnostics: diags,
    }
}

fn proto_of(t: &str) -> NatProto {
    match t.to_ascii_lowercase().as_str() {
        "tcp" => NatProto::Tcp,
        "udp" => NatProto::Udp,
        "tcp/udp" | "tcp-udp" => NatProto::TcpUdp,
        "icmp" => NatProto::Number(1),
        "esp" => NatProto::Number(50),
        "ah" => NatProto::Number(51),
        "gre" => NatProto::Number(47),
        n => n.parse().map(NatProto::Number).unwrap_or(NatProto::Any),
    }
}

fn port_value(t: &str, proto: Option<u8>) -> Option<u16> {
    t.parse().ok().or_else(|| super::names::service(t, proto))
}

fn lower(p: Pair<'_, Rule>, region: &Region) -> NatRule {
    let span = region.span(p.as_span());
    let inner = p.into_inner().next().expect("nat rule");
    let mut r = NatRule {
        span,
        text: inner
            .as_str()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        kind: NatKind::Map,
        ifaces: Vec::new(),
        matched: String::new(),
        target: String::new(),
        proto: NatProto::Any,
        dports: None,
        portmap: false,
        proxy: None,
    };
    let is_rdr = inner.as_rule() == Rule::nat_rdr;
    let mut dport_text: Option<(String, Option<String>)> = None;
    for x in inner.into_inner() {
        match x.as_rule() {
            Rule::nat_map_kw => {
                r.kind = match x.as_str().to_ascii_lowercase().as_str() {
                    "map-block" => NatKind::MapBlock,
                    "bimap" => NatKind::Bimap,
                    _ => NatKind::Map,
                }
            }
            Rule::k_rdr => r.kind = NatKind::Rdr,
            Rule::nat_ifaces => {
                for i in x.into_inner() {
                    r.ifaces.push(Spanned::new(
                        i.as_str().to_string(),
                        region.span(i.as_span()),
                    ));
                }
            }
            Rule::nat_addr | Rule::nat_from_to => r.matched = x.as_str().trim().to_string(),
            Rule::nat_dport => {
                let nums: Vec<String> = x
                    .into_inner()
                    .filter(|y| y.as_rule() == Rule::port_num)
                    .map(|y| y.as_str().to_string())
                    .collect();
                dport_text = nums.first().map(|a| (a.clone(), nums.get(1).cloned()));
            }
            Rule::nat_target | Rule::nat_rdr_target => r.target = x.as_str().trim().to_string(),
            Rule::nat_option => {
                let o = x.into_inner().next().expect("nat_option");
                match o.as_rule() {
                    Rule::nat_portmap => {
                        r.portmap = true;
                        if let Some(pn) =
                            o.into_inner().find(|y| y.as_rule() == Rule::nat_proto_name)
                        {
                            if r.proto == NatProto::Any {
                                r.proto = proto_of(pn.as_str());
                            }
                        }
                    }
                    Rule::nat_proxy => {
                        let mut name = String::new();
                        let mut proto = String::new();
                        for y in o.into_inner() {
                            match y.as_rule() {
                                Rule::nat_proxy_name => name = y.as_str().to_string(),
                                Rule::nat_proto_name => proto = y.as_str().to_string(),
                                _ => {}
                            }
                        }
                        r.proto = proto_of(&proto);
                        r.proxy = Some((name, proto));
                    }
                    Rule::nat_proto => r.proto = proto_of(o.as_str()),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if is_rdr {
        let pnum = match r.proto {
            NatProto::Tcp => Some(6),
            NatProto::Udp => Some(17),
            _ => None,
        };
        if let Some((lo, hi)) = dport_text {
            if let Some(l) = port_value(&lo, pnum) {
                let h = hi.as_deref().and_then(|h| port_value(h, pnum)).unwrap_or(l);
                r.dports = Some((l, h));
            }
            // ipnat: an rdr with ports and no protocol is TCP.
            if r.proto == NatProto::Any {
                r.proto = NatProto::Tcp;
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_map_rdr_proxy() {
        let t = "map ppp0 10.0.0.0/8 -> 0/32 portmap tcp/udp 40000:60000\n\
                 map ppp0 10.0.0.0/8 -> 0/32\n\
                 rdr ed0 0.0.0.0/0 port 500 -> 10.1.1.1 port 500 udp\n\
                 map fxp0 192.168.1.0/24 -> 203.0.113.1/32 proxy port 500 ipsec/udp\n\
                 bimap ed0 10.1.1.1/32 -> 203.0.113.9/32\n";
        let p = parse(FileId(0), t, IpfVersion::V4_1);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(p.file.rules.len(), 5);
        assert!(!p.file.rules[0].touches(50, None));
        assert!(p.file.rules[1].touches(50, None));
        assert!(p.file.rules[2].touches(17, Some(500)));
        assert!(!p.file.rules[2].touches(17, Some(4500)));
        assert!(p.file.rules[3].touches(50, None));
        assert_eq!(p.file.rules[4].kind, NatKind::Bimap);
        assert_eq!(p.file.touching("fxp0", 50, None).count(), 1);
        assert_eq!(p.file.touching("ppp0", 50, None).count(), 1);
        assert_eq!(p.file.touching("ed0", 17, Some(500)).count(), 2);
        let bad = parse(FileId(0), "mapp ppp0 10/8 -> 0/32\n", IpfVersion::V4_1);
        assert_eq!(bad.diagnostics.len(), 1);
    }
}
