//! The `ipseclint` command line.

// jemalloc: a large racoon.conf is thousands of small nodes, and glibc's
// per-thread caches leave a fifth of the heap in holes (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::{Parser, Subcommand, ValueEnum};
use ipseclint::config::{Config, FailOn};
use ipseclint::engine::{lint, Input, LintOptions};
use ipseclint::render;
use ipseclint::rules;
use ipseclint::source::DiskFs;
use ipseclint::Target;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "ipseclint",
    version,
    about = "Check racoon/KAME IPsec gateway configurations before deploying them",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Files or directories to check (racoon.conf, psk.txt, gateway directories).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Lowest severity that makes the exit status 1 [default: error, or ipseclint.toml's `fail-on`].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,

    /// Settings file [default: ipseclint.toml in the current directory or a parent].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,

    /// Read no ipseclint.toml.
    #[arg(long)]
    no_config: bool,

    /// FreeBSD release of the gateways (decides the kernel's IPsec algorithms).
    /// Default: ipseclint.toml's `target`, else each gateway's bin/freebsd-version,
    /// else the newest release.
    #[arg(long, value_enum)]
    target: Option<Target>,

    /// Check a running system: read real file owners and modes (e.g. `ipseclint --live /`).
    #[arg(long)]
    live: bool,

    /// Report only findings that this baseline file (from `--write-baseline`) does not hold.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,

    /// Record the current findings in FILE and exit 0: later runs with `--baseline FILE`
    /// report only new ones.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// Apply every safe fix (missing `;`, a misspelt keyword, a key's trailing
    /// blanks...) to the files, then report what is left.
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    fix: bool,

    /// Print the safe fixes as a unified diff and change nothing (exit 1 when
    /// there is something to fix).
    #[arg(long, conflicts_with = "write_baseline")]
    diff: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a rule's documentation: why it matters, a bad and a good example.
    Explain {
        /// The rule code, e.g. IPS2001.
        code: String,
    },
    /// List every rule with its code, name, default severity and summary.
    Rules,
    /// Run packets through an IPFilter ruleset like `ipftest -b`: one verdict
    /// word per packet (pass, block, nomatch, block return-rst, ...).
    Ipftest(IpftestArgs),
    /// Show each negotiation between two gateways step by step, both ways, as
    /// racoon would log it, each step with the statement that decides it.
    Negotiate {
        /// The first gateway's directory.
        a: PathBuf,
        /// The second gateway's directory.
        b: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TranscriptFormat::Human)]
        format: TranscriptFormat,
        /// The FreeBSD release to check against (default: from each gateway).
        #[arg(long, value_enum)]
        target: Option<Target>,
    },
    /// Run the language server on standard input and output (for editors).
    Lsp {
        /// Accepted for clients that pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TranscriptFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PacketFormat {
    Text,
    Hex,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Snippets with labels (miette), tunnel and pair tables, a summary.
    Human,
    /// The versioned machine format.
    Json,
    /// `file:line:col: severity: message [CODE]` for vim quickfix, ALE, nvim-lint.
    Gcc,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// The site as a Graphviz graph: gateways, and each tunnel direction coloured by its status.
    Dot,
    /// The same graph as a Mermaid flowchart (GitHub renders it in Markdown).
    Mermaid,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Explain { code }) => match rules::by_code(&code) {
            Some(rule) => {
                print!("{}", rules::explain(rule));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("ipseclint: unknown rule code `{code}` (see `ipseclint rules`)");
                ExitCode::from(2)
            }
        },
        Some(Command::Rules) => {
            for r in rules::all() {
                println!(
                    "{}  {:<32} {:<8} {}",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    r.summary
                );
            }
            ExitCode::SUCCESS
        }
        Some(Command::Ipftest(args)) => ipftest(args),
        Some(Command::Negotiate {
            a,
            b,
            format,
            target,
        }) => negotiate(&a, &b, format, target),
        Some(Command::Lsp { .. }) => {
            ipseclint::lsp::serve_stdio();
            ExitCode::SUCCESS
        }
        None => run(&cli),
    }
}

#[derive(clap::Args, Debug)]
struct IpftestArgs {
    /// ipf rules file (`-` reads standard input).
    #[arg(short = 'r', value_name = "RULES")]
    rules: PathBuf,
    /// Packets (default: standard input).
    #[arg(short = 'i', value_name = "PACKETS")]
    input: Option<PathBuf>,
    /// Packet format.
    #[arg(short = 'F', value_enum, default_value_t = PacketFormat::Text)]
    format: PacketFormat,
    /// ipnat rules: parsed and checked (translation is not simulated).
    #[arg(short = 'N', value_name = "NATRULES")]
    nat: Option<PathBuf>,
    /// IPFilter version whose parser and evaluation to follow (3.4, 4.1, 5.1).
    #[arg(long = "ipf-version", default_value = "4.1")]
    ipf_version: String,
    /// Set a tunable, e.g. `-T fr_statemax=3`.
    #[arg(short = 'T', value_name = "NAME=VALUE")]
    tunables: Vec<String>,
    /// Interface for packets that name none (default anon0).
    #[arg(short = 'I', value_name = "IFNAME")]
    iface: Option<String>,
    /// Brief output (the only mode; accepted for compatibility).
    #[arg(short = 'b')]
    brief: bool,
    /// Do not resolve names (accepted for compatibility).
    #[arg(short = 'R')]
    no_resolve: bool,
}

