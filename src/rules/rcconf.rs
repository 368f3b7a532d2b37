//! rc.conf checks within one file (IPS35xx).

use super::checks;
use crate::diagnostic::rule;
use crate::diagnostic::Diagnostic;
use crate::model::rcconf::{is_no, is_yes};
use crate::model::rcconf_catalogue;
use crate::source::{FileId, Span};
use crate::syntax::rcconf::{Assignment, Part, RcFile, RcItem};
use std::collections::HashMap;

/// Which kind of rc-style file is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RcKind {
    /// rc.conf, rc.conf.local, rc.conf.d/*.
    RcConf,
    /// FreeBSD's own /etc/defaults/rc.conf (shell code there is expected).
    Defaults,
    /// loader.conf, sysctl.conf: no shell, no variable catalogue.
    Other,
}

pub struct RcCtx<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub rc: &'a RcFile,
    pub kind: RcKind,
}

type Check = fn(&RcCtx, &mut Vec<Diagnostic>);

checks! { Check;
    COMMAND_LINE => command_line,
    UNKNOWN_VARIABLE => unknown_variable,
    DUPLICATE_ASSIGNMENT => duplicate_assignment,
    BAD_BOOLEAN => bad_boolean,
    UNTERMINATED_QUOTE => unterminated_quote,
    CRLF => crlf,
    EXPANSION_NOT_EVALUATED => expansion_not_evaluated,
}

pub fn check(cx: &RcCtx) -> Vec<Diagnostic> {
    super::run(CHECKS, cx)
}

rule!(COMMAND_LINE, "IPS3501", "rc-command-line", Warning,
    "A line in rc.conf that is a command, not an assignment.",
    why: "rc.conf is sourced by /bin/sh from every rc script that loads the configuration, so a command\n\
          such as `kldload ipfw` runs dozens of times at every boot, and again on each `service` call.",
    bad: "kldload ipfw\nipsec_enable=\"YES\"",
    good: "kld_list=\"ipfw\"\nipsec_enable=\"YES\"",
    log: None);

fn command_line(cx: &RcCtx, out: &mut Vec<Diagnostic>) {
    if cx.kind != RcKind::RcConf {
        return;
    }
    for item in &cx.rc.items {
        if let RcItem::Command(c) = item {
            let text = c.value.trim();
            if text.is_empty() {
                continue;
            }
            let mut d = Diagnostic::new(
                &COMMAND_LINE,
                cx.file,
                c.span,
                format!(
                    "`{}` runs as a command every time rc.conf is sourced",
                    shorten(text)
                ),
            );
            if text.starts_with('$') && text.contains('=') {
                d = d.with_help("remove the leading `$`: an assignment is written `name=value`");
            } else if let Some(m) = text.strip_prefix("kldload ") {
                d = d.with_help(format!(
                    "load modules with `kld_list=\"{}\"` instead",
                    m.trim()
                ));
            } else {
                d = d.with_help("move commands to a script (e.g. /etc/rc.local); rc.conf should only assign variables");
            }
            out.push(d);
        }
    }
}

fn shorten(s: &str) -> String {
    let first = s.lines().next().unwrap_or("");
    if first.chars().count() > 60 {
        format!("{}...", first.chars().take(57).collect::<String>())
    } else {
        first.to_string()
    }
}

rule!(UNKNOWN_VARIABLE, "IPS3502", "rc-unknown-variable", Warning,
    "An rc.conf variable that looks like a misspelled FreeBSD variable.",
    why: "rc scripts ignore variables they do not know: a typo such as `ipsec_enabel` leaves the service\n\
          at its default (usually off) without any message.",
    bad: "ipsec_enabel=\"YES\"",
    good: "ipsec_enable=\"YES\"",
    log: None);

