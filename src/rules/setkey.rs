//! setkey file checks (IPS30xx). Messages never contain key values.

use super::checks;
use crate::diagnostic::rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::algorithms::{self, SetkeyKey};
use crate::model::Target;
use crate::source::{FileId, Span};
use crate::syntax::setkey::{
    AlgKey, Command, CommandKind, Direction, Level, PolicyCommand, SetkeyFile,
};
use std::collections::HashMap;

pub struct SetkeyCtx<'a> {
    pub file: FileId,
    pub setkey: &'a SetkeyFile,
    pub target: Target,
}

type Check = fn(&SetkeyCtx, &mut Vec<Diagnostic>);

checks! { Check;
    KEY_LENGTH => key_length,
    ALGORITHM_SUPPORT => algorithm_support,
    RESERVED_SPI => reserved_spi,
    KERNEL_REFUSES_SA => kernel_refuses_sa,
    TUNNEL_ENDPOINTS => tunnel_endpoints,
    TRANSPORT_ENDPOINTS => transport_endpoints,
    SELECTOR_FAMILY => selector_family,
    DUPLICATE_POLICY => duplicate_policy,
    NO_REVERSE_POLICY => no_reverse_policy,
    MISSING_FLUSH => missing_flush,
    LEVEL_USE => level_use,
    LINUX_ONLY => linux_only,
}

pub fn check(cx: &SetkeyCtx) -> Vec<Diagnostic> {
    super::run(CHECKS, cx)
}

fn sa_algs(c: &Command) -> Vec<&AlgKey> {
    match &c.kind {
        CommandKind::Add(sa) => sa
            .encryption
            .iter()
            .chain(sa.authentication.iter())
            .collect(),
        _ => Vec::new(),
    }
}

fn policies(s: &SetkeyFile) -> impl Iterator<Item = (&Command, &PolicyCommand)> {
    s.commands.iter().filter_map(|c| match &c.kind {
        CommandKind::SpdAdd(p) | CommandKind::SpdUpdate(p) => Some((c, p)),
        _ => None,
    })
}

rule!(KEY_LENGTH, "IPS3001", "setkey-key-length", Error,
    "A manual key whose length does not fit its algorithm.",
    why: "setkey checks key sizes against the kernel's table when it parses the file and stops there.\n\
          HMAC keys must be exactly the hash size (hmac-sha2-256: 32 bytes); aes-cbc takes 16, 24 or 32 bytes.",
    bad: "add 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc \"short\" -A hmac-sha2-256 0x1234;",
    good: "add 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc 0x<32 hex digits> -A hmac-sha2-256 0x<64 hex digits>;",
    log: Some("Invalid key length"));

fn key_length(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for c in &cx.setkey.commands {
        for a in sa_algs(c) {
            let Some(table) = algorithms::setkey_key(&a.name.value) else {
                continue;
            };
            match (&a.key, table) {
                (None, SetkeyKey::None) => {}
                (None, _) => out.push(Diagnostic::new(&KEY_LENGTH, cx.file, a.name.span, format!("`{}` needs a key of {}", a.name.value, table.describe()))),
                // FreeBSD 13's lexer wants a (possibly empty) string after null.
                (Some(k), SetkeyKey::None) if k.bits != 0 => {
                    out.push(Diagnostic::new(&KEY_LENGTH, cx.file, k.span, format!("`{}` takes no key, but a {}-bit key is given", a.name.value, k.bits)));
                }
                (Some(_), SetkeyKey::None) => {}
                (Some(k), t) if !t.allows(k.bits) => out.push(
                    Diagnostic::new(&KEY_LENGTH, cx.file, k.span, format!("the `{}` key is {} bits; the kernel wants {}", a.name.value, k.bits, t.describe()))
                        .with_help("a \"quoted\" key counts 8 bits per character, a 0x key 4 bits per hex digit"),
                ),
                _ => {}
            }
        }
    }
}

rule!(ALGORITHM_SUPPORT, "IPS3002", "setkey-algorithm-unsupported", Error,
    "A manual-key algorithm the target FreeBSD kernel does not offer.",
    why: "FreeBSD 13 removed des-cbc, 3des-cbc, blowfish-cbc, cast128-cbc, camellia-cbc, hmac-md5,\n\
          keyed-md5/sha1 and hmac-ripemd160; twofish-cbc never existed in FreeBSD. setkey refuses the\n\
          line and stops loading the file.",
    bad: "add 192.0.2.1 198.51.100.1 esp 0x1001 -E 3des-cbc \"123456789012345678901234\";",
    good: "add 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc 0x<32 hex digits> -A hmac-sha2-256 0x<64 hex digits>;",
    log: Some("Not supported"));

