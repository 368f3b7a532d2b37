//! psk.txt checks (IPS25xx). Messages never contain key values.

use super::checks;
use crate::diagnostic::rule;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::psk::{PskEntry, PskFile, PskLine};
use std::collections::HashMap;
use std::net::IpAddr;

pub struct PskCtx<'a> {
    pub file: FileId,
    pub psk: &'a PskFile,
}

type Check = fn(&PskCtx, &mut Vec<Diagnostic>);

checks! { Check;
    INDENTED_ENTRY => indented_entry,
    TRAILING_WHITESPACE => trailing_whitespace,
    DUPLICATE_IDENTIFIER => duplicate_identifier,
    MALFORMED_HEX => malformed_hex,
    SHORT_KEY => short_key,
    HOSTNAME_IDENTIFIER => hostname_identifier,
    WILDCARD_SHADOWS => wildcard_shadows,
    SINGLE_FIELD => single_field,
    NONCANONICAL_IPV6 => noncanonical_ipv6,
}

pub fn check(cx: &PskCtx) -> Vec<Diagnostic> {
    super::run(CHECKS, cx)
}

rule!(INDENTED_ENTRY, "IPS2501", "indented-psk-entry", Error,
    "A psk.txt line starts with a blank.",
    why: "racoon reads the identifier up to the first blank, so an indented line has an empty\n\
          identifier and never matches any peer: the tunnel fails with \"couldn't find the pskey\".",
    bad: "  192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u",
    good: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u",
    log: Some("couldn't find the pskey for 192.0.2.1."));

fn indented_entry(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    for l in &cx.psk.lines {
        if let PskLine::Indented(span) = l {
            // Point at the leading blanks only: the rest may be a key.
            out.push(
                Diagnostic::new(&INDENTED_ENTRY, cx.file, Span::new(span.start(), span.start() + 1), "this indented line can never match: racoon reads an empty identifier")
                    .with_help("remove the leading blanks (or start the line with `#` in column 1 to comment it out)"),
            );
        }
    }
}

rule!(TRAILING_WHITESPACE, "IPS2502", "psk-trailing-whitespace", Warning,
    "A key ends in blanks or a carriage return.",
    why: "The key is the rest of the line up to the newline: trailing blanks, tabs and the CR of a\n\
          CRLF file become part of the key, so both peers compute different keys.",
    bad: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u   ",
    good: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u",
    log: Some("HASH mismatched"));

fn trailing_whitespace(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    for e in cx.psk.entries() {
        let key = e.key.expose();
        let trimmed = key.trim_end_matches([' ', '\t', '\r', '\x0b', '\x0c']);
        if trimmed.len() < key.len() {
            let what = if key.ends_with('\r') {
                "a carriage return (CRLF line end)"
            } else {
                "trailing blanks"
            };
            let span = Span::new(e.key_span.start() + trimmed.len(), e.key_span.end());
            out.push(
                Diagnostic::new(
                    &TRAILING_WHITESPACE,
                    cx.file,
                    span,
                    format!(
                        "the key for `{}` ends in {what}, which racoon makes part of the key",
                        e.ident
                    ),
                )
                .with_help("strip the line end (convert the file to LF line ends)")
                .with_fix("Strip the blanks after the key", span, ""),
            );
        }
    }
}

rule!(DUPLICATE_IDENTIFIER, "IPS2503", "duplicate-psk-identifier", Warning,
    "The same identifier appears twice.",
    why: "racoon uses the first matching line; later lines for the same identifier are ignored.",
    bad: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u\n192.0.2.1\tnewKeyNobodyUses1234",
    good: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u",
    log: None);

fn duplicate_identifier(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, &PskEntry> = HashMap::new();
    for e in cx.psk.entries() {
        match first.get(e.ident.as_str()) {
            Some(f) => out.push(
                Diagnostic::new(
                    &DUPLICATE_IDENTIFIER,
                    cx.file,
                    e.ident_span,
                    format!(
                        "`{}` already has a key earlier in the file; this line is never used",
                        e.ident
                    ),
                )
                .with_related(cx.file, f.ident_span, "racoon uses this line"),
            ),
            None => {
                first.insert(&e.ident, e);
            }
        }
    }
}

rule!(MALFORMED_HEX, "IPS2504", "malformed-hex-key", Error,
    "A key starting with `0x` that is not valid hex.",
    why: "racoon decodes `0x...` keys as hex. Non-hex digits or an odd number of digits give a\n\
          different key than intended.",
    bad: "192.0.2.1\t0x12345G",
    good: "192.0.2.1\t0x9f3ec1d27a4b8e6f05d2c7a1b3e9f48d",
    log: None);

fn malformed_hex(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    for e in cx.psk.entries() {
        let Some(hex) = e.key.expose().strip_prefix("0x") else {
            continue;
        };
        let problem = if hex.is_empty() {
            Some("has no digits after `0x`")
        } else if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some("contains characters that are not hex digits")
        } else if hex.len() % 2 == 1 {
            Some("has an odd number of hex digits")
        } else {
            None
        };
        if let Some(p) = problem {
            out.push(Diagnostic::new(
                &MALFORMED_HEX,
                cx.file,
                e.key_span,
                format!("the hex key for `{}` {p}", e.ident),
            ));
        }
    }
}

rule!(SHORT_KEY, "IPS2505", "short-psk", Warning,
    "A key shorter than 16 characters.",
    why: "Main and aggressive mode with pre-shared keys allow offline guessing of the key from a\n\
          captured exchange; short keys fall quickly.",
    bad: "192.0.2.1\tsecret",
    good: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u",
    log: None);

