//! The site as a picture: gateways as nodes, each direction of a tunnel as an
//! edge coloured by its status and labelled with its first failure. Graphviz
//! DOT (`--format dot`) and Mermaid (`--format mermaid`, which GitHub renders
//! in Markdown).

use crate::engine::Report;
use crate::model::ike::Status;
use crate::rules::pair::PairStatus;

/// One direction of a pair, as an edge.
struct Edge<'a> {
    from: &'a str,
    to: &'a str,
    status: Status,
    label: String,
}

/// The rule a failed direction is reported under.
fn code_of(status: Status) -> Option<&'static str> {
    Some(match status {
        Status::Established | Status::NeverInitiated => return None,
        Status::NotRunning | Status::NoPolicy | Status::KeyFileRefused => "IPS6011",
        Status::Phase1Failed => "IPS6003",
        Status::Phase1KeyMismatch => "IPS6004",
        Status::Phase2Failed => "IPS6005",
        Status::BlockedByFirewall => "IPS6006",
        Status::MissingPeerConfig => "IPS6002",
    })
}

fn status_name(s: Status) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A label short enough for an edge: the status, the rule, the reason's
/// first clause.
fn label(status: Status, reason: Option<&str>) -> String {
    let mut l = status_name(status);
    if let Some(code) = code_of(status) {
        l = format!("{l} {code}");
    }
    if let Some(r) = reason {
        l = format!(
            "{l}: {}",
            shorten(r.split([':', ';']).next().unwrap_or(r).trim(), 60)
        );
    }
    l
}

/// At most `max` characters, cut at a word, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", &cut[..at])
}

fn edges(pairs: &[PairStatus]) -> Vec<Edge<'_>> {
    let mut out = Vec::new();
    for p in pairs {
        out.push(Edge {
            from: &p.a,
            to: &p.b,
            status: p.a_to_b,
            label: label(p.a_to_b, p.a_to_b_reason.as_deref()),
        });
        out.push(Edge {
            from: &p.b,
            to: &p.a,
            status: p.b_to_a,
            label: label(p.b_to_a, p.b_to_a_reason.as_deref()),
        });
    }
    out
}

/// Every gateway of the report, pairs or not, in a stable order.
fn gateways(report: &Report) -> Vec<&str> {
    let mut names: Vec<&str> = report
        .gateways
        .iter()
        .map(|g| g.gateway.name.as_str())
        .chain(
            report
                .pairs
                .iter()
                .flat_map(|p| [p.a.as_str(), p.b.as_str()]),
        )
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn colour(s: Status) -> &'static str {
    match s {
        Status::Established => "#2e7d32",
        Status::NeverInitiated => "#757575",
        _ => "#c62828",
    }
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz DOT.
pub fn dot(report: &Report) -> String {
    let mut s = String::from("digraph site {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for g in gateways(report) {
        s.push_str(&format!("  {};\n", dot_quote(g)));
    }
    for e in edges(&report.pairs) {
        let style = if e.status == Status::NeverInitiated {
            ", style=dashed"
        } else {
            ""
        };
        s.push_str(&format!(
            "  {} -> {} [label={}, color=\"{c}\", fontcolor=\"{c}\"{style}];\n",
            dot_quote(e.from),
            dot_quote(e.to),
            dot_quote(&e.label),
            c = colour(e.status),
        ));
    }
    s.push_str("}\n");
    s
}

/// A Mermaid node id: the gateway's place in the sorted list (names may hold
/// characters Mermaid ids cannot).
fn mermaid_id(names: &[&str], name: &str) -> String {
    format!(
        "g{}",
        names.iter().position(|n| *n == name).unwrap_or(names.len())
    )
}

/// Mermaid text for a label: no quotes, brackets, pipes or backticks (which
/// end a label or start Markdown in it).
fn mermaid_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(
                c,
                '"' | '|' | '[' | ']' | '{' | '}' | '<' | '>' | '#' | ';' | '`'
            ) {
                '\''
            } else {
                c
            }
        })
        .collect()
}

/// Mermaid flowchart; each edge's colour follows its status.
pub fn mermaid(report: &Report) -> String {
    let mut s = String::from("flowchart LR\n");
    let names = gateways(report);
    for g in &names {
        s.push_str(&format!(
            "  {}[\"{}\"]\n",
            mermaid_id(&names, g),
            mermaid_text(g)
        ));
    }
    let edges = edges(&report.pairs);
    for e in &edges {
        let arrow = if e.status == Status::NeverInitiated {
            "-.->"
        } else {
            "-->"
        };
        s.push_str(&format!(
            "  {} {arrow}|\"{}\"| {}\n",
            mermaid_id(&names, e.from),
            mermaid_text(&e.label),
            mermaid_id(&names, e.to)
        ));
    }
    for (i, e) in edges.iter().enumerate() {
        s.push_str(&format!(
            "  linkStyle {i} stroke:{},color:{}\n",
            colour(e.status),
            colour(e.status)
        ));
    }
    s
}
