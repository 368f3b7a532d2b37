//! The editor packages in `editors/`, in the editors themselves:
//! - the vim/neovim plugin in headless vim 9 and neovim 0.7: filetype
//!   detection on every corpus file against `classify()`, `:make` with the
//!   compiler on a broken gateway (`tests/e2e/vim_plugin.vim`), syntax groups
//!   at chosen places (`tests/e2e/vim_syntax.vim`), and the Lua module's
//!   `setup()` getting the server's diagnostics (`tests/e2e/nvim_setup.lua`);
//! - the VS Code extension: `tsc`, `vscode-tmgrammar-test` on every grammar,
//!   and `vsce package`.
//!
//! `.ci/run` installs vim, neovim and the extension's npm packages. Outside
//! CI a test whose tool is missing skips with the reason; in CI it fails.

mod common;
use common::{have, output_text, project};
use ipseclint::source::FileKind;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ipseclint");

/// The plugin's filetype for what `classify()` makes of a file; "" for
/// none of ours (rc.conf keeps the editor's own sh highlighting).
fn filetype(kind: Option<FileKind>) -> &'static str {
    match kind {
        Some(FileKind::RacoonConf) => "racoon",
        Some(FileKind::PskTxt) => "racoonpsk",
        Some(FileKind::Setkey) => "setkey",
        Some(FileKind::Ipfw) => "ipfw",
        Some(FileKind::Ipf) => "ipf",
        Some(FileKind::Ipnat) => "ipnat",
        _ => "",
    }
}

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            corpus_files(&p, out);
        } else if meta.is_file() {
            out.push(p);
        }
    }
}

/// VS Code's language for what `classify()` makes of a file: rc.conf has
/// one of its own there.
fn vscode_language(kind: Option<FileKind>) -> &'static str {
    match kind {
        Some(FileKind::RcConf) => "rcconf",
        k => filetype(k),
    }
}

/// Every corpus file with the filetype `classify()` gives it, one
/// "path<TAB>filetype" line each. Returns how many files have one of ours.
fn write_cases(to: &Path, name: fn(Option<FileKind>) -> &'static str) -> usize {
    let mut files = Vec::new();
    corpus_files(&project().join("corpus"), &mut files);
    let mut lines = String::new();
    let mut ours = 0;
    for f in files {
        let Ok(text) = String::from_utf8(std::fs::read(&f).unwrap()) else {
            continue;
        };
        let ft = name(ipseclint::engine::classify(&f, Some(&text)));
        ours += usize::from(!ft.is_empty());
        lines.push_str(&format!("{}\t{ft}\n", f.display()));
    }
    std::fs::write(to, lines).unwrap();
    ours
}

/// vim 9 or neovim 0.7, headless, running a test script of `tests/e2e/`.
fn headless(editor: &str, script: &str) -> Command {
    let mut c = Command::new("timeout");
    c.arg("300").arg(editor);
    if editor == "vim" {
        c.args(["-Nu", "NONE", "-i", "NONE", "-es", "-S"]);
    } else {
        c.args(["--headless", "-u", "NONE", "-i", "NONE", "-S"]);
    }
    c.arg(project().join("tests/e2e").join(script))
        .current_dir(project())
        .stdin(std::process::Stdio::null())
        .env("IPSECLINT_ROOT", project())
        .env("IPSECLINT_BIN", BIN);
    c
}

fn plugin_in(editor: &str) {
    if !have(editor, Command::new(editor).arg("--version")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases.tsv");
    let report = tmp.path().join("report.txt");
    let ours = write_cases(&cases, filetype);
    assert!(ours > 700, "the corpus has {ours} files of ours");
    let out = headless(editor, "vim_plugin.vim")
        .env("IPSECLINT_CASES", &cases)
        .env("IPSECLINT_MAKE", "corpus/gateways/branch-broken")
        .env("IPSECLINT_MAKE_EXPECT", "etc/ipsec.conf:5:IPS4007")
        .env("IPSECLINT_OUT", &report)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{editor}: {text}\n{}",
        output_text(&out)
    );
    let files = std::fs::read_to_string(&cases).unwrap().lines().count();
    assert!(text.contains(&format!("detected {files} files")), "{text}");
    assert!(!text.contains(":make gave 0 "), "{text}");
}

#[test]
fn vim_detects_every_corpus_file_as_classify_does_and_make_fills_quickfix() {
    plugin_in("vim");
}

#[test]
fn neovim_detects_every_corpus_file_as_classify_does_and_make_fills_quickfix() {
    plugin_in("nvim");
}

