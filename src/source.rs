//! The file layer: the only place that touches the filesystem.
//!
//! Everything above works on [`SourceFile`]s held by a [`SourceDb`]. Files are
//! read through the [`FileSystem`] trait so that the language server can lay
//! unsaved editor buffers over the disk.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

/// Byte range in a source file.
///
/// Offsets are u32: a file is at most [`MAX_FILE_SIZE`], and a span sits in
/// every node of every tree, so its size is paid once per statement.
/// [`Span::start`] and [`Span::end`] give them as indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: offset(start),
            end: offset(end),
        }
    }
    pub fn start(&self) -> usize {
        self.start as usize
    }
    pub fn end(&self) -> usize {
        self.end as usize
    }
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start().min(other.start()), self.end().max(other.end()))
    }
    pub fn shift(self, by: usize) -> Span {
        Span::new(self.start() + by, self.end() + by)
    }
    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }
}

/// A byte offset as a span holds it. Text past 4 GiB (never read from disk,
/// only conceivable in an editor buffer) is pinned to the last offset.
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// Index of a file in a [`SourceDb`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// Maps byte offsets to 1-based lines and character columns.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// u32: a file is at most 16 MiB, and a large one has many lines.
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.match_indices('\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        line_starts.shrink_to_fit();
        LineIndex { line_starts }
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts
            .get(line.checked_sub(1)?)
            .map(|&s| s as usize)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// What kind of configuration a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    RacoonConf,
    PskTxt,
    /// setkey(8) input (`ipsec_file`, usually /etc/ipsec.conf).
    Setkey,
    /// rc.conf, rc.conf.local, loader.conf, sysctl.conf, freebsd-version.
    RcConf,
    /// ipfw rules (`ipfw FILE` format) or an rc.firewall-style script.
    Ipfw,
    /// ipf.conf (IPFilter rules).
    Ipf,
    /// ipnat.conf (IPFilter NAT rules).
    Ipnat,
    /// Recognised but not checked by this version (setkey, ipfw, ipf, rc.conf).
    Other,
}

/// One configuration file, as read.
#[derive(Clone)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as reached from the command-line argument (used in output).
    pub path: PathBuf,
    /// Shared, so a check can hold the text while the report grows.
    pub text: std::sync::Arc<str>,
    pub lines: LineIndex,
    /// The path with every symlink resolved, where the file system knows
    /// it: masks of secrets belong to it, whatever role the file is read in.
    pub real: Option<PathBuf>,
}

impl std::fmt::Debug for SourceFile {
    // The text may hold pre-shared keys: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceFile")
            .field("id", &self.id)
            .field("path", &self.path)
            .field("len", &self.text.len())
            .finish()
    }
}

impl SourceFile {
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(&self.text, offset)
    }
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start()..span.end()).unwrap_or("")
    }
}

/// All files of one run.
#[derive(Default, Debug)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let id = FileId(self.files.len() as u32);
        let lines = LineIndex::new(&text);
        self.files.push(SourceFile {
            id,
            path,
            text: text.into(),
            lines,
            real: None,
        });
        id
    }
    pub fn set_real(&mut self, id: FileId, real: Option<PathBuf>) {
        self.files[id.0 as usize].real = real;
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
}

/// Largest file ipseclint reads; configuration files are never this big.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Read a regular file of at most [`MAX_FILE_SIZE`] bytes: the one way
/// ipseclint reads a file the user names or a configuration names. Anything
/// else (a FIFO, a device, a socket, a directory) is refused before a byte is
/// read, so a `mkfifo racoon.conf` or `/dev/zero` neither blocks nor eats
/// memory: the type is checked first, the file is opened without blocking and
/// checked again on the open handle, and at most the limit plus one byte is read.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let meta = std::fs::metadata(path)?;
    refuse_special(&meta)?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_large());
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    // It may have been replaced between the two looks.
    refuse_special(&file.metadata()?)?;
    // Sized to the file: growing by doubling would hold up to twice its size.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_regular`] for a file that must be UTF-8 (settings, a baseline).
pub fn read_regular_utf8(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?).map_err(io::Error::other)
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("file is larger than {} MiB", MAX_FILE_SIZE >> 20),
    )
}

/// An error for anything that is not a regular file, naming what it is.
fn refuse_special(meta: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let what = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what})"),
    ))
}

/// Bytes of a file, decoded.
pub struct ReadText {
    pub text: String,
    /// The file held bytes that are not UTF-8 (replaced by U+FFFD).
    pub lossy: bool,
}

/// Owner and permission bits of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileMode {
    pub mode: u32,
    pub uid: u32,
}

