//! Checks across gateways (IPS60xx): pair the gateways that refer to each
//! other, simulate racoon's negotiation both ways, compare manual SAs and run
//! each tunnel's packets through both firewalls. Every failure points at the
//! lines on both sides; keys are compared, never printed.

use crate::diagnostic::{register, rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::firewall::{proto, Dir, FirewallEnv, Packet, Verdict};
use crate::model::gateway::{Gateway, PeerKind};
use crate::model::ike::{self, FailureKind, Side, Status};
use crate::rules::firewall::LoadedFirewall;
use crate::source::Span;
use crate::syntax::setkey::CommandKind;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// One gateway of the checked set, with its loaded firewalls.
pub struct SiteGateway {
    pub gateway: Gateway,
    pub firewalls: Vec<LoadedFirewall>,
    pub env: FirewallEnv,
}

impl std::fmt::Debug for SiteGateway {
    // The model holds keys: name the gateway only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteGateway")
            .field("name", &self.gateway.name)
            .finish_non_exhaustive()
    }
}

/// The result for one pair, as the JSON's `"pairs"`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PairStatus {
    pub a: String,
    pub b: String,
    pub a_to_b: Status,
    pub b_to_a: Status,
    /// Why a direction is not ESTABLISHED, or which side starts it.
    pub a_to_b_reason: Option<String>,
    pub b_to_a_reason: Option<String>,
    /// Filled by the renderer: indexes into the sorted diagnostics.
    #[serde(skip)]
    pub id: usize,
    /// Each direction's steps (a → b, b → a), when a transcript was asked for.
    #[serde(skip)]
    pub transcript: Option<[Vec<ike::Step>; 2]>,
}

rule!(PEER_NOT_CHECKED, "IPS6001", "peer-not-in-checked-set", Info,
    "A gateway refers to a peer address that no gateway given on the command line owns.",
    why: "ipseclint can only predict a tunnel when it sees both ends. Give the peer's directory too\n\
          (`ipseclint east/ west/`) to have the negotiation simulated.",
    bad: "ipseclint east/            # east's remote 198.51.100.1 is not checked",
    good: "ipseclint east/ west/      # west owns 198.51.100.1",
    log: None);

rule!(NO_PEER_CONFIG, "IPS6002", "missing-peer-config", Error,
    "One side of a tunnel has no racoon `remote` for the other, or nobody initiates.",
    why: "racoon needs a remote (or `remote anonymous`) for the peer on both sides, and one side that\n\
          is not passive. Otherwise the negotiation never starts or the responder ignores it.",
    bad: "east: remote 198.51.100.1 { ... }\nwest: (no remote for 203.0.113.1)",
    good: "west: remote 203.0.113.1 { ... }",
    log: Some("no configuration found for 203.0.113.1."));

rule!(PHASE1_MISMATCH, "IPS6003", "phase1-mismatch", Error,
    "The two sides cannot agree in phase 1 (exchange mode, proposals, identifiers).",
    why: "The responder accepts the initiator's exchange mode and a proposal only when encryption, hash,\n\
          authentication method and DH group are equal and the lifetime and key length pass its\n\
          proposal_check (strict by default: the initiator's lifetime must not be longer).",
    bad: "east: hash_algorithm sha256;\nwest: hash_algorithm sha1;",
    good: "east and west: hash_algorithm sha256;",
    log: Some("no suitable proposal found."));

rule!(PSK_MISMATCH, "IPS6004", "psk-mismatch", Error,
    "The pre-shared keys the two sides pick for each other differ, or one side finds none.",
    why: "Each side looks the key up in its own psk.txt (main mode: by the peer's address; aggressive:\n\
          by its identifier first). Different keys show up only as garbled payloads or HASH errors.",
    bad: "east psk.txt: 198.51.100.1  keyA\nwest psk.txt: 203.0.113.1   keyB",
    good: "the same key on both sides",
    log: Some("HASH mismatched"));

rule!(PHASE2_MISMATCH, "IPS6005", "phase2-mismatch", Error,
    "Phase 2 fails: the responder has no sainfo or inbound policy for the initiator's ids, or the algorithms, PFS or lifetimes do not match.",
    why: "The initiator's outbound policy gives the ids; the responder needs a sainfo with exactly those\n\
          ids (or anonymous), an inbound policy unless generate_policy is set, a common encryption and\n\
          authentication algorithm, and matching PFS groups under its proposal_check.",
    bad: "east: pfs_group modp2048;\nwest: pfs_group modp3072;",
    good: "both: pfs_group modp2048;",
    log: Some("no suitable policy found."));

