//! `--format human`: miette's graphical report with source snippets.

use crate::diagnostic::{Diagnostic as Finding, Severity};
use crate::engine::Report;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;

/// One finding in miette's terms. Related locations in other files become
/// related diagnostics (miette puts all labels of one diagnostic in one source).
#[derive(Debug)]
struct Rendered {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<std::sync::Arc<str>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

fn source(report: &Report, file: crate::source::FileId) -> NamedSource<std::sync::Arc<str>> {
    let name = report.db.get(file).path.to_string_lossy().into_owned();
    NamedSource::new(name, report.masked_text(file))
}

fn span(s: crate::source::Span) -> SourceSpan {
    SourceSpan::new(s.start().into(), s.end().saturating_sub(s.start()))
}

fn convert(report: &Report, d: &Finding) -> Rendered {
    let file = d.location.file;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.severity.as_str().to_string()),
        span(d.location.span),
    )];
    let mut related = Vec::new();
    for r in &d.related {
        if r.location.file == file {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                span(r.location.span),
            ));
        } else {
            related.push(Rendered {
                code: String::new(),
                message: r.message.clone(),
                severity: miette::Severity::Advice,
                help: None,
                source: source(report, r.location.file),
                labels: vec![LabeledSpan::new_with_span(
                    Some(r.message.clone()),
                    span(r.location.span),
                )],
                related: Vec::new(),
            });
        }
    }
    Rendered {
        code: d.rule.code.to_string(),
        message: d.message.clone(),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: d.help.clone(),
        source: source(report, file),
        labels,
        related,
    }
}

/// Render the whole report. `color` decides ANSI colours.
pub fn render(report: &Report, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for d in &report.diagnostics {
        let r = convert(report, d);
        let _ = handler.render_report(&mut out, &r);
        out.push('\n');
    }
    out.push_str(&tunnel_table(report));
    out.push_str(&pair_table(report));
    out.push_str(&summary(report));
    out
}

/// Each pair of gateways and whether its tunnel comes up, both ways.
pub fn pair_table(report: &Report) -> String {
    if report.pairs.is_empty() {
        return String::new();
    }
    let status = |s: crate::model::ike::Status| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    };
    let mut rows = vec![[
        "pair".to_string(),
        "a -> b".to_string(),
        "b -> a".to_string(),
    ]];
    for p in &report.pairs {
        rows.push([
            format!("{} <-> {}", p.a, p.b),
            status(p.a_to_b),
            status(p.b_to_a),
        ]);
    }
    let mut s = table("Pairs:", &rows);
    // Why each direction that is not ESTABLISHED fails, or who starts it.
    let mut why = String::new();
    for p in &report.pairs {
        for (from, to, reason) in [
            (&p.a, &p.b, &p.a_to_b_reason),
            (&p.b, &p.a, &p.b_to_a_reason),
        ] {
            if let Some(r) = reason {
                why.push_str(&format!("  {from} -> {to}: {r}\n"));
            }
        }
    }
    if !why.is_empty() {
        s.push_str(&why);
        s.push('\n');
    }
    s
}

/// A titled table with left-aligned columns two spaces apart.
fn table<const N: usize>(title: &str, rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut s = format!("{title}\n");
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        s.push_str("  ");
        s.push_str(line.join("  ").trim_end());
        s.push('\n');
    }
    s.push('\n');
    s
}

/// The tunnels of the checked gateways and what their firewalls do with them.
fn tunnel_table(report: &Report) -> String {
    if report.tunnels.is_empty() {
        return String::new();
    }
    let mut rows = vec![[
        "gateway".to_string(),
        "tunnel".to_string(),
        "firewall".to_string(),
        "IKE out/in".to_string(),
        "ESP out/in".to_string(),
        "NAT-T".to_string(),
    ]];
    for t in &report.tunnels {
        rows.push([
            t.gateway.clone(),
            format!("{} -> {}", t.local, t.peer),
            if t.firewalls.is_empty() {
                "none".into()
            } else {
                t.firewalls.join("+")
            },
            format!("{}/{}", t.ike_initiate, t.ike_respond),
            format!("{}/{}", t.esp_out, t.esp_in),
            t.natt.to_string(),
        ]);
    }
    table("Tunnels through the firewalls:", &rows)
}

pub fn summary(report: &Report) -> String {
    format!(
        "{} file{} checked: {} error{}, {} warning{}, {} info{}\n",
        report.db.files().len(),
        plural(report.db.files().len()),
        report.count(Severity::Error),
        plural(report.count(Severity::Error)),
        report.count(Severity::Warning),
        plural(report.count(Severity::Warning)),
        report.count(Severity::Info),
        plural(report.count(Severity::Info)),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
