//! Syntax rules (IPS1xxx). They are emitted by the parsers in `src/syntax/`.

use super::RuleMeta;
use crate::diagnostic::Severity;

pub const SYNTAX_ERROR: RuleMeta = RuleMeta {
    code: "IPS1001",
    name: "syntax-error",
    severity: Severity::Error,
    summary: "The statement does not follow the grammar racoon accepts.",
    why: "racoon stops at the first syntax error and refuses to start, so no tunnel comes up.\n\
          Its message often names the line after the real mistake; ipseclint points at the mistake itself.",
    bad: "remote 192.0.2.1 {\n    lifetime time 8;\n}",
    good: "remote 192.0.2.1 {\n    lifetime time 8 hour;\n}",
    log: Some("racoon.conf:2: \";\" syntax error"),
};

pub const UNKNOWN_STATEMENT: RuleMeta = RuleMeta {
    code: "IPS1002",
    name: "unknown-statement",
    severity: Severity::Error,
    summary: "A statement keyword that racoon does not know in this block.",
    why: "Each racoon block accepts its own set of keywords. A misspelled keyword, or one placed in the\n\
          wrong block (for example `my_identifier` inside `sainfo`), makes racoon refuse the whole file.",
    bad: "proposal {\n    encryption_algorithim aes;\n}",
    good: "proposal {\n    encryption_algorithm aes;\n}",
    log: Some("racoon.conf:2: \"e\" syntax error"),
};

pub const MISSING_SEMICOLON: RuleMeta = RuleMeta {
    code: "IPS1003",
    name: "missing-semicolon",
    severity: Severity::Error,
    summary: "A statement is not terminated by `;`.",
    why: "racoon reports a missing `;` at the following line, where it noticed the problem.\n\
          The real mistake is at the end of the statement before.",
    bad: "remote 192.0.2.1 {\n    exchange_mode main\n    proposal { ... }\n}",
    good: "remote 192.0.2.1 {\n    exchange_mode main;\n    proposal { ... }\n}",
    log: Some("racoon.conf:3: \"proposal\" syntax error"),
};

pub const UNCLOSED_BLOCK: RuleMeta = RuleMeta {
    code: "IPS1004",
    name: "unclosed-block",
    severity: Severity::Error,
    summary: "A `{` block is never closed with `}`.",
    why: "At the end of the file racoon reports this as `(null):0` with no usable line number.",
    bad: "sainfo anonymous {\n    pfs_group modp1024;\n\nremote anonymous { ... }",
    good: "sainfo anonymous {\n    pfs_group modp1024;\n}\n\nremote anonymous { ... }",
    log: Some("(null):0: \"<garbage>\" syntax error"),
};

pub const SEMICOLON_AFTER_BRACE: RuleMeta = RuleMeta {
    code: "IPS1005",
    name: "semicolon-after-brace",
    severity: Severity::Error,
    summary: "`};`: racoon does not accept a `;` after a block.",
    why: "Unlike C or named.conf, racoon's grammar has no empty statement. A `;` after `}` is a syntax error.",
    bad: "remote anonymous {\n    ...\n};",
    good: "remote anonymous {\n    ...\n}",
    log: Some("racoon.conf:3: \";\" syntax error"),
};

pub const BAD_ADDRESS: RuleMeta = RuleMeta {
    code: "IPS1006",
    name: "not-an-ip-address",
    severity: Severity::Error,
    summary: "A host name or malformed literal where racoon needs an IP address.",
    why: "racoon.conf takes IPv4 and IPv6 literals only. A host name is mangled by the lexer and the\n\
          address lookup fails, so racoon refuses the file.",
    bad: "remote vpn.example.com { ... }",
    good: "remote 192.0.2.1 { ... }",
    log: Some("getaddrinfo(vpn.e,500): Name or service not known"),
};

