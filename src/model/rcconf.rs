//! rc.conf evaluated the way /etc/rc does: FreeBSD's defaults first, then
//! rc.conf, then rc.conf.local; `${var}` expanded with what was assigned
//! before; the last assignment wins.

use crate::source::{FileId, Span};
use crate::syntax::rcconf::{ParamOp, Part, RcFile};
use std::collections::HashMap;

/// The defaults of the variables ipseclint reads (FreeBSD's /etc/defaults/rc.conf).
pub const DEFAULTS: &[(&str, &str)] = &[
    ("ipsec_enable", "NO"),
    ("ipsec_file", "/etc/ipsec.conf"),
    ("ipsec_program", "/sbin/setkey"),
    ("racoon_enable", "NO"),
    ("racoon_flags", ""),
    ("ike_enable", "NO"),
    ("firewall_enable", "NO"),
    ("firewall_script", "/etc/rc.firewall"),
    ("firewall_type", "UNKNOWN"),
    ("firewall_quiet", "NO"),
    ("ipfilter_enable", "NO"),
    ("ipfilter_rules", "/etc/ipf.rules"),
    ("ipnat_enable", "NO"),
    ("ipnat_rules", "/etc/ipnat.rules"),
    ("gateway_enable", "NO"),
    ("defaultrouter", "NO"),
    ("gif_interfaces", "NO"),
    ("cloned_interfaces", ""),
    ("static_routes", ""),
    ("rc_conf_files", "/etc/rc.conf /etc/rc.conf.local"),
];

/// Where a variable's value came from.
#[derive(Clone, Debug)]
pub struct RcVar {
    pub name: String,
    pub value: String,
    /// `None` for a built-in default.
    pub origin: Option<RcOrigin>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RcOrigin {
    pub file: FileId,
    /// The whole assignment.
    pub span: Span,
    pub value_span: Span,
}

/// The evaluated configuration.
#[derive(Clone, Debug, Default)]
pub struct RcConfig {
    vars: HashMap<String, RcVar>,
    /// Every assignment in order (for duplicate checks).
    pub history: Vec<RcVar>,
    /// At least one rc.conf file was read (otherwise the boot configuration is unknown).
    pub present: bool,
    /// Bytes produced by `${...}` expansion so far (bounded: `a=$a$a` doubles).
    expanded: usize,
}

/// The longest value expansion produces, and the most it produces in all:
/// sh would go on until memory runs out; no real rc.conf comes near.
const MAX_VALUE: usize = 64 << 10;
const MAX_EXPANDED: usize = 64 << 20;
/// `${v#pat}` tries every prefix: on a longer value the pattern is not
/// applied (the value is kept whole) rather than run quadratically.
const MAX_PATTERN_SUBJECT: usize = 4 << 10;

impl RcConfig {
    pub fn with_defaults() -> Self {
        let mut c = RcConfig::default();
        for (n, v) in DEFAULTS {
            c.vars.insert(
                n.to_string(),
                RcVar {
                    name: n.to_string(),
                    value: v.to_string(),
                    origin: None,
                },
            );
        }
        c
    }

    /// Apply one file's assignments in order.
    pub fn apply(&mut self, file: FileId, rc: &RcFile) {
        self.present = true;
        for a in rc.assignments() {
            let origin = RcOrigin {
                file,
                span: a.span,
                value_span: a.value_span,
            };
            let value = self.expand(&a.parts, origin);
            let var = RcVar {
                name: a.name.value.clone(),
                value,
                origin: Some(origin),
            };
            self.history.push(var.clone());
            self.vars.insert(a.name.value.clone(), var);
        }
    }

    /// A value as sh(1) expands it, within the bounds.
    fn expand(&mut self, parts: &[Part], origin: RcOrigin) -> String {
        let mut s = String::new();
        self.expand_into(parts, origin, &mut s);
        self.expanded += s.len();
        s
    }

    fn expand_into(&mut self, parts: &[Part], origin: RcOrigin, s: &mut String) {
        for p in parts {
            let piece = match p {
                Part::Literal(l) => l.clone(),
                Part::Var { name, op: None } => self.value(name).to_string(),
                Part::Var {
                    name,
                    op: Some((op, word)),
                } => self.operate(name, *op, word, origin),
                Part::Length(name) => self.value(name).chars().count().to_string(),
                // Command substitutions are not run; unsupported forms are
                // reported by the rc.conf checks.
                Part::Command(_) | Part::Unsupported(_) => String::new(),
            };
            if s.len() + piece.len() > MAX_VALUE
                || self.expanded + s.len() + piece.len() > MAX_EXPANDED
            {
                break;
            }
            s.push_str(&piece);
        }
    }

