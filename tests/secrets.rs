//! No pre-shared key ever appears in any output format.

mod common;
use common::*;
use std::path::PathBuf;

fn psk_files(root: &std::path::Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name().to_string_lossy().contains("psk"))
        .map(|e| e.into_path())
        .collect()
}

/// Every key of every psk file (as racoon reads it, and trimmed).
fn keys(files: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        let psk = ipseclint::syntax::psk::parse(&text);
        for e in psk.entries() {
            let k = e.key.expose().trim().to_string();
            // Very short keys ("a") would match unrelated text; the rest must never appear.
            if k.len() >= 6 {
                out.push(k);
            }
        }
        // Keys on indented lines too: the text after the identifier.
        for line in text.lines().filter(|l| l.starts_with([' ', '\t'])) {
            if let Some((_, k)) = line.trim().split_once([' ', '\t']) {
                let k = k.trim();
                if k.len() >= 6 {
                    out.push(k.to_string());
                }
            }
        }
    }
    out
}

/// Manual keys of setkey files: quoted strings and 0x tokens after -E/-A.
fn setkey_keys(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !e.file_type().is_file() || !e.file_name().to_string_lossy().contains("ipsec") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        let words: Vec<&str> = text.split_whitespace().collect();
        for w in words.windows(3) {
            if w[0] == "-E" || w[0] == "-A" {
                let k = w[2].trim_end_matches(';').trim_matches('"');
                if k.len() >= 6 {
                    out.push(k.to_string());
                }
            }
        }
    }
    out
}

