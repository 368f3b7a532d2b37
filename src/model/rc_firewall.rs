//! FreeBSD's rc.firewall prototype rulesets (`firewall_type` = open, client,
//! simple, closed, workstation, UNKNOWN, or a rule file).
//!
//! Two ways to get the ruleset (see ../shared/facts/ipfw-grammar.md §6):
//! * [`run_script`]: run the real rc.firewall text of the gateway with the
//!   shell evaluator (`syntax::ipfw_sh`), rc.conf values standing in for
//!   `. /etc/rc.conf`. Rules point at the lines of that script.
//! * [`builtin_script`] + [`run_builtin`]: when the snapshot has no
//!   rc.firewall, ipseclint writes a plain script of literal `ipfw` commands
//!   that reproduce what the current FreeBSD rc.firewall runs for these
//!   rc.conf values, and evaluates it the same way. The caller registers that
//!   text as a file of its own (e.g. at [`BUILTIN_PATH`]) so each rule points
//!   at a line of it, with a comment saying which rc.firewall section it
//!   stands for.

use crate::model::rcconf::RcConfig;
use crate::source::FileId;
use crate::syntax::ipfw_sh::{self, PathKind, ShellOptions, ShellOutput};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Where the built-in stand-in is shown (it is not a file on the gateway).
pub const BUILTIN_PATH: &str = "<ipseclint built-in rc.firewall>";

/// The rc.conf variables rc.firewall reads, with FreeBSD's current defaults
/// (`/etc/defaults/rc.conf`; the `_ipv6` variants are unset there).
pub const FIREWALL_DEFAULTS: &[(&str, &str)] = &[
    ("firewall_enable", "NO"),
    ("firewall_script", "/etc/rc.firewall"),
    ("firewall_type", "UNKNOWN"),
    ("firewall_quiet", "NO"),
    ("firewall_logging", "NO"),
    ("firewall_logif", "NO"),
    ("firewall_flags", ""),
    ("firewall_coscripts", ""),
    ("firewall_client_net", "192.0.2.0/24"),
    ("firewall_simple_iif", "em1"),
    ("firewall_simple_inet", "192.0.2.16/28"),
    ("firewall_simple_oif", "em0"),
    ("firewall_simple_onet", "192.0.2.0/28"),
    ("firewall_myservices", ""),
    ("firewall_allowservices", ""),
    ("firewall_trusted", ""),
    ("firewall_logdeny", "NO"),
    ("firewall_nologports", "135-139,445 1026,1027 1433,1434"),
    ("firewall_nat_enable", "NO"),
    ("firewall_nat_interface", ""),
    ("firewall_nat_flags", ""),
    ("natd_enable", "NO"),
    ("natd_interface", ""),
    ("natd_flags", ""),
];

/// What rc.firewall finds in the system besides rc.conf.
#[derive(Clone, Debug)]
pub struct RcFirewallOptions {
    /// `afexists inet6` succeeds: the kernel has IPv6 (GENERIC does).
    pub inet6: bool,
    /// What a path is, for `firewall_type=/path` (`[ -r ... ]`, `-f`, `-d`).
    /// A path not listed is unknown: its load is kept as conditional.
    pub files: HashMap<String, PathKind>,
}

impl Default for RcFirewallOptions {
    fn default() -> Self {
        RcFirewallOptions {
            inet6: true,
            files: HashMap::new(),
        }
    }
}

/// rc.conf values for rc.firewall: [`FIREWALL_DEFAULTS`], then every
/// variable of the evaluated configuration.
pub fn rc_vars(config: &RcConfig) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = FIREWALL_DEFAULTS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for v in config.vars() {
        m.insert(v.name.clone(), v.value.clone());
    }
    m
}

/// [`FIREWALL_DEFAULTS`] overridden by `values`.
pub fn rc_vars_from(values: &HashMap<String, String>) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = FIREWALL_DEFAULTS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    m.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
    m
}

fn value<'a>(vars: &'a HashMap<String, String>, name: &str) -> &'a str {
    vars.get(name).map_or("", String::as_str)
}

