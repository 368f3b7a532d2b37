//! What a racoon.conf means: remotes with resolved inheritance and defaults,
//! phase-1 proposals, sainfos, paths.

use crate::model::algorithms::{self, DhGroup};
use crate::source::Span;
use crate::syntax::racoon::{
    self as ast, RacoonConf, RemoteTarget, SainfoId, Setting, TopItem, Value,
};
use crate::syntax::setkey::Selector;
use crate::syntax::Spanned;
use std::net::IpAddr;
use std::sync::Arc;

/// racoon's default phase-1 and phase-2 lifetime (8 hours).
pub const DEFAULT_LIFETIME: u64 = 28_800;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeMode {
    Main,
    Aggressive,
    Base,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProposalCheck {
    Obey,
    #[default]
    Strict,
    Claim,
    Exact,
}

/// Which peers a remote applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteSelector {
    Anonymous,
    Address(IpAddr),
    /// A named remote (0.8 style); its address comes from `remote_address`.
    Name(String),
}

/// An algorithm as written: name, optional key length, spans.
pub type AlgRef = ast::Algorithm;

/// One `proposal { }` of a remote (one ISAKMP transform).
#[derive(Clone, Debug)]
pub struct Phase1Proposal {
    pub span: Span,
    pub keyword: Span,
    pub close: Option<Span>,
    pub encryption: Option<AlgRef>,
    pub hash: Option<AlgRef>,
    pub auth_method: Option<Spanned<ast::Word>>,
    pub dh_group: Option<Spanned<DhGroup>>,
    pub lifetime: Option<Spanned<u64>>,
    pub gss_id: Option<Span>,
}

/// A `remote` block with inheritance resolved.
#[derive(Clone, Debug)]
pub struct Remote {
    pub span: Span,
    pub header: Span,
    pub selector: RemoteSelector,
    pub selector_span: Span,
    /// The parent as written, and the index of the remote it resolved to.
    /// Boxed, like the rarely written statements below: a hub has thousands
    /// of remotes without them.
    pub inherit: Option<Box<(RemoteTarget, Option<usize>)>>,
    pub remote_address: Option<Spanned<IpAddr>>,
    pub exchange_modes: Vec<Spanned<ExchangeMode>>,
    pub proposals: Vec<Phase1Proposal>,
    pub lifetime: Option<Spanned<u64>>,
    pub proposal_check: ProposalCheck,
    pub passive: bool,
    pub generate_policy: bool,
    pub nat_traversal: bool,
    /// `nat_traversal force`: a NAT is always "detected".
    pub nat_traversal_force: bool,
    pub verify_identifier: bool,
    pub my_identifier: Option<Box<Setting>>,
    pub peers_identifiers: Vec<Setting>,
    pub certificate_type: Option<Span>,
    pub ph1id: u64,
    /// This block's own `passive` statement (not inherited), the place to
    /// change when the remote never initiates. Checks that point at other
    /// statements of the block read them from the tree.
    pub passive_at: Option<Span>,
}

impl Remote {
    /// The peer address this remote is for, if any.
    pub fn address(&self) -> Option<IpAddr> {
        match &self.selector {
            RemoteSelector::Address(a) => Some(*a),
            _ => self.remote_address.as_ref().map(|a| a.value),
        }
    }
    pub fn is_anonymous(&self) -> bool {
        self.address().is_none()
    }
    pub fn aggressive(&self) -> bool {
        self.exchange_modes
            .iter()
            .any(|m| m.value == ExchangeMode::Aggressive)
    }
}

/// A `sainfo` block: the block as written, and what racoon makes of it.
#[derive(Clone, Debug)]
pub struct Sainfo {
    /// Shared with the tree, not copied: a hub has thousands.
    pub ast: Arc<ast::Sainfo>,
    /// Which of the block's statements gives each algorithm list (the last
    /// one written wins): the lists are read from the tree, not copied.
    lists: [Option<u16>; 3],
    pub pfs_group: Option<Spanned<DhGroup>>,
    pub lifetime: Option<Spanned<u64>>,
    pub remoteid: u64,
}

