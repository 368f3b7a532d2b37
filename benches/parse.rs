//! Parse and check speed on a large generated racoon.conf
//! (10,000 remotes and 10,000 sainfos). Figures go in BENCHMARKS.md.

// The CLI's allocator, so the figures are the CLI's (see src/main.rs).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ipseclint::source::FileId;

#[path = "support/peers.rs"]
mod peers;

fn bench(c: &mut Criterion) {
    let text = peers::racoon_conf(10_000);
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
