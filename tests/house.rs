//! The house rules, checked on the source text (rust-analyzer's "tidy" tests
//! are the model):
//!
//! - **Layering.** Every `crate::` path in `src/` (in `use` lines, braces
//!   spread over several lines, types, expressions and `$crate::` in macros)
//!   names a module at or below the module it is written in, in the order
//!   ARCHITECTURE.md's "Import order" lists. A parser that wrote
//!   `use crate::rules::firewall::TunnelStatus;` would fail with
//!   `src/syntax/ipfw.rs:12: syntax imports rules (rules is above syntax in ARCHITECTURE.md's import order)`;
//!   `a_wrong_import_is_caught` below shows it on such a file.
//! - **Rules.** Each `rule!` is registered exactly once, in its own file's
//!   `checks!` or `register!` list; a registered rule without a check
//!   function is emitted somewhere; `rules::all()` holds every declared code.
//! - **Short steps.** No function in `src/engine/` is longer than 120 lines.
//! - **Code map.** ARCHITECTURE.md's code map names every file of `src/` and
//!   no file that is gone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const ARCHITECTURE: &str = include_str!("../ARCHITECTURE.md");

/// The longest a function in `src/engine/` may be, in lines.
const ENGINE_FN_LINES: usize = 120;

// ---------------------------------------------------------------------------
// Reading the tree
// ---------------------------------------------------------------------------

/// Every `.rs` file below `src/`, as (path relative to the crate, text).
fn source_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    files.sort();
    assert!(files.len() > 40, "src/ was not found or read");
    files
}

/// The text with comments and the insides of string and char literals blanked
/// out (newlines kept), so only code is searched and line numbers still hold.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in out.iter_mut().take(to).skip(from) {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (mut depth, mut j) = (1, i + 2);
                while j < b.len() && depth > 0 {
                    if b[j..].starts_with(b"/*") {
                        depth += 1;
                        j += 2;
                    } else if b[j..].starts_with(b"*/") {
                        depth -= 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'r' if !ident_byte_before(b, i) && raw_string_start(b, i).is_some() => {
                let (hashes, open) = raw_string_start(b, i).unwrap();
                let close = format!("\"{}", "#".repeat(hashes));
                let end = src[open + 1..]
                    .find(&close)
                    .map_or(b.len(), |n| open + 1 + n + close.len());
                blank(&mut out, open + 1, end.saturating_sub(close.len()));
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut out, i + 1, j.min(b.len()));
                i = j + 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{..}'); otherwise a lifetime.
                let end = if b.get(i + 1) == Some(&b'\\') {
                    src[i + 2..].find('\'').map(|n| i + 2 + n)
                } else {
                    let c = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (b.get(i + 1 + c) == Some(&b'\'')).then_some(i + 1 + c)
                };
                match end {
                    Some(e) => {
                        blank(&mut out, i + 1, e);
                        i = e + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn ident_byte_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// `r"`, `r#"`, ...: the number of `#` and the index of the opening quote.
fn raw_string_start(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some((j - i - 1, j))
}

fn line_of(text: &str, pos: usize) -> usize {
    text[..pos].matches('\n').count() + 1
}

// ---------------------------------------------------------------------------
// Layering
// ---------------------------------------------------------------------------

/// The module path a file defines: `src/model/ike.rs` is `model::ike`,
/// `src/rules/mod.rs` is `rules`; `lib.rs` and `main.rs` are the root.
fn module_path(file: &str) -> Vec<String> {
    let rel = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The top-level modules a file names through `crate::`, `$crate::` or a
/// `super::` chain that leaves its own top-level module, with their lines.
fn crate_references(file: &str, src: &str, top_level: &BTreeSet<String>) -> Vec<(usize, String)> {
    let code = code_only(src);
    let b = code.as_bytes();
    let mut refs = Vec::new();
    for (pos, _) in code.match_indices("crate::") {
        if ident_byte_before(b, pos) {
            continue;
        }
        for name in first_segments(&code[pos + "crate::".len()..]) {
            refs.push((line_of(&code, pos), name));
        }
    }
    let own = module_path(file);
    for (pos, _) in code.match_indices("super::") {
        if ident_byte_before(b, pos) || (pos >= 2 && &code[pos - 2..pos] == "::") {
            continue;
        }
        let mut rest = &code[pos..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r.trim_start();
        }
        // Inside the file's own top-level module: the same layer.
        if ups < own.len() {
            continue;
        }
        for name in first_segments(rest) {
            refs.push((line_of(&code, pos), name));
        }
    }
    refs.retain(|(_, name)| top_level.contains(name));
    refs
}

/// The first segment of a path, or of each path in a `{...}` group.
fn first_segments(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident(rest)];
    };
    let mut names = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if c.is_whitespace() => {}
            _ if start && depth == 0 => {
                names.push(ident(&group[i..]));
                start = false;
            }
            _ => {}
        }
    }
    names
}

/// ARCHITECTURE.md's "Import order": `N. \`module\` ...` lines, lowest first.
fn import_order(architecture: &str) -> Vec<String> {
    let section = section(architecture, "## Import order");
    let order: Vec<String> = section
        .lines()
        .filter_map(|l| {
            let (num, rest) = l.split_once(". `")?;
            num.trim().parse::<u32>().ok()?;
            Some(rest.split('`').next()?.to_string())
        })
        .collect();
    assert!(order.len() >= 10, "ARCHITECTURE.md lists no import order");
    order
}

/// The text of a `## ` section (up to the next one).
fn section<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let start = markdown
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no `{heading}` section"));
    let body = &markdown[start + heading.len() + 2..];
    &body[..body.find("\n## ").unwrap_or(body.len())]
}