fn shell_options(vars: &HashMap<String, String>, opts: &RcFirewallOptions) -> ShellOptions {
    let mut vars = vars.clone();
    // FreeBSD ≤ 4 sourced rc.firewall from rc.network with fwcmd already set.
    let quiet = value(&vars, "firewall_quiet").eq_ignore_ascii_case("yes");
    vars.entry("fwcmd".into()).or_insert_with(|| {
        if quiet {
            "/sbin/ipfw -q".into()
        } else {
            "/sbin/ipfw".into()
        }
    });
    let fw_type = value(&vars, "firewall_type").to_string();
    let mut files = opts.files.clone();
    // A type the script does not know is tried as a file name. rc runs the
    // script from `/`, where a relative name such as `workstation` (a type
    // older scripts lack) is not a rule file.
    if !fw_type.starts_with('/') {
        files.entry(fw_type.clone()).or_insert(PathKind::Missing);
    }
    for f in [
        "/etc/defaults/rc.conf",
        "/etc/rc.conf",
        "/etc/rc.subr",
        "/etc/network.subr",
    ] {
        files.entry(f.into()).or_insert(PathKind::File);
    }
    let mut statuses = HashMap::new();
    statuses.insert("afexists inet6".to_string(), if opts.inet6 { 0 } else { 1 });
    statuses.insert("afexists inet".to_string(), 0);
    // rc.firewall tells an address from an interface name with
    // `echo "$firewall_nat_interface" | grep -q -E '^[0-9]+(\.[0-9]+){0,3}$'`.
    let nat_if = value(&vars, "firewall_nat_interface");
    statuses.insert(
        format!("echo {nat_if} | grep -q -E ^[0-9]+(\\.[0-9]+){{0,3}}$"),
        if is_numeric_address(nat_if) { 0 } else { 1 },
    );
    ShellOptions {
        vars,
        args: vec![fw_type],
        unset_is_empty: true,
        statuses,
        files,
    }
}

/// Run the gateway's own rc.firewall (as `/bin/sh rc.firewall $firewall_type`).
pub fn run_script(
    file: FileId,
    script: &str,
    vars: &HashMap<String, String>,
    opts: &RcFirewallOptions,
) -> ShellOutput {
    ipfw_sh::evaluate(file, script, &shell_options(vars, opts))
}

/// Run the text made by [`builtin_script`] (registered as `file`).
pub fn run_builtin(file: FileId, text: &str, opts: &RcFirewallOptions) -> ShellOutput {
    let sh = ShellOptions {
        files: opts.files.clone(),
        ..Default::default()
    };
    ipfw_sh::evaluate(file, text, &sh)
}

