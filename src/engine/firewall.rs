//! Loading a gateway's firewalls the way rc.d/ipfw and rc.d/ipfilter do:
//! the script or rules file rc.conf names, run or parsed, into the rulesets
//! the firewall checks evaluate packets through.

use super::{read_or_report, Report};
use crate::discovery::{self, Layout, Resolved};
use crate::model::gateway::{Firewall, Gateway};
use crate::model::ipf::IpfRuleset;
use crate::model::ipfw::{IpfwEnv, IpfwRuleset};
use crate::model::rc_firewall::{self as rcf, RcFirewallOptions};
use crate::rules::firewall::LoadedFirewall;
use crate::source::{FileId, FileSystem, Span};
use crate::syntax::ipf::IpfVersion;
use crate::syntax::ipfw::{CommandKind, IpfwCommand};
use crate::syntax::ipfw_sh::{self, PathKind, ShellOptions, ShellOutput};
use std::path::{Path, PathBuf};

/// rc.conf's default firewall_script.
const RC_FIREWALL: &str = "/etc/rc.firewall";

/// A gateway's root on a file system: where the paths its configuration
/// names are, as under chroot (shared by the gateway loader and the firewalls).
#[derive(Clone, Copy)]
pub(super) struct GatewayRoot<'a> {
    pub fs: &'a dyn FileSystem,
    pub root: &'a Path,
    pub layout: Layout,
}

impl GatewayRoot<'_> {
    /// Where an absolute configured path is under the root.
    pub fn resolve(&self, path: &str) -> Resolved {
        discovery::resolve(self.fs, self.root, self.layout, "/", path)
    }

    fn read(&self, path: &str, report: &mut Report) -> Option<(FileId, std::sync::Arc<str>)> {
        let p = self.resolve(path).path()?.to_path_buf();
        let id = read_or_report(self.fs, &p, report)?;
        Some((id, report.db.get(id).text.clone()))
    }

    /// What a script's `[ -r FILE ]`-style tests would find at `path`.
    fn kind_of(&self, path: &str) -> PathKind {
        match self.resolve(path) {
            Resolved::Found(p) | Resolved::FlatFallback(p) if self.fs.is_dir(&p) => PathKind::Dir,
            Resolved::Found(_) | Resolved::FlatFallback(_) => PathKind::File,
            _ => PathKind::Missing,
        }
    }
}

/// Read the firewalls rc.conf starts, the way rc.d/ipfw and rc.d/ipfilter load them.
pub(super) fn load_firewalls(
    files: &GatewayRoot,
    g: &Gateway,
    report: &mut Report,
) -> Vec<LoadedFirewall> {
    let mut out = Vec::new();
    if g.rc.yes("firewall_enable") {
        out.extend(load_ipfw(files, g, report));
    }
    if g.rc.yes("ipfilter_enable") {
        out.extend(load_ipfilter(files, g, report));
    }
    out
}

/// What ipfw's `me`, interface addresses and the default rule are on this gateway.
fn ipfw_env(g: &Gateway) -> IpfwEnv {
    let mut env = IpfwEnv {
        local: super::gateway::local_addresses(g),
        kernel_ipsec: true,
        default_accept: g
            .loader
            .value("net.inet.ip.fw.default_to_accept")
            .trim_matches('"')
            == "1",
        ..IpfwEnv::default()
    };
    for a in &g.addresses() {
        env.iface_addrs
            .entry(a.interface.clone())
            .or_default()
            .push(a.net.addr());
    }
    env
}

/// rc.d/ipfw: run `firewall_script` with `firewall_type`, then load the
/// commands it ran (and the rules files it loads) into one ruleset.
fn load_ipfw(files: &GatewayRoot, g: &Gateway, report: &mut Report) -> Option<LoadedFirewall> {
    let env = ipfw_env(g);
    let script = g.rc.value("firewall_script").to_string();
    let ty = g.rc.value("firewall_type").to_string();
    let Some((script_id, sh)) = run_firewall_script(files, g, &script, &ty, report) else {
        // The script is missing (reported with the gateway's files): rc
        // loads no rule, and the kernel's default rule decides alone.
        let o =
            g.rc.origin("firewall_script")
                .or(g.rc.origin("firewall_enable"))?;
        return Some(LoadedFirewall {
            kind: Firewall::Ipfw,
            file: o.file,
            anchor: o.value_span,
            ruleset: Box::new(IpfwRuleset::load(std::iter::empty(), env)),
        });
    };
    report.diagnostics.extend(sh.diagnostics);
    // Default-rule findings point at the loaded rules file, else at the
    // rc.conf line that picks the ruleset.
    let pick =
        g.rc.origin("firewall_type")
            .or(g.rc.origin("firewall_enable"));
    let anchor = match pick {
        Some(o) if !ty.starts_with('/') || script == RC_FIREWALL => (o.file, o.value_span),
        _ => (script_id, Span::new(0, 0)),
    };
    let (commands, anchor) = ipfw_commands(files, sh.commands, anchor, report);
    Some(LoadedFirewall {
        kind: Firewall::Ipfw,
        file: anchor.0,
        anchor: anchor.1,
        ruleset: Box::new(IpfwRuleset::load(commands.iter(), env)),
    })
}

