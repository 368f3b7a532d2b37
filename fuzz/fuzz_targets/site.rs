//! Two gateways that refer to each other, each file from a piece of the
//! input (pieces separated by `\n%%\n`): gateway loading, the gateway and
//! firewall checks and the cross-peer simulation.
#![no_main]

use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::render;
use ipseclint::source::MemoryFs;
use libfuzzer_sys::fuzz_target;

const FILES: &[&str] = &[
    "etc/rc.conf",
    "usr/local/etc/racoon/racoon.conf",
    "usr/local/etc/racoon/psk.txt",
    "etc/ipsec.conf",
    "etc/ipfw.rules",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut pieces = text.split("\n%%\n");
    let mut fs = MemoryFs::default();
    for gw in ["site/east", "site/west"] {
        for f in FILES {
            if let Some(p) = pieces.next() {
                fs.insert(format!("{gw}/{f}"), p.to_string());
            }
        }
    }
    let report = lint(
        &[Input {
            path: "site".into(),
        }],
        &fs,
        &LintOptions::default(),
    );
    let _ = render::human::render(&report, false);
    let _ = render::json::render(&report);
    let _ = render::sarif::render(&report);
});
