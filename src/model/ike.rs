//! What racoon would do when one gateway initiates a tunnel to another:
//! remote selection, exchange mode, phase-1 proposals under the responder's
//! proposal_check, identifiers, pre-shared keys, then phase 2 (sainfo by
//! exact ids, inbound policy, algorithms, PFS, lifetimes). Facts:
//! racoon-semantics.md §1–5.

use crate::model::algorithms::{canonical, DhGroup};
use crate::model::gateway::Gateway;
use crate::model::racoon::{
    ExchangeMode, Phase1Proposal, ProposalCheck, Remote, Sainfo, DEFAULT_LIFETIME,
};
use crate::source::{FileId, Span};
use crate::syntax::racoon::Value;
use crate::syntax::setkey::{CommandKind, PolicyCommand, Selector};
use crate::syntax::Spanned;
use std::net::IpAddr;

/// The state a direction of a tunnel ends in (as Batfish's ipsecSessionStatus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Established,
    /// racoon does not run on one side: not started, its configuration does
    /// not load, or the kernel has no PF_KEY.
    NotRunning,
    /// The SPD a direction needs is not in the kernel: not loaded, loading
    /// stopped before it, or the policy is missing or written the other way.
    NoPolicy,
    /// The initiator never starts IKE for this direction (passive, or no
    /// outbound policy); fine when the other side starts the tunnel.
    NeverInitiated,
    /// racoon refuses the psk.txt on one side (owner or mode).
    KeyFileRefused,
    Phase1Failed,
    Phase1KeyMismatch,
    Phase2Failed,
    BlockedByFirewall,
    MissingPeerConfig,
}

/// Why a negotiation fails, with the places on both gateways.
#[derive(Clone, Debug)]
pub struct Failure {
    pub status: Status,
    pub kind: FailureKind,
    pub message: String,
    /// (file, span, what is there) — the first is the primary location.
    pub at: Vec<(FileId, Span, String)>,
    pub help: Option<String>,
    /// Nothing to report beyond the status: by design, or the place is a
    /// syntax error already reported there.
    pub quiet: bool,
    /// The text that the first place should read (a near-miss address or
    /// identifier): a safe fix.
    pub replace_with: Option<String>,
}

impl Failure {
    fn quietly(mut self) -> Failure {
        self.quiet = true;
        self
    }

    fn with_help(mut self, help: impl Into<String>) -> Failure {
        self.help = Some(help.into());
        self
    }

    fn replacing_with(mut self, text: impl Into<String>) -> Failure {
        self.replace_with = Some(text.into());
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A gateway's runtime state (racoon, SPD, key file) stops the direction.
    NotReady,
    NeverInitiated,
    NoRemote,
    NobodyInitiates,
    ExchangeMode,
    Proposal,
    Identifier,
    PskMissing,
    PskDiffers,
    NoSainfo,
    NoInboundPolicy,
    Phase2Proposal,
}

/// A remote block racoon chose, with the file it is in.
pub type Chosen<'a> = (FileId, &'a Remote);

/// One side of a negotiation.
pub struct Side<'a> {
    pub gw: &'a Gateway,
    pub addr: IpAddr,
    /// Addresses the other checked gateways own: a psk.txt line or remote
    /// for one of them is that gateway's, never a near miss.
    pub site: &'a [IpAddr],
    /// Where the steps of the negotiation go when a transcript is asked for
    /// (`ipseclint negotiate`): the same decisions, written down.
    pub trail: Option<&'a Trail>,
}

/// One step of a negotiation, as `racoon -d` would log it, on the gateway
/// whose statement decides it. It never holds a key.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Step {
    pub gateway: String,
    pub what: String,
    #[serde(skip)]
    pub place: Option<(FileId, Span)>,
}

/// The steps of one direction.
#[derive(Default, Debug)]
pub struct Trail(std::cell::RefCell<Vec<Step>>);

impl Trail {
    pub fn take(&self) -> Vec<Step> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

impl Side<'_> {
    /// Write a step down, when a transcript is asked for.
    pub fn note(&self, place: Option<(FileId, Span)>, what: impl FnOnce() -> String) {
        if let Some(t) = self.trail {
            t.0.borrow_mut().push(Step {
                gateway: self.gw.name.clone(),
                what: what(),
                place,
            });
        }
    }

    /// Is this identifier (or address) another checked gateway's?
    fn taken(&self, ident: &str) -> bool {
        ident
            .parse::<IpAddr>()
            .is_ok_and(|a| self.site.contains(&a))
    }
}

fn remotes(g: &Gateway) -> impl Iterator<Item = (FileId, &Remote)> {
    g.racoon
        .iter()
        .flat_map(|p| p.model.remotes.iter().map(move |r| (p.file, r)))
}

/// The remotes a responder considers for a peer (`isakmp_ph1begin_r`,
/// `get_ph1approval`): those for its address and the anonymous ones, in file
/// order. Passive remotes answer too.
fn responder_candidates(g: &Gateway, peer: IpAddr) -> Vec<(FileId, &Remote)> {
    let l = g.lookup();
    let mut idx: Vec<(usize, usize)> = l
        .remotes_by_addr
        .get(&peer)
        .into_iter()
        .flatten()
        .chain(l.anon_remotes.iter())
        .copied()
        .collect();
    idx.sort_unstable();
    idx.dedup();
    idx.into_iter()
        .map(|(p, r)| (g.racoon[p].file, &g.racoon[p].model.remotes[r]))
        .collect()
}

/// racoon's remote selection for a peer: an exact address beats anonymous;
/// passive remotes never initiate. Two equally good candidates are ambiguous.
fn select_remote(g: &Gateway, peer: IpAddr, initiating: bool) -> Option<(FileId, &Remote)> {
    let at = |(p, r): &(usize, usize)| (g.racoon[*p].file, &g.racoon[*p].model.remotes[*r]);
    let usable = |r: &&Remote| !(initiating && r.passive);
    let l = g.lookup();
    let exact: Vec<_> = l
        .remotes_by_addr
        .get(&peer)
        .into_iter()
        .flatten()
        .map(at)
        .filter(|(_, r)| usable(r))
        .collect();
    if exact.len() == 1 {
        return exact.into_iter().next();
    }
    if exact.len() > 1 {
        return None;
    }
    let anon: Vec<_> = l
        .anon_remotes
        .iter()
        .map(at)
        // A named remote without remote_address has no address: racoon
        // treats it as anonymous (AF_UNSPEC).
        .filter(|(_, r)| usable(r))
        .collect();
    (anon.len() == 1).then(|| anon.into_iter().next()).flatten()
}

/// racoon compares authentication methods as written, except that a
/// responder's `*_server` variant matches the initiator's `*_client`
/// (remoteconf.c:isakmpsa_switch_authmethod); `xauth_psk_client` never
/// matches `pre_shared_key` (racoon-semantics §0).
fn base_auth_method(m: &str) -> &str {
    match m {
        "xauth_psk_server" => "xauth_psk_client",
        "xauth_rsa_server" => "xauth_rsa_client",
        "hybrid_rsa_server" => "hybrid_rsa_client",
        "hybrid_dss_server" => "hybrid_dss_client",
        other => other,
    }
}

fn lifetime(p: &Phase1Proposal, r: &Remote) -> u64 {
    p.lifetime
        .as_ref()
        .or(r.lifetime.as_ref())
        .map_or(DEFAULT_LIFETIME, |l| l.value)
}

fn keylen(p: &Phase1Proposal) -> u64 {
    p.encryption
        .as_ref()
        .and_then(|e| e.keylen.as_ref().map(|k| u64::from(k.value)))
        // racoon's default for a cipher with a variable key length is 128.
        .unwrap_or(
            if p.encryption
                .as_ref()
                .is_some_and(|e| crate::model::algorithms::keylen_rule(&e.name).is_some())
            {
                128
            } else {
                0
            },
        )
}

