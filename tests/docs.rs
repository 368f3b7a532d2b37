//! `docs/rules/` is generated from the rules' metadata in the code. This test
//! fails when a page is stale, missing or left over; run it with
//! `IPSECLINT_BLESS=1` to rewrite the pages.

mod common;
use common::project;
use ipseclint::rules::{self, docs};
use std::collections::BTreeMap;

#[test]
fn rule_pages_are_current() {
    let dir = project().join("docs/rules");
    let all = rules::all();
    let mut want: BTreeMap<String, String> = all
        .iter()
        .map(|r| (format!("{}.md", r.code), docs::page(r)))
        .collect();
    want.insert("README.md".into(), docs::index(&all));
    let bless = std::env::var_os("IPSECLINT_BLESS").is_some();
    let mut problems = Vec::new();
    let on_disk: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for name in &on_disk {
        if !want.contains_key(name) {
            if bless {
                std::fs::remove_file(dir.join(name)).unwrap();
            } else {
                problems.push(format!("{name}: no rule has this page"));
            }
        }
    }
    for (name, text) in &want {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, text).unwrap();
            } else {
                problems.push(format!("{name}: stale or missing"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/rules is out of date (run `IPSECLINT_BLESS=1 cargo test --test docs`):\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_page_has_its_parts() {
    for r in rules::all() {
        let p = docs::page(r);
        for part in ["## Why it matters", "## Bad", "## Good", r.code, r.name] {
            assert!(p.contains(part), "{}: no `{part}`", r.code);
        }
        assert_eq!(
            p.contains("## The racoon.log message it prevents"),
            r.log.is_some(),
            "{}",
            r.code
        );
    }
    let index = docs::index(&rules::all());
    assert_eq!(
        index.lines().filter(|l| l.starts_with("| [IPS")).count(),
        rules::all().len()
    );
}
