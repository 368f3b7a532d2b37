//! Hover text: a finding's rule, a suppression's code, a keyword, and for a
//! peer address the gateway that owns it, what it proposes and the pair's
//! status both ways. Source text is shown only as the report masks it.

use super::navigate;
use super::publish::FileView;
use crate::engine::Report;
use crate::model::gateway::{Gateway, PeerKind};
use crate::rules;
use std::path::Path;

/// The word (letters, digits, `_`, `.`, `:`) around a byte offset.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, &str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':';
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return None;
    }
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (start, &text[start..end]))
}

/// The rule docs of the findings at the cursor.
pub fn findings(view: &FileView, offset: usize) -> Option<String> {
    let mut codes: Vec<&'static crate::diagnostic::RuleMeta> = Vec::new();
    for e in &view.entries {
        if e.span.start() <= offset
            && offset <= e.span.end().max(e.span.start() + 1)
            && !codes.iter().any(|r| r.code == e.rule.code)
        {
            codes.push(e.rule);
        }
    }
    (!codes.is_empty()).then(|| {
        codes
            .iter()
            .map(|r| rules::explain(r))
            .collect::<Vec<_>>()
            .join("\n---\n\n")
    })
}

/// A code inside an `ipseclint: ignore[...]` comment.
pub fn suppression_code(text: &str, offset: usize) -> Option<String> {
    let (_, word) = word_at(text, offset)?;
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    if !line.contains("ipseclint:") {
        return None;
    }
    rules::by_code(word).map(rules::explain)
}

/// A racoon.conf keyword's meaning and default.
pub fn keyword(text: &str, offset: usize) -> Option<String> {
    let (_, word) = word_at(text, offset)?;
    let d = crate::model::keywords::doc(word)?;
    Some(format!(
        "{}\n\n{}\n\nDefault: {}",
        d.keyword, d.meaning, d.default
    ))
}

fn kind_name(kind: PeerKind) -> &'static str {
    match kind {
        PeerKind::Remote => "remote",
        PeerKind::SpdTunnel => "SPD tunnel endpoint",
        PeerKind::Gif => "gif tunnel destination",
        PeerKind::Psk => "psk.txt identifier",
    }
}

/// For a peer address under the cursor: who owns it, what that gateway
/// proposes back, and the pair's status both ways.
pub fn peer(report: &Report, path: &Path, offset: usize) -> Option<String> {
    let me = navigate::gateway_of(report, path)?;
    let file = navigate::file_id(report, path)?;
    let at = navigate::peer_ref_at(me, file, offset)?;
    let head = format!("{} {}", kind_name(at.kind), at.address);
    let Some(peer) = navigate::owner(report, me, at.address) else {
        return Some(format!(
            "{head}\n\nNo checked gateway owns {}: give its directory too, or add it to the workspace, to have the pair simulated.",
            at.address
        ));
    };
    let mut out = format!("{head}: gateway {} ({})\n", peer.name, peer.root.display());
    out.push_str(&proposes(report, peer, me));
    for p in report
        .pairs
        .iter()
        .filter(|p| (p.a == me.name && p.b == peer.name) || (p.b == me.name && p.a == peer.name))
    {
        out.push_str(&format!(
            "\n{} → {}: {}{}\n{} → {}: {}{}\n",
            p.a,
            p.b,
            status(p.a_to_b),
            reason(&p.a_to_b_reason),
            p.b,
            p.a,
            status(p.b_to_a),
            reason(&p.b_to_a_reason)
        ));
    }
    Some(report.scrub(&out))
}

fn status(s: crate::model::ike::Status) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn reason(r: &Option<String>) -> String {
    r.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
}

/// The peer's remote for `me`: its exchange modes and proposals, as written
/// (masked), one line each.
fn proposes(report: &Report, peer: &Gateway, me: &Gateway) -> String {
    let mine = me.owned_addresses();
    for part in &peer.racoon {
        let text = report.masked_text(part.file);
        for r in &part.model.remotes {
            if !r.address().is_some_and(|a| mine.contains(&a)) {
                continue;
            }
            let collapse = |s: crate::source::Span| {
                text.get(s.start()..s.end())
                    .unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let mut out = format!(
                "\n{}'s remote for {}: {}\n",
                peer.name,
                me.name,
                collapse(r.header)
            );
            let modes: Vec<String> = r.exchange_modes.iter().map(|m| collapse(m.span)).collect();
            if !modes.is_empty() {
                out.push_str(&format!("- exchange_mode {}\n", modes.join(", ")));
            }
            for p in &r.proposals {
                out.push_str(&format!("- {}\n", collapse(p.span)));
            }
            return out;
        }
    }
    format!(
        "\n{} has no remote for {}'s addresses.\n",
        peer.name, me.name
    )
}
