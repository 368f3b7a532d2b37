//! racoon.conf: pest grammar (`grammar/racoon.pest`), typed tree, recovery.

mod ast;
mod errors;
mod lower;
mod reading;
pub(crate) mod stray;
mod word;

pub use ast::*;
pub use lower::{parse, Parsed};
pub(crate) use word::intern;

use crate::diagnostic::{register, rule};

// The syntax rules this parser emits.

rule!(SYNTAX_ERROR, "IPS1001", "syntax-error", Error,
    "The statement does not follow the grammar racoon accepts.",
    why: "racoon stops at the first syntax error and refuses to start, so no tunnel comes up.\n\
          Its message often names the line after the real mistake; ipseclint points at the mistake itself.",
    bad: "remote 192.0.2.1 {\n    lifetime time 8;\n}",
    good: "remote 192.0.2.1 {\n    lifetime time 8 hour;\n}",
    log: Some("racoon.conf:2: \";\" syntax error"));

rule!(UNKNOWN_STATEMENT, "IPS1002", "unknown-statement", Error,
    "A statement keyword that racoon does not know in this block.",
    why: "Each racoon block accepts its own set of keywords. A misspelled keyword, or one placed in the\n\
          wrong block (for example `my_identifier` inside `sainfo`), makes racoon refuse the whole file.",
    bad: "proposal {\n    encryption_algorithim aes;\n}",
    good: "proposal {\n    encryption_algorithm aes;\n}",
    log: Some("racoon.conf:2: \"e\" syntax error"));

rule!(MISSING_SEMICOLON, "IPS1003", "missing-semicolon", Error,
    "A statement is not terminated by `;`.",
    why: "racoon reports a missing `;` at the following line, where it noticed the problem.\n\
          The real mistake is at the end of the statement before.",
    bad: "remote 192.0.2.1 {\n    exchange_mode main\n    proposal { ... }\n}",
    good: "remote 192.0.2.1 {\n    exchange_mode main;\n    proposal { ... }\n}",
    log: Some("racoon.conf:3: \"proposal\" syntax error"));

rule!(UNCLOSED_BLOCK, "IPS1004", "unclosed-block", Error,
    "A `{` block is never closed with `}`.",
    why: "At the end of the file racoon reports this as `(null):0` with no usable line number.",
    bad: "sainfo anonymous {\n    pfs_group modp1024;\n\nremote anonymous { ... }",
    good: "sainfo anonymous {\n    pfs_group modp1024;\n}\n\nremote anonymous { ... }",
    log: Some("(null):0: \"<garbage>\" syntax error"));

rule!(SEMICOLON_AFTER_BRACE, "IPS1005", "semicolon-after-brace", Error,
    "`};`: racoon does not accept a `;` after a block.",
    why: "Unlike C or named.conf, racoon's grammar has no empty statement. A `;` after `}` is a syntax error.",
    bad: "remote anonymous {\n    ...\n};",
    good: "remote anonymous {\n    ...\n}",
    log: Some("racoon.conf:3: \";\" syntax error"));

rule!(BAD_ADDRESS, "IPS1006", "not-an-ip-address", Error,
    "A host name or malformed literal where racoon needs an IP address.",
    why: "racoon.conf takes IPv4 and IPv6 literals only. A host name is mangled by the lexer and the\n\
          address lookup fails, so racoon refuses the file.",
    bad: "remote vpn.example.com { ... }",
    good: "remote 192.0.2.1 { ... }",
    log: Some("getaddrinfo(vpn.e,500): Name or service not known"));

register![
    SYNTAX_ERROR,
    UNKNOWN_STATEMENT,
    MISSING_SEMICOLON,
    UNCLOSED_BLOCK,
    SEMICOLON_AFTER_BRACE,
    BAD_ADDRESS
];

/// The grammar's text, for the value lists did-you-mean draws from.
pub(crate) const GRAMMAR: &str = include_str!("../../../grammar/racoon.pest");

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/racoon.pest"]
pub(crate) struct RacoonParser;

/// The literal words of a grammar rule (`xmode`, `dh_name`, `alg_name`,
/// `auth_method`…): what completion offers, from the grammar itself.
pub fn grammar_values(rule: &str) -> Vec<&'static str> {
    crate::syntax::grammar_words(GRAMMAR, rule)
}

/// The statement keywords racoon accepts in a block opened by `block`
/// (`remote`, `proposal`, `sainfo`, `listen`…; `None` for the top level).
pub fn keywords_in(block: Option<&str>) -> &'static [&'static str] {
    use errors::Context;
    let ctx = match block {
        None => Context::Top,
        Some("remote") => Context::Remote,
        Some("proposal") => Context::Proposal,
        Some("sainfo") => Context::Sainfo,
        Some("listen") => Context::Listen,
        Some("timer") => Context::Timer,
        Some("padding") => Context::Padding,
        Some("privsep") => Context::Privsep,
        Some("mode_cfg") => Context::ModeCfg,
        Some("ldapcfg") => Context::Ldapcfg,
        Some("radiuscfg") => Context::Radiuscfg,
        Some(_) => return &[],
    };
    ctx.keywords()
}
