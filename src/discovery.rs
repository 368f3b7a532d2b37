//! Gateway discovery (file layer): which directories are gateway roots or
//! sites, where a path named inside a configuration lives under a root (as
//! under chroot), and what is known about file modes.
//!
//! Nothing here reads outside a gateway root: a path that leaves the root
//! lexically (`..`) or through a symlink is reported, never followed.

use crate::source::{FileMode, FileSystem};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// How a gateway's files are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// A copy of the gateway's filesystem: `etc/rc.conf`, `usr/local/etc/racoon/racoon.conf`...
    Snapshot,
    /// The files side by side: `racoon.conf`, `psk.txt`, `ipsec.conf`, `rc.conf`...
    Flat,
}

/// What the project settings say about directories (`[[gateway]]` entries
/// of ipseclint.toml). The caller hands them down, so discovery depends on
/// no settings type.
pub trait LayoutHints {
    /// The layout a hint gives this directory, if a hint names it.
    fn layout_hint(&self, dir: &Path) -> Option<Layout>;
    /// Are there any hints? Only then is a site searched below its first level.
    fn has_layout_hints(&self) -> bool;
}

/// Files that mark a snapshot-style gateway root.
const SNAPSHOT_MARKERS: &[&str] = &[
    "etc/rc.conf",
    "etc/rc.conf.local",
    "etc/ipsec.conf",
    "usr/local/etc/racoon/racoon.conf",
    "etc/racoon/racoon.conf",
    "etc/ipf.rules",
    "etc/ipfw.rules",
];

/// Files that mark a flat gateway directory.
const FLAT_MARKERS: &[&str] = &[
    "racoon.conf",
    "rc.conf",
    "ipsec.conf",
    "setkey.conf",
    "psk.txt",
];

/// What a directory given on the command line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirKind {
    Gateway(Layout),
    /// Its subdirectories (with their layouts) are gateways.
    Site(Vec<(PathBuf, Layout)>),
    /// Neither: every recognised file in it is checked on its own.
    Plain,
}

pub fn gateway_layout(fs: &dyn FileSystem, dir: &Path) -> Option<Layout> {
    if SNAPSHOT_MARKERS.iter().any(|m| fs.exists(&dir.join(m))) {
        Some(Layout::Snapshot)
    } else if FLAT_MARKERS.iter().any(|m| fs.exists(&dir.join(m))) {
        Some(Layout::Flat)
    } else {
        None
    }
}

pub fn classify_dir(fs: &dyn FileSystem, dir: &Path, hints: &dyn LayoutHints) -> DirKind {
    if let Some(layout) = hints.layout_hint(dir) {
        return DirKind::Gateway(layout);
    }
    if let Some(l) = gateway_layout(fs, dir) {
        return DirKind::Gateway(l);
    }
    let mut gateways = Vec::new();
    find_gateways(fs, dir, 0, hints, &mut gateways);
    if gateways.is_empty() {
        DirKind::Plain
    } else {
        DirKind::Site(gateways)
    }
}

/// How deep `[[gateway]]` hints are looked for below a site directory.
const MAX_HINT_DEPTH: usize = 6;

/// The gateways below a site: its subdirectories with gateway files, and,
/// deeper, the directories that `[[gateway]]` entries of ipseclint.toml name.
fn find_gateways(
    fs: &dyn FileSystem,
    dir: &Path,
    depth: usize,
    hints: &dyn LayoutHints,
    out: &mut Vec<(PathBuf, Layout)>,
) {
    let Ok(entries) = fs.list_dir(dir) else {
        return;
    };
    for e in entries {
        let hidden = e
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden || !fs.is_dir(&e) || fs.is_symlink(&e) {
            continue;
        }
        if let Some(layout) = hints.layout_hint(&e) {
            out.push((e, layout));
        } else if let Some(l) = gateway_layout(fs, &e).filter(|_| depth == 0) {
            out.push((e, l));
        } else if hints.has_layout_hints() && depth < MAX_HINT_DEPTH {
            find_gateways(fs, &e, depth + 1, hints, out);
        }
    }
}

