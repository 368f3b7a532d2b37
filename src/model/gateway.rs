//! One gateway: every configuration file it has, read the way FreeBSD reads
//! them, and what they mean together.

use crate::discovery::{Layout, Modes, Resolved};
use crate::model::racoon::RacoonModel;
use crate::model::rcconf::{parse_ifconfig, IfAddress, RcConfig, RcOrigin};
use crate::model::Target;
use crate::source::{FileId, Span};
use crate::syntax::psk::PskFile;
use crate::syntax::racoon::RacoonConf;
use crate::syntax::setkey::SetkeyFile;
use std::net::IpAddr;
use std::path::PathBuf;

/// racoon.conf where the FreeBSD port installs it (and its rc script requires it).
pub const RACOON_CONF: &str = "/usr/local/etc/racoon/racoon.conf";
/// Where Linux distributions' ipsec-tools keep it; FreeBSD's racoon never reads it.
pub const LINUX_RACOON_CONF: &str = "/etc/racoon/racoon.conf";

/// What a file is to the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    RcConf,
    Racoon,
    /// The port's racoon.conf, which the rc script requires (required_files)
    /// even when racoon_flags names another file.
    RacoonRcRequired,
    RacoonInclude,
    Psk,
    Setkey,
    Certificate,
    FirewallScript,
    IpfwRules,
    IpfRules,
    IpnatRules,
    Sysctl,
    Loader,
    FreebsdVersion,
    /// `.mtree` or `etc/.etckeeper`.
    ModeFile,
    /// A racoon.conf where Linux keeps it (`/etc/racoon`), which FreeBSD's
    /// racoon never reads.
    LinuxRacoon,
}

impl Role {
    pub fn describe(self) -> &'static str {
        match self {
            Role::RcConf => "rc.conf",
            Role::Racoon => "racoon.conf",
            Role::RacoonRcRequired => "racoon.conf the rc script requires",
            Role::RacoonInclude => "racoon include",
            Role::Psk => "pre-shared key file",
            Role::Setkey => "setkey file (ipsec_file)",
            Role::Certificate => "certificate",
            Role::FirewallScript => "firewall script",
            Role::IpfwRules => "ipfw rules file",
            Role::IpfRules => "ipfilter rules file",
            Role::IpnatRules => "ipnat rules file",
            Role::Sysctl => "sysctl.conf",
            Role::Loader => "loader.conf",
            Role::FreebsdVersion => "freebsd-version",
            Role::ModeFile => "file modes (.mtree, etc/.etckeeper)",
            Role::LinuxRacoon => "racoon.conf in the Linux layout",
        }
    }
}

/// Where a configuration names a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mention {
    pub file: FileId,
    pub span: Span,
}

impl From<RcOrigin> for Mention {
    fn from(o: RcOrigin) -> Self {
        Mention {
            file: o.file,
            span: o.value_span,
        }
    }
}

/// A file the gateway uses: where it is configured, where it was looked for,
/// and (when read) its id.
#[derive(Clone, Debug)]
pub struct FileRef {
    pub role: Role,
    /// The path as configured on the gateway (`/etc/ipsec.conf`).
    pub configured: String,
    /// The statement that names it, `None` for a built-in default.
    pub mention: Option<Mention>,
    pub resolved: Resolved,
    pub file: Option<FileId>,
    /// Owner and mode, when known (.mtree, etc/.etckeeper, --live).
    pub mode: Option<crate::source::FileMode>,
}

/// A racoon.conf (or included file) with its meaning.
#[derive(Clone, Debug)]
pub struct RacoonPart {
    pub file: FileId,
    pub conf: RacoonConf,
    pub model: RacoonModel,
    /// The first statement racoon's configuration checks refuse (IPS20xx
    /// errors: a proposal without its DH group, an algorithm the kernel
    /// lacks): racoon does not start, as with a syntax error.
    pub refused: Option<crate::syntax::Rejected>,
}

/// A gif tunnel: `gifconfig_gif0="SRC DST"` or `create_args_gif0="tunnel SRC DST"`.
#[derive(Clone, Debug)]
pub struct Gif {
    pub interface: String,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub origin: RcOrigin,
}

