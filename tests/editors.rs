//! `ipseclint lsp` with real clients: pytest-lsp's neovim 0.7 and VS Code
//! profiles (`tests/e2e/test_lsp.py`) and headless Neovim
//! (`tests/e2e/nvim_lsp.lua`), on a copy of a pair whose DH groups differ.
//!
//! `.ci/run` installs pytest-lsp (PyPI) and neovim (Debian). Outside CI a
//! test whose tool is missing skips with the reason; in CI it fails.

mod common;
use common::{copy_dir, have, output_text, project};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ipseclint");

/// A fresh copy of the pair, as an absolute path without symlinks.
fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap().join("site");
    copy_dir(&project().join("corpus/pairs/fail-dh-group"), &root);
    (tmp, root)
}

#[test]
fn pytest_lsp_with_the_neovim_and_vscode_profiles() {
    if !have(
        "pytest-lsp",
        Command::new("python3").args(["-c", "import pytest_lsp"]),
    ) {
        return;
    }
    let (_tmp, root) = site();
    let e2e = project().join("tests/e2e");
    let out = Command::new("python3")
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_lsp.py",
        ])
        .current_dir(&e2e)
        .env("IPSECLINT_BIN", BIN)
        .env("IPSECLINT_SITE", &root)
        .output()
        .unwrap();
    let text = output_text(&out);
    // pytest exits 5 when it ran no test: that is a failure too.
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("4 passed"), "{text}");
}

/// The headless Neovim run: its output is what README.md shows.
fn nvim(root: &Path) -> std::process::Output {
    let west = root.join("west/usr/local/etc/racoon/racoon.conf");
    Command::new("timeout")
        .args(["120", "nvim", "--headless", "--clean", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            project().join("tests/e2e/nvim_lsp.lua").display()
        ))
        .stdin(std::process::Stdio::null())
        .env("LSP_CMD_JSON", format!("[\"{BIN}\",\"lsp\"]"))
        .env("LSP_FILE", &west)
        .env("LSP_ROOT", root)
        .env("LSP_LINE", "8")
        .env("LSP_COL", "9")
        .env("LSP_TIMEOUT_MS", "30000")
        .env("LSP_EXPECT_CODE", "IPS6003")
        .env("LSP_EXPECT_HOVER", "gateway east")
        .env(
            "LSP_EXPECT_DEFINITION",
            "/east/usr/local/etc/racoon/racoon.conf",
        )
        .env("LSP_EXPECT_CODE_ACTION", "Ignore IPS6003 here")
        .output()
        .unwrap()
}

#[test]
fn headless_neovim_gets_diagnostics_hover_and_definition() {
    if !have("neovim", Command::new("nvim").arg("--version")) {
        return;
    }
    let (_tmp, root) = site();
    let out = nvim(&root);
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("code=IPS6003"), "{stdout}");
    assert!(stdout.contains("definition: file://"), "{stdout}");
    assert!(stdout.trim_end().ends_with("OK"), "{stdout}");
}
