//! Findings, independent of how they are rendered, and the metadata of the
//! rules that emit them ([`RuleMeta`], declared with [`rule!`] beside each
//! emitting parser or check). This sits below every layer that emits a
//! finding, so parsers and checks alike can name their rules.

mod meta;

pub use meta::RuleMeta;
pub(crate) use meta::{register, rule};

use crate::source::{FileId, SourceDb, Span};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A location in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// A secondary location with what it shows.
#[derive(Clone, Debug)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// One finding. Messages never contain secret values (pre-shared keys).
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    pub related: Vec<Related>,
    pub help: Option<String>,
    /// The gateway pair a cross-peer finding belongs to (index into the report's pairs).
    pub pair: Option<usize>,
    /// A safe change that resolves the finding (`--fix`, the editor's quick fix).
    pub fix: Option<Fix>,
}

/// Replace `span` (in the finding's own file) by `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A safe text change in the finding's primary file. Replacements are
/// keywords, punctuation or identifiers, never a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What it does, for the editor's menu ("Add the missing `;`").
    pub title: String,
    pub edits: Vec<Edit>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static RuleMeta,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity,
            message: message.into(),
            location: Location { file, span },
            related: Vec::new(),
            help: None,
            pair: None,
            fix: None,
        }
    }
    /// Offer a safe fix: replace `span` of the finding's file by `replacement`.
    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some(Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                replacement: replacement.into(),
            }],
        });
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location: Location { file, span },
            message: message.into(),
        });
        self
    }
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    pub fn code(&self) -> &'static str {
        self.rule.code
    }
}

/// Sort by file path, then line, then column (the order every renderer uses).
pub fn sort(diags: &mut [Diagnostic], db: &SourceDb) {
    diags.sort_by(|a, b| {
        let fa = db.get(a.location.file);
        let fb = db.get(b.location.file);
        fa.path
            .cmp(&fb.path)
            .then(a.location.span.start.cmp(&b.location.span.start))
            .then(a.rule.code.cmp(b.rule.code))
    });
}

/// A message with every `quoted` fragment replaced by `…`: for findings in
/// places that may hold secrets.
pub fn without_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        // Odd pieces are inside backticks.
        if i % 2 == 0 {
            out.push_str("`…`");
        } else {
            out.push_str(part);
        }
    }
    out
}
