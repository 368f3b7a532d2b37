//! A gateway tree on disk, built from the input: regular files, symlinks
//! (into the tree, out of it, dangling, to themselves), FIFOs and directories
//! in the places a gateway's files go. The whole check must finish (a FIFO
//! that blocks shows as a libFuzzer timeout), must never read a byte outside
//! the tree (a canary file outside holds a marker that must never appear in
//! any output), and must never show a key.
#![no_main]

use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::render;
use ipseclint::source::DiskFs;
use libfuzzer_sys::fuzz_target;
use std::os::unix::fs::symlink;
use std::path::Path;

/// Where the input may put something.
const PLACES: &[&str] = &[
    "etc/rc.conf",
    "etc/rc.conf.local",
    "etc/rc.conf.d/racoon",
    "etc/ipsec.conf",
    "etc/ipfw.rules",
    "etc/ipf.rules",
    "etc/sysctl.conf",
    "boot/loader.conf",
    "bin/freebsd-version",
    ".mtree",
    "usr/local/etc/racoon/racoon.conf",
    "usr/local/etc/racoon/psk.txt",
    "usr/local/etc/racoon/remotes.conf",
    "usr/local/etc/racoon",
    "etc/racoon/racoon.conf",
];

/// Text outside the tree: it must never be read.
const CANARY: &str = "CANARY-7f3a9c-OUTSIDE";
/// The key of the tree's psk.txt when the input writes one: never shown.
const KEY: &str = "KEY-d41e77b20c-SECRET";

fn mkfifo(path: &Path) {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else {
        return;
    };
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
}

/// One input byte picks a place and what goes there; the text up to the
/// next `\n%%\n` is a regular file's content.
fn build(root: &Path, outside: &Path, data: &str) {
    for piece in data.split("\n%%\n").take(24) {
        let mut bytes = piece.bytes();
        let (Some(place), Some(kind)) = (bytes.next(), bytes.next()) else {
            continue;
        };
        let rel = PLACES[place as usize % PLACES.len()];
        let path = root.join(rel);
        let _ = std::fs::create_dir_all(path.parent().unwrap());
        let _ = std::fs::remove_file(&path);
        let body = piece.get(2..).unwrap_or("");
        let _ = match kind % 8 {
            0 | 1 if rel.ends_with("psk.txt") => {
                std::fs::write(&path, format!("198.51.100.1\t{KEY}\n{body}"))
            }
            0 | 1 => std::fs::write(&path, body),
            2 => symlink(outside.join("canary"), &path),
            3 => symlink(outside, &path),
            4 => symlink(root.join(PLACES[kind as usize / 8 % PLACES.len()]), &path),
            5 => symlink(root.join("nowhere"), &path),
            6 => symlink(&path, &path),
            _ => {
                mkfifo(&path);
                Ok(())
            }
        };
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(tmp) = tempfile::tempdir() else { return };
    let outside = tmp.path().join("outside");
    let root = tmp.path().join("site/gw");
    let _ = std::fs::create_dir_all(&outside);
    let _ = std::fs::create_dir_all(&root);
    let _ = std::fs::write(
        outside.join("canary"),
        format!("racoon_enable=\"YES\"\n{CANARY}\n198.51.100.1 {CANARY}\n"),
    );
    build(&root, &outside, &text);
    let report = lint(
        &[Input {
            path: tmp.path().join("site"),
        }],
        &DiskFs,
        &LintOptions::default(),
    );
    for out in [
        render::human::render(&report, false),
        render::json::render(&report),
        render::sarif::render(&report),
    ] {
        assert!(!out.contains(CANARY), "read outside the tree");
        // Masks alone must hide it (the CLI's last scrub is only a net).
        assert!(!out.contains(KEY), "a key is shown");
    }
    for f in report.db.files() {
        assert!(
            !f.text.contains(CANARY),
            "read outside the tree: {}",
            f.path.display()
        );
    }
});