fn algorithm_support(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for c in &cx.setkey.commands {
        let CommandKind::Add(sa) = &c.kind else {
            continue;
        };
        for a in sa_algs(c) {
            let name = a.name.value.as_str();
            if algorithms::setkey_never_in_freebsd(name) {
                out.push(Diagnostic::new(
                    &ALGORITHM_SUPPORT,
                    cx.file,
                    a.name.span,
                    format!("no FreeBSD kernel offers `{name}`"),
                ));
            } else if algorithms::setkey_removed_in_13(name) {
                if cx.target.release() >= 13 {
                    out.push(
                        Diagnostic::new(
                            &ALGORITHM_SUPPORT,
                            cx.file,
                            a.name.span,
                            format!(
                                "the {} kernel no longer offers `{name}`: setkey stops here",
                                cx.target.label()
                            ),
                        )
                        .with_help("use aes-cbc (or aes-gcm-16) with hmac-sha2-256"),
                    );
                } else {
                    out.push(
                        Diagnostic::new(&ALGORITHM_SUPPORT, cx.file, a.name.span, format!("`{name}` is removed in FreeBSD 13: this file stops loading after an upgrade"))
                            .with_severity(Severity::Warning),
                    );
                }
            } else if name == "aes-cbc" && cx.target.release() < 13 {
                // Not a keyword of FreeBSD 12's lexer: a syntax error, and the
                // rest of the file is not loaded.
                out.push(
                    Diagnostic::new(
                        &ALGORITHM_SUPPORT,
                        cx.file,
                        a.name.span,
                        "FreeBSD 12's setkey does not know `aes-cbc`: a syntax error, the rest of the file is not loaded",
                    )
                    .with_help("write `rijndael-cbc` (the same algorithm)"),
                );
            } else if name == "null"
                && a.key.is_none()
                && cx.target.release() >= 13
                && sa
                    .encryption
                    .as_ref()
                    .is_some_and(|e| e.name.span == a.name.span)
            {
                out.push(
                    Diagnostic::new(
                        &ALGORITHM_SUPPORT,
                        cx.file,
                        a.name.span,
                        "FreeBSD 13's setkey needs a key string after `-E null`",
                    )
                    .with_help("write `-E null \"\"`"),
                );
            }
        }
        if let (Some(e), Some(a)) = (&sa.encryption, &sa.authentication) {
            if e.name.value == "aes-gcm-16" {
                let d = Diagnostic::new(
                    &ALGORITHM_SUPPORT,
                    cx.file,
                    a.name.span,
                    "aes-gcm-16 authenticates by itself and must not be combined with `-A`",
                );
                out.push(at_kernel_reply(d, cx, c));
            }
        }
    }
}

rule!(RESERVED_SPI, "IPS3003", "reserved-spi", Error,
    "An SPI from 0 to 255.",
    why: "SPIs 0-255 are reserved (RFC 4303). setkey parses them, but the kernel rejects the SA with\n\
          `Invalid argument`, so the manual tunnel never works.",
    bad: "add 192.0.2.1 198.51.100.1 esp 100 -E aes-cbc 0x...;",
    good: "add 192.0.2.1 198.51.100.1 esp 0x1000 -E aes-cbc 0x...;",
    log: Some("The result of line 1: Invalid argument."));

fn reserved_spi(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for c in &cx.setkey.commands {
        if let CommandKind::Add(sa) = &c.kind {
            // A decimal SPI over 32 bits reaches the kernel cut to its low 32 bits.
            let spi = sa.spi.value & 0xffff_ffff;
            if spi <= 255
                && matches!(
                    sa.protocol.value.as_str(),
                    "esp" | "ah" | "esp-old" | "ah-old"
                )
            {
                let d = Diagnostic::new(
                    &RESERVED_SPI,
                    cx.file,
                    sa.spi.span,
                    format!("SPI {spi} is reserved; the kernel rejects it"),
                )
                .with_help("use an SPI of 256 or more, e.g. 0x1000");
                out.push(at_kernel_reply(d, cx, c));
            }
        }
    }
}