impl Sainfo {
    pub fn span(&self) -> Span {
        self.ast.span
    }
    pub fn header(&self) -> Span {
        self.ast.header
    }
    pub fn close(&self) -> Option<Span> {
        self.ast.close
    }
    pub fn local(&self) -> &SainfoId {
        &self.ast.local
    }
    /// `None` for the single-word `sainfo anonymous`.
    pub fn remote(&self) -> Option<&SainfoId> {
        self.ast.remote.as_ref()
    }
    /// `from ID`: which peer identity the sainfo is for.
    pub fn from(&self) -> Option<&Setting> {
        self.ast.from.as_deref()
    }
    pub fn is_anonymous(&self) -> bool {
        self.local().is_anonymous() && self.remote().is_none_or(|r| r.is_anonymous())
    }
    pub fn encryption(&self) -> impl Iterator<Item = &AlgRef> + Clone {
        self.algorithms(ENCRYPTION)
    }
    pub fn authentication(&self) -> impl Iterator<Item = &AlgRef> + Clone {
        self.algorithms(AUTHENTICATION)
    }
    pub fn compression(&self) -> impl Iterator<Item = &AlgRef> + Clone {
        self.algorithms(COMPRESSION)
    }
    fn algorithms(&self, list: usize) -> impl Iterator<Item = &AlgRef> + Clone {
        self.lists[list]
            .and_then(|i| self.ast.settings.get(usize::from(i)))
            .into_iter()
            .flat_map(|s| s.values.iter())
            .filter_map(|v| match v {
                Value::Algorithm(a) => Some(a),
                _ => None,
            })
    }
}

const ENCRYPTION: usize = 0;
const AUTHENTICATION: usize = 1;
const COMPRESSION: usize = 2;

/// The meaning of one racoon.conf.
#[derive(Clone, Debug, Default)]
pub struct RacoonModel {
    pub remotes: Vec<Remote>,
    pub sainfos: Vec<Sainfo>,
    pub psk_path: Option<Spanned<String>>,
    pub log_level: Option<Spanned<ast::Word>>,
    pub includes: Vec<Spanned<String>>,
    pub listen: Vec<Spanned<IpAddr>>,
}

pub fn build(conf: &RacoonConf) -> RacoonModel {
    let mut m = RacoonModel::default();
    // Sized up front: doubling would leave up to half of a large file's
    // remotes unused.
    let count = |f: fn(&TopItem) -> bool| conf.items.iter().filter(|i| f(i)).count();
    m.remotes
        .reserve_exact(count(|i| matches!(i, TopItem::Remote(_))));
    m.sainfos
        .reserve_exact(count(|i| matches!(i, TopItem::Sainfo(_))));
    for item in &conf.items {
        match item {
            TopItem::Setting(s)
                if s.is("path") && s.word(0).is_some_and(|w| w.value == "pre_shared_key") =>
            {
                m.psk_path = s.first_quoted().cloned();
            }
            TopItem::Setting(s) if s.is("log") => m.log_level = s.word(0).cloned(),
            TopItem::Setting(s) if s.is("include") => m.includes.extend(s.first_quoted().cloned()),
            TopItem::Block(b) if b.keyword.value == "listen" => {
                for s in &b.settings {
                    if s.is("isakmp") || s.is("isakmp_natt") {
                        for v in &s.values {
                            if let Value::Address(a) = v {
                                if let Some(ip) = a.ip {
                                    m.listen.push(Spanned::new(ip, a.span));
                                }
                            }
                        }
                    }
                }
            }
            TopItem::Remote(r) => {
                let built = remote(r, &m.remotes);
                m.remotes.push(built);
            }
            TopItem::Sainfo(s) => m.sainfos.push(sainfo(s)),
            _ => {}
        }
    }
    m
}

fn target_selector(t: &RemoteTarget) -> (RemoteSelector, Span) {
    match t {
        RemoteTarget::Anonymous { span, .. } => (RemoteSelector::Anonymous, *span),
        RemoteTarget::Name(n) => (RemoteSelector::Name(n.value.clone()), n.span),
        RemoteTarget::Address { address, .. } => match address.ip {
            Some(ip) => (RemoteSelector::Address(ip), address.span),
            None => (RemoteSelector::Anonymous, address.span),
        },
    }
}