/// Does the responder's proposal accept the initiator's transform?
/// (`remoteconf.c:checkisakmpsa`)
fn accepts(
    mine: &Phase1Proposal,
    my_remote: &Remote,
    peer: &Phase1Proposal,
    peer_remote: &Remote,
) -> bool {
    let name = |a: &Option<crate::model::racoon::AlgRef>| {
        a.as_ref().map(|x| canonical(&x.name).to_string())
    };
    let auth = |p: &Phase1Proposal| {
        p.auth_method
            .as_ref()
            .map(|m| base_auth_method(&m.value).to_string())
    };
    if name(&mine.encryption) != name(&peer.encryption)
        || name(&mine.hash) != name(&peer.hash)
        || auth(mine) != auth(peer)
        || mine.dh_group.as_ref().map(|d| d.value) != peer.dh_group.as_ref().map(|d| d.value)
    {
        return false;
    }
    let (ml, pl) = (lifetime(mine, my_remote), lifetime(peer, peer_remote));
    let (mk, pk) = (keylen(mine), keylen(peer));
    match my_remote.proposal_check {
        ProposalCheck::Obey => true,
        ProposalCheck::Strict | ProposalCheck::Claim => pl <= ml && pk >= mk,
        ProposalCheck::Exact => pl == ml && pk == mk,
    }
}

fn describe(p: &Phase1Proposal, r: &Remote) -> String {
    let n = |a: &Option<crate::model::racoon::AlgRef>| {
        a.as_ref().map_or("?".to_string(), |x| match &x.keylen {
            Some(k) => format!("{} {}", x.name, k.value),
            None => x.name.to_string(),
        })
    };
    let dh = match p.dh_group.as_ref().map(|d| d.value) {
        Some(DhGroup::Modp(g)) => format!("group {g}"),
        _ => "?".into(),
    };
    format!(
        "{}/{}/{}/{}, lifetime {} s",
        n(&p.encryption),
        n(&p.hash),
        p.auth_method.as_ref().map_or("?", |m| &*m.value),
        dh,
        lifetime(p, r)
    )
}

/// The identifier a side sends (value as text), and whether it is an address.
fn my_id(r: &Remote, addr: IpAddr) -> (String, Option<String>) {
    match &r.my_identifier {
        Some(s) => {
            let kind = s
                .word(0)
                .map_or_else(|| "address".to_string(), |w| w.value.to_string());
            let v = s.values.iter().find_map(|v| match v {
                Value::Quoted(q) => Some(q.value.clone()),
                Value::Address(a) => Some(a.text().into_owned()),
                _ => None,
            });
            // `keyid "x"` names a file holding the identifier; only `keyid tag "x"` is the value.
            let v = v.filter(|_| kind != "keyid" || s.word(1).is_some_and(|w| w.value == "tag"));
            (
                kind,
                v.or_else(|| {
                    (s.word(0).is_some_and(|w| w.value == "address")).then(|| addr.to_string())
                }),
            )
        }
        None => ("address".into(), Some(addr.to_string())),
    }
}

/// Does a `peers_identifier` name the identifier a peer sends? The types
/// must agree, and addresses compare as addresses (`2001:DB8::1` is
/// `2001:db8::1`).
fn same_identifier(s: &crate::syntax::racoon::Setting, sent: &(String, Option<String>)) -> bool {
    let kind = s.word(0).map_or("address", |w| &*w.value);
    let Some(value) = &sent.1 else {
        return false;
    };
    kind == sent.0
        && s.values.iter().any(|v| match v {
            Value::Quoted(q) => q.value == *value,
            Value::Address(a) => match (a.text().parse::<IpAddr>(), value.parse::<IpAddr>()) {
                (Ok(x), Ok(y)) => x == y,
                _ => a.text() == value.as_str(),
            },
            _ => false,
        })
}

fn uses_psk(p: &Phase1Proposal) -> bool {
    p.auth_method
        .as_ref()
        .is_some_and(|m| m.value == "pre_shared_key" || m.value.starts_with("xauth_psk"))
}

/// The psk.txt line racoon picks, by identifier (first match, `*` wildcard).
fn psk_lookup<'a>(
    g: &'a Gateway,
    ident: &str,
) -> Option<(FileId, &'a crate::syntax::psk::PskEntry)> {
    let (f, psk) = g.psk.as_ref()?;
    let l = g.lookup();
    // The first matching line wins, a `*` line included.
    let idx = [l.psk_first.get(ident).copied(), l.psk_wild]
        .into_iter()
        .flatten()
        .min()?;
    psk.entries().nth(idx).map(|e| (*f, e))
}

/// The key one side uses for the other: main mode by address only;
/// aggressive by the peer's identifier, then (unless verify_identifier) by address.
/// An address identifier is sent as 4 or 16 bytes: racoon's lookup by
/// identifier compares it with text lines and never finds it.
fn id_is_text(kind: &str) -> bool {
    matches!(kind, "fqdn" | "user_fqdn" | "keyid")
}

fn key_for<'a>(
    g: &'a Gateway,
    r: &Remote,
    mode: ExchangeMode,
    peer_addr: IpAddr,
    peer_id: &(String, Option<String>),
) -> Option<(FileId, &'a crate::syntax::psk::PskEntry)> {
    let by_addr = || psk_lookup(g, &peer_addr.to_string());
    match mode {
        ExchangeMode::Main => by_addr(),
        _ => peer_id
            .1
            .as_deref()
            .filter(|_| id_is_text(&peer_id.0))
            .and_then(|i| psk_lookup(g, i))
            .or_else(|| if r.verify_identifier { None } else { by_addr() }),
    }
}

/// The key as racoon uses it: `0x...` is hex-decoded (`str2val`), anything
/// else is taken byte for byte.
fn key_bytes(key: &str) -> Vec<u8> {
    let hex = key
        .strip_prefix("0x")
        .filter(|h| !h.is_empty() && h.len() % 2 == 0 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    match hex {
        Some(h) => (0..h.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok())
            .collect(),
        None => key.as_bytes().to_vec(),
    }
}

fn fail(
    status: Status,
    kind: FailureKind,
    message: String,
    at: Vec<(FileId, Span, String)>,
) -> Failure {
    Failure {
        status,
        kind,
        message,
        at,
        help: None,
        quiet: false,
        replace_with: None,
    }
}

/// Where `y` configures its side of the tunnel with `x`: its remote for
/// `x`, else its policy for the tunnel (a related place for a finding on `x`).
pub fn peer_place(y: &Side, x: &Side) -> Vec<(FileId, Span, String)> {
    if let Some((f, rem)) = select_remote(y.gw, x.addr, false) {
        return vec![(
            f,
            rem.header,
            format!("{}'s remote for {}", y.gw.name, x.gw.name),
        )];
    }
    policies_written_to(y.gw, x.addr)
        .first()
        .map(|(f, _, s)| vec![(*f, *s, format!("{}'s policy for the tunnel", y.gw.name))])
        .unwrap_or_default()
}

/// A gateway's runtime cause as a failure of the direction.
pub fn not_ready(
    c: &crate::model::runtime::Cause,
    related: Vec<(FileId, Span, String)>,
) -> Failure {
    let mut at = vec![(c.file, c.span, "the statement to change".to_string())];
    at.extend(related);
    Failure {
        status: c.status,
        kind: FailureKind::NotReady,
        message: c.message.clone(),
        at,
        help: c.help.clone(),
        quiet: c.syntax,
        replace_with: None,
    }
}

/// Phase 1 with `i` initiating to `r`, in racoon's order: the initiator's
/// remote, the responder's, the exchange mode, a proposal, the identifier,
/// then the pre-shared keys. Returns the chosen remotes.
pub fn phase1<'a>(i: &Side<'a>, r: &Side<'a>) -> Result<(Chosen<'a>, Chosen<'a>), Failure> {
    let ini = initiator_remote(i, r)?;
    i.note(Some((ini.0, ini.1.header)), || {
        format!(
            "selects {} for {} ({})",
            remote_name(ini.1),
            r.addr,
            why_selected(ini.1, r.addr)
        )
    });
    let resp = responder_remote(i, r, ini)?;
    r.note(Some((resp.0, resp.1.header)), || {
        format!(
            "answers {} with {} ({})",
            i.addr,
            remote_name(resp.1),
            why_selected(resp.1, i.addr)
        )
    });
    let mode = exchange_mode(i, r, ini, resp)?;
    i.note(Some((ini.0, mode.span)), || {
        format!(
            "starts phase 1 in {} mode, which {} allows",
            mode_name(mode.value),
            r.gw.name
        )
    });
    let proposal = accepted_proposal(i, r, ini, resp)?;
    let taken = resp
        .1
        .proposals
        .iter()
        .find(|m| accepts(m, resp.1, proposal, ini.1));
    r.note(taken.map(|m| (resp.0, m.keyword)), || {
        format!(
            "accepts {}'s proposal {} under proposal_check {}",
            i.gw.name,
            describe(proposal, ini.1),
            check_name(resp.1.proposal_check)
        )
    });
    let i_ident = my_id(ini.1, i.addr);
    i.note(
        ini.1.my_identifier.as_ref().map(|s| (ini.0, s.span)),
        || {
            format!(
                "identifies itself as {} {}",
                i_ident.0,
                i_ident.1.clone().unwrap_or_default()
            )
        },
    );
    verify_identifier(i, r, ini, resp, &i_ident)?;
    if resp.1.verify_identifier && !resp.1.peers_identifiers.is_empty() {
        r.note(
            resp.1.peers_identifiers.first().map(|s| (resp.0, s.span)),
            || {
                format!(
                    "verify_identifier: {}'s identifier is one it expects",
                    i.gw.name
                )
            },
        );
    }
    if uses_psk(proposal) {
        key_files_read(i, r)?;
        compare_keys(i, r, ini, resp, mode.value, &i_ident)?;
    }
    Ok((ini, resp))
}

