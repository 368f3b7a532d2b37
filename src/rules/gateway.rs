//! Checks across one gateway's files (IPS40xx): rc.conf against the files it
//! enables, racoon.conf against the SPD and psk.txt, manual SAs against
//! policies. Each finding points at both ends.

use super::{checks, RuleMeta};
use crate::diagnostic::rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discovery::{ModeSource, Resolved};
use crate::model::gateway::{FileRef, Gateway, Mention, Role, RACOON_CONF};
use crate::model::racoon::{id_matches, ExchangeMode, Remote};
use crate::source::{FileId, Span};
use crate::syntax::racoon::{SainfoId, Value};
use crate::syntax::setkey::{Command, CommandKind, Direction, Level, PolicyCommand, Selector};
use std::net::IpAddr;

pub struct GatewayCtx<'a> {
    pub gateway: &'a Gateway,
    /// A file to attach gateway-wide findings to when no statement is involved.
    pub anchor: Option<FileId>,
}

type Check = fn(&GatewayCtx, &mut Vec<Diagnostic>);

checks! { Check;
    IPSEC_FILE_MISSING => ipsec_file_missing,
    RACOON_NOT_ENABLED => racoon_not_enabled,
    SPD_NEVER_LOADED => spd_never_loaded,
    RACOON_CONF_MISSING => racoon_conf_missing,
    FIREWALL_RULES_MISSING => firewall_rules_missing,
    GIF_NOT_LOCAL => gif_not_local,
    POLICY_WITHOUT_REMOTE => policy_without_remote,
    POLICY_WITHOUT_SAINFO => policy_without_sainfo,
    UNUSED_REMOTE => unused_remote,
    LISTEN_NOT_LOCAL => listen_not_local,
    TUNNEL_SOURCE_NOT_LOCAL => tunnel_source_not_local,
    PSK_FILE_MISSING => psk_file_missing,
    PSK_ENTRY_MISSING => psk_entry_missing,
    PSK_MODE => psk_mode,
    CERTIFICATE_MISSING => certificate_missing,
    UNIQUE_WITHOUT_SA => unique_without_sa,
    MODES_UNKNOWN => modes_unknown,
    PATH_OUTSIDE_ROOT => path_outside_root,
    INCLUDE_MISSING => include_missing,
    FLAT_FALLBACK => flat_fallback,
    LINUX_LAYOUT => linux_layout,
    MODES_DISAGREE => modes_disagree,
}

pub fn check(cx: &GatewayCtx) -> Vec<Diagnostic> {
    super::run(CHECKS, cx)
}

impl GatewayCtx<'_> {
    /// A diagnostic at a statement, or at the top of the anchor file.
    fn at(&self, rule: &'static RuleMeta, m: Option<Mention>, msg: String) -> Option<Diagnostic> {
        let (file, span) = match m {
            Some(m) => (m.file, m.span),
            None => (self.anchor?, Span::new(0, 0)),
        };
        Some(Diagnostic::new(rule, file, span, msg))
    }

    fn rc_mention(&self, var: &str) -> Option<Mention> {
        self.gateway.rc.origin(var).map(|o| Mention {
            file: o.file,
            span: o.span,
        })
    }

    fn setkey(&self) -> Option<(FileId, &crate::syntax::setkey::SetkeyFile)> {
        self.gateway.setkey.as_ref().map(|(f, s)| (*f, s))
    }

    /// Every remote of racoon.conf and its includes, with its file.
    fn remotes(&self) -> impl Iterator<Item = (FileId, &Remote)> {
        self.gateway
            .racoon
            .iter()
            .flat_map(|p| p.model.remotes.iter().map(move |r| (p.file, r)))
    }
}

fn where_looked(f: &FileRef) -> String {
    match &f.resolved {
        Resolved::Missing(p) => format!(" (looked for {})", p.display()),
        Resolved::NotAFile(p) => format!(" ({} is a directory, not a file)", p.display()),
        _ => String::new(),
    }
}

fn missing(f: &FileRef) -> bool {
    matches!(f.resolved, Resolved::Missing(_) | Resolved::NotAFile(_))
}

rule!(IPSEC_FILE_MISSING, "IPS4001", "ipsec-file-missing", Error,
    "`ipsec_enable=\"YES\"` but the file `ipsec_file` names does not exist.",
    why: "/etc/rc.d/ipsec checks the file before running setkey; when it is missing it prints\n\
          \"not readable; ipsec start aborted\" and, while booting, halts the boot.",
    bad: "ipsec_enable=\"YES\"\nipsec_file=\"/etc/ipsec-vpn.conf\"   # file does not exist",
    good: "ipsec_enable=\"YES\"\nipsec_file=\"/etc/ipsec.conf\"        # file exists",
    log: Some("/etc/ipsec.conf not readable; ipsec start aborted."));

fn ipsec_file_missing(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let Some(f) = g.file_ref(Role::Setkey) else {
        return;
    };
    if g.ipsec_enabled() && missing(f) {
        if let Some(mut d) = cx.at(
            &IPSEC_FILE_MISSING,
            cx.rc_mention("ipsec_enable"),
            format!(
                "ipsec is enabled but `{}` does not exist{}: rc.d/ipsec halts the boot",
                f.configured,
                where_looked(f)
            ),
        ) {
            if let Some(m) = f.mention {
                d = d.with_related(m.file, m.span, "ipsec_file is set here");
            }
            out.push(d.with_help("create the setkey file or correct `ipsec_file`"));
        }
    }
}

