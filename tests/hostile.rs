//! Hostile inputs: files made to exhaust time, stack or memory. Each must
//! simply finish, with the parts it cannot follow reported, never a hang or
//! an abort. (No timing is asserted; a regression shows as a test that does
//! not end.) The random-input tests are in `tests/proptest.rs`.

use ipseclint::model::rcconf::RcConfig;
use ipseclint::source::FileId;
use ipseclint::syntax;

/// An unclosed `{` after a bad statement used to double the work each time.
#[test]
fn racoon_unclosed_braces() {
    let text = format!(
        "x {}\nremote 192.0.2.1 {{ exchange_mode main; }}\n",
        "{".repeat(60)
    );
    let parsed = syntax::racoon::parse(FileId(0), &text);
    assert!(!parsed.diagnostics.is_empty());
    let deep = format!("x {}\n", "{ a ".repeat(5_000));
    let parsed = syntax::racoon::parse(FileId(0), &deep);
    assert!(!parsed.diagnostics.is_empty());
}

/// One stray `"` no longer leaves the whole file unread.
#[test]
fn racoon_stray_quote_keeps_the_rest() {
    let text = "listen { \" }\nremote 192.0.2.1 { exchange_mode main; }\n";
    let parsed = syntax::racoon::parse(FileId(0), text);
    assert!(!parsed.diagnostics.is_empty());
    let remotes = parsed
        .conf
        .items
        .iter()
        .filter(|i| matches!(i, syntax::racoon::TopItem::Remote(_)))
        .count();
    assert_eq!(remotes, 1, "{:?}", parsed.diagnostics);
}

#[test]
fn shell_script_too_many_tokens() {
    let text = format!(
        "#!/bin/sh\n{}ipfw add allow ip from any to any\n",
        "\n".repeat(2_000_001)
    );
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    // The command after the limit is not read, and that is said.
    assert!(out.commands.is_empty());
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("words and operators")),
        "{:?}",
        out.diagnostics
    );
}

#[test]
fn shell_script_deep_nesting() {
    let text = format!("#!/bin/sh\n{}\n", "(".repeat(100_000));
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    assert!(!out.diagnostics.is_empty());
    let text = format!(
        "#!/bin/sh\nx={}\nipfw add allow ip from any to any\n",
        "${a%".repeat(100_000)
    );
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    // The unclosed expansions run to the end of the file: the ipfw line is
    // part of them (sh would not run it either).
    assert!(out.commands.is_empty());
}

#[test]
fn shell_variable_doubling() {
    let text = format!(
        "#!/bin/sh\na=10.0.0.1\n{}ipfw add allow ip from \"$a\" to any\n",
        "a=\"$a $a\"\n".repeat(40)
    );
    let out = syntax::ipfw_sh::evaluate(FileId(0), &text, &Default::default());
    assert!(!out.diagnostics.is_empty(), "the cut-off is reported");
}

#[test]
fn interface_pattern_of_many_stars() {
    let pattern = format!("{}x", "*".repeat(1_000));
    assert!(!ipseclint::model::firewall::iface_pattern_matches(
        &pattern,
        &"y".repeat(1_000)
    ));
    let text = format!("add 100 allow ip from any to any via {pattern}\n");
    let parsed = syntax::ipfw::parse_file(FileId(0), &text);
    assert_eq!(parsed.file.rules().count(), 1);
}

#[test]
fn rc_conf_value_doubling() {
    let text = format!("a=xxxxxxxx\n{}", "a=$a$a\n".repeat(40));
    let rc = syntax::rcconf::parse(&text);
    let mut config = RcConfig::with_defaults();
    config.apply(FileId(0), &rc);
    assert!(config.value("a").len() <= 64 << 10);
    assert_eq!(config.history.len(), 41);
}

#[test]
fn rc_conf_many_unclosed_expansions() {
    let text = "a=${\n".repeat(200_000);
    let rc = syntax::rcconf::parse(&text);
    assert_eq!(rc.assignments().count(), 200_000);
}

#[test]
fn ipf_variable_bomb() {
    let mut text = String::from("a0=\"xxxxxxxx\";\n");
    for i in 1..10 {
        let prev = format!("$a{}", i - 1);
        text.push_str(&format!("a{i}=\"{}\";\n", prev.repeat(10)));
    }
    text.push_str("pass in from $a9 to any\n");
    let parsed = syntax::ipf::parse(FileId(0), &text, syntax::ipf::IpfVersion::default());
    assert!(parsed
        .diagnostics
        .iter()
        .any(|d| d.message.contains("too much text")));
}

#[test]
fn ipf_many_unclosed_expansions() {
    let text = format!("pass in all {}\n", "${".repeat(200_000));
    let parsed = syntax::ipf::parse(FileId(0), &text, syntax::ipf::IpfVersion::default());
    assert!(!parsed.diagnostics.is_empty());
}