/// How the target release was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetSource {
    CommandLine,
    /// `ipseclint.toml`.
    Config,
    FreebsdVersion(FileId),
    Default,
}

/// Why a gateway refers to another address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerKind {
    Remote,
    SpdTunnel,
    Gif,
    Psk,
}

/// An address this gateway refers to as a peer, and where.
#[derive(Clone, Debug)]
pub struct PeerRef {
    pub address: IpAddr,
    pub kind: PeerKind,
    pub file: FileId,
    pub span: Span,
}

/// Which packet filter the gateway starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firewall {
    Ipfw,
    Ipfilter,
}

#[derive(Clone, Debug)]
pub struct Gateway {
    pub name: String,
    pub root: PathBuf,
    pub layout: Layout,
    pub rc: RcConfig,
    pub racoon: Vec<RacoonPart>,
    pub psk: Option<(FileId, PskFile)>,
    pub setkey: Option<(FileId, SetkeyFile)>,
    pub files: Vec<FileRef>,
    pub target: Target,
    pub target_source: TargetSource,
    pub modes: Modes,
    /// etc/sysctl.conf settings.
    pub sysctl: RcConfig,
    /// boot/loader.conf settings.
    pub loader: RcConfig,
    /// Lookup tables for the cross-peer checks, built on first use.
    pub lookup: std::sync::OnceLock<Lookup>,
    /// What the gateway does once booted, derived on first use.
    pub runtime: std::sync::OnceLock<crate::model::runtime::Runtime>,
}

/// (index of the racoon part in `Gateway::racoon`, index of the block in it).
pub type BlockIndex = (usize, usize);

/// Where to find a gateway's remotes, keys, policies and sainfos by the
/// values the negotiation looks them up with, so that checking a pair costs
/// the same however many peers a gateway has. Entries are indexes, in file
/// order.
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    /// (racoon part, remote) by the remote's address.
    pub remotes_by_addr: std::collections::HashMap<IpAddr, Vec<BlockIndex>>,
    /// Remotes without an address (anonymous).
    pub anon_remotes: Vec<BlockIndex>,
    /// First psk.txt entry per identifier, and the first `*` entry.
    pub psk_first: std::collections::HashMap<String, usize>,
    pub psk_wild: Option<usize>,
    /// setkey command indexes of outbound ipsec policies by the peer they send to.
    pub out_by_peer: std::collections::HashMap<IpAddr, Vec<usize>>,
    /// setkey command indexes of inbound policies by (source, destination) network.
    pub in_by_nets:
        std::collections::HashMap<(Option<ipnet::IpNet>, Option<ipnet::IpNet>), Vec<usize>>,
    /// (racoon part, sainfo) by the addresses of the sainfo's local and remote
    /// ids (`None`: the remote id is not an address); sainfos whose local id is
    /// not an address apart.
    sainfo_by_ids: std::collections::HashMap<(IpAddr, Option<IpAddr>), Vec<BlockIndex>>,
    sainfo_other: Vec<BlockIndex>,
    /// Sources of manual (`add`) SAs by their destination.
    pub manual_sa_by_dst: std::collections::HashMap<IpAddr, Vec<Option<IpAddr>>>,
}

/// The address of a sainfo id that names one.
fn sainfo_id_ip(id: &crate::syntax::racoon::SainfoId) -> Option<IpAddr> {
    match id {
        crate::syntax::racoon::SainfoId::Address { address, .. } => address.ip,
        _ => None,
    }
}

impl Lookup {
    /// The sainfos that may have ids equal to these selector addresses, in
    /// file order (racoon takes the first equal one); the caller compares
    /// the ids exactly.
    pub fn sainfo_candidates(
        &self,
        local: Option<IpAddr>,
        remote: Option<IpAddr>,
    ) -> Vec<BlockIndex> {
        let mut cands: Vec<BlockIndex> = self.sainfo_other.clone();
        if let Some(l) = local {
            cands.extend(self.sainfo_by_ids.get(&(l, remote)).into_iter().flatten());
            if remote.is_some() {
                cands.extend(self.sainfo_by_ids.get(&(l, None)).into_iter().flatten());
            }
        }
        cands.sort_unstable();
        cands.dedup();
        cands
    }