/// setkey sends a command when it reads its `;` and prints the kernel's
/// refusal with that line (`The result of line N: Invalid argument.`).
fn at_kernel_reply(d: Diagnostic, cx: &SetkeyCtx, c: &Command) -> Diagnostic {
    let end = c.span.end();
    d.with_related(
        cx.file,
        Span::new(end.saturating_sub(1), end),
        "the kernel refuses the SA here: setkey reports the line of the `;`",
    )
}

rule!(KERNEL_REFUSES_SA, "IPS3012", "kernel-refuses-sa", Error,
    "An SA the FreeBSD kernel refuses: AH with an encryption algorithm, ESP without one or with `-A null`, IPcomp other than deflate.",
    why: "setkey parses these, but the kernel's checks (key_setsaval, esp_init, ah_init, ipcomp_init)\n\
          refuse the SA with `Invalid argument`, so the manual tunnel never has its keys.",
    bad: "add 192.0.2.1 198.51.100.1 ah 0x1001 -E aes-cbc 0x...;",
    good: "add 192.0.2.1 198.51.100.1 esp 0x1001 -E aes-cbc 0x... -A hmac-sha2-256 0x...;",
    log: Some("The result of line 1: Invalid argument."));

fn kernel_refuses_sa(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for c in &cx.setkey.commands {
        let CommandKind::Add(sa) = &c.kind else {
            continue;
        };
        let proto = sa.protocol.value.as_str();
        let problem = match proto {
            "ah" | "ah-old" => match (&sa.encryption, &sa.authentication) {
                (Some(e), _) => Some((e.name.span, "AH does not encrypt: the kernel refuses an AH SA with `-E`".to_string())),
                (None, None) => Some((sa.protocol.span, "this AH SA has no `-A` algorithm".to_string())),
                (None, Some(a)) if a.name.value == "null" => Some((a.name.span, "the kernel refuses AH with `-A null` (it has no key)".to_string())),
                _ => None,
            },
            "esp" | "esp-old" => match (&sa.encryption, &sa.authentication) {
                (None, _) => Some((sa.protocol.span, "ESP needs an encryption algorithm (`-E`, possibly `-E null \"\"`): the kernel refuses it".to_string())),
                (Some(_), Some(a)) if a.name.value == "null" => Some((a.name.span, "the kernel refuses `-A null` (it has no key): leave `-A` out for ESP without authentication".to_string())),
                _ => None,
            },
            "ipcomp" => match (&sa.compression, sa.encryption.as_ref().or(sa.authentication.as_ref())) {
                (_, Some(a)) => Some((a.name.span, "IPcomp compresses only: the kernel refuses an IPcomp SA with `-E` or `-A` (give `-C deflate`)".to_string())),
                (Some(c), None) if c.value != "deflate" => Some((c.span, format!("the kernel implements only deflate for IPcomp, not `{}`", c.value))),
                _ => None,
            },
            _ => None,
        };
        if let Some((span, msg)) = problem {
            out.push(at_kernel_reply(
                Diagnostic::new(&KERNEL_REFUSES_SA, cx.file, span, msg),
                cx,
                c,
            ));
        }
    }
}

rule!(TUNNEL_ENDPOINTS, "IPS3004", "tunnel-endpoints", Error,
    "A tunnel-mode rule without numeric endpoints of one address family.",
    why: "Tunnel mode needs `src-dst` endpoints, as numeric addresses of the same family; setkey\n\
          refuses the policy otherwise.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel//require;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require;",
    log: Some("Invalid address specification"));

fn tunnel_endpoints(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for (_, p) in policies(cx.setkey) {
        for r in p.policy.rules.iter().filter(|r| r.mode.value == "tunnel") {
            match &r.endpoints {
                None => out.push(Diagnostic::new(
                    &TUNNEL_ENDPOINTS,
                    cx.file,
                    r.span,
                    "tunnel mode needs its endpoints: `esp/tunnel/LOCAL-REMOTE/require`",
                )),
                Some((a, b)) => {
                    for h in [a, b] {
                        if h.ip.is_none() {
                            out.push(Diagnostic::new(&TUNNEL_ENDPOINTS, cx.file, h.text.span, format!("`{}` is not a numeric address: tunnel endpoints cannot be host names", h.text.value)));
                        }
                    }
                    if let (Some(x), Some(y)) = (a.ip, b.ip) {
                        if x.is_ipv4() != y.is_ipv4() {
                            out.push(Diagnostic::new(
                                &TUNNEL_ENDPOINTS,
                                cx.file,
                                r.endpoints_span.unwrap_or(r.span),
                                "the tunnel endpoints are of different address families",
                            ));
                        }
                    }
                }
            }
        }
    }
}

