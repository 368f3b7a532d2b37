//! The IPsec firewall checks (IPS50xx): does each firewall the gateway starts
//! let IKE, ESP/AH and (with NAT-T) UDP 4500 through, both ways, for every
//! peer; do anti-spoof rules eat decapsulated tunnel traffic; which rules can
//! never match. Every finding names the rule that decides.

use super::{checks, RuleMeta};
use crate::diagnostic::rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::firewall::{
    iface_pattern_matches, proto, AddrSpace, Decision, Dir, FirewallEnv, MatchOrder, Packet,
    RuleEffect, Ruleset, Verdict,
};
use crate::model::gateway::{Firewall, Gateway, Mention};
use crate::model::reachability::shadowed_rules;
use crate::source::{FileId, Span};
use crate::syntax::setkey::{CommandKind, Direction};
use std::net::IpAddr;

/// A firewall ruleset as loaded on the gateway.
pub struct LoadedFirewall {
    pub kind: Firewall,
    /// Where findings decided by the default rule point: the rules file, or
    /// the rc.conf line that selects a prototype ruleset.
    pub file: FileId,
    pub anchor: Span,
    pub ruleset: Box<dyn Ruleset>,
}

pub struct FirewallCtx<'a> {
    pub gateway: &'a Gateway,
    pub firewalls: &'a [LoadedFirewall],
    pub env: FirewallEnv,
    /// Where to attach gateway-wide findings.
    pub anchor: Option<FileId>,
}

type Check = fn(&FirewallCtx, &mut Vec<Diagnostic>);

checks! { Check;
    SHADOWED_RULE => shadowed,
    ESP_BLOCKED => esp_blocked,
    IKE_BLOCKED => ike_blocked,
    NATT_BLOCKED => natt_blocked,
    IKE_RESPONDER_BLOCKED => ike_responder_blocked,
    PROTOTYPE_BLOCKS_IPSEC => prototype_blocks_ipsec,
    ANTISPOOF_DROPS_TUNNEL => antispoof_drops_tunnel,
    GIF_BLOCKED => gif_blocked,
    UNKNOWN_INTERFACE => unknown_interface,
    ESP_WITH_PORTS => esp_with_ports,
}

pub fn check(cx: &FirewallCtx) -> Vec<Diagnostic> {
    super::run(CHECKS, cx)
}

/// The checks that need only the ruleset (a rules file checked on its own).
pub fn check_ruleset(fw: &LoadedFirewall) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    shadowed_in(fw, &mut out);
    esp_with_ports_in(fw, &mut out);
    out
}

/// One IPsec peering as this gateway sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tunnel {
    pub local: IpAddr,
    pub peer: IpAddr,
    /// The interface that owns the local address, when rc.conf says.
    pub iface: Option<String>,
    /// ESP (50) or AH (51) per the SPD.
    pub protos: Vec<u8>,
    /// Networks behind each end (tunnel-mode selectors).
    pub local_net: Option<ipnet::IpNet>,
    pub remote_net: Option<ipnet::IpNet>,
    pub nat_t: bool,
    pub mention: Mention,
}