fn run(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(project())
        .args(args)
        .output()
        .unwrap();
    // A usage error or a crash prints no key either: it must not pass as clean.
    // (gcc and github print nothing for a clean file; the others always print.)
    let quiet_ok = args.contains(&"gcc") || args.contains(&"github");
    assert!(
        matches!(out.status.code(), Some(0 | 1)) && (quiet_ok || !out.stdout.is_empty()),
        "{args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn no_key_appears_in_any_output_format() {
    let mut roots = vec![project().join("corpus")];
    if let Some(s) = shared() {
        roots.push(s.join("conformance/wild/psk"));
        roots.push(s.join("conformance/racoon-samples"));
    } else {
        println!("note: ../shared is absent; checking our corpus only");
    }
    let mut files = Vec::new();
    for r in &roots {
        files.extend(psk_files(r));
    }
    let mut keys = keys(&files);
    assert!(keys.len() >= 10, "too few keys found: {}", keys.len());
    let manual = setkey_keys(&project().join("corpus"));
    assert!(
        manual.len() >= 10,
        "too few setkey keys found: {}",
        manual.len()
    );
    keys.extend(manual);
    // Every psk file we have, every corpus file, and every corpus directory
    // (gateways read psk.txt and setkey files through rc.conf and racoon.conf).
    let mut targets = files.clone();
    for e in walkdir::WalkDir::new(project().join("corpus"))
        .into_iter()
        .filter_map(Result::ok)
    {
        targets.push(e.into_path());
    }
    // One pass over each output for all keys at once (SARIF outputs are large).
    let finder = aho_corasick::AhoCorasick::new(&keys).unwrap();
    for t in &targets {
        let p = t.to_string_lossy().into_owned();
        for format in ["human", "json", "gcc", "github", "sarif"] {
            let out = run(&["--format", format, &p]);
            assert!(
                finder.find(&out).is_none(),
                "a key appears in --format {format} output for {p}"
            );
        }
    }
}

#[test]
fn debug_output_of_a_parsed_psk_hides_keys() {
    let psk = ipseclint::syntax::psk::parse("192.0.2.1\tTopSecretValue123456\n");
    let dbg = format!("{psk:?}");
    assert!(!dbg.contains("TopSecretValue123456"));
    let report = check(&project().join("corpus/example/east"));
    let dbg = format!("{report:?}");
    let text = std::fs::read_to_string(project().join("corpus/example/east/psk.txt")).unwrap();
    for e in ipseclint::syntax::psk::parse(&text).entries() {
        assert!(!dbg.contains(e.key.expose()));
    }
}

/// Keys where no parser expects them: in files of unknown kind, psk.txt lines
/// racoon ignores, setkey commands that do not parse, racoon.conf's RADIUS and
/// LDAP passwords. Every one is a marker `SekretN...` that must not come out.
#[test]
fn keys_in_odd_places_never_come_out() {
    let tmp = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        // Unknown kinds, named on the command line.
        ("keys.txt", "192.0.2.1 Sekret1keysfile\n"),
        ("ipsec.secrets", ": PSK \"Sekret2strongswan\"\n"),
        // psk.txt: a key on its own line, a commented-out entry, an odd blank.
        (
            "psk.txt",
            "192.0.2.1\tshort\nSekret3ownline\n#192.0.2.9 Sekret4commented\n192.0.2.7\u{b}Sekret5vtab\n\
             ##192.0.2.9 Sekret17hashes\n#branch1 Sekret18keyid\n#192.0.2.8: Sekret19colon\n\
             #old 192.0.2.4 Sekret20prefixed\n#Sekret21alone0x6b3f\n",
        ),
        // The identifier ends at any isspace() byte, as in racoon's getpsk:
        // the whole rest is the key, blanks and all.
        (
            "psk-isspace.txt",
            "198.51.100.1\u{b}Sekret14 vtab\n198.51.100.2\u{c}Sekret15 formfeed\n198.51.100.3\rSekret16 cr\n",
        ),
        // A psk file under a racoon.conf-like name.
        ("racoon-psk.conf", "192.0.2.1 Sekret6namedconf\n"),
        // setkey commands that do not parse.
        (
            "ipsec.conf",
            "add 10.0.0.1 10.0.0.2 esp 0x100 -E aes-cbc Sekret7unquoted;\n\
             add 10.0.0.1 10.0.0.2 esp 0x101 -E aes-cbc 0x0011g22Sekret8;\n\
             add 10.0.0.1 10.0.0.2 esp 0x102 -E aes-cbc \"Sekret9;tail\" -A;\n\
             add 10.0.0.1 10.0.0.2 esp 0x103 -A hmac-sha1 \"Sekret10quoted\" -E;\n",
        ),
        // racoon.conf: RADIUS shared secrets and the LDAP bind password.
        (
            "racoon.conf",
            "radiuscfg {\n\tauth \"radius.example\" \"Sekret11radius\";\n\tacct \"radius.example\" Sekret12unquoted;\n}\n\
             ldapcfg {\n\tbind_pw \"Sekret13ldap\";\n}\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).unwrap();
    }
    let mut targets: Vec<String> = files
        .iter()
        .map(|(n, _)| tmp.path().join(n).to_string_lossy().into_owned())
        .collect();
    targets.push(tmp.path().to_string_lossy().into_owned());
    for t in &targets {
        for format in ["human", "json", "gcc", "github", "sarif"] {
            let out = run(&["--format", format, t]);
            assert!(
                !out.contains("Sekret"),
                "a key appears in --format {format} output for {t}:\n{out}"
            );
        }
    }
}

/// Only keys are secret: the identifiers and comments of psk.txt are shown
/// (an admin must see the mistyped identifier a finding is about), and the
/// key part of a commented-out entry stays masked.
#[test]
fn psk_identifiers_and_comments_are_shown_and_only_keys_masked() {
    let tmp = tempfile::tempdir().unwrap();
    let psk = tmp.path().join("psk.txt");
    std::fs::write(
        &psk,
        "branch.example.net SekretC\n# keys for the branch offices\n198.51.100.7\tSekretB\n\
         #198.51.100.1 oldSekretA\n198.51.100.7\tSekretD\n",
    )
    .unwrap();
    let p = psk.to_string_lossy().into_owned();
    for format in ["human", "json", "gcc", "github", "sarif"] {
        let out = run(&["--format", format, &p]);
        assert!(!out.contains("Sekret"), "--format {format}:\n{out}");
    }
    let human = run(&["--format", "human", &p]);
    for shown in [
        "# keys for the branch offices",
        "#198.51.100.1 ",
        "branch.example.net",
        "198.51.100.7",
    ] {
        assert!(human.contains(shown), "`{shown}` is hidden:\n{human}");
    }
}
