//! Loading one gateway: find its files the way FreeBSD's rc scripts and
//! racoon would, read and check each, build the gateway model, then run the
//! checks across its files.

use super::firewall::{load_firewalls, GatewayRoot};
use super::{
    check_psk, check_racoon, check_rc, check_setkey, rc_kind, read_or_report, InputError,
    LintOptions, Report, Target,
};
use crate::discovery::{self, Layout, ModeFileSkipped, Modes, Resolved};
use crate::model::gateway::{
    FileRef, Gateway, Mention, RacoonPart, Role, TargetSource, LINUX_RACOON_CONF, RACOON_CONF,
};
use crate::model::rcconf::RcConfig;
use crate::rules::firewall::{self as rf, FirewallCtx};
use crate::rules::gateway as rg;
use crate::rules::pair::SiteGateway;
use crate::rules::rcconf::RcKind;
use crate::source::{FileId, FileSystem};
use crate::syntax::psk::PskFile;
use crate::syntax::racoon::{TopItem, Value};
use crate::syntax::setkey::SetkeyFile;
use std::path::{Path, PathBuf};

/// racoon as the FreeBSD port builds it (`--sysconfdir=/usr/local/etc/racoon`).
const RACOON_PSK: &str = "/usr/local/etc/racoon/psk.txt";
const RACOON_CERT_DIR: &str = "/usr/local/etc/racoon/cert";

/// firewall_type values rc.firewall handles itself.
const FIREWALL_TYPES: &[&str] = &[
    "open",
    "client",
    "simple",
    "closed",
    "workstation",
    "unknown",
    "",
];

/// One gateway's files as they are found and read, in boot order.
struct Loader<'a> {
    at: GatewayRoot<'a>,
    files: Vec<FileRef>,
    report: &'a mut Report,
}

/// Check a whole gateway at `root`: its files in the order FreeBSD's boot
/// reads them (rc.conf, the release, loader.conf and sysctl.conf, then
/// rc.d/ipsec's setkey file, racoon and the files racoon.conf names, the
/// firewalls), each checked on its own; then the gateway model and the checks
/// across its files and through its firewalls.
pub fn load_gateway(
    fs: &dyn FileSystem,
    root: &Path,
    layout: Layout,
    opts: &LintOptions,
    report: &mut Report,
) -> SiteGateway {
    let mut ld = Loader {
        at: GatewayRoot { fs, root, layout },
        files: Vec::new(),
        report,
    };
    let rc = ld.rc_conf();
    let (target, target_source) = ld.release(opts);
    let (sysctl, loader) = ld.sysctl_and_loader_conf();
    let setkey = ld.setkey(&rc, target);
    let racoon = ld.racoon(&rc, target);
    let psk = ld.psk(&racoon);
    ld.certificates(&racoon);
    ld.firewall_files(&rc);
    let modes = ld.modes(opts.live);
    let gateway = Gateway {
        name: gateway_name(root),
        root: root.to_path_buf(),
        layout,
        rc,
        racoon,
        psk,
        setkey,
        files: ld.files,
        target,
        target_source,
        modes,
        sysctl,
        loader,
        lookup: Default::default(),
        runtime: Default::default(),
    };
    check_gateway(fs, gateway, report)
}

