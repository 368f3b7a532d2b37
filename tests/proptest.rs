//! Parsing never panics: arbitrary bytes, and mutations of valid files.

use ipseclint::source::FileId;
use proptest::prelude::*;

const VALID: &str = include_str!("../corpus/example/east/racoon.conf");
const VALID_SPD: &str = include_str!("../corpus/gateways/east/etc/ipsec.conf");
const VALID_RC: &str = include_str!("../corpus/gateways/east/etc/rc.conf");

fn lint_text(text: &str) {
    let parsed = ipseclint::syntax::racoon::parse(FileId(0), text);
    let model = ipseclint::model::racoon::build(&parsed.conf);
    let cx = ipseclint::rules::racoon::RacoonCtx {
        file: FileId(0),
        text,
        conf: &parsed.conf,
        model: &model,
        target: Default::default(),
        skipped: &[],
    };
    let _ = ipseclint::rules::racoon::check(&cx);
    for d in parsed.diagnostics {
        assert!(d.location.span.start() <= text.len() && d.location.span.end() <= text.len());
    }
    let sk = ipseclint::syntax::setkey::parse(FileId(0), text);
    let _ = ipseclint::rules::setkey::check(&ipseclint::rules::setkey::SetkeyCtx {
        file: FileId(0),
        setkey: &sk.file,
        target: Default::default(),
    });
    for d in &sk.diagnostics {
        assert!(d.location.span.end() <= text.len());
    }
    let rc = ipseclint::syntax::rcconf::parse(text);
    let _ = ipseclint::rules::rcconf::check(&ipseclint::rules::rcconf::RcCtx {
        file: FileId(0),
        text,
        rc: &rc,
        kind: ipseclint::rules::rcconf::RcKind::RcConf,
    });
    let mut cfg = ipseclint::model::rcconf::RcConfig::with_defaults();
    cfg.apply(FileId(0), &rc);
    let psk = ipseclint::syntax::psk::parse(text);
    let _ = ipseclint::rules::psk::check(&ipseclint::rules::psk::PskCtx {
        file: FileId(0),
        psk: &psk,
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        lint_text(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_never_panics(words in proptest::collection::vec(
        prop::sample::select(vec!["remote", "sainfo", "spdadd", "-P", "out", "ipsec", "esp/tunnel/1.2.3.4-5.6.7.8/require", "add", "-E", "aes-cbc", "0x12", "=\"", "'", "${x}", "\\", "{", "}", ";", "anonymous", "address", "10.0.0.1/24", "any",
            "proposal", "exchange_mode", "main", "lifetime", "time", "8", "hour", "\"x\"", "inherit", "#", "\n",
            "//", "aes256", "dh_group", "pfs_group", "0", "[500]", "encryption_algorithm", ",", "on", "yes"]), 0..80)) {
        lint_text(&words.join(" "));
    }

    #[test]
    fn mutated_valid_files_never_panic(which in 0usize..3, pos in 0usize..4000, len in 0usize..40, insert in ".{0,12}") {
        let mut s = [VALID, VALID_SPD, VALID_RC][which].to_string();
        let pos = pos % s.len();
        let start = (0..=pos).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        let mut end = (start + len).min(s.len());
        while !s.is_char_boundary(end) { end += 1; }
        s.replace_range(start..end, &insert);
        lint_text(&s);
    }
}

/// Found by `arbitrary_bytes_never_panic`: a lone vertical tab gave a setkey
/// finding past the end of the text.
#[test]
fn a_lone_vertical_tab_stays_in_bounds() {
    let text = "\u{b}";
    for d in ipseclint::syntax::setkey::parse(FileId(0), text).diagnostics {
        assert!(
            d.location.span.end() <= text.len(),
            "{} {:?}",
            d.message,
            d.location.span
        );
    }
    lint_text(text);
}