fn unknown_variable(cx: &RcCtx, out: &mut Vec<Diagnostic>) {
    if cx.kind != RcKind::RcConf {
        return;
    }
    for a in cx.rc.assignments() {
        let name = a.name.value.as_str();
        if name.contains('.') {
            out.push(Diagnostic::new(
                &UNKNOWN_VARIABLE,
                cx.file,
                a.name.span,
                format!(
                    "`{name}` is not a valid shell variable name: sh runs this line as a command"
                ),
            ));
            continue;
        }
        if rcconf_catalogue::is_known(name) {
            continue;
        }
        // Ports add their own `<service>_enable`-style variables, so a
        // near-miss counts only when the service part is a known one (a typo
        // in the suffix, `ipsec_enabel`), or when the name has no standard
        // suffix at all (`defaultroute`).
        let limit = if name.len() < 8 { 1 } else { 2 };
        let service = |n: &str| n.split('_').next().unwrap_or(n).to_string();
        let standard_suffix = [
            "_enable", "_flags", "_program", "_file", "_rules", "_script", "_type", "_user",
            "_group", "_pidfile", "_chroot", "_conf",
        ]
        .iter()
        .any(|s| name.ends_with(s));
        // Cheap tests first: a file of 300,000 unknown names must not
        // compare each with every known one.
        let best = rcconf_catalogue::KNOWN
            .iter()
            .filter(|k| k.len().abs_diff(name.len()) <= limit)
            .filter(|k| !standard_suffix || service(k) == service(name))
            .map(|k| (*k, strsim::osa_distance(name, k)))
            .filter(|(_, d)| *d <= limit)
            .min_by_key(|(_, d)| *d);
        if let Some((k, _)) = best {
            out.push(
                Diagnostic::new(
                    &UNKNOWN_VARIABLE,
                    cx.file,
                    a.name.span,
                    format!("unknown variable `{name}`: no rc script reads it"),
                )
                .with_help(format!("did you mean `{k}`?")),
            );
        }
    }
}

rule!(DUPLICATE_ASSIGNMENT, "IPS3503", "rc-duplicate-assignment", Warning,
    "A variable assigned twice in the same file.",
    why: "The later assignment silently wins; the earlier line looks active but is not.",
    bad: "firewall_type=\"open\"\n...\nfirewall_type=\"/etc/ipfw.rules\"",
    good: "firewall_type=\"/etc/ipfw.rules\"",
    log: None);

fn duplicate_assignment(cx: &RcCtx, out: &mut Vec<Diagnostic>) {
    if cx.kind != RcKind::RcConf {
        return;
    }
    // The latest assignment of each name: the one a later duplicate replaces.
    let mut latest: HashMap<&str, &Assignment> = HashMap::new();
    for a in cx.rc.assignments() {
        if let Some(f) = latest.insert(&a.name.value, a) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_ASSIGNMENT,
                    cx.file,
                    a.name.span,
                    format!(
                        "`{}` is assigned again: this value replaces the earlier one",
                        a.name.value
                    ),
                )
                .with_related(
                    cx.file,
                    f.name.span,
                    "earlier assignment, now without effect",
                ),
            );
        }
    }
}

/// Variables that rc scripts test with checkyesno.
fn is_boolean(name: &str) -> bool {
    name.ends_with("_enable")
        || matches!(
            name,
            "firewall_quiet"
                | "firewall_logging"
                | "racoon_create_dirs"
                | "gateway_enable"
                | "ipv6_gateway_enable"
        )
}

rule!(BAD_BOOLEAN, "IPS3504", "rc-bad-boolean", Warning,
    "A YES/NO variable with another value.",
    why: "rc.subr's checkyesno accepts YES/TRUE/ON/1 and NO/FALSE/OFF/0; anything else (`Yes please`,\n\
          `enabled`) prints \"is not set properly\" and counts as NO.",
    bad: "racoon_enable=\"enabled\"",
    good: "racoon_enable=\"YES\"",
    log: Some("/etc/rc: WARNING: $racoon_enable is not set properly - see rc.conf(5)."));

fn bad_boolean(cx: &RcCtx, out: &mut Vec<Diagnostic>) {
    if cx.kind != RcKind::RcConf {
        return;
    }
    for a in cx.rc.assignments() {
        if !is_boolean(&a.name.value) || a.raw.contains('$') || a.raw.contains('`') {
            continue;
        }
        let v: String = a
            .parts
            .iter()
            .map(|p| match p {
                crate::syntax::rcconf::Part::Literal(l) => l.as_str(),
                _ => "",
            })
            .collect();
        // sendmail_enable also takes NONE (no sendmail at all).
        if a.name.value == "sendmail_enable" && v.eq_ignore_ascii_case("NONE") {
            continue;
        }
        if !is_yes(&v) && !is_no(&v) {
            out.push(
                Diagnostic::new(
                    &BAD_BOOLEAN,
                    cx.file,
                    a.value_span,
                    format!(
                        "`{}` must be YES or NO, not `{v}`: rc scripts treat it as NO",
                        a.name.value
                    ),
                )
                .with_help(
                    match crate::syntax::closest(&v.to_ascii_uppercase(), &["YES", "NO"]) {
                        Some(best) => format!("did you mean `{}=\"{best}\"`?", a.name.value),
                        None => format!("write `{}=\"YES\"`", a.name.value),
                    },
                ),
            );
        }
    }
}