impl Loader<'_> {
    fn resolve(&self, path: &str) -> Resolved {
        self.at.resolve(path)
    }

    /// There, or there but leading out of the root: either way the file is
    /// registered, so a symlink out of the root gets its IPS4017.
    fn present(&self, path: &str) -> bool {
        matches!(
            self.resolve(path),
            Resolved::Found(_) | Resolved::Escapes(_)
        )
    }

    /// A file found by listing a directory that leads out of the root.
    fn escaped(&mut self, role: Role, path: &Path, why: String) {
        let configured = path.strip_prefix(self.at.root).map_or_else(
            |_| path.display().to_string(),
            |p| format!("/{}", p.display()),
        );
        self.files.push(FileRef {
            role,
            configured,
            mention: None,
            resolved: Resolved::Escapes(why),
            file: None,
            mode: None,
        });
    }

    fn text(&self, id: FileId) -> std::sync::Arc<str> {
        self.report.db.get(id).text.clone()
    }

    /// Register a file the gateway uses without reading it (existence only).
    fn note(&mut self, role: Role, configured: String, mention: Option<Mention>) {
        let resolved = self.resolve(&configured);
        self.files.push(FileRef {
            role,
            configured,
            mention,
            resolved,
            file: None,
            mode: None,
        });
    }

    /// Resolve, read and register a file; returns its id when read.
    fn take(&mut self, role: Role, configured: &str, mention: Option<Mention>) -> Option<FileId> {
        let mut resolved = self.resolve(configured);
        // A directory where a file is configured: the daemon finds no file
        // there either, so it is reported like a missing one, not as an I/O
        // error, and the message says it is a directory.
        if let Some(dir) = resolved.path().filter(|p| self.at.fs.is_dir(p)) {
            resolved = Resolved::NotAFile(dir.to_path_buf());
        }
        // Not "missing" when a directory on the way cannot be searched: that
        // is an I/O error (exit status 2), in the OS's words.
        if let Resolved::Missing(p) = &resolved {
            if let Some(e) = self.at.fs.lookup_error(p) {
                self.report.input_errors.push(InputError {
                    path: p.clone(),
                    message: e.to_string(),
                });
                resolved = Resolved::Unsearchable(p.clone());
            }
        }
        let file = match resolved.path() {
            Some(p) => read_or_report(self.at.fs, p, self.report),
            None => None,
        };
        self.files.push(FileRef {
            role,
            configured: configured.to_string(),
            mention,
            resolved,
            file,
            mode: None,
        });
        file
    }

    /// Read and check an rc.conf-style file, and apply it to `rc`.
    fn apply_rc(&mut self, id: FileId, kind: RcKind, rc: &mut RcConfig) {
        let text = self.text(id);
        let parsed = check_rc(id, &text, kind, self.report);
        rc.apply(id, &parsed);
    }

    /// rc.conf as /etc/rc reads it: the defaults, then `rc_conf_files` in
    /// order (as the snapshot's own defaults name them), then rc.conf.d.
    fn rc_conf(&mut self) -> RcConfig {
        let mut rc = RcConfig::with_defaults();
        let snapshot = self.at.layout == Layout::Snapshot;
        if snapshot
            && self
                .at
                .fs
                .exists(&self.at.root.join("etc/defaults/rc.conf"))
        {
            if let Some(id) = self.take(Role::RcConf, "/etc/defaults/rc.conf", None) {
                self.apply_rc(id, RcKind::Defaults, &mut rc);
            }
        }
        let rc_files: Vec<String> = match self.at.layout {
            Layout::Snapshot => rc
                .value("rc_conf_files")
                .split_whitespace()
                .map(String::from)
                .collect(),
            Layout::Flat => vec!["/rc.conf".into(), "/rc.conf.local".into()],
        };
        for f in &rc_files {
            if !self.present(f) {
                continue;
            }
            if let Some(id) = self.take(Role::RcConf, f, None) {
                let kind = rc_kind(&self.report.db.get(id).path, &self.report.db.get(id).text);
                self.apply_rc(id, kind, &mut rc);
            }
        }
        if snapshot {
            self.rc_conf_d(&mut rc);
        }
        rc
    }

    /// `etc/rc.conf.d/*`, each file read after rc.conf (never out of the root).
    fn rc_conf_d(&mut self, rc: &mut RcConfig) {
        let (fs, root) = (self.at.fs, self.at.root);
        let dir = root.join("etc/rc.conf.d");
        if !fs.is_dir(&dir) {
            return;
        }
        if let Err(why) = discovery::contained(fs, root, &dir) {
            return self.escaped(Role::RcConf, &dir, why);
        }
        for e in fs.list_dir(&dir).unwrap_or_default() {
            if fs.is_dir(&e) {
                continue;
            }
            if let Err(why) = discovery::contained(fs, root, &e) {
                self.escaped(Role::RcConf, &e, why);
                continue;
            }
            if let Some(id) = read_or_report(fs, &e, self.report) {
                self.apply_rc(id, RcKind::RcConf, rc);
            }
        }
    }

    /// The release: `--target`, else ipseclint.toml (the gateway's entry,
    /// then the top level), else `bin/freebsd-version`, else the newest.
    fn release(&mut self, opts: &LintOptions) -> (Target, TargetSource) {
        let configured = opts
            .target
            .map(|t| (t, TargetSource::CommandLine))
            .or_else(|| {
                opts.config
                    .gateway_hint(self.at.root)
                    .and_then(|h| h.target)
                    .or(opts.config.target)
                    .map(|t| (t, TargetSource::Config))
            });
        let version_path = match self.at.layout {
            Layout::Snapshot => "/bin/freebsd-version",
            Layout::Flat => "/freebsd-version",
        };
        let mut from_file = None;
        if self.present(version_path) {
            if let Some(id) = self.take(Role::FreebsdVersion, version_path, None) {
                from_file = userland_version(&self.report.db.get(id).text)
                    .as_deref()
                    .and_then(Target::from_version)
                    .map(|t| (t, TargetSource::FreebsdVersion(id)));
            }
        }
        configured
            .or(from_file)
            .unwrap_or((Target::default(), TargetSource::Default))
    }

    /// sysctl.conf and loader.conf: `name=value` settings the kernel takes.
    fn sysctl_and_loader_conf(&mut self) -> (RcConfig, RcConfig) {
        let mut sysctl = RcConfig::default();
        let mut loader = RcConfig::default();
        for (role, path) in [
            (Role::Sysctl, "/etc/sysctl.conf"),
            (Role::Loader, "/boot/loader.conf"),
        ] {
            let p = match self.at.layout {
                Layout::Flat => format!(
                    "/{}",
                    Path::new(path)
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                ),
                Layout::Snapshot => path.to_string(),
            };
            if !self.present(&p) {
                continue;
            }
            if let Some(id) = self.take(role, &p, None) {
                let into = if role == Role::Sysctl {
                    &mut sysctl
                } else {
                    &mut loader
                };
                self.apply_rc(id, RcKind::Other, into);
            }
        }
        (sysctl, loader)
    }

    /// rc.d/ipsec's setkey file: `ipsec_file`.
    fn setkey(&mut self, rc: &RcConfig, target: Target) -> Option<(FileId, SetkeyFile)> {
        let ipsec_file = rc.value("ipsec_file").to_string();
        let mention = rc.origin("ipsec_file").map(Mention::from);
        let id = self.take(Role::Setkey, &ipsec_file, mention)?;
        let text = self.text(id);
        Some((id, check_setkey(id, &text, target, self.report)))
    }

    /// racoon.conf (`racoon_flags -f FILE`, else the port's default) and the
    /// files its `include` statements name, in order.
    fn racoon(&mut self, rc: &RcConfig, target: Target) -> Vec<RacoonPart> {
        let flags = rc.value("racoon_flags").to_string();
        let words: Vec<&str> = flags.split_whitespace().collect();
        let conf_path = words
            .iter()
            .position(|w| *w == "-f")
            .and_then(|i| words.get(i + 1))
            .map(|s| s.to_string())
            .unwrap_or_else(|| RACOON_CONF.to_string());
        let mut mention = None;
        if conf_path != RACOON_CONF {
            mention = rc.origin("racoon_flags").map(Mention::from);
            // The port's rc script checks its own path (required_files)
            // whatever racoon_flags says.
            self.note(Role::RacoonRcRequired, RACOON_CONF.to_string(), None);
        }
        let mut racoon = Vec::new();
        let Some(id) = self.take(Role::Racoon, &conf_path, mention) else {
            if self.present(LINUX_RACOON_CONF) {
                self.note(Role::LinuxRacoon, LINUX_RACOON_CONF.to_string(), None);
            }
            return racoon;
        };
        let text = self.text(id);
        let part = check_racoon(id, &text, target, self.report);
        let includes = include_paths(&part);
        racoon.push(part);
        for (pattern, mention) in includes {
            for (configured, found) in expand_include(self, &pattern) {
                if found.is_none() {
                    self.note(Role::RacoonInclude, configured, Some(mention));
                } else if let Some(iid) = self.take(Role::RacoonInclude, &configured, Some(mention))
                {
                    let t = self.text(iid);
                    racoon.push(check_racoon(iid, &t, target, self.report));
                }
            }
        }
        racoon
    }

    /// psk.txt: the last `path pre_shared_key`, else the port's default;
    /// read when it is configured, needed or there.
    fn psk(&mut self, racoon: &[RacoonPart]) -> Option<(FileId, PskFile)> {
        let psk_conf = racoon
            .iter()
            .filter_map(|p| p.model.psk_path.as_ref().map(|s| (p.file, s.clone())))
            .next_back();
        let (psk_path, psk_mention) = match &psk_conf {
            Some((f, s)) => (
                s.value.clone(),
                Some(Mention {
                    file: *f,
                    span: s.span,
                }),
            ),
            None => (RACOON_PSK.to_string(), None),
        };
        let wanted = psk_conf.is_some() || uses_psk(racoon);
        if !wanted && self.resolve(&psk_path).path().is_none() {
            return None;
        }
        let id = self.take(Role::Psk, &psk_path, psk_mention)?;
        let text = self.text(id);
        let psk = check_psk(id, &text, self.report);
        self.keep_aggressive_host_names(id, racoon);
        Some((id, psk))
    }

    /// A host-name psk line is right where a remote in aggressive mode
    /// expects that name as the peer's identifier: drop IPS2506 there.
    fn keep_aggressive_host_names(&mut self, psk: FileId, racoon: &[RacoonPart]) {
        let names: Vec<String> = racoon
            .iter()
            .flat_map(|p| p.model.remotes.iter())
            .filter(|r| r.aggressive())
            .flat_map(|r| r.peers_identifiers.iter())
            .filter_map(|s| s.first_quoted().map(|q| q.value.clone()))
            .collect();
        let db = &self.report.db;
        self.report.diagnostics.retain(|d| {
            !(d.location.file == psk
                && d.rule.code == crate::rules::psk::HOSTNAME_IDENTIFIER.code
                && names
                    .iter()
                    .any(|n| db.get(psk).slice(d.location.span) == n))
        });
    }

    /// Certificates racoon loads at startup (existence only).
    fn certificates(&mut self, racoon: &[RacoonPart]) {
        for part in racoon {
            for (path, mention) in certificate_paths(part) {
                self.note(Role::Certificate, path, Some(mention));
            }
        }
    }

    /// The firewall files rc.conf names (existence only here: their rules
    /// are read by [`load_firewalls`]).
    fn firewall_files(&mut self, rc: &RcConfig) {
        if rc.yes("firewall_enable") {
            let script = rc.value("firewall_script").to_string();
            if script != "/etc/rc.firewall" {
                let mention = rc.origin("firewall_script").map(Mention::from);
                self.note(Role::FirewallScript, script, mention);
            }
            let ty = rc.value("firewall_type").to_string();
            if !FIREWALL_TYPES.contains(&ty.to_ascii_lowercase().as_str()) {
                let mention = rc.origin("firewall_type").map(Mention::from);
                self.note(Role::IpfwRules, ty, mention);
            }
        }
        for (var, rules_var, role) in [
            ("ipfilter_enable", "ipfilter_rules", Role::IpfRules),
            ("ipnat_enable", "ipnat_rules", Role::IpnatRules),
        ] {
            if rc.yes(var) {
                let path = rc.value(rules_var).to_string();
                let mention = rc.origin(rules_var).or(rc.origin(var)).map(Mention::from);
                self.note(role, path, mention);
            }
        }
    }

    /// File modes (`.mtree`, `etc/.etckeeper` or `--live`) of every file found.
    fn modes(&mut self, live: bool) -> Modes {
        let (modes, skipped) = Modes::load(self.at.fs, self.at.root, live);
        for s in skipped {
            match s {
                ModeFileSkipped::Escapes(path, why) => self.escaped(Role::ModeFile, &path, why),
                ModeFileSkipped::Unreadable(path, e) => self.report.input_errors.push(InputError {
                    path,
                    message: e.to_string(),
                }),
            }
        }
        for f in &mut self.files {
            if let Some(p) = f.resolved.path() {
                f.mode = modes.get(self.at.fs, self.at.root, p);
            }
        }
        modes
    }
}

