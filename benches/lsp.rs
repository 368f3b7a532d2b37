//! The language server: time from a `didChange` to its `publishDiagnostics`
//! for the edited file, in process over a duplex, with the debounce set to
//! 0 so that the figure is the server's own work (buffer, scope, `lint()`,
//! the views and their merge, the JSON).
//!
//! Each edit toggles the DH group of the edited gateway's first remote, so a
//! tunnel breaks and is mended in turn: findings appear on the pair, then
//! clear. Workspaces (on disk, in a temporary directory, as an editor has
//! them): a pair; a pair whose west racoon.conf has 5,000 lines; the
//! 100-gateway site of `benches/site.rs` (a hub with 49 spokes and a
//! 50-gateway mesh), edited at a spoke, at the hub and at a mesh gateway,
//! and saved (which checks the whole site, for comparison). Figures go in
//! BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[path = "support/site.rs"]
mod generated;
#[path = "../tests/common/lsp_client.rs"]
mod lsp_client;

use lsp_client::{uri, Client};

/// A workspace written to a temporary directory; `root` is its site.
struct Workspace {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Workspace {
    fn write(fill: impl FnOnce(&mut dyn FnMut(String, String))) -> Workspace {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let base = tmp.path().canonicalize().expect("its real path");
        fill(&mut generated::to_disk(&base));
        Workspace {
            root: base.join("site"),
            _tmp: tmp,
        }
    }

    fn racoon(&self, gateway: &str) -> PathBuf {
        self.root
            .join(gateway)
            .join("usr/local/etc/racoon/racoon.conf")
    }
}

fn peer(addr: &str, net: &str) -> generated::Peer {
    generated::Peer {
        addr: addr.into(),
        net: net.into(),
        key: "benchPairKey0123456789".into(),
    }
}

/// West and east; west also has `extra` remotes with no gateway in the
/// workspace (a hub whose other spokes live elsewhere).
fn pair(extra: usize) -> Workspace {
    Workspace::write(|fs| {
        let mut west = vec![peer("203.0.113.2", "10.2.0.0/24")];
        west.extend((0..extra).map(|i| {
            let (a, b) = (i / 250, i % 250 + 1);
            peer(
                &format!("198.51.{a}.{b}"),
                &format!("10.{}.{b}.0/24", 100 + a),
            )
        }));
        generated::gateway(
            fs,
            "site/west",
            "203.0.113.1",
            "10.1.0.0/24",
            "10.1.0.1",
            &west,
        );
        generated::gateway(
            fs,
            "site/east",
            "203.0.113.2",
            "10.2.0.0/24",
            "10.2.0.1",
            &[peer("203.0.113.1", "10.1.0.0/24")],
        );
    })
}

/// An open editor on `file`, the whole site checked once.
struct Session {
    rt: tokio::runtime::Runtime,
    client: Client,
    file: PathBuf,
    text: String,
    version: i64,
    /// How many diagnostics the healthy file has.
    baseline: usize,
}

impl Session {
    fn open(ws: &Workspace, file: PathBuf) -> Session {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let text = std::fs::read_to_string(&file).expect("the edited file");
        let (client, baseline) = rt.block_on(async {
            let mut c = Client::start().await;
            c.initialize_with(&ws.root, json!({}), json!({"debounceMs": 0}))
                .await;
            c.open(&file).await;
            let first = c.diagnostics_until(&uri(&file), |_| true).await;
            // Only notes (IPS6001: a peer outside the workspace) are expected.
            let notes = first.iter().filter(|d| d["severity"] == 3).count();
            assert_eq!(notes, first.len(), "a healthy workspace");
            (c, first.len())
        });
        Session {
            rt,
            client,
            file,
            text,
            version: 1,
            baseline,
        }
    }

    /// One edit and its diagnostics; returns the time between them.
    fn edit(&mut self) -> Duration {
        self.version += 1;
        let broken = self.version % 2 == 0;
        let text = if broken {
            self.text
                .replacen("dh_group modp2048;", "dh_group modp1024;", 1)
        } else {
            self.text.clone()
        };
        let (file, version, baseline) = (self.file.clone(), self.version, self.baseline);
        let c = &mut self.client;
        self.rt.block_on(async move {
            c.queue.clear();
            let start = Instant::now();
            c.change_all(&file, version, &text).await;
            let d = c
                .diagnostics_until(&uri(&file), |d| (d.len() > baseline) == broken)
                .await;
            let took = start.elapsed();
            assert_eq!(d.len() > baseline, broken);
            took
        })
    }

    /// A save, which checks the whole site; returns the time to the
    /// edited file's diagnostics.
    fn save(&mut self) -> Duration {
        let file = self.file.clone();
        let c = &mut self.client;
        self.rt.block_on(async move {
            c.queue.clear();
            let start = Instant::now();
            c.notify(
                "textDocument/didSave",
                json!({"textDocument": {"uri": uri(&file)}}),
            )
            .await;
            c.diagnostics_until(&uri(&file), |_| true).await;
            start.elapsed()
        })
    }
}

fn timed(s: &mut Session, iters: u64, step: fn(&mut Session) -> Duration) -> Duration {
    (0..iters).map(|_| step(s)).sum()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("lsp didChange to publishDiagnostics");
    g.sample_size(20);

    let two = pair(0);
    let mut s = Session::open(&two, two.racoon("west"));
    g.bench_function("2 gateways", |b| {
        b.iter_custom(|n| timed(&mut s, n, Session::edit))
    });
    drop(s);

    // 15 lines per remote and its sainfo, plus the two header lines.
    let big = pair(5_000 / 15);
    let lines = std::fs::read_to_string(big.racoon("west"))
        .expect("west")
        .lines()
        .count();
    assert!((5_000..5_100).contains(&lines), "{lines} lines");
    let mut s = Session::open(&big, big.racoon("west"));
    g.bench_function("2 gateways, west racoon.conf of 5,000 lines", |b| {
        b.iter_custom(|n| timed(&mut s, n, Session::edit))
    });
    drop(s);

    let hub = Workspace::write(|fs| generated::site(100, fs));
    for (name, gateway) in [
        ("100 gateways, edit a spoke (2 checked)", "spoke00000"),
        ("100 gateways, edit the hub (50 checked)", "hub"),
        ("100 gateways, edit a mesh gateway (50 checked)", "mesh00"),
    ] {
        let mut s = Session::open(&hub, hub.racoon(gateway));
        g.bench_function(name, |b| b.iter_custom(|n| timed(&mut s, n, Session::edit)));
    }
    let mut s = Session::open(&hub, hub.racoon("spoke00000"));
    g.bench_function("100 gateways, save (whole site checked)", |b| {
        b.iter_custom(|n| timed(&mut s, n, Session::save))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
