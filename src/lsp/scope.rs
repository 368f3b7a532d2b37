//! Which paths to lint for an edited file: its gateway, and the gateways of
//! its site that it is paired with (or the whole site, when nothing is
//! known about it yet). The site index remembers, from the last lint, what
//! each gateway owns and refers to.

use crate::config::Config;
use crate::discovery::{self, DirKind, Layout};
use crate::engine::Report;
use crate::source::FileSystem;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// How far up from a file a gateway root is looked for.
const MAX_DEPTH: usize = 8;

/// What to lint: the inputs, and which of them were edited (the rest are
/// peers, checked only for their pairs with the edited ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub inputs: Vec<PathBuf>,
    /// Gateway roots whose files are all replaced by this run's findings.
    /// Empty for a whole site (every gateway is primary) or a lone file.
    pub primary: BTreeSet<PathBuf>,
    /// The site or the lone file this run belongs to.
    pub key: PathBuf,
    pub whole: bool,
}

/// The gateway directory a file belongs to: the nearest ancestor with an
/// `etc/rc.conf` (a copy of `/`), else the outermost snapshot-layout one
/// (`usr/local` of a copy looks like a Linux `/` by its `etc/racoon/`), else
/// the nearest flat one, never above `stop`.
pub fn gateway_root(
    fs: &dyn FileSystem,
    config: &Config,
    file: &Path,
    stop: Option<&Path>,
) -> Option<PathBuf> {
    let mut flat = None;
    let mut snapshot = None;
    for dir in file.ancestors().skip(1).take(MAX_DEPTH) {
        if stop.is_some_and(|s| !dir.starts_with(s)) {
            break;
        }
        match discovery::classify_dir(fs, dir, config) {
            DirKind::Gateway(Layout::Snapshot) if fs.exists(&dir.join("etc/rc.conf")) => {
                return Some(dir.to_path_buf())
            }
            DirKind::Gateway(Layout::Snapshot) => snapshot = Some(dir.to_path_buf()),
            DirKind::Gateway(Layout::Flat) if flat.is_none() => flat = Some(dir.to_path_buf()),
            _ => {}
        }
    }
    snapshot.or(flat)
}

/// The site a gateway belongs to: its parent, when that is a site.
pub fn site_of(
    fs: &dyn FileSystem,
    config: &Config,
    gateway: &Path,
    stop: Option<&Path>,
) -> Option<PathBuf> {
    let parent = gateway.parent()?;
    if stop.is_some_and(|s| !parent.starts_with(s)) {
        return None;
    }
    matches!(
        discovery::classify_dir(fs, parent, config),
        DirKind::Site(_)
    )
    .then(|| parent.to_path_buf())
}

/// What each gateway of a site owns and which addresses it names as peers.
#[derive(Default, Debug)]
pub struct SiteIndex {
    gateways: HashMap<PathBuf, Known>,
}

#[derive(Default, Debug, Clone)]
struct Known {
    site: PathBuf,
    owns: Vec<IpAddr>,
    refers: Vec<IpAddr>,
}

impl SiteIndex {
    /// Learn from a finished run.
    pub fn learn(&mut self, site: &Path, report: &Report, whole: bool) {
        if whole {
            self.gateways.retain(|_, k| k.site != site);
        }
        for g in &report.gateways {
            let g = &g.gateway;
            self.gateways.insert(
                g.root.clone(),
                Known {
                    site: site.to_path_buf(),
                    owns: g.owned_addresses(),
                    refers: g.peers().into_iter().map(|p| p.address).collect(),
                },
            );
        }
    }

    pub fn knows_site(&self, site: &Path) -> bool {
        self.gateways.values().any(|k| k.site == site)
    }

    /// The gateways of the site paired with `gateway`: those owning an
    /// address it refers to, and those referring to an address it owns.
    pub fn peers_of(&self, gateway: &Path) -> BTreeSet<PathBuf> {
        let Some(me) = self.gateways.get(gateway) else {
            return BTreeSet::new();
        };
        self.gateways
            .iter()
            .filter(|(root, k)| {
                root.as_path() != gateway
                    && k.site == me.site
                    && (k.owns.iter().any(|a| me.refers.contains(a))
                        || k.refers.iter().any(|a| me.owns.contains(a)))
            })
            .map(|(root, _)| root.clone())
            .collect()
    }

    /// The gateways of `site` owning one of these addresses.
    pub fn owners<'a>(
        &'a self,
        site: &'a Path,
        addresses: &'a [IpAddr],
    ) -> impl Iterator<Item = &'a PathBuf> + 'a {
        self.gateways
            .iter()
            .filter(move |(_, k)| k.site == site && k.owns.iter().any(|a| addresses.contains(a)))
            .map(|(r, _)| r)
    }
}

