//! `--format json`: the stable, versioned machine format.

use crate::engine::Report;
use serde::Serialize;

#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
    pub summary: Summary,
    /// Each gateway tunnel through its firewalls (present when gateways were checked).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tunnels: &'a [crate::rules::firewall::TunnelStatus],
    /// Each pair of gateways that refer to each other (present when gateways were checked).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<JsonPair<'a>>,
}

#[derive(Serialize)]
pub struct JsonPair<'a> {
    pub a: &'a str,
    pub b: &'a str,
    pub a_to_b: crate::model::ike::Status,
    pub b_to_a: crate::model::ike::Status,
    /// Why a direction is not ESTABLISHED, or which side starts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_to_b_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_to_a_reason: Option<&'a str>,
    /// Indexes into `diagnostics`.
    pub diagnostics: Vec<usize>,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: &'a str,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub related: Vec<JsonRelated<'a>>,
    pub help: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonRelated<'a> {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub fn build(report: &Report) -> JsonReport<'_> {
    use crate::diagnostic::Severity::*;
    let path = |f| super::path(report, f);
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
            let ((line, column), (end_line, end_column)) =
                super::range(report, d.location.file, d.location.span);
            JsonDiagnostic {
                code: d.rule.code,
                severity: d.severity.as_str(),
                message: &d.message,
                file: path(d.location.file),
                line,
                column,
                end_line,
                end_column,
                related: d
                    .related
                    .iter()
                    .map(|r| {
                        let ((line, column), _) =
                            super::range(report, r.location.file, r.location.span);
                        JsonRelated {
                            file: path(r.location.file),
                            line,
                            column,
                            message: &r.message,
                        }
                    })
                    .collect(),
                help: d.help.as_deref(),
            }
        })
        .collect();
    JsonReport {
        version: 1,
        diagnostics,
        summary: Summary {
            files: report.db.files().len(),
            errors: report.count(Error),
            warnings: report.count(Warning),
            infos: report.count(Info),
        },
        tunnels: &report.tunnels,
        pairs: report
            .pairs
            .iter()
            .map(|p| JsonPair {
                a: &p.a,
                b: &p.b,
                a_to_b: p.a_to_b,
                b_to_a: p.b_to_a,
                a_to_b_reason: p.a_to_b_reason.as_deref(),
                b_to_a_reason: p.b_to_a_reason.as_deref(),
                diagnostics: report
                    .diagnostics
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.pair == Some(p.id))
                    .map(|(i, _)| i)
                    .collect(),
            })
            .collect(),
    }
}

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&build(report)).expect("serialisable");
    s.push('\n');
    s
}