/// Every import that goes against `order`, as `path:line: message`.
fn layering_violations(files: &[(String, String)], order: &[String]) -> Vec<String> {
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let top_level: BTreeSet<String> = order.iter().cloned().collect();
    let mut out = Vec::new();
    for (file, src) in files {
        let own = module_path(file);
        let Some(me) = own.first() else {
            continue; // lib.rs and main.rs: the root may use every layer
        };
        let Some(&my_rank) = rank.get(me.as_str()) else {
            out.push(format!(
                "{file}: module `{me}` is not in ARCHITECTURE.md's import order"
            ));
            continue;
        };
        for (line, target) in crate_references(file, src, &top_level) {
            if rank[target.as_str()] > my_rank {
                out.push(format!(
                    "{file}:{line}: {me} imports {target} ({target} is above {me} in ARCHITECTURE.md's import order)"
                ));
            }
        }
    }
    out
}

#[test]
fn layers_only_look_down() {
    let files = source_files();
    let order = import_order(ARCHITECTURE);
    let top: BTreeSet<String> = files
        .iter()
        .filter_map(|(f, _)| module_path(f).first().cloned())
        .collect();
    for m in &top {
        assert!(
            order.contains(m),
            "`{m}` is missing from ARCHITECTURE.md's import order"
        );
    }
    for m in &order {
        assert!(
            top.contains(m),
            "ARCHITECTURE.md's import order names `{m}`, which src/ does not have"
        );
    }
    let violations = layering_violations(&files, &order);
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
}

#[test]
fn a_wrong_import_is_caught() {
    let order: Vec<String> = ["source", "diagnostic", "syntax", "model", "rules", "engine"]
        .map(String::from)
        .to_vec();
    let file = |path: &str, text: &str| (path.to_string(), text.to_string());
    let files = vec![
        file(
            "src/syntax/ipfw.rs",
            "use crate::source::Span;\nuse crate::rules::firewall::TunnelStatus;\n",
        ),
        // Spread over lines in a group, in an expression, and through `$crate`.
        file(
            "src/model/gateway.rs",
            "use crate::{\n    source::Span,\n    engine::Report,\n};\nfn f() { crate::rules::all(); }\nmacro_rules! m { () => { $crate::engine::lint } }\n",
        ),
        // Three `super::` up from `model::a::b` is the crate root; two is `model`.
        file(
            "src/model/a/b.rs",
            "use super::super::super::engine::Report;\nuse super::super::engine::Local;\n",
        ),
        // Comments, strings and other crates' paths are not imports.
        file(
            "src/syntax/psk.rs",
            "// use crate::engine::x;\nconst S: &str = \"crate::engine\";\nuse my_crate::engine;\n/* crate::rules */\n",
        ),
        file("src/lsp/mod.rs", "use crate::engine::lint;\n"),
    ];
    let mut v = layering_violations(&files, &order);
    v.sort();
    let mut expected = [
        "src/lsp/mod.rs: module `lsp` is not in ARCHITECTURE.md's import order",
        "src/model/a/b.rs:1: model imports engine (engine is above model in ARCHITECTURE.md's import order)",
        "src/model/gateway.rs:1: model imports engine (engine is above model in ARCHITECTURE.md's import order)",
        "src/model/gateway.rs:5: model imports rules (rules is above model in ARCHITECTURE.md's import order)",
        "src/model/gateway.rs:6: model imports engine (engine is above model in ARCHITECTURE.md's import order)",
        "src/syntax/ipfw.rs:2: syntax imports rules (rules is above syntax in ARCHITECTURE.md's import order)",
    ];
    expected.sort();
    assert_eq!(v, expected);
}