/// Read access to configuration files.
pub trait FileSystem {
    fn read(&self, path: &Path) -> io::Result<ReadText>;
    fn is_dir(&self, path: &Path) -> bool;
    /// Entries of a directory, sorted by name.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// Does the path exist (without following a final symlink)?
    fn exists(&self, path: &Path) -> bool;
    /// Is the path itself a symbolic link?
    fn is_symlink(&self, path: &Path) -> bool;
    /// The path with every symlink resolved.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// Real owner and mode (used with `--live` only).
    fn mode(&self, path: &Path) -> Option<FileMode>;
    /// Why a path cannot even be looked up, when it is not simply absent
    /// (a directory on the way that cannot be searched).
    fn lookup_error(&self, _path: &Path) -> Option<io::Error> {
        None
    }
}

/// The real disk.
#[derive(Default)]
pub struct DiskFs;

impl FileSystem for DiskFs {
    fn read(&self, path: &Path) -> io::Result<ReadText> {
        read_regular(path).map(decode)
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn exists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }
    fn lookup_error(&self, path: &Path) -> Option<io::Error> {
        std::fs::symlink_metadata(path)
            .err()
            .filter(|e| e.kind() != io::ErrorKind::NotFound)
    }
    fn is_symlink(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    fn mode(&self, path: &Path) -> Option<FileMode> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileMode {
            mode: m.mode() & 0o7777,
            uid: m.uid(),
        })
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(path)
            .min_depth(1)
            .max_depth(1)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(io::Error::other)?;
            out.push(entry.into_path());
        }
        Ok(out)
    }
}

pub fn decode(bytes: Vec<u8>) -> ReadText {
    match String::from_utf8(bytes) {
        Ok(text) => ReadText { text, lossy: false },
        Err(e) => ReadText {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            lossy: true,
        },
    }
}

/// Write a fixed file back in place (`--fix`), only if it still holds exactly
/// `before`: a file changed since it was checked is left alone. Written in
/// place, not renamed over, so its owner and mode (psk.txt's 0600) stay.
pub fn write_back(path: &Path, before: &str, after: &str) -> io::Result<()> {
    let now = read_regular(path)?;
    if now != before.as_bytes() {
        return Err(io::Error::other("the file changed since it was checked"));
    }
    std::fs::write(path, after)
}

/// Editor buffers laid over another file system (used by the language server).
pub struct OverlayFs<F> {
    pub base: F,
    pub buffers: HashMap<PathBuf, String>,
}

impl<F: FileSystem> FileSystem for OverlayFs<F> {
    fn read(&self, path: &Path) -> io::Result<ReadText> {
        match self.buffers.get(path) {
            Some(text) => Ok(ReadText {
                text: text.clone(),
                lossy: false,
            }),
            None => self.base.read(path),
        }
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.base.is_dir(path)
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.base.list_dir(path)
    }
    fn exists(&self, path: &Path) -> bool {
        self.buffers.contains_key(path) || self.base.exists(path)
    }
    fn is_symlink(&self, path: &Path) -> bool {
        self.base.is_symlink(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.base.canonicalize(path)
    }
    fn mode(&self, path: &Path) -> Option<FileMode> {
        self.base.mode(path)
    }
    fn lookup_error(&self, path: &Path) -> Option<io::Error> {
        self.base.lookup_error(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\nçd e\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        // 'd' is after the two-byte 'ç'
        assert_eq!(idx.line_col(text, 5), (2, 2));
        assert_eq!(idx.line_col(text, text.len()), (3, 1));
    }
}

/// Files held in memory (tests, benchmarks, and editor buffers without a disk).
#[derive(Default, Clone)]
pub struct MemoryFs {
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemoryFs {
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> io::Result<ReadText> {
        match self.files.get(path) {
            Some(t) if t.len() as u64 > MAX_FILE_SIZE => {
                Err(io::Error::new(io::ErrorKind::InvalidData, "file too large"))
            }
            Some(t) => Ok(ReadText {
                text: t.clone(),
                lossy: false,
            }),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        }
    }
    fn is_dir(&self, path: &Path) -> bool {
        !self.files.contains_key(path)
            && self
                .files
                .range(path.to_path_buf()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(path))
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = Vec::new();
        for p in self
            .files
            .range(path.to_path_buf()..)
            .map(|(p, _)| p)
            .take_while(|p| p.starts_with(path))
        {
            if let Ok(rest) = p.strip_prefix(path) {
                if let Some(first) = rest.components().next() {
                    let child = path.join(first);
                    if out.last() != Some(&child) {
                        out.push(child);
                    }
                }
            }
        }
        if out.is_empty() && !self.is_dir(path) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(out)
    }
    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.is_dir(path)
    }
    fn is_symlink(&self, _path: &Path) -> bool {
        false
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(path.to_path_buf())
    }
    fn mode(&self, _path: &Path) -> Option<FileMode> {
        None
    }
}