rule!(PAIR_FIREWALL, "IPS6006", "pair-firewall-blocks", Error,
    "IKE or ESP between the two gateways is blocked by one of their firewalls.",
    why: "A tunnel needs IKE (UDP 500) and ESP to leave one gateway and enter the other, and the replies\n\
          to come back; any of the four firewall passes can stop it.",
    bad: "west: ipfw without rules for esp",
    good: "west: add 1020 allow esp from 203.0.113.1 to 198.51.100.1 in via em0",
    // Blocked IKE times phase 1 out; blocked ESP leaves racoon content and drops the traffic.
    log: Some("phase1 negotiation failed due to time up."));

rule!(GATEWAY_NOT_READY, "IPS6011", "gateway-not-ready", Error,
    "A tunnel cannot come up because of what one gateway does at boot: racoon does not run, the SPD is not loaded, a policy is written the wrong way round, or racoon refuses its key file.",
    why: "Each file can be right on its own while the booted gateway still cannot take part: a misspelt\n\
          `ipsec_enable` means rc.d/ipsec never runs setkey, a psk.txt readable by others is refused on every\n\
          lookup, a `-P in` where `-P out` was meant sends the traffic unprotected and never starts IKE.",
    bad: "ipsec_enabled=\"YES\"      # rc.conf: not ipsec_enable",
    good: "ipsec_enable=\"YES\"",
    log: Some("/usr/local/etc/racoon/psk.txt has weak file permission"));

rule!(MANUAL_SA_MISMATCH, "IPS6007", "manual-sa-mismatch", Error,
    "Manually keyed SAs of the two sides do not mirror each other.",
    why: "Without IKE both sides must add the same SAs: same source, destination, SPI, algorithms and\n\
          keys. The keys are compared without being printed.",
    bad: "east: add 203.0.113.1 198.51.100.1 esp 0x1001 -E aes-cbc 0xAAAA...\nwest: add 203.0.113.1 198.51.100.1 esp 0x1001 -E aes-cbc 0xBBBB...",
    good: "the same add lines on both sides",
    log: None);

register![
    PEER_NOT_CHECKED,
    NO_PEER_CONFIG,
    PHASE1_MISMATCH,
    PSK_MISMATCH,
    PHASE2_MISMATCH,
    PAIR_FIREWALL,
    MANUAL_SA_MISMATCH,
    SPD_NOT_MIRRORED,
    NETWORK_NOT_LOCAL,
    GIF_NOT_MIRRORED,
    GATEWAY_NOT_READY,
];