/// Write the output. A reader that went away (`| head`) is not an error;
/// a full disk is.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

/// Read a file, `-` meaning standard input.
fn read_arg(path: &std::path::Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        Ok(s)
    } else {
        let bytes = ipseclint::source::read_regular(path)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn ipftest(a: IpftestArgs) -> ExitCode {
    use ipseclint::model::ipftest::{run, InputFormat, IpftestOptions};
    use ipseclint::syntax::ipf::{nat, IpfVersion};
    let Some(version) = IpfVersion::parse(&a.ipf_version) else {
        eprintln!(
            "ipseclint: unknown IPFilter version `{}` (3.4, 4.1 or 5.1)",
            a.ipf_version
        );
        return ExitCode::from(2);
    };
    let input = a.input.unwrap_or_else(|| PathBuf::from("-"));
    if a.rules.as_os_str() == "-" && input.as_os_str() == "-" {
        eprintln!("ipseclint: rules and packets cannot both come from standard input");
        return ExitCode::from(2);
    }
    let rules = match read_arg(&a.rules) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("ipseclint: {}: {e}", a.rules.display());
            return ExitCode::from(2);
        }
    };
    let packets = match read_arg(&input) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("ipseclint: {}: {e}", input.display());
            return ExitCode::from(2);
        }
    };
    if let Some(n) = &a.nat {
        match read_arg(n) {
            Ok(t) => {
                let parsed = nat::parse(ipseclint::source::FileId(0), &t, version);
                for d in &parsed.diagnostics {
                    let line = t[..d.location.span.start().min(t.len())]
                        .matches('\n')
                        .count()
                        + 1;
                    eprintln!("{}:{line}: {}", n.display(), d.message);
                }
                eprintln!(
                    "ipseclint: {} NAT rules read; address translation is not simulated",
                    parsed.file.rules.len()
                );
            }
            Err(e) => {
                eprintln!("ipseclint: {}: {e}", n.display());
                return ExitCode::from(2);
            }
        }
    }
    let mut opts = IpftestOptions {
        version,
        format: match a.format {
            PacketFormat::Text => InputFormat::Text,
            PacketFormat::Hex => InputFormat::Hex,
        },
        default_iface: a.iface,
        ..Default::default()
    };
    for t in &a.tunables {
        match t.split_once('=') {
            Some((n, v)) => opts.tunables.push((n.to_string(), v.to_string())),
            None => {
                eprintln!("ipseclint: -T wants name=value, got `{t}`");
                return ExitCode::from(2);
            }
        }
    }
    let result = run(&rules, &packets, &opts);
    for e in &result.errors {
        eprintln!("{e}");
    }
    if let Err(e) = write_stdout(&result.output) {
        eprintln!("ipseclint: cannot write the output: {e}");
        return ExitCode::from(2);
    }
    ExitCode::from(result.status.clamp(0, 255) as u8)
}