/// `remote 192.0.2.1`, `remote anonymous`, `remote "name"`.
fn remote_name(r: &Remote) -> String {
    match &r.selector {
        crate::model::racoon::RemoteSelector::Anonymous => "remote anonymous".into(),
        crate::model::racoon::RemoteSelector::Address(a) => format!("remote {a}"),
        crate::model::racoon::RemoteSelector::Name(n) => format!("remote \"{n}\""),
    }
}

/// Why racoon took this remote for a peer.
fn why_selected(r: &Remote, peer: IpAddr) -> &'static str {
    match (r.address() == Some(peer), r.passive) {
        (true, false) => "its exact address",
        (true, true) => "its exact address; passive: it only answers",
        (false, false) => "no remote has its address: the anonymous one",
        (false, true) => "no remote has its address: the anonymous one; passive",
    }
}

/// racoon checks psk.txt's owner and mode on every lookup and refuses the
/// file (and so every key) when they are wrong.
fn key_files_read(i: &Side, r: &Side) -> Result<(), Failure> {
    for (x, y) in [(r, i), (i, r)] {
        if let Some(c) = &x.gw.runtime().key_file {
            let mut f = not_ready(c, peer_place(y, x));
            f.message = format!("{} (phase 1 with {} fails)", c.message, y.gw.name);
            return Err(f);
        }
    }
    Ok(())
}

/// A remote of `g` whose address is one or two typing mistakes from `peer`
/// (`198.51.100.11` for `198.51.100.1`) and that no tunnel of `g` uses.
pub fn near_miss_remote<'a>(
    g: &'a Gateway,
    peer: IpAddr,
    site: &[IpAddr],
) -> Option<(FileId, &'a Remote)> {
    let want = peer.to_string();
    let tunnel_peers: Vec<IpAddr> = g
        .peers()
        .into_iter()
        .filter(|p| p.kind != crate::model::gateway::PeerKind::Remote)
        .map(|p| p.address)
        .collect();
    remotes(g).find(|(_, r)| {
        r.address().is_some_and(|a| {
            a != peer
                && !tunnel_peers.contains(&a)
                && !site.contains(&a)
                && strsim::damerau_levenshtein(&a.to_string(), &want) <= 2
        })
    })
}

/// The failure for a missing remote when a near-miss remote exists.
fn remote_near_miss(g: &Side, peer: &Side, message: &str) -> Option<Failure> {
    let (f, rem) = near_miss_remote(g.gw, peer.addr, g.site)?;
    let a = rem.address()?;
    Some(
        fail(
            Status::MissingPeerConfig,
            FailureKind::NoRemote,
            format!("{message}: `remote {a}` is a near miss for {}", peer.addr),
            std::iter::once((
                f,
                rem.selector_span,
                format!("`{a}` is not `{}`", peer.addr),
            ))
            .chain(peer_place(peer, g))
            .collect(),
        )
        .with_help(format!("correct the address to `{}`", peer.addr))
        .replacing_with(peer.addr.to_string()),
    )
}

/// The remote the initiator starts from: one for the peer's address that is
/// not passive.
fn initiator_remote<'a>(i: &Side<'a>, r: &Side<'a>) -> Result<Chosen<'a>, Failure> {
    let Some(chosen) = select_remote(i.gw, r.addr, true) else {
        let passive = remotes(i.gw)
            .any(|(_, x)| x.passive && (x.address() == Some(r.addr) || x.is_anonymous()));
        if !passive {
            let what = format!("{} has no `remote` for {}", i.gw.name, r.addr);
            if let Some(f) = remote_near_miss(i, r, &what) {
                return Err(f);
            }
        }
        let (kind, what) = if passive {
            (
                FailureKind::NobodyInitiates,
                format!(
                    "{} has only passive remotes for {}: it never starts the negotiation",
                    i.gw.name, r.addr
                ),
            )
        } else {
            (
                FailureKind::NoRemote,
                format!(
                    "{} has no `remote` for {} (racoon: no configuration found for {})",
                    i.gw.name, r.addr, r.addr
                ),
            )
        };
        let mut at =
            i.gw.racoon
                .first()
                .map(|p| {
                    vec![(
                        p.file,
                        Span::new(0, 0),
                        format!("{}'s racoon.conf", i.gw.name),
                    )]
                })
                .unwrap_or_default();
        // The other end, which does expect this peer.
        if let Some((f, rem)) = select_remote(r.gw, i.addr, false) {
            at.push((
                f,
                rem.header,
                format!("{}'s remote for {}", r.gw.name, i.gw.name),
            ));
        } else if let Some((f, _, span)) = policies_to(r.gw, i.addr).first() {
            at.push((*f, *span, format!("{}'s policy for the tunnel", r.gw.name)));
        }
        if at.is_empty() {
            // Someone runs racoon (else this is not simulated): point at its file.
            if let Some(p) = r.gw.racoon.first() {
                at.push((
                    p.file,
                    Span::new(0, 0),
                    format!("{}'s racoon.conf", r.gw.name),
                ));
            }
        }
        return Err(fail(Status::MissingPeerConfig, kind, what, at));
    };
    Ok(chosen)
}

/// The remote the responder answers with.
fn responder_remote<'a>(
    i: &Side<'a>,
    r: &Side<'a>,
    (ifile, irem): Chosen<'a>,
) -> Result<Chosen<'a>, Failure> {
    // The responder takes the first candidate, in file order, that allows the
    // initiator's exchange mode and accepts one of its proposals (tried in the
    // order they are sent); when none does, the first candidate explains why.
    let candidates = responder_candidates(r.gw, i.addr);
    let allows = |c: &Remote| {
        irem.exchange_modes
            .first()
            .is_some_and(|m| c.exchange_modes.iter().any(|x| x.value == m.value))
    };
    let chosen = irem.proposals.iter().find_map(|p| {
        candidates
            .iter()
            .find(|(_, c)| allows(c) && c.proposals.iter().any(|m| accepts(m, c, p, irem)))
    });
    let fallback = candidates
        .iter()
        .find(|(_, c)| allows(c))
        .or(candidates.first());
    let Some(&chosen) = chosen.or(fallback) else {
        let what = format!(
            "{} has no `remote` for {} and no `remote anonymous`",
            r.gw.name, i.addr
        );
        if let Some(f) = remote_near_miss(r, i, &what) {
            return Err(f);
        }
        let at = vec![(ifile, irem.header, format!("{} initiates here", i.gw.name))];
        let mut at = at;
        if let Some(p) = r.gw.racoon.first() {
            at.insert(
                0,
                (
                    p.file,
                    Span::new(0, 0),
                    format!("{}'s racoon.conf has no remote for {}", r.gw.name, i.addr),
                ),
            );
        }
        return Err(fail(
            Status::MissingPeerConfig,
            FailureKind::NoRemote,
            format!(
                "{} has no `remote` for {} and no `remote anonymous`",
                r.gw.name, i.addr
            ),
            at,
        ));
    };
    Ok(chosen)
}