/// The gateway's name: its directory's.
fn gateway_name(root: &Path) -> String {
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| root.display().to_string())
}

/// `USERLAND_VERSION` of a `freebsd-version` script.
fn userland_version(text: &str) -> Option<String> {
    let parsed = crate::syntax::rcconf::parse(text);
    let a = parsed
        .assignments()
        .find(|a| a.name.value == "USERLAND_VERSION")?;
    Some(
        a.parts
            .iter()
            .map(|p| match p {
                crate::syntax::rcconf::Part::Literal(l) => l.as_str(),
                _ => "",
            })
            .collect(),
    )
}

/// Does any remote authenticate with a pre-shared key?
fn uses_psk(racoon: &[RacoonPart]) -> bool {
    racoon.iter().any(|p| {
        p.model.remotes.iter().any(|r| {
            r.proposals.iter().any(|pr| {
                pr.auth_method.as_ref().is_some_and(|m| {
                    m.value.contains("pre_shared_key") || m.value.starts_with("xauth_psk")
                })
            })
        })
    })
}

/// The checks across the gateway's files, then its firewalls loaded and
/// checked with every tunnel's packets.
fn check_gateway(fs: &dyn FileSystem, gateway: Gateway, report: &mut Report) -> SiteGateway {
    let root = gateway.root.clone();
    let anchor = anchor_file(&gateway, &root, report);
    let cx = rg::GatewayCtx {
        gateway: &gateway,
        anchor,
    };
    report.diagnostics.extend(rg::check(&cx));
    let env = firewall_env(&gateway);
    let at = GatewayRoot {
        fs,
        root: &root,
        layout: gateway.layout,
    };
    let firewalls = load_firewalls(&at, &gateway, report);
    let fcx = FirewallCtx {
        gateway: &gateway,
        firewalls: &firewalls,
        env,
        anchor,
    };
    report.diagnostics.extend(rf::check(&fcx));
    report.tunnels.extend(rf::tunnel_status(&fcx));
    let env = fcx.env;
    SiteGateway {
        gateway,
        firewalls,
        env,
    }
}

