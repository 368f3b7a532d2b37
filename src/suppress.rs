//! Suppression comments, applied to the findings of a whole run before any
//! renderer sees them (so they work in every output format):
//!
//! - `# ipseclint: ignore[IPS2003,IPS4008] reason` on its own line silences
//!   those codes on the next statement line; at the end of a line, on that line;
//! - `# ipseclint: ignore-file[IPS2003]` among the comments at the top of a
//!   file silences the codes in the whole file.
//!
//! psk.txt has no trailing comments (racoon reads the rest of the line as the
//! key), so there only whole-line comments starting in column 1 count.
//! A cross-peer finding may be silenced at any of its places, on either peer.

use crate::diagnostic::{Diagnostic, Location};
use crate::rules::files::{BAD_SUPPRESSION, UNUSED_SUPPRESSION};
use crate::source::{FileId, SourceDb, Span};

/// One `ipseclint:` comment.
#[derive(Debug)]
struct Directive {
    file: FileId,
    span: Span,
    /// The 1-based lines it covers (empty for a whole-file directive).
    lines: Vec<usize>,
    whole_file: bool,
    codes: Vec<String>,
    used: Vec<bool>,
}

/// What follows `ipseclint:` in a comment.
enum Parsed {
    Ignore {
        whole_file: bool,
        codes: Vec<String>,
    },
    Bad(String),
}

fn parse_body(body: &str) -> Parsed {
    let body = body.trim_start();
    let (whole_file, rest) = if let Some(r) = body.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = body.strip_prefix("ignore") {
        (false, r)
    } else {
        return Parsed::Bad("expected `ignore[CODE,...]` or `ignore-file[CODE,...]`".into());
    };
    let Some(inner) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) else {
        return Parsed::Bad("the codes go in brackets: `ignore[IPS2003]`".into());
    };
    let codes: Vec<String> = inner
        .0
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return Parsed::Bad("no rule code between the brackets".into());
    }
    if let Some(c) = codes.iter().find(|c| crate::rules::by_code(c).is_none()) {
        return Parsed::Bad(format!("`{c}` is not a rule code (see `ipseclint rules`)"));
    }
    Parsed::Ignore { whole_file, codes }
}

/// Where a line's `# ipseclint:` comment starts, if it has one.
fn directive_start(line: &str, psk: bool) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = line[from..].find('#').map(|i| i + from) {
        if psk && i != 0 {
            return None;
        }
        if line[i + 1..].trim_start().starts_with("ipseclint:") {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Every directive in one file; malformed ones become findings.
fn scan(file: FileId, text: &str, psk: bool, bad: &mut Vec<Diagnostic>) -> Vec<Directive> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut offset = 0;
    let mut out = Vec::new();
    let mut in_header = true;
    for (i, line) in lines.iter().enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let Some(at) = directive_start(line, psk) else {
            in_header &= is_blank_or_comment(line);
            continue;
        };
        let span = Span::new(start + at, start + line.trim_end().len());
        let body = &line[at + 1..].trim_start()["ipseclint:".len()..];
        let standalone = line[..at].trim().is_empty();
        match parse_body(body) {
            Parsed::Bad(why) => bad.push(Diagnostic::new(
                &BAD_SUPPRESSION,
                file,
                span,
                format!("this suppression is ignored: {why}"),
            )),
            Parsed::Ignore { whole_file, .. } if whole_file && !(in_header && standalone) => bad
                .push(
                    Diagnostic::new(
                        &BAD_SUPPRESSION,
                        file,
                        span,
                        "`ignore-file` counts only among the comments at the top of the file",
                    )
                    .with_help("move it above the first statement"),
                ),
            Parsed::Ignore { whole_file, codes } => {
                let covered = if whole_file {
                    Vec::new()
                } else if standalone {
                    // The next statement line, past further comments.
                    (i + 1..lines.len())
                        .find(|&j| !is_blank_or_comment(lines[j]))
                        .map(|j| vec![j + 1])
                        .unwrap_or_default()
                } else {
                    vec![i + 1]
                };
                out.push(Directive {
                    file,
                    span,
                    lines: covered,
                    whole_file,
                    used: vec![false; codes.len()],
                    codes,
                });
            }
        }
        in_header &= standalone;
    }
    out
}

impl Directive {
    /// Does this directive silence `code` at `loc`? Marks it used.
    fn covers(&mut self, db: &SourceDb, code: &str, loc: Location) -> bool {
        if loc.file != self.file {
            return false;
        }
        let Some(k) = self.codes.iter().position(|c| c == code) else {
            return false;
        };
        let line = db.get(loc.file).line_col(loc.span.start()).0;
        if self.whole_file || self.lines.contains(&line) {
            self.used[k] = true;
            true
        } else {
            false
        }
    }
}

/// Drop the silenced findings of a run over the files in `db`; report
/// malformed and unused suppressions. `psk_files` take column-1 comments only.
pub fn apply(db: &SourceDb, psk_files: &[FileId], diagnostics: &mut Vec<Diagnostic>) {
    let mut extra = Vec::new();
    let mut directives: Vec<Directive> = Vec::new();
    for f in db.files() {
        if f.text.contains("ipseclint:") {
            let psk = psk_files.contains(&f.id);
            directives.extend(scan(f.id, &f.text, psk, &mut extra));
        }
    }
    if directives.is_empty() {
        diagnostics.extend(extra);
        return;
    }
    let diags = std::mem::take(diagnostics);
    let mut kept = Vec::with_capacity(diags.len());
    for d in diags {
        let mut places = vec![d.location];
        if d.pair.is_some() {
            places.extend(d.related.iter().map(|r| r.location));
        }
        let mut silenced = false;
        for dir in directives.iter_mut() {
            for &p in &places {
                // Every matching directive is marked used, not just the first.
                silenced |= dir.covers(db, d.rule.code, p);
            }
        }
        if !silenced {
            kept.push(d);
        }
    }
    for dir in &directives {
        for (code, used) in dir.codes.iter().zip(&dir.used) {
            if !used {
                extra.push(
                    Diagnostic::new(
                        &UNUSED_SUPPRESSION,
                        dir.file,
                        dir.span,
                        format!("the suppression of {code} matches no finding"),
                    )
                    .with_help("remove it, or the code from it"),
                );
            }
        }
    }
    kept.extend(extra);
    *diagnostics = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_column_one_comments_count_in_psk_files() {
        assert_eq!(
            directive_start("# ipseclint: ignore[IPS2502]", true),
            Some(0)
        );
        assert_eq!(
            directive_start("1.2.3.4 key # ipseclint: ignore[IPS2502]", true),
            None
        );
        assert_eq!(
            directive_start("remote x { # ipseclint: ignore[IPS2003]", false),
            Some(11)
        );
        assert_eq!(directive_start("# a comment # with # signs", false), None);
    }

    #[test]
    fn bodies() {
        assert!(
            matches!(parse_body(" ignore[IPS2003, IPS4008] old peer"), Parsed::Ignore { whole_file: false, ref codes } if codes.len() == 2)
        );
        assert!(matches!(
            parse_body("ignore-file[IPS2003]"),
            Parsed::Ignore {
                whole_file: true,
                ..
            }
        ));
        assert!(matches!(parse_body("ignore IPS2003"), Parsed::Bad(_)));
        assert!(matches!(parse_body("ignore[IPS0000]"), Parsed::Bad(_)));
        assert!(matches!(parse_body("skip[IPS2003]"), Parsed::Bad(_)));
    }
}
