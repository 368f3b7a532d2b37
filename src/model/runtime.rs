//! What a gateway does once booted with these files: does racoon start and
//! load its configuration, can it read its key file, which part of the SPD
//! does the kernel hold, does the kernel have IPsec at all. Derived once per
//! gateway; every pair check reads it instead of looking at files again.
//! Facts: rcconf.md (rc.d/ipsec, the racoon port's rc script),
//! setkey-grammar.md §5, racoon-semantics.md §0 (psk.txt permissions).

use crate::model::gateway::{Gateway, Role, TargetSource};
use crate::model::ike::Status;
use crate::model::rcconf::RcOrigin;
use crate::source::{FileId, Span};
use crate::syntax::Rejected;

/// Why a gateway cannot play its part in a tunnel, at the statement to change.
#[derive(Clone, Debug)]
pub struct Cause {
    pub status: Status,
    /// What the booted gateway does, in one sentence ("west's racoon.conf
    /// does not load (line 12)").
    pub message: String,
    pub file: FileId,
    pub span: Span,
    pub help: Option<String>,
    /// The place is a syntax error that is already reported there.
    pub syntax: bool,
}

/// The SPD the kernel holds after boot.
#[derive(Clone, Debug, Default)]
pub struct Spd {
    /// rc.d/ipsec does not run setkey at all (or has no file to give it).
    pub down: Option<Cause>,
    /// setkey stops at this error: later commands are never applied.
    pub stop: Option<(FileId, Rejected)>,
}