/// What the kernel and sysctls say about filtering IPsec traffic.
fn firewall_env(g: &Gateway) -> crate::model::firewall::FirewallEnv {
    let sysctl = |name: &str| g.sysctl.value(name).trim().to_string();
    let loader = |name: &str| g.loader.value(name).trim().trim_matches('"').to_string();
    crate::model::firewall::FirewallEnv {
        local: local_addresses(g),
        default_pass: match loader("net.inet.ip.fw.default_to_accept").as_str() {
            "1" => Some(true),
            _ => None,
        },
        filter_tunnel: sysctl("net.inet.ipsec.filtertunnel") == "1",
        filter_tunnel6: sysctl("net.inet6.ipsec6.filtertunnel") == "1",
    }
}

/// The addresses ipfw's `me` stands for: those rc.conf configures, and when
/// an interface takes its address at run time, the ones the configuration
/// uses as this gateway's own (tunnel sources, racoon listen).
pub(super) fn local_addresses(g: &Gateway) -> Vec<std::net::IpAddr> {
    if g.has_dynamic_address() {
        g.owned_addresses()
    } else {
        g.addresses().iter().map(|a| a.net.addr()).collect()
    }
}

/// A file to attach gateway-wide findings to: the first file read, else the
/// gateway's directory itself (never a file of another gateway).
fn anchor_file(g: &Gateway, root: &Path, report: &mut Report) -> Option<FileId> {
    g.files
        .iter()
        .find_map(|f| f.file)
        .or_else(|| Some(report.db.add(root.to_path_buf(), String::new())))
}