/// Every tunnel the gateway's SPD and racoon.conf describe.
pub fn tunnels(g: &Gateway) -> Vec<Tunnel> {
    let addrs = g.addresses();
    // An address rc.conf does not configure is the one DHCP gives, when a
    // single interface gets its address that way.
    let dhcp = g.dhcp_interfaces();
    let iface_of = |ip: IpAddr| {
        addrs
            .iter()
            .find(|a| a.net.addr() == ip)
            .map(|a| a.interface.clone())
            .or_else(|| (dhcp.len() == 1).then(|| dhcp[0].clone()))
    };
    let l = g.lookup();
    let nat_t = |peer: IpAddr| {
        l.remotes_by_addr
            .get(&peer)
            .into_iter()
            .flatten()
            .chain(l.anon_remotes.iter())
            .any(|&(pi, ri)| g.racoon[pi].model.remotes[ri].nat_traversal)
    };
    let mut out: Vec<Tunnel> = Vec::new();
    // Seen (local, peer) pairs and peers, so big hubs stay linear.
    let mut seen = std::collections::HashSet::new();
    let mut seen_peers = std::collections::HashSet::new();
    if let Some((f, s)) = &g.setkey {
        for c in &s.commands {
            let CommandKind::SpdAdd(p) = &c.kind else {
                continue;
            };
            if p.policy.direction.value != Direction::Out || p.policy.rules.is_empty() {
                continue;
            }
            let protos: Vec<u8> = p
                .policy
                .rules
                .iter()
                .filter_map(|r| match r.protocol.value.as_str() {
                    "esp" => Some(proto::ESP),
                    "ah" => Some(proto::AH),
                    _ => None,
                })
                .collect();
            let tunnel = p
                .policy
                .rules
                .iter()
                .find(|r| r.mode.value == "tunnel")
                .and_then(|r| r.endpoints.as_ref());
            let (local, peer) = match tunnel {
                Some((a, b)) => (a.ip, b.ip),
                None => (
                    p.src.as_ref().and_then(|s| s.host.ip),
                    p.dst.as_ref().and_then(|d| d.host.ip),
                ),
            };
            let (Some(local), Some(peer)) = (local, peer) else {
                continue;
            };
            if !seen.insert((local, peer)) {
                continue;
            }
            seen_peers.insert(peer);
            out.push(Tunnel {
                local,
                peer,
                iface: iface_of(local),
                protos,
                local_net: tunnel.and(p.src.as_ref().and_then(|s| s.net())),
                remote_net: tunnel.and(p.dst.as_ref().and_then(|d| d.net())),
                nat_t: nat_t(peer),
                mention: Mention {
                    file: *f,
                    span: c.span,
                },
            });
        }
    }
    // Remotes racoon negotiates with that no SPD tunnel names (responders
    // with generate_policy, transport peers...): the local end is the
    // listen address, else the interface on the peer's subnet, else the one
    // towards the default router.
    let router = g.default_router();
    for part in &g.racoon {
        for r in &part.model.remotes {
            let Some(peer) = r.address() else { continue };
            if !seen_peers.insert(peer) {
                continue;
            }
            let local = part
                .model
                .listen
                .first()
                .map(|l| l.value)
                .or_else(|| {
                    addrs
                        .iter()
                        .find(|a| a.net.contains(&peer) && a.interface != "lo0")
                        .map(|a| a.net.addr())
                })
                .or_else(|| {
                    router.and_then(|rt| {
                        addrs
                            .iter()
                            .find(|a| a.net.contains(&rt))
                            .map(|a| a.net.addr())
                    })
                });
            let Some(local) = local else { continue };
            out.push(Tunnel {
                local,
                peer,
                iface: iface_of(local),
                protos: vec![proto::ESP],
                local_net: None,
                remote_net: None,
                nat_t: r.nat_traversal,
                mention: Mention {
                    file: part.file,
                    span: r.selector_span,
                },
            });
        }
    }
    out
}

/// A gif tunnel as a firewall check sees it: its outer endpoints, mentioned
/// where rc.conf configures it.
fn gif_tunnel(gif: &crate::model::gateway::Gif, iface: Option<String>, protos: Vec<u8>) -> Tunnel {
    Tunnel {
        local: gif.src,
        peer: gif.dst,
        iface,
        protos,
        local_net: None,
        remote_net: None,
        nat_t: false,
        mention: Mention {
            file: gif.origin.file,
            span: gif.origin.value_span,
        },
    }
}

/// The verdict of every firewall for a packet sequence: the last packet's
/// decision from the first firewall that blocks it (both must pass).
fn verdict(cx: &FirewallCtx, packets: &[Packet]) -> Option<(usize, Decision, bool)> {
    for (i, fw) in cx.firewalls.iter().enumerate() {
        let ds = fw.ruleset.evaluate(&cx.env, packets);
        let default_pass = fw.ruleset.default_pass(&cx.env);
        for d in ds {
            if d.effective(default_pass) != Verdict::Pass {
                return Some((i, d, default_pass));
            }
        }
    }
    None
}

fn fw_name(k: Firewall) -> &'static str {
    match k {
        Firewall::Ipfw => "ipfw",
        Firewall::Ipfilter => "ipfilter",
    }
}

/// A passing rule for the packet's protocol and port that does not pass it:
/// the closest one, with what stops it (direction, interface, addresses, or
/// its place after the rule that decides).
pub fn meant_to_pass(
    fw: &LoadedFirewall,
    pkt: &Packet,
    decided_by: Option<crate::model::firewall::RuleRef>,
) -> Option<(crate::model::firewall::RuleInfo, String)> {
    use crate::model::firewall::RuleEffect;
    let port_in = |r: &Option<Vec<(u16, u16)>>, p: Option<u16>| {
        r.as_ref()
            .is_none_or(|v| p.is_some_and(|p| v.iter().any(|(a, b)| *a <= p && p <= *b)))
    };
    let mut best: Option<(usize, crate::model::firewall::RuleInfo, String)> = None;
    for r in fw.ruleset.rules() {
        let Some(sp) = &r.space else { continue };
        let same_proto = sp.protos.as_ref().is_some_and(|p| p.contains(&pkt.proto));
        if r.effect != RuleEffect::Pass || !same_proto {
            continue;
        }
        let mut why = Vec::new();
        if !sp.dirs.contains(&pkt.dir) {
            why.push(format!(
                "it matches only {} packets and this one goes {}",
                if pkt.dir == Dir::In {
                    "outgoing"
                } else {
                    "incoming"
                },
                if pkt.dir == Dir::In { "in" } else { "out" }
            ));
        }
        if let Some(pat) = &sp.iface {
            if !pkt
                .iface
                .as_deref()
                .is_some_and(|n| crate::model::firewall::iface_pattern_matches(pat, n))
            {
                why.push(format!(
                    "it names interface {pat} and the packet passes {}",
                    pkt.iface.as_deref().unwrap_or("another interface")
                ));
            }
        }
        if !sp.src.contains(pkt.src) {
            why.push(format!("its source does not include {}", pkt.src));
        }
        if !sp.dst.contains(pkt.dst) {
            why.push(format!("its destination does not include {}", pkt.dst));
        }
        // A rule for other ports is for other traffic, not a near miss.
        if !port_in(&sp.sports, pkt.sport) || !port_in(&sp.dports, pkt.dport) {
            continue;
        }
        if why.is_empty() {
            match decided_by {
                // It would pass the packet, but another rule decides first.
                Some(b) if b.index != r.rule.index => why.push(
                    match (fw.ruleset.order(), b.index > r.rule.index) {
                        (crate::model::firewall::MatchOrder::LastMatch, true) => {
                            "a later rule that drops it wins (ipf: the last matching rule decides unless one is `quick`)"
                        }
                        _ => "the rule that drops it decides first (rule order)",
                    }
                    .into(),
                ),
                _ => continue,
            }
        }
        if best.as_ref().is_none_or(|(n, _, _)| why.len() < *n) {
            best = Some((why.len(), r, why.join(", and ")));
        }
    }
    // Only a near miss names the intent: a rule off in one or two ways.
    best.filter(|(n, _, _)| *n <= 2).map(|(_, r, w)| (r, w))
}

