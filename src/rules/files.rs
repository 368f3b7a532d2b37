//! Inputs and files (IPS9xxx).

use crate::diagnostic::{register, rule};

rule!(NOT_RECOGNISED, "IPS9001", "file-not-recognised", Info,
    "A file given on the command line, or found in a plain directory, is not a configuration ipseclint can place.",
    why: "ipseclint recognises files by name and content. A strongSwan-style ipsec.conf, for\n\
          example, is not a setkey file: it configures a different IKE daemon. A file whose content\n\
          cannot be placed with confidence is reported once and never shown: it may hold keys.",
    bad: "conn office\n    left=%defaultroute",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/203.0.113.1-198.51.100.1/require;",
    log: None);

rule!(NOT_UTF8, "IPS9002", "not-utf8", Warning,
    "A file contains bytes that are not UTF-8.",
    why: "ipseclint reads on with the bytes replaced, so locations stay right, but the daemons see\n\
          the raw bytes: a stray Latin-1 character in a key or name changes what they read.",
    bad: "path pre_shared_key \"/usr/local/etc/racoon/ps\\xe9k.txt\";",
    good: "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";",
    log: None);

rule!(TOO_LARGE, "IPS9003", "file-too-large", Error,
    "A file larger than 16 MiB.",
    why: "No configuration file is that large: it is most likely the wrong file (a log, a dump). ipseclint\n\
          does not read it, so nothing in it is checked.",
    bad: "etc/ipsec.conf (2 GiB)",
    good: "etc/ipsec.conf (a few KiB)",
    log: None);

rule!(UNUSED_SUPPRESSION, "IPS9004", "unused-suppression", Info,
    "An `# ipseclint: ignore[...]` comment that silences no finding.",
    why: "A suppression outlives the problem it was written for. Left in place it would silence the\n\
          same mistake when it comes back, so ipseclint says when one no longer matches anything.",
    bad: "# ipseclint: ignore[IPS4008] old peer, removed in 2024\nremote 198.51.100.1 { ... }   # now used by a policy",
    good: "remote 198.51.100.1 { ... }",
    log: None);

rule!(BAD_SUPPRESSION, "IPS9005", "invalid-suppression", Warning,
    "An `# ipseclint:` comment that is not a valid suppression, so it silences nothing.",
    why: "A misspelled suppression silently does nothing: the finding it was meant for still fails\n\
          the build, or worse, the author believes a check is off when it is not.",
    bad: "# ipseclint: ignore IPS2003\n# ipseclint: ignore[IPS203]",
    good: "# ipseclint: ignore[IPS2003] the peer is decommissioned next week",
    log: None);

rule!(FINDINGS_CAPPED, "IPS9006", "findings-capped", Info,
    "One rule found more than 100 problems in one file: the rest are counted, not shown.",
    why: "A generated or repeated file (a loop that adds the same rule a thousand times) can yield\n\
          thousands of identical findings; the first hundred show the problem, and the count says how\n\
          far it goes. Fix those and run again.",
    bad: "add 100 allow udp from any to any 500    # the same line 5,000 times",
    good: "add 100 allow udp from any to any 500",
    log: None);

rule!(NOT_FOLLOWED, "IPS9007", "reference-not-followed", Info,
    "A racoon.conf checked on its own names an `include` or a `path` file that is not read.",
    why: "Given a lone file, ipseclint cannot know where the gateway's root is, so it does not\n\
          follow `include` or read the psk.txt and certificates that `path` names. racoon itself\n\
          stops when an include matches nothing. Give the gateway's directory to check them.",
    bad: "ipseclint racoon.conf          # include \"remotes/*.conf\" is not followed",
    good: "ipseclint gateway/             # the gateway's root: includes and psk.txt are read",
    log: Some("glob found no matches for path \"/usr/local/etc/racoon/remotes/*.conf\""));

register![
    NOT_FOLLOWED,
    NOT_RECOGNISED,
    NOT_UTF8,
    TOO_LARGE,
    UNUSED_SUPPRESSION,
    BAD_SUPPRESSION,
    FINDINGS_CAPPED
];
