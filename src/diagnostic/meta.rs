//! Rule metadata: one [`RuleMeta`] per rule, declared with [`rule!`] next to
//! the code that emits it and registered once in its file's `RULES` (see
//! `rules::all()`, which gathers every file's list).

use super::Severity;

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

/// Declares a rule's [`RuleMeta`] next to the code that emits it.
macro_rules! rule {
    ($id:ident, $code:literal, $name:literal, $sev:ident, $summary:literal,
     why: $why:literal, bad: $bad:literal, good: $good:literal, log: $log:expr) => {
        pub const $id: $crate::diagnostic::RuleMeta = $crate::diagnostic::RuleMeta {
            code: $code,
            name: $name,
            severity: $crate::diagnostic::Severity::$sev,
            summary: $summary,
            why: $why,
            bad: $bad,
            good: $good,
            log: $log,
        };
    };
}
pub(crate) use rule;

/// The file's `RULES`: the rules its own code emits (a parser, the engine,
/// the pair simulation), each once. Files whose rules each have one check
/// function use `rules::checks!` instead, which derives `RULES` from `CHECKS`.
macro_rules! register {
    ($($id:ident),* $(,)?) => {
        pub const RULES: &[&$crate::diagnostic::RuleMeta] = &[$(&$id),*];
    };
}
pub(crate) use register;