/// A finding at the deciding rule, or at the rules file when the default decided.
fn blocked(
    cx: &FirewallCtx,
    rule: &'static RuleMeta,
    fw: usize,
    d: &Decision,
    what: String,
    t: &Tunnel,
    packets: &[Packet],
) -> Diagnostic {
    let f = &cx.firewalls[fw];
    let dp = f.ruleset.default_pass(&cx.env);
    // The rule that was meant to pass the dropped packet is the one to change.
    let dropped = f
        .ruleset
        .evaluate(&cx.env, packets)
        .iter()
        .position(|x| x.effective(dp) != Verdict::Pass)
        .map(|k| &packets[k]);
    let intent = dropped.and_then(|p| meant_to_pass(f, p, d.rule));
    let mut diag = match (intent, d.rule) {
        (Some((r, why)), blocker) => {
            let mut x = Diagnostic::new(
                rule,
                r.rule.file,
                r.rule.span,
                format!(
                    "{what}: this {} rule was meant to pass it, but {why}",
                    fw_name(f.kind)
                ),
            );
            if let Some(b) = blocker {
                x = x.with_related(b.file, b.span, "the rule that drops it");
            }
            x
        }
        (None, Some(r)) => Diagnostic::new(
            rule,
            r.file,
            r.span,
            format!("{what}: this {} rule blocks it", fw_name(f.kind)),
        ),
        (None, None) => Diagnostic::new(
            rule,
            f.file,
            f.anchor,
            format!(
                "{what}: no {} rule passes it, so the default rule blocks it",
                fw_name(f.kind)
            ),
        ),
    };
    diag = diag.with_related(
        t.mention.file,
        t.mention.span,
        format!("the tunnel {} ↔ {}", t.local, t.peer),
    );
    diag
}

rule!(SHADOWED_RULE, "IPS5001", "shadowed-rule", Warning,
    "A firewall rule that can never match: earlier rules (ipfw) or quick/later rules (ipf) take all its packets.",
    why: "A shadowed pass rule looks like it opens something it never opens; a shadowed block rule\n\
          protects nothing. The analysis is exact over addresses, ports, protocols, interfaces and\n\
          directions. A rule shadowed by rules of the other action is a warning; of the same action, an info.",
    bad: "add 100 deny ip from 10.0.0.0/8 to any\nadd 200 allow esp from 10.1.0.1 to me",
    good: "add 100 allow esp from 10.1.0.1 to me\nadd 200 deny ip from 10.0.0.0/8 to any",
    log: None);

fn shadowed(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    for fw in cx.firewalls {
        shadowed_in(fw, out);
    }
}

