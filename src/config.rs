//! `ipseclint.toml`: a project's settings (input layer, read before any file
//! is checked).
//!
//! ```toml
//! target = "freebsd-13"          # the release, unless --target says otherwise
//! fail-on = "warning"            # unless --fail-on says otherwise
//! exclude = ["archive/**", "*.orig"]
//!
//! [rules]                        # a code or a code prefix: off, info, warning, error
//! IPS3004 = "off"
//! IPS2 = "error"
//!
//! [[gateway]]                    # layout hints: these directories are gateways
//! path = "region/*/gw"
//! layout = "snapshot"
//! target = "freebsd-12"
//! ```
//!
//! Paths and globs are relative to the directory of the file. Every mistake
//! is an error with its place in the file: a setting that is silently ignored
//! would let a team believe a rule is off (or on) when it is not.

use crate::diagnostic::Severity;
use crate::discovery::{Layout, LayoutHints};
use crate::model::Target;
use crate::source::{FileMode, FileSystem, ReadText};
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// The name looked for in the current directory and its parents.
pub const FILE_NAME: &str = "ipseclint.toml";

/// The lowest severity that makes the exit status 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// What `[rules]` says of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Info,
    Warning,
    Error,
}

/// A `[[gateway]]` entry: directories that are gateways, whatever files they hold.
#[derive(Clone, Debug)]
pub struct GatewayHint {
    /// The glob as written, relative to the config's directory.
    pub pattern: String,
    matcher: GlobMatcher,
    pub layout: Layout,
    pub target: Option<Target>,
}

/// The settings of one run. `Config::default()` is "no file".
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file the settings came from.
    pub path: Option<PathBuf>,
    /// The directory paths and globs are relative to.
    pub base: PathBuf,
    /// The same with symlinks resolved (FreeBSD's `/home` is `/usr/home`).
    real_base: Option<PathBuf>,
    pub target: Option<Target>,
    pub fail_on: Option<FailOn>,
    /// Code or prefix, longest first (the most specific entry wins).
    rules: Vec<(String, RuleLevel)>,
    exclude: Option<GlobSet>,
    pub gateways: Vec<GatewayHint>,
}

/// A config that cannot be used: the run stops with exit status 2.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
    /// The file's text and the byte range at fault, when there is a place.
    pub place: Option<(String, Range<usize>)>,
}

