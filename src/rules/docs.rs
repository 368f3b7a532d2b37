//! The rule pages in `docs/rules/`, generated from each rule's `RuleMeta`, so
//! that a rule's doc lives in one place (next to its check). `tests/docs.rs`
//! fails when the pages on disk are stale and rewrites them with
//! `IPSECLINT_BLESS=1`.

use super::RuleMeta;

/// A fenced block; the fence grows past any backticks in the text.
fn fenced(text: &str) -> String {
    let mut fence = String::from("```");
    while text.contains(fence.as_str()) {
        fence.push('`');
    }
    format!("{fence}\n{}\n{fence}\n", text.trim_end())
}

/// `docs/rules/<CODE>.md`.
pub fn page(rule: &RuleMeta) -> String {
    let mut s = format!(
        "# {} {}\n\nDefault severity: **{}**\n\n{}\n\n## Why it matters\n\n{}\n",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        rule.summary,
        rule.why.trim_end()
    );
    if let Some(log) = rule.log {
        s.push_str(&format!(
            "\n## The racoon.log message it prevents\n\n{}",
            fenced(log)
        ));
    }
    s.push_str(&format!(
        "\n## Bad\n\n{}\n## Good\n\n{}",
        fenced(rule.bad),
        fenced(rule.good)
    ));
    s.push_str(&format!(
        "\n`ipseclint explain {}` prints this page in a terminal.\n",
        rule.code
    ));
    s
}

/// `docs/rules/README.md`: every rule with its default severity and summary.
pub fn index(rules: &[&RuleMeta]) -> String {
    let mut s = String::from(
        "# ipseclint rules\n\n\
         Generated from the code (`src/rules/`); do not edit. `ipseclint rules` prints the same list.\n\n\
         | code | name | severity | what it finds |\n|---|---|---|---|\n",
    );
    for r in rules {
        s.push_str(&format!(
            "| [{c}]({c}.md) | {} | {} | {} |\n",
            r.name,
            r.severity.as_str(),
            r.summary.replace('|', "\\|"),
            c = r.code
        ));
    }
    s
}