    fn build(g: &Gateway) -> Lookup {
        use crate::syntax::setkey::{CommandKind, Direction};
        let mut l = Lookup::default();
        for (pi, part) in g.racoon.iter().enumerate() {
            for (ri, r) in part.model.remotes.iter().enumerate() {
                match r.address() {
                    Some(a) => l.remotes_by_addr.entry(a).or_default().push((pi, ri)),
                    None => l.anon_remotes.push((pi, ri)),
                }
            }
            for (si, s) in part.model.sainfos.iter().enumerate() {
                match sainfo_id_ip(s.local()) {
                    Some(ip) => {
                        let remote = s.remote().and_then(sainfo_id_ip);
                        l.sainfo_by_ids
                            .entry((ip, remote))
                            .or_default()
                            .push((pi, si));
                    }
                    None => l.sainfo_other.push((pi, si)),
                }
            }
        }
        if let Some((_, psk)) = &g.psk {
            for (i, e) in psk.entries().enumerate() {
                if e.ident == "*" && l.psk_wild.is_none() {
                    l.psk_wild = Some(i);
                }
                l.psk_first.entry(e.ident.clone()).or_insert(i);
            }
        }
        if let Some((_, s)) = &g.setkey {
            for (ci, c) in s.commands.iter().enumerate() {
                if let CommandKind::Add(sa) = &c.kind {
                    if let Some(dst) = sa.dst.ip {
                        l.manual_sa_by_dst.entry(dst).or_default().push(sa.src.ip);
                    }
                    continue;
                }
                let CommandKind::SpdAdd(p) = &c.kind else {
                    continue;
                };
                match p.policy.direction.value {
                    Direction::Out if !p.policy.rules.is_empty() => {
                        let tunnel_dst = p
                            .policy
                            .rules
                            .iter()
                            .find(|r| r.mode.value == "tunnel")
                            .and_then(|r| r.endpoints.as_ref())
                            .and_then(|(_, d)| d.ip);
                        if let Some(peer) =
                            tunnel_dst.or_else(|| p.dst.as_ref().and_then(|d| d.host.ip))
                        {
                            l.out_by_peer.entry(peer).or_default().push(ci);
                        }
                    }
                    Direction::In => {
                        let key = (
                            p.src.as_ref().and_then(|x| x.net()),
                            p.dst.as_ref().and_then(|x| x.net()),
                        );
                        l.in_by_nets.entry(key).or_default().push(ci);
                    }
                    _ => {}
                }
            }
        }
        l
    }
}

impl Gateway {
    /// Manual SAs cover traffic from `src` (any, when `None`) to `dst`: an
    /// `add` in the setkey file. racoon does not negotiate for it.
    pub fn manually_keyed(&self, src: Option<IpAddr>, dst: IpAddr) -> bool {
        self.lookup()
            .manual_sa_by_dst
            .get(&dst)
            .is_some_and(|srcs| srcs.iter().any(|s| src.is_none() || *s == src))
    }

    /// The gateway's state after boot (derived once).
    pub fn runtime(&self) -> &crate::model::runtime::Runtime {
        self.runtime
            .get_or_init(|| crate::model::runtime::derive(self))
    }

    /// The lookup tables (built once).
    pub fn lookup(&self) -> &Lookup {
        self.lookup.get_or_init(|| Lookup::build(self))
    }

    pub fn file_ref(&self, role: Role) -> Option<&FileRef> {
        self.files.iter().find(|f| f.role == role)
    }

    pub fn file_refs(&self, role: Role) -> impl Iterator<Item = &FileRef> {
        self.files.iter().filter(move |f| f.role == role)
    }

    /// The rc.conf read last (the one whose assignments win), to point at
    /// when a finding is about the gateway's interfaces or services.
    pub fn rc_conf_file(&self) -> Option<FileId> {
        self.file_refs(Role::RcConf).filter_map(|f| f.file).last()
    }