/// Pair the gateways and check every pair both ways; with a `focus`, only
/// the pairs that include one of its gateways.
pub fn check(
    site: &[SiteGateway],
    focus: &[std::path::PathBuf],
    transcript: bool,
) -> (Vec<Diagnostic>, Vec<PairStatus>) {
    let mut owner: HashMap<IpAddr, usize> = HashMap::new();
    for (i, s) in site.iter().enumerate() {
        for a in s.gateway.owned_addresses() {
            owner.entry(a).or_insert(i);
        }
    }
    let mut out = Vec::new();
    // (a, b) → (address of a that b refers to, address of b that a refers to).
    let mut pairs: BTreeMap<(usize, usize), (Option<IpAddr>, Option<IpAddr>)> = BTreeMap::new();
    let mut reported = std::collections::HashSet::new();
    for (i, s) in site.iter().enumerate() {
        for p in s.gateway.peers() {
            match owner.get(&p.address) {
                Some(&j) if j != i => {
                    let key = (i.min(j), i.max(j));
                    let e = pairs.entry(key).or_default();
                    if i < j {
                        e.1.get_or_insert(p.address);
                    } else {
                        e.0.get_or_insert(p.address);
                    }
                }
                Some(_) => {}
                None if site.len() > 1
                    && p.kind != PeerKind::Psk
                    && reported.insert((i, p.address)) =>
                {
                    out.push(Diagnostic::new(
                        &PEER_NOT_CHECKED,
                        p.file,
                        p.span,
                        format!(
                            "{} refers to {}, which none of the checked gateways owns",
                            s.gateway.name, p.address
                        ),
                    ));
                }
                None => {}
            }
        }
    }
    let owned: Vec<IpAddr> = owner.keys().copied().collect();
    let mut statuses = Vec::new();
    for ((a, b), (la, lb)) in pairs {
        let (ga, gb) = (&site[a], &site[b]);
        let in_focus = |g: &SiteGateway| focus.contains(&g.gateway.root);
        if !focus.is_empty() && !in_focus(ga) && !in_focus(gb) {
            continue;
        }
        // The address each side uses: the one the other refers to, else its first own address.
        let la = la.or_else(|| ga.gateway.owned_addresses().into_iter().next());
        let lb = lb.or_else(|| gb.gateway.owned_addresses().into_iter().next());
        let (Some(la), Some(lb)) = (la, lb) else {
            continue;
        };
        let id = statuses.len();
        let mut d1 = Vec::new();
        let mut d2 = Vec::new();
        let trails = transcript.then(|| [ike::Trail::default(), ike::Trail::default()]);
        let trail = |n: usize| trails.as_ref().map(|t| &t[n]);
        let (a_to_b, a_to_b_reason) = direction((ga, la), (gb, lb), &owned, trail(0), &mut d1);
        let (b_to_a, b_to_a_reason) = direction((gb, lb), (ga, la), &owned, trail(1), &mut d2);
        mirror(ga, la, gb, lb, &mut d1);
        for mut d in d1.into_iter().chain(d2) {
            d.pair = Some(id);
            out.push(d);
        }
        statuses.push(PairStatus {
            a: ga.gateway.name.clone(),
            b: gb.gateway.name.clone(),
            a_to_b,
            b_to_a,
            a_to_b_reason,
            b_to_a_reason,
            id,
            transcript: trails.map(|[x, y]| [x.take(), y.take()]),
        });
    }
    // The same finding reached from both directions is reported once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|d| {
        seen.insert((
            d.rule.code,
            d.location.file,
            d.location.span.start,
            d.message.clone(),
        ))
    });
    (out, statuses)
}

fn failure_diag(f: &ike::Failure) -> Option<Diagnostic> {
    if f.quiet {
        return None;
    }
    let rule = match f.kind {
        FailureKind::NotReady => &GATEWAY_NOT_READY,
        FailureKind::NoRemote | FailureKind::NobodyInitiates | FailureKind::NeverInitiated => {
            &NO_PEER_CONFIG
        }
        FailureKind::ExchangeMode | FailureKind::Proposal | FailureKind::Identifier => {
            &PHASE1_MISMATCH
        }
        FailureKind::PskMissing | FailureKind::PskDiffers => &PSK_MISMATCH,
        FailureKind::NoSainfo | FailureKind::NoInboundPolicy | FailureKind::Phase2Proposal => {
            &PHASE2_MISMATCH
        }
    };
    let (pf, ps, _) = f.at.first()?;
    let mut d = Diagnostic::new(rule, *pf, *ps, f.message.clone());
    for (file, span, what) in &f.at {
        d = d.with_related(*file, *span, what.clone());
    }
    if let Some(h) = &f.help {
        d = d.with_help(h.clone());
    }
    if let Some(text) = &f.replace_with {
        d = d.with_fix(format!("Correct it to `{text}`"), *ps, text.clone());
    }
    Some(d)
}

/// A direction that ends in a failure: its diagnostic, status and reason.
fn failed(f: ike::Failure, out: &mut Vec<Diagnostic>) -> (Status, Option<String>) {
    out.extend(failure_diag(&f));
    (f.status, Some(f.message))
}

