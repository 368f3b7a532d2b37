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

pub const UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    code: "IPS9004",
    name: "unused-suppression",
    severity: Severity::Info,
    summary: "An `# ipseclint: ignore[...]` comment that silences no finding.",
    why: "A suppression outlives the problem it was written for. Left in place it would silence the\n\
          same mistake when it comes back, so ipseclint says when one no longer matches anything.",
    bad: "# ipseclint: ignore[IPS4008] old peer, removed in 2024\nremote 198.51.100.1 { ... }   # now used by a policy",
    good: "remote 198.51.100.1 { ... }",
    log: None,
};

pub const BAD_SUPPRESSION: RuleMeta = RuleMeta {
    code: "IPS9005",
    name: "invalid-suppression",
    severity: Severity::Warning,
    summary: "An `# ipseclint:` comment that is not a valid suppression, so it silences nothing.",
    why:
        "A misspelled suppression silently does nothing: the finding it was meant for still fails\n\
          the build, or worse, the author believes a check is off when it is not.",
    bad: "# ipseclint: ignore IPS2003\n# ipseclint: ignore[IPS203]",
    good: "# ipseclint: ignore[IPS2003] the peer is decommissioned next week",
    log: None,
};

pub const RULES: &[&RuleMeta] = &[
    &NOT_RECOGNISED,
    &NOT_UTF8,
    &TOO_LARGE,
    &UNUSED_SUPPRESSION,
    &BAD_SUPPRESSION,
];
