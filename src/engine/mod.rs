//! The library entry point shared by the CLI and the language server:
//! paths in, diagnostics out.

use crate::diagnostic::{self, Diagnostic};
use crate::discovery::{self, DirKind};
use crate::model::{self, Target};
use crate::rules::{self, files as rf};
use crate::source::{FileId, FileKind, FileSystem, SourceDb, Span, MAX_FILE_SIZE};
use crate::syntax;
use std::path::{Path, PathBuf};

mod firewall;
mod gateway;
mod secrets;

pub use gateway::load_gateway;

#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    /// `--target`; `None`: from each gateway's `bin/freebsd-version`, else the newest.
    pub target: Option<Target>,
    /// `--live`: read real owners and modes from the checked files.
    pub live: bool,
    /// `ipseclint.toml` (default: none).
    pub config: crate::config::Config,
    /// Check only the pairs that include one of these gateway roots (the
    /// language server's run after an edit: pairs among the edited
    /// gateway's peers did not change). Empty: every pair.
    pub focus: Vec<PathBuf>,
    /// Write down each direction's negotiation steps (`ipseclint negotiate`).
    pub transcript: bool,
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
    /// Every tunnel of every gateway checked, through its firewalls.
    pub tunnels: Vec<rules::firewall::TunnelStatus>,
    /// Every pair of checked gateways that refer to each other.
    pub pairs: Vec<rules::pair::PairStatus>,
    /// The psk.txt files read (their comment rule differs: column 1 only).
    pub psk_files: Vec<crate::source::FileId>,
    /// Every gateway loaded, with its model (the language server's hover and
    /// navigation read it).
    pub gateways: Vec<rules::pair::SiteGateway>,
    /// Every known key value, for the last scrub (`Report::scrub`).
    secret_values: secrets::SecretValues,
    /// Files read in a key role (psk.txt, setkey): their keys are known.
    keyed: Vec<FileId>,
}

impl Report {
    pub fn count(&self, sev: diagnostic::Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
    }
}

/// Recognise a file by its name, then by its content.
pub fn classify(path: &Path, text: Option<&str>) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let racoon_name = name.contains("racoon") && name.contains(".conf");
    if racoon_name && name.contains("psk") {
        // `racoon-psk.conf`: the content decides. Reading keys as racoon.conf
        // would quote them in syntax errors.
        return Some(match text.map(sniff) {
            Some(c) if c.racoon > 0 => FileKind::RacoonConf,
            Some(_) => FileKind::PskTxt,
            None => return None,
        });
    }
    if racoon_name {
        return Some(FileKind::RacoonConf);
    }
    if name.contains("psk") {
        return Some(FileKind::PskTxt);
    }
    if name.contains("rc.conf")
        || matches!(
            name.as_str(),
            "loader.conf" | "sysctl.conf" | "freebsd-version"
        )
    {
        return Some(FileKind::RcConf);
    }
    let setkey_name = name.contains("setkey")
        || name.starts_with("ipsec.conf")
        || name.contains("ipsec-tools.conf");
    let text = text?;
    // Documents and other daemons' key files are never read as rules, even
    // when they mention `flush;` or `pass in`.
    if is_strongswan(text) || is_document(&name) || secrets::is_secrets_file(path) {
        return None;
    }
    if setkey_name {
        return Some(FileKind::Setkey);
    }
    let counts = sniff(text);
    if name.contains("ipnat") {
        return Some(FileKind::Ipnat);
    }
    // A name says ipfw or ipf, but some files are misnamed: the content decides ties.
    if name.contains("ipfw") || name.contains("rc.firewall") {
        return Some(if counts.ipf > counts.ipfw {
            FileKind::Ipf
        } else {
            FileKind::Ipfw
        });
    }
    if name.contains("ipf") {
        return Some(if counts.ipfw > counts.ipf {
            FileKind::Ipfw
        } else {
            FileKind::Ipf
        });
    }
    let mut ranked = [
        (counts.racoon, FileKind::RacoonConf),
        (counts.setkey, FileKind::Setkey),
        (counts.ipfw, FileKind::Ipfw),
        (counts.ipf, FileKind::Ipf),
        (counts.ipnat, FileKind::Ipnat),
    ];
    ranked.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    // A tie is no confidence: the file is reported, not checked as a guess.
    (ranked[0].0 > 0 && ranked[0].0 > ranked[1].0).then_some(ranked[0].1)
}

