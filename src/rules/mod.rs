//! The catalogue of checks.
//!
//! Every rule has one [`RuleMeta`] (code, name, default severity, doc) that
//! lives next to the code that emits it. Codes are stable:
//!
//! | range    | area                                         |
//! |----------|----------------------------------------------|
//! | IPS1xxx  | syntax (what the real parser rejects or skips) |
//! | IPS2xxx  | racoon.conf semantics (IPS20xx: racoon refuses the config; IPS21xx: warnings it does not give) |
//! | IPS25xx  | psk.txt                                      |
//! | IPS30xx  | setkey files (ipsec.conf)                    |
//! | IPS35xx  | rc.conf and friends                          |
//! | IPS40xx  | across one gateway's files                   |
//! | IPS50xx  | firewalls                                    |
//! | IPS60xx  | across gateways (pairs)                      |
//! | IPS9xxx  | files and inputs                             |

use crate::diagnostic::{Diagnostic, Severity};

/// Declares a rule's [`RuleMeta`] next to the check that emits it.
macro_rules! rule {
    ($id:ident, $code:literal, $name:literal, $sev:ident, $summary:literal,
     why: $why:literal, bad: $bad:literal, good: $good:literal, log: $log:expr) => {
        pub const $id: RuleMeta = RuleMeta {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            summary: $summary,
            why: $why,
            bad: $bad,
            good: $good,
            log: $log,
        };
    };
}

pub mod docs;
pub mod files;
pub mod firewall;
pub mod gateway;
pub mod pair;
pub mod psk;
pub mod racoon;
pub mod rcconf;
pub mod setkey;
pub mod syntax;

/// Everything known about a rule, in one place.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One line, shown by `ipseclint rules`.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    pub bad: &'static str,
    pub good: &'static str,
    /// The racoon.log message this prevents, where there is one.
    pub log: Option<&'static str>,
}

/// Run every check of an area (each area lists its checks in `CHECKS`).
pub fn run<C, F: Fn(&C, &mut Vec<Diagnostic>)>(
    checks: &[(&'static RuleMeta, F)],
    cx: &C,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, f) in checks {
        f(cx, &mut out);
    }
    out
}

/// Every rule, sorted by code.
pub fn all() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = Vec::new();
    v.extend_from_slice(syntax::RULES);
    v.extend_from_slice(racoon::RULES);
    v.extend_from_slice(psk::RULES);
    v.extend_from_slice(setkey::RULES);
    v.extend_from_slice(rcconf::RULES);
    v.extend_from_slice(gateway::RULES);
    v.extend_from_slice(firewall::RULES);
    v.extend_from_slice(pair::RULES);
    v.extend_from_slice(pair::MIRROR_RULES);
    v.extend_from_slice(files::RULES);
    v.sort_by_key(|r| r.code);
    v
}

pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    all()
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

/// The doc of a rule as `ipseclint explain` prints it (and the LSP hover shows it).
pub fn explain(rule: &RuleMeta) -> String {
    let mut s = format!(
        "{} {} ({})\n\n{}\n\nWhy it matters:\n{}\n",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        rule.summary,
        rule.why
    );
    if let Some(log) = rule.log {
        s.push_str(&format!("\nracoon.log message it prevents:\n    {log}\n"));
    }
    s.push_str(&format!(
        "\nBad:\n{}\n\nGood:\n{}\n",
        indent(rule.bad),
        indent(rule.good)
    ));
    s
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let rules = all();
        for w in rules.windows(2) {
            assert_ne!(w[0].code, w[1].code, "duplicate code");
        }
        for r in rules {
            assert!(r.code.starts_with("IPS") && r.code.len() == 7, "{}", r.code);
            assert!(
                !r.why.is_empty() && !r.bad.is_empty() && !r.good.is_empty(),
                "{}",
                r.code
            );
        }
    }
}
