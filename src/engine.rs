//! The library entry point shared by the CLI and the language server:
//! paths in, diagnostics out.

use crate::diagnostic::{self, Diagnostic};
use crate::model;
use crate::rules::{self, files as rf};
use crate::source::{FileKind, FileSystem, SourceDb, Span};
use crate::syntax;
use std::path::{Path, PathBuf};

/// The FreeBSD release the gateway runs (decides the kernel's algorithms).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Target {
    #[value(name = "freebsd-12")]
    FreeBsd12,
    #[value(name = "freebsd-13")]
    FreeBsd13,
    #[default]
    #[value(name = "freebsd-14")]
    FreeBsd14,
}

impl Target {
    pub fn release(self) -> u32 {
        match self {
            Target::FreeBsd12 => 12,
            Target::FreeBsd13 => 13,
            Target::FreeBsd14 => 14,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Target::FreeBsd12 => "FreeBSD 12",
            Target::FreeBsd13 => "FreeBSD 13",
            Target::FreeBsd14 => "FreeBSD 14",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub target: Target,
}

/// One path to check, as given by the user.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
}

/// A path that could not be read (exit status 2).
#[derive(Clone, Debug)]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    pub db: SourceDb,
    pub diagnostics: Vec<Diagnostic>,
    pub input_errors: Vec<InputError>,
    /// Spans per file that hold secrets (masked by every renderer).
    pub secrets: Vec<(crate::source::FileId, Vec<Span>)>,
}

impl Report {
    pub fn count(&self, sev: diagnostic::Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
    }
    pub fn secret_spans(&self, file: crate::source::FileId) -> &[Span] {
        self.secrets
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&[])
    }
}

/// Recognise a file by its name, then by its content.
pub fn classify(path: &Path, text: Option<&str>) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.contains("racoon") && name.contains(".conf") {
        return Some(FileKind::RacoonConf);
    }
    if name.contains("psk") {
        return Some(FileKind::PskTxt);
    }
    let setkey_name = name.contains("setkey")
        || name.starts_with("ipsec.conf")
        || name.contains("ipsec-tools.conf");
    let text = text?;
    if is_strongswan(text) {
        return None;
    }
    if setkey_name {
        return Some(FileKind::Setkey);
    }
    let (mut racoon, mut setkey) = (0, 0);
    for line in text.lines().map(str::trim_start) {
        if line.starts_with('#') {
            continue;
        }
        // `+`/`-`: leftovers of a pasted diff still mark a setkey file.
        let first = line
            .trim_start_matches(['+', '-'])
            .split(|c: char| c.is_whitespace() || c == ';')
            .next()
            .unwrap_or("");
        match first {
            "remote" | "sainfo" | "listen" | "padding" => racoon += 1,
            "path" if line.contains("pre_shared_key") || line.contains("certificate") => {
                racoon += 1
            }
            "spdadd" | "spdflush" | "spddelete" | "spddump" | "add" | "flush" | "deleteall" => {
                setkey += 1
            }
            _ => {}
        }
    }
    if racoon > 0 && racoon >= setkey {
        Some(FileKind::RacoonConf)
    } else if setkey > 0 {
        Some(FileKind::Setkey)
    } else {
        None
    }
}

fn is_strongswan(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .any(|l| l.starts_with("conn ") || l.starts_with("config setup"))
}

/// Check every path. Directories are walked; files are recognised by name
/// and content.
pub fn lint(inputs: &[Input], fs: &dyn FileSystem, opts: &LintOptions) -> Report {
    let mut report = Report::default();
    for input in inputs {
        if fs.is_dir(&input.path) {
            let mut files = Vec::new();
            collect_dir(fs, &input.path, 0, &mut files, &mut report);
            for f in files {
                lint_file(fs, &f, false, opts, &mut report);
            }
        } else {
            lint_file(fs, &input.path, true, opts, &mut report);
        }
    }
    diagnostic::sort(&mut report.diagnostics, &report.db);
    report
}

fn collect_dir(
    fs: &dyn FileSystem,
    dir: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
    report: &mut Report,
) {
    if depth > 8 {
        return;
    }
    match fs.list_dir(dir) {
        Ok(entries) => {
            for e in entries {
                let hidden = e
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if hidden {
                    continue;
                }
                if fs.is_dir(&e) {
                    collect_dir(fs, &e, depth + 1, out, report);
                } else {
                    out.push(e);
                }
            }
        }
        Err(e) => report.input_errors.push(InputError {
            path: dir.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

fn lint_file(
    fs: &dyn FileSystem,
    path: &Path,
    explicit: bool,
    opts: &LintOptions,
    report: &mut Report,
) {
    // Skip unrecognised files in directories without reading them.
    let by_name = classify(path, None);
    if !explicit && by_name.is_none() && !looks_like_config_name(path) {
        return;
    }
    let read = match fs.read(path) {
        Ok(r) => r,
        Err(e) => {
            report.input_errors.push(InputError {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
            return;
        }
    };
    let kind = by_name.or_else(|| classify(path, Some(&read.text)));
    let Some(kind) = kind else {
        if explicit {
            let id = report.db.add(path.to_path_buf(), read.text);
            let text = &report.db.get(id).text;
            let msg = if is_strongswan(text) {
                "this looks like a strongSwan/Openswan ipsec.conf (`conn` sections), not a setkey file: ipseclint does not check it"
            } else {
                "ipseclint does not recognise this file as racoon.conf or psk.txt"
            };
            report.diagnostics.push(Diagnostic::new(
                &rf::NOT_RECOGNISED,
                id,
                Span::new(0, 0),
                msg,
            ));
        }
        return;
    };
    let id = report.db.add(path.to_path_buf(), read.text);
    if read.lossy {
        report.diagnostics.push(Diagnostic::new(
            &rf::NOT_UTF8,
            id,
            Span::new(0, 0),
            "the file contains bytes that are not UTF-8; they were replaced for checking",
        ));
    }
    let text = report.db.get(id).text.clone();
    match kind {
        FileKind::RacoonConf => {
            let parsed = syntax::racoon::parse(id, &text);
            let skipped: Vec<Span> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.severity == diagnostic::Severity::Error)
                .map(|d| d.location.span)
                .collect();
            report.diagnostics.extend(parsed.diagnostics);
            let m = model::racoon::build(&parsed.conf);
            let cx = rules::racoon::RacoonCtx {
                file: id,
                text: &text,
                conf: &parsed.conf,
                model: &m,
                target: opts.target,
                skipped: &skipped,
            };
            report.diagnostics.extend(rules::racoon::check(&cx));
        }
        FileKind::PskTxt => {
            let psk = syntax::psk::parse(&text);
            report.secrets.push((id, syntax::psk::secret_spans(&psk)));
            let cx = rules::psk::PskCtx {
                file: id,
                psk: &psk,
            };
            report.diagnostics.extend(rules::psk::check(&cx));
        }
        FileKind::Setkey => {
            let parsed = syntax::setkey::parse(id, &text);
            report.secrets.push((id, parsed.secrets.clone()));
            report.diagnostics.extend(parsed.diagnostics);
            let cx = rules::setkey::SetkeyCtx {
                file: id,
                setkey: &parsed.file,
                target: opts.target,
            };
            report.diagnostics.extend(rules::setkey::check(&cx));
        }
        FileKind::Other => {}
    }
}

fn looks_like_config_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".conf")
}