/// `init` starts a tunnel to `resp`: what happens, and why when it is not
/// ESTABLISHED (or which side starts it).
fn direction(
    (init, ia): (&SiteGateway, IpAddr),
    (resp, ra): (&SiteGateway, IpAddr),
    site: &[IpAddr],
    trail: Option<&ike::Trail>,
    out: &mut Vec<Diagnostic>,
) -> (Status, Option<String>) {
    let (i, r) = (
        Side {
            gw: &init.gateway,
            addr: ia,
            site,
            trail,
        },
        Side {
            gw: &resp.gateway,
            addr: ra,
            site,
            trail,
        },
    );
    // Manual SAs between the two are not negotiated, even where racoon runs
    // for other peers.
    let manual =
        init.gateway.manually_keyed(Some(ia), ra) || resp.gateway.manually_keyed(Some(ia), ra);
    let keyed_by_racoon =
        !manual && (!init.gateway.racoon.is_empty() || !resp.gateway.racoon.is_empty());
    if keyed_by_racoon {
        if let Err(f) = negotiate(&i, &r) {
            note_failure(
                &i,
                &r,
                f.at.first().map(|(file, span, _)| (*file, *span)),
                &f.message,
            );
            return failed(f, out);
        }
        r.note(None, || {
            "phase 2 completes: both sides install the SAs".into()
        });
    } else {
        i.note(None, || {
            "the SAs are keyed by hand (setkey `add`): no IKE".into()
        });
        // Manual SAs and their policies are loaded by setkey too.
        for (g, peer) in [(&i, &r), (&r, &i)] {
            if let Some(c) = &g.gw.runtime().spd.down {
                let f = ike::not_ready(c, ike::peer_place(peer, g));
                g.note(f.at.first().map(|(file, span, _)| (*file, *span)), || {
                    format!("fails: {}", f.message)
                });
                return failed(f, out);
            }
        }
        let before = out.len();
        if let Some(st) = manual_sas(init, ia, resp, ra, out) {
            match out[before..].first() {
                Some(d) => {
                    note_failure(&i, &r, Some((d.location.file, d.location.span)), &d.message)
                }
                None => note_failure(&i, &r, None, &format!("{st:?}")),
            }
            return (st, None);
        }
    }
    let before = out.len();
    let status = firewalls(init, ia, resp, ra, keyed_by_racoon, out);
    let why = (status == Status::BlockedByFirewall)
        .then(|| out[before..].last().map(|d| d.message.clone()))
        .flatten();
    match (&why, out[before..].last()) {
        (Some(w), Some(d)) => note_failure(&i, &r, Some((d.location.file, d.location.span)), w),
        _ if keyed_by_racoon => i.note(None, || {
            "the firewalls on both sides pass IKE and ESP".into()
        }),
        _ => i.note(None, || "the firewalls on both sides pass ESP".into()),
    }
    (status, why)
}

/// The step that fails, written on the side whose statement is to change.
fn note_failure(
    i: &Side,
    r: &Side,
    place: Option<(crate::source::FileId, crate::source::Span)>,
    why: &str,
) {
    let who = match place {
        Some((file, _)) if owns(r.gw, file) => r,
        _ => i,
    };
    who.note(place, || format!("fails: {why}"));
}

/// Whether a file is one of the gateway's.
fn owns(g: &crate::model::gateway::Gateway, file: crate::source::FileId) -> bool {
    g.files.iter().any(|f| f.file == Some(file))
}

/// racoon's part of a direction: the initiator can start, the responder
/// runs, phase 1, phase 2, and a policy for the replies.
fn negotiate(i: &Side, r: &Side) -> Result<(), ike::Failure> {
    if let Err(f) = ike::can_start(i, r) {
        return Err(match f.kind {
            // By design when the other side starts the tunnel.
            // The other side cannot start either, for its own reason (its
            // racoon, its SPD): that is reported in its direction.
            FailureKind::NeverInitiated
                if ike::can_start(r, i).is_err_and(|g| g.kind == FailureKind::NotReady) =>
            {
                ike::Failure { quiet: true, ..f }
            }
            FailureKind::NeverInitiated if ike::can_start(r, i).is_ok() => ike::Failure {
                message: format!(
                    "{}; {} starts the tunnel (responder-only design)",
                    f.message, r.gw.name
                ),
                quiet: true,
                ..f
            },
            FailureKind::NeverInitiated => ike::Failure {
                message: format!(
                    "neither {} nor {} starts the tunnel: {}",
                    i.gw.name, r.gw.name, f.message
                ),
                ..f
            },
            _ => f,
        });
    }
    if let Some(c) = &r.gw.runtime().racoon {
        return Err(ike::not_ready(c, ike::peer_place(i, r)));
    }
    if let Some((f, _, span)) = ike::policies_to(i.gw, r.addr).first() {
        i.note(Some((*f, *span)), || {
            format!(
                "its outbound policy to {} requires IPsec: racoon is asked for SAs",
                r.gw.name
            )
        });
    }
    let ((_, irem), (_, rrem)) = ike::phase1(i, r)?;
    ike::phase2(i, r, irem, rrem)?;
    // The replies need the responder's outbound policy, or one racoon generates.
    if !rrem.generate_policy && ike::spd_known(r.gw) && ike::policies_to(r.gw, i.addr).is_empty() {
        if let Err(f) = ike::can_start(r, i) {
            if f.kind == FailureKind::NotReady {
                return Err(f);
            }
        }
        return Err(ike::reply_unprotected(r, i));
    }
    Ok(())
}

