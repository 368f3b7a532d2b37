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
        for format in ["human", "json", "gcc", "github", "sarif", "dot", "mermaid"] {
            let out = run(&["--format", format, &p]);
            assert!(
                finder.find(&out).is_none(),
                "a key appears in --format {format} output for {p}"
            );
        }
    }
}

/// `ipseclint negotiate` names the psk.txt line each side uses, never its key,
/// and compares manual keys without printing them.
#[test]
fn no_key_appears_in_a_negotiation() {
    let corpus = project().join("corpus");
    let mut keys = keys(&psk_files(&corpus));
    keys.extend(setkey_keys(&corpus));
    assert!(keys.len() >= 20, "too few keys found: {}", keys.len());
    let finder = aho_corasick::AhoCorasick::new(&keys).unwrap();
    let mut pairs = 0;
    for d in std::fs::read_dir(corpus.join("pairs")).unwrap() {
        let d = d.unwrap().path();
        let mut gws: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        gws.sort();
        let [a, b] = &gws[..] else { continue };
        let (a, b) = (a.to_string_lossy(), b.to_string_lossy());
        for format in ["human", "json"] {
            let out = run(&["negotiate", "--format", format, &a, &b]);
            assert!(
                finder.find(&out).is_none(),
                "a key appears in the negotiation of {}",
                d.display()
            );
        }
        pairs += 1;
    }
    assert!(pairs >= 30, "only {pairs} pairs");
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
        for format in ["human", "json", "gcc", "github", "sarif", "dot", "mermaid"] {
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
    for format in ["human", "json", "gcc", "github", "sarif", "dot", "mermaid"] {
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

fn run_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Run the binary in `dir` with every output: the five formats, stderr, and
/// the baseline file; all of it, as one text.
fn every_output(dir: &std::path::Path, target: &str) -> String {
    let mut all = String::new();
    for format in ["human", "json", "gcc", "github", "sarif", "dot", "mermaid"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
            .current_dir(dir)
            .args(["--no-config", "--format", format, target])
            .output()
            .unwrap();
        all.push_str(&String::from_utf8_lossy(&out.stdout));
        all.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    let baseline = dir.join("baseline.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipseclint"))
        .current_dir(dir)
        .args(["--no-config", "--write-baseline"])
        .arg(&baseline)
        .arg(target)
        .output()
        .unwrap();
    all.push_str(&String::from_utf8_lossy(&out.stderr));
    all.push_str(&std::fs::read_to_string(&baseline).unwrap_or_default());
    all
}

/// A key file reached in another role is masked in that role too (masks
/// belong to the file's real path), and a last scrub replaces every known
/// key in every output: messages, snippets, stderr and the baseline file.
#[test]
fn a_key_file_reached_in_any_role_never_shows_its_keys() {
    let base = project().join("corpus/pairs/clean-main-psk-ipfw/east");
    let psk_path = "/usr/local/etc/racoon/psk.txt";
    let setkey_keys = "add 203.0.113.1 198.51.100.1 esp 0x1001 -E aes-cbc \"SekretSA1aes-cbc-key!\" -A hmac-sha1 \"SekretSA2hmac-sha1-key!\";\n";
    type Edit = (&'static str, &'static str, String);
    let cases: Vec<(&str, Vec<Edit>)> = vec![
        (
            "racoon include glob",
            vec![("usr/local/etc/racoon/racoon.conf", "log notify;", "log notify;\ninclude \"/usr/local/etc/racoon/*\";".into())],
        ),
        ("firewall_script", vec![("etc/rc.conf", "firewall_type=\"/etc/ipfw.rules\"", format!("firewall_script=\"{psk_path}\""))]),
        ("firewall_type", vec![("etc/rc.conf", "firewall_type=\"/etc/ipfw.rules\"", format!("firewall_type=\"{psk_path}\""))]),
        ("ipfilter_rules", vec![("etc/rc.conf", "firewall_enable=\"YES\"", format!("ipfilter_enable=\"YES\"\nipfilter_rules=\"{psk_path}\""))]),
        ("ipsec_file", vec![("etc/rc.conf", "ipsec_file=\"/etc/ipsec.conf\"", format!("ipsec_file=\"{psk_path}\""))]),
        ("racoon_flags -f", vec![("etc/rc.conf", "racoon_enable=\"YES\"", format!("racoon_enable=\"YES\"\nracoon_flags=\"-f {psk_path}\""))]),
        (
            "manual keys read as a firewall script",
            vec![
                ("etc/ipsec.conf", "spdflush;", format!("spdflush;\n{setkey_keys}")),
                ("etc/rc.conf", "firewall_type=\"/etc/ipfw.rules\"", "firewall_script=\"/etc/ipsec.conf\"".into()),
            ],
        ),
        (
            "Apple's shared_secret and a key pasted into a comment",
            vec![(
                "usr/local/etc/racoon/racoon.conf",
                "log notify;",
                "log notify;\n# old key: SekretApple0pasted\nremote 192.0.2.99 {\n\tshared_secret use \"SekretApple1quoted\";\n}".into(),
            )],
        ),
    ];
    for (name, edits) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let gw = tmp.path().join("east");
        copy_dir(&base, &gw);
        for (file, from, to) in &edits {
            let p = gw.join(file);
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.contains(from), "{name}: {file} has no `{from}`");
            std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
        }
        let text = std::fs::read_to_string(gw.join("usr/local/etc/racoon/psk.txt")).unwrap();
        let mut secrets: Vec<String> = ipseclint::syntax::psk::parse(&text)
            .entries()
            .map(|e| e.key.expose().trim().to_string())
            .collect();
        secrets
            .extend(["SekretSA1", "SekretSA2", "SekretApple1", "SekretApple0"].map(String::from));
        let out = every_output(tmp.path(), "east");
        for s in &secrets {
            assert!(!out.contains(s.as_str()), "{name}: a key appears:\n{out}");
        }
    }
}

/// The same through a symlink in etc/rc.conf.d/ and a libreswan secrets
/// file in a plain directory.
#[test]
fn keys_behind_symlinks_and_in_foreign_secrets_files_never_show() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = tmp.path().join("east");
    copy_dir(
        &project().join("corpus/pairs/clean-main-psk-ipfw/east"),
        &gw,
    );
    std::fs::create_dir_all(gw.join("etc/rc.conf.d")).unwrap();
    std::os::unix::fs::symlink(
        "../../usr/local/etc/racoon/psk.txt",
        gw.join("etc/rc.conf.d/racoon"),
    )
    .unwrap();
    let text = std::fs::read_to_string(gw.join("usr/local/etc/racoon/psk.txt")).unwrap();
    let keys: Vec<String> = ipseclint::syntax::psk::parse(&text)
        .entries()
        .map(|e| e.key.expose().trim().to_string())
        .collect();
    let out = every_output(tmp.path(), "east");
    for k in &keys {
        assert!(
            !out.contains(k.as_str()),
            "rc.conf.d symlink: a key appears:\n{out}"
        );
    }
    let plain = tmp.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(
        plain.join("ipsec.secrets"),
        "198.51.100.1 203.0.113.1 : PSK \"SekretLibre1quoted\"\n%any : PSK \"SekretLibre2any\"\n",
    )
    .unwrap();
    std::fs::write(
        plain.join("NOTES.md"),
        "# Tunnel notes\n\nflush and spdflush first; then add the SAs.\n",
    )
    .unwrap();
    let out = every_output(tmp.path(), "plain");
    assert!(
        !out.contains("SekretLibre"),
        "libreswan secrets: a key appears:\n{out}"
    );
    let gcc = run_in(tmp.path(), &["--no-config", "--format", "gcc", "plain"]);
    assert!(
        !gcc.contains("IPS1301") && !gcc.contains("IPS1101"),
        "a secrets file or notes taken for ipf/setkey:\n{gcc}"
    );
    assert!(
        gcc.contains("ipsec.secrets:1:1: note:") && gcc.contains("does not check it"),
        "the secrets file is not reported as not checked:\n{gcc}"
    );
}

/// setkey's lexer reads a quoted key, `;` included, as one token: error
/// recovery never splits a key there and shows its second half.
#[test]
fn a_semicolon_inside_a_quoted_key_keeps_the_key_masked() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("ipsec.conf"),
        "add 192.0.2.1 192.0.2.2 esp 0x1000 -E aes-cbc \"abc;SekretAfterSemi1 two\" -Z hmac-md5 \"xyz;SekretAfterSemi2\";\n\
         add 192.0.2.1 192.0.2.2 esp ; \"half;SekretAfterSemi3 x\" ;\n",
    )
    .unwrap();
    let out = every_output(tmp.path(), "ipsec.conf");
    assert!(out.contains("IPS1101"), "no syntax error reported:\n{out}");
    assert!(!out.contains("SekretAfter"), "a key appears:\n{out}");
}
