//! Code actions: each finding's safe fix as a quick fix, "ignore this
//! finding here" (a suppression comment on the line before; in psk.txt in
//! column 1), and a fix-all source action. Edits go through the client;
//! nothing is written here.

use super::position::{self, Encoding};
use super::publish::{Entry, FileView};
use crate::diagnostic::Edit;
use crate::source::Span;
use std::collections::HashMap;
use tower_lsp_server::ls_types as ls;

/// The source action that applies every safe fix of a file.
pub const FIX_ALL: &str = "source.fixAll.ipseclint";

fn text_edit(text: &str, e: &Edit, enc: Encoding) -> ls::TextEdit {
    ls::TextEdit::new(position::range(text, e.span, enc), e.replacement.clone())
}

fn workspace_edit(uri: &ls::Uri, edits: Vec<ls::TextEdit>) -> ls::WorkspaceEdit {
    ls::WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    }
}

fn overlaps(e: &Entry, span: Span) -> bool {
    e.span.start() <= span.end() && span.start() <= e.span.end()
}

/// The comment that silences `code` on the line of `at`, inserted before it.
fn ignore_edit(view: &FileView, at: usize, code: &str) -> Edit {
    let text = &view.text;
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = if view.psk {
        String::new()
    } else {
        text[line_start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    };
    Edit {
        span: Span::new(line_start, line_start),
        replacement: format!("{indent}# ipseclint: ignore[{code}]\n"),
    }
}

/// The actions for `range` of a file whose diagnostics are `view`. `current`
/// is the buffer's text now: when it differs from the text the findings
/// were computed on, their places are stale and nothing is offered.
pub fn actions(
    uri: &ls::Uri,
    view: &FileView,
    current: &str,
    range: ls::Range,
    only: Option<&[ls::CodeActionKind]>,
    enc: Encoding,
) -> Vec<ls::CodeActionOrCommand> {
    if *view.text != *current {
        return Vec::new();
    }
    let text = &view.text;
    let wanted = |k: &ls::CodeActionKind| {
        only.is_none_or(|o| o.iter().any(|w| k.as_str().starts_with(w.as_str())))
    };
    let span = position::span(text, range, enc);
    let mut out = Vec::new();
    let here: Vec<&Entry> = view.entries.iter().filter(|e| overlaps(e, span)).collect();
    if wanted(&ls::CodeActionKind::QUICKFIX) {
        for e in &here {
            if let Some(f) = &e.fix {
                out.push(action(
                    &f.title,
                    ls::CodeActionKind::QUICKFIX,
                    uri,
                    f.edits.iter().map(|x| text_edit(text, x, enc)).collect(),
                    Some(e),
                ));
            }
        }
        let mut seen = Vec::new();
        for e in &here {
            if seen.contains(&e.rule.code) {
                continue;
            }
            seen.push(e.rule.code);
            let edit = ignore_edit(view, e.span.start(), e.rule.code);
            out.push(action(
                &format!("Ignore {} here", e.rule.code),
                ls::CodeActionKind::QUICKFIX,
                uri,
                vec![text_edit(text, &edit, enc)],
                Some(e),
            ));
        }
    }
    let fix_all = ls::CodeActionKind::from(FIX_ALL);
    if wanted(&fix_all) {
        let (edits, n) =
            crate::fix::non_overlapping(view.entries.iter().filter_map(|e| e.fix.as_ref()));
        if n > 0 {
            out.push(action(
                &format!("Fix all safe ipseclint findings ({n})"),
                fix_all,
                uri,
                edits.iter().map(|x| text_edit(text, x, enc)).collect(),
                None,
            ));
        }
    }
    out
}

fn action(
    title: &str,
    kind: ls::CodeActionKind,
    uri: &ls::Uri,
    edits: Vec<ls::TextEdit>,
    entry: Option<&&Entry>,
) -> ls::CodeActionOrCommand {
    ls::CodeActionOrCommand::CodeAction(ls::CodeAction {
        title: title.to_string(),
        kind: Some(kind),
        diagnostics: entry.map(|e| vec![e.diag.clone()]),
        edit: Some(workspace_edit(uri, edits)),
        is_preferred: entry.and_then(|e| e.fix.as_ref()).map(|_| true),
        ..Default::default()
    })
}