rule!(TRANSPORT_ENDPOINTS, "IPS3005", "transport-endpoints", Warning,
    "A transport-mode rule with endpoints.",
    why: "Transport mode protects traffic between the selector hosts themselves; endpoints in the rule\n\
          are meaningless there and usually mean tunnel mode was intended.",
    bad: "spdadd 192.0.2.1 198.51.100.1 any -P out ipsec esp/transport/192.0.2.1-198.51.100.1/require;",
    good: "spdadd 192.0.2.1 198.51.100.1 any -P out ipsec esp/transport//require;",
    log: None);

fn transport_endpoints(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for (_, p) in policies(cx.setkey) {
        for r in p
            .policy
            .rules
            .iter()
            .filter(|r| r.mode.value == "transport")
        {
            if let Some(s) = r.endpoints_span {
                out.push(
                    Diagnostic::new(
                        &TRANSPORT_ENDPOINTS,
                        cx.file,
                        s,
                        "transport mode takes no endpoints",
                    )
                    .with_help("write `esp/transport//require`, or use tunnel mode"),
                );
            }
        }
    }
}

rule!(SELECTOR_FAMILY, "IPS3006", "selector-family-mismatch", Error,
    "A policy whose source and destination selectors are of different address families.",
    why: "setkey refuses a policy mixing IPv4 and IPv6 selectors (`parse failed`).",
    bad: "spdadd 10.1.0.0/24 2001:db8::/64 any -P out ipsec ...;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec ...;",
    log: Some("parse failed"));

fn selector_family(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for (c, p) in policies(cx.setkey) {
        if let (Some(s), Some(d)) = (&p.src, &p.dst) {
            if let (Some(a), Some(b)) = (s.host.ip, d.host.ip) {
                if a.is_ipv4() != b.is_ipv4() {
                    out.push(
                        Diagnostic::new(
                            &SELECTOR_FAMILY,
                            cx.file,
                            s.span.cover(d.span),
                            "the selectors mix IPv4 and IPv6",
                        )
                        .with_related(cx.file, c.keyword.span, "in this command")
                        .with_related(
                            cx.file,
                            Span::new(c.span.end().saturating_sub(1), c.span.end()),
                            "setkey reports `parse failed` here, at the end of the command",
                        ),
                    );
                }
            }
        }
    }
}

/// What identifies a policy in the kernel SPD: selectors, protocol, direction.
fn policy_key(p: &PolicyCommand) -> Option<(String, String, String, Direction)> {
    let norm = |s: &crate::syntax::setkey::Selector| {
        let net = s
            .net()
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|| s.host.text.value.clone());
        format!("{net}[{}]", s.port().unwrap_or("any"))
    };
    Some((
        norm(p.src.as_ref()?),
        norm(p.dst.as_ref()?),
        p.upper.as_ref()?.value.clone(),
        p.policy.direction.value,
    ))
}

rule!(DUPLICATE_POLICY, "IPS3007", "duplicate-policy", Error,
    "The same policy (selectors, protocol, direction) is added twice.",
    why: "The kernel refuses the second spdadd with `File exists`; when the two differ, only the first\n\
          one is in force.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/A-B/require;\nspdadd 10.1.0.0/24 10.2.0.0/24 any -P out none;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/A-B/require;",
    log: Some("The result of line 2: File exists."));