impl ConfigError {
    fn at(path: &Path, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.to_path_buf(),
            message: message.into(),
            place: Some((text.to_string(), span)),
        }
    }

    /// 1-based line and column of the fault.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let (text, span) = self.place.as_ref()?;
        let start = span.start.min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, col))
    }

    /// `path:line:col: message`, then the line with the fault marked.
    pub fn render(&self) -> String {
        let mut out = format!("{self}\n");
        if let Some((text, span)) = &self.place {
            let diag = miette::MietteDiagnostic::new(self.message.clone())
                .with_severity(miette::Severity::Error)
                .with_label(miette::LabeledSpan::at(span.clone(), "here"));
            let report = miette::Report::new(diag).with_source_code(miette::NamedSource::new(
                self.path.display().to_string(),
                text.clone(),
            ));
            let handler = miette::GraphicalReportHandler::new_themed(
                miette::GraphicalTheme::unicode_nocolor(),
            )
            .with_width(100);
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        out
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line_col() {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The file as written; checked and compiled into `Config`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    target: Option<Target>,
    fail_on: Option<FailOn>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleLevel>,
    #[serde(default, rename = "gateway")]
    gateways: Vec<RawGatewayHint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGatewayHint {
    path: Spanned<String>,
    layout: Layout,
    target: Option<Target>,
}

impl Config {
    /// Look for `ipseclint.toml` in `start` and then its parents. None found:
    /// the default settings, relative to `start`.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        let abs = absolute(start);
        // Named relative to `start` in messages, as the user would type it.
        let mut shown = if start == Path::new(".") {
            PathBuf::new()
        } else {
            start.to_path_buf()
        };
        for dir in abs.ancestors() {
            if dir.join(FILE_NAME).is_file() {
                return Config::load(&shown.join(FILE_NAME));
            }
            shown.push("..");
        }
        Ok(Config {
            base: abs,
            ..Config::default()
        })
    }

    /// Read a config file named by the user.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = crate::source::read_regular_utf8(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("cannot read the configuration: {e}"),
            place: None,
        })?;
        Config::parse(path, &text)
    }

    /// Check a config's text. `path` names it in errors and gives the base directory.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            ConfigError::at(path, text, span, e.message().trim_end().to_string())
        })?;
        let base = absolute(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();

        let mut rules = Vec::new();
        // In file order, so a code set twice is reported where it is repeated.
        let mut entries: Vec<_> = raw.rules.into_iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (key, level) in entries {
            let code = key.get_ref().to_ascii_uppercase();
            let known = crate::rules::all()
                .iter()
                .any(|r| r.code.starts_with(code.as_str()));
            if code.len() < 3 || !code.starts_with("IPS") || !known {
                let hint = similar_code(&code)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                return Err(ConfigError::at(
                    path,
                    text,
                    key.span(),
                    format!(
                        "`{}` is not a rule code or a prefix of one{hint}; `ipseclint rules` lists them",
                        key.get_ref()
                    ),
                ));
            }
            if rules.iter().any(|(c, _)| *c == code) {
                return Err(ConfigError::at(
                    path,
                    text,
                    key.span(),
                    format!("`{}` is set twice in [rules]", key.get_ref()),
                ));
            }
            rules.push((code, level));
        }
        rules.sort_by_key(|(c, _)| std::cmp::Reverse(c.len()));

        let exclude = if raw.exclude.is_empty() {
            None
        } else {
            let mut set = GlobSetBuilder::new();
            for pattern in &raw.exclude {
                set.add(glob(path, text, pattern)?);
            }
            Some(set.build().map_err(|e| ConfigError {
                path: path.to_path_buf(),
                message: e.to_string(),
                place: None,
            })?)
        };

        let mut gateways = Vec::new();
        for g in raw.gateways {
            gateways.push(GatewayHint {
                pattern: g.path.get_ref().clone(),
                matcher: glob(path, text, &g.path)?.compile_matcher(),
                layout: g.layout,
                target: g.target,
            });
        }

        Ok(Config {
            path: Some(path.to_path_buf()),
            real_base: std::fs::canonicalize(&base).ok().filter(|r| *r != base),
            base,
            target: raw.target,
            fail_on: raw.fail_on,
            rules,
            exclude,
            gateways,
        })
    }

    /// What `[rules]` says of a code: its most specific entry.
    pub fn rule_level(&self, code: &str) -> Option<RuleLevel> {
        self.rules
            .iter()
            .find(|(prefix, _)| code.starts_with(prefix.as_str()))
            .map(|(_, level)| *level)
    }

    /// Drop the findings of rules that are off and give the others their
    /// configured severity.
    pub fn apply_rules(&self, diagnostics: &mut Vec<crate::diagnostic::Diagnostic>) {
        if self.rules.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| match self.rule_level(d.code()) {
            Some(RuleLevel::Off) => false,
            Some(RuleLevel::Info) => {
                d.severity = Severity::Info;
                true
            }
            Some(RuleLevel::Warning) => {
                d.severity = Severity::Warning;
                true
            }
            Some(RuleLevel::Error) => {
                d.severity = Severity::Error;
                true
            }
            None => true,
        });
    }

    /// The path relative to the config's directory, when it is under it:
    /// as written, else with symlinks resolved on either side.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let abs = absolute(path);
        let bases = || std::iter::once(&self.base).chain(self.real_base.as_ref());
        if let Some(rel) = bases().find_map(|b| abs.strip_prefix(b).ok()) {
            return Some(rel.to_path_buf());
        }
        let real = std::fs::canonicalize(&abs).ok()?;
        bases().find_map(|b| real.strip_prefix(b).ok().map(Path::to_path_buf))
    }

    /// Does `exclude` name anything?
    pub fn excludes_anything(&self) -> bool {
        self.exclude.is_some()
    }

    /// Is the path, or a directory above it (below the config's directory), excluded?
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.is_excluded_below(path, Path::new(""))
    }

    /// Like `is_excluded`, but `root` and the directories above it do not count.
    pub fn is_excluded_below(&self, path: &Path, root: &Path) -> bool {
        let Some(set) = &self.exclude else {
            return false;
        };
        path.ancestors()
            .take_while(|a| *a != root && !a.as_os_str().is_empty())
            .filter_map(|a| self.relative(a))
            .any(|rel| !rel.as_os_str().is_empty() && set.is_match(rel))
    }

    /// The `[[gateway]]` entry that names this directory.
    pub fn gateway_hint(&self, dir: &Path) -> Option<&GatewayHint> {
        let rel = self.relative(dir)?;
        self.gateways.iter().find(|g| g.matcher.is_match(&rel))
    }
}

