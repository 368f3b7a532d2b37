//! Peak memory and wall time of the whole check, as the CLI runs it: read the
//! file from disk, lint, render the human report.
//!
//! Peak memory is the kernel's VmHWM, read from `/proc/self/status` by a
//! child process (this bench binary run again with `IPSECLINT_PEAK_OF` set),
//! so the bench's own allocations never count. The value criterion prints
//! under "time" is that peak, in bytes. Figures go in BENCHMARKS.md.

// The CLI's allocator, so the figures are the CLI's (see src/main.rs).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::source::DiskFs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/peers.rs"]
mod peers;

const CHILD: &str = "IPSECLINT_PEAK_OF";

/// The inputs: the 10,000-peer file, and a 12 MB file of one-line statements.
fn inputs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let write = |name: &str, text: String| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).expect("bench dir");
        let p = d.join("racoon.conf");
        std::fs::write(&p, text).expect("bench file");
        p
    };
    vec![
        ("10k peers", write("peers", peers::racoon_conf(10_000))),
        (
            "1M log lines",
            write("lines", "log notify;\n".repeat(1_000_000)),
        ),
    ]
}

/// What `ipseclint FILE` does, without the process around it.
fn check(path: &Path) -> usize {
    let inputs = [Input {
        path: path.to_path_buf(),
    }];
    let report = lint(&inputs, &DiskFs, &LintOptions::default());
    ipseclint::render::human::render(&report, false).len()
}

/// In the child: check the file, then print the peak resident set in bytes.
fn child(path: &Path) {
    std::hint::black_box(check(path));
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    println!("{}", kb * 1024);
}

fn peak_of(path: &Path) -> u64 {
    let exe = std::env::current_exe().expect("bench executable");
    let out = Command::new(exe)
        .env(CHILD, path)
        .output()
        .expect("run the bench child");
    assert!(out.status.success(), "child failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("child prints a byte count")
}

/// A "measurement" that is the child's peak memory, not a time.
struct PeakMemory;

impl Measurement for PeakMemory {
    type Intermediate = ();
    type Value = u64;
    fn start(&self) {}
    fn end(&self, _: ()) -> u64 {
        0
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Bytes
    }
}

struct Bytes;

impl ValueFormatter for Bytes {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        values.iter_mut().for_each(|v| *v /= 1024.0 * 1024.0);
        "MiB peak"
    }
    fn scale_throughputs(&self, _: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        // Peak memory over input size: the "at most 10x".
        if let Throughput::Bytes(n) = t {
            values.iter_mut().for_each(|v| *v /= *n as f64);
        }
        "x input size"
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "bytes"
    }
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("ipseclint-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("bench dir");
    d
}

fn peak_memory(c: &mut Criterion<PeakMemory>) {
    let dir = dir();
    let mut g = c.benchmark_group("peak memory (VmHWM)");
    // One child run per sample: the peak does not vary with the iteration count.
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    for (name, path) in inputs(&dir) {
        let size = std::fs::metadata(&path).map_or(1, |m| m.len());
        g.throughput(Throughput::Bytes(size));
        g.bench_with_input(BenchmarkId::from_parameter(name), &path, |b, p| {
            b.iter_custom(|iters| (0..iters).map(|_| peak_of(p)).sum())
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn wall_time(c: &mut Criterion) {
    let dir = dir();
    let mut g = c.benchmark_group("whole check (read, lint, render)");
    g.sample_size(10);
    for (name, path) in inputs(&dir) {
        g.bench_with_input(BenchmarkId::from_parameter(name), &path, |b, p| {
            b.iter(|| check(p))
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = memory;
    config = Criterion::default()
        .with_measurement(PeakMemory)
        .warm_up_time(std::time::Duration::from_millis(1));
    targets = peak_memory
}
criterion_group!(time, wall_time);

fn main() {
    if let Some(path) = std::env::var_os(CHILD) {
        return child(Path::new(&path));
    }
    memory();
    time();
    Criterion::default().configure_from_args().final_summary();
}