/// Both sides' manual SAs from `ia` to `ra` must be the same.
fn manual_sas(
    init: &SiteGateway,
    ia: IpAddr,
    resp: &SiteGateway,
    ra: IpAddr,
    out: &mut Vec<Diagnostic>,
) -> Option<Status> {
    let sas = |g: &Gateway| -> Vec<(
        crate::source::FileId,
        crate::syntax::setkey::SaCommand,
        Span,
    )> {
        let Some((f, s)) = &g.setkey else {
            return Vec::new();
        };
        s.commands
            .iter()
            .filter_map(|c| match &c.kind {
                CommandKind::Add(sa) if sa.src.ip == Some(ia) && sa.dst.ip == Some(ra) => {
                    Some((*f, sa.clone(), c.span))
                }
                _ => None,
            })
            .collect()
    };
    let (mine, theirs) = (sas(&init.gateway), sas(&resp.gateway));
    if mine.is_empty() && theirs.is_empty() {
        return None;
    }
    for (f, sa, span) in &mine {
        let Some((tf, tsa, tspan)) = theirs
            .iter()
            .find(|(_, t, _)| t.spi.value == sa.spi.value && t.protocol.value == sa.protocol.value)
        else {
            let at = resp.gateway.setkey.as_ref().map_or(*f, |s| s.0);
            out.push(
                Diagnostic::new(
                    &MANUAL_SA_MISMATCH,
                    at,
                    Span::new(0, 0),
                    format!(
                        "{} has no SA {} → {} with SPI {:#x}, which {} uses",
                        resp.gateway.name, ia, ra, sa.spi.value, init.gateway.name
                    ),
                )
                .with_related(*f, *span, format!("{}'s SA", init.gateway.name)),
            );
            return Some(Status::MissingPeerConfig);
        };
        let alg =
            |a: &Option<crate::syntax::setkey::AlgKey>| a.as_ref().map(|k| k.name.value.clone());
        let key = |a: &Option<crate::syntax::setkey::AlgKey>| {
            a.as_ref().and_then(|k| {
                k.key
                    .as_ref()
                    .map(|x| x.value.expose().to_ascii_lowercase())
            })
        };
        let problem = if alg(&sa.encryption) != alg(&tsa.encryption)
            || alg(&sa.authentication) != alg(&tsa.authentication)
        {
            Some("the algorithms differ")
        } else if key(&sa.encryption) != key(&tsa.encryption)
            || key(&sa.authentication) != key(&tsa.authentication)
        {
            Some("the keys differ")
        } else {
            None
        };
        if let Some(p) = problem {
            out.push(
                Diagnostic::new(
                    &MANUAL_SA_MISMATCH,
                    *tf,
                    *tspan,
                    format!(
                        "the manual SA {} → {} (SPI {:#x}) differs between {} and {}: {p}",
                        ia, ra, sa.spi.value, init.gateway.name, resp.gateway.name
                    ),
                )
                .with_related(*f, *span, format!("{}'s SA", init.gateway.name)),
            );
            return Some(Status::Phase1KeyMismatch);
        }
    }
    if mine.is_empty() {
        let (tf, _, tspan) = &theirs[0];
        out.push(Diagnostic::new(
            &MANUAL_SA_MISMATCH,
            *tf,
            *tspan,
            format!(
                "{} has no manual SA {} → {} that {} expects",
                init.gateway.name, ia, ra, resp.gateway.name
            ),
        ));
        return Some(Status::MissingPeerConfig);
    }
    None
}