/// Entries of a site or plain directory that are symlinks leading out of it:
/// they are never followed, and each is reported (path, why).
pub fn links_out(fs: &dyn FileSystem, dir: &Path) -> Vec<(PathBuf, String)> {
    let entries = fs.list_dir(dir).unwrap_or_default();
    entries
        .into_iter()
        .filter(|e| fs.is_symlink(e))
        .filter(|e| contained(fs, dir, e).is_err())
        .map(|e| {
            let why = link_out_of(&e, dir);
            (e, why)
        })
        .collect()
}

/// Why a link found by listing `dir` (or a directory below it) is not followed.
pub fn link_out_of(link: &Path, dir: &Path) -> String {
    format!(
        "`{}` is a symlink that leads out of `{}`",
        link.display(),
        dir.display()
    )
}

/// Where a configured path is in the checked tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    Found(PathBuf),
    /// Not at its configured place; found by name in a flat gateway directory.
    FlatFallback(PathBuf),
    /// Not there. Holds the path that was looked at.
    Missing(PathBuf),
    /// A directory where a file is configured: the daemon finds no file there.
    NotAFile(PathBuf),
    /// A directory on the way cannot be searched: unknown (an I/O error).
    Unsearchable(PathBuf),
    /// The path leaves the gateway root; it is not followed.
    Escapes(String),
}

impl Resolved {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Resolved::Found(p) | Resolved::FlatFallback(p) => Some(p),
            _ => None,
        }
    }
}

/// Join `path` (absolute as on the gateway, or relative to `cwd` on the
/// gateway) under `root` without leaving it.
pub fn chroot_path(root: &Path, cwd: &str, path: &str) -> Result<PathBuf, String> {
    let on_gateway = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        Path::new(cwd).join(path)
    };
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in on_gateway.components() {
        match c {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("`{path}` leaves the gateway's root directory"));
                }
            }
            Component::Normal(n) => parts.push(n),
        }
    }
    let mut out = root.to_path_buf();
    for p in parts {
        out.push(p);
    }
    Ok(out)
}

/// Resolve a path named in a configuration (see [`chroot_path`]), checking
/// that symlinks stay inside the root, with the flat-layout fallback.
pub fn resolve(
    fs: &dyn FileSystem,
    root: &Path,
    layout: Layout,
    cwd: &str,
    path: &str,
) -> Resolved {
    let candidate = match chroot_path(root, cwd, path) {
        Ok(p) => p,
        Err(e) => return Resolved::Escapes(e),
    };
    if fs.exists(&candidate) {
        return match contained(fs, root, &candidate) {
            Ok(()) => Resolved::Found(candidate),
            Err(e) => Resolved::Escapes(e),
        };
    }
    if layout == Layout::Flat {
        if let Some(name) = Path::new(path).file_name() {
            let flat = root.join(name);
            if fs.exists(&flat) && contained(fs, root, &flat).is_ok() {
                return Resolved::FlatFallback(flat);
            }
        }
    }
    Resolved::Missing(candidate)
}

/// A file found inside the root may still be a symlink that points out of it.
pub fn contained(fs: &dyn FileSystem, root: &Path, path: &Path) -> Result<(), String> {
    let Ok(real_root) = fs.canonicalize(root) else {
        return Ok(());
    };
    match fs.canonicalize(path) {
        Ok(real) if real.starts_with(&real_root) => Ok(()),
        Ok(_) => Err(format!(
            "`{}` is a symlink that points outside the gateway's root directory",
            path.display()
        )),
        // A dangling symlink: not followed.
        Err(_) if fs.is_symlink(path) => Err(format!(
            "`{}` is a symlink that cannot be followed inside the root",
            path.display()
        )),
        Err(_) => Ok(()),
    }
}

/// Where file owners and modes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeSource {
    Mtree,
    Etckeeper,
    Live,
}

/// Known owners and modes of files, by path relative to the gateway root.
#[derive(Clone, Debug, Default)]
pub struct Modes {
    pub source: Option<ModeSource>,
    entries: HashMap<PathBuf, FileMode>,
    pub live_root: Option<PathBuf>,
    /// With `--live`: where the recorded modes (`entries`) came from, to be
    /// compared with the file system's.
    pub recorded_source: Option<ModeSource>,
}

/// A mode file that was found but not used.
#[derive(Debug)]
pub enum ModeFileSkipped {
    /// It leads out of the root (the message says how).
    Escapes(PathBuf, String),
    /// It could not be read (a FIFO, a device, permissions...).
    Unreadable(PathBuf, std::io::Error),
}