rule!(SPD_NEVER_LOADED, "IPS4020", "spd-never-loaded", Error,
    "The gateway has a setkey file with IPsec policies, but rc.conf never loads it (`ipsec_enable` missing, misspelt or NO).",
    why: "rc.d/ipsec runs `setkey -f ${ipsec_file}` only when `ipsec_enable` is YES. A misspelt name\n\
          (`ipsec_enabled`) is a variable of its own that nothing reads: the policies never reach the\n\
          kernel, no traffic is protected, nothing asks racoon for SAs, and on FreeBSD 13+ the `ipsec`\n\
          module is not even loaded.",
    bad: "ipsec_enabled=\"YES\"\nipsec_file=\"/etc/ipsec.conf\"",
    good: "ipsec_enable=\"YES\"\nipsec_file=\"/etc/ipsec.conf\"",
    log: None);

/// Policies that need IKE or protect traffic at all: any `ipsec` policy.
fn has_ipsec_policies(g: &crate::model::gateway::Gateway) -> bool {
    use crate::syntax::setkey::CommandKind;
    g.setkey.as_ref().is_some_and(|(_, s)| {
        s.commands
            .iter()
            .any(|c| matches!(&c.kind, CommandKind::SpdAdd(p) if !p.policy.rules.is_empty()))
    })
}

fn spd_never_loaded(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let Some(c) = &g.runtime().spd.down else {
        return;
    };
    if !has_ipsec_policies(g) {
        return;
    }
    let mut d = Diagnostic::new(&SPD_NEVER_LOADED, c.file, c.span, c.message.clone());
    if let Some((f, _)) = &g.setkey {
        d = d.with_related(*f, Span::new(0, 0), "the policies that are never loaded");
    }
    if let Some(h) = &c.help {
        d = d.with_help(h.clone());
    }
    out.push(d);
}

rule!(RACOON_NOT_ENABLED, "IPS4002", "racoon-not-enabled", Warning,
    "A racoon.conf exists but rc.conf does not start racoon (an error when the SPD has ipsec policies for it to key).",
    why: "Without `racoon_enable=\"YES\"` nothing negotiates the SAs the policies require: the tunnel\n\
          stays down after a reboot although it works when racoon is started by hand.",
    bad: "# rc.conf without racoon_enable, next to /usr/local/etc/racoon/racoon.conf",
    good: "racoon_enable=\"YES\"",
    log: None);

fn racoon_not_enabled(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let Some(conf) = g.file_ref(Role::Racoon).and_then(|f| f.file) else {
        return;
    };
    if !g.rc.present || g.racoon_enabled() || g.rc.yes("ike_enable") {
        return;
    }
    let rc_file = g.rc_conf_file();
    let mention = cx.rc_mention("racoon_enable").or(rc_file.map(|f| Mention {
        file: f,
        span: Span::new(0, 0),
    }));
    if let Some(d) = cx.at(
        &RACOON_NOT_ENABLED,
        mention,
        "racoon.conf is present but rc.conf does not enable racoon".into(),
    ) {
        // Severity follows the effect: with ipsec policies and no manual
        // keys for them, nothing negotiates the SAs they require.
        let needed = has_ipsec_policies(g) && g.lookup().manual_sa_by_dst.is_empty();
        out.push(
            d.with_related(
                conf,
                Span::new(0, 0),
                "this racoon.conf is never used at boot",
            )
            .with_help("add `racoon_enable=\"YES\"` to rc.conf")
            .with_severity(if needed {
                Severity::Error
            } else {
                Severity::Warning
            }),
        );
    }
}

rule!(RACOON_CONF_MISSING, "IPS4003", "racoon-conf-missing", Error,
    "racoon is enabled but its configuration file does not exist.",
    why: "The port's rc script lists /usr/local/etc/racoon/racoon.conf in its required_files and\n\
          refuses to start racoon without it, even when racoon_flags `-f` names another file; and\n\
          racoon itself cannot start without the file `-f` names.",
    bad: "racoon_enable=\"YES\"\nracoon_flags=\"-f /usr/local/etc/racoon/vpn.conf\"   # racoon.conf missing",
    good: "racoon_enable=\"YES\"   # /usr/local/etc/racoon/racoon.conf exists",
    log: Some("racoon: ERROR: /usr/local/etc/racoon/racoon.conf is not readable."));

fn racoon_conf_missing(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let Some(f) = g.file_ref(Role::Racoon) else {
        return;
    };
    if g.racoon_enabled() && missing(f) {
        if let Some(mut d) = cx.at(
            &RACOON_CONF_MISSING,
            cx.rc_mention("racoon_enable"),
            format!(
                "racoon is enabled but `{}` does not exist{}",
                f.configured,
                where_looked(f)
            ),
        ) {
            if let Some(m) = f.mention {
                d = d.with_related(m.file, m.span, "racoon_flags names it here");
            }
            out.push(d);
        }
    }
    if let Some(req) = g.file_ref(Role::RacoonRcRequired).filter(|r| missing(r)) {
        if g.racoon_enabled() {
            if let Some(mut d) = cx.at(
                &RACOON_CONF_MISSING,
                cx.rc_mention("racoon_enable"),
                format!(
                    "the racoon rc script requires `{}` (required_files) even though racoon_flags names `{}`: rc refuses to start racoon{}",
                    req.configured,
                    f.configured,
                    where_looked(req)
                ),
            ) {
                if let Some(m) = f.mention {
                    d = d.with_related(m.file, m.span, "racoon_flags names another file here");
                }
                out.push(d);
            }
        }
    }
}