impl Spd {
    /// Is the setkey command at `span` of the setkey file in the kernel?
    /// Only the commands that end before setkey stops are.
    pub fn holds(&self, span: Span) -> bool {
        self.down.is_none() && self.stop.is_none_or(|(_, r)| span.end <= r.span.start)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Runtime {
    /// Why racoon is not running (not started, configuration rejected, no
    /// PF_KEY); `None` when it runs or nothing says otherwise.
    pub racoon: Option<Cause>,
    /// Why racoon refuses its psk.txt on every lookup.
    pub key_file: Option<Cause>,
    pub spd: Spd,
}

/// The gateway's state after boot.
pub fn derive(g: &Gateway) -> Runtime {
    Runtime {
        racoon: racoon_state(g),
        key_file: key_file_state(g),
        spd: spd_state(g),
    }
}

fn cause(status: Status, message: String, at: (FileId, Span), help: Option<&str>) -> Cause {
    Cause {
        status,
        message,
        file: at.0,
        span: at.1,
        help: help.map(String::from),
        syntax: false,
    }
}

/// An rc.conf assignment that was meant to set `name`: a misspelling
/// (`ipsec_enabled`, `IPSEC_ENABLE`) of it, not a variable of its own.
pub fn misspelt_var(g: &Gateway, name: &str) -> Option<(String, RcOrigin)> {
    let mut found: Vec<(String, RcOrigin)> =
        g.rc.vars()
            .filter(|v| v.name != name && !crate::model::rcconf_catalogue::is_known(&v.name))
            // Two typing mistakes at most: `ipcad_enable` is a port's variable.
            .filter(|v| {
                v.name.eq_ignore_ascii_case(name) || strsim::damerau_levenshtein(&v.name, name) <= 2
            })
            .filter_map(|v| Some((v.name.clone(), v.origin?)))
            .collect();
    // The first in the files, whatever order the table keeps.
    found.sort_by_key(|(_, o)| (o.file.0, o.span.start));
    found.into_iter().next()
}

/// The place that decides an rc.conf switch: the misspelt or `NO`
/// assignment, else another statement, else line 1 of rc.conf.
fn switch_place(
    g: &Gateway,
    var: &str,
    fallback: Option<(FileId, Span)>,
) -> Option<(FileId, Span)> {
    if let Some((_, o)) = misspelt_var(g, var) {
        return Some((o.file, o.span));
    }
    g.rc.origin(var)
        .map(|o| (o.file, o.span))
        .or(fallback)
        .or_else(|| g.rc_conf_file().map(|f| (f, Span::new(0, 0))))
}

fn switch_reason(g: &Gateway, var: &str) -> String {
    match misspelt_var(g, var) {
        Some((name, _)) => format!("`{name}` is not `{var}`, so it stays NO"),
        None if g.rc.origin(var).is_some() => format!("`{var}` is not YES"),
        None => format!("rc.conf has no `{var}=\"YES\"`"),
    }
}

/// rc.d/ipsec halts the boot when `ipsec_enable` is on and its file is
/// missing (stop_boot): nothing after it starts, racoon included.
fn boot_halted(g: &Gateway) -> Option<Cause> {
    let f = g.file_ref(Role::Setkey)?;
    if !g.ipsec_enabled() || found(f) {
        return None;
    }
    let at = f
        .mention
        .map(|m| (m.file, m.span))
        .or_else(|| g.rc.origin("ipsec_enable").map(|o| (o.file, o.span)))?;
    Some(cause(
        Status::NotRunning,
        format!(
            "{}'s boot halts: ipsec is enabled but `{}` does not exist (rc.d/ipsec: not readable; ipsec start aborted)",
            g.name, f.configured
        ),
        at,
        Some("create the setkey file or correct `ipsec_file`"),
    ))
}

fn racoon_state(g: &Gateway) -> Option<Cause> {
    if let Some(c) = boot_halted(g) {
        return Some(c);
    }
    let conf = g.file_ref(Role::Racoon)?;
    let started = g.racoon_enabled() || g.rc.yes("ike_enable");
    if !(found(conf) || g.rc.present && started) {
        // No racoon on this gateway (manual keys, or only files of others).
        return None;
    }
    if g.rc.present && !started {
        let at = switch_place(g, "racoon_enable", None)?;
        return Some(cause(
            Status::NotRunning,
            format!(
                "{}'s racoon is never started: {}",
                g.name,
                switch_reason(g, "racoon_enable")
            ),
            at,
            Some("set `racoon_enable=\"YES\"` in rc.conf"),
        ));
    }
    // The port's rc script refuses to start without its required file.
    for f in [Some(conf), g.file_ref(Role::RacoonRcRequired)]
        .into_iter()
        .flatten()
    {
        if !found(f) {
            let at = f
                .mention
                .map(|m| (m.file, m.span))
                .or_else(|| g.rc.origin("racoon_enable").map(|o| (o.file, o.span)))
                .or_else(|| g.rc_conf_file().map(|f| (f, Span::new(0, 0))))?;
            return Some(cause(
                Status::NotRunning,
                format!(
                    "{}'s racoon does not start: `{}` does not exist",
                    g.name, f.configured
                ),
                at,
                None,
            ));
        }
    }
    // racoon reads its files in order and stops at the first it refuses.
    if let Some((part, r)) = g.racoon.iter().find_map(|p| {
        [p.conf.first_error, p.refused]
            .into_iter()
            .flatten()
            .min_by_key(|r| r.span.start)
            .map(|r| (p, r))
    }) {
        let name = g
            .files
            .iter()
            .find(|f| f.file == Some(part.file))
            .map_or("racoon.conf", |f| {
                f.configured.rsplit('/').next().unwrap_or(&f.configured)
            });
        let mut c = cause(
            Status::NotRunning,
            format!(
                "{}'s {name} does not load (line {}): racoon does not start",
                g.name, r.line
            ),
            (part.file, r.span),
            None,
        );
        c.syntax = true;
        return Some(c);
    }
    // Certificates and includes are read while the configuration loads.
    for role in [Role::RacoonInclude, Role::Certificate] {
        if let Some(f) = g.file_refs(role).find(|f| !found(f)) {
            let at = f
                .mention
                .map(|m| (m.file, m.span))
                .or_else(|| g.racoon.first().map(|p| (p.file, Span::new(0, 0))))?;
            let mut c = cause(
                Status::NotRunning,
                format!(
                    "{}'s racoon does not start: its {} `{}` does not exist",
                    g.name,
                    role.describe(),
                    f.configured
                ),
                at,
                None,
            );
            // IPS4014/IPS4018 report it at that place.
            c.syntax = true;
            return Some(c);
        }
    }
    if !kernel_has_ipsec(g) {
        let fallback =
            g.rc.origin("ipsec_file")
                .map(|o| (o.file, o.span))
                .or_else(|| g.setkey.as_ref().map(|(f, _)| (*f, Span::new(0, 0))));
        let at = switch_place(g, "ipsec_enable", fallback)?;
        return Some(cause(
            Status::NotRunning,
            format!(
                "{}'s rc.d/ipsec never runs ({}): its SPD is never loaded, and on {} nothing else loads the kernel's `ipsec` module, so racoon cannot open PF_KEY",
                g.name,
                switch_reason(g, "ipsec_enable"),
                g.target.label(),
            ),
            at,
            Some("set `ipsec_enable=\"YES\"` in rc.conf (rc.d/ipsec loads the module and the SPD)"),
        ));
    }
    None
}

/// Is the file there for the daemon? Found at its place or, in a flat
/// gateway directory, by name; a path out of the root is not judged.
fn found(f: &crate::model::gateway::FileRef) -> bool {
    !matches!(
        f.resolved,
        crate::discovery::Resolved::Missing(_) | crate::discovery::Resolved::NotAFile(_)
    )
}

/// FreeBSD 13 and later ship IPsec as the `ipsec` module: rc.d/ipsec loads
/// it (required_modules), and so do kld_list and loader.conf. Only judged
/// when the release is known and rc.conf is there.
fn kernel_has_ipsec(g: &Gateway) -> bool {
    if !g.rc.present || g.target.release() < 13 || g.target_source == TargetSource::Default {
        return true;
    }
    let listed = |v: &str| {
        v.split_whitespace()
            .any(|m| m == "ipsec" || m == "ipsec.ko" || m.ends_with("/ipsec.ko"))
    };
    g.ipsec_enabled()
        || listed(g.rc.value("kld_list"))
        || crate::model::rcconf::is_yes(g.loader.value("ipsec_load").trim_matches('"'))
}

fn key_file_state(g: &Gateway) -> Option<Cause> {
    let (file, _) = g.psk.as_ref()?;
    let mode = g.file_ref(Role::Psk)?.mode?;
    // racoon checks the owner first, then the mode.
    let (problem, log) = if mode.uid != 0 {
        (
            "it is not owned by root".to_string(),
            "has invalid owner uid",
        )
    } else if mode.mode & 0o077 != 0 {
        (
            format!("mode {:04o} lets group or others read it", mode.mode),
            "has weak file permission",
        )
    } else {
        return None;
    };
    Some(cause(
        Status::KeyFileRefused,
        format!(
            "{}'s racoon refuses its pre-shared key file: {problem} (racoon: {log})",
            g.name
        ),
        (*file, Span::new(0, 0)),
        Some("chown root psk.txt; chmod 600 psk.txt"),
    ))
}

fn spd_state(g: &Gateway) -> Spd {
    let Some((file, s)) = &g.setkey else {
        return Spd {
            down: boot_halted(g).map(|c| Cause {
                status: Status::NoPolicy,
                ..c
            }),
            stop: None,
        };
    };
    let stop = s.first_error.map(|r| (*file, r));
    let mut spd = Spd { down: None, stop };
    if g.rc.present && !g.ipsec_enabled() {
        let fallback =
            g.rc.origin("ipsec_file")
                .map(|o| (o.file, o.span))
                .or(Some((*file, Span::new(0, 0))));
        if let Some(at) = switch_place(g, "ipsec_enable", fallback) {
            spd.down = Some(cause(
                Status::NoPolicy,
                format!(
                    "{}'s SPD is never loaded: {} (rc.d/ipsec runs `setkey -f` only then)",
                    g.name,
                    switch_reason(g, "ipsec_enable")
                ),
                at,
                Some("set `ipsec_enable=\"YES\"` in rc.conf"),
            ));
        }
    }
    spd
}