fn shadowed_in(fw: &LoadedFirewall, out: &mut Vec<Diagnostic>) {
    {
        let rules = fw.ruleset.rules();
        let shadowing = shadowed_rules(&rules, fw.ruleset.order());
        if let Some(stop) = shadowing.stopped_at {
            let r = &rules[stop];
            out.push(
                Diagnostic::new(
                    &SHADOWED_RULE,
                    r.rule.file,
                    r.rule.span,
                    format!(
                        "the shadowing analysis stops at this rule: the ruleset of {} rules is too large to compare every pair; rules from here on are not checked for shadowing",
                        rules.len()
                    ),
                )
                .with_severity(Severity::Info),
            );
        }
        for s in shadowing.rules {
            let r = &rules[s.rule];
            let sev = if s.same_effect {
                Severity::Info
            } else {
                Severity::Warning
            };
            let (what, tail) = match (fw.ruleset.order(), s.same_effect) {
                (MatchOrder::FirstMatch, true) => (
                    "earlier rules with the same action take all its packets",
                    "it has no effect",
                ),
                (MatchOrder::FirstMatch, false) => (
                    "earlier rules with the opposite action take all its packets",
                    "it does not do what it says",
                ),
                (MatchOrder::LastMatch, true) => (
                    "quick or later rules with the same action decide all its packets",
                    "it has no effect",
                ),
                (MatchOrder::LastMatch, false) => (
                    "quick or later rules with the opposite action decide all its packets",
                    "it does not do what it says",
                ),
            };
            let mut d = Diagnostic::new(
                &SHADOWED_RULE,
                r.rule.file,
                r.rule.span,
                format!("this rule never decides a packet: {what}; {tail}"),
            )
            .with_severity(sev);
            for j in s.by.iter().take(3) {
                let c = &rules[*j];
                d = d.with_related(
                    c.rule.file,
                    c.rule.span,
                    "takes packets of the shadowed rule",
                );
            }
            if fw.ruleset.order() == MatchOrder::FirstMatch {
                d = d.with_help("move the rule above the rules that shadow it, or remove it");
            } else {
                d = d.with_help(
                    "ipfilter lets the last matching rule win unless an earlier one is `quick`",
                );
            }
            out.push(d);
        }
    }
}

rule!(ESP_BLOCKED, "IPS5002", "esp-blocked", Error,
    "ESP (or AH) between the gateway and a peer does not pass the firewall in both directions.",
    why: "IKE can succeed while the tunnel's packets are dropped: ESP is IP protocol 50 (AH 51) and must\n\
          pass in and out between the two tunnel endpoints.",
    bad: "add 65000 deny ip from any to any    # nothing passes esp",
    good: "add 1000 allow esp from 198.51.100.1 to 203.0.113.1 in via em0\nadd 1010 allow esp from 203.0.113.1 to 198.51.100.1 out via em0",
    // IKE completes, so racoon logs nothing: the SAs exist and the packets vanish.
    log: None);

fn esp_blocked(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    for t in tunnels(cx.gateway) {
        // Through a NAT with NAT-T, ESP travels inside UDP 4500 (IPS5004).
        if t.nat_t && crate::model::ike::nat_between(t.local, t.peer) {
            continue;
        }
        for p in &t.protos {
            let name = if *p == proto::AH { "AH" } else { "ESP" };
            let outbound = Packet::new(Dir::Out, t.iface.as_deref(), *p, t.local, t.peer);
            let inbound = Packet::new(Dir::In, t.iface.as_deref(), *p, t.peer, t.local);
            if let Some((fw, d, _)) = verdict(cx, std::slice::from_ref(&outbound)) {
                out.push(blocked(
                    cx,
                    &ESP_BLOCKED,
                    fw,
                    &d,
                    format!("{name} from {} to {} cannot leave", t.local, t.peer),
                    &t,
                    std::slice::from_ref(&outbound),
                ));
            }
            match (verdict(cx, std::slice::from_ref(&inbound)), verdict(cx, &[outbound.clone(), inbound.clone()])) {
                (Some((fw, d, _)), Some(_)) => out.push(blocked(cx, &ESP_BLOCKED, fw, &d, format!("{name} from {} to {} cannot get in", t.peer, t.local), &t, std::slice::from_ref(&inbound))),
                (Some((fw, d, _)), None) => out.push(
                    blocked(cx, &ESP_BLOCKED, fw, &d, format!("{name} from {} gets in only as a reply to our own {name} (state)", t.peer), &t, std::slice::from_ref(&inbound))
                        .with_severity(Severity::Warning)
                        .with_help("after a restart or rekey the peer sends first; pass inbound ESP explicitly"),
                ),
                _ => {}
            }
        }
    }
}

fn ike(
    cx: &FirewallCtx,
    out: &mut Vec<Diagnostic>,
    port: u16,
    rule: &'static RuleMeta,
    only_nat_t: bool,
) {
    for t in tunnels(cx.gateway) {
        if only_nat_t && !t.nat_t {
            continue;
        }
        let request = Packet::udp(Dir::Out, t.iface.as_deref(), t.local, port, t.peer, port);
        let reply = request.reply(Dir::In, t.iface.as_deref());
        let exchange = [request.clone(), reply];
        if let Some((fw, d, _)) = verdict(cx, &exchange) {
            out.push(blocked(cx, rule, fw, &d, format!("IKE (UDP {port}) between {} and {} is blocked when this gateway starts the exchange", t.local, t.peer), &t, &exchange));
        }
    }
}

rule!(IKE_BLOCKED, "IPS5003", "ike-blocked", Error,
    "IKE (UDP 500) between the gateway and a peer does not pass the firewall.",
    why: "racoon negotiates on UDP port 500. When the firewall drops it, phase 1 times out.",
    bad: "add 100 deny udp from any to any 500",
    good: "add 100 allow udp from 198.51.100.1 500 to me 500 in via em0\nadd 110 allow udp from me 500 to 198.51.100.1 500 out via em0",
    log: Some("phase1 negotiation failed due to time up."));