rule!(FIREWALL_RULES_MISSING, "IPS4004", "firewall-rules-missing", Error,
    "A firewall is enabled but its rules file or script does not exist.",
    why: "rc.firewall with a missing rules file loads no rules: ipfw then keeps its default rule\n\
          (deny), cutting off the gateway. ipfilter prints \"NO IPF RULES\" and is not enabled.",
    bad: "firewall_enable=\"YES\"\nfirewall_type=\"/etc/ipfw.rules\"   # missing",
    good: "firewall_enable=\"YES\"\nfirewall_type=\"/etc/ipfw.rules\"   # exists",
    log: Some("NO IPF RULES"));

fn firewall_rules_missing(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    for f in g.files.iter().filter(|f| {
        matches!(
            f.role,
            Role::IpfwRules | Role::FirewallScript | Role::IpfRules | Role::IpnatRules
        )
    }) {
        if !missing(f) {
            continue;
        }
        let enable = match f.role {
            Role::IpfRules => "ipfilter_enable",
            Role::IpnatRules => "ipnat_enable",
            _ => "firewall_enable",
        };
        let m = f.mention.or(cx.rc_mention(enable));
        if let Some(mut d) = cx.at(
            &FIREWALL_RULES_MISSING,
            m,
            format!(
                "the {} `{}` does not exist{}",
                f.role.describe(),
                f.configured,
                where_looked(f)
            ),
        ) {
            if let Some(e) = cx.rc_mention(enable) {
                if Some(e) != m {
                    d = d.with_related(e.file, e.span, format!("`{enable}` turns it on here"));
                }
            }
            out.push(d);
        }
    }
}

rule!(GIF_NOT_LOCAL, "IPS4005", "gif-address-not-local", Error,
    "A gif tunnel whose source address is not an address of this gateway.",
    why: "The outer source of a gif tunnel must be one of the gateway's own addresses; otherwise the\n\
          encapsulated packets are sent from an address the peer does not expect, or not at all.",
    bad: "ifconfig_em0=\"inet 203.0.113.1/24\"\ngifconfig_gif0=\"203.0.113.9 198.51.100.1\"",
    good: "ifconfig_em0=\"inet 203.0.113.1/24\"\ngifconfig_gif0=\"203.0.113.1 198.51.100.1\"",
    log: None);

fn gif_not_local(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    for gif in g.gifs() {
        if g.owns(gif.src) == Some(false) {
            out.push(
                Diagnostic::new(
                    &GIF_NOT_LOCAL,
                    gif.origin.file,
                    gif.origin.value_span,
                    format!(
                        "{} starts its tunnel from {}, which is not an address of this gateway",
                        gif.interface, gif.src
                    ),
                )
                .with_help("use the address of the outside interface"),
            );
        }
    }
}

/// Outbound ipsec policies racoon must key (level require, unique or default).
fn keyed_policies(s: &crate::syntax::setkey::SetkeyFile) -> Vec<(&Command, &PolicyCommand)> {
    s.commands
        .iter()
        .filter_map(|c| match &c.kind {
            CommandKind::SpdAdd(p)
                if p.policy.direction.value == Direction::Out && !p.policy.rules.is_empty() =>
            {
                Some((c, p))
            }
            _ => None,
        })
        .filter(|(_, p)| {
            p.policy
                .rules
                .iter()
                .any(|r| r.level.as_ref().is_none_or(|l| l.value != Level::Use))
        })
        .collect()
}

/// The tunnel endpoints of a policy's outermost tunnel rule.
fn tunnel(p: &PolicyCommand) -> Option<(IpAddr, IpAddr, Span)> {
    p.policy
        .rules
        .iter()
        .find(|r| r.mode.value == "tunnel")
        .and_then(|r| {
            let (a, b) = r.endpoints.as_ref()?;
            Some((a.ip?, b.ip?, r.endpoints_span.unwrap_or(r.span)))
        })
}

/// The peer a policy sends to: the tunnel destination, or (transport) the destination host.
fn peer_of(p: &PolicyCommand) -> Option<IpAddr> {
    tunnel(p)
        .map(|t| t.1)
        .or_else(|| p.dst.as_ref().and_then(|d| d.host.ip))
}

rule!(POLICY_WITHOUT_REMOTE, "IPS4006", "policy-without-remote", Error,
    "An SPD policy racoon must key, for a peer no `remote` covers.",
    why: "When the kernel needs an SA for a `require`/`unique` policy it asks racoon, which looks for a\n\
          remote for the tunnel's destination (or `remote anonymous`). Without one, nothing is negotiated.\n\
          A remote one or two typing mistakes away is named. When the only remotes are `passive`, this\n\
          gateway only responds (a design racoon.conf(5) describes): a note, the peer must start.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;\n# racoon.conf has no remote 198.51.100.1 and no remote anonymous",
    good: "remote 198.51.100.1 { exchange_mode main; proposal { ... } }",
    log: Some("no configuration found for 198.51.100.1."));