fn duplicate_policy(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(String, String, String, Direction), (Span, String)> = HashMap::new();
    for c in &cx.setkey.commands {
        match &c.kind {
            CommandKind::SpdFlush => seen.clear(),
            CommandKind::SpdDelete(p) => {
                if let Some(k) = policy_key(p) {
                    seen.remove(&k);
                }
            }
            CommandKind::SpdAdd(p) => {
                let Some(k) = policy_key(p) else { continue };
                let body = p
                    .policy
                    .rules
                    .iter()
                    .map(|r| format!("{}/{}", r.protocol.value, r.mode.value))
                    .collect::<Vec<_>>()
                    .join(" ")
                    + p.policy.action.as_ref().map_or("", |a| a.value.as_str());
                match seen.get(&k) {
                    Some((first, first_body)) => {
                        let what = if *first_body == body {
                            "this policy repeats an earlier one"
                        } else {
                            "this policy conflicts with an earlier one for the same traffic"
                        };
                        out.push(
                            Diagnostic::new(
                                &DUPLICATE_POLICY,
                                cx.file,
                                c.span,
                                format!("{what}: the kernel refuses it with `File exists`"),
                            )
                            .with_related(
                                cx.file,
                                *first,
                                "the policy already in the SPD",
                            ),
                        );
                    }
                    None => {
                        seen.insert(k, (c.span, body));
                    }
                }
            }
            _ => {}
        }
    }
}

rule!(NO_REVERSE_POLICY, "IPS3008", "policy-without-reverse", Warning,
    "An ipsec policy with no policy for the opposite direction.",
    why: "IPsec policies come in pairs: `-P out` for A→B and `-P in` for B→A. Without the inbound one\n\
          the kernel accepts the peer's traffic in clear; without the outbound one replies leave unprotected.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/A-B/require;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/A-B/require;\nspdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec esp/tunnel/B-A/require;",
    log: None);

fn no_reverse_policy(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    let ipsec: Vec<(&Command, &PolicyCommand)> = policies(cx.setkey)
        .filter(|(_, p)| !p.policy.rules.is_empty())
        .collect();
    let keys: std::collections::HashSet<_> =
        ipsec.iter().filter_map(|(_, p)| policy_key(p)).collect();
    for (c, p) in &ipsec {
        let Some((s, d, u, dir)) = policy_key(p) else {
            continue;
        };
        let rev = match dir {
            Direction::Out => Direction::In,
            Direction::In => Direction::Out,
            Direction::Fwd => continue,
        };
        if !keys.contains(&(d.clone(), s.clone(), u, rev)) {
            let want = if rev == Direction::In { "in" } else { "out" };
            out.push(Diagnostic::new(
                &NO_REVERSE_POLICY,
                cx.file,
                c.span,
                format!("no `-P {want}` policy for the reverse traffic ({d} → {s})"),
            ));
        }
    }
}

rule!(MISSING_FLUSH, "IPS3009", "missing-flush", Info,
    "The file does not start with `flush;` and `spdflush;`.",
    why: "rc.d/ipsec `reload` runs the file again without flushing: every spdadd then fails with\n\
          `File exists` and every add duplicates the SA. Start the file with `flush; spdflush;`.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec ...;",
    good: "flush;\nspdflush;\nspdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec ...;",
    log: Some("The result of line 3: File exists."));

fn missing_flush(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    let cmds = &cx.setkey.commands;
    let first_spd = cmds
        .iter()
        .position(|c| matches!(c.kind, CommandKind::SpdAdd(_)));
    let first_sa = cmds
        .iter()
        .position(|c| matches!(c.kind, CommandKind::Add(_)));
    let flushed_before = |idx: usize, is_spd: bool| {
        cmds[..idx].iter().any(|c| {
            if is_spd {
                matches!(c.kind, CommandKind::SpdFlush)
            } else {
                matches!(c.kind, CommandKind::Flush)
            }
        })
    };
    if let Some(i) = first_spd {
        if !flushed_before(i, true) {
            out.push(Diagnostic::new(&MISSING_FLUSH, cx.file, cmds[i].keyword.span, "no `spdflush;` before the first spdadd: reloading this file fails with `File exists`").with_help("start the file with `flush;` and `spdflush;`"));
        }
    }
    if let Some(i) = first_sa {
        if !flushed_before(i, false) {
            out.push(
                Diagnostic::new(
                    &MISSING_FLUSH,
                    cx.file,
                    cmds[i].keyword.span,
                    "no `flush;` before the first add: reloading this file duplicates the SAs",
                )
                .with_help("start the file with `flush;` and `spdflush;`"),
            );
        }
    }
}