fn syntax_in(editor: &str) {
    if !have(editor, Command::new(editor).arg("--version")) {
        return;
    }
    let out = headless(editor, "vim_syntax.vim").output().unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{editor}: {text}");
    assert!(text.contains("ok "), "{editor}: {text}");
}

#[test]
fn vim_syntax_groups_at_chosen_places() {
    syntax_in("vim");
}

#[test]
fn neovim_syntax_groups_at_chosen_places() {
    syntax_in("nvim");
}

#[test]
fn neovim_setup_starts_the_server_and_gets_its_diagnostics() {
    if !have("neovim", Command::new("nvim").arg("--version")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap().join("site");
    common::copy_dir(&project().join("corpus/pairs/fail-dh-group"), &root);
    let out = Command::new("timeout")
        .args([
            "120",
            "nvim",
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-n",
        ])
        .arg("-c")
        .arg(format!(
            "luafile {}",
            project().join("tests/e2e/nvim_setup.lua").display()
        ))
        .stdin(std::process::Stdio::null())
        .env("IPSECLINT_ROOT", project())
        .env("IPSECLINT_BIN", BIN)
        .env(
            "LSP_FILE",
            root.join("west/usr/local/etc/racoon/racoon.conf"),
        )
        .env("LSP_EXPECT_CODE", "IPS6003")
        .output()
        .unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("filetype=racoon"), "{text}");
    assert!(text.contains("code=IPS6003"), "{text}");
}

/// `npm run SCRIPT` in editors/vscode, whose packages `.ci/run` installs
/// with `npm ci`.
fn npm(script: &str) -> Option<std::process::Output> {
    let dir = project().join("editors/vscode");
    let installed = dir.join("node_modules/.bin/tsc").exists();
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "editors/vscode/node_modules is missing in CI: .ci/run runs npm ci"
        );
        eprintln!(
            "skipped: editors/vscode/node_modules is not installed (cd editors/vscode && npm ci)"
        );
        return None;
    }
    Some(
        Command::new("npm")
            .args(["run", "--silent", script])
            .current_dir(dir)
            .output()
            .unwrap(),
    )
}

#[test]
fn vscode_client_compiles_grammars_pass_their_scope_tests_and_it_packages() {
    let Some(tsc) = npm("compile") else {
        return;
    };
    assert_eq!(tsc.status.code(), Some(0), "tsc: {}", output_text(&tsc));
    assert!(project().join("editors/vscode/out/extension.js").exists());

    // Every corpus file gets the language classify() gives it.
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases.tsv");
    write_cases(&cases, vscode_language);
    let assoc = Command::new("node")
        .arg("test/associations.js")
        .arg(&cases)
        .current_dir(project().join("editors/vscode"))
        .output()
        .unwrap();
    let text = output_text(&assoc);
    assert_eq!(assoc.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 differ"), "{text}");

    let grammar = npm("test:grammar").unwrap();
    let text = output_text(&grammar);
    assert_eq!(grammar.status.code(), Some(0), "{text}");
    for g in [
        "racoon",
        "racoonpsk",
        "setkey",
        "ipfw",
        "ipf",
        "ipnat",
        "rcconf",
    ] {
        assert!(
            text.contains(&format!("{g}.test")),
            "no scope test ran for {g}: {text}"
        );
    }

    // `vsce package` offline: with no network at all, where this machine can
    // make a network namespace (unshare -rn); otherwise as it is.
    let offline = Command::new("unshare")
        .args(["-rn", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    let pack = if offline {
        Command::new("unshare")
            .args(["-rn", "npm", "run", "--silent", "--offline", "package"])
            .current_dir(project().join("editors/vscode"))
            .output()
            .unwrap()
    } else {
        eprintln!("vsce package runs with the network: unshare -rn is not permitted here");
        npm("package").unwrap()
    };
    let text = output_text(&pack);
    assert_eq!(pack.status.code(), Some(0), "vsce: {text}");
    let vsix = project().join("editors/vscode/ipseclint.vsix");
    let listing = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(&vsix)
        .output()
        .unwrap();
    let names = String::from_utf8_lossy(&listing.stdout);
    for want in [
        "extension/out/extension.js",
        "extension/package.json",
        "extension/readme.md",
        "extension/LICENSE.txt",
        "extension/changelog.md",
        "extension/syntaxes/racoon.tmLanguage.json",
        "extension/node_modules/vscode-languageclient/package.json",
    ] {
        assert!(
            names.lines().any(|n| n == want),
            "{want} not in the vsix: {names}"
        );
    }
    for never in [
        "test/grammar",
        "extension/src/",
        ".npm-cache",
        "node_modules/typescript/",
    ] {
        assert!(!names.contains(never), "{never} is in the vsix: {names}");
    }
}