fn policy_without_remote(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let Some((sf, s)) = cx.setkey() else { return };
    let racoon = cx.gateway.racoon.first();
    for (c, p) in keyed_policies(s) {
        let Some(peer) = peer_of(p) else { continue };
        let src = tunnel(p).map(|t| t.0);
        if cx.gateway.manually_keyed(src, peer) {
            continue;
        }
        let l = cx.gateway.lookup();
        let candidates: Vec<&Remote> = l
            .remotes_by_addr
            .get(&peer)
            .into_iter()
            .flatten()
            .chain(l.anon_remotes.iter())
            .map(|&(pi, ri)| &cx.gateway.racoon[pi].model.remotes[ri])
            .filter(|r| r.address() == Some(peer) || r.is_anonymous())
            .collect();
        let msg = match (racoon, candidates.is_empty()) {
            (None, _) => format!(
                "this policy needs SAs for {peer}, but there is no racoon.conf and no manual SA"
            ),
            (Some(_), true) => {
                format!("racoon.conf has no `remote` for {peer} (and no `remote anonymous`)")
            }
            (Some(_), false) if candidates.iter().all(|r| r.passive) => format!(
                "the only remotes for {peer} are passive: racoon never starts the negotiation"
            ),
            _ => continue,
        };
        let passive = !candidates.is_empty();
        let mut d = Diagnostic::new(&POLICY_WITHOUT_REMOTE, sf, c.span, msg);
        if passive {
            // Responding only is a design racoon.conf(5) describes: the peer
            // must start; the pair check says whether one does.
            out.push(d.with_severity(Severity::Info).with_help(
                "the peer must start this tunnel; remove `passive on` if this gateway should",
            ));
            continue;
        }
        if let Some((f, near)) = crate::model::ike::near_miss_remote(cx.gateway, peer, &[]) {
            let a = near.address().map(|a| a.to_string()).unwrap_or_default();
            out.push(
                d.with_related(
                    f,
                    near.selector_span,
                    format!("`remote {a}`: a near miss for {peer}"),
                )
                .with_help(format!("correct the remote's address to `{peer}`")),
            );
            continue;
        }
        if let Some(r) = racoon {
            d = d.with_related(r.file, Span::new(0, 0), "racoon.conf checked here");
        }
        out.push(d.with_help(format!("add `remote {peer} {{ ... }}` to racoon.conf")));
    }
}

rule!(POLICY_WITHOUT_SAINFO, "IPS4007", "policy-without-sainfo", Error,
    "An SPD policy racoon must key with no sainfo whose ids equal its selectors.",
    why: "racoon finds the phase-2 sainfo by the policy's selectors, compared exactly: same address,\n\
          same prefix length, same port, same upper-layer protocol. It is not a containment test: a\n\
          sainfo for 10.1.0.0/16 does not match a policy for 10.1.0.0/24. Without a match (or a\n\
          `sainfo anonymous`) phase 2 fails.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec ...;\nsainfo address 10.1.0.0/16 any address 10.2.0.0/16 any { ... }",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec ...;\nsainfo address 10.1.0.0/24 any address 10.2.0.0/24 any { ... }",
    log: Some("failed to get sainfo."));

fn policy_without_sainfo(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let Some((sf, s)) = cx.setkey() else { return };
    let Some(main) = cx.gateway.racoon.first() else {
        return;
    };
    let sainfos: Vec<(FileId, &crate::model::racoon::Sainfo)> = cx
        .gateway
        .racoon
        .iter()
        .flat_map(|p| p.model.sainfos.iter().map(move |si| (p.file, si)))
        .collect();
    for (c, p) in keyed_policies(s) {
        let (Some(src), Some(dst), Some(upper)) = (&p.src, &p.dst, &p.upper) else {
            continue;
        };
        let Some(peer) = peer_of(p) else { continue };
        if cx.gateway.manually_keyed(tunnel(p).map(|t| t.0), peer) {
            continue;
        }
        let l = cx.gateway.lookup();
        let found = l
            .sainfo_candidates(src.host.ip, dst.host.ip)
            .into_iter()
            .map(|(pi, si)| &cx.gateway.racoon[pi].model.sainfos[si])
            .any(|si| {
                id_matches(si.local(), src, &upper.value, None)
                    && si
                        .remote()
                        .as_ref()
                        .is_none_or(|r| id_matches(r, dst, &upper.value, Some(peer)))
            });
        if found {
            continue;
        }
        let want = format!(
            "sainfo address {} {} address {} {}",
            sel_text(src),
            upper.value,
            sel_text(dst),
            upper.value
        );
        let mut d = Diagnostic::new(
            &POLICY_WITHOUT_SAINFO,
            sf,
            c.span,
            format!(
                "no sainfo has exactly this policy's ids ({} → {} {}): racoon cannot start phase 2",
                sel_text(src),
                sel_text(dst),
                upper.value
            ),
        );
        // Point at the nearest miss, which usually differs only by prefix or protocol.
        let near = sainfos
            .iter()
            .find(|(_, si)| match (si.local(), &si.remote()) {
                (SainfoId::Address { address, .. }, Some(SainfoId::Address { address: b, .. })) => {
                    address.ip == src.host.ip || b.ip == dst.host.ip
                }
                _ => false,
            });
        match near {
            Some((f, si)) => d = d.with_related(*f, si.header(), "this sainfo is close but not equal: racoon compares ids exactly, not by containment"),
            None => d = d.with_related(main.file, Span::new(0, 0), "racoon.conf checked here"),
        }
        out.push(d.with_help(format!("add `{want} {{ ... }}` (or `sainfo anonymous`)")));
    }
}

fn sel_text(s: &Selector) -> String {
    let mut t = s.host.text.value.clone();
    if let Some(p) = &s.prefix {
        t.push_str(&format!("/{}", p.value));
    }
    if let Some(p) = s.port() {
        t.push_str(&format!(" [{p}]"));
    }
    t
}

