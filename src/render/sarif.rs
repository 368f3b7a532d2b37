//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, GitLab), built
//! with serde-sarif. Every rule is listed in `tool.driver.rules` with its doc;
//! results carry their rule, level, place, related places and a partial
//! fingerprint that survives moved lines (the baseline's).

use crate::diagnostic::Severity;
use crate::engine::Report;
use crate::rules::{self, RuleMeta};
use crate::source::{FileId, Span};
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};
use std::collections::BTreeMap;

/// The base the relative URIs are resolved against (GitHub's convention).
pub const SRCROOT: &str = "%SRCROOT%";

/// Where a rule's page lives, for `helpUri`.
pub fn help_uri(rule: &RuleMeta) -> String {
    format!(
        "{}/blob/main/docs/rules/{}.md",
        env!("CARGO_PKG_REPOSITORY"),
        rule.code
    )
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// A URI reference for a path: relative paths stay relative (to `%SRCROOT%`),
/// absolute ones become `file:` URIs; characters URIs forbid are escaped.
fn uri(path: &std::path::Path) -> (String, bool) {
    let p = path.to_string_lossy().replace('\\', "/");
    let p = p.strip_prefix("./").unwrap_or(&p).to_string();
    let mut out = String::new();
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.is_absolute() {
        (format!("file://{out}"), false)
    } else {
        (out, true)
    }
}

fn location(report: &Report, file: FileId, span: Span, message: Option<&str>) -> Location {
    let ((line, col), (end_line, end_col)) = super::range(report, file, span);
    let (u, relative) = uri(&report.db.get(file).path);
    let artifact = if relative {
        ArtifactLocation::builder()
            .uri(u)
            .uri_base_id(SRCROOT.to_string())
            .build()
    } else {
        ArtifactLocation::builder().uri(u).build()
    };
    let region = Region::builder()
        .start_line(line as i64)
        .start_column(col as i64)
        .end_line(end_line as i64)
        .end_column(end_col as i64)
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact)
        .region(region)
        .build();
    match message {
        Some(m) => Location::builder()
            .physical_location(physical)
            .message(Message::builder().text(m.to_string()).build())
            .build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

fn descriptor(r: &RuleMeta) -> ReportingDescriptor {
    let text = |t: String| MultiformatMessageString::builder().text(t).build();
    ReportingDescriptor::builder()
        .id(r.code.to_string())
        .name(r.name.to_string())
        .short_description(text(r.summary.to_string()))
        .full_description(text(r.why.replace("\n", " ")))
        .help(
            MultiformatMessageString::builder()
                .text(rules::explain(r))
                .markdown(rules::docs::page(r))
                .build(),
        )
        .help_uri(help_uri(r))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::to_value(level(r.severity)).expect("a level serialises"))
                .build(),
        )
        .build()
}

pub fn build(report: &Report) -> Sarif {
    let all = rules::all();
    let index: BTreeMap<&str, usize> = all.iter().enumerate().map(|(i, r)| (r.code, i)).collect();
    let prints = crate::baseline::fingerprints(report);
    let results: Vec<SarifResult> = report
        .diagnostics
        .iter()
        .zip(prints)
        .map(|(d, print)| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            let related: Vec<Location> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut l =
                        location(report, r.location.file, r.location.span, Some(&r.message));
                    l.id = Some(i as i64);
                    l
                })
                .collect();
            let mut res = SarifResult::builder()
                .rule_id(d.rule.code.to_string())
                .level(level(d.severity))
                .message(Message::builder().text(text).build())
                .locations(vec![location(
                    report,
                    d.location.file,
                    d.location.span,
                    None,
                )])
                .partial_fingerprints(BTreeMap::from([("ipseclint/v1".to_string(), print)]))
                .build();
            if let Some(&i) = index.get(d.rule.code) {
                res.rule_index = Some(i as i64);
            }
            if !related.is_empty() {
                res.related_locations = Some(related);
            }
            res
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("ipseclint".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .information_uri(env!("CARGO_PKG_REPOSITORY").to_string())
        .rules(all.iter().map(|r| descriptor(r)).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build()
}

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(&build(report)).expect("SARIF serialises") + "\n"
}