/// `include` statements in order, with their glob patterns made absolute
/// using the `path include` in force at that point.
fn include_paths(part: &RacoonPart) -> Vec<(String, Mention)> {
    let mut include_dir: Option<String> = None;
    let mut out = Vec::new();
    for item in &part.conf.items {
        let TopItem::Setting(s) = item else { continue };
        if s.is("path") && s.word(0).is_some_and(|w| w.value == "include") {
            include_dir = s.first_quoted().map(|q| q.value.clone());
        } else if s.is("include") {
            if let Some(q) = s.first_quoted() {
                let path = if q.value.starts_with('/') {
                    q.value.clone()
                } else {
                    // racoon prefixes `path include`; unset it yields "(null)/name".
                    format!("{}/{}", include_dir.as_deref().unwrap_or("(null)"), q.value)
                };
                out.push((
                    path,
                    Mention {
                        file: part.file,
                        span: q.span,
                    },
                ));
            }
        }
    }
    out
}

/// Expand an include glob inside the root. Returns each configured path with
/// whether it exists; a pattern that matches nothing comes back once, missing.
fn expand_include(ld: &Loader, pattern: &str) -> Vec<(String, Option<PathBuf>)> {
    let (dir, file) = match pattern.rsplit_once('/') {
        Some((d, f)) => (if d.is_empty() { "/" } else { d }, f),
        None => ("/", pattern),
    };
    if !file.contains(['*', '?', '[']) {
        let found = ld.resolve(pattern).path().map(Path::to_path_buf);
        return vec![(pattern.to_string(), found)];
    }
    let Ok(local_dir) = discovery::chroot_path(ld.at.root, "/", dir) else {
        return vec![(pattern.to_string(), None)];
    };
    if discovery::contained(ld.at.fs, ld.at.root, &local_dir).is_err() {
        // The directory is a symlink out of the root: never listed. Noting it
        // reports where it leads.
        return vec![(dir.to_string(), None)];
    }
    let mut out = Vec::new();
    for e in ld.at.fs.list_dir(&local_dir).unwrap_or_default() {
        let name = e
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.starts_with('.') && crate::fnmatch::fnmatch(file, &name) && !ld.at.fs.is_dir(&e) {
            out.push((format!("{}/{}", dir.trim_end_matches('/'), name), Some(e)));
        }
    }
    if out.is_empty() {
        out.push((pattern.to_string(), None));
    }
    out
}