/// IKE (when racoon keys the tunnel) and ESP through both gateways' firewalls.
fn firewalls(
    init: &SiteGateway,
    ia: IpAddr,
    resp: &SiteGateway,
    ra: IpAddr,
    ike_used: bool,
    out: &mut Vec<Diagnostic>,
) -> Status {
    let iface = |g: &Gateway, a: IpAddr| {
        g.addresses()
            .into_iter()
            .find(|x| x.net.addr() == a)
            .map(|x| x.interface)
    };
    let (ii, ri) = (iface(&init.gateway, ia), iface(&resp.gateway, ra));
    let nat_t = ike_used
        && ike::nat_t_used(
            &Side {
                gw: &init.gateway,
                addr: ia,
                site: &[],
                trail: None,
            },
            &Side {
                gw: &resp.gateway,
                addr: ra,
                site: &[],
                trail: None,
            },
        );
    // Behind a NAT, IKE floats to UDP 4500 and ESP travels inside it.
    let mut flows: Vec<(&str, Packet)> = vec![if nat_t {
        (
            "NAT-T (UDP 4500)",
            Packet::udp(Dir::Out, ii.as_deref(), ia, 4500, ra, 4500),
        )
    } else {
        (
            "ESP",
            Packet::new(Dir::Out, ii.as_deref(), proto::ESP, ia, ra),
        )
    }];
    if ike_used {
        flows.insert(
            0,
            (
                "IKE (UDP 500)",
                Packet::udp(Dir::Out, ii.as_deref(), ia, 500, ra, 500),
            ),
        );
    }
    for (what, pkt) in flows {
        // Out of the initiator, into the responder, and the reply back.
        let at_resp = Packet {
            dir: Dir::In,
            iface: ri.clone(),
            ..pkt.clone()
        };
        let reply_out = at_resp.reply(Dir::Out, ri.as_deref());
        let reply_in = pkt.reply(Dir::In, ii.as_deref());
        let legs = [
            (init, vec![pkt.clone(), reply_in], 0),
            (resp, vec![at_resp, reply_out], 0),
        ];
        if let Some(d) = blocked(&legs, what, (init, ia), (resp, ra)) {
            out.push(d);
            return Status::BlockedByFirewall;
        }
    }
    // The admin's test ping through the tunnel: after decryption the inner
    // packets are filtered on the external interface when the kernel says so
    // (filtertunnel), with the other LAN's source address.
    for (src, dst) in protected_traffic(init, ia, ra) {
        let mut echo = Packet::new(Dir::In, ri.as_deref(), proto::ICMP, src, dst);
        echo.icmp = Some((8, 0));
        echo.ipsec_done = true;
        let mut reply = echo.reply(Dir::In, ii.as_deref());
        reply.icmp = Some((0, 0));
        // The echo entered the initiator from its LAN first: state it made
        // there admits the decrypted reply (ipfw-grammar §5.3).
        let mut from_lan = echo.clone();
        from_lan.iface = lan_interface(&init.gateway, src);
        from_lan.ipsec_done = false;
        let mut legs = Vec::new();
        if resp.env.filters_decapsulated(&echo) {
            legs.push((resp, vec![echo], 0));
        }
        if init.env.filters_decapsulated(&reply) {
            legs.push((init, vec![from_lan, reply], 1));
        }
        let what = format!("the tunnel's traffic ({src} → {dst}, decrypted)");
        if let Some(d) = blocked(&legs, &what, (init, ia), (resp, ra)) {
            out.push(d);
            return Status::BlockedByFirewall;
        }
    }
    Status::Established
}

/// One host of each network the initiator's tunnel-mode policies to the
/// responder protect: (a host behind `init`, a host behind the responder).
fn protected_traffic(init: &SiteGateway, ia: IpAddr, ra: IpAddr) -> Vec<(IpAddr, IpAddr)> {
    let host = |n: ipnet::IpNet| n.hosts().next().unwrap_or(n.addr());
    // A network, not a default route (0.0.0.0/0 has no host to ping).
    let lan = |n: &ipnet::IpNet| n.prefix_len() >= if n.addr().is_ipv4() { 8 } else { 16 };
    ike::policies_to(&init.gateway, ra)
        .into_iter()
        .filter(|(_, p, _)| p.policy.rules.iter().any(|r| r.mode.value == "tunnel"))
        .filter_map(|(_, p, _)| {
            let (s, d) = (p.src.as_ref()?.net()?, p.dst.as_ref()?.net()?);
            // Traffic of the gateways themselves is not inner traffic.
            (s.addr() != ia && d.addr() != ra && lan(&s) && lan(&d)).then(|| (host(s), host(d)))
        })
        .take(1)
        .collect()
}

/// The interface of `g` on the network holding `host` (its LAN side).
fn lan_interface(g: &Gateway, host: IpAddr) -> Option<String> {
    g.addresses()
        .into_iter()
        .find(|a| a.net.trunc().contains(&host))
        .map(|a| a.interface)
}