pub const STRAY_CHARACTERS: RuleMeta = RuleMeta {
    code: "IPS1007",
    name: "ignored-characters",
    severity: Severity::Warning,
    summary: "Characters that racoon silently ignores (`//`, `=`, ...).",
    why: "racoon's lexer swallows characters that start no token. `//` therefore does not comment out a\n\
          line: the statement after it is still active. `dpd_delay = 30;` works only by accident.",
    bad: "remote anonymous {\n    // passive on;\n}",
    good: "remote anonymous {\n    # passive on;\n}",
    log: None,
};

pub const SETKEY_SYNTAX: RuleMeta = RuleMeta {
    code: "IPS1101",
    name: "setkey-syntax-error",
    severity: Severity::Error,
    summary: "A setkey command that setkey's parser rejects.",
    why: "setkey executes commands as it parses them and stops at the first syntax error: the\n\
          policies after it are never installed, while the ones before it are.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;",
    good:
        "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;",
    log: Some("line 1: syntax error at [ipsec]"),
};

pub const SETKEY_CRLF: RuleMeta = RuleMeta {
    code: "IPS1102",
    name: "setkey-crlf",
    severity: Severity::Error,
    summary: "A setkey file with CRLF (DOS) line ends.",
    why: "setkey's lexer has no rule for a carriage return, so a file edited on Windows fails at\n\
          its first line end and no policy is loaded.",
    bad: "flush;\r\nspdflush;\r\n",
    good: "flush;\nspdflush;\n",
    log: Some("line 1: syntax error at [\r]"),
};

pub const IPFW_SYNTAX: RuleMeta = RuleMeta {
    code: "IPS1201",
    name: "ipfw-syntax-error",
    severity: Severity::Error,
    summary: "An ipfw command that ipfw's parser rejects.",
    why: "ipfw checks each command before it hands it to the kernel and refuses a bad one with\n\
          `errx()`: the rule is never installed. In a rule file (`firewall_type=/path`) ipfw exits at\n\
          that line, so every later line is lost as well; in an rc.firewall-style script only that\n\
          rule is missing. Either way the firewall runs without a rule the author relied on.",
    bad: "add 10060 udp from any to any via em0 out keep-state",
    good: "add 10060 allow udp from any to any via em0 out keep-state",
    log: Some("ipfw: invalid action udp"),
};

pub const IPFW_TRUNCATED: RuleMeta = RuleMeta {
    code: "IPS1202",
    name: "ipfw-load-truncated",
    severity: Severity::Error,
    summary: "A syntax error stops ipfw loading a rule file: the rules after it are not installed.",
    why: "`ipfw /path/to/rules` runs the file line by line and exits at the first line it cannot\n\
          parse. The rules before the error stay loaded, the rules after it silently do not, and the\n\
          default rule (deny) takes their place: typically the IKE and ESP pass rules near the end.",
    bad: "add 100 allow ip from any to any via lo0\nadd 200 udp from any to me 500\nadd 300 allow esp from any to me",
    good: "add 100 allow ip from any to any via lo0\nadd 200 allow udp from any to me 500\nadd 300 allow esp from any to me",
    log: Some("Line 2: invalid action udp"),
};

pub const IPFW_NOT_EVALUATED: RuleMeta = RuleMeta {
    code: "IPS1203",
    name: "ipfw-not-evaluated",
    severity: Severity::Info,
    summary: "A line of a firewall shell script that ipseclint could not evaluate.",
    why: "ipfw rulesets are often shell scripts (rc.firewall style). ipseclint runs the parts it can\n\
          decide (variables, `case`, `if [ ... ]`, simple functions) and lists the ipfw commands the\n\
          script adds. A command that depends on a value it cannot know (a command substitution, an\n\
          unset variable, a file test) is reported here and left out, never guessed: the checks that\n\
          follow do not see that rule.",
    bad: "fwcmd=\"/sbin/ipfw -q\"\noif=`route -n get default | awk '/interface/ {print $2}'`\n${fwcmd} add allow esp from any to me via ${oif}",
    good: "fwcmd=\"/sbin/ipfw -q\"\noif=\"em0\"\n${fwcmd} add allow esp from any to me via ${oif}",
    log: None,
};