/// The earlier remote a parent reference resolves to (racoon looks only at
/// remotes defined before, and never at anonymous ones for address parents).
pub fn find_parent(parent: &RemoteTarget, earlier: &[Remote]) -> Option<usize> {
    match parent {
        RemoteTarget::Name(n) => earlier
            .iter()
            .position(|r| r.selector == RemoteSelector::Name(n.value.clone())),
        RemoteTarget::Address { address, .. } => {
            let ip = address.ip?;
            earlier.iter().position(|r| r.address() == Some(ip))
        }
        RemoteTarget::Anonymous { .. } => None,
    }
}

fn remote(r: &ast::Remote, earlier: &[Remote]) -> Remote {
    let (selector, selector_span) = target_selector(&r.target);
    let parent_idx = r.parent.as_ref().and_then(|p| find_parent(p, earlier));
    let mut out = match parent_idx {
        Some(i) => {
            let mut p = earlier[i].clone();
            p.passive_at = None;
            p
        }
        None => Remote {
            span: r.span,
            header: r.header,
            selector: selector.clone(),
            selector_span,
            inherit: None,
            remote_address: None,
            exchange_modes: Vec::new(),
            proposals: Vec::new(),
            lifetime: None,
            proposal_check: ProposalCheck::default(),
            passive: false,
            generate_policy: false,
            nat_traversal: false,
            nat_traversal_force: false,
            verify_identifier: false,
            my_identifier: None,
            peers_identifiers: Vec::new(),
            certificate_type: None,
            ph1id: 0,
            passive_at: None,
        },
    };
    out.span = r.span;
    out.header = r.header;
    out.selector = selector;
    out.selector_span = selector_span;
    out.inherit = r.parent.clone().map(|p| Box::new((p, parent_idx)));
    let Some(body) = &r.body else { return out };
    if !body.proposals.is_empty() {
        out.proposals = body.proposals.iter().map(proposal).collect();
    }
    let mut own_peers = Vec::new();
    for s in &body.settings {
        let word = s.word(0).map(|w| &*w.value);
        let on = matches!(word, Some("on" | "require" | "unique" | "force"));
        match &*s.keyword.value {
            "remote_address" => {
                out.remote_address = s.values.iter().find_map(|v| match v {
                    Value::Address(a) => a.ip.map(|ip| Spanned::new(ip, a.span)),
                    _ => None,
                })
            }
            "exchange_mode" => {
                out.exchange_modes = s
                    .values
                    .iter()
                    .filter_map(|v| match v {
                        Value::Word(w) => Some(Spanned::new(
                            match &*w.value {
                                "main" => ExchangeMode::Main,
                                "aggressive" => ExchangeMode::Aggressive,
                                _ => ExchangeMode::Base,
                            },
                            w.span,
                        )),
                        _ => None,
                    })
                    .collect()
            }
            "lifetime" => {
                if let Some(Value::Time(t)) = s.values.get(1) {
                    out.lifetime = Some(t.clone());
                }
            }
            "proposal_check" => {
                out.proposal_check = match word {
                    Some("obey") => ProposalCheck::Obey,
                    Some("claim") => ProposalCheck::Claim,
                    Some("exact") => ProposalCheck::Exact,
                    _ => ProposalCheck::Strict,
                }
            }
            "passive" => {
                out.passive = on;
                out.passive_at = Some(s.span);
            }
            "generate_policy" => out.generate_policy = on,
            "nat_traversal" => {
                out.nat_traversal = on || s.word(0).is_some_and(|w| w.value == "force");
                out.nat_traversal_force = s.word(0).is_some_and(|w| w.value == "force");
            }
            "verify_identifier" => out.verify_identifier = on,
            "my_identifier" => out.my_identifier = Some(Box::new(s.clone())),
            "peers_identifier" => own_peers.push(s.clone()),
            "certificate_type" => out.certificate_type = Some(s.span),
            "ph1id" => out.ph1id = s.first_number().map_or(0, |n| n.value),
            _ => {}
        }
    }
    if !own_peers.is_empty() {
        out.peers_identifiers = own_peers;
    }
    out
}