fn ike_blocked(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    ike(cx, out, 500, &IKE_BLOCKED, false);
}

rule!(NATT_BLOCKED, "IPS5004", "natt-blocked", Error,
    "NAT traversal is on but UDP 4500 does not pass the firewall.",
    why: "With NAT-T racoon moves IKE and ESP to UDP port 4500 once a NAT is detected; blocking 4500\n\
          breaks the tunnel exactly when a NAT sits in the path.",
    bad: "nat_traversal on;   # but the firewall passes only udp 500",
    good: "add 120 allow udp from 198.51.100.1 to me 4500 in via em0",
    log: Some("phase1 negotiation failed due to time up."));

fn natt_blocked(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    ike(cx, out, 4500, &NATT_BLOCKED, true);
}

rule!(IKE_RESPONDER_BLOCKED, "IPS5005", "ike-responder-blocked", Error,
    "IKE started by the peer cannot get in (only replies to our own IKE pass).",
    why: "A rule such as `allow udp from me to any keep-state` lets the gateway initiate, but the peer's\n\
          own exchanges and rekeys are unsolicited inbound packets that no state admits.",
    bad: "add 100 allow udp from me to any keep-state",
    good: "add 100 allow udp from 198.51.100.1 to me 500 in via em0",
    log: Some("phase1 negotiation failed due to time up."));

fn ike_responder_blocked(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    for t in tunnels(cx.gateway) {
        // With NAT-T the peer's exchanges come on UDP 4500 too.
        let ports: &[u16] = if t.nat_t { &[500, 4500] } else { &[500] };
        for &port in ports {
            let request = Packet::udp(Dir::In, t.iface.as_deref(), t.peer, port, t.local, port);
            let reply = request.reply(Dir::Out, t.iface.as_deref());
            let initiator_ok = verdict(
                cx,
                &[request.reply(Dir::Out, t.iface.as_deref()), request.clone()],
            )
            .is_none();
            // Report it here only when this gateway can at least initiate (else IPS5003/5004 say it).
            let exchange = [request, reply];
            if let (Some((fw, d, _)), true) = (verdict(cx, &exchange), initiator_ok) {
                out.push(blocked(
                    cx,
                    &IKE_RESPONDER_BLOCKED,
                    fw,
                    &d,
                    format!(
                        "IKE (UDP {port}) that {} starts cannot reach {}",
                        t.peer, t.local
                    ),
                    &t,
                    &exchange,
                ));
            }
        }
    }
}

rule!(PROTOTYPE_BLOCKS_IPSEC, "IPS5006", "prototype-firewall-blocks-ipsec", Error,
    "rc.conf selects an rc.firewall prototype that passes neither IKE nor ESP.",
    why: "None of FreeBSD's `firewall_type` prototypes (client, simple, closed, workstation, UNKNOWN)\n\
          passes ESP/AH or IKE from the peer (`workstation` passes only the UDP this gateway starts, with\n\
          keep-state); on an IPsec gateway the tunnel's packets end at the default deny rule, unless the\n\
          kernel's default rule accepts (net.inet.ip.fw.default_to_accept=1).",
    bad: "firewall_enable=\"YES\"\nfirewall_type=\"simple\"\nipsec_enable=\"YES\"",
    good: "firewall_enable=\"YES\"\nfirewall_type=\"/etc/ipfw.rules\"   # with IKE and ESP rules",
    log: Some("phase1 negotiation failed due to time up."));

fn prototype_blocks_ipsec(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    if !g.rc.yes("firewall_enable") || !(g.ipsec_enabled() || g.racoon_enabled()) {
        return;
    }
    let ty = g.rc.value("firewall_type").to_ascii_lowercase();
    if !["client", "simple", "closed", "workstation", "unknown", ""].contains(&ty.as_str())
        || g.rc.value("firewall_script") != "/etc/rc.firewall"
    {
        return;
    }
    // With a default rule that accepts, the packet checks (IPS5001/5002) tell.
    if g.loader
        .value("net.inet.ip.fw.default_to_accept")
        .trim_matches('"')
        == "1"
    {
        return;
    }
    let m =
        g.rc.origin("firewall_type")
            .or(g.rc.origin("firewall_enable"));
    let Some(m) = m else { return };
    let passes = if ty == "workstation" {
        "passes only the IKE this gateway starts (udp from me, keep-state): no IKE from the peer and no ESP"
    } else {
        "passes no IKE (UDP 500) and no ESP"
    };
    out.push(
        Diagnostic::new(&PROTOTYPE_BLOCKS_IPSEC, m.file, m.value_span, format!("firewall_type `{}` {passes}: the tunnels end at the default deny rule", g.rc.value("firewall_type")))
            .with_help("use a rules file (firewall_type=\"/etc/ipfw.rules\") that passes UDP 500/4500 and ESP between the tunnel endpoints"),
    );
}