fn short_key(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    for e in cx.psk.entries() {
        let k = e.key.expose();
        let len = match k.strip_prefix("0x") {
            Some(h) if h.bytes().all(|b| b.is_ascii_hexdigit()) => h.len() / 2,
            _ => k.chars().count(),
        };
        if len < 16 {
            out.push(
                Diagnostic::new(
                    &SHORT_KEY,
                    cx.file,
                    e.key_span,
                    format!("the key for `{}` is only {len} characters long", e.ident),
                )
                .with_help("use a random key of at least 20 characters"),
            );
        }
    }
}

rule!(HOSTNAME_IDENTIFIER, "IPS2506", "hostname-psk-identifier", Warning,
    "A host name as identifier.",
    why: "In main mode racoon looks keys up only by the peer's IP address. A host-name line is used\n\
          only in aggressive mode, when the peer sends exactly that name as its FQDN identifier.",
    bad: "vpn.example.net\tf4K9xq2LmZ7vRt8wPe3u",
    good: "198.51.100.1\tf4K9xq2LmZ7vRt8wPe3u",
    log: Some("couldn't find the pskey for 198.51.100.1."));

fn hostname_identifier(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    for e in cx.psk.entries() {
        let id = e.ident.as_str();
        let is_ip = id.split('%').next().unwrap_or(id).parse::<IpAddr>().is_ok();
        if !is_ip
            && id.contains('.')
            && !id.contains('@')
            && id.chars().any(|c| c.is_ascii_alphabetic())
        {
            out.push(
                Diagnostic::new(&HOSTNAME_IDENTIFIER, cx.file, e.ident_span, format!("`{id}` is a host name: main mode never looks keys up by name"))
                    .with_help("key the line by the peer's IP address, or use aggressive mode with `my_identifier fqdn` on the peer"),
            );
        }
    }
}

rule!(WILDCARD_SHADOWS, "IPS2507", "psk-wildcard-shadows", Warning,
    "A `*` line comes before specific lines.",
    why: "With the FreeBSD port's WCPSKEY option, `*` matches every peer and the first match wins, so\n\
          every line after it is never used. Without the option `*` is an ordinary identifier.",
    bad: "*\tdefaultKeyForEveryone99\n192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u",
    good: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u\n*\tdefaultKeyForEveryone99",
    log: None);

fn wildcard_shadows(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    let mut wildcard: Option<Span> = None;
    for e in cx.psk.entries() {
        match wildcard {
            Some(w) => out.push(
                Diagnostic::new(
                    &WILDCARD_SHADOWS,
                    cx.file,
                    e.ident_span,
                    format!(
                        "the `*` line above wins for every peer, so `{}` is never used",
                        e.ident
                    ),
                )
                .with_related(cx.file, w, "wildcard entry")
                .with_help("move the `*` line to the end of the file"),
            ),
            None if e.ident == "*" => wildcard = Some(e.ident_span),
            None => {}
        }
    }
}

rule!(SINGLE_FIELD, "IPS2508", "single-field-psk-line", Warning,
    "A line with an identifier but no key.",
    why: "racoon silently ignores lines with a single field: the peer has no key.",
    bad: "192.0.2.1",
    good: "192.0.2.1\tf4K9xq2LmZ7vRt8wPe3u",
    log: Some("couldn't find the pskey for 192.0.2.1."));

fn single_field(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    for l in &cx.psk.lines {
        if let PskLine::Single { span, field } = l {
            // Only an address is quoted back: anything else may be a key that
            // lost its identifier.
            let msg = if field.is_address() {
                format!("`{}` has no key: racoon ignores this line", field.expose())
            } else {
                "this line has a single field and no key: racoon ignores it".to_string()
            };
            out.push(Diagnostic::new(&SINGLE_FIELD, cx.file, *span, msg));
        }
    }
}

rule!(NONCANONICAL_IPV6, "IPS2509", "noncanonical-ipv6-identifier", Warning,
    "An IPv6 identifier not written the way racoon prints addresses.",
    why: "racoon compares the identifier as a string with the peer address printed by getnameinfo\n\
          (compressed, lowercase). Any other spelling of the same address never matches.",
    bad: "2001:DB8:0:0::1\tf4K9xq2LmZ7vRt8wPe3u",
    good: "2001:db8::1\tf4K9xq2LmZ7vRt8wPe3u",
    log: Some("couldn't find the pskey for 2001:db8::1."));

fn noncanonical_ipv6(cx: &PskCtx, out: &mut Vec<Diagnostic>) {
    for e in cx.psk.entries() {
        let (addr, scope) = match e.ident.split_once('%') {
            Some((a, s)) => (a, Some(s)),
            None => (e.ident.as_str(), None),
        };
        if let Ok(IpAddr::V6(v6)) = addr.parse::<IpAddr>() {
            let canon = v6.to_string();
            if canon != addr {
                let want = match scope {
                    Some(s) => format!("{canon}%{s}"),
                    None => canon,
                };
                out.push(
                    Diagnostic::new(
                        &NONCANONICAL_IPV6,
                        cx.file,
                        e.ident_span,
                        format!(
                            "racoon compares `{}` as text; it prints this address as `{want}`",
                            e.ident
                        ),
                    )
                    .with_help(format!("write `{want}`")),
                );
            }
        }
    }
}