/// A shell word as the unquoted `${var}` of rc.firewall gives it: split on
/// blanks; each piece quoted when the shell would read it specially.
fn words(v: &str) -> String {
    v.split_whitespace()
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(w: &str) -> String {
    if w.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:,@%+=".contains(c))
        && !w.is_empty()
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// `^[0-9]+(\.[0-9]+){0,3}$`
fn is_numeric_address(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn yes_exact(v: &str) -> bool {
    v.eq_ignore_ascii_case("yes")
}

/// The stand-in script for the current FreeBSD rc.firewall with these
/// rc.conf values: literal ipfw commands in the order rc.firewall runs them,
/// each section introduced by a comment naming the rc.firewall part.
pub fn builtin_script(vars: &HashMap<String, String>, opts: &RcFirewallOptions) -> String {
    let fw_type = value(vars, "firewall_type");
    let lower = fw_type.to_ascii_lowercase();
    let fw = if yes_exact(value(vars, "firewall_quiet")) {
        "/sbin/ipfw -q"
    } else {
        "/sbin/ipfw"
    };
    let mut s = String::new();
    let mut out = |line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    out("#!/bin/sh");
    out("# ipseclint's stand-in for FreeBSD's /etc/rc.firewall (current release): the ipfw");
    out("# commands that script runs for the rc.conf values below. Not a file on the gateway.");
    out(&format!("# firewall_type={}", quote(fw_type)));
    out("");
    out("# rc.firewall: flush");
    out(&format!("{fw} -f flush"));
    out("# rc.firewall: setup_loopback");
    out(&format!("{fw} add 100 pass all from any to any via lo0"));
    out(&format!("{fw} add 200 deny all from any to 127.0.0.0/8"));
    out(&format!("{fw} add 300 deny ip from 127.0.0.0/8 to any"));
    if opts.inet6 {
        out(&format!("{fw} add 400 deny all from any to ::1"));
        out(&format!("{fw} add 500 deny all from ::1 to any"));
        out("# rc.firewall: setup_ipv6_mandatory (ND, DAD, RS/RA, unreachables)");
        out(&format!("{fw} add pass ipv6-icmp from :: to ff02::/16"));
        out(&format!(
            "{fw} add pass ipv6-icmp from fe80::/10 to fe80::/10"
        ));
        out(&format!(
            "{fw} add pass ipv6-icmp from fe80::/10 to ff02::/16"
        ));
        out(&format!(
            "{fw} add pass ipv6-icmp from any to any icmp6types 1"
        ));
        out(&format!(
            "{fw} add pass ipv6-icmp from any to any icmp6types 2,135,136"
        ));
    }
    let natd = yes_exact(value(vars, "natd_enable")) && !value(vars, "natd_interface").is_empty();
    let natd_if = words(value(vars, "natd_interface"));
    if lower == "open" || lower == "client" {
        if natd {
            out("# rc.firewall: natd_enable (open/client)");
            out(&format!(
                "{fw} add 50 divert natd ip4 from any to any via {natd_if}"
            ));
        }
        let nat_if = value(vars, "firewall_nat_interface");
        if yes_exact(value(vars, "firewall_nat_enable")) && !nat_if.is_empty() {
            let numeric = is_numeric_address(nat_if);
            let flags = format!(
                "{} {} {}",
                if numeric { "ip" } else { "if" },
                nat_if,
                value(vars, "firewall_nat_flags")
            );
            out("# rc.firewall: firewall_nat_enable (open/client)");
            out(&format!("{fw} nat 123 config log {}", words(&flags)));
            out(&format!(
                "{fw} add 50 nat 123 ip4 from any to any via {}",
                words(nat_if)
            ));
        }
    }
    match lower.as_str() {
        "open" => {
            out("# rc.firewall: open");
            out(&format!("{fw} add 65000 pass all from any to any"));
        }
        "client" => {
            let net = words(value(vars, "firewall_client_net"));
            let net6 = value(vars, "firewall_client_net_ipv6");
            out("# rc.firewall: client (firewall_client_net)");
            out(&format!("{fw} add pass all from {net} to 255.255.255.255"));
            out(&format!("{fw} add pass all from me to {net}"));
            out(&format!("{fw} add pass all from {net} to me"));
            if !net6.is_empty() {
                let net6 = words(net6);
                out("# rc.firewall: client (firewall_client_net_ipv6)");
                out(&format!("{fw} add pass all from me to {net6}"));
                out(&format!("{fw} add pass all from {net6} to me"));
                out(&format!("{fw} add pass all from fe80::/10 to ff02::/16"));
                out(&format!("{fw} add pass all from {net6} to ff02::/16"));
                out(&format!("{fw} add pass udp from fe80::/10 to me 546"));
            }
            out("# rc.firewall: client (TCP, fragments, mail, outgoing setup, DNS, NTP)");
            out(&format!("{fw} add pass tcp from any to any established"));
            out(&format!("{fw} add pass all from any to any frag"));
            out(&format!("{fw} add pass tcp from any to me 25 setup"));
            out(&format!("{fw} add pass tcp from me to any setup"));
            out(&format!("{fw} add deny tcp from any to any setup"));
            out(&format!("{fw} add pass udp from me to any 53 keep-state"));
            out(&format!("{fw} add pass udp from me to any 123 keep-state"));
        }
        "simple" => simple(vars, fw, natd, &natd_if, &mut out),
        "workstation" => workstation(vars, fw, opts.inet6, &mut out),
        "closed" => {
            out("# rc.firewall: closed");
            out(&format!("{fw} add 65000 deny ip from any to any"));
        }
        "unknown" => {
            out("# rc.firewall: UNKNOWN (no rules beyond the above)");
        }
        _ => {
            // A rule file (or, in current releases, a directory of them).
            let path = quote(fw_type);
            let flags = words(value(vars, "firewall_flags"));
            out("# rc.firewall: firewall_type is a rule file");
            out(&format!("if [ -r {path} ]; then"));
            out(&format!("  if [ -f {path} ]; then"));
            out(&format!("    {fw} {flags} {path}"));
            out("  fi");
            out("fi");
        }
    }
    s
}

fn simple(
    vars: &HashMap<String, String>,
    fw: &str,
    natd: bool,
    natd_if: &str,
    out: &mut dyn FnMut(&str),
) {
    let or_default = |a: &str, b: &str| {
        let v = value(vars, a);
        if v.is_empty() {
            value(vars, b).to_string()
        } else {
            v.to_string()
        }
    };
    let oif = words(value(vars, "firewall_simple_oif"));
    let onet = words(value(vars, "firewall_simple_onet"));
    let oif6 = words(&or_default(
        "firewall_simple_oif_ipv6",
        "firewall_simple_oif",
    ));
    let onet6 = value(vars, "firewall_simple_onet_ipv6");
    let iif = words(value(vars, "firewall_simple_iif"));
    let inet = words(value(vars, "firewall_simple_inet"));
    let iif6 = words(&or_default(
        "firewall_simple_iif_ipv6",
        "firewall_simple_iif",
    ));
    let inet6 = value(vars, "firewall_simple_inet_ipv6");
    out("# rc.firewall: simple (stop spoofing)");
    out(&format!(
        "{fw} add deny all from {inet} to any in via {oif}"
    ));
    out(&format!(
        "{fw} add deny all from {onet} to any in via {iif}"
    ));
    if !inet6.is_empty() {
        out(&format!(
            "{fw} add deny all from {} to any in via {oif6}",
            words(inet6)
        ));
        if !onet6.is_empty() {
            out(&format!(
                "{fw} add deny all from {} to any in via {iif6}",
                words(onet6)
            ));
        }
    }
    out("# rc.firewall: simple (RFC 1918 and draft-manning-dsua-03 nets in table 13)");
    out(&format!("{fw} table 13 flush"));
    for net in [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "0.0.0.0/8",
        "169.254.0.0/16",
        "192.0.2.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    ] {
        out(&format!("{fw} table 13 add {net}"));
    }
    out(&format!(
        "{fw} add deny all from any to 'table(13)' via {oif}"
    ));
    if natd {
        out("# rc.firewall: simple (natd_enable)");
        out(&format!(
            "{fw} add divert natd ip4 from any to any via {natd_if}"
        ));
    }
    out(&format!(
        "{fw} add deny all from 'table(13)' to any via {oif}"
    ));
    if !inet6.is_empty() {
        out("# rc.firewall: simple (IPv6 nets that must not appear on the outside)");
        for net in [
            "fc00::/7",
            "fec0::/10",
            "::ffff:0.0.0.0/96",
            "::224.0.0.0/100",
            "::127.0.0.0/104",
            "::0.0.0.0/104",
            "::255.0.0.0/104",
            "::0.0.0.0/96",
            "2002:e000::/20",
            "2002:7f00::/24",
            "2002:0000::/24",
            "2002:ff00::/24",
            "2002:0a00::/24",
            "2002:ac10::/28",
            "2002:c0a8::/32",
            "ff05::/16",
        ] {
            out(&format!("{fw} add deny all from {net} to any via {oif6}"));
            out(&format!("{fw} add deny all from any to {net} via {oif6}"));
        }
    }
    out("# rc.firewall: simple (TCP, fragments, mail, DNS, WWW)");
    out(&format!("{fw} add pass tcp from any to any established"));
    out(&format!("{fw} add pass all from any to any frag"));
    out(&format!("{fw} add pass tcp from any to me 25 setup"));
    out(&format!("{fw} add pass tcp from any to me 53 setup"));
    out(&format!("{fw} add pass udp from any to me 53"));
    out(&format!("{fw} add pass udp from me 53 to any"));
    out(&format!("{fw} add pass tcp from any to me 80 setup"));
    out("# rc.firewall: simple (log and refuse incoming setups on the outside)");
    out(&format!(
        "{fw} add deny log ip4 from any to any in via {oif} setup proto tcp"
    ));
    if !inet6.is_empty() {
        out(&format!(
            "{fw} add deny log ip6 from any to any in via {oif6} setup proto tcp"
        ));
    }
    out("# rc.firewall: simple (other setups, DNS and NTP out)");
    out(&format!("{fw} add pass tcp from any to any setup"));
    out(&format!("{fw} add pass udp from me to any 53 keep-state"));
    out(&format!("{fw} add pass udp from me to any 123 keep-state"));
}

fn workstation(vars: &HashMap<String, String>, fw: &str, inet6: bool, out: &mut dyn FnMut(&str)) {
    out("# rc.firewall: workstation (state, outgoing connections)");
    out(&format!("{fw} add check-state"));
    out(&format!("{fw} add pass tcp from me to any established"));
    out(&format!(
        "{fw} add pass tcp from me to any setup keep-state"
    ));
    out(&format!("{fw} add pass udp from me to any keep-state"));
    out(&format!("{fw} add pass icmp from me to any keep-state"));
    if inet6 {
        out(&format!(
            "{fw} add pass ipv6-icmp from me to any keep-state"
        ));
    }
    out("# rc.firewall: workstation (DHCP, ICMP)");
    out(&format!(
        "{fw} add pass udp from 0.0.0.0 68 to 255.255.255.255 67 out"
    ));
    out(&format!("{fw} add pass udp from any 67 to me 68 in"));
    out(&format!(
        "{fw} add pass udp from any 67 to 255.255.255.255 68 in"
    ));
    if inet6 {
        out(&format!("{fw} add pass udp from fe80::/10 to me 546 in"));
    }
    out(&format!("{fw} add pass icmp from any to any icmptype 8"));
    if inet6 {
        out(&format!(
            "{fw} add pass ipv6-icmp from any to any icmp6type 128,129"
        ));
    }
    out(&format!(
        "{fw} add pass icmp from any to any icmptype 3,4,11"
    ));
    if inet6 {
        out(&format!(
            "{fw} add pass ipv6-icmp from any to any icmp6type 3"
        ));
    }
    let allow: Vec<&str> = value(vars, "firewall_allowservices")
        .split_whitespace()
        .collect();
    let mine: Vec<&str> = value(vars, "firewall_myservices")
        .split_whitespace()
        .collect();
    if !allow.is_empty() && !mine.is_empty() {
        out("# rc.firewall: workstation (firewall_myservices for firewall_allowservices)");
    }
    for i in &allow {
        for j in &mine {
            let starts_alnum = j.starts_with(|c: char| c.is_ascii_alphanumeric());
            let low = j.to_ascii_lowercase();
            let strip = |suffix: &str| &j[..j.len() - suffix.len()];
            if starts_alnum && low.ends_with("/proto") && j.len() > 6 {
                out(&format!(
                    "{fw} add pass {} from {} to me",
                    quote(strip("/proto")),
                    quote(i)
                ));
            } else if starts_alnum && low.ends_with("/tcp") && j.len() > 4 {
                out(&format!(
                    "{fw} add pass tcp from {} to me {}",
                    quote(i),
                    quote(strip("/tcp"))
                ));
            } else if starts_alnum && low.ends_with("/udp") && j.len() > 4 {
                out(&format!(
                    "{fw} add pass udp from {} to me {}",
                    quote(i),
                    quote(strip("/udp"))
                ));
            } else if j.ends_with(|c: char| c.is_ascii_alphanumeric()) {
                out(&format!(
                    "{fw} add pass tcp from {} to me {}",
                    quote(i),
                    quote(j)
                ));
            }
            // Anything else: rc.firewall prints "Invalid port" and adds nothing.
        }
    }
    let trusted: Vec<&str> = value(vars, "firewall_trusted").split_whitespace().collect();
    if !trusted.is_empty() {
        out("# rc.firewall: workstation (firewall_trusted)");
    }
    for i in trusted {
        out(&format!("{fw} add pass ip from {} to me", quote(i)));
    }
    out("# rc.firewall: workstation (count, then drop noise without logging)");
    out(&format!("{fw} add 65000 count ip from any to any"));
    for i in value(vars, "firewall_nologports").split_whitespace() {
        out(&format!(
            "{fw} add deny {{ tcp or udp }} from any to any {} in",
            quote(i)
        ));
    }
    out(&format!("{fw} add deny ip from any to 255.255.255.255"));
    out(&format!("{fw} add deny ip from any to 224.0.0.0/24 in"));
    out(&format!("{fw} add deny udp from any to any 520 in"));
    out(&format!(
        "{fw} add deny tcp from any 80,443 to any 1024-65535 in"
    ));
    let logdeny = value(vars, "firewall_logdeny");
    let log = if logdeny == "YES" || logdeny == "yes" {
        " log logamount 500"
    } else {
        ""
    };
    out("# rc.firewall: workstation (deny the rest)");
    out(&format!("{fw} add deny{log} ip from any to any"));
}

/// A ruleset's commands as ipfw reads them (for comparing two sources).
pub fn command_texts(out: &ShellOutput) -> Vec<String> {
    let mut v = Vec::new();
    for c in &out.commands {
        let mut t = String::new();
        if c.conditional {
            t.push_str("[conditional] ");
        }
        let _ = write!(t, "{}", c.command.text);
        v.push(t);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ipfw::{Addr, OptKind};

    fn vars(extra: &[(&str, &str)]) -> HashMap<String, String> {
        let m: HashMap<String, String> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        rc_vars_from(&m)
    }

    #[test]
    fn builtin_simple_has_the_antispoof_rules() {
        let v = vars(&[("firewall_type", "SIMPLE"), ("firewall_simple_oif", "fxp0")]);
        let text = builtin_script(&v, &RcFirewallOptions::default());
        let out = run_builtin(FileId(1), &text, &RcFirewallOptions::default());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let rules = out.rules();
        let deny_table_src = rules
            .iter()
            .find(|r| {
                matches!(&r.src.alts.first().map(|a| &a.addr), Some(Addr::Table { name, .. }) if name == "13")
            })
            .expect("deny from table(13)");
        assert!(deny_table_src
            .all_options()
            .any(|o| o.kind == OptKind::Via(crate::syntax::ipfw::Iface::Name("fxp0".into()))));
        let line = &text[deny_table_src.span.start()..deny_table_src.span.end()];
        assert_eq!(
            line,
            "/sbin/ipfw add deny all from 'table(13)' to any via fxp0"
        );
    }

    #[test]
    fn builtin_file_type_needs_the_file() {
        let v = vars(&[
            ("firewall_type", "/etc/ipfw.rules"),
            ("firewall_flags", "-q"),
        ]);
        let mut o = RcFirewallOptions::default();
        let text = builtin_script(&v, &o);
        let out = run_builtin(FileId(1), &text, &o);
        assert!(out.commands.iter().any(|c| c.conditional));
        o.files.insert("/etc/ipfw.rules".into(), PathKind::File);
        let out = run_builtin(FileId(1), &text, &o);
        let last = out.commands.last().unwrap();
        assert!(!last.conditional);
        assert!(matches!(
            last.command.kind,
            crate::syntax::ipfw::CommandKind::LoadFile { .. }
        ));
    }
}
