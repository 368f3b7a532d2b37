//! Odd trees and odd files: every file skipped for containment is reported
//! (IPS4017), and layouts, depths and directories in a file's place each get
//! a message that says what happened.

mod common;

use common::{check_auto, copy_dir, project};
use ipseclint::engine::{lint, Input, LintOptions, Report};
use ipseclint::source::{FileMode, FileSystem, MemoryFs, ReadText};
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

/// A clean gateway to break.
fn gateway(dir: &Path) -> PathBuf {
    copy_dir(&project().join("corpus/rules/IPS4016/good"), dir);
    dir.to_path_buf()
}

fn messages(r: &Report, code: &str) -> Vec<String> {
    r.diagnostics
        .iter()
        .filter(|d| d.rule.code == code)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn every_file_skipped_for_containment_gets_ips4017() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    for name in ["rc.conf", "freebsd-version", "mtree", "racoon"] {
        std::fs::write(outside.join(name), "racoon_enable=\"YES\"\n").unwrap();
    }
    let gw = gateway(&tmp.path().join("gw"));
    let swap = |rel: &str, target: &str| {
        let p = gw.join(rel);
        let _ = std::fs::remove_file(&p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        symlink(outside.join(target), &p).unwrap();
    };
    swap("etc/rc.conf", "rc.conf");
    swap("bin/freebsd-version", "freebsd-version");
    swap(".mtree", "mtree");
    swap("etc/rc.conf.d/racoon", "racoon");
    let r = check_auto(&gw);
    let found = messages(&r, "IPS4017");
    for rel in [
        "etc/rc.conf",
        "bin/freebsd-version",
        ".mtree",
        "etc/rc.conf.d/racoon",
    ] {
        assert!(
            found
                .iter()
                .any(|m| m.contains(rel) && m.contains("not followed")),
            "{rel}: {found:?}"
        );
    }
}

#[test]
fn a_site_subdirectory_linked_out_of_the_site_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    gateway(&site.join("east"));
    let elsewhere = gateway(&tmp.path().join("elsewhere"));
    symlink(&elsewhere, site.join("west")).unwrap();
    let r = check_auto(&site);
    let found = messages(&r, "IPS4017");
    assert!(
        found
            .iter()
            .any(|m| m.contains("site/west") && m.contains("leads out of")),
        "{found:?}"
    );
    // Nothing was read through the link.
    assert!(r.db.files().iter().all(|f| !f.path.starts_with(&elsewhere)));
}

#[test]
fn a_config_too_deep_in_a_plain_directory_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = tmp.path().join("1/2/3/4/5/6/7/8/9/10");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("racoon.conf"), "log notify;\n").unwrap();
    let r = check_auto(tmp.path());
    let found = messages(&r, "IPS9001");
    assert!(
        found
            .iter()
            .any(|m| m.contains("more than 8 directories") && m.contains("not searched")),
        "{found:?}"
    );
}

#[test]
fn a_directory_named_psk_txt_is_called_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = gateway(&tmp.path().join("gw"));
    let psk = gw.join("usr/local/etc/racoon/psk.txt");
    std::fs::remove_file(&psk).unwrap();
    std::fs::create_dir(&psk).unwrap();
    let r = check_auto(&gw);
    let found = messages(&r, "IPS4011");
    assert!(
        found
            .iter()
            .any(|m| m.contains("is a directory, not a file")),
        "{found:?}"
    );
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
}

#[test]
fn the_linux_layout_is_named_with_the_paths_looked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = tmp.path().join("gw");
    std::fs::create_dir_all(gw.join("etc/racoon")).unwrap();
    std::fs::write(gw.join("etc/racoon/racoon.conf"), "log notify;\n").unwrap();
    let r = check_auto(&gw);
    let found = messages(&r, "IPS4021");
    assert_eq!(found.len(), 1, "{:?}", r.diagnostics);
    for path in [
        "/usr/local/etc/racoon/racoon.conf",
        "/etc/rc.conf",
        "/etc/ipsec.conf",
    ] {
        assert!(found[0].contains(path), "{}", found[0]);
    }
}

#[test]
fn live_reports_a_mode_the_mtree_records_differently() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = gateway(&tmp.path().join("gw"));
    let psk = gw.join("usr/local/etc/racoon/psk.txt");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&psk, std::fs::Permissions::from_mode(0o644)).unwrap();
    let live = |live: bool| {
        lint(
            &[Input { path: gw.clone() }],
            &ipseclint::source::DiskFs,
            &LintOptions {
                live,
                ..Default::default()
            },
        )
    };
    let found = messages(&live(true), "IPS4022");
    assert!(
        found
            .iter()
            .any(|m| m.contains("psk.txt") && m.contains("0600") && m.contains("0644")),
        "{found:?}"
    );
    // Without --live the record is all there is: nothing to compare.
    assert!(messages(&live(false), "IPS4022").is_empty());
    // Once the file matches its record, the two agree.
    std::fs::set_permissions(&psk, std::fs::Permissions::from_mode(0o600)).unwrap();
    let found = messages(&live(true), "IPS4022");
    assert!(found.iter().all(|m| !m.contains("psk.txt")), "{found:?}");
}

/// A file system where one directory cannot be searched, as for a user who
/// is not root (the tests run as root, where chmod would not stop them).
struct Denied {
    inner: MemoryFs,
    dir: PathBuf,
}

impl Denied {
    fn denied(&self, path: &Path) -> bool {
        path.starts_with(&self.dir) && path != self.dir
    }
}

impl FileSystem for Denied {
    fn read(&self, path: &Path) -> io::Result<ReadText> {
        if self.denied(path) {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        self.inner.read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        !self.denied(path) && self.inner.is_dir(path)
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        if path.starts_with(&self.dir) {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        self.inner.list_dir(path)
    }
    fn exists(&self, path: &Path) -> bool {
        !self.denied(path) && self.inner.exists(path)
    }
    fn is_symlink(&self, path: &Path) -> bool {
        self.inner.is_symlink(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.canonicalize(path)
    }
    fn mode(&self, path: &Path) -> Option<FileMode> {
        self.inner.mode(path)
    }
    fn lookup_error(&self, path: &Path) -> Option<io::Error> {
        self.denied(path)
            .then(|| io::Error::from(io::ErrorKind::PermissionDenied))
    }
}

#[test]
fn a_directory_that_cannot_be_searched_is_an_io_error_not_a_missing_file() {
    let mut fs = MemoryFs::default();
    fs.insert(
        "/gw/etc/rc.conf",
        "racoon_enable=\"YES\"\nipsec_enable=\"YES\"\n",
    );
    fs.insert("/gw/etc/ipsec.conf", "flush;\nspdflush;\n");
    fs.insert("/gw/usr/local/etc/racoon/racoon.conf", "log notify;\n");
    let fs = Denied {
        inner: fs,
        dir: PathBuf::from("/gw/usr/local/etc/racoon"),
    };
    let r = lint(
        &[Input {
            path: PathBuf::from("/gw"),
        }],
        &fs,
        &LintOptions::default(),
    );
    assert!(
        r.input_errors
            .iter()
            .any(|e| e.path.ends_with("usr/local/etc/racoon/racoon.conf")
                && e.message.to_lowercase().contains("permission denied")),
        "{:?}",
        r.input_errors
    );
    // It is not claimed to be missing.
    assert!(
        r.diagnostics
            .iter()
            .all(|d| !d.message.contains("does not exist")),
        "{:?}",
        r.diagnostics
            .iter()
            .map(|d| (&d.rule.code, &d.message))
            .collect::<Vec<_>>()
    );
}
