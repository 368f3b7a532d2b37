//! Loading one gateway: find its files the way FreeBSD's rc scripts and
//! racoon would, read and check each, build the gateway model, then run the
//! checks across its files.

use super::{
    check_psk, check_racoon, check_rc, check_setkey, rc_kind, read_or_report, LintOptions, Report,
    Target,
};
use crate::discovery::{self, Layout, Modes, Resolved};
use crate::model::gateway::{FileRef, Gateway, Mention, RacoonPart, Role, TargetSource};
use crate::model::rcconf::RcConfig;
use crate::rules::gateway as rg;
use crate::rules::rcconf::RcKind;
use crate::source::{FileId, FileSystem};
use crate::syntax::racoon::{TopItem, Value};
use std::path::{Path, PathBuf};

/// racoon as the FreeBSD port builds it (`--sysconfdir=/usr/local/etc/racoon`).
const RACOON_CONF: &str = "/usr/local/etc/racoon/racoon.conf";
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

struct Loader<'a> {
    fs: &'a dyn FileSystem,
    root: &'a Path,
    layout: Layout,
    files: Vec<FileRef>,
}

impl Loader<'_> {
    fn resolve(&self, cwd: &str, path: &str) -> Resolved {
        discovery::resolve(self.fs, self.root, self.layout, cwd, path)
    }

    /// Register a file the gateway uses without reading it (existence only).
    fn note(&mut self, role: Role, configured: String, mention: Option<Mention>) {
        let resolved = self.resolve("/", &configured);
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
    fn take(
        &mut self,
        role: Role,
        configured: &str,
        mention: Option<Mention>,
        cwd: &str,
        report: &mut Report,
    ) -> Option<FileId> {
        let mut resolved = self.resolve(cwd, configured);
        // A directory where a file is configured: the daemon finds no file
        // there either, so it is reported like a missing one, not as an I/O error.
        if let Some(dir) = resolved.path().filter(|p| self.fs.is_dir(p)) {
            resolved = Resolved::Missing(dir.to_path_buf());
        }
        let file = match resolved.path() {
            Some(p) => read_or_report(self.fs, p, report),
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
}

/// Check a whole gateway at `root`.
pub fn load_gateway(
    fs: &dyn FileSystem,
    root: &Path,
    layout: Layout,
    opts: &LintOptions,
    report: &mut Report,
) -> crate::rules::pair::SiteGateway {
    let mut ld = Loader {
        fs,
        root,
        layout,
        files: Vec::new(),
    };

    // rc.conf: defaults, then rc_conf_files in order, then rc.conf.d.
    let mut rc = RcConfig::with_defaults();
    if layout == Layout::Snapshot && fs.exists(&root.join("etc/defaults/rc.conf")) {
        if let Some(id) = ld.take(Role::RcConf, "/etc/defaults/rc.conf", None, "/", report) {
            let text = report.db.get(id).text.clone();
            let parsed = check_rc(id, &text, RcKind::Defaults, report);
            rc.apply(id, &parsed);
        }
    }
    // The snapshot's own defaults decide which files follow, as /etc/rc does.
    let rc_files: Vec<String> = match layout {
        Layout::Snapshot => rc
            .value("rc_conf_files")
            .split_whitespace()
            .map(String::from)
            .collect(),
        Layout::Flat => vec!["/rc.conf".into(), "/rc.conf.local".into()],
    };
    for f in &rc_files {
        if !matches!(ld.resolve("/", f), Resolved::Found(_)) {
            continue;
        }
        if let Some(id) = ld.take(Role::RcConf, f, None, "/", report) {
            let text = report.db.get(id).text.clone();
            let path = report.db.get(id).path.clone();
            let parsed = check_rc(id, &text, rc_kind(&path, &text), report);
            rc.apply(id, &parsed);
        }
    }
    if layout == Layout::Snapshot {
        let dir = root.join("etc/rc.conf.d");
        if fs.is_dir(&dir) && discovery::contained(fs, root, &dir).is_ok() {
            for e in fs.list_dir(&dir).unwrap_or_default() {
                if fs.is_dir(&e) || discovery::contained(fs, root, &e).is_err() {
                    continue;
                }
                if let Some(id) = read_or_report(fs, &e, report) {
                    let text = report.db.get(id).text.clone();
                    let parsed = check_rc(id, &text, RcKind::RcConf, report);
                    rc.apply(id, &parsed);
                }
            }
        }
    }

    // The release: --target, else ipseclint.toml (the gateway's entry, then
    // the top level), else bin/freebsd-version.
    let configured = opts
        .target
        .map(|t| (t, TargetSource::CommandLine))
        .or_else(|| {
            opts.config
                .gateway_hint(root)
                .and_then(|h| h.target)
                .or(opts.config.target)
                .map(|t| (t, TargetSource::Config))
        });
    let (mut target, mut target_source) =
        configured.unwrap_or((Target::default(), TargetSource::Default));
    let version_path = if layout == Layout::Snapshot {
        "/bin/freebsd-version"
    } else {
        "/freebsd-version"
    };
    if matches!(ld.resolve("/", version_path), Resolved::Found(_)) {
        if let Some(id) = ld.take(Role::FreebsdVersion, version_path, None, "/", report) {
            let parsed = crate::syntax::rcconf::parse(&report.db.get(id).text);
            let version = parsed
                .assignments()
                .find(|a| a.name.value == "USERLAND_VERSION")
                .map(|a| {
                    a.parts
                        .iter()
                        .map(|p| match p {
                            crate::syntax::rcconf::Part::Literal(l) => l.as_str(),
                            _ => "",
                        })
                        .collect::<String>()
                });
            if let (None, Some(t)) = (
                configured,
                version.as_deref().and_then(Target::from_version),
            ) {
                target = t;
                target_source = TargetSource::FreebsdVersion(id);
            }
        }
    }

    // sysctl.conf and loader.conf: `name=value` settings.
    let mut sysctl = RcConfig::default();
    let mut loader = RcConfig::default();
    for (role, path) in [
        (Role::Sysctl, "/etc/sysctl.conf"),
        (Role::Loader, "/boot/loader.conf"),
    ] {
        let p = match layout {
            Layout::Flat => format!(
                "/{}",
                Path::new(path)
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
            ),
            Layout::Snapshot => path.to_string(),
        };
        if matches!(ld.resolve("/", &p), Resolved::Found(_)) {
            if let Some(id) = ld.take(role, &p, None, "/", report) {
                let text = report.db.get(id).text.clone();
                let parsed = check_rc(id, &text, RcKind::Other, report);
                let into = if role == Role::Sysctl {
                    &mut sysctl
                } else {
                    &mut loader
                };
                into.apply(id, &parsed);
            }
        }
    }

    // setkey: ipsec_file.
    let ipsec_file = rc.value("ipsec_file").to_string();
    let mention = rc.origin("ipsec_file").map(Mention::from);
    let setkey = ld
        .take(Role::Setkey, &ipsec_file, mention, "/", report)
        .map(|id| {
            let text = report.db.get(id).text.clone();
            (id, check_setkey(id, &text, target, report))
        });

    // racoon: `racoon_flags -f FILE`, else the port's default.
    let flags = rc.value("racoon_flags").to_string();
    let words: Vec<&str> = flags.split_whitespace().collect();
    let conf_path = words
        .iter()
        .position(|w| *w == "-f")
        .and_then(|i| words.get(i + 1))
        .map(|s| s.to_string())
        .unwrap_or_else(|| RACOON_CONF.to_string());
    let mention = if conf_path != RACOON_CONF {
        rc.origin("racoon_flags").map(Mention::from)
    } else {
        None
    };
    // The port's rc script checks its own path (required_files) whatever
    // racoon_flags says.
    if conf_path != RACOON_CONF {
        ld.note(Role::RacoonRcRequired, RACOON_CONF.to_string(), None);
    }
    let mut racoon = Vec::new();
    if let Some(id) = ld.take(Role::Racoon, &conf_path, mention, "/", report) {
        let text = report.db.get(id).text.clone();
        let part = check_racoon(id, &text, target, report);
        let includes = include_paths(&part);
        racoon.push(part);
        for (pattern, mention) in includes {
            for (configured, found) in expand_include(&ld, &pattern) {
                match found {
                    Some(_) => {
                        if let Some(iid) =
                            ld.take(Role::RacoonInclude, &configured, Some(mention), "/", report)
                        {
                            let t = report.db.get(iid).text.clone();
                            racoon.push(check_racoon(iid, &t, target, report));
                        }
                    }
                    None => ld.note(Role::RacoonInclude, configured, Some(mention)),
                }
            }
        }
    }

    // psk.txt: the last `path pre_shared_key`, else the port's default.
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
    let uses_psk = racoon.iter().any(|p| {
        p.model.remotes.iter().any(|r| {
            r.proposals.iter().any(|pr| {
                pr.auth_method.as_ref().is_some_and(|m| {
                    m.value.contains("pre_shared_key") || m.value.starts_with("xauth_psk")
                })
            })
        })
    });
    let psk = if psk_conf.is_some() || uses_psk || ld.resolve("/", &psk_path).path().is_some() {
        ld.take(Role::Psk, &psk_path, psk_mention, "/", report)
            .map(|id| {
                let text = report.db.get(id).text.clone();
                (id, check_psk(id, &text, report))
            })
    } else {
        None
    };
    // A host-name psk line is right where a remote in aggressive mode
    // expects that name as the peer's identifier.
    if let Some((pid, _)) = &psk {
        let names: Vec<String> = racoon
            .iter()
            .flat_map(|p| p.model.remotes.iter())
            .filter(|r| r.aggressive())
            .flat_map(|r| r.peers_identifiers.iter())
            .filter_map(|s| s.first_quoted().map(|q| q.value.clone()))
            .collect();
        let db = &report.db;
        report.diagnostics.retain(|d| {
            !(d.location.file == *pid
                && d.rule.code == crate::rules::psk::HOSTNAME_IDENTIFIER.code
                && names
                    .iter()
                    .any(|n| db.get(*pid).slice(d.location.span) == n))
        });
    }

    // Certificates racoon loads at startup.
    for part in &racoon {
        for (path, mention) in certificate_paths(part) {
            ld.note(Role::Certificate, path, Some(mention));
        }
    }

    // Firewalls: only existence here (their rules are read by the firewall checks).
    if rc.yes("firewall_enable") {
        let script = rc.value("firewall_script").to_string();
        if script != "/etc/rc.firewall" {
            ld.note(
                Role::FirewallScript,
                script,
                rc.origin("firewall_script").map(Mention::from),
            );
        }
        let ty = rc.value("firewall_type").to_string();
        if !FIREWALL_TYPES.contains(&ty.to_ascii_lowercase().as_str()) {
            ld.note(
                Role::IpfwRules,
                ty,
                rc.origin("firewall_type").map(Mention::from),
            );
        }
    }
    for (var, rules_var, role) in [
        ("ipfilter_enable", "ipfilter_rules", Role::IpfRules),
        ("ipnat_enable", "ipnat_rules", Role::IpnatRules),
    ] {
        if rc.yes(var) {
            let path = rc.value(rules_var).to_string();
            ld.note(
                role,
                path,
                rc.origin(rules_var).or(rc.origin(var)).map(Mention::from),
            );
        }
    }

    let modes = Modes::load(fs, root, opts.live);
    for f in &mut ld.files {
        if let Some(p) = f.resolved.path() {
            f.mode = modes.get(fs, root, p);
        }
    }

    let gateway = Gateway {
        name: root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| root.display().to_string()),
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
    };
    let anchor = anchor_file(&gateway, root, report);
    let cx = rg::GatewayCtx {
        gateway: &gateway,
        anchor,
    };
    report.diagnostics.extend(rg::check(&cx));
    let env = firewall_env(&gateway);
    let firewalls = load_firewalls(fs, root, layout, &gateway, report);
    let fcx = crate::rules::firewall::FirewallCtx {
        gateway: &gateway,
        firewalls: &firewalls,
        env,
        anchor,
    };
    report
        .diagnostics
        .extend(crate::rules::firewall::check(&fcx));
    report
        .tunnels
        .extend(crate::rules::firewall::tunnel_status(&fcx));
    let env = fcx.env;
    crate::rules::pair::SiteGateway {
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
fn local_addresses(g: &Gateway) -> Vec<std::net::IpAddr> {
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
        let found = ld.resolve("/", pattern).path().map(Path::to_path_buf);
        return vec![(pattern.to_string(), found)];
    }
    let Ok(local_dir) = discovery::chroot_path(ld.root, "/", dir) else {
        return vec![(pattern.to_string(), None)];
    };
    if discovery::contained(ld.fs, ld.root, &local_dir).is_err() {
        // The directory is a symlink out of the root: never listed. Noting it
        // reports where it leads.
        return vec![(dir.to_string(), None)];
    }
    let mut out = Vec::new();
    for e in ld.fs.list_dir(&local_dir).unwrap_or_default() {
        let name = e
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.starts_with('.') && crate::fnmatch::fnmatch(file, &name) && !ld.fs.is_dir(&e) {
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

/// Read the firewalls rc.conf starts, the way rc.d/ipfw and rc.d/ipfilter load them.
fn load_firewalls(
    fs: &dyn FileSystem,
    root: &Path,
    layout: Layout,
    g: &Gateway,
    report: &mut Report,
) -> Vec<crate::rules::firewall::LoadedFirewall> {
    use crate::model::gateway::Firewall;
    use crate::model::ipfw::{IpfwEnv, IpfwRuleset};
    use crate::model::rc_firewall::{self as rcf, RcFirewallOptions};
    use crate::syntax::ipfw::CommandKind;
    use crate::syntax::ipfw_sh::PathKind;

    let mut out = Vec::new();
    let read = |path: &str, report: &mut Report| -> Option<(FileId, String)> {
        let found = discovery::resolve(fs, root, layout, "/", path);
        let p = found.path()?.to_path_buf();
        let id = read_or_report(fs, &p, report)?;
        Some((id, report.db.get(id).text.clone()))
    };
    let kind_of = |path: &str| match discovery::resolve(fs, root, layout, "/", path) {
        Resolved::Found(p) | Resolved::FlatFallback(p) if fs.is_dir(&p) => PathKind::Dir,
        Resolved::Found(_) | Resolved::FlatFallback(_) => PathKind::File,
        _ => PathKind::Missing,
    };

    if g.rc.yes("firewall_enable") {
        let addrs = g.addresses();
        let mut env = IpfwEnv {
            local: local_addresses(g),
            kernel_ipsec: true,
            default_accept: g
                .loader
                .value("net.inet.ip.fw.default_to_accept")
                .trim_matches('"')
                == "1",
            ..IpfwEnv::default()
        };
        for a in &addrs {
            env.iface_addrs
                .entry(a.interface.clone())
                .or_default()
                .push(a.net.addr());
        }
        let vars = rcf::rc_vars(&g.rc);
        let mut opts = RcFirewallOptions::default();
        let ty = g.rc.value("firewall_type").to_string();
        if ty.starts_with('/') {
            opts.files.insert(ty.clone(), kind_of(&ty));
        }
        let script = g.rc.value("firewall_script").to_string();
        let run = if script == "/etc/rc.firewall" {
            match read(&script, report) {
                Some((id, text)) => Some((id, rcf::run_script(id, &text, &vars, &opts))),
                // Not in the snapshot: FreeBSD's own rc.firewall, rebuilt.
                None => {
                    let text = rcf::builtin_script(&vars, &opts);
                    let id = report
                        .db
                        .add(PathBuf::from(rcf::BUILTIN_PATH), text.clone());
                    Some((id, rcf::run_builtin(id, &text, &opts)))
                }
            }
        } else {
            read(&script, report).map(|(id, text)| {
                let sh = crate::syntax::ipfw_sh::ShellOptions {
                    vars: vars.clone(),
                    args: vec![ty.clone()],
                    unset_is_empty: true,
                    files: opts.files.clone(),
                    ..Default::default()
                };
                (id, crate::syntax::ipfw_sh::evaluate(id, &text, &sh))
            })
        };
        if run.is_none() {
            // The script is missing (reported with the gateway's files): rc
            // loads no rule, and the kernel's default rule decides alone.
            if let Some(o) =
                g.rc.origin("firewall_script")
                    .or(g.rc.origin("firewall_enable"))
            {
                out.push(crate::rules::firewall::LoadedFirewall {
                    kind: Firewall::Ipfw,
                    file: o.file,
                    anchor: o.value_span,
                    ruleset: Box::new(IpfwRuleset::load(std::iter::empty(), env.clone())),
                });
            }
        }
        if let Some((script_id, sh)) = run {
            report.diagnostics.extend(sh.diagnostics);
            // The script's commands, with `ipfw /path` loads replaced by the file's commands.
            let mut commands = Vec::new();
            // Default-rule findings point at the loaded rules file, else at
            // the rc.conf line that picks the ruleset.
            let pick =
                g.rc.origin("firewall_type")
                    .or(g.rc.origin("firewall_enable"));
            let mut anchor = match pick {
                Some(o) if !ty.starts_with('/') || script == "/etc/rc.firewall" => {
                    (o.file, o.value_span)
                }
                _ => (script_id, crate::source::Span::new(0, 0)),
            };
            for c in sh.commands.into_iter().filter(|c| !c.conditional) {
                match &c.command.kind {
                    CommandKind::LoadFile { path, .. } => {
                        if let Some((id, text)) = read(&path.value, report) {
                            let parsed = crate::syntax::ipfw::parse_file(id, &text);
                            report.diagnostics.extend(parsed.diagnostics);
                            commands.extend(parsed.file.commands);
                            anchor = (id, crate::source::Span::new(0, 0));
                        }
                    }
                    _ => commands.push(c.command),
                }
            }
            let rs = IpfwRuleset::load(commands.iter(), env);
            out.push(crate::rules::firewall::LoadedFirewall {
                kind: Firewall::Ipfw,
                file: anchor.0,
                anchor: anchor.1,
                ruleset: Box::new(rs),
            });
        }
    }

    if g.rc.yes("ipfilter_enable") {
        let version = if g.target.release() >= 10 {
            crate::syntax::ipf::IpfVersion::V5_1
        } else {
            crate::syntax::ipf::IpfVersion::V4_1
        };
        let path = g.rc.value("ipfilter_rules").to_string();
        if let Some((id, text)) = read(&path, report) {
            let parsed = crate::syntax::ipf::parse(id, &text, version);
            report.diagnostics.extend(parsed.diagnostics);
            let rs = crate::model::ipf::IpfRuleset::load(id, &parsed.file);
            out.push(crate::rules::firewall::LoadedFirewall {
                kind: Firewall::Ipfilter,
                file: id,
                anchor: crate::source::Span::new(0, 0),
                ruleset: Box::new(rs),
            });
        }
        if g.rc.yes("ipnat_enable") {
            let nat = g.rc.value("ipnat_rules").to_string();
            if let Some((id, text)) = read(&nat, report) {
                report
                    .diagnostics
                    .extend(crate::syntax::ipf::nat::parse(id, &text, version).diagnostics);
            }
        }
    }
    out
}