/// `ipseclint negotiate A B`: the pair's transcript, from the same run as
/// the pairs table.
fn negotiate(a: &Path, b: &Path, format: TranscriptFormat, target: Option<Target>) -> ExitCode {
    let inputs = [a, b].map(|p| Input {
        path: p.to_path_buf(),
    });
    let opts = LintOptions {
        target,
        transcript: true,
        ..Default::default()
    };
    let report = lint(&inputs, &DiskFs, &opts);
    for e in &report.input_errors {
        eprintln!("ipseclint: {}: {}", e.path.display(), e.message);
    }
    let Some(pair) = report.pairs.first() else {
        eprintln!(
            "ipseclint: {} and {} do not refer to each other: there is no negotiation to show",
            a.display(),
            b.display()
        );
        return ExitCode::from(2);
    };
    let out = match format {
        TranscriptFormat::Human => render::transcript::human(&report, pair),
        TranscriptFormat::Json => render::transcript::json(&report, pair),
    };
    if let Err(e) = write_stdout(&report.scrub(&out)) {
        eprintln!("ipseclint: cannot write the output: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn run(cli: &Cli) -> ExitCode {
    if cli.paths.is_empty() {
        eprintln!("ipseclint: no PATH given (try `ipseclint --help`)");
        return ExitCode::from(2);
    }
    let inputs: Vec<Input> = cli
        .paths
        .iter()
        .map(|p| Input { path: p.clone() })
        .collect();
    let config = match (&cli.config, cli.no_config) {
        (Some(path), _) => Config::load(path),
        (None, true) => Ok(Config::default()),
        (None, false) => Config::discover(Path::new(".")),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprint!("ipseclint: {}", e.render());
            return ExitCode::from(2);
        }
    };
    let fail_on = cli.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let opts = LintOptions {
        target: cli.target,
        live: cli.live,
        config,
        focus: Vec::new(),
        transcript: false,
    };
    // Read the baseline first: a bad one is a usage error, before any work.
    let baseline = match &cli.baseline {
        Some(path) => match ipseclint::source::read_regular_utf8(path)
            .map_err(|e| e.to_string())
            .and_then(|t| ipseclint::baseline::parse(&t))
        {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("ipseclint: baseline {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    if cli.diff {
        return print_diff(&inputs, &opts);
    }
    let fixed = cli
        .fix
        .then(|| ipseclint::fix::fix_all(&inputs, DiskFs, &opts));
    if let Some(outcome) = &fixed {
        if let Err(code) = write_fixes(outcome) {
            return code;
        }
    }
    let mut report = match fixed {
        Some(outcome) => outcome.into_remaining(),
        None => lint(&inputs, &DiskFs, &opts),
    };
    for e in &report.input_errors {
        let line = format!("ipseclint: {}: {}", e.path.display(), e.message);
        eprintln!("{}", report.scrub(&line));
    }
    if let Some(path) = &cli.write_baseline {
        let b = ipseclint::baseline::record(&report);
        let text = serde_json::to_string_pretty(&b).expect("a baseline serialises") + "\n";
        if let Err(e) = std::fs::write(path, report.scrub(&text)) {
            eprintln!("ipseclint: cannot write baseline {}: {e}", path.display());
            return ExitCode::from(2);
        }
        eprintln!(
            "ipseclint: recorded {} findings in {}",
            b.findings.len(),
            path.display()
        );
        return if report.input_errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    if let Some(b) = &baseline {
        let known = ipseclint::baseline::filter(&mut report, b);
        if known > 0 {
            eprintln!("ipseclint: {known} findings known to the baseline are not shown");
        }
    }
    let out = match cli.format {
        Format::Json => render::json::render(&report),
        Format::Gcc => render::gcc::render(&report),
        Format::Github => render::github::render(&report),
        Format::Sarif => render::sarif::render(&report),
        Format::Dot => render::graph::dot(&report),
        Format::Mermaid => render::graph::mermaid(&report),
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::human::render(&report, color)
        }
    };
    // The last net: no known key leaves, whatever a renderer did.
    if let Err(e) = write_stdout(&report.scrub(&out)) {
        eprintln!("ipseclint: cannot write the output: {e}");
        return ExitCode::from(2);
    }
    if !report.input_errors.is_empty() {
        return ExitCode::from(2);
    }
    let failed = fail_on
        .threshold()
        .is_some_and(|t| report.diagnostics.iter().any(|d| d.severity >= t));
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--diff`: the fixes as a unified diff, nothing written.
fn print_diff(inputs: &[Input], opts: &LintOptions) -> ExitCode {
    let outcome = ipseclint::fix::fix_all(inputs, DiskFs, opts);
    for e in &outcome.first.input_errors {
        let line = format!("ipseclint: {}: {}", e.path.display(), e.message);
        eprintln!("{}", outcome.first.scrub(&line));
    }
    if let Err(e) = write_stdout(&ipseclint::fix::diff(&outcome)) {
        eprintln!("ipseclint: cannot write the output: {e}");
        return ExitCode::from(2);
    }
    match (
        outcome.first.input_errors.is_empty(),
        outcome.changed.is_empty(),
    ) {
        (false, _) => ExitCode::from(2),
        (true, true) => ExitCode::SUCCESS,
        (true, false) => ExitCode::from(1),
    }
}

/// `--fix`: write each fixed file back, in place.
fn write_fixes(outcome: &ipseclint::fix::Outcome) -> Result<(), ExitCode> {
    let mut failed = false;
    for c in &outcome.changed {
        match ipseclint::source::write_back(&c.real, &c.before, &c.after) {
            Ok(()) => eprintln!(
                "ipseclint: fixed {} finding{} in {}",
                c.fixes,
                if c.fixes == 1 { "" } else { "s" },
                c.path.display()
            ),
            Err(e) => {
                eprintln!("ipseclint: cannot fix {}: {e}", c.path.display());
                failed = true;
            }
        }
    }
    if failed {
        Err(ExitCode::from(2))
    } else {
        Ok(())
    }
}
