//! A site of generated gateways checked as a whole (discovery, every file's
//! front end, the gateway model and the checks across each gateway's files).
//! Files are held in memory so that the figure is ipseclint's own work.
//! Figures go in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::source::MemoryFs;

/// One hub (203.0.113.1, LAN 10.0.0.0/24) and `n` spokes, each a snapshot
/// gateway with rc.conf, ipsec.conf, racoon.conf, psk.txt and .mtree.
pub fn site(n: usize) -> MemoryFs {
    let mut fs = MemoryFs::default();
    for i in 0..n {
        let (a, b) = (i / 250, i % 250 + 1);
        let me = format!("198.51.{a}.{b}");
        let lan = format!("10.{}.{}.0/24", 1 + a, b);
        let root = format!("site/spoke{i:05}");
        fs.insert(
            format!("{root}/etc/rc.conf"),
            format!(
                "hostname=\"spoke{i}.example.net\"\nifconfig_em0=\"inet {me}/24\"\nifconfig_em1=\"inet 10.{}.{}.1/24\"\ndefaultrouter=\"198.51.{a}.254\"\ngateway_enable=\"YES\"\nipsec_enable=\"YES\"\nipsec_file=\"/etc/ipsec.conf\"\nracoon_enable=\"YES\"\n",
                1 + a,
                b
            ),
        );
        fs.insert(
            format!("{root}/etc/ipsec.conf"),
            format!(
                "flush;\nspdflush;\nspdadd {lan} 10.0.0.0/24 any -P out ipsec esp/tunnel/{me}-203.0.113.1/require;\nspdadd 10.0.0.0/24 {lan} any -P in ipsec esp/tunnel/203.0.113.1-{me}/require;\n"
            ),
        );
        fs.insert(
            format!("{root}/usr/local/etc/racoon/racoon.conf"),
            format!(
                "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";\nlog notify;\nremote 203.0.113.1 {{\n\texchange_mode main;\n\tlifetime time 8 hour;\n\tproposal {{\n\t\tencryption_algorithm aes 256;\n\t\thash_algorithm sha256;\n\t\tauthentication_method pre_shared_key;\n\t\tdh_group modp2048;\n\t}}\n}}\nsainfo address {lan} any address 10.0.0.0/24 any {{\n\tpfs_group modp2048;\n\tencryption_algorithm aes 256;\n\tauthentication_algorithm hmac_sha256;\n\tcompression_algorithm deflate;\n}}\n"
            ),
        );
        fs.insert(
            format!("{root}/usr/local/etc/racoon/psk.txt"),
            format!("203.0.113.1\tgeneratedKey{i:020}\n"),
        );
        fs.insert(
            format!("{root}/.mtree"),
            "./etc/rc.conf type=file uname=root mode=0644\n./usr/local/etc/racoon/psk.txt type=file uname=root mode=0600\n",
        );
    }
    fs
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("site");
    g.sample_size(10);
    for n in [100usize, 1_000] {
        let fs = site(n);
        let inputs = vec![Input {
            path: "site".into(),
        }];
        g.bench_with_input(BenchmarkId::new("gateways", n), &n, |b, _| {
            b.iter(|| {
                let r = lint(&inputs, &fs, &LintOptions::default());
                assert!(r.db.files().len() >= 4 * n);
                r
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