fn dh_of(s: &Setting) -> Option<Spanned<DhGroup>> {
    let v = s.values.first()?;
    let g = match v {
        Value::Word(w) => algorithms::dh_group(Some(&w.value), None),
        Value::Number(n) => algorithms::dh_group(None, Some(n.value)),
        _ => return None,
    };
    Some(Spanned::new(g, v.span()))
}

fn time_of(s: &Setting) -> Option<Spanned<u64>> {
    match s.values.get(1) {
        Some(Value::Time(t)) => Some(t.clone()),
        _ => None,
    }
}

fn proposal(b: &ast::Block) -> Phase1Proposal {
    let mut p = Phase1Proposal {
        span: b.span,
        keyword: b.keyword.span,
        close: b.close,
        encryption: None,
        hash: None,
        auth_method: None,
        dh_group: None,
        lifetime: None,
        gss_id: None,
    };
    for s in &b.settings {
        let alg = s.values.iter().find_map(|v| match v {
            Value::Algorithm(a) => Some(a.clone()),
            _ => None,
        });
        match &*s.keyword.value {
            "encryption_algorithm" => p.encryption = alg,
            "hash_algorithm" => p.hash = alg,
            "authentication_method" => p.auth_method = s.word(0).cloned(),
            "dh_group" => p.dh_group = dh_of(s),
            "lifetime" => p.lifetime = time_of(s),
            "gss_id" | "gssapi_id" => p.gss_id = Some(s.span),
            _ => {}
        }
    }
    p
}

fn sainfo(s: &Arc<ast::Sainfo>) -> Sainfo {
    let mut out = Sainfo {
        ast: Arc::clone(s),
        lists: [None; 3],
        pfs_group: None,
        lifetime: None,
        remoteid: 0,
    };
    for (i, st) in s.settings.iter().enumerate() {
        let at = u16::try_from(i).ok();
        match &*st.keyword.value {
            "encryption_algorithm" => out.lists[ENCRYPTION] = at,
            "authentication_algorithm" => out.lists[AUTHENTICATION] = at,
            "compression_algorithm" => out.lists[COMPRESSION] = at,
            "pfs_group" => out.pfs_group = dh_of(st),
            "lifetime" => out.lifetime = time_of(st),
            "remoteid" => out.remoteid = st.first_number().map_or(0, |n| n.value),
            _ => {}
        }
    }
    out
}

/// racoon's ID encoding of an upper-layer protocol (0 = any).
fn proto_number(p: &str) -> Option<u32> {
    Some(match p {
        "any" => 0,
        "icmp" => 1,
        "tcp" => 6,
        "udp" => 17,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "icmp6" | "ipv6-icmp" => 58,
        "ipcomp" => 108,
        "ipencap" | "ip4" | "ipip" => 4,
        n => n.parse().ok()?,
    })
}

fn port_number(p: Option<&str>) -> Option<u32> {
    match p {
        None | Some("any") => Some(0),
        Some(n) => n.parse().ok(),
    }
}

/// Does a sainfo id equal a policy selector as racoon compares them?
/// Type, address bytes, prefix, port and protocol must all be identical.
/// `clientaddr` (a remote id) matches the peer's own address, `peer`.
pub fn id_matches(id: &SainfoId, sel: &Selector, upper: &str, peer: Option<IpAddr>) -> bool {
    match id {
        SainfoId::Anonymous(_) => true,
        SainfoId::ClientAddr(_) => peer.is_some_and(|p| {
            let full = if p.is_ipv4() { 32 } else { 128 };
            sel.host.ip == Some(p) && sel.prefix_len() == Some(full)
        }),
        SainfoId::Address {
            address,
            port,
            proto,
            ..
        } => {
            let Some(ip) = address.ip else { return false };
            let full = if ip.is_ipv4() { 32 } else { 128 };
            let id_prefix = address.prefix.as_ref().map_or(full, |p| p.value);
            let id_port = port
                .as_ref()
                .map_or(Some(0), |p| p.value.map(u32::from).or(Some(0)));
            sel.host.ip == Some(ip)
                && sel.prefix_len() == Some(id_prefix)
                && address.range_end.is_none()
                && port_number(sel.port()) == id_port
                && proto_number(upper) == proto_number(&proto.value)
        }
        _ => false,
    }
}
