//! ipftest: an ipf ruleset and packets (separated by `\n%%\n`), under each
//! IPFilter version.
#![no_main]

use ipseclint::model::ipftest::{run, InputFormat, IpftestOptions};
use ipseclint::syntax::ipf::IpfVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (rules, packets) = text.split_once("\n%%\n").unwrap_or((&text, ""));
    for v in ["3.4", "4.1", "5.1"] {
        for format in [InputFormat::Text, InputFormat::Hex] {
            let opts = IpftestOptions {
                version: IpfVersion::parse(v).expect("a known version"),
                format,
                ..Default::default()
            };
            let _ = run(rules, packets, &opts);
        }
    }
});