/// The first firewall pass of `legs` (packets in time order per gateway)
/// that drops its packet: the rule that was meant to pass it (and what
/// stops it), or the rule that drops it.
/// Each leg: a gateway, its packets in time order, and the first packet
/// judged (earlier ones only make state).
fn blocked(
    legs: &[(&SiteGateway, Vec<Packet>, usize)],
    what: &str,
    (init, ia): (&SiteGateway, IpAddr),
    (resp, ra): (&SiteGateway, IpAddr),
) -> Option<Diagnostic> {
    for (sg, seq, judged) in legs {
        for fw in &sg.firewalls {
            let ds = fw.ruleset.evaluate(&sg.env, seq);
            let dp = fw.ruleset.default_pass(&sg.env);
            let Some((k, d)) = ds
                .iter()
                .enumerate()
                .skip(*judged)
                .find(|(_, d)| d.effective(dp) != Verdict::Pass)
            else {
                continue;
            };
            let msg = format!(
                "{what} from {} ({}) to {} ({}) is blocked by {}'s firewall",
                init.gateway.name, ia, resp.gateway.name, ra, sg.gateway.name
            );
            let pkt = &seq[k];
            let mut diag = match (
                crate::rules::firewall::meant_to_pass(fw, pkt, d.rule),
                d.rule,
            ) {
                (Some((r, why)), blocker) => {
                    let mut x = Diagnostic::new(
                        &PAIR_FIREWALL,
                        r.rule.file,
                        r.rule.span,
                        format!("{msg}: this rule was meant to pass it, but {why}"),
                    );
                    if let Some(b) = blocker {
                        x = x.with_related(b.file, b.span, "the rule that drops it");
                    }
                    x
                }
                (None, Some(r)) => Diagnostic::new(&PAIR_FIREWALL, r.file, r.span, msg),
                (None, None) => Diagnostic::new(
                    &PAIR_FIREWALL,
                    fw.file,
                    fw.anchor,
                    format!("{msg} (its default rule)"),
                ),
            };
            // Both ends: each side's policy for the tunnel.
            for (g, peer) in [(&init.gateway, ra), (&resp.gateway, ia)] {
                if let Some((f, _, span)) = ike::policies_to(g, peer).first() {
                    diag =
                        diag.with_related(*f, *span, format!("{}'s policy for the tunnel", g.name));
                }
            }
            return Some(diag.with_severity(Severity::Error));
        }
    }
    None
}

rule!(SPD_NOT_MIRRORED, "IPS6008", "spd-not-mirrored", Warning,
    "A's outbound policy for the tunnel to B has no matching inbound policy on B (selectors, protocol, mode, level, endpoints).",
    why: "The kernel on B checks arriving traffic against its `-P in` policy: it must name the same\n\
          selectors (A's networks to B's) and the same protocol, mode and tunnel endpoints as A's `-P out`\n\
          policy, or B drops what A sends (or accepts it unprotected).",
    bad: "east: spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;\nwest: spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec ah/tunnel/203.0.113.1-198.51.100.1/require;",
    good: "west: spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;",
    log: None);

rule!(NETWORK_NOT_LOCAL, "IPS6009", "network-not-local", Warning,
    "A gateway protects a network that is not attached to it and has no route.",
    why: "A gateway's outbound policies name the networks behind it; if none of its interfaces or static\n\
          routes reaches such a network, the selectors are probably swapped or mistyped.",
    bad: "east (LAN 10.1.0.0/24): spdadd 10.9.0.0/24 10.2.0.0/24 any -P out ...",
    good: "east (LAN 10.1.0.0/24): spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ...",
    log: None);

rule!(GIF_NOT_MIRRORED, "IPS6010", "gif-not-mirrored", Error,
    "A gif tunnel whose other end is not configured the other way round.",
    why: "gif endpoints must mirror: A's `gifconfig_gif0=\"A B\"` needs B's `gifconfig_gifN=\"B A\"`.",
    bad: "east: gifconfig_gif0=\"203.0.113.1 198.51.100.1\"\nwest: (no gif tunnel to 203.0.113.1)",
    good: "west: gifconfig_gif0=\"198.51.100.1 203.0.113.1\"",
    log: None);

