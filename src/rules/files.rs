//! Inputs and files (IPS9xxx).

use super::RuleMeta;
use crate::diagnostic::Severity;

pub const NOT_RECOGNISED: RuleMeta = RuleMeta {
    code: "IPS9001",
    name: "file-not-recognised",
    severity: Severity::Info,
    summary: "A file given on the command line is not a configuration ipseclint checks.",
    why: "ipseclint recognises files by name and content. A strongSwan-style ipsec.conf, for\n\
          example, is not a setkey file: it configures a different IKE daemon.",
    bad: "conn office\n    left=%defaultroute",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;",
    log: None,
};

pub const NOT_UTF8: RuleMeta = RuleMeta {
    code: "IPS9002",
    name: "not-utf8",
    severity: Severity::Warning,
    summary: "A file contains bytes that are not UTF-8.",
    why:
        "ipseclint reads on with the bytes replaced, so locations stay right, but the daemons see\n\
          the raw bytes: a stray Latin-1 character in a key or name changes what they read.",
    bad: "path pre_shared_key \"/usr/local/etc/racoon/ps\\xe9k.txt\";",
    good: "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";",
    log: None,
};

pub const TOO_LARGE: RuleMeta = RuleMeta {
    code: "IPS9003",
    name: "file-too-large",
    severity: Severity::Error,
    summary: "A file larger than 16 MiB.",
    why: "No configuration file is that large: it is most likely the wrong file (a log, a dump). ipseclint\n\
          does not read it, so nothing in it is checked.",
    bad: "etc/ipsec.conf (2 GiB)",
    good: "etc/ipsec.conf (a few KiB)",
    log: None,
};

pub const RULES: &[&RuleMeta] = &[&NOT_RECOGNISED, &NOT_UTF8, &TOO_LARGE];