impl Modes {
    /// The mode of a file under `root`.
    pub fn get(&self, fs: &dyn FileSystem, root: &Path, path: &Path) -> Option<FileMode> {
        if self.source == Some(ModeSource::Live) {
            return fs.mode(path);
        }
        self.recorded(root, path)
    }

    /// The mode `.mtree` or `etc/.etckeeper` records for a file.
    pub fn recorded(&self, root: &Path, path: &Path) -> Option<FileMode> {
        let rel = path.strip_prefix(root).ok()?;
        self.entries.get(rel).copied()
    }

    /// Read mode information for a gateway root: `.mtree`, then
    /// `etc/.etckeeper`, then (with `live`) the files themselves. With `live`
    /// the file system wins, and the recorded modes are kept for comparison.
    pub fn load(fs: &dyn FileSystem, root: &Path, live: bool) -> (Modes, Vec<ModeFileSkipped>) {
        let mut skipped = Vec::new();
        let mut recorded = None;
        for (name, source, parse) in [
            (".mtree", ModeSource::Mtree, parse_mtree as fn(&str) -> _),
            ("etc/.etckeeper", ModeSource::Etckeeper, parse_etckeeper),
        ] {
            let path = root.join(name);
            if !fs.exists(&path) && !fs.is_symlink(&path) {
                continue;
            }
            // Read only when it lies inside the root (not through a symlink out).
            if let Err(why) = contained(fs, root, &path) {
                skipped.push(ModeFileSkipped::Escapes(path, why));
                continue;
            }
            match fs.read(&path) {
                Ok(t) => {
                    recorded = Some((source, parse(&t.text)));
                    break;
                }
                Err(e) => skipped.push(ModeFileSkipped::Unreadable(path, e)),
            }
        }
        let (recorded_source, entries) = recorded.unzip();
        let entries = entries.unwrap_or_default();
        let modes = if live {
            Modes {
                source: Some(ModeSource::Live),
                entries,
                live_root: Some(root.to_path_buf()),
                recorded_source,
            }
        } else {
            Modes {
                source: recorded_source,
                entries,
                live_root: None,
                recorded_source: None,
            }
        };
        (modes, skipped)
    }
}

fn keyword_values(words: &[&str], defaults: &HashMap<String, String>) -> HashMap<String, String> {
    let mut kv = defaults.clone();
    for w in words {
        if let Some((k, v)) = w.split_once('=') {
            kv.insert(k.to_string(), v.to_string());
        }
    }
    kv
}

fn mode_of(kv: &HashMap<String, String>) -> Option<FileMode> {
    let mode = u32::from_str_radix(kv.get("mode")?, 8).ok()?;
    let uid = match (kv.get("uid"), kv.get("uname")) {
        (Some(u), _) => u.parse().ok()?,
        (None, Some(n)) if n == "root" => 0,
        (None, Some(_)) => u32::MAX,
        (None, None) => 0,
    };
    Some(FileMode { mode, uid })
}

/// mtree(5) specs, as `mtree -c` writes them (nested directories, `..`,
/// `/set`) or as METALOG lists them (one full `./path` per line).
pub fn parse_mtree(text: &str) -> HashMap<PathBuf, FileMode> {
    let mut out = HashMap::new();
    let mut defaults: HashMap<String, String> = HashMap::new();
    let mut dir: Vec<String> = Vec::new();
    let mut pending = String::new();
    for raw in text.lines() {
        // Continuation lines end in a backslash.
        if let Some(head) = raw.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        let line = std::mem::take(&mut pending) + raw;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "/set" => {
                for w in &words[1..] {
                    if let Some((k, v)) = w.split_once('=') {
                        defaults.insert(k.to_string(), v.to_string());
                    }
                }
            }
            "/unset" => {
                for w in &words[1..] {
                    defaults.remove(*w);
                }
            }
            ".." => {
                dir.pop();
            }
            name => {
                let kv = keyword_values(&words[1..], &defaults);
                let name = unvis(name);
                let full = name.contains('/');
                let rel: PathBuf = if full {
                    PathBuf::from(name.trim_start_matches("./"))
                } else if name == "." {
                    PathBuf::new()
                } else {
                    let mut p: PathBuf = dir.iter().collect();
                    p.push(&name);
                    p
                };
                if kv.get("type").map(String::as_str) == Some("dir") && !full && name != "." {
                    dir.push(name.clone());
                }
                if let Some(m) = mode_of(&kv) {
                    out.insert(rel, m);
                }
            }
        }
    }
    out
}