/// How many lines of a file look like each format.
#[derive(Default)]
struct Sniff {
    racoon: usize,
    setkey: usize,
    ipfw: usize,
    ipf: usize,
    ipnat: usize,
}

const IPFW_ACTIONS: &[&str] = &[
    "allow",
    "accept",
    "pass",
    "permit",
    "deny",
    "drop",
    "reject",
    "unreach",
    "reset",
    "count",
    "skipto",
    "divert",
    "fwd",
    "forward",
    "check-state",
    "nat",
    "pipe",
    "queue",
    "tee",
    "setfib",
    "call",
    "return",
];

fn sniff(text: &str) -> Sniff {
    let mut c = Sniff::default();
    for line in text.lines().map(str::trim_start) {
        if line.starts_with('#') {
            continue;
        }
        // `+`/`-`: leftovers of a pasted diff still mark a setkey file.
        // Only the first three words count: no list per line.
        let mut words = line
            .trim_start_matches(['+', '-'])
            .split(|ch: char| ch.is_whitespace() || ch == ';')
            .filter(|w| !w.is_empty());
        let first = words.next().unwrap_or("");
        let second = words.next().unwrap_or("");
        match first {
            "remote" | "sainfo" | "listen" | "padding" => c.racoon += 1,
            "path" if line.contains("pre_shared_key") || line.contains("certificate") => {
                c.racoon += 1
            }
            // ipfw `add [N] action`, setkey `add SRC DST proto SPI`.
            "add" => {
                let action = if second.chars().all(|ch| ch.is_ascii_digit()) {
                    words.next().unwrap_or("")
                } else {
                    second
                };
                if IPFW_ACTIONS.contains(&action) || action == "set" || action == "prob" {
                    c.ipfw += 1
                } else {
                    c.setkey += 1
                }
            }
            "spdadd" | "spdflush" | "spddelete" | "spddump" | "deleteall" => c.setkey += 1,
            "flush" if line.contains(';') => c.setkey += 1,
            "ipfw" | "/sbin/ipfw" | "${fwcmd}" | "$fwcmd" | "${FW}" | "$FW" => c.ipfw += 1,
            "pass" | "block" | "log" | "count" | "skip" | "auth"
                if matches!(
                    second,
                    "in" | "out" | "quick" | "return-rst" | "return-icmp" | "log"
                ) =>
            {
                c.ipf += 1
            }
            "map" | "rdr" | "bimap" | "map-block" => c.ipnat += 1,
            _ if first.starts_with('@') => c.ipf += 1,
            _ => {}
        }
    }
    c
}

fn is_strongswan(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .any(|l| l.starts_with("conn ") || l.starts_with("config setup"))
}