/// Run the firewall script: rc.firewall (the snapshot's, or FreeBSD's own
/// rebuilt when the snapshot has none) or the admin's own script, which rc
/// runs with `firewall_type` as its argument.
fn run_firewall_script(
    files: &GatewayRoot,
    g: &Gateway,
    script: &str,
    ty: &str,
    report: &mut Report,
) -> Option<(FileId, ShellOutput)> {
    let vars = rcf::rc_vars(&g.rc);
    let mut opts = RcFirewallOptions::default();
    if ty.starts_with('/') {
        opts.files.insert(ty.to_string(), files.kind_of(ty));
    }
    if script != RC_FIREWALL {
        let (id, text) = files.read(script, report)?;
        let sh = ShellOptions {
            vars,
            args: vec![ty.to_string()],
            unset_is_empty: true,
            files: opts.files.clone(),
            ..Default::default()
        };
        return Some((id, ipfw_sh::evaluate(id, &text, &sh)));
    }
    match files.read(script, report) {
        Some((id, text)) => Some((id, rcf::run_script(id, &text, &vars, &opts))),
        None => {
            let text = rcf::builtin_script(&vars, &opts);
            let id = report
                .db
                .add(PathBuf::from(rcf::BUILTIN_PATH), text.clone());
            Some((id, rcf::run_builtin(id, &text, &opts)))
        }
    }
}

/// The commands a script ran for certain, with `ipfw /path` loads replaced
/// by that file's commands; the anchor moves to the last file loaded.
fn ipfw_commands(
    files: &GatewayRoot,
    ran: Vec<ipfw_sh::ShCommand>,
    mut anchor: (FileId, Span),
    report: &mut Report,
) -> (Vec<IpfwCommand>, (FileId, Span)) {
    let mut commands = Vec::new();
    for c in ran.into_iter().filter(|c| !c.conditional) {
        match &c.command.kind {
            CommandKind::LoadFile { path, .. } => {
                if let Some((id, text)) = files.read(&path.value, report) {
                    let parsed = crate::syntax::ipfw::parse_file(id, &text);
                    report.diagnostics.extend(parsed.diagnostics);
                    commands.extend(parsed.file.commands);
                    anchor = (id, Span::new(0, 0));
                }
            }
            _ => commands.push(c.command),
        }
    }
    (commands, anchor)
}

/// rc.d/ipfilter: `ipfilter_rules` into a ruleset, and `ipnat_rules`
/// parsed for its syntax, with the IPFilter the release ships.
fn load_ipfilter(files: &GatewayRoot, g: &Gateway, report: &mut Report) -> Option<LoadedFirewall> {
    let version = if g.target.release() >= 10 {
        IpfVersion::V5_1
    } else {
        IpfVersion::V4_1
    };
    let path = g.rc.value("ipfilter_rules").to_string();
    let loaded = files.read(&path, report).map(|(id, text)| {
        let parsed = crate::syntax::ipf::parse(id, &text, version);
        report.diagnostics.extend(parsed.diagnostics);
        LoadedFirewall {
            kind: Firewall::Ipfilter,
            file: id,
            anchor: Span::new(0, 0),
            ruleset: Box::new(IpfRuleset::load(id, &parsed.file)),
        }
    });
    if g.rc.yes("ipnat_enable") {
        let nat = g.rc.value("ipnat_rules").to_string();
        if let Some((id, text)) = files.read(&nat, report) {
            let parsed = crate::syntax::ipf::nat::parse(id, &text, version);
            report.diagnostics.extend(parsed.diagnostics);
        }
    }
    loaded
}
