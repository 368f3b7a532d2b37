//! One file of any format, through the whole pipeline: recognition, parser,
//! model, checks and every renderer. The first byte picks the file name.
#![no_main]

use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::render;
use ipseclint::source::MemoryFs;
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "racoon.conf",
    "psk.txt",
    "ipsec.conf",
    "rc.conf",
    "ipfw.rules",
    "rc.firewall",
    "ipf.rules",
    "ipnat.rules",
    "loader.conf",
    "unknown.txt",
];

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(*first) % NAMES.len()];
    let text = String::from_utf8_lossy(rest).into_owned();
    let mut fs = MemoryFs::default();
    fs.insert(name, text);
    let report = lint(&[Input { path: name.into() }], &fs, &LintOptions::default());
    let _ = render::human::render(&report, false);
    let _ = render::json::render(&report);
    let _ = render::gcc::render(&report);
    let _ = render::github::render(&report);
    let _ = render::sarif::render(&report);
});