    /// `${name OP word}`, as sh(1) defines each operator.
    fn operate(&mut self, name: &str, op: ParamOp, word: &[Part], origin: RcOrigin) -> String {
        let current = self.vars.get(name).map(|v| v.value.clone());
        let unset = |colon: bool| current.as_ref().is_none_or(|v| colon && v.is_empty());
        let mut word_value = || {
            let mut w = String::new();
            self.expand_into(word, origin, &mut w);
            w
        };
        match op {
            ParamOp::Default { colon } | ParamOp::Error { colon } if unset(colon) => word_value(),
            ParamOp::Assign { colon } if unset(colon) => {
                let w = word_value();
                self.vars.insert(
                    name.to_string(),
                    RcVar {
                        name: name.to_string(),
                        value: w.clone(),
                        origin: Some(origin),
                    },
                );
                w
            }
            ParamOp::Alternative { colon } => {
                if unset(colon) {
                    String::new()
                } else {
                    word_value()
                }
            }
            ParamOp::RemovePrefix { longest } => {
                let pattern = word_value();
                let v = current.unwrap_or_default();
                remove_prefix(&v, &pattern, longest).to_string()
            }
            ParamOp::RemoveSuffix { longest } => {
                let pattern = word_value();
                let v = current.unwrap_or_default();
                remove_suffix(&v, &pattern, longest).to_string()
            }
            _ => current.unwrap_or_default(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&RcVar> {
        self.vars.get(name)
    }

    pub fn value(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", |v| v.value.as_str())
    }

    /// rc.subr's checkyesno: YES/TRUE/ON/1 in any case.
    pub fn yes(&self, name: &str) -> bool {
        is_yes(self.value(name))
    }

    /// Where the variable was set, if it was set in a file.
    pub fn origin(&self, name: &str) -> Option<RcOrigin> {
        self.vars.get(name).and_then(|v| v.origin)
    }

    pub fn vars(&self) -> impl Iterator<Item = &RcVar> {
        self.vars.values()
    }
}

/// `${v#pat}` / `${v##pat}`: the shortest or longest matching prefix removed.
fn remove_prefix<'a>(v: &'a str, pattern: &str, longest: bool) -> &'a str {
    if v.len() > MAX_PATTERN_SUBJECT {
        return v;
    }
    let mut cuts: Vec<usize> = (0..=v.len()).filter(|i| v.is_char_boundary(*i)).collect();
    if longest {
        cuts.reverse();
    }
    cuts.into_iter()
        .find(|i| crate::fnmatch::fnmatch(pattern, &v[..*i]))
        .map_or(v, |i| &v[i..])
}

/// `${v%pat}` / `${v%%pat}`: the shortest or longest matching suffix removed.
fn remove_suffix<'a>(v: &'a str, pattern: &str, longest: bool) -> &'a str {
    if v.len() > MAX_PATTERN_SUBJECT {
        return v;
    }
    let mut cuts: Vec<usize> = (0..=v.len()).filter(|i| v.is_char_boundary(*i)).collect();
    if !longest {
        cuts.reverse();
    }
    cuts.into_iter()
        .find(|i| crate::fnmatch::fnmatch(pattern, &v[*i..]))
        .map_or(v, |i| &v[..i])
}

pub fn is_yes(v: &str) -> bool {
    matches!(v.to_ascii_uppercase().as_str(), "YES" | "TRUE" | "ON" | "1")
}

pub fn is_no(v: &str) -> bool {
    matches!(
        v.to_ascii_uppercase().as_str(),
        "NO" | "FALSE" | "OFF" | "0"
    )
}

/// One address configured on an interface.
#[derive(Clone, Debug)]
pub struct IfAddress {
    pub interface: String,
    pub net: ipnet::IpNet,
    /// The far end of a point-to-point address (gif, tun).
    pub peer: Option<std::net::IpAddr>,
    pub origin: Option<RcOrigin>,
}

