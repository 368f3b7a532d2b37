//! A site checked as a whole: discovery, every file's front end, each
//! gateway's model and checks, then the pairing and every cross-peer check
//! (phase 1 and 2 both ways, mirrors, firewalls). The site is a hub with
//! spokes plus a 50-gateway full mesh, held in memory (`MemoryFs`) so that the
//! figure is ipseclint's own work. Figures go in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::source::MemoryFs;
use std::fmt::Write;

/// One tunnel end as written in the files of a gateway.
struct Peer {
    addr: String,
    net: String,
    key: String,
}

fn gateway(fs: &mut MemoryFs, root: &str, addr: &str, lan: &str, lan_gw: &str, peers: &[Peer]) {
    fs.insert(
        format!("{root}/etc/rc.conf"),
        format!("hostname=\"{root}\"\nifconfig_em0=\"inet {addr}/24\"\nifconfig_em1=\"inet {lan_gw}/24\"\ngateway_enable=\"YES\"\nipsec_enable=\"YES\"\nracoon_enable=\"YES\"\n"),
    );
    let mut spd = String::from("flush;\nspdflush;\n");
    let mut racoon =
        String::from("path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\nlog notify;\n");
    let mut psk = String::new();
    for p in peers {
        let _ = write!(
            spd,
            "spdadd {lan} {n} any -P out ipsec esp/tunnel/{addr}-{a}/require;\nspdadd {n} {lan} any -P in ipsec esp/tunnel/{a}-{addr}/require;\n",
            n = p.net,
            a = p.addr
        );
        let _ = write!(
            racoon,
            "remote {a} {{\n\texchange_mode main;\n\tproposal {{\n\t\tencryption_algorithm aes 256;\n\t\thash_algorithm sha256;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group modp2048;\n\t}}\n}}\nsainfo address {lan} any address {n} any {{\n\tpfs_group modp2048;\n\tencryption_algorithm aes 256;\n\tauthentication_algorithm hmac_sha256;\n\tcompression_algorithm deflate;\n}}\n",
            a = p.addr,
            n = p.net
        );
        let _ = writeln!(psk, "{}\t{}", p.addr, p.key);
    }
    fs.insert(format!("{root}/etc/ipsec.conf"), spd);
    fs.insert(format!("{root}/usr/local/etc/racoon/racoon.conf"), racoon);
    fs.insert(format!("{root}/usr/local/etc/racoon/psk.txt"), psk);
    fs.insert(
        format!("{root}/.mtree"),
        "./usr/local/etc/racoon/psk.txt type=file uname=root mode=0600\n",
    );
}

/// A hub (203.0.113.1) with `n - 51` spokes, and a full mesh of 50 gateways.
pub fn site(n: usize) -> MemoryFs {
    let mut fs = MemoryFs::default();
    let spokes = n.saturating_sub(51);
    let spoke = |i: usize| {
        let (a, b) = (i / 250, i % 250 + 1);
        (
            format!("198.51.{a}.{b}"),
            format!("10.{}.{}.0/24", 1 + a, b),
            format!("10.{}.{}.1", 1 + a, b),
        )
    };
    let key = |a: usize, b: usize| format!("generatedKey{:010}x{:010}", a.min(b), a.max(b));
    let hub_peers: Vec<Peer> = (0..spokes)
        .map(|i| Peer {
            addr: spoke(i).0,
            net: spoke(i).1,
            key: key(i, 1_000_000),
        })
        .collect();
    gateway(
        &mut fs,
        "site/hub",
        "203.0.113.1",
        "10.0.0.0/24",
        "10.0.0.1",
        &hub_peers,
    );
    for i in 0..spokes {
        let (addr, lan, lan_gw) = spoke(i);
        let hub = Peer {
            addr: "203.0.113.1".into(),
            net: "10.0.0.0/24".into(),
            key: key(i, 1_000_000),
        };
        gateway(
            &mut fs,
            &format!("site/spoke{i:05}"),
            &addr,
            &lan,
            &lan_gw,
            &[hub],
        );
    }
    let mesh = |m: usize| {
        (
            format!("192.0.2.{}", m + 1),
            format!("172.16.{m}.0/24"),
            format!("172.16.{m}.1"),
        )
    };
    for m in 0..50 {
        let peers: Vec<Peer> = (0..50)
            .filter(|o| *o != m)
            .map(|o| Peer {
                addr: mesh(o).0,
                net: mesh(o).1,
                key: key(2_000_000 + m, 2_000_000 + o),
            })
            .collect();
        let (addr, lan, lan_gw) = mesh(m);
        gateway(
            &mut fs,
            &format!("site/mesh{m:02}"),
            &addr,
            &lan,
            &lan_gw,
            &peers,
        );
    }
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