rule!(ANTISPOOF_DROPS_TUNNEL, "IPS5007", "antispoof-drops-tunnel", Error,
    "An anti-spoof or bogon rule drops decapsulated traffic from the remote network.",
    why: "The tunnel comes up (IKE and ESP pass) but its traffic vanishes: after decryption the inner\n\
          packets re-enter on the external interface with the remote LAN's (often private) source\n\
          address, and a rule like `deny ip from 10.0.0.0/8 to any in via em0` drops them. Whether the\n\
          firewall sees them depends on the kernel: net.inet.ipsec.filtertunnel=1 (IPSEC_FILTERTUNNEL,\n\
          IPSEC_FILTERGIF) or enc0 filtering. Without that the rule is a latent trap (warning).",
    bad: "add 300 deny ip from 10.0.0.0/8 to any in via em0\n# sysctl net.inet.ipsec.filtertunnel=1",
    good: "add 290 allow ip from 10.2.0.0/24 to 10.1.0.0/24 in via em0 ipsec\nadd 300 deny ip from 10.0.0.0/8 to any in via em0",
    log: None);

fn antispoof_drops_tunnel(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    for t in tunnels(cx.gateway) {
        let (Some(rn), Some(ln)) = (t.remote_net, t.local_net) else {
            continue;
        };
        let src = rn.hosts().next().unwrap_or(rn.addr());
        let dst = ln.hosts().next().unwrap_or(ln.addr());
        let mut inner = Packet::new(Dir::In, t.iface.as_deref(), proto::TCP, src, dst);
        inner.sport = Some(49152);
        inner.dport = Some(22);
        inner.tcp_flags = crate::model::firewall::tcp_flags::SYN;
        inner.ipsec_done = true;
        // With enc(4) and rules on enc0, the inner packets are filtered there
        // whatever filtertunnel says.
        let enc_rules = cx.firewalls.iter().any(|f| {
            f.ruleset.rules().iter().any(|r| {
                r.space
                    .as_ref()
                    .and_then(|s| s.iface.as_deref())
                    .is_some_and(|i| i.starts_with("enc"))
            })
        });
        if enc_rules {
            let mut on_enc = inner.clone();
            on_enc.iface = Some("enc0".into());
            on_enc.ipsec_done = false;
            if let Some((fw, d, _)) = verdict(cx, std::slice::from_ref(&on_enc)) {
                out.push(blocked(cx, &ANTISPOOF_DROPS_TUNNEL, fw, &d, format!("decapsulated traffic from {rn} to {ln} is dropped on enc0: the tunnel comes up but this traffic vanishes"), &t, &[]));
                continue;
            }
        }
        // Probe as if the kernel filtered decapsulated packets: a rule that
        // would drop them is an error when it does, a latent trap otherwise.
        let filtered = cx.env.filters_decapsulated(&inner);
        let probe = FirewallCtx {
            env: FirewallEnv {
                filter_tunnel: true,
                filter_tunnel6: true,
                ..cx.env.clone()
            },
            ..*cx
        };
        let Some((fw, d, _)) = verdict(&probe, std::slice::from_ref(&inner)) else {
            continue;
        };
        // An explicit rule that singles out source addresses (anti-spoof,
        // bogons) is the trap; the default rule only matters when the kernel
        // filters decapsulated packets at all.
        let rules = cx.firewalls[fw].ruleset.rules();
        let by_source_rule = d
            .rule
            .and_then(|r| rules.iter().find(|x| x.rule.index == r.index))
            .and_then(|r| r.space.as_ref())
            .is_some_and(|s| !matches!(s.src, AddrSpace::Any));
        let (sev, how) = match (filtered, by_source_rule) {
            (true, _) => (Severity::Error, "the kernel filters decapsulated packets (net.inet.ipsec.filtertunnel=1), so the tunnel comes up but this traffic vanishes"),
            (false, true) => (Severity::Warning, "latent: today the kernel does not filter decapsulated packets, but with net.inet.ipsec.filtertunnel=1 (or enc0 filtering) the tunnel's traffic would vanish"),
            (false, false) => continue,
        };
        out.push(
            blocked(
                cx,
                &ANTISPOOF_DROPS_TUNNEL,
                fw,
                &d,
                format!("decapsulated traffic from {rn} to {ln} is dropped; {how}"),
                &t,
                // The dropping rule itself is the one to change here.
                &[],
            )
            .with_severity(sev),
        );
    }
}

rule!(GIF_BLOCKED, "IPS5008", "gif-blocked", Error,
    "A gif tunnel's IP-in-IP (protocol 4) or its gif interface traffic does not pass.",
    why: "A gif setup needs the outer IP-in-IP packets (ipencap, protocol 4) between the endpoints and\n\
          the inner traffic on the gif interface to pass the firewall.",
    bad: "gifconfig_gif0=\"203.0.113.1 198.51.100.1\"   # no rule for ipencap",
    good: "add 1000 allow ipencap from 198.51.100.1 to 203.0.113.1\nadd 1010 allow ip from any to any via gif0",
    log: None);