rule!(UNTERMINATED_QUOTE, "IPS3505", "rc-unterminated-quote", Error,
    "A quote that is never closed.",
    why: "sh stops reading the file at an unterminated quote: every rc script that sources rc.conf\n\
          fails and the whole file is ignored, so the gateway boots with the defaults.",
    bad: "ipsec_enable=\"YES\nracoon_enable=\"YES\"",
    good: "ipsec_enable=\"YES\"\nracoon_enable=\"YES\"",
    log: Some("/etc/rc.conf: 1: Syntax error: Unterminated quoted string"));

fn unterminated_quote(cx: &RcCtx, out: &mut Vec<Diagnostic>) {
    for item in &cx.rc.items {
        if let RcItem::Bad(span) = item {
            let rest = &cx.text[span.start()..];
            // The quote that opens the unterminated string.
            let quote = rest.find(['"', '\'']).map(|i| span.start() + i);
            let closed = quote.is_some_and(|q| {
                let ch = cx.text.as_bytes()[q] as char;
                cx.text[q + 1..].contains(ch)
            });
            match quote {
                Some(q) if !closed => out.push(
                    Diagnostic::new(
                        &UNTERMINATED_QUOTE,
                        cx.file,
                        Span::new(q, q + 1),
                        "this quote is never closed: sh cannot read the file from here on",
                    )
                    .with_help("close the quote at the end of the value"),
                ),
                // Quotes balance over several lines: shell code ipseclint does not read.
                _ => {}
            }
        }
    }
}

rule!(CRLF, "IPS3506", "rc-crlf", Warning,
    "An rc.conf with CRLF (DOS) line ends.",
    why: "sh keeps the carriage return as part of each value: `ipsec_enable=\"YES\"` followed by CR is\n\
          the value `YES` plus CR to sh in some positions, and paths get a trailing CR.",
    bad: "ipsec_enable=YES\\r\\n",
    good: "ipsec_enable=YES\\n",
    log: None);

fn crlf(cx: &RcCtx, out: &mut Vec<Diagnostic>) {
    if let Some(i) = cx.text.find('\r') {
        out.push(
            Diagnostic::new(
                &CRLF,
                cx.file,
                Span::new(i, i + 1),
                "this file has CRLF line ends",
            )
            .with_help("convert it to LF line ends"),
        );
    }
}

rule!(EXPANSION_NOT_EVALUATED, "IPS3507", "rc-expansion-not-evaluated", Info,
    "An rc.conf value uses a `${...}` form that ipseclint does not evaluate.",
    why: "ipseclint evaluates rc.conf as /bin/sh does: `${x}`, `${x:-word}`, `${x:=word}`, `${x:+word}`,\n\
          `${x:?word}`, `${#x}` and the `#`/`%` pattern removals. Another form (`${x/a/b}` is bash, not\n\
          FreeBSD's sh) is taken as empty, so checks that read this variable may be wrong.",
    bad: "ipsec_file=\"${conf/old/new}\"",
    good: "ipsec_file=\"/etc/ipsec.conf\"",
    log: None);

fn expansion_not_evaluated(cx: &RcCtx, out: &mut Vec<Diagnostic>) {
    for a in cx.rc.assignments() {
        let mut unsupported = Vec::new();
        collect_unsupported(&a.parts, &mut unsupported);
        for form in unsupported {
            out.push(
                Diagnostic::new(
                    &EXPANSION_NOT_EVALUATED,
                    cx.file,
                    a.value_span,
                    format!("`{form}` is not a parameter expansion FreeBSD's sh evaluates: ipseclint takes this part of `{}` as empty", a.name.value),
                )
                .with_help("write the value out, or use `${x:-word}`, `${x#pattern}` or `${x%pattern}`"),
            );
        }
    }
}

fn collect_unsupported<'a>(parts: &'a [Part], out: &mut Vec<&'a str>) {
    for p in parts {
        match p {
            Part::Unsupported(t) => out.push(t),
            Part::Var {
                op: Some((_, word)),
                ..
            } => collect_unsupported(word, out),
            _ => {}
        }
    }
}
