//! `--format github`: GitHub Actions workflow commands, which GitHub turns
//! into annotations on the changed lines of a pull request:
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`.

use crate::diagnostic::Severity;
use crate::engine::Report;

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escaping of a command's message, as the Actions runner decodes it.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value: the data escapes plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let ((line, col), (end_line, end_col)) =
            super::range(report, d.location.file, d.location.span);
        let mut message = d.message.clone();
        // Annotations have no related locations: name them in the text.
        for r in &d.related {
            let ((rl, rc), _) = super::range(report, r.location.file, r.location.span);
            message.push_str(&format!(
                "\n{}:{rl}:{rc}: {}",
                super::path(report, r.location.file),
                r.message
            ));
        }
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "::{} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            command(d.severity),
            escape_property(&super::path(report, d.location.file)),
            escape_property(&format!("{} {}", d.rule.code, d.rule.name)),
            escape_data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_decodes() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