/// The scope for an edit of `file`. `whole` asks for the whole site (on
/// open and save, and whenever the site is not indexed yet); `outside`: the
/// file is in none of the workspace's folders.
pub fn for_file(
    fs: &dyn FileSystem,
    config: &Config,
    index: &SiteIndex,
    file: &Path,
    stop: Option<&Path>,
    whole: bool,
    outside: bool,
) -> Scope {
    let Some(gw) = gateway_root(fs, config, file, stop) else {
        return Scope {
            inputs: vec![file.to_path_buf()],
            primary: BTreeSet::new(),
            key: file.to_path_buf(),
            whole: true,
        };
    };
    // A file outside every workspace folder: its gateway alone, never a
    // directory above it that nobody opened.
    let site = if outside {
        None
    } else {
        site_of(fs, config, &gw, stop)
    };
    let Some(site) = site else {
        return Scope {
            inputs: vec![gw.clone()],
            primary: BTreeSet::new(),
            key: gw,
            whole: true,
        };
    };
    if whole || !index.knows_site(&site) {
        return Scope {
            inputs: vec![site.clone()],
            primary: BTreeSet::new(),
            key: site,
            whole: true,
        };
    }
    let peers = index.peers_of(&gw);
    let mut inputs = vec![gw.clone()];
    inputs.extend(peers);
    Scope {
        inputs,
        primary: [gw].into_iter().collect(),
        key: site,
        whole: false,
    }
}

/// After a partial run: owners of addresses the edited gateways now refer
/// to that the run did not load (a new remote). Empty when nothing is missing.
pub fn missing_peers(index: &SiteIndex, scope: &Scope, report: &Report) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for g in report
        .gateways
        .iter()
        .filter(|g| scope.primary.contains(&g.gateway.root))
    {
        let refers: Vec<IpAddr> = g.gateway.peers().into_iter().map(|p| p.address).collect();
        for owner in index.owners(&scope.key, &refers) {
            if !scope.inputs.contains(owner) && !out.contains(owner) {
                out.push(owner.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{lint, Input, LintOptions};
    use crate::source::MemoryFs;

    /// A gateway owning `addr` with a remote for each of `peers`.
    fn gateway(fs: &mut MemoryFs, name: &str, addr: &str, peers: &[&str]) {
        fs.insert(
            format!("/site/{name}/etc/rc.conf"),
            format!("ifconfig_em0=\"inet {addr}/24\"\nracoon_enable=\"YES\"\n"),
        );
        let remotes: String = peers
            .iter()
            .map(|p| format!("remote {p} {{\n\texchange_mode main;\n}}\n"))
            .collect();
        fs.insert(
            format!("/site/{name}/usr/local/etc/racoon/racoon.conf"),
            remotes,
        );
    }

    /// A hub with three spokes: an edit of a spoke checks it and the hub,
    /// an edit of the hub checks every spoke, open checks the site.
    #[test]
    fn an_edit_checks_its_gateway_and_the_gateways_paired_with_it() {
        let mut fs = MemoryFs::default();
        let spokes = ["198.51.100.1", "198.51.100.2", "198.51.100.3"];
        gateway(&mut fs, "hub", "203.0.113.1", &spokes);
        for (i, a) in spokes.iter().enumerate() {
            gateway(&mut fs, &format!("spoke{i}"), a, &["203.0.113.1"]);
        }
        let config = Config::default();
        let site = Path::new("/site");
        let report = lint(&[Input { path: site.into() }], &fs, &LintOptions::default());
        let mut index = SiteIndex::default();
        let file = |g: &str| site.join(g).join("usr/local/etc/racoon/racoon.conf");
        let scope = |index: &SiteIndex, g: &str, whole: bool| {
            for_file(&fs, &config, index, &file(g), Some(site), whole, false)
        };
        // Nothing known yet: the whole site.
        assert!(scope(&index, "spoke1", false).whole);
        index.learn(site, &report, true);
        let s = scope(&index, "spoke1", false);
        assert!(!s.whole);
        assert_eq!(s.inputs, [site.join("spoke1"), site.join("hub")]);
        assert_eq!(s.primary, [site.join("spoke1")].into_iter().collect());
        let h = scope(&index, "hub", false);
        assert_eq!(h.inputs.len(), 4, "{:?}", h.inputs);
        assert_eq!(h.inputs[0], site.join("hub"));
        let saved = scope(&index, "spoke1", true);
        assert!(saved.whole);
        assert_eq!(saved.inputs, [site.to_path_buf()]);
    }
}