// ---------------------------------------------------------------------------
// Rule registration
// ---------------------------------------------------------------------------

/// `rule!(NAME, "CODE", ...` declarations: (name, code, line).
fn declared_rules(src: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for (pos, _) in src.match_indices("\nrule!(") {
        let rest = &src[pos + "\nrule!(".len()..];
        let mut fields = rest.splitn(3, ',');
        let name = fields.next().unwrap().trim().to_string();
        let code = fields.next().unwrap().trim().trim_matches('"').to_string();
        out.push((name, code, line_of(src, pos + 1)));
    }
    out
}

/// The names in the file's `checks! { T; A => f, ... }` and `register![...]`
/// lists, and whether each has a check function.
fn registered_rules(code: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (pos, _) in code.match_indices("\nchecks! {") {
        let body = &code[pos..];
        let body = &body[body.find(';').unwrap() + 1..body.find('}').unwrap()];
        for entry in body.split(',') {
            if let Some((name, _)) = entry.split_once("=>") {
                out.push((name.trim().to_string(), true));
            }
        }
    }
    for (pos, _) in code.match_indices("\nregister![") {
        let body = &code[pos + "\nregister![".len()..];
        for name in body[..body.find(']').unwrap()].split(',') {
            if !name.trim().is_empty() {
                out.push((name.trim().to_string(), false));
            }
        }
    }
    out
}

fn word_count(code: &str, word: &str) -> usize {
    let b = code.as_bytes();
    code.match_indices(word)
        .filter(|(p, _)| {
            let after = b.get(p + word.len()).copied().unwrap_or(b' ');
            !(ident_byte_before(b, *p) || after.is_ascii_alphanumeric() || after == b'_')
        })
        .count()
}