impl LayoutHints for Config {
    fn layout_hint(&self, dir: &Path) -> Option<Layout> {
        self.gateway_hint(dir).map(|h| h.layout)
    }
    fn has_layout_hints(&self) -> bool {
        !self.gateways.is_empty()
    }
}

/// A glob as gitignore reads it: `*` stays within one directory, and a
/// pattern without `/` matches a name at any depth.
fn glob(path: &Path, text: &str, pattern: &Spanned<String>) -> Result<Glob, ConfigError> {
    // As in .gitignore, a `/` only at the end does not anchor the pattern.
    let p = pattern
        .get_ref()
        .trim_start_matches("./")
        .trim_end_matches('/');
    if p.trim_matches('/').is_empty() {
        return Err(ConfigError::at(
            path,
            text,
            pattern.span(),
            "an empty pattern would match nothing or everything; name a path or a glob",
        ));
    }
    let full = if p.contains('/') {
        p.trim_start_matches('/').trim_end_matches('/').to_string()
    } else {
        format!("**/{p}")
    };
    GlobBuilder::new(&full)
        .literal_separator(true)
        .build()
        .map_err(|e| {
            ConfigError::at(
                path,
                text,
                pattern.span(),
                format!("`{}` is not a valid glob: {}", pattern.get_ref(), e.kind()),
            )
        })
}

/// The rule code closest to a misspelt one.
fn similar_code(code: &str) -> Option<&'static str> {
    crate::rules::all()
        .into_iter()
        .map(|r| (strsim::levenshtein(code, r.code), r.code))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// The path made absolute against the current directory, with `.` and `..`
/// taken out lexically (symlinks are not followed: nothing is read).
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The file system as the run sees it with `exclude`: excluded paths do not
/// exist. A path named on the command line is checked even when a glob
/// matches it or a directory above it, as with ruff: naming it is asking for
/// it. What lies below it can still be excluded.
pub(crate) struct ExcludingFs<'a> {
    pub inner: &'a dyn FileSystem,
    pub config: &'a Config,
    pub named: Vec<PathBuf>,
}

impl ExcludingFs<'_> {
    fn hidden(&self, path: &Path) -> bool {
        if !self.config.excludes_anything() {
            return false;
        }
        // Below a named path, only what lies under it can be excluded.
        let root = self
            .named
            .iter()
            .filter(|n| path.starts_with(n))
            .max_by_key(|n| n.as_os_str().len());
        match root {
            Some(root) => self.config.is_excluded_below(path, root),
            None => self.config.is_excluded(path),
        }
    }
    fn gone<T>(&self, path: &Path) -> io::Result<T> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is excluded by {FILE_NAME}", path.display()),
        ))
    }
}