rule!(LEVEL_USE, "IPS3010", "level-use", Warning,
    "A policy with level `use`.",
    why: "With `use` the kernel sends the packet in clear when no SA exists yet (or when IKE fails),\n\
          silently. `require` holds the traffic until the SA is there.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/A-B/use;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/A-B/require;",
    log: None);

fn level_use(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    for (_, p) in policies(cx.setkey) {
        for r in &p.policy.rules {
            if let Some(l) = &r.level {
                if l.value == Level::Use {
                    out.push(
                        Diagnostic::new(
                            &LEVEL_USE,
                            cx.file,
                            l.span,
                            "level `use` lets traffic leave in clear when no SA exists",
                        )
                        .with_help("use `require`"),
                    );
                }
            }
        }
    }
}

rule!(LINUX_ONLY, "IPS3011", "linux-only-setkey", Error,
    "ipsec-tools (Linux) setkey syntax that FreeBSD's setkey does not accept.",
    why: "FreeBSD's SPD has only `in` and `out`; `fwd`, `spdupdate`, `exit`, policy priorities, `esp-udp`\n\
          and ports on SA addresses, `-bh`/`-bs`/`-ctx`, `tagged` policies, `entrust`/`bypass` and the\n\
          names `hmac-sha256`/`384`/`512` (FreeBSD: `hmac-sha2-256`...) are ipsec-tools or Linux features.",
    bad: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P fwd ipsec esp/tunnel/A-B/require;",
    good: "spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec esp/tunnel/A-B/require;",
    log: Some("syntax error"));

fn linux_only(cx: &SetkeyCtx, out: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    let say = |span: Span, what: &str| {
        Diagnostic::new(
            &LINUX_ONLY,
            cx.file,
            span,
            format!("{what} is not supported by FreeBSD's setkey"),
        )
    };
    for c in &cx.setkey.commands {
        match &c.kind {
            CommandKind::SpdUpdate(_) => found.push(say(c.keyword.span, "`spdupdate`")),
            CommandKind::Exit => found.push(say(c.keyword.span, &format!("`{}`", c.keyword.value))),
            CommandKind::Add(sa) | CommandKind::Get(sa) | CommandKind::Delete(sa) => {
                if sa.protocol.value == "esp-udp" {
                    found.push(say(sa.protocol.span, "`esp-udp`"));
                }
                for e in &sa.linux_extensions {
                    found.push(say(*e, "this option"));
                }
                // ipsec-tools' addr[port] for NAT-T SAs.
                for port in [&sa.src.port, &sa.dst.port].into_iter().flatten() {
                    found.push(say(port.span, "a port on an SA address"));
                }
                // ipsec-tools' short names for the SHA-2 HMACs.
                if let Some(a) = &sa.authentication {
                    if let Some(n) = ["hmac-sha256", "hmac-sha384", "hmac-sha512"]
                        .iter()
                        .find(|n| a.name.value == **n)
                    {
                        found.push(say(
                            a.name.span,
                            &format!("`{n}` (write `hmac-sha2-{}`)", &n[8..]),
                        ));
                    }
                }
            }
            _ => {}
        }
        out.append(&mut found);
        if let CommandKind::SpdAdd(p) | CommandKind::SpdDelete(p) | CommandKind::SpdUpdate(p) =
            &c.kind
        {
            if p.policy.direction.value == Direction::Fwd {
                found.push(say(p.policy.direction.span, "direction `fwd`"));
            }
            if let Some(s) = p.policy.priority {
                found.push(say(s, "a policy priority"));
            }
            if let Some(t) = &p.tag {
                found.push(say(t.span, "a `tagged` policy"));
            }
            if let Some(a) = &p.policy.action {
                if a.value == "entrust" || a.value == "bypass" {
                    found.push(say(a.span, &format!("`{}`", a.value)));
                }
            }
        }
        // The policy parser and the kernel answer when setkey reads the `;`.
        out.extend(found.drain(..).map(|d| at_policy_end(d, cx, c)));
    }
}

/// setkey reports a refused policy at the line where the policy text ends.
fn at_policy_end(d: Diagnostic, cx: &SetkeyCtx, c: &Command) -> Diagnostic {
    let end = c.span.end();
    d.with_related(
        cx.file,
        Span::new(end.saturating_sub(1), end),
        "setkey reports the refused policy here, where its text ends",
    )
}