/// Check every path. A directory is a gateway (checked as a whole), a site
/// (each subdirectory a gateway) or a plain directory (each recognised file
/// on its own).
pub fn lint(inputs: &[Input], fs: &dyn FileSystem, opts: &LintOptions) -> Report {
    // `exclude` hides paths from everything below; named paths stay visible.
    let excluding = crate::config::ExcludingFs {
        inner: fs,
        config: &opts.config,
        named: inputs.iter().map(|i| i.path.clone()).collect(),
    };
    let fs: &dyn FileSystem = &excluding;
    let mut report = Report::default();
    let mut site = Vec::new();
    for input in inputs {
        if fs.is_dir(&input.path) && opts.live {
            // A running system is one gateway; never walk its whole tree.
            site.push(load_gateway(
                fs,
                &input.path,
                discovery::Layout::Snapshot,
                opts,
                &mut report,
            ));
        } else if fs.is_dir(&input.path) {
            match discovery::classify_dir(fs, &input.path, &opts.config) {
                DirKind::Gateway(layout) => {
                    site.push(load_gateway(fs, &input.path, layout, opts, &mut report))
                }
                DirKind::Site(gateways) => {
                    report_links_out(fs, &input.path, &mut report);
                    for (root, layout) in gateways {
                        site.push(load_gateway(fs, &root, layout, opts, &mut report));
                    }
                }
                DirKind::Plain => {
                    let mut files = Vec::new();
                    collect_dir(fs, &input.path, &input.path, 0, &mut files, &mut report);
                    for f in files {
                        lint_file(fs, &f, false, opts, &mut report);
                    }
                }
            }
        } else {
            lint_file(fs, &input.path, true, opts, &mut report);
        }
    }
    // Every pair of gateways that refer to each other, both ways.
    let (diags, pairs) = rules::pair::check(&site, &opts.focus, opts.transcript);
    report.diagnostics.extend(diags);
    report.pairs = pairs;
    report.gateways = site;
    secrets::finish(&mut report);
    crate::suppress::apply(&report.db, &report.psk_files, &mut report.diagnostics);
    // After suppressions, so a directive for a rule that is off is not "unused".
    opts.config.apply_rules(&mut report.diagnostics);
    diagnostic::sort(&mut report.diagnostics, &report.db);
    cap_findings(&mut report.diagnostics, &report.db);
    report
}

/// Symlinks in a site directory that lead out of it: each gets IPS4017 at the
/// link's own path (an empty stand-in: nothing is read through it).
fn report_links_out(fs: &dyn FileSystem, dir: &Path, report: &mut Report) {
    for (link, why) in discovery::links_out(fs, dir) {
        let at = report.db.add(link, String::new());
        report
            .diagnostics
            .push(rules::gateway::entry_outside_root(at, &why));
    }
}

/// The most findings of one rule shown for one file.
pub const MAX_FINDINGS_PER_RULE_AND_FILE: usize = 100;