fn gif_blocked(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let addrs = g.addresses();
    for gif in g.gifs() {
        let iface = addrs
            .iter()
            .find(|a| a.net.addr() == gif.src)
            .map(|a| a.interface.clone());
        let t = gif_tunnel(&gif, iface.clone(), vec![proto::IPENCAP]);
        let mut pkts = vec![
            Packet::new(Dir::Out, iface.as_deref(), proto::IPENCAP, gif.src, gif.dst),
            Packet::new(Dir::In, iface.as_deref(), proto::IPENCAP, gif.dst, gif.src),
        ];
        if gif_protected(g, &gif) {
            // The firewall sees ESP on the wire (checked with the tunnels); the
            // IP-in-IP packet leaves encrypted and comes in decapsulated.
            pkts.remove(0);
            pkts[0].ipsec_done = true;
        }
        report_blocked_gif_packets(cx, &t, pkts, out, |p| {
            format!(
                "IP-in-IP (protocol 4) from {} to {} for {} is blocked",
                p.src, p.dst, gif.interface
            )
        });
    }
    // The traffic inside the tunnel: between the gif interface's own
    // point-to-point addresses.
    for a in addrs.iter().filter(|a| a.interface.starts_with("gif")) {
        let Some(peer) = a.peer else { continue };
        let Some(gif) = g.gifs().into_iter().find(|x| x.interface == a.interface) else {
            continue;
        };
        let t = gif_tunnel(&gif, Some(a.interface.clone()), vec![]);
        let pkts = vec![
            Packet::new(Dir::In, Some(&a.interface), proto::ICMP, peer, a.net.addr()),
            Packet::new(
                Dir::Out,
                Some(&a.interface),
                proto::ICMP,
                a.net.addr(),
                peer,
            ),
        ];
        report_blocked_gif_packets(cx, &t, pkts, out, |p| {
            format!(
                "traffic inside {} ({} to {}) is blocked",
                a.interface, p.src, p.dst
            )
        });
    }
}

/// Report each of a gif tunnel's packets that a firewall blocks.
/// The SPD protects a gif tunnel's IP-in-IP packets (the FreeBSD Handbook's
/// gif + IPsec VPN: `spdadd SRC DST ipencap -P out ipsec esp/...`).
fn gif_protected(g: &Gateway, gif: &crate::model::gateway::Gif) -> bool {
    crate::model::ike::policies_to(g, gif.dst)
        .iter()
        .any(|(_, p, _)| {
            p.upper
                .as_ref()
                .is_some_and(|u| matches!(u.value.as_str(), "ipencap" | "4" | "any"))
                && p.src
                    .as_ref()
                    .and_then(|s| s.net())
                    .is_some_and(|n| n.contains(&gif.src))
                && p.dst
                    .as_ref()
                    .and_then(|d| d.net())
                    .is_some_and(|n| n.contains(&gif.dst))
        })
}

fn report_blocked_gif_packets(
    cx: &FirewallCtx,
    t: &Tunnel,
    packets: Vec<Packet>,
    out: &mut Vec<Diagnostic>,
    describe: impl Fn(&Packet) -> String,
) {
    for pkt in packets {
        if let Some((fw, d, _)) = verdict(cx, std::slice::from_ref(&pkt)) {
            out.push(blocked(
                cx,
                &GIF_BLOCKED,
                fw,
                &d,
                describe(&pkt),
                t,
                std::slice::from_ref(&pkt),
            ));
        }
    }
}

rule!(UNKNOWN_INTERFACE, "IPS5009", "unknown-interface", Warning,
    "A firewall rule names an interface the gateway does not have.",
    why: "Rules bound to a misspelled or absent interface never match (ipf accepts the name silently),\n\
          so the traffic they were meant for falls through to other rules.",
    bad: "pass in quick on fxp0 proto esp from any to any   # the gateway has em0",
    good: "pass in quick on em0 proto esp from any to any",
    log: None);