/// Parse the arguments of an `ifconfig_<if>` value: `inet A netmask M`,
/// `inet A/len`, `A B netmask 0xffffffff` (point-to-point), `inet6 A prefixlen N`.
pub fn parse_ifconfig(interface: &str, value: &str, origin: Option<RcOrigin>) -> Vec<IfAddress> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let (addr_text, len) = match w.split_once('/') {
            Some((a, l)) => (a, l.parse::<u8>().ok()),
            None => (w, None),
        };
        if let Ok(ip) = addr_text.parse::<std::net::IpAddr>() {
            let mut prefix = len;
            let mut peer = None;
            let mut j = i + 1;
            // A second address right after is the point-to-point destination.
            if let Some(p) = words
                .get(j)
                .and_then(|n| n.parse::<std::net::IpAddr>().ok())
            {
                peer = Some(p);
                j += 1;
            }
            while j < words.len() && words[j].parse::<std::net::IpAddr>().is_err() {
                match words[j] {
                    "netmask" => {
                        prefix = words.get(j + 1).and_then(|m| netmask_len(m));
                        j += 1;
                    }
                    "prefixlen" => {
                        prefix = words.get(j + 1).and_then(|m| m.parse().ok());
                        j += 1;
                    }
                    _ => {}
                }
                j += 1;
            }
            let full = if ip.is_ipv4() { 32 } else { 128 };
            let default = if peer.is_some() {
                full
            } else if ip.is_ipv4() {
                classful(ip)
            } else {
                64
            };
            if let Ok(net) = ipnet::IpNet::new(ip, prefix.unwrap_or(default).min(full)) {
                out.push(IfAddress {
                    interface: interface.to_string(),
                    net,
                    peer,
                    origin,
                });
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn classful(ip: std::net::IpAddr) -> u8 {
    match ip {
        std::net::IpAddr::V4(v4) => match v4.octets()[0] {
            0..=127 => 8,
            128..=191 => 16,
            _ => 24,
        },
        std::net::IpAddr::V6(_) => 64,
    }
}

/// `255.255.255.0` or `0xffffff00` to a prefix length.
fn netmask_len(m: &str) -> Option<u8> {
    let bits = if let Some(h) = m.strip_prefix("0x") {
        u32::from_str_radix(h, 16).ok()?
    } else {
        u32::from(m.parse::<std::net::Ipv4Addr>().ok()?)
    };
    (bits.leading_ones() + bits.trailing_zeros() == 32).then_some(bits.leading_ones() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifconfig_forms() {
        let a = parse_ifconfig("em0", "inet 203.0.113.1 netmask 255.255.255.0", None);
        assert_eq!(a[0].net.to_string(), "203.0.113.1/24");
        let a = parse_ifconfig("em1", "inet 10.1.0.1/24", None);
        assert_eq!(a[0].net.to_string(), "10.1.0.1/24");
        let a = parse_ifconfig("gif0", "inet 10.0.0.1 10.0.0.2 netmask 0xffffffff", None);
        assert_eq!(a[0].net.to_string(), "10.0.0.1/32");
        assert_eq!(a[0].peer.unwrap().to_string(), "10.0.0.2");
        let a = parse_ifconfig("em0", "inet6 2001:db8::1 prefixlen 64", None);
        assert_eq!(a[0].net.to_string(), "2001:db8::1/64");
        assert!(parse_ifconfig("em0", "DHCP", None).is_empty());
    }

    #[test]
    fn expansion_and_override() {
        let mut c = RcConfig::with_defaults();
        let rc = crate::syntax::rcconf::parse(
            "ipsec_enable=YES\nmyfile=/etc/x\nipsec_file=\"${myfile}.conf\"\nipsec_enable=NO\n",
        );
        c.apply(FileId(0), &rc);
        assert_eq!(c.value("ipsec_file"), "/etc/x.conf");
        assert!(!c.yes("ipsec_enable"));
        assert_eq!(c.value("firewall_script"), "/etc/rc.firewall");
    }

    /// Every form as a POSIX sh evaluates it (the expected values are `sh -c` output).
    #[test]
    fn parameter_expansion_follows_sh() {
        let mut c = RcConfig::default();
        let rc = crate::syntax::rcconf::parse(concat!(
            "empty=\n",
            "path=/usr/local/etc/racoon.conf\n",
            "a=${unset:-${unset2:-c}}\n",
            "b=${path:+word} b2=${unset:+word} b3=${empty:+word} b4=${empty+word}\n",
            "d=${empty-dash} d2=${empty:-dash}\n",
            "e=${newvar:=assigned} e2=$newvar\n",
            "f=${#path} g=${path##*/} h=${path#*/} i=${path%.conf} j=${path%%/*}x\n",
            "k=${path/x/y}\n",
        ));
        c.apply(FileId(0), &rc);
        for (name, want) in [
            ("a", "c"),
            ("b", "word"),
            ("b2", ""),
            ("b3", ""),
            ("b4", "word"),
            ("d", ""),
            ("d2", "dash"),
            ("e", "assigned"),
            ("e2", "assigned"),
            ("f", "26"),
            ("g", "racoon.conf"),
            ("h", "usr/local/etc/racoon.conf"),
            ("i", "/usr/local/etc/racoon"),
            ("j", "x"),
            ("k", ""),
        ] {
            assert_eq!(c.value(name), want, "{name}");
        }
    }
}