rule!(UNUSED_REMOTE, "IPS4008", "unused-remote", Warning,
    "A remote for a peer that no SPD policy or gif tunnel sends to.",
    why: "racoon only negotiates when a policy asks for an SA (or the peer starts). A remote that no\n\
          policy points at is usually a leftover or a typo in an address.",
    bad: "remote 198.51.100.9 { ... }   # the policies tunnel to 198.51.100.1",
    good: "remote 198.51.100.1 { ... }",
    log: None);

fn unused_remote(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let Some((_, s)) = cx.setkey() else { return };
    let mut peers: std::collections::HashSet<IpAddr> = s
        .commands
        .iter()
        .filter_map(|c| match &c.kind {
            CommandKind::SpdAdd(p) => peer_of(p),
            _ => None,
        })
        .collect();
    peers.extend(s.commands.iter().filter_map(|c| match &c.kind {
        CommandKind::SpdAdd(p) => tunnel(p).map(|t| t.0),
        _ => None,
    }));
    peers.extend(cx.gateway.gifs().iter().map(|g| g.dst));
    for (f, r) in cx.remotes() {
        let Some(a) = r.address() else { continue };
        if r.passive || r.generate_policy || peers.contains(&a) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &UNUSED_REMOTE,
                f,
                r.selector_span,
                format!("no SPD policy or gif tunnel uses the peer {a}"),
            )
            .with_related(
                cx.setkey().map_or(f, |s| s.0),
                Span::new(0, 0),
                "policies checked here",
            ),
        );
    }
}

rule!(LISTEN_NOT_LOCAL, "IPS4009", "listen-not-local", Warning,
    "racoon listens on an address that is not this gateway's.",
    why: "racoon cannot bind an address the host does not have; it then does not answer IKE on it.",
    bad: "listen { isakmp 203.0.113.9 [500]; }   # the gateway is 203.0.113.1",
    good: "listen { isakmp 203.0.113.1 [500]; }",
    log: Some("failed to bind to address 203.0.113.9[500] (Can't assign requested address)."));

fn listen_not_local(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    for p in &cx.gateway.racoon {
        for l in &p.model.listen {
            if cx.gateway.owns(l.value) == Some(false) {
                out.push(Diagnostic::new(
                    &LISTEN_NOT_LOCAL,
                    p.file,
                    l.span,
                    format!("{} is not an address of this gateway (rc.conf)", l.value),
                ));
            }
        }
    }
}

rule!(TUNNEL_SOURCE_NOT_LOCAL, "IPS4010", "tunnel-source-not-local", Error,
    "An outbound tunnel policy whose source endpoint is not this gateway's address.",
    why: "The local end of `esp/tunnel/SRC-DST` must be an address of this gateway: the kernel sends\n\
          the encrypted packets from it and racoon negotiates with it.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.9-198.51.100.1/require;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;",
    log: None);

fn tunnel_source_not_local(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let Some((sf, s)) = cx.setkey() else { return };
    for c in &s.commands {
        let CommandKind::SpdAdd(p) = &c.kind else {
            continue;
        };
        if p.policy.direction.value != Direction::Out {
            continue;
        }
        if let Some((src, _, span)) = tunnel(p) {
            if cx.gateway.owns(src) == Some(false) {
                let mut d = Diagnostic::new(
                    &TUNNEL_SOURCE_NOT_LOCAL,
                    sf,
                    span,
                    format!("{src} is not an address of this gateway"),
                );
                if let Some(f) = cx.gateway.rc_conf_file() {
                    d = d.with_related(
                        f,
                        Span::new(0, 0),
                        "the gateway's addresses come from this rc.conf",
                    );
                }
                out.push(d);
            }
        }
    }
}

fn uses_psk(r: &Remote) -> bool {
    r.proposals.iter().any(|p| {
        p.auth_method
            .as_ref()
            .is_some_and(|m| m.value == "pre_shared_key" || m.value.starts_with("xauth_psk"))
    })
}

rule!(PSK_FILE_MISSING, "IPS4011", "psk-file-missing", Error,
    "Pre-shared-key authentication without a readable psk.txt.",
    why: "racoon reads the key file at the first negotiation; without it every exchange fails with\n\
          \"couldn't find the pskey\".",
    bad: "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";   # file missing",
    good: "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";   # file present, mode 0600",
    log: Some("couldn't find the pskey for 198.51.100.1."));