fn unknown_interface(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    if !g.rc.present || g.addresses().is_empty() {
        return;
    }
    let mut known: Vec<String> = g.addresses().into_iter().map(|a| a.interface).collect();
    for var in [
        "cloned_interfaces",
        "gif_interfaces",
        "network_interfaces",
        "natd_interface",
    ] {
        known.extend(
            g.rc.value(var)
                .split_whitespace()
                .map(|s| s.split(':').next().unwrap_or(s).to_string()),
        );
    }
    known.extend(g.gifs().into_iter().map(|x| x.interface));
    for v in g.rc.vars() {
        if let Some(rest) = v.name.strip_prefix("ifconfig_") {
            known.push(rest.split('_').next().unwrap_or(rest).to_string());
        }
    }
    known.extend(
        ["lo0", "enc0", "any", "ipfw0", "pflog0"]
            .iter()
            .map(|s| s.to_string()),
    );
    for fw in cx.firewalls {
        for r in fw.ruleset.rules() {
            let Some(s) = &r.space else { continue };
            if let Some(i) = &s.iface {
                let ok = known.iter().any(|k| iface_pattern_matches(i, k))
                    || i.contains(['*', '?', '['])
                    || ["tun", "ppp", "ipsec", "gif", "bridge", "lagg", "vlan", "wg"]
                        .iter()
                        .any(|p| i.starts_with(p));
                if !ok {
                    out.push(Diagnostic::new(&UNKNOWN_INTERFACE, r.rule.file, r.rule.span, format!("this rule names interface `{i}`, which rc.conf does not configure: it never matches")));
                }
            }
        }
    }
}

rule!(ESP_WITH_PORTS, "IPS5010", "esp-with-ports", Warning,
    "An ESP/AH rule with ports.",
    why: "ESP and AH have no ports. ipfw accepts `allow esp from A 500 to B 500`, but the rule never\n\
          matches, so ESP falls through to later rules.",
    bad: "add 200 allow esp from 198.51.100.1 500 to me 500",
    good: "add 200 allow esp from 198.51.100.1 to me",
    log: None);

fn esp_with_ports(cx: &FirewallCtx, out: &mut Vec<Diagnostic>) {
    for fw in cx.firewalls {
        esp_with_ports_in(fw, out);
    }
}

fn esp_with_ports_in(fw: &LoadedFirewall, out: &mut Vec<Diagnostic>) {
    {
        for r in fw.ruleset.rules() {
            let Some(s) = &r.space else { continue };
            let esp = s
                .protos
                .as_ref()
                .is_some_and(|p| p.iter().all(|x| *x == proto::ESP || *x == proto::AH));
            if esp && (s.sports.is_some() || s.dports.is_some()) && r.effect != RuleEffect::Continue
            {
                out.push(
                    Diagnostic::new(
                        &ESP_WITH_PORTS,
                        r.rule.file,
                        r.rule.span,
                        "ESP/AH has no ports: this rule never matches",
                    )
                    .with_help("remove the ports"),
                );
            }
        }
    }
}

/// What each firewall does with one tunnel's traffic (for the report's table).
#[derive(Clone, Debug, serde::Serialize)]
pub struct TunnelStatus {
    pub gateway: String,
    pub local: String,
    pub peer: String,
    /// The firewalls the gateway starts (`ipfw`, `ipfilter`); empty: none.
    pub firewalls: Vec<&'static str>,
    /// IKE (UDP 500) when this gateway starts the exchange, and when the peer does.
    pub ike_initiate: &'static str,
    pub ike_respond: &'static str,
    /// ESP/AH leaving and arriving.
    pub esp_out: &'static str,
    pub esp_in: &'static str,
    /// UDP 4500, when NAT-T is on.
    pub natt: &'static str,
}

/// Evaluate every tunnel of the gateway through its firewalls.
pub fn tunnel_status(cx: &FirewallCtx) -> Vec<TunnelStatus> {
    let word = |blocked: bool| {
        if cx.firewalls.is_empty() {
            "open"
        } else if blocked {
            "blocked"
        } else {
            "pass"
        }
    };
    tunnels(cx.gateway)
        .into_iter()
        .map(|t| {
            let iface = t.iface.as_deref();
            let ike_out = Packet::udp(Dir::Out, iface, t.local, 500, t.peer, 500);
            let ike_in = Packet::udp(Dir::In, iface, t.peer, 500, t.local, 500);
            let p = t.protos.first().copied().unwrap_or(proto::ESP);
            let esp_out = Packet::new(Dir::Out, iface, p, t.local, t.peer);
            let esp_in = Packet::new(Dir::In, iface, p, t.peer, t.local);
            let natt = if t.nat_t {
                let o = Packet::udp(Dir::Out, iface, t.local, 4500, t.peer, 4500);
                word(verdict(cx, &[o.clone(), o.reply(Dir::In, iface)]).is_some())
            } else {
                "n/a"
            };
            TunnelStatus {
                gateway: cx.gateway.name.clone(),
                local: t.local.to_string(),
                peer: t.peer.to_string(),
                firewalls: cx.firewalls.iter().map(|f| fw_name(f.kind)).collect(),
                ike_initiate: word(
                    verdict(cx, &[ike_out.clone(), ike_out.reply(Dir::In, iface)]).is_some(),
                ),
                ike_respond: word(
                    verdict(cx, &[ike_in.clone(), ike_in.reply(Dir::Out, iface)]).is_some(),
                ),
                esp_out: word(verdict(cx, std::slice::from_ref(&esp_out)).is_some()),
                esp_in: word(verdict(cx, std::slice::from_ref(&esp_in)).is_some()),
                natt,
            }
        })
        .collect()
}