/// One attribute on which a responder's proposal refuses an initiator's.
struct Difference {
    name: &'static str,
    theirs: String,
    mine: String,
    their_span: Option<Span>,
    my_span: Option<Span>,
}

/// Every attribute of `peer` (the initiator's) that `mine` (the
/// responder's) refuses, as `accepts` judges them.
fn differences(
    mine: &Phase1Proposal,
    my_remote: &Remote,
    peer: &Phase1Proposal,
    peer_remote: &Remote,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let alg = |a: &Option<crate::model::racoon::AlgRef>| {
        a.as_ref()
            .map_or("(none)".to_string(), |x| canonical(&x.name).to_string())
    };
    let span = |a: &Option<crate::model::racoon::AlgRef>| a.as_ref().map(|x| x.span);
    let mut push = |name, theirs: String, mine_: String, ts, ms| {
        out.push(Difference {
            name,
            theirs,
            mine: mine_,
            their_span: ts,
            my_span: ms,
        })
    };
    if alg(&mine.encryption) != alg(&peer.encryption) {
        push(
            "encryption algorithm",
            alg(&mine.encryption),
            alg(&peer.encryption),
            span(&mine.encryption),
            span(&peer.encryption),
        );
    }
    if alg(&mine.hash) != alg(&peer.hash) {
        push(
            "hash algorithm",
            alg(&mine.hash),
            alg(&peer.hash),
            span(&mine.hash),
            span(&peer.hash),
        );
    }
    let auth = |p: &Phase1Proposal| {
        p.auth_method.as_ref().map_or("(none)".to_string(), |m| {
            base_auth_method(&m.value).to_string()
        })
    };
    if auth(mine) != auth(peer) {
        push(
            "authentication method",
            auth(mine),
            auth(peer),
            mine.auth_method.as_ref().map(|m| m.span),
            peer.auth_method.as_ref().map(|m| m.span),
        );
    }
    let dh = |p: &Phase1Proposal| match p.dh_group.as_ref().map(|d| d.value) {
        Some(DhGroup::Modp(g)) => format!("group {g}"),
        Some(other) => format!("{other:?}"),
        None => "(none)".into(),
    };
    if mine.dh_group.as_ref().map(|d| d.value) != peer.dh_group.as_ref().map(|d| d.value) {
        push(
            "DH group",
            dh(mine),
            dh(peer),
            mine.dh_group.as_ref().map(|d| d.span),
            peer.dh_group.as_ref().map(|d| d.span),
        );
    }
    let (ml, pl) = (lifetime(mine, my_remote), lifetime(peer, peer_remote));
    let (mk, pk) = (keylen(mine), keylen(peer));
    let check = my_remote.proposal_check;
    let life_ok = match check {
        ProposalCheck::Obey => true,
        ProposalCheck::Strict | ProposalCheck::Claim => pl <= ml,
        ProposalCheck::Exact => pl == ml,
    };
    let life_span = |p: &Phase1Proposal, r: &Remote| {
        p.lifetime.as_ref().or(r.lifetime.as_ref()).map(|l| l.span)
    };
    if !life_ok {
        push(
            "lifetime",
            format!("{ml} s"),
            format!("{pl} s"),
            life_span(mine, my_remote),
            life_span(peer, peer_remote),
        );
    }
    let key_ok = match check {
        ProposalCheck::Obey => true,
        ProposalCheck::Strict | ProposalCheck::Claim => pk >= mk,
        ProposalCheck::Exact => pk == mk,
    };
    let key_span = |p: &Phase1Proposal| {
        p.encryption
            .as_ref()
            .map(|e| e.keylen.as_ref().map_or(e.span, |k| k.span))
    };
    // A key length only counts for the same cipher.
    if !key_ok && alg(&mine.encryption) == alg(&peer.encryption) {
        push(
            "key length",
            format!("{mk} bits"),
            format!("{pk} bits"),
            key_span(mine),
            key_span(peer),
        );
    }
    out
}

/// The initiator's first exchange mode, which the responder must allow.
fn exchange_mode<'a>(
    i: &Side<'a>,
    r: &Side<'a>,
    (ifile, irem): Chosen<'a>,
    (rfile, rrem): Chosen<'a>,
) -> Result<&'a Spanned<ExchangeMode>, Failure> {
    let Some(mode) = irem.exchange_modes.first() else {
        return Err(fail(
            Status::Phase1Failed,
            FailureKind::ExchangeMode,
            format!("{} has no exchange_mode for {}", i.gw.name, r.addr),
            vec![(ifile, irem.header, "this remote".into())],
        ));
    };
    if !rrem.exchange_modes.iter().any(|m| m.value == mode.value) {
        let their = rrem.exchange_modes.first().map_or(rrem.header, |m| m.span);
        return Err(fail(
            Status::Phase1Failed,
            FailureKind::ExchangeMode,
            format!("{} starts in {} mode, which {} does not allow (racoon: exchange {} not allowed in any applicable rmconf)", i.gw.name, mode_name(mode.value), r.gw.name, mode_name(mode.value)),
            vec![(rfile, their, format!("{} accepts only these modes", r.gw.name)), (ifile, mode.span, format!("{} proposes this mode", i.gw.name))],
        ));
    }
    Ok(mode)
}

/// The first initiator proposal a responder proposal accepts.
fn accepted_proposal<'a>(
    i: &Side<'a>,
    r: &Side<'a>,
    (ifile, irem): Chosen<'a>,
    (rfile, rrem): Chosen<'a>,
) -> Result<&'a Phase1Proposal, Failure> {
    let accepted = irem
        .proposals
        .iter()
        .find(|p| rrem.proposals.iter().any(|m| accepts(m, rrem, p, irem)));
    let Some(ip) = accepted else {
        let check = check_name(rrem.proposal_check);
        let base = format!("no phase-1 proposal of {} is acceptable to {} under proposal_check {check} (racoon: no suitable proposal found)", i.gw.name, r.gw.name);
        // The closest pair of proposals; one differing attribute is the cause.
        let closest = rrem
            .proposals
            .iter()
            .flat_map(|m| irem.proposals.iter().map(move |p| (m, p)))
            .map(|(m, p)| (m, p, differences(m, rrem, p, irem)))
            .min_by_key(|(_, _, d)| d.len());
        if let Some((m, p, d)) = closest.filter(|(_, _, d)| d.len() == 1) {
            let a = &d[0];
            return Err(fail(
                Status::Phase1Failed,
                FailureKind::Proposal,
                format!(
                    "{base}: only the {} differs ({} has {}, {} has {})",
                    a.name, r.gw.name, a.theirs, i.gw.name, a.mine
                ),
                vec![
                    (
                        rfile,
                        a.their_span.unwrap_or(m.keyword),
                        format!("{} accepts {}", r.gw.name, a.theirs),
                    ),
                    (
                        ifile,
                        a.my_span.unwrap_or(p.keyword),
                        format!("{} proposes {}", i.gw.name, a.mine),
                    ),
                ],
            )
            .with_help(format!("make the {} the same on both sides", a.name)));
        }
        let mut at = Vec::new();
        if let Some(m) = rrem.proposals.first() {
            at.push((
                rfile,
                m.keyword,
                format!("{} accepts {}", r.gw.name, describe(m, rrem)),
            ));
        }
        if let Some(p) = irem.proposals.first() {
            at.push((
                ifile,
                p.keyword,
                format!("{} proposes {}", i.gw.name, describe(p, irem)),
            ));
        }
        return Err(fail(Status::Phase1Failed, FailureKind::Proposal, base, at));
    };
    Ok(ip)
}