/// mtree encodes special characters with vis(3) octal escapes (`\040`).
fn unvis(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len() + 1
            && b[i + 1..].len() >= 3
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push(u8::from_str_radix(&s[i + 1..i + 4], 8).unwrap_or(b'?'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// etckeeper's `etc/.etckeeper`: `maybe chmod 0600 './racoon/psk.txt'`
/// lines (paths relative to /etc; files it lists no owner for are root's).
pub fn parse_etckeeper(text: &str) -> HashMap<PathBuf, FileMode> {
    let mut out: HashMap<PathBuf, FileMode> = HashMap::new();
    let mut owners: HashMap<PathBuf, u32> = HashMap::new();
    for line in text.lines() {
        let words = shell_words(line);
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        let (cmd, args) = match w.first() {
            Some(&"maybe") => (w.get(1).copied(), &w[2.min(w.len())..]),
            Some(c) => (Some(*c), &w[1..]),
            None => continue,
        };
        let rel = |p: &str| PathBuf::from("etc").join(p.trim_start_matches("./"));
        match (cmd, args) {
            (Some("chmod"), [mode, path]) => {
                if let Ok(m) = u32::from_str_radix(mode, 8) {
                    out.insert(rel(path), FileMode { mode: m, uid: 0 });
                }
            }
            (Some("chown"), [owner, path]) => {
                let uid = if *owner == "root" || *owner == "0" {
                    0
                } else {
                    owner.parse().unwrap_or(u32::MAX)
                };
                owners.insert(rel(path), uid);
            }
            _ => {}
        }
    }
    for (p, uid) in owners {
        if let Some(m) = out.get_mut(&p) {
            m.uid = uid;
        }
    }
    out
}

/// Split a line into words, honouring single and double quotes.
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chroot_paths_stay_inside() {
        let r = Path::new("/x/east");
        assert_eq!(
            chroot_path(r, "/", "/etc/ipsec.conf").unwrap(),
            PathBuf::from("/x/east/etc/ipsec.conf")
        );
        assert_eq!(
            chroot_path(r, "/", "psk.txt").unwrap(),
            PathBuf::from("/x/east/psk.txt")
        );
        assert_eq!(
            chroot_path(r, "/usr/local/etc/racoon", "a/../b.conf").unwrap(),
            PathBuf::from("/x/east/usr/local/etc/racoon/b.conf")
        );
        assert!(chroot_path(r, "/", "../../etc/master.passwd").is_err());
        assert!(chroot_path(r, "/usr", "../../../x").is_err());
    }

    #[test]
    fn mtree_nested_and_metalog() {
        let spec = "/set type=file uname=root gname=wheel mode=0644\n. type=dir mode=0755\nusr type=dir\n local type=dir\n  etc type=dir\n   racoon type=dir\n    psk.txt mode=0600\n    other.txt uname=bob mode=0600\n   ..\n  ..\n ..\n..\n./etc/rc.conf type=file mode=0644 uname=root\n";
        let m = parse_mtree(spec);
        assert_eq!(
            m[&PathBuf::from("usr/local/etc/racoon/psk.txt")],
            FileMode {
                mode: 0o600,
                uid: 0
            }
        );
        assert_eq!(
            m[&PathBuf::from("usr/local/etc/racoon/other.txt")].uid,
            u32::MAX
        );
        assert_eq!(m[&PathBuf::from("etc/rc.conf")].mode, 0o644);
    }

    #[test]
    fn etckeeper_lines() {
        let m = parse_etckeeper("maybe chmod 0600 './racoon/psk.txt'\nmaybe chmod 0644 'rc.conf'\nmaybe chown 'bob' 'racoon/psk.txt'\n");
        assert_eq!(
            m[&PathBuf::from("etc/rc.conf")],
            FileMode {
                mode: 0o644,
                uid: 0
            }
        );
        assert_eq!(
            m[&PathBuf::from("etc/racoon/psk.txt")],
            FileMode {
                mode: 0o600,
                uid: u32::MAX
            }
        );
    }
}
