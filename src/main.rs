//! The `ipseclint` command line.

use clap::{Parser, Subcommand, ValueEnum};
use ipseclint::diagnostic::Severity;
use ipseclint::engine::{lint, Input, LintOptions, Target};
use ipseclint::render;
use ipseclint::rules;
use ipseclint::source::DiskFs;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
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

    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,

    /// FreeBSD release of the gateways (decides the kernel's IPsec algorithms).
    /// Default: each gateway's bin/freebsd-version, else the newest release.
    #[arg(long, value_enum)]
    target: Option<Target>,

    /// Check a running system: read real file owners and modes (e.g. `ipseclint --live /`).
    #[arg(long)]
    live: bool,
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
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
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
        None => run(&cli),
    }
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
    let opts = LintOptions {
        target: cli.target,
        live: cli.live,
    };
    let report = lint(&inputs, &DiskFs, &opts);
    for e in &report.input_errors {
        eprintln!("ipseclint: {}: {}", e.path.display(), e.message);
    }
    let out = match cli.format {
        Format::Json => render::json::render(&report),
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::human::render(&report, color)
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if !report.input_errors.is_empty() {
        return ExitCode::from(2);
    }
    let failed = cli
        .fail_on
        .threshold()
        .is_some_and(|t| report.diagnostics.iter().any(|d| d.severity >= t));
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
