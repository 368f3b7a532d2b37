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

use crate::diagnostic::Diagnostic;
pub use crate::diagnostic::RuleMeta;

pub mod docs;
pub mod files;
pub mod firewall;
pub mod gateway;
pub mod pair;
pub mod psk;
pub mod racoon;
pub mod rcconf;
pub mod setkey;

/// Registers a rule file's checks, each rule once and with its check:
/// `checks! { CheckType; RULE => check_fn, ... }` makes the file's `CHECKS`
/// (what [`run`] runs) and derives its `RULES` from the same list.
macro_rules! checks {
    ($check:ty; $($id:ident => $f:path),* $(,)?) => {
        pub const CHECKS: &[(&$crate::diagnostic::RuleMeta, $check)] = &[$((&$id, $f)),*];
        pub const RULES: &[&$crate::diagnostic::RuleMeta] = &[$(&$id),*];
    };
}
use checks;

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

/// Every file's `RULES`: the parsers' (through `syntax::RULE_LISTS`) and each
/// rule file's here.
const RULE_LISTS: &[&[&RuleMeta]] = &[
    racoon::RULES,
    psk::RULES,
    setkey::RULES,
    rcconf::RULES,
    gateway::RULES,
    firewall::RULES,
    pair::RULES,
    files::RULES,
];

/// Every rule, sorted by code.
pub fn all() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = crate::syntax::RULE_LISTS
        .iter()
        .chain(RULE_LISTS)
        .flat_map(|list| list.iter().copied())
        .collect();
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
