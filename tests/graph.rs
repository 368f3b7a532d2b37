//! `--format dot` and `--format mermaid`: the site as a picture. The DOT of
//! every corpus pair and site is read by graphviz itself; the Mermaid text is
//! snapshot-tested.

mod common;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

fn ipseclint(format: &str, paths: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--no-config", "--fail-on", "never", "--format", format])
        .args(paths)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Every corpus pair (both gateways), the example gateways and the sites.
fn inputs() -> Vec<Vec<String>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = vec![vec!["corpus/gateways".to_string()]];
    for d in ["corpus/pairs", "corpus/sites"] {
        let mut dirs: Vec<_> = std::fs::read_dir(root.join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for p in dirs {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            v.push(vec![rel]);
        }
    }
    v
}

#[test]
fn graphviz_reads_the_dot_of_every_corpus_pair_and_site() {
    if !have("graphviz", Command::new("dot").arg("-V")) {
        return;
    }
    let mut edges = 0;
    for paths in inputs() {
        let args: Vec<&str> = paths.iter().map(String::as_str).collect();
        let text = ipseclint("dot", &args);
        edges += text.matches(" -> ").count();
        let mut child = Command::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{args:?}: graphviz rejects the DOT:\n{}\n{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
    assert!(edges >= 80, "only {edges} edges drawn");
}

#[test]
fn each_direction_is_an_edge_coloured_by_its_status() {
    let dot = ipseclint("dot", &["corpus/gateways"]);
    // east and west come up both ways: green; branch-broken's remote is missing on east.
    assert!(
        dot.contains("\"east\" -> \"west\" [label=\"ESTABLISHED\", color=\"#2e7d32\""),
        "{dot}"
    );
    assert!(
        dot.contains("\"branch-broken\" -> \"east\" [label=\"MISSING_PEER_CONFIG IPS6002"),
        "{dot}"
    );
    // A direction nobody starts is dashed and grey, not an error.
    assert!(
        dot.contains("NEVER_INITIATED") && dot.contains("style=dashed"),
        "{dot}"
    );
    let mermaid = ipseclint("mermaid", &["corpus/gateways"]);
    assert_eq!(mermaid.matches("linkStyle").count(), 4, "{mermaid}");
}

#[test]
fn mermaid_snapshots() {
    for paths in [
        vec!["corpus/gateways"],
        vec!["corpus/sites/hub3"],
        vec!["corpus/pairs/fail-antispoof-filtertunnel"],
    ] {
        let name = paths[0].replace('/', "_");
        insta::assert_snapshot!(format!("mermaid_{name}"), ipseclint("mermaid", &paths));
    }
}