/// The responder's verify_identifier against the identifier the initiator sends.
fn verify_identifier(
    i: &Side,
    r: &Side,
    (ifile, irem): Chosen,
    (rfile, rrem): Chosen,
    i_ident: &(String, Option<String>),
) -> Result<(), Failure> {
    let iid = i_ident.1.clone();
    // An identifier read from a file (`keyid "file"`) is not known here: not judged.
    if rrem.verify_identifier && !rrem.peers_identifiers.is_empty() && iid.is_some() {
        let ok = rrem
            .peers_identifiers
            .iter()
            .any(|s| same_identifier(s, i_ident));
        if !ok {
            let theirs = rrem
                .peers_identifiers
                .first()
                .map_or(rrem.header, |s| s.span);
            let mine = irem.my_identifier.as_ref().map_or(irem.header, |s| s.span);
            return Err(fail(
                Status::Phase1Failed,
                FailureKind::Identifier,
                format!(
                    "{} expects another identifier than the one {} sends ({})",
                    r.gw.name,
                    i.gw.name,
                    iid.unwrap_or_default()
                ),
                vec![
                    (
                        rfile,
                        theirs,
                        format!("{} verifies this identifier", r.gw.name),
                    ),
                    (ifile, mine, format!("{} sends this identifier", i.gw.name)),
                ],
            ));
        }
    }
    Ok(())
}

/// Pre-shared keys: each side's lookup must find a key, and the keys must be equal.
fn compare_keys(
    i: &Side,
    r: &Side,
    (ifile, irem): Chosen,
    (rfile, rrem): Chosen,
    mode: ExchangeMode,
    i_ident: &(String, Option<String>),
) -> Result<(), Failure> {
    let r_ident = my_id(rrem, r.addr);
    let ikey = key_for(i.gw, irem, mode, r.addr, &r_ident);
    let rkey = key_for(r.gw, rrem, mode, i.addr, i_ident);
    // Through a NAT, main mode looks the private side up by the NAT's public
    // address, which no file here names: a failed lookup proves nothing.
    if mode == ExchangeMode::Main
        && nat_between(i.addr, r.addr)
        && (ikey.is_none() || rkey.is_none())
    {
        return Ok(());
    }
    match (ikey, rkey) {
        (Some((f1, e1)), Some((f2, e2))) => {
            i.note(Some((f1, e1.ident_span)), || {
                format!("uses its psk.txt line for `{}`", e1.ident)
            });
            r.note(Some((f2, e2.ident_span)), || {
                format!("uses its psk.txt line for `{}`", e2.ident)
            });
            if key_bytes(e1.key.expose()) == key_bytes(e2.key.expose()) {
                r.note(None, || {
                    "the two pre-shared keys are equal (not shown)".into()
                });
            }
            if key_bytes(e1.key.expose()) != key_bytes(e2.key.expose()) {
                return Err(fail(Status::Phase1KeyMismatch, FailureKind::PskDiffers, format!("the pre-shared keys of {} and {} for each other differ (racoon logs payload or HASH errors)", i.gw.name, r.gw.name), vec![(f2, e2.ident_span, format!("{}'s key for {}", r.gw.name, i.gw.name)), (f1, e1.ident_span, format!("{}'s key for {}", i.gw.name, r.gw.name))]));
            }
        }
        (k1, k2) => {
            let (who, whom, who_rem, file) = if k1.is_none() {
                (i, r, irem, i.gw.psk.as_ref().map(|p| p.0))
            } else {
                (r, i, rrem, r.gw.psk.as_ref().map(|p| p.0))
            };
            // Only an identifier lookup that may not fall back logs without the address.
            let log = if mode != ExchangeMode::Main && who_rem.verify_identifier {
                "couldn't find the pskey.".to_string()
            } else {
                format!("couldn't find the pskey for {}.", whom.addr)
            };
            let _ = k2;
            // The identifier looked up: the peer's address in main mode, else
            // its identifier first.
            let peer_ident = if std::ptr::eq(who.gw, i.gw) {
                my_id(rrem, r.addr)
            } else {
                i_ident.clone()
            };
            // racoon never falls back to the address under verify_identifier.
            let by_addr = (mode == ExchangeMode::Main || !who_rem.verify_identifier)
                .then(|| whom.addr.to_string());
            let looked_up: Vec<String> = match mode {
                ExchangeMode::Main => by_addr.into_iter().collect(),
                _ => peer_ident
                    .1
                    .iter()
                    .filter(|_| id_is_text(&peer_ident.0))
                    .cloned()
                    .chain(by_addr)
                    .collect(),
            };
            let near = who.gw.psk.as_ref().and_then(|(f, psk)| {
                looked_up.iter().find_map(|w| {
                    crate::syntax::psk::near_miss(psk, w, &|x| {
                        who.gw.psk_ident_in_use(x) || who.taken(x)
                    })
                    .map(|e| (*f, e, w.clone()))
                })
            });
            if let Some((f, e, w)) = near {
                let mut at = vec![(f, e.ident_span, format!("`{}` is not `{w}`", e.ident))];
                at.push((
                    ifile,
                    irem.header,
                    format!("{}'s remote for {}", i.gw.name, r.gw.name),
                ));
                at.push((
                    rfile,
                    rrem.header,
                    format!("{}'s remote for {}", r.gw.name, i.gw.name),
                ));
                return Err(fail(
                    Status::Phase1KeyMismatch,
                    FailureKind::PskMissing,
                    format!(
                        "{} finds no pre-shared key for {} in {} mode (racoon: {log}): its psk.txt line for `{}` is a near miss for `{w}`",
                        who.gw.name, whom.gw.name, mode_name(mode), e.ident
                    ),
                    at,
                ).with_help(format!("correct the identifier to `{w}`")).replacing_with(w.clone()));
            }
            let mut at = file
                .map(|f| {
                    vec![(
                        f,
                        Span::new(0, 0),
                        format!("{}'s pre-shared key file", who.gw.name),
                    )]
                })
                .unwrap_or_default();
            // Where each side configures the other.
            at.push((
                ifile,
                irem.header,
                format!("{}'s remote for {}", i.gw.name, r.gw.name),
            ));
            at.push((
                rfile,
                rrem.header,
                format!("{}'s remote for {}", r.gw.name, i.gw.name),
            ));
            return Err(fail(
                Status::Phase1KeyMismatch,
                FailureKind::PskMissing,
                format!(
                    "{} finds no pre-shared key for {} in {} mode (racoon: {log})",
                    who.gw.name,
                    whom.gw.name,
                    mode_name(mode)
                ),
                at,
            ));
        }
    }
    Ok(())
}

/// The outbound policies of `g` that send to `peer` through IPsec, as
/// written in its setkey file.
pub fn policies_written_to(g: &Gateway, peer: IpAddr) -> Vec<(FileId, &PolicyCommand, Span)> {
    let Some((f, s)) = &g.setkey else {
        return Vec::new();
    };
    g.lookup()
        .out_by_peer
        .get(&peer)
        .into_iter()
        .flatten()
        .filter_map(|ci| match &s.commands[*ci].kind {
            CommandKind::SpdAdd(p) => Some((*f, p, s.commands[*ci].span)),
            _ => None,
        })
        .collect()
}

/// The outbound policies to `peer` that the kernel holds after boot.
pub fn policies_to(g: &Gateway, peer: IpAddr) -> Vec<(FileId, &PolicyCommand, Span)> {
    let spd = &g.runtime().spd;
    policies_written_to(g, peer)
        .into_iter()
        .filter(|(_, _, span)| spd.holds(*span))
        .collect()
}