impl FileSystem for ExcludingFs<'_> {
    fn read(&self, path: &Path) -> io::Result<ReadText> {
        if self.hidden(path) {
            return self.gone(path);
        }
        self.inner.read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        !self.hidden(path) && self.inner.is_dir(path)
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        if self.hidden(path) {
            return self.gone(path);
        }
        let mut entries = self.inner.list_dir(path)?;
        entries.retain(|e| !self.hidden(e));
        Ok(entries)
    }
    fn exists(&self, path: &Path) -> bool {
        !self.hidden(path) && self.inner.exists(path)
    }
    fn is_symlink(&self, path: &Path) -> bool {
        !self.hidden(path) && self.inner.is_symlink(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.canonicalize(path)
    }
    fn mode(&self, path: &Path) -> Option<FileMode> {
        self.inner.mode(path)
    }
    fn lookup_error(&self, path: &Path) -> Option<io::Error> {
        self.inner.lookup_error(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/site/ipseclint.toml"), text)
    }

    #[test]
    fn most_specific_rule_entry_wins() {
        let c = parse("[rules]\nIPS2 = \"error\"\nIPS2003 = \"off\"\n").unwrap();
        assert_eq!(c.rule_level("IPS2003"), Some(RuleLevel::Off));
        assert_eq!(c.rule_level("IPS2001"), Some(RuleLevel::Error));
        assert_eq!(c.rule_level("IPS3001"), None);
    }

    #[test]
    fn unknown_code_is_located_with_a_suggestion() {
        let e = parse("target = \"freebsd-13\"\n\n[rules]\nIPS20O3 = \"off\"\n").unwrap_err();
        assert_eq!(e.line_col(), Some((4, 1)));
        assert!(e.message.contains("IPS20O3"), "{}", e.message);
        assert!(
            e.message.contains("did you mean `IPS2003`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn bad_values_and_keys_are_located() {
        let e = parse("[rules]\nIPS2003 = \"loud\"\n").unwrap_err();
        assert_eq!(e.line_col().map(|p| p.0), Some(2));
        let e = parse("targett = \"freebsd-13\"\n").unwrap_err();
        assert_eq!(e.line_col(), Some((1, 1)));
        assert!(e.message.contains("targett"), "{}", e.message);
        let e = parse("\n\ntarget = \"freebsd-9\"\n").unwrap_err();
        assert_eq!(e.line_col().map(|p| p.0), Some(3));
        let e = parse("exclude = [\"ok/**\", \"bad[\"]\n").unwrap_err();
        assert_eq!(e.line_col(), Some((1, 21)));
        let e = parse("exclude = [\"./\"]\n").unwrap_err();
        assert!(e.message.contains("empty pattern"), "{}", e.message);
        let e = parse("[rules]\nIPS2003 = \"off\"\nips2003 = \"error\"\n").unwrap_err();
        assert_eq!(e.line_col(), Some((3, 1)));
        assert!(e.message.contains("set twice"), "{}", e.message);
    }

    #[test]
    fn globs_without_slash_match_at_any_depth() {
        let c = parse("exclude = [\"*.orig\", \"archive/**\"]\n").unwrap();
        assert!(c.is_excluded(Path::new("/site/hq/racoon.conf.orig")));
        assert!(c.is_excluded(Path::new("/site/archive/old/psk.txt")));
        assert!(!c.is_excluded(Path::new("/site/hq/racoon.conf")));
        // Outside the config's directory nothing is excluded.
        assert!(!c.is_excluded(Path::new("/elsewhere/x.orig")));
    }

    #[test]
    fn a_directory_glob_excludes_what_is_below_it() {
        let c = parse("exclude = [\"old\"]\n").unwrap();
        assert!(c.is_excluded(Path::new("/site/old")));
        assert!(c.is_excluded(Path::new("/site/old/etc/rc.conf")));
        assert!(!c.is_excluded(Path::new("/site/older/rc.conf")));
        // A path named on the command line counts from itself down.
        assert!(!c.is_excluded_below(Path::new("/site/old/rc.conf"), Path::new("/site/old")));
        let c = parse("exclude = [\"*.orig\"]\n").unwrap();
        assert!(c.is_excluded_below(Path::new("/site/old/rc.conf.orig"), Path::new("/site/old")));
        // A trailing `/` alone does not anchor: `archive/` is excluded at any depth.
        let c = parse("exclude = [\"archive/\"]\n").unwrap();
        assert!(c.is_excluded(Path::new("/site/eu/archive/racoon.conf")));
    }

    #[test]
    fn paths_through_a_symlink_are_under_the_real_base() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir_all(real.join("site/old")).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        std::fs::write(real.join("site/ipseclint.toml"), "exclude = [\"old\"]\n").unwrap();
        // Read through the real path, checked through the link, and the other way.
        let c = Config::load(&real.join("site/ipseclint.toml")).unwrap();
        assert!(c.is_excluded(&link.join("site/old")));
        let c = Config::load(&link.join("site/ipseclint.toml")).unwrap();
        assert!(c.is_excluded(&real.join("site/old")));
    }

    #[test]
    fn gateway_hints_match_directories() {
        let c = parse(
            "[[gateway]]\npath = \"region/*/gw\"\nlayout = \"flat\"\ntarget = \"freebsd-12\"\n",
        )
        .unwrap();
        let h = c.gateway_hint(Path::new("/site/region/eu/gw")).unwrap();
        assert_eq!(h.layout, Layout::Flat);
        assert_eq!(h.target, Some(Target::FreeBsd12));
        assert!(c
            .gateway_hint(Path::new("/site/region/eu/gw/etc"))
            .is_none());
    }
}
