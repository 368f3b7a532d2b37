//! `--format gcc`: one line per finding, `file:line:col: severity: message [CODE]`,
//! as vim's quickfix (`makeprg`/`errorformat`), ALE and nvim-lint read compiler
//! output. Related locations follow as `note` lines, the way gcc prints them.

use crate::diagnostic::Severity;
use crate::engine::Report;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Quickfix reads one line per entry: never let a message break it.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let ((line, col), _) = super::range(report, d.location.file, d.location.span);
        out.push_str(&format!(
            "{}:{line}:{col}: {}: {} [{}]\n",
            super::path(report, d.location.file),
            severity(d.severity),
            one_line(&d.message),
            d.rule.code
        ));
        for r in &d.related {
            let ((line, col), _) = super::range(report, r.location.file, r.location.span);
            out.push_str(&format!(
                "{}:{line}:{col}: note: {} [{}]\n",
                super::path(report, r.location.file),
                one_line(&r.message),
                d.rule.code
            ));
        }
    }
    out
}