/// What is wrong with the registration of the rules in these files.
fn registration_problems(files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    let codes: Vec<String> = files.iter().map(|(_, s)| code_only(s)).collect();
    for ((file, src), code) in files.iter().zip(&codes) {
        let declared = declared_rules(src);
        let registered = registered_rules(code);
        for (name, _, line) in &declared {
            match registered.iter().filter(|(n, _)| n == name).count() {
                1 => {}
                0 => problems.push(format!("{file}:{line}: {name} is declared but not registered in this file's checks! or register! list")),
                n => problems.push(format!("{file}:{line}: {name} is registered {n} times")),
            }
        }
        for (name, has_check) in &registered {
            if !declared.iter().any(|(n, _, _)| n == name) {
                problems.push(format!(
                    "{file}: {name} is registered here but declared elsewhere"
                ));
            } else if !has_check {
                // Declared and registered: two mentions. Any other is where it is emitted.
                let uses: usize = codes.iter().map(|c| word_count(c, name)).sum();
                if uses <= 2 {
                    problems.push(format!(
                        "{file}: {name} has no check and is emitted nowhere"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn every_rule_is_registered_once_with_a_check_or_an_emitter() {
    let files = source_files();
    let problems = registration_problems(&files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let declared: BTreeSet<String> = files
        .iter()
        .flat_map(|(_, s)| declared_rules(s))
        .map(|(_, code, _)| code)
        .collect();
    assert!(declared.len() > 100, "rule! declarations were not found");
    let catalogue: Vec<&str> = ipseclint::rules::all().iter().map(|r| r.code).collect();
    let unique: BTreeSet<&str> = catalogue.iter().copied().collect();
    assert_eq!(
        unique.len(),
        catalogue.len(),
        "a rule is in rules::all() twice"
    );
    let missing: Vec<&String> = declared
        .iter()
        .filter(|c| !unique.contains(c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "declared but not in rules::all() (is the file's RULES in a RULE_LISTS?): {missing:?}"
    );
    assert_eq!(
        unique.len(),
        declared.len(),
        "rules::all() holds a rule no rule! declares"
    );
}

#[test]
fn a_bad_registration_is_caught() {
    let decl = |name: &str, code: &str| {
        format!("\nrule!({name}, \"{code}\", \"n\", Error,\n    \"s\",\n    why: \"w\", bad: \"b\", good: \"g\", log: None);\n")
    };
    let files = vec![
        (
            "src/rules/a.rs".to_string(),
            format!(
                "{}{}{}\nchecks! {{ Check;\n    ONE => one,\n    ONE => one,\n}}\nregister![OTHER];\n",
                decl("ONE", "IPS0001"),
                decl("TWO", "IPS0002"),
                decl("DEAD", "IPS0003"),
            ),
        ),
        (
            "src/rules/b.rs".to_string(),
            format!("{}\nregister![DEAD];\nfn f() {{ emit(&OTHER); }}\n", decl("OTHER", "IPS0004")),
        ),
    ];
    let problems = registration_problems(&files);
    let has = |s: &str| problems.iter().any(|p| p.contains(s));
    assert!(
        has("src/rules/a.rs:2: ONE is registered 2 times"),
        "{problems:#?}"
    );
    assert!(has("TWO is declared but not registered"), "{problems:#?}");
    assert!(has("DEAD is declared but not registered"), "{problems:#?}");
    assert!(
        has("src/rules/a.rs: OTHER is registered here but declared elsewhere"),
        "{problems:#?}"
    );
    assert!(
        has("src/rules/b.rs: DEAD is registered here but declared elsewhere"),
        "{problems:#?}"
    );
    assert!(
        has("src/rules/b.rs:2: OTHER is declared but not registered"),
        "{problems:#?}"
    );
}

// ---------------------------------------------------------------------------
// Function length
// ---------------------------------------------------------------------------

/// Every `fn` with a body: (name, first line, number of lines).
fn functions(src: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(src);
    let b = code.as_bytes();
    let mut out = Vec::new();
    for (pos, _) in code.match_indices("fn ") {
        if ident_byte_before(b, pos) {
            continue;
        }
        let name: String = code[pos + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue; // `fn(` types
        }
        // The body starts at the first `{` outside the signature's brackets,
        // unless a `;` ends a declaration first.
        let mut depth = 0i32;
        let mut open = None;
        for (i, c) in code[pos..].char_indices() {
            match c {
                '(' | '[' | '<' => depth += 1,
                ')' | ']' | '>' if code[pos..][..i].ends_with('-') => {}
                ')' | ']' | '>' => depth -= 1,
                ';' if depth <= 0 => break,
                '{' if depth <= 0 => {
                    open = Some(pos + i);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let mut depth = 0;
        let mut close = open;
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let first = line_of(&code, pos);
        out.push((name, first, line_of(&code, close) - first + 1));
    }
    out
}

#[test]
fn engine_functions_are_short_steps() {
    let mut long = Vec::new();
    let mut seen = 0;
    for (file, src) in source_files() {
        if !file.starts_with("src/engine/") {
            continue;
        }
        for (name, line, len) in functions(&src) {
            seen += 1;
            if len > ENGINE_FN_LINES {
                long.push(format!(
                    "{file}:{line}: fn {name} is {len} lines (at most {ENGINE_FN_LINES})"
                ));
            }
        }
    }
    assert!(seen > 20, "no functions found in src/engine/");
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn function_lengths_are_measured() {
    let src = "fn a() -> Vec<u8> {\n    let s = \"}\";\n    vec![]\n}\n\nfn b(f: fn(u8) -> u8) {\n    if true {\n    }\n}\ntrait T { fn c(&self); }\n";
    assert_eq!(
        functions(src),
        [("a".to_string(), 1, 4), ("b".to_string(), 6, 4)]
    );
}

// ---------------------------------------------------------------------------
// Code map
// ---------------------------------------------------------------------------

#[test]
fn the_code_map_matches_the_tree() {
    let map = section(ARCHITECTURE, "## Code map");
    let named: BTreeSet<String> = map
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("src/") && s.ends_with(".rs"))
        .map(str::to_string)
        .collect();
    let tree: BTreeSet<String> = source_files().into_iter().map(|(f, _)| f).collect();
    let missing: Vec<&String> = tree.difference(&named).collect();
    let gone: Vec<&String> = named.difference(&tree).collect();
    assert!(
        missing.is_empty(),
        "files of src/ that ARCHITECTURE.md's code map does not describe: {missing:?}"
    );
    assert!(
        gone.is_empty(),
        "ARCHITECTURE.md's code map names files src/ does not have: {gone:?}"
    );
}