    /// Every address configured on an interface in rc.conf.
    pub fn addresses(&self) -> Vec<IfAddress> {
        let mut out = Vec::new();
        let mut vars: Vec<_> = self
            .rc
            .vars()
            .filter(|v| v.name.starts_with("ifconfig_") || v.name.starts_with("ipv6_ifconfig_"))
            .collect();
        vars.sort_by(|a, b| a.name.cmp(&b.name));
        for v in vars {
            let rest = v
                .name
                .trim_start_matches("ipv6_")
                .trim_start_matches("ifconfig_");
            // ifconfig_em0, ifconfig_em0_alias0, ifconfig_em0_ipv6, ifconfig_em0_aliases
            let iface = rest.split('_').next().unwrap_or(rest);
            if v.name.ends_with("_name") || v.name.ends_with("_descr") {
                continue;
            }
            out.extend(parse_ifconfig(iface, &v.value, v.origin));
        }
        out
    }

    /// The addresses a gateway owns: rc.conf interfaces, racoon listen
    /// addresses, SPD tunnel sources and gif sources.
    pub fn owned_addresses(&self) -> Vec<IpAddr> {
        use crate::syntax::setkey::{CommandKind, Direction};
        let mut v: Vec<IpAddr> = self.addresses().iter().map(|a| a.net.addr()).collect();
        for p in &self.racoon {
            v.extend(p.model.listen.iter().map(|l| l.value));
        }
        if let Some((_, s)) = &self.setkey {
            for c in &s.commands {
                if let CommandKind::SpdAdd(p) = &c.kind {
                    if p.policy.direction.value == Direction::Out {
                        for r in &p.policy.rules {
                            if let Some((a, _)) = &r.endpoints {
                                v.extend(a.ip);
                            }
                        }
                    }
                }
            }
        }
        v.extend(self.gifs().iter().map(|x| x.src));
        v.retain(|a| !a.is_loopback());
        v
    }