/// Inbound policies of `g` for traffic from `src` to `dst` that the kernel holds.
pub fn inbound_policies(
    g: &Gateway,
    src: Option<ipnet::IpNet>,
    dst: Option<ipnet::IpNet>,
) -> Vec<&PolicyCommand> {
    let Some((_, s)) = &g.setkey else {
        return Vec::new();
    };
    let spd = &g.runtime().spd;
    g.lookup()
        .in_by_nets
        .get(&(src, dst))
        .into_iter()
        .flatten()
        .filter(|ci| spd.holds(s.commands[**ci].span))
        .filter_map(|ci| match &s.commands[*ci].kind {
            CommandKind::SpdAdd(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// A `-P in` policy of `g` shaped like an outbound one to `peer` (its
/// tunnel runs from `own` to `peer`): `-P out` was meant.
fn inbound_written_as_outbound(
    g: &Gateway,
    own: IpAddr,
    peer: IpAddr,
) -> Option<(FileId, &PolicyCommand, Span)> {
    use crate::syntax::setkey::Direction;
    let (f, s) = g.setkey.as_ref()?;
    s.commands.iter().find_map(|c| {
        let CommandKind::SpdAdd(p) = &c.kind else {
            return None;
        };
        let outward = p.policy.rules.iter().any(|r| match &r.endpoints {
            Some((a, b)) => a.ip == Some(own) && b.ip == Some(peer),
            None => {
                p.src.as_ref().and_then(|x| x.host.ip) == Some(own)
                    && p.dst.as_ref().and_then(|x| x.host.ip) == Some(peer)
            }
        });
        (p.policy.direction.value == Direction::In && outward).then_some((*f, p, c.span))
    })
}

/// Can `i` start a tunnel to `r` at all? racoon runs, the kernel holds an
/// outbound ipsec policy for the traffic (its ACQUIRE starts IKE), and a
/// remote for `r` is not passive.
pub fn can_start(i: &Side, r: &Side) -> Result<(), Failure> {
    let rt = i.gw.runtime();
    if let Some(c) = &rt.racoon {
        return Err(not_ready(c, peer_place(r, i)));
    }
    let no_policy = spd_known(i.gw) && policies_to(i.gw, r.addr).is_empty();
    // A passive remote is the design (racoon.conf(5)); say that first.
    if select_remote(i.gw, r.addr, true).is_none() {
        if let Some((f, x)) = remotes(i.gw)
            .find(|(_, x)| x.passive && (x.address() == Some(r.addr) || x.is_anonymous()))
        {
            let at = x.passive_at.unwrap_or(x.header);
            let mut f = fail(
                Status::NeverInitiated,
                FailureKind::NeverInitiated,
                format!(
                    "{} only responds to {} (`passive on`)",
                    i.gw.name, r.gw.name
                ),
                std::iter::once((f, at, format!("{}'s remote is passive", i.gw.name)))
                    .chain(peer_place(r, i))
                    .collect(),
            );
            f.help = Some("remove `passive on` on the side that must start the tunnel".into());
            return Err(f);
        }
    }
    if no_policy {
        return Err(no_outbound_policy(i, r));
    }
    Ok(())
}

/// Does the pair float to NAT-T (UDP 4500, ESP in UDP)? Both remotes have
/// `nat_traversal`, and a NAT lies between them: one side has a private
/// address and the other a public one.
pub fn nat_t_used(i: &Side, r: &Side) -> bool {
    let (a, b) = (
        select_remote(i.gw, r.addr, false).map(|(_, x)| x),
        select_remote(r.gw, i.addr, false).map(|(_, x)| x),
    );
    let on = |x: Option<&Remote>| x.is_some_and(|r| r.nat_traversal);
    let force = |x: Option<&Remote>| x.is_some_and(|r| r.nat_traversal_force);
    // `force` makes racoon "detect" a NAT even where there is none.
    on(a) && on(b) && (nat_between(i.addr, r.addr) || force(a) || force(b))
}

/// Does a NAT sit between these addresses? One is private (RFC 1918 or
/// the carrier-grade 100.64/10), the other public.
pub fn nat_between(a: IpAddr, b: IpAddr) -> bool {
    let private = |a: IpAddr| match a {
        IpAddr::V4(v) => v.is_private() || v.octets()[0] == 100 && (v.octets()[1] & 0xc0) == 64,
        IpAddr::V6(_) => false,
    };
    private(a) != private(b)
}

/// Does `r`'s remote for `i` install the policies itself (`generate_policy`)?
pub fn generates_policy(r: &Side, i: &Side) -> bool {
    select_remote(r.gw, i.addr, false).is_some_and(|(_, rem)| rem.generate_policy)
}

/// `r` answers `i` without an outbound policy of its own (nor one racoon
/// generates): the SAs come up, but `r`'s replies leave unprotected and
/// never reach `i`'s network through the tunnel.
pub fn reply_unprotected(r: &Side, i: &Side) -> Failure {
    let f = no_outbound_policy(r, i);
    if f.kind == FailureKind::NotReady {
        return f;
    }
    Failure {
        status: Status::NoPolicy,
        kind: FailureKind::NotReady,
        message: format!(
            "{} has no outbound ipsec policy back to {}: the SAs come up, but its replies leave unprotected and the traffic does not flow",
            r.gw.name, i.gw.name
        ),
        ..f
    }
}

/// Is the gateway's SPD known? Not when only racoon's files were given (no
/// setkey file and no rc.conf): then nothing is concluded from its absence.
pub fn spd_known(g: &Gateway) -> bool {
    (g.setkey.is_some() || g.rc.present) && !route_based(g)
}

/// Route-based IPsec (if_ipsec(4), `cloned_interfaces="ipsec0"`): the
/// interface installs its own policies, which no setkey file shows.
fn route_based(g: &Gateway) -> bool {
    let ipsec_if = |w: &str| {
        w.strip_prefix("ipsec")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    g.rc.value("cloned_interfaces")
        .split_whitespace()
        .any(ipsec_if)
        || g.rc.vars().any(|v| {
            v.name
                .strip_prefix("create_args_")
                .or_else(|| v.name.strip_prefix("ifconfig_"))
                .is_some_and(ipsec_if)
        })
}

/// Why `i` has no outbound policy to `r` in its kernel.
fn no_outbound_policy(i: &Side, r: &Side) -> Failure {
    let rt = i.gw.runtime();
    let peer_policy = policies_written_to(r.gw, i.addr)
        .first()
        .map(|(f, _, s)| vec![(*f, *s, format!("{}'s policy for the tunnel", r.gw.name))])
        .unwrap_or_default();
    if let Some(c) = &rt.spd.down {
        return not_ready(c, peer_policy);
    }
    let written = policies_written_to(i.gw, r.addr);
    if let (Some((sf, stop)), Some((f, _, span))) = (rt.spd.stop, written.first()) {
        let mut at = vec![(
            sf,
            stop.span,
            format!("setkey stops here (line {})", stop.line),
        )];
        at.push((*f, *span, "never loaded".into()));
        at.extend(peer_policy);
        return fail(
            Status::NoPolicy,
            FailureKind::NotReady,
            format!("{}'s setkey stops at its error on line {}: the policy for the tunnel to {} after it is never loaded", i.gw.name, stop.line, r.gw.name),
            at,
        )
        .quietly();
    }
    if let Some((f, p, span)) = inbound_written_as_outbound(i.gw, i.addr, r.addr) {
        let mut at = vec![(f, span, "written `-P in`".to_string())];
        at.extend(peer_policy);
        return fail(
            Status::NoPolicy,
            FailureKind::NotReady,
            format!(
                "{}'s policy for {} → {} through its tunnel to {} is written `-P in`: the traffic it means leaves unprotected, and nothing starts IKE",
                i.gw.name,
                p.src.as_ref().map_or("?".into(), sel_text),
                p.dst.as_ref().map_or("?".into(), sel_text),
                r.gw.name
            ),
            at,
        )
        .with_help("write this policy `-P out` (and keep a `-P in` policy for the other direction)");
    }
    let at = remotes(i.gw)
        .find(|(_, x)| x.address() == Some(r.addr))
        .map(|(f, x)| {
            (
                f,
                x.header,
                format!("{}'s remote for {}", i.gw.name, r.gw.name),
            )
        })
        .or_else(|| {
            i.gw.setkey
                .as_ref()
                .map(|(f, _)| (*f, Span::new(0, 0), format!("{}'s SPD", i.gw.name)))
        });
    let mut at: Vec<_> = at.into_iter().collect();
    at.extend(peer_policy);
    if at.is_empty() {
        // Somewhere to point: the gateway's racoon.conf or rc.conf.
        at.extend(
            i.gw.racoon
                .first()
                .map(|p| p.file)
                .or_else(|| i.gw.rc_conf_file())
                .map(|f| (f, Span::new(0, 0), format!("{}'s configuration", i.gw.name))),
        );
    }
    fail(
        Status::NeverInitiated,
        FailureKind::NeverInitiated,
        format!(
            "{} has no outbound ipsec policy towards {}: its kernel never asks racoon to start the tunnel",
            i.gw.name, r.gw.name
        ),
        at,
    )
    .with_help("add a `spdadd ... -P out ipsec .../require;` policy for the traffic to the peer")
}

/// The sainfo racoon picks (`getsainfo`) for a pair of ids, under the phase-1
/// remote `rem`: its `remoteid` must be the remote's `ph1id`, and its `from`
/// id (if any) the peer's phase-1 identifier. `peer` is the other gateway's
/// address, for a `clientaddr` remote id.
fn find_sainfo<'a>(
    g: &'a Gateway,
    local: &Selector,
    remote: &Selector,
    upper: &str,
    peer: IpAddr,
    rem: &Remote,
    peer_id: Option<&(String, Option<String>)>,
) -> Option<(FileId, &'a Sainfo)> {
    use crate::model::racoon::id_matches;
    // File order decides among candidates (racoon sorts by priority, then order).
    let cands = g.lookup().sainfo_candidates(local.host.ip, remote.host.ip);
    let mut found: Vec<(FileId, &Sainfo)> = cands
        .into_iter()
        .map(|(p, i)| (g.racoon[p].file, &g.racoon[p].model.sainfos[i]))
        .filter(|(_, s)| {
            s.remoteid == rem.ph1id
                // On the initiator (no peer id) a `from` sainfo matches any peer.
                && s.from()
                    .as_ref()
                    .is_none_or(|f| peer_id.is_none_or(|p| same_identifier(f, p)))
                && id_matches(s.local(), local, upper, None)
                && s.remote()
                    .as_ref()
                    .is_none_or(|r| id_matches(r, remote, upper, Some(peer)))
        })
        .collect();
    // A sainfo with both ids given beats one with anonymous ids; `remoteid`
    // and `from` weigh more (3 each).
    found.sort_by_key(|(_, s)| {
        std::cmp::Reverse(
            3 * (s.remoteid != 0) as u8
                + 3 * s.from().is_some() as u8
                + !s.local().is_anonymous() as u8
                + s.remote().is_some_and(|r| !r.is_anonymous()) as u8,
        )
    });
    found.into_iter().next()
}

/// `g` has no sainfo for the ids (local, remote, upper): name a sainfo with
/// the ids reversed (copied from the peer) when there is one, else the
/// first sainfo, else racoon.conf.
fn missing_sainfo(
    g: &Side,
    (local, remote, upper): (&Selector, &Selector, &str),
    peer: IpAddr,
    rem: &Remote,
    peer_id: Option<&(String, Option<String>)>,
    other: Vec<(FileId, Span, String)>,
    message: String,
) -> Failure {
    let want = format!(
        "sainfo address {} {upper} address {} {upper}",
        sel_text(local),
        sel_text(remote)
    );
    if let Some((f, sa)) = find_sainfo(g.gw, remote, local, upper, peer, rem, peer_id) {
        return fail(
            Status::Phase2Failed,
            FailureKind::NoSainfo,
            format!("{message}: this sainfo has the ids reversed (local and remote swapped, as on the peer)"),
            std::iter::once((f, sa.header(), format!("{}'s sainfo, ids reversed", g.gw.name)))
                .chain(other)
                .collect(),
        )
        .with_help(format!("swap the ids: `{want}`"));
    }
    let place = remotes(g.gw)
        .next()
        .and_then(|_| {
            g.gw.racoon.iter().find_map(|p| {
                p.model
                    .sainfos
                    .first()
                    .map(|s| (p.file, s.header(), format!("{}'s sainfo", g.gw.name)))
            })
        })
        .or_else(|| {
            g.gw.racoon.first().map(|p| {
                (
                    p.file,
                    Span::new(0, 0),
                    format!("{}'s racoon.conf", g.gw.name),
                )
            })
        });
    let at = place.into_iter().chain(other).collect();
    fail(Status::Phase2Failed, FailureKind::NoSainfo, message, at)
        .with_help(format!("add `{want} {{ ... }}` on {}", g.gw.name))
}

fn p2_lifetime(s: &Sainfo) -> u64 {
    s.lifetime.as_ref().map_or(DEFAULT_LIFETIME, |l| l.value)
}

/// Phase 2 for every policy `i` has towards `r` (racoon-semantics §3–4).
pub fn phase2(i: &Side, r: &Side, irem: &Remote, rrem: &Remote) -> Result<(), Failure> {
    let i_ident = my_id(irem, i.addr);
    for (pf, p, pspan) in policies_to(i.gw, r.addr) {
        let (Some(src), Some(dst), Some(upper)) = (&p.src, &p.dst, &p.upper) else {
            continue;
        };
        i.note(Some((pf, pspan)), || {
            format!(
                "phase 2 for {} → {} {} (from this policy)",
                sel_text(src),
                sel_text(dst),
                upper.value
            )
        });
        // The initiator without a sainfo for its own policy sends nothing.
        let Some((_, isa)) = find_sainfo(i.gw, src, dst, &upper.value, r.addr, irem, None) else {
            let ids = format!("{} → {} {}", sel_text(src), sel_text(dst), upper.value);
            return Err(missing_sainfo(
                i,
                (src, dst, &upper.value),
                r.addr,
                irem,
                None,
                std::iter::once((pf, pspan, format!("{}'s policy for {ids}", i.gw.name)))
                    .chain(peer_place(r, i))
                    .collect(),
                format!("{} has no sainfo for its own policy {ids}: racoon never sends phase 2 (racoon: failed to get sainfo)", i.gw.name),
            ));
        };
        let Some((rsf, rsa)) =
            find_sainfo(r.gw, dst, src, &upper.value, i.addr, rrem, Some(&i_ident))
        else {
            return Err(missing_sainfo(
                r,
                (dst, src, &upper.value),
                i.addr,
                rrem,
                Some(&i_ident),
                vec![(pf, pspan, format!("{} proposes these ids", i.gw.name))],
                format!("{} has no sainfo whose ids equal {} → {} {} (racoon compares ids exactly; racoon: failed to get sainfo)", r.gw.name, sel_text(dst), sel_text(src), upper.value),
            ));
        };
        // The responder needs the inbound policy, unless it generates policies.
        if !rrem.generate_policy {
            let has_in = !inbound_policies(r.gw, src.net(), dst.net()).is_empty();
            if !has_in {
                let theirs = (pf, pspan, format!("{}'s outbound policy", i.gw.name));
                if let Some(c) = &r.gw.runtime().spd.down {
                    return Err(not_ready(c, vec![theirs]));
                }
                // Next to the responder's own policy for the tunnel, else its SPD.
                let place = policies_written_to(r.gw, i.addr)
                    .first()
                    .map(|(f, _, s)| {
                        (
                            *f,
                            *s,
                            format!(
                                "{}'s outbound policy; the inbound one goes beside it",
                                r.gw.name
                            ),
                        )
                    })
                    .or_else(|| {
                        r.gw.setkey
                            .as_ref()
                            .map(|s| (s.0, Span::new(0, 0), format!("{}'s SPD", r.gw.name)))
                    });
                let at = place.into_iter().chain([theirs]).collect();
                return Err(fail(Status::Phase2Failed, FailureKind::NoInboundPolicy, format!("{} has no `-P in` policy for {} → {} and no generate_policy (racoon: no policy found)", r.gw.name, sel_text(src), sel_text(dst)), at)
                    .with_help(format!("add `spdadd {} {} any -P in ipsec ...;` on {}", sel_text(src), sel_text(dst), r.gw.name)));
            }
        }
        r.note(Some((rsf, rsa.header())), || {
            "takes this sainfo for the ids".into()
        });
        // Algorithms must intersect for the protocols the policy uses (racoon
        // builds its proposals from the kernel policy: esp ⇒ encryption ×
        // authentication, ah ⇒ authentication); key lengths, PFS and lifetime
        // per the responder's proposal_check.
        let check = rrem.proposal_check;
        let uses = |proto: &str| p.policy.rules.iter().any(|x| x.protocol.value == proto);
        let (esp, ah) = (uses("esp"), uses("ah"));
        let enc_ok = !esp || any_common(isa.encryption(), rsa.encryption(), check);
        let auth_ok = !(esp || ah) || any_common(isa.authentication(), rsa.authentication(), check);
        let ipfs = isa.pfs_group.as_ref().map(|g| g.value);
        let rpfs = rsa.pfs_group.as_ref().map(|g| g.value);
        let pfs_ok = match check {
            ProposalCheck::Obey => true,
            ProposalCheck::Exact => ipfs == rpfs,
            _ => rpfs.is_none() || ipfs == rpfs,
        };
        let life_ok = match check {
            ProposalCheck::Obey | ProposalCheck::Claim => true,
            ProposalCheck::Strict => p2_lifetime(isa) <= p2_lifetime(rsa),
            ProposalCheck::Exact => p2_lifetime(isa) == p2_lifetime(rsa),
        };
        if !(enc_ok && auth_ok && pfs_ok && life_ok) {
            let what = if !enc_ok {
                "no common encryption algorithm"
            } else if !auth_ok {
                "no common authentication algorithm"
            } else if !pfs_ok {
                "the PFS groups differ"
            } else {
                "the initiator's lifetime is longer than the responder allows"
            };
            let span_of = |s: &Sainfo| {
                if !enc_ok {
                    s.encryption().next().map(|a| a.span)
                } else if !auth_ok {
                    s.authentication().next().map(|a| a.span)
                } else if !pfs_ok {
                    s.pfs_group.as_ref().map(|g| g.span)
                } else {
                    s.lifetime.as_ref().map(|l| l.span)
                }
            };
            let ifile =
                i.gw.racoon
                    .iter()
                    .find(|x| x.model.sainfos.iter().any(|s| std::ptr::eq(s, isa)))
                    .map_or(pf, |x| x.file);
            let at = vec![
                (
                    rsf,
                    span_of(rsa).unwrap_or(rsa.header()),
                    format!("{} accepts this", r.gw.name),
                ),
                (
                    ifile,
                    span_of(isa).unwrap_or(isa.header()),
                    format!("{} proposes this", i.gw.name),
                ),
            ];
            return Err(fail(
                Status::Phase2Failed,
                FailureKind::Phase2Proposal,
                format!(
                    "phase 2 from {} to {} fails: {what} (racoon: no suitable policy found)",
                    i.gw.name, r.gw.name
                ),
                at,
            ));
        }
        r.note(Some((rsf, rsa.header())), || {
            format!(
                "accepts the transforms, PFS ({}) and lifetime under proposal_check {}",
                match rpfs {
                    Some(DhGroup::Modp(g)) => format!("group {g}"),
                    Some(DhGroup::Invalid(_)) => "invalid".to_string(),
                    None => "none required".to_string(),
                },
                check_name(check)
            )
        });
    }
    Ok(())
}

/// Does any of the initiator's transforms match one of the responder's?
fn any_common<'a>(
    mut mine: impl Iterator<Item = &'a crate::model::racoon::AlgRef>,
    theirs: impl Iterator<Item = &'a crate::model::racoon::AlgRef> + Clone,
    check: ProposalCheck,
) -> bool {
    mine.any(|a| theirs.clone().any(|b| same_transform(a, b, check)))
}

/// `cmpsatrns`: the same transform, and a key length the responder's
/// proposal_check allows (`peer` is the initiator's, `mine` the responder's).
/// An omitted length is 128 for a cipher that takes one.
fn same_transform(
    peer: &crate::model::racoon::AlgRef,
    mine: &crate::model::racoon::AlgRef,
    check: ProposalCheck,
) -> bool {
    let len = |a: &crate::model::racoon::AlgRef| {
        a.keylen.as_ref().map(|k| k.value).unwrap_or(
            if crate::model::algorithms::keylen_rule(&a.name).is_some() {
                128
            } else {
                0
            },
        )
    };
    canonical(&peer.name) == canonical(&mine.name)
        && match check {
            ProposalCheck::Obey => true,
            ProposalCheck::Strict | ProposalCheck::Claim => len(peer) >= len(mine),
            ProposalCheck::Exact => len(peer) == len(mine),
        }
}

fn sel_text(s: &Selector) -> String {
    match &s.prefix {
        Some(p) => format!("{}/{}", s.host.text.value, p.value),
        None => s.host.text.value.clone(),
    }
}

fn mode_name(m: ExchangeMode) -> &'static str {
    match m {
        ExchangeMode::Main => "main",
        ExchangeMode::Aggressive => "aggressive",
        ExchangeMode::Base => "base",
    }
}

fn check_name(c: ProposalCheck) -> &'static str {
    match c {
        ProposalCheck::Obey => "obey",
        ProposalCheck::Strict => "strict",
        ProposalCheck::Claim => "claim",
        ProposalCheck::Exact => "exact",
    }
}

#[cfg(test)]
mod tests {
    use super::{base_auth_method, key_bytes};

    #[test]
    fn server_variants_match_their_client_variant_only() {
        assert_eq!(base_auth_method("xauth_psk_server"), "xauth_psk_client");
        assert_eq!(base_auth_method("xauth_psk_client"), "xauth_psk_client");
        assert_ne!(base_auth_method("xauth_psk_client"), "pre_shared_key");
        assert_eq!(base_auth_method("hybrid_dss_server"), "hybrid_dss_client");
        assert_eq!(base_auth_method("rsasig"), "rsasig");
    }

    #[test]
    fn identifiers_compare_by_type_and_addresses_as_addresses() {
        let text = "remote anonymous {\n\tpeers_identifier address 2001:DB8::1;\n\tproposal { encryption_algorithm aes; hash_algorithm sha1; authentication_method pre_shared_key; dh_group 2; }\n}\n";
        let parsed = crate::syntax::racoon::parse(crate::source::FileId(0), text);
        let model = crate::model::racoon::build(&parsed.conf);
        let s = &model.remotes[0].peers_identifiers[0];
        let sent = |k: &str, v: &str| (k.to_string(), Some(v.to_string()));
        assert!(super::same_identifier(s, &sent("address", "2001:db8::1")));
        assert!(!super::same_identifier(s, &sent("fqdn", "2001:db8::1")));
        assert!(!super::same_identifier(s, &sent("address", "2001:db8::2")));
    }

    #[test]
    fn hex_keys_are_decoded() {
        assert_eq!(key_bytes("0x6b6579"), b"key");
        assert_eq!(key_bytes("0xAB"), key_bytes("0xab"));
        // Only a lower-case `0x` prefix marks hex; odd digits are text.
        assert_eq!(key_bytes("0X6b"), b"0X6b");
        assert_eq!(key_bytes("0x6b6"), b"0x6b6");
    }
}