/// Symmetry and consistency between `a` and `b` (both ways).
pub fn mirror(a: &SiteGateway, la: IpAddr, b: &SiteGateway, lb: IpAddr, out: &mut Vec<Diagnostic>) {
    for (x, lx, y, ly) in [(a, la, b, lb), (b, lb, a, la)] {
        // SPD mirror: x's out policy to y needs y's in policy with the same shape.
        // No mirror needed where racoon generates y's policies; none can be
        // judged where y's SPD is not loaded (the pair status says why).
        let (xs, ys) = (
            Side {
                gw: &x.gateway,
                addr: lx,
                site: &[],
                trail: None,
            },
            Side {
                gw: &y.gateway,
                addr: ly,
                site: &[],
                trail: None,
            },
        );
        let spd = &y.gateway.runtime().spd;
        let judged = !ike::generates_policy(&ys, &xs) && spd.down.is_none() && spd.stop.is_none();
        for (f, p, span) in ike::policies_to(&x.gateway, ly)
            .into_iter()
            .filter(|_| judged)
        {
            let Some((yf, _)) = &y.gateway.setkey else {
                continue;
            };
            let shape = |q: &crate::syntax::setkey::PolicyCommand| {
                (
                    q.src.as_ref().and_then(|s| s.net()),
                    q.dst.as_ref().and_then(|s| s.net()),
                    q.policy
                        .rules
                        .iter()
                        .map(|r| {
                            (
                                r.protocol.value.clone(),
                                r.mode.value.clone(),
                                r.endpoints.as_ref().map(|(s, d)| (s.ip, d.ip)),
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            };
            let want = shape(p);
            let found = ike::inbound_policies(&y.gateway, want.0, want.1)
                .iter()
                .any(|q| shape(q) == want);
            if !found {
                out.push(
                    Diagnostic::new(&SPD_NOT_MIRRORED, *yf, Span::new(0, 0), format!("{} has no `-P in` policy that mirrors {}'s outbound policy (same selectors, protocol, mode and endpoints)", y.gateway.name, x.gateway.name))
                        .with_related(f, span, format!("{}'s policy", x.gateway.name)),
                );
            }
        }
        // Networks: the local selectors of x's policies must be x's own.
        if x.gateway.rc.present && !x.gateway.has_dynamic_address() {
            let nets = x.gateway.networks();
            let routes: Vec<ipnet::IpNet> = x
                .gateway
                .rc
                .vars()
                .filter(|v| v.name.starts_with("route_"))
                .flat_map(|v| {
                    v.value
                        .split_whitespace()
                        .filter_map(|w| w.parse::<ipnet::IpNet>().ok())
                        .collect::<Vec<_>>()
                })
                .collect();
            for (f, p, span) in ike::policies_to(&x.gateway, ly) {
                let Some(src) = p.src.as_ref().and_then(|s| s.net()) else {
                    continue;
                };
                let tunnel = p.policy.rules.iter().any(|r| r.mode.value == "tunnel");
                if !tunnel || src.addr() == lx {
                    continue;
                }
                if !nets
                    .iter()
                    .chain(routes.iter())
                    .any(|n| n.contains(&src) || src.contains(n))
                {
                    let mut d = Diagnostic::new(&NETWORK_NOT_LOCAL, f, span, format!("{} protects {src}, but none of its interfaces or static routes reaches that network", x.gateway.name));
                    if let Some(rc) = x.gateway.rc_conf_file() {
                        d = d.with_related(
                            rc,
                            Span::new(0, 0),
                            format!("{}'s interfaces", x.gateway.name),
                        );
                    }
                    // The other end sends that network's traffic into the tunnel.
                    if let Some((yf, _, yspan)) = ike::policies_to(&y.gateway, lx).first() {
                        d = d.with_related(
                            *yf,
                            *yspan,
                            format!("{}'s policy for it", y.gateway.name),
                        );
                    }
                    out.push(d);
                }
            }
        }
        // gif endpoints.
        for g in x
            .gateway
            .gifs()
            .into_iter()
            .filter(|g| g.dst == ly && g.src == lx)
        {
            if !y.gateway.gifs().iter().any(|h| h.src == ly && h.dst == lx) {
                let mut d = Diagnostic::new(
                    &GIF_NOT_MIRRORED,
                    g.origin.file,
                    g.origin.value_span,
                    format!(
                        "{} has no gif tunnel from {ly} back to {lx}",
                        y.gateway.name
                    ),
                );
                // What the other side has instead (or its rc.conf).
                match y.gateway.gifs().first() {
                    Some(h) => {
                        d = d.with_related(
                            h.origin.file,
                            h.origin.value_span,
                            format!("{}'s gif tunnel", y.gateway.name),
                        )
                    }
                    None => {
                        if let Some(f) = y.gateway.rc_conf_file() {
                            d = d.with_related(
                                f,
                                Span::new(0, 0),
                                format!("{}'s rc.conf", y.gateway.name),
                            );
                        }
                    }
                }
                out.push(d);
            }
        }
    }
}
