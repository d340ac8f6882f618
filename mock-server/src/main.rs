//! The test servers of the book, seeded: LOCAL, DELAY and ERROR on ports
//! 8000, 8001 and 8002 at once, or one preset on a port of your choice.
//!
//! ```text
//! $ cargo run -p mock-server                       # all three, like the book
//! $ cargo run -p mock-server -- --preset delay --port 9001 --seed 7 --quiet
//! $ cargo run -p mock-server -- --dir ~/flags      # serve the book's flags.zip, unzipped
//! $ cargo run -p mock-server -- truth error --seed 7   # the ground truth: code, status, delay in ms
//! ```

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use flags_common::Code;
use mock_server::{FlagSet, Plan, Preset};

#[derive(Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve flags (the default).
    Serve(ServeArgs),
    /// Print the ground truth of a plan: one line per code (AA to ZZ) with
    /// its first status and delay in ms.
    Truth(TruthArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Serve one preset (LOCAL, DELAY, ERROR) instead of all three.
    #[arg(long, value_name = "PRESET")]
    preset: Option<Preset>,
    /// Port for --preset (default: the book's, 8000, 8001 or 8002).
    #[arg(long, requires = "preset")]
    port: Option<u16>,
    /// Address to listen on; anything but loopback exposes the server.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Do not log a line per request.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    knobs: Knobs,
}

#[derive(Args)]
struct TruthArgs {
    /// The preset: LOCAL, DELAY or ERROR.
    preset: Preset,
    /// Also print, on stderr, the ideal time to fetch all 676 codes with
    /// this many workers (requests capped at --timeout).
    #[arg(long, value_name = "N")]
    ideal_workers: Option<usize>,
    /// The client timeout for --ideal-workers, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3.1)]
    timeout: f64,
    #[command(flatten)]
    knobs: Knobs,
}

/// Knobs on top of a preset.
#[derive(Args)]
struct Knobs {
    /// Seed of every delay and fault.
    #[arg(long)]
    seed: Option<u64>,
    /// Base delay of every flag request, in ms.
    #[arg(long, value_name = "MS")]
    delay_ms: Option<u64>,
    /// Up to this much more delay per path, seeded, in ms.
    #[arg(long, value_name = "MS")]
    jitter_ms: Option<u64>,
    /// Fraction of flags (0 to 1) that answer the error status.
    #[arg(long, value_name = "RATE", value_parser = rate)]
    error_rate: Option<f64>,
    /// Status of the error flags.
    #[arg(long, value_name = "STATUS", value_parser = clap::value_parser!(u16).range(400..=599))]
    error_status: Option<u16>,
    /// Fraction of flags (0 to 1) whose requests stall.
    #[arg(long, value_name = "RATE", value_parser = rate)]
    stall_rate: Option<f64>,
    /// How long a stalled request is held, in ms.
    #[arg(long, value_name = "MS")]
    stall_ms: Option<u64>,
    /// Fraction of flags (0 to 1) whose first request answers 503.
    #[arg(long, value_name = "RATE", value_parser = rate)]
    transient_rate: Option<f64>,
    /// Serve a folder laid out like the book's flags.zip ({cc}/{cc}.gif,
    /// {cc}/metadata.json) instead of the generated flags.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

fn rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!(
            "{s:?} is not a rate: give a number from 0 to 1, like 0.25"
        )),
    }
}

impl Knobs {
    fn plan(&self, preset: Preset) -> anyhow::Result<Plan> {
        let ms = Duration::from_millis;
        let mut plan = Plan::preset(preset);
        if let Some(dir) = &self.dir {
            plan = plan.flags(Arc::new(FlagSet::from_dir(dir)?));
        }
        if let Some(seed) = self.seed {
            plan = plan.seed(seed);
        }
        if let Some(delay) = self.delay_ms {
            plan = plan.delay(ms(delay));
        }
        if let Some(jitter) = self.jitter_ms {
            plan = plan.jitter(ms(jitter));
        }
        if let Some(rate) = self.error_rate {
            plan = plan.error_rate(rate);
        }
        if let Some(status) = self.error_status {
            plan = plan.error_status(status);
        }
        if let Some(rate) = self.stall_rate {
            plan = plan.stall_rate(rate);
        }
        if let Some(stall) = self.stall_ms {
            plan = plan.stall(ms(stall));
        }
        if let Some(rate) = self.transient_rate {
            plan = plan.transient_rate(rate);
        }
        Ok(plan)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Truth(args)) => truth(&args),
        Some(Command::Serve(args)) => serve(args),
        None => serve(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line with every cause, never a backtrace.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn truth(args: &TruthArgs) -> anyhow::Result<()> {
    let plan = args.knobs.plan(args.preset)?;
    let mut out = String::new();
    for cc in Code::every() {
        let expected = plan.expected(cc);
        out.push_str(&format!(
            "{cc} {} {}\n",
            expected.status,
            expected.delay.as_millis()
        ));
    }
    print!("{out}");
    if let Some(workers) = args.ideal_workers {
        let timeout = Duration::try_from_secs_f64(args.timeout)
            .context("--timeout must be a positive number of seconds")?;
        let every: Vec<Code> = Code::every().collect();
        let ideal = plan.ideal_time_within(&every, workers, timeout);
        eprintln!(
            "ideal time for the 676 codes with {workers} workers and a {:.1}s timeout: {:.2}s",
            timeout.as_secs_f64(),
            ideal.as_secs_f64()
        );
    }
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let servers: Vec<(Preset, u16)> = match args.preset {
        Some(preset) => vec![(preset, args.port.unwrap_or(preset.port()))],
        None => Preset::ALL.iter().map(|&p| (p, p.port())).collect(),
    };
    let runtime = tokio::runtime::Runtime::new().context("could not start the tokio runtime")?;
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (preset, port) in servers {
            let plan = args.knobs.plan(preset)?;
            let listener = tokio::net::TcpListener::bind((args.bind, port))
                .await
                .with_context(|| {
                    format!(
                        "could not listen on {}:{port}: is another mock-server running? \
                         Stop it, or pick a port with --preset {preset} --port PORT",
                        args.bind
                    )
                })?;
            let addr = listener.local_addr()?;
            eprintln!("{preset:<6} http://{addr}/flags  {}", plan.describe());
            tasks.spawn(mock_server::serve(listener, Arc::new(plan), args.quiet));
        }
        if !args.bind.is_loopback() {
            eprintln!(
                "warning: listening on {}, not loopback: other machines can reach it",
                args.bind
            );
        }
        eprintln!("Press Ctrl-C to stop.");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => Ok(()),
            Some(result) = tasks.join_next() => {
                result.context("a server task failed")?.context("a server stopped")
            }
        }
    })
}