pub const IPFW_UNVERIFIED: RuleMeta = RuleMeta {
    code: "IPS1204",
    name: "ipfw-unverified-keyword",
    severity: Severity::Info,
    summary: "An ipfw keyword or name ipseclint does not know, accepted as newer syntax.",
    why: "ipfw gains options with every FreeBSD release, and ports may be written as names from\n\
          /etc/services. A word that is not a misspelling of a keyword ipseclint knows is accepted\n\
          and reported here: the rule is kept, but its meaning cannot be checked, and an older\n\
          ipfw may reject it.",
    bad: "add 100 allow tcp from any to me dst-port 22 in tcp-frobnicate 3",
    good: "add 100 allow tcp from any to me dst-port 22 in",
    log: None,
};

pub const IPF_SYNTAX: RuleMeta = RuleMeta {
    code: "IPS1301",
    name: "ipf-syntax-error",
    severity: Severity::Error,
    summary: "An ipf.conf rule that IPFilter's parser rejects.",
    why: "IPFilter 3.4 (FreeBSD 4.x) reports the line and skips it: the rule is silently missing from the\n\
          running ruleset. IPFilter 4.x and 5.x stop at the first error, so this rule and every rule after it\n\
          are missing. Either way the firewall is not what the file says, and an ESP or IKE pass rule written\n\
          with ports on the wrong protocol never exists.",
    bad: "pass in quick on fxp0 proto esp from 198.51.100.1 port = 500 to any",
    good: "pass in quick on fxp0 proto esp from 198.51.100.1 to any\n\
           pass in quick on fxp0 proto udp from 198.51.100.1 port = 500 to any port = 500",
    log: Some("ipf: 1: port operation on non tcp/udp"),
};

pub const IPF_LOAD_TRUNCATED: RuleMeta = RuleMeta {
    code: "IPS1302",
    name: "ipf-load-truncated",
    severity: Severity::Error,
    summary: "IPFilter 4.x/5.x stops loading at a syntax error: the rules after it are not active.",
    why: "rc.d/ipfilter runs `ipf -Fa -f /etc/ipf.rules`: the old rules are flushed first, then ipf's yacc\n\
          parser exits at the first error. The rules before the error are loaded, everything after it is not.\n\
          With IPFILTER_DEFAULT_BLOCK this typically locks out whatever the later rules allowed (IKE, ESP, ssh).",
    bad: "block in all\npass in quick proto udp from any to any port = 500 keep sate\npass in quick proto esp all",
    good: "block in all\npass in quick proto udp from any to any port = 500 keep state\npass in quick proto esp all",
    log: Some("ipf: syntax error at \"sate\", line 2"),
};

pub const IPNAT_SYNTAX: RuleMeta = RuleMeta {
    code: "IPS1303",
    name: "ipnat-syntax-error",
    severity: Severity::Error,
    summary: "An ipnat.conf rule that ipnat's parser rejects.",
    why: "ipnat reports the bad rule and does not install it. A missing `map` or `rdr` rule changes which\n\
          packets are translated, including IKE (UDP 500/4500) and ESP between the gateways.",
    bad: "map fxp0 10.1.0.0/16 -> 0/32 portmap tcp/udp 1024-65535",
    good: "map fxp0 10.1.0.0/16 -> 0/32 portmap tcp/udp 1024:65535",
    log: Some("ipnat: syntax error at \"-\", line 1"),
};

pub const RULES: &[&RuleMeta] = &[
    &IPFW_SYNTAX,
    &IPFW_TRUNCATED,
    &IPFW_NOT_EVALUATED,
    &IPFW_UNVERIFIED,
    &SETKEY_SYNTAX,
    &SETKEY_CRLF,
    &IPF_SYNTAX,
    &IPF_LOAD_TRUNCATED,
    &IPNAT_SYNTAX,
    &SYNTAX_ERROR,
    &UNKNOWN_STATEMENT,
    &MISSING_SEMICOLON,
    &UNCLOSED_BLOCK,
    &SEMICOLON_AFTER_BRACE,
    &BAD_ADDRESS,
    &STRAY_CHARACTERS,
];
