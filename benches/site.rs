//! A site checked as a whole: discovery, every file's front end, each
//! gateway's model and checks, then the pairing and every cross-peer check
//! (phase 1 and 2 both ways, mirrors, firewalls). The site is a hub with
//! spokes plus a 50-gateway full mesh, held in memory (`MemoryFs`) so that the
//! figure is ipseclint's own work. Figures go in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::source::MemoryFs;

#[path = "support/site.rs"]
mod generated;

/// The site in memory.
pub fn site(n: usize) -> MemoryFs {
    let mut fs = MemoryFs::default();
    generated::site(n, &mut |path, text| fs.insert(path, text));
    fs
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("site");
    g.sample_size(10);
    for n in [100usize, 1_000, 5_000] {
        let fs = site(n);
        // A healthy site: no finding, every tunnel established both ways.
        let r = lint(
            &[Input {
                path: "site".into(),
            }],
            &fs,
            &LintOptions::default(),
        );
        assert!(
            r.diagnostics.is_empty(),
            "{:?}",
            r.diagnostics
                .iter()
                .map(|d| (d.rule.code, &d.message))
                .take(5)
                .collect::<Vec<_>>()
        );
        assert!(r
            .pairs
            .iter()
            .all(|p| p.a_to_b == ipseclint::model::ike::Status::Established
                && p.b_to_a == ipseclint::model::ike::Status::Established));
        let inputs = vec![Input {
            path: "site".into(),
        }];
        let expected_pairs = n - 51 + 50 * 49 / 2;
        g.bench_with_input(
            BenchmarkId::new("gateways with every cross-check", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let r = lint(&inputs, &fs, &LintOptions::default());
                    assert_eq!(r.pairs.len(), expected_pairs);
                    r
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