/// Keep the first findings of each rule in each file (in sorted order) and
/// count the rest in one IPS9006 note at the first one left out.
fn cap_findings(diagnostics: &mut Vec<Diagnostic>, db: &SourceDb) {
    use std::collections::HashMap;
    let mut seen: HashMap<(&'static str, FileId), (usize, Option<usize>)> = HashMap::new();
    let mut keep = vec![true; diagnostics.len()];
    for (i, d) in diagnostics.iter().enumerate() {
        let e = seen.entry((d.rule.code, d.location.file)).or_default();
        e.0 += 1;
        if e.0 > MAX_FINDINGS_PER_RULE_AND_FILE {
            keep[i] = false;
            e.1.get_or_insert(i);
        }
    }
    let mut notes: Vec<Diagnostic> = seen
        .into_iter()
        .filter_map(|((code, _), (n, first))| {
            let d = &diagnostics[first?];
            let more = n - MAX_FINDINGS_PER_RULE_AND_FILE;
            Some(Diagnostic::new(
                &rf::FINDINGS_CAPPED,
                d.location.file,
                d.location.span,
                format!("{more} more {code} findings in this file are not shown (at most {MAX_FINDINGS_PER_RULE_AND_FILE} per rule and file)"),
            ))
        })
        .collect();
    let mut i = 0;
    diagnostics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    if !notes.is_empty() {
        diagnostics.append(&mut notes);
        diagnostic::sort(diagnostics, db);
    }
}

fn collect_dir(
    fs: &dyn FileSystem,
    root: &Path,
    dir: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
    report: &mut Report,
) {
    if depth > MAX_PLAIN_DEPTH {
        let at = report.db.add(dir.to_path_buf(), String::new());
        let msg = format!(
            "`{}` is more than {MAX_PLAIN_DEPTH} directories below `{}`: not searched",
            dir.display(),
            root.display()
        );
        report.diagnostics.push(
            Diagnostic::new(&rf::NOT_RECOGNISED, at, Span::new(0, 0), msg)
                .with_help("name the directory (or the gateway above it) on the command line"),
        );
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
                if fs.is_symlink(&e) {
                    // A link out of the root is reported; one inside it is
                    // a second name for a file that is checked anyway.
                    if discovery::contained(fs, root, &e).is_err() {
                        let why = discovery::link_out_of(&e, root);
                        let at = report.db.add(e, String::new());
                        report
                            .diagnostics
                            .push(rules::gateway::entry_outside_root(at, &why));
                    }
                    continue;
                }
                if fs.is_dir(&e) {
                    collect_dir(fs, root, &e, depth + 1, out, report);
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

/// How deep a plain directory is searched for configuration files.
const MAX_PLAIN_DEPTH: usize = 8;

/// Read a file into the run's database. Files over 16 MiB are reported and
/// not read; bytes that are not UTF-8 are reported and replaced.
pub(crate) fn read_into_db(
    fs: &dyn FileSystem,
    path: &Path,
    report: &mut Report,
) -> std::io::Result<FileId> {
    match fs.read(path) {
        Ok(read) => {
            let id = report.db.add(path.to_path_buf(), read.text);
            report.db.set_real(id, fs.canonicalize(path).ok());
            if read.lossy {
                report.diagnostics.push(Diagnostic::new(
                    &rf::NOT_UTF8,
                    id,
                    Span::new(0, 0),
                    "the file contains bytes that are not UTF-8; they were replaced for checking",
                ));
            }
            Ok(id)
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            let id = report.db.add(path.to_path_buf(), String::new());
            report.diagnostics.push(Diagnostic::new(
                &rf::TOO_LARGE,
                id,
                Span::new(0, 0),
                format!(
                    "the file is larger than {} MiB and was not read",
                    MAX_FILE_SIZE >> 20
                ),
            ));
            Ok(id)
        }
        Err(e) => Err(e),
    }
}

/// `read_into_db`, with a file that cannot be read recorded as an input
/// error (exit status 2): never silently skipped.
pub(crate) fn read_or_report(
    fs: &dyn FileSystem,
    path: &Path,
    report: &mut Report,
) -> Option<FileId> {
    match read_into_db(fs, path, report) {
        Ok(id) => Some(id),
        Err(e) => {
            report.input_errors.push(InputError {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
            None
        }
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
    let secrets_file = secrets::is_secrets_file(path);
    if !explicit && by_name.is_none() && !looks_like_config_name(path) && !secrets_file {
        return;
    }
    let Some(id) = read_or_report(fs, path, report) else {
        return;
    };
    let text = report.db.get(id).text.clone();
    let Some(kind) = by_name.or_else(|| classify(path, Some(&text))) else {
        // Nothing is known of its content (a key file under another name?): it is
        // all masked, so no renderer shows a line of it.
        report.add_secrets(id, vec![Span::new(0, text.len())]);
        let msg = if secrets_file {
            "this is a libreswan/strongSwan secrets file, not a racoon psk.txt: ipseclint does not check it and never shows it"
        } else if is_strongswan(&text) {
            "this looks like a strongSwan/Openswan ipsec.conf (`conn` sections), not a setkey file: ipseclint does not check it"
        } else if explicit {
            "ipseclint does not recognise this file (racoon.conf, psk.txt, setkey file or rc.conf)"
        } else {
            "ipseclint cannot tell from its content which configuration this is (racoon.conf, setkey, ipfw or ipf rules): it is not checked and its text is not shown"
        };
        report.diagnostics.push(Diagnostic::new(
            &rf::NOT_RECOGNISED,
            id,
            Span::new(0, 0),
            msg,
        ));
        return;
    };
    let target = opts.target.or(opts.config.target).unwrap_or_default();
    match kind {
        FileKind::RacoonConf => {
            let part = check_racoon(id, &text, target, report);
            report.diagnostics.extend(not_followed(&part));
        }
        FileKind::PskTxt => {
            check_psk(id, &text, report);
        }
        FileKind::Setkey => {
            check_setkey(id, &text, target, report);
        }
        FileKind::RcConf => {
            check_rc(id, &text, rc_kind(path, &text), report);
        }
        FileKind::Ipfw => check_ipfw(id, &text, report),
        FileKind::Ipf => {
            let parsed = syntax::ipf::parse(id, &text, syntax::ipf::IpfVersion::default());
            report.diagnostics.extend(parsed.diagnostics);
            let fw = rules::firewall::LoadedFirewall {
                kind: crate::model::gateway::Firewall::Ipfilter,
                file: id,
                anchor: Span::new(0, 0),
                ruleset: Box::new(crate::model::ipf::IpfRuleset::load(id, &parsed.file)),
            };
            report
                .diagnostics
                .extend(rules::firewall::check_ruleset(&fw));
        }
        FileKind::Ipnat => {
            let parsed = syntax::ipf::nat::parse(id, &text, syntax::ipf::IpfVersion::default());
            report.diagnostics.extend(parsed.diagnostics);
        }
        FileKind::Other => {}
    }
}

/// An ipfw rules file or script checked on its own (no rc.conf known).
fn check_ipfw(id: FileId, text: &str, report: &mut Report) {
    use syntax::ipfw::{detect_format, IpfwFormat};
    let commands = match detect_format(text) {
        IpfwFormat::RuleFile => {
            let parsed = syntax::ipfw::parse_file(id, text);
            report.diagnostics.extend(parsed.diagnostics);
            parsed.file.commands
        }
        _ => {
            let out = syntax::ipfw_sh::evaluate(id, text, &Default::default());
            report.diagnostics.extend(out.diagnostics);
            out.commands
                .into_iter()
                .filter(|c| !c.conditional)
                .map(|c| c.command)
                .collect()
        }
    };
    let fw = rules::firewall::LoadedFirewall {
        kind: crate::model::gateway::Firewall::Ipfw,
        file: id,
        anchor: Span::new(0, 0),
        ruleset: Box::new(crate::model::ipfw::IpfwRuleset::load(
            commands.iter(),
            Default::default(),
        )),
    };
    report
        .diagnostics
        .extend(rules::firewall::check_ruleset(&fw));
}

/// rc.conf, the defaults file, or another `name=value` file.
pub(crate) fn rc_kind(path: &Path, text: &str) -> rules::rcconf::RcKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    // FreeBSD's own defaults file defines source_rc_confs.
    if (name == "rc.conf" && parent.as_deref() == Some("defaults"))
        || text.contains("source_rc_confs_defined")
    {
        rules::rcconf::RcKind::Defaults
    } else if name.contains("rc.conf") || parent.as_deref() == Some("rc.conf.d") {
        rules::rcconf::RcKind::RcConf
    } else {
        rules::rcconf::RcKind::Other
    }
}

/// Parse and check a racoon.conf.
/// A lone racoon.conf: the files its `include` and `path` statements name
/// are not read, since no gateway root says where they are.
fn not_followed(part: &crate::model::gateway::RacoonPart) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in &part.conf.items {
        let syntax::racoon::TopItem::Setting(s) = item else {
            continue;
        };
        let Some(q) = s.first_quoted() else { continue };
        let what = match (&*s.keyword.value, s.word(0).map(|w| &*w.value)) {
            ("include", _) => "this include is not followed",
            ("path", Some("pre_shared_key")) => "the psk.txt named here is not read",
            ("path", Some("certificate")) => "the certificates below this path are not read",
            _ => continue,
        };
        out.push(
            Diagnostic::new(
                &rf::NOT_FOLLOWED,
                part.file,
                q.span,
                format!("{what}: the file is checked on its own, with no gateway root"),
            )
            .with_help(
                "give the gateway's directory (the root its /usr/local/etc is under) to check it",
            ),
        );
    }
    out
}

pub(crate) fn check_racoon(
    id: FileId,
    text: &str,
    target: Target,
    report: &mut Report,
) -> crate::model::gateway::RacoonPart {
    let mut parsed = syntax::racoon::parse(id, text);
    redact_secret_blocks(id, &mut parsed, report);
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
        text,
        conf: &parsed.conf,
        model: &m,
        target,
        skipped: &skipped,
    };
    let found = rules::racoon::check(&cx);
    // IPS20xx errors are the checks racoon makes while loading the file.
    let refused = found
        .iter()
        .filter(|d| d.severity == diagnostic::Severity::Error && d.rule.code.starts_with("IPS20"))
        .map(|d| d.location.span)
        .min_by_key(|s| s.start)
        .map(|s| syntax::Rejected::at(text, s));
    report.diagnostics.extend(found);
    crate::model::gateway::RacoonPart {
        file: id,
        conf: parsed.conf,
        model: m,
        refused,
    }
}

/// `radiuscfg` (shared secrets) and `ldapcfg` (`bind_pw`) hold passwords: the
/// blocks are masked, and a finding inside one quotes nothing from it.
fn redact_secret_blocks(id: FileId, parsed: &mut syntax::racoon::Parsed, report: &mut Report) {
    use syntax::racoon::TopItem;
    let blocks: Vec<Span> = parsed
        .conf
        .items
        .iter()
        .filter_map(|i| match i {
            TopItem::Block(b) if matches!(&*b.keyword.value, "radiuscfg" | "ldapcfg") => {
                Some(b.span)
            }
            _ => None,
        })
        .collect();
    for d in &mut parsed.diagnostics {
        let at = d.location.span;
        if blocks
            .iter()
            .any(|b| b.start <= at.start && at.start < b.end.max(b.start + 1))
        {
            d.message = diagnostic::without_quoted(&d.message);
        }
    }
    report.add_secrets(id, blocks);
}

/// Parse and check a psk.txt; its keys are registered as secrets.
pub(crate) fn check_psk(id: FileId, text: &str, report: &mut Report) -> syntax::psk::PskFile {
    let psk = syntax::psk::parse(text);
    report.add_secrets(id, syntax::psk::secret_spans(&psk));
    report.add_secret_values(secrets::psk_values(&psk, text));
    report.keyed.push(id);
    report.psk_files.push(id);
    let cx = rules::psk::PskCtx {
        file: id,
        psk: &psk,
    };
    report.diagnostics.extend(rules::psk::check(&cx));
    psk
}

/// Parse and check a setkey file; manual keys are registered as secrets.
pub(crate) fn check_setkey(
    id: FileId,
    text: &str,
    target: Target,
    report: &mut Report,
) -> syntax::setkey::SetkeyFile {
    let mut parsed = syntax::setkey::parse(id, text);
    report.add_secrets(id, parsed.secrets.clone());
    report.add_secret_values(secrets::setkey_values(&parsed.secrets, text));
    report.keyed.push(id);
    report.diagnostics.extend(parsed.diagnostics);
    let cx = rules::setkey::SetkeyCtx {
        file: id,
        setkey: &parsed.file,
        target,
    };
    let found = rules::setkey::check(&cx);
    // setkey also stops where it checks a key length or an algorithm against
    // the kernel's table (IPS3001, IPS3002): nothing after it is loaded.
    let stop = found
        .iter()
        .filter(|d| {
            d.severity == diagnostic::Severity::Error
                && matches!(d.rule.code, "IPS3001" | "IPS3002")
        })
        .map(|d| d.location.span)
        .chain(parsed.file.first_error.map(|r| r.span))
        .min_by_key(|s| s.start);
    parsed.file.first_error = stop.map(|s| syntax::Rejected::at(text, s));
    report.diagnostics.extend(found);
    parsed.file
}

/// Parse and check an rc.conf-style file.
pub(crate) fn check_rc(
    id: FileId,
    text: &str,
    kind: rules::rcconf::RcKind,
    report: &mut Report,
) -> syntax::rcconf::RcFile {
    let rc = syntax::rcconf::parse(text);
    let cx = rules::rcconf::RcCtx {
        file: id,
        text,
        rc: &rc,
        kind,
    };
    report.diagnostics.extend(rules::rcconf::check(&cx));
    rc
}

fn is_document(name: &str) -> bool {
    [
        ".md",
        ".markdown",
        ".rst",
        ".txt",
        ".html",
        ".htm",
        ".pdf",
        ".org",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

fn looks_like_config_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".conf")
        || name.ends_with(".cf")
        || name.ends_with(".rules")
        || name.ends_with(".fw")
        || name.contains("ipf")
        || name.contains("ipnat")
        || name.contains("firewall")
}