/// Files racoon loads when it reads its configuration: certificates and keys
/// (relative names are under `path certificate`).
fn certificate_paths(part: &RacoonPart) -> Vec<(String, Mention)> {
    let mut cert_dir = RACOON_CERT_DIR.to_string();
    let mut out = Vec::new();
    let add = |dir: &str, q: &crate::syntax::Spanned<String>, out: &mut Vec<(String, Mention)>| {
        let p = if q.value.starts_with('/') {
            q.value.clone()
        } else {
            format!("{}/{}", dir.trim_end_matches('/'), q.value)
        };
        out.push((
            p,
            Mention {
                file: part.file,
                span: q.span,
            },
        ));
    };
    for item in &part.conf.items {
        match item {
            TopItem::Setting(s)
                if s.is("path") && s.word(0).is_some_and(|w| w.value == "certificate") =>
            {
                if let Some(q) = s.first_quoted() {
                    cert_dir = q.value.clone();
                }
            }
            TopItem::Remote(r) => {
                let Some(body) = &r.body else { continue };
                for s in &body.settings {
                    if s.is("certificate_type") || s.is("peers_certfile") || s.is("ca_type") {
                        for v in &s.values {
                            if let Value::Quoted(q) = v {
                                add(&cert_dir, q, &mut out);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}
