//! Parse and check speed on a large generated racoon.conf
//! (10,000 remotes and 10,000 sainfos). Figures go in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ipseclint::source::FileId;
use std::fmt::Write;

fn generate(n: usize) -> String {
    let mut s =
        String::from("path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\nlog notify;\n\n");
    for i in 0..n {
        let (a, b) = (i / 250, i % 250 + 1);
        let _ = write!(
            s,
            "remote 198.51.{a}.{b} {{\n\texchange_mode main;\n\tlifetime time 8 hour;\n\tproposal {{\n\t\tencryption_algorithm aes 256;\n\t\thash_algorithm sha256;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group modp2048;\n\t}}\n}}\n\n\
             sainfo address 10.0.0.0/24 any address 10.{a}.{b}.0/24 any {{\n\tpfs_group modp2048;\n\tlifetime time 1 hour;\n\tencryption_algorithm aes 256, aes;\n\tauthentication_algorithm hmac_sha256, hmac_sha1;\n\tcompression_algorithm deflate;\n}}\n\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generate(10_000);
    let mut g = c.benchmark_group("racoon.conf 10k remotes + 10k sainfos");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.bench_function("parse", |b| {
        b.iter(|| ipseclint::syntax::racoon::parse(FileId(0), &text))
    });
    g.bench_function("parse + model + checks", |b| {
        b.iter(|| {
            let parsed = ipseclint::syntax::racoon::parse(FileId(0), &text);
            let model = ipseclint::model::racoon::build(&parsed.conf);
            let cx = ipseclint::rules::racoon::RacoonCtx {
                file: FileId(0),
                text: &text,
                conf: &parsed.conf,
                model: &model,
                target: Default::default(),
                skipped: &[],
            };
            ipseclint::rules::racoon::check(&cx)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