    /// The interfaces that get their address at run time (DHCP, SYNCDHCP).
    pub fn dhcp_interfaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .rc
            .vars()
            .filter_map(|v| {
                let iface = v.name.strip_prefix("ifconfig_")?;
                v.value
                    .split_whitespace()
                    .any(|w| w.eq_ignore_ascii_case("DHCP") || w.eq_ignore_ascii_case("SYNCDHCP"))
                    .then(|| iface.to_string())
            })
            .collect();
        v.sort();
        v
    }

    /// Some interface gets its address at run time (DHCP, SYNCDHCP): the
    /// gateway's address set is then incomplete.
    pub fn has_dynamic_address(&self) -> bool {
        !self.dhcp_interfaces().is_empty()
            || self
                .rc
                .vars()
                .any(|v| v.name == "ppp_enable" && crate::model::rcconf::is_yes(&v.value))
    }

    /// Is `ip` an address of this gateway? `None` when rc.conf does not say
    /// enough to know (no rc.conf, or addresses assigned at run time).
    pub fn owns(&self, ip: IpAddr) -> Option<bool> {
        if self.addresses().iter().any(|a| a.net.addr() == ip) {
            return Some(true);
        }
        if !self.rc.present
            || self.has_dynamic_address()
            || self.addresses().iter().all(|a| a.interface == "lo0")
        {
            return None;
        }
        Some(false)
    }

    /// Networks directly attached to this gateway.
    pub fn networks(&self) -> Vec<ipnet::IpNet> {
        self.addresses().iter().map(|a| a.net.trunc()).collect()
    }

    /// gif tunnels from rc.conf.
    pub fn gifs(&self) -> Vec<Gif> {
        let mut out = Vec::new();
        for v in self.rc.vars() {
            let (iface, words): (&str, Vec<&str>) =
                if let Some(i) = v.name.strip_prefix("gifconfig_") {
                    (
                        i,
                        v.value
                            .split_whitespace()
                            .filter(|w| *w != "inet6")
                            .collect(),
                    )
                } else if let Some(i) = v.name.strip_prefix("create_args_") {
                    let w: Vec<&str> = v.value.split_whitespace().collect();
                    match w.iter().position(|x| *x == "tunnel") {
                        Some(p) => (i, w[p + 1..].to_vec()),
                        None => continue,
                    }
                } else {
                    continue;
                };
            let (Some(origin), Some(src), Some(dst)) = (v.origin, words.first(), words.get(1))
            else {
                continue;
            };
            if let (Ok(src), Ok(dst)) = (src.parse(), dst.parse()) {
                out.push(Gif {
                    interface: iface.to_string(),
                    src,
                    dst,
                    origin,
                });
            }
        }
        out.sort_by(|a, b| a.interface.cmp(&b.interface));
        out
    }

    pub fn default_router(&self) -> Option<IpAddr> {
        self.rc.value("defaultrouter").parse().ok()
    }

    /// The firewalls rc.conf starts.
    pub fn firewalls(&self) -> Vec<Firewall> {
        let mut v = Vec::new();
        if self.rc.yes("firewall_enable") {
            v.push(Firewall::Ipfw);
        }
        if self.rc.yes("ipfilter_enable") {
            v.push(Firewall::Ipfilter);
        }
        v
    }

    /// Every address this gateway refers to as a peer: remotes, SPD tunnel
    /// destinations, gif destinations and psk.txt address identifiers.
    pub fn peers(&self) -> Vec<PeerRef> {
        let mut out = Vec::new();
        for part in &self.racoon {
            for r in &part.model.remotes {
                if let Some(a) = r.address() {
                    out.push(PeerRef {
                        address: a,
                        kind: PeerKind::Remote,
                        file: part.file,
                        span: r.selector_span,
                    });
                }
            }
        }
        if let Some((f, s)) = &self.setkey {
            for c in &s.commands {
                if let crate::syntax::setkey::CommandKind::SpdAdd(p) = &c.kind {
                    if p.policy.direction.value != crate::syntax::setkey::Direction::Out {
                        continue;
                    }
                    for r in p.policy.rules.iter().filter(|r| r.mode.value == "tunnel") {
                        if let Some((_, dst)) = &r.endpoints {
                            if let Some(ip) = dst.ip {
                                out.push(PeerRef {
                                    address: ip,
                                    kind: PeerKind::SpdTunnel,
                                    file: *f,
                                    span: dst.text.span,
                                });
                            }
                        }
                    }
                }
            }
        }
        for g in self.gifs() {
            out.push(PeerRef {
                address: g.dst,
                kind: PeerKind::Gif,
                file: g.origin.file,
                span: g.origin.value_span,
            });
        }
        if let Some((f, psk)) = &self.psk {
            for e in psk.entries() {
                if let Ok(ip) = e.ident.split('%').next().unwrap_or("").parse() {
                    out.push(PeerRef {
                        address: ip,
                        kind: PeerKind::Psk,
                        file: *f,
                        span: e.ident_span,
                    });
                }
            }
        }
        out
    }

    /// Does another peer own this psk.txt identifier (a remote's address or
    /// peers_identifier, a tunnel's far end)? Such a line is that peer's.
    pub fn psk_ident_in_use(&self, ident: &str) -> bool {
        let same_ip = |a: IpAddr| ident.parse::<IpAddr>().is_ok_and(|i| i == a);
        let tunnel_peer = || {
            self.peers()
                .iter()
                .any(|p| p.kind != PeerKind::Psk && same_ip(p.address))
        };
        tunnel_peer()
            || self.racoon.iter().flat_map(|p| &p.model.remotes).any(|r| {
                r.address().is_some_and(same_ip)
                    || r.peers_identifiers.iter().any(|s| {
                        s.values.iter().any(|v| match v {
                            crate::syntax::racoon::Value::Quoted(q) => q.value == ident,
                            _ => false,
                        })
                    })
            })
    }

    pub fn ipsec_enabled(&self) -> bool {
        self.rc.yes("ipsec_enable")
    }

    pub fn racoon_enabled(&self) -> bool {
        self.rc.yes("racoon_enable")
    }
}
