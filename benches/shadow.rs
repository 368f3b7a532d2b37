//! The shadowed-rule analysis on a 10,000-rule ruleset (first match, as
//! ipfw, and last match with quick, as ipfilter). Figures go in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use ipseclint::model::firewall::{
    AddrSpace, Dir, HeaderSpace, MatchOrder, RuleEffect, RuleInfo, RuleRef,
};
use ipseclint::model::reachability::shadowed_rules;
use ipseclint::source::{FileId, Span};

/// A deterministic mix of rules: host and network sources and destinations,
/// protocols, port ranges, interfaces and both directions.
pub fn ruleset(n: usize) -> Vec<RuleInfo> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|i| {
            let r = next();
            // Hosts and networks spread over private and documentation space.
            let net = |r: u64, len: u8| -> AddrSpace {
                let base: u32 = [
                    0x0a00_0000,
                    0xac10_0000,
                    0xc0a8_0000,
                    0xc000_0200,
                    0xc633_6400,
                    0xcb00_7100,
                ][(r % 6) as usize];
                let span: u32 =
                    [0x00ff_ffff, 0x000f_ffff, 0x0000_ffff, 0xff, 0xff, 0xff][(r % 6) as usize];
                let a = (base | ((r >> 3) as u32 & span)) & !((1u64 << (32 - len)) - 1) as u32;
                AddrSpace::In(vec![ipnet::IpNet::V4(
                    ipnet::Ipv4Net::new(std::net::Ipv4Addr::from(a), len).unwrap(),
                )])
            };
            let src = if r % 20 == 0 {
                AddrSpace::Any
            } else {
                net(r >> 8, [24, 32, 32, 28][(r as usize >> 3) % 4])
            };
            let dst = if r % 15 == 0 && r % 20 != 0 {
                AddrSpace::Any
            } else {
                net(r >> 24, [24, 32, 32][(r as usize >> 5) % 3])
            };
            let protos = match r % 10 {
                0 => None,
                1..=4 => Some(vec![6]),
                5..=7 => Some(vec![17]),
                _ => Some(vec![50]),
            };
            let dports = if (1..=7).contains(&(r % 10)) && r % 3 != 0 {
                let lo = (r >> 40) as u16 % 60000;
                Some(vec![(lo, lo + (r >> 56) as u16 % 100)])
            } else {
                None
            };
            RuleInfo {
                rule: RuleRef {
                    file: FileId(0),
                    span: Span::default(),
                    index: i,
                },
                effect: if r % 3 == 0 {
                    RuleEffect::Block
                } else {
                    RuleEffect::Pass
                },
                quick: r % 2 == 0,
                space: Some(HeaderSpace {
                    dirs: match r % 3 {
                        0 if r % 9 == 0 => vec![Dir::In, Dir::Out],
                        0 | 1 => vec![Dir::In],
                        _ => vec![Dir::Out],
                    },
                    iface: if r % 11 == 0 {
                        None
                    } else {
                        Some(format!("em{}", r % 4))
                    },
                    protos,
                    src,
                    dst,
                    sports: None,
                    dports,
                }),
                text: String::new(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rules = ruleset(10_000);
    let mut g = c.benchmark_group("shadowed rules, 10k-rule ruleset");
    g.sample_size(10);
    g.bench_function("first match (ipfw)", |b| {
        b.iter(|| shadowed_rules(&rules, MatchOrder::FirstMatch))
    });
    g.bench_function("last match + quick (ipf)", |b| {
        b.iter(|| shadowed_rules(&rules, MatchOrder::LastMatch))
    });
    g.finish();
    // Growth with the ruleset's size.
    let mut g = c.benchmark_group("shadowed rules, growth");
    g.sample_size(10);
    for n in [2_500usize, 5_000, 10_000] {
        let rules = ruleset(n);
        g.bench_with_input(criterion::BenchmarkId::new("first match", n), &n, |b, _| {
            b.iter(|| shadowed_rules(&rules, MatchOrder::FirstMatch))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