fn psk_file_missing(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let Some((rf, r)) = cx.remotes().find(|(_, r)| uses_psk(r)) else {
        return;
    };
    let Some(f) = cx.gateway.file_ref(Role::Psk) else {
        return;
    };
    if missing(f) {
        let (file, span) = match f.mention {
            Some(m) => (m.file, m.span),
            None => (rf, r.header),
        };
        let msg = if f.mention.is_some() {
            format!(
                "`{}` does not exist{}, but remotes authenticate with pre-shared keys",
                f.configured,
                where_looked(f)
            )
        } else {
            format!("this remote uses pre-shared keys, but there is no `path pre_shared_key` and the default `{}` does not exist", f.configured)
        };
        out.push(
            Diagnostic::new(&PSK_FILE_MISSING, file, span, msg)
                .with_related(rf, r.header, "a remote using pre_shared_key")
                .with_help(
                    "add `path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";` and the file",
                ),
        );
    }
}

/// The address the way racoon prints it for the psk lookup (getnameinfo, numeric).
fn psk_address(ip: IpAddr) -> String {
    ip.to_string()
}

/// Does psk.txt hold a line racoon finds for this identifier? (first match,
/// `*` wildcard as the FreeBSD port's WCPSKEY builds it).
fn psk_has(g: &Gateway, ident: &str) -> bool {
    let l = g.lookup();
    l.psk_wild.is_some() || l.psk_first.contains_key(ident)
}

rule!(PSK_ENTRY_MISSING, "IPS4012", "psk-entry-missing", Error,
    "A pre-shared-key remote with no psk.txt line that racoon's lookup finds.",
    why: "In main mode racoon looks the key up only by the peer's address, printed exactly as\n\
          getnameinfo prints it. In aggressive mode it looks up the peer's identifier first, then\n\
          (unless verify_identifier is on) the address. A key filed under a host name, or an\n\
          address written differently, is never found.",
    bad: "remote 198.51.100.1 { exchange_mode main; ... }\n# psk.txt:  vpn-west.example.net  key...",
    good: "# psk.txt:  198.51.100.1  key...",
    log: Some("couldn't find the pskey for 198.51.100.1."));

fn psk_entry_missing(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let Some((pf, _)) = &cx.gateway.psk else {
        return;
    };
    for (f, r) in cx.remotes() {
        if !uses_psk(r) {
            continue;
        }
        let Some(addr) = r.address() else { continue };
        let by_addr = psk_address(addr);
        let first = r.exchange_modes.first().map(|m| m.value);
        let ids: Vec<String> = r
            .peers_identifiers
            .iter()
            .filter_map(|s| {
                s.values.iter().find_map(|v| match v {
                    Value::Quoted(q) => Some(q.value.clone()),
                    _ => None,
                })
            })
            .collect();
        let found = match first {
            Some(ExchangeMode::Main) | None => psk_has(cx.gateway, &by_addr),
            Some(_) => {
                ids.iter().any(|i| psk_has(cx.gateway, i))
                    || (!r.verify_identifier && psk_has(cx.gateway, &by_addr))
            }
        };
        if !found {
            let wanted: Vec<&str> = match first {
                Some(ExchangeMode::Main) | None => vec![by_addr.as_str()],
                Some(_) => ids
                    .iter()
                    .map(String::as_str)
                    .chain([by_addr.as_str()])
                    .collect(),
            };
            let near = cx.gateway.psk.as_ref().and_then(|(_, psk)| {
                wanted.iter().find_map(|w| {
                    crate::syntax::psk::near_miss(psk, w, &|i| cx.gateway.psk_ident_in_use(i))
                        .map(|e| (e, *w))
                })
            });
            let how = match first {
                Some(ExchangeMode::Main) | None => format!("main mode looks up `{by_addr}` only"),
                Some(_) if ids.is_empty() => {
                    format!("aggressive mode finds no identifier and falls back to `{by_addr}`")
                }
                Some(_) => format!(
                    "aggressive mode looks up {} then `{by_addr}`",
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(
                Diagnostic::new(
                    &PSK_ENTRY_MISSING,
                    f,
                    r.selector_span,
                    format!("psk.txt has no key for this peer: {how}"),
                )
                .with_related(*pf, Span::new(0, 0), "the pre-shared key file")
                .with_help(format!("add a line `{by_addr}<TAB>key` to psk.txt")),
            );
            // A mistyped identifier: the line to change is in psk.txt.
            if let (Some((e, w)), Some(d)) = (near, out.last_mut()) {
                let mut moved = Diagnostic::new(
                    &PSK_ENTRY_MISSING,
                    *pf,
                    e.ident_span,
                    format!("psk.txt has no key for this peer: this line's identifier `{}` is a near miss for `{w}` ({how})", e.ident),
                )
                .with_related(f, r.selector_span, "the remote that looks it up")
                .with_help(format!("correct the identifier to `{w}`"));
                std::mem::swap(d, &mut moved);
            }
        }
    }
}

rule!(PSK_MODE, "IPS4013", "psk-file-mode", Error,
    "psk.txt is readable by group or others, or not owned by root.",
    why: "racoon checks the key file each time it reads it: any group or other permission, or an owner\n\
          other than root, makes it refuse the file, and every negotiation fails as a missing key.",
    bad: "-rw-r--r--  root  psk.txt   (0644)",
    good: "-rw-------  root  psk.txt   (0600)",
    log: Some("/usr/local/etc/racoon/psk.txt has weak file permission"));

fn psk_mode(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let (Some(f), Some((pf, _))) = (g.file_ref(Role::Psk), &g.psk) else {
        return;
    };
    let Some(mode) = f.mode else { return };
    let source = match g.modes.source {
        Some(ModeSource::Mtree) => ".mtree",
        Some(ModeSource::Etckeeper) => "etc/.etckeeper",
        Some(ModeSource::Live) => "the file system",
        None => return,
    };
    let mut problems = Vec::new();
    if mode.mode & 0o077 != 0 {
        problems.push(format!(
            "mode {:04o} gives access to group or others",
            mode.mode
        ));
    }
    if mode.uid != 0 {
        problems.push("it is not owned by root".to_string());
    }
    if !problems.is_empty() {
        out.push(
            Diagnostic::new(
                &PSK_MODE,
                *pf,
                Span::new(0, 0),
                format!(
                    "racoon refuses this key file: {} (according to {source})",
                    problems.join(" and ")
                ),
            )
            .with_help("chown root psk.txt; chmod 600 psk.txt"),
        );
    }
}

rule!(CERTIFICATE_MISSING, "IPS4014", "certificate-missing", Error,
    "A certificate or key racoon.conf references does not exist.",
    why: "racoon loads certificates and private keys while it reads racoon.conf and refuses to start\n\
          when one is missing.",
    bad: "certificate_type x509 \"gw.crt\" \"gw.key\";   # not in /usr/local/etc/racoon/cert",
    good: "path certificate \"/usr/local/etc/racoon/cert\";\ncertificate_type x509 \"gw.crt\" \"gw.key\";   # both present",
    log: Some("failed to load certificate \"gw.crt\""));

fn certificate_missing(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    for f in cx.gateway.file_refs(Role::Certificate) {
        if missing(f) {
            if let Some(d) = cx.at(
                &CERTIFICATE_MISSING,
                f.mention,
                format!(
                    "`{}` does not exist{}: racoon will not start",
                    f.configured,
                    where_looked(f)
                ),
            ) {
                out.push(d);
            }
        }
    }
}

rule!(UNIQUE_WITHOUT_SA, "IPS4015", "unique-without-sa", Error,
    "A `unique:N` policy with no manual SA of reqid N.",
    why: "`unique:N` binds the policy to SAs added with `-u N`. Without such an SA (and with racoon not\n\
          keying it) the traffic is dropped.",
    bad: "spdadd ... -P out ipsec esp/transport//unique:7;\nadd ... esp 0x1001 -u 8 ...;",
    good: "spdadd ... -P out ipsec esp/transport//unique:7;\nadd ... esp 0x1001 -u 7 ...;",
    log: None);

fn unique_without_sa(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let Some((sf, s)) = cx.setkey() else { return };
    let reqids: Vec<u64> = s
        .commands
        .iter()
        .filter_map(|c| match &c.kind {
            CommandKind::Add(sa) => sa.reqid.as_ref().map(|r| r.value),
            _ => None,
        })
        .collect();
    for c in &s.commands {
        let CommandKind::SpdAdd(p) = &c.kind else {
            continue;
        };
        for r in &p.policy.rules {
            if let Some(l) = &r.level {
                if let Level::Unique(Some(n)) = l.value {
                    if !reqids.contains(&u64::from(n)) {
                        out.push(Diagnostic::new(
                            &UNIQUE_WITHOUT_SA,
                            sf,
                            l.span,
                            format!("no SA is added with `-u {n}` for this `unique:{n}` policy"),
                        ));
                    }
                }
            }
        }
    }
}

rule!(MODES_UNKNOWN, "IPS4016", "modes-unknown", Info,
    "File owners and modes are unknown, so psk.txt's permissions cannot be checked.",
    why: "racoon refuses a key file readable by others. A checkout does not keep owners or modes;\n\
          add an mtree spec (`.mtree`), an etckeeper `etc/.etckeeper`, or check the live system with `--live`.",
    bad: "gateway/ without .mtree or etc/.etckeeper",
    good: "gateway/.mtree  (mtree -c -k uname,mode -p /)",
    log: None);

fn modes_unknown(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    if g.modes.source.is_none() {
        if let Some((pf, _)) = &g.psk {
            out.push(Diagnostic::new(&MODES_UNKNOWN, *pf, Span::new(0, 0), "file modes are unknown (no .mtree, etc/.etckeeper or --live): the permissions racoon requires (0600, root) cannot be checked"));
        }
    }
}

rule!(PATH_OUTSIDE_ROOT, "IPS4017", "path-outside-root", Error,
    "A configured path, or a symlink, leads outside the gateway's directory.",
    why: "ipseclint never reads outside the gateway root given on the command line. On the gateway such\n\
          a path usually means a wrong relative path or a link to another machine's file.",
    bad: "include \"../../etc/master.passwd\";",
    good: "include \"/usr/local/etc/racoon/remotes.conf\";",
    log: None);

/// A directory entry that leads out of the directory given on the command
/// line (a site's gateway, a file of a plain directory). `at` stands for the
/// entry itself, which is never read.
pub fn entry_outside_root(at: FileId, why: &str) -> Diagnostic {
    Diagnostic::new(
        &PATH_OUTSIDE_ROOT,
        at,
        Span::new(0, 0),
        format!("{why}: not followed"),
    )
    .with_help("check the directory the link points to on its own, or copy it in")
}

fn path_outside_root(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    for f in &cx.gateway.files {
        if let Resolved::Escapes(why) = &f.resolved {
            if let Some(d) = cx.at(
                &PATH_OUTSIDE_ROOT,
                f.mention,
                format!("{why}: not followed"),
            ) {
                out.push(d);
            }
        }
    }
}

rule!(INCLUDE_MISSING, "IPS4018", "include-missing", Error,
    "An `include` in racoon.conf that matches no file.",
    why: "racoon expands includes with glob(3) while reading its configuration; a pattern without a\n\
          match is fatal. A relative include is taken relative to `path include`.",
    bad: "include \"remotes/*.conf\";   # no path include, or the directory is empty",
    good: "path include \"/usr/local/etc/racoon\";\ninclude \"remotes/*.conf\";",
    log: Some("glob found no matches for path \"/usr/local/etc/racoon/remotes/*.conf\""));

fn include_missing(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    for f in cx.gateway.file_refs(Role::RacoonInclude) {
        if missing(f) {
            let mut msg = format!(
                "`{}` matches no file: racoon refuses to start",
                f.configured
            );
            if f.configured.starts_with("(null)") {
                msg.push_str(" (the include is relative and no `path include` is set before it)");
            }
            if let Some(d) = cx.at(&INCLUDE_MISSING, f.mention, msg) {
                out.push(d);
            }
        }
    }
}

rule!(LINUX_LAYOUT, "IPS4021", "linux-layout", Warning,
    "racoon.conf is at `/etc/racoon/racoon.conf`, where Linux keeps it; FreeBSD's racoon does not read it there.",
    why: "The FreeBSD port of ipsec-tools installs racoon with `/usr/local/etc/racoon/racoon.conf` as\n\
          its configuration, and /usr/local/etc/rc.d/racoon requires that file. A tree copied from a Linux\n\
          gateway keeps racoon.conf in `/etc/racoon`, so on FreeBSD racoon starts without it (or not at\n\
          all), and ipseclint finds nothing of the gateway's IKE setup to check.",
    bad: "etc/racoon/racoon.conf        # and no usr/local/etc/racoon/racoon.conf",
    good: "usr/local/etc/racoon/racoon.conf\netc/rc.conf                    # racoon_enable=\"YES\"",
    log: Some("/usr/local/etc/rc.d/racoon: WARNING: /usr/local/etc/racoon/racoon.conf is not readable."));

fn linux_layout(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let Some(linux) = g.file_ref(Role::LinuxRacoon) else {
        return;
    };
    let racoon = g
        .file_ref(Role::Racoon)
        .map_or(RACOON_CONF, |f| f.configured.as_str());
    let read = |role: Role| g.files.iter().any(|f| f.role == role && f.file.is_some());
    let mut absent = vec![format!("`{racoon}`")];
    if !read(Role::RcConf) {
        absent.push("`/etc/rc.conf`".into());
    }
    if g.setkey.is_none() {
        absent.push("`/etc/ipsec.conf`".into());
    }
    let msg = format!(
        "`{}` is where Linux keeps racoon.conf: this is not the FreeBSD layout, and FreeBSD's racoon reads `{racoon}` (looked for {}: not there)",
        linux.configured,
        absent.join(", "),
    );
    if let Some(d) = cx.at(&LINUX_LAYOUT, None, msg) {
        out.push(d.with_help(
            "move the files to their FreeBSD places (usr/local/etc/racoon/, etc/rc.conf, etc/ipsec.conf), or set racoon_flags=\"-f /etc/racoon/racoon.conf\" in rc.conf",
        ));
    }
}

rule!(MODES_DISAGREE, "IPS4022", "modes-disagree", Warning,
    "With `--live`, a file's real mode or owner differs from what `.mtree` or `etc/.etckeeper` records.",
    why: "`--live` takes modes and owners from the file system, because that is what racoon sees. A\n\
          recorded mode that differs means the record is stale, or the files were deployed without the\n\
          modes the record promises: a psk.txt recorded as 0600 that is really 0644 is refused by racoon.",
    bad: ".mtree:   ./usr/local/etc/racoon/psk.txt mode=0600\nreal:     -rw-r--r--  root  psk.txt",
    good: ".mtree:   ./usr/local/etc/racoon/psk.txt mode=0600\nreal:     -rw-------  root  psk.txt",
    log: None);

fn modes_disagree(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    let g = cx.gateway;
    let Some(source) = g.modes.recorded_source else {
        return;
    };
    let record = match source {
        ModeSource::Etckeeper => "etc/.etckeeper",
        _ => ".mtree",
    };
    let mut seen = std::collections::HashSet::new();
    for f in &g.files {
        let (Some(path), Some(real)) = (f.resolved.path(), f.mode) else {
            continue;
        };
        if !seen.insert(path) {
            continue; // one file in two roles
        }
        let Some(recorded) = g.modes.recorded(&g.root, path) else {
            continue;
        };
        // An owner recorded by a name other than root has no known uid.
        let owner_differs = recorded.uid != u32::MAX && recorded.uid != real.uid;
        if recorded.mode == real.mode && !owner_differs {
            continue;
        }
        let msg = format!(
            "{record} records `{}` as mode {:04o}{}, but the file is mode {:04o}, owner uid {}: with --live the file system's mode is what counts",
            f.configured,
            recorded.mode,
            if recorded.uid == u32::MAX { String::new() } else { format!(", owner uid {}", recorded.uid) },
            real.mode,
            real.uid,
        );
        let d = match f.file {
            Some(id) => Some(Diagnostic::new(&MODES_DISAGREE, id, Span::new(0, 0), msg)),
            None => cx.at(&MODES_DISAGREE, f.mention, msg),
        };
        out.extend(d.map(|d| d.with_help(format!("fix the file's mode, or update {record}"))));
    }
}

rule!(FLAT_FALLBACK, "IPS4019", "flat-layout-fallback", Info,
    "A file was not at its configured path; the file of that name in the gateway directory was used.",
    why: "In a flat gateway directory (files side by side) ipseclint looks for `/etc/ipsec.conf` as\n\
          `ipsec.conf`. Make sure that is the file the gateway really uses.",
    bad: "gw/ipsec.conf   (rc.conf says ipsec_file=\"/etc/ipsec.conf\")",
    good: "gw/etc/ipsec.conf   (a snapshot layout)",
    log: None);

fn flat_fallback(cx: &GatewayCtx, out: &mut Vec<Diagnostic>) {
    for f in &cx.gateway.files {
        if let (Resolved::FlatFallback(p), Some(id)) = (&f.resolved, f.file) {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut d = Diagnostic::new(&FLAT_FALLBACK, id, Span::new(0, 0), format!("{} `{}` is not in a snapshot layout; using `{name}` from the gateway directory", f.role.describe(), f.configured));
            if let Some(m) = f.mention {
                d = d.with_related(m.file, m.span, "configured here");
            }
            out.push(d);
        }
    }
}
