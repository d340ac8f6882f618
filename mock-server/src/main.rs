//! The test servers of the book, seeded: LOCAL, DELAY and ERROR on ports
//! 8000, 8001 and 8002 at once, or one preset on a port of your choice.
//!
//! ```text
//! $ cargo run -p mock-server                       # all three, like the book
//! $ cargo run -p mock-server -- --preset delay --port 9001 --seed 7 --quiet
//! $ cargo run -p mock-server -- --dir ~/flags      # serve the book's flags.zip, unzipped
//! $ cargo run -p mock-server -- truth error --seed 7   # the ground truth: code, file, status, delay in µs
//! $ cargo run -p mock-server -- truth error -l 5 --names --ideal-workers 3   # a client's codes and requests
//! ```
//!
//! The book's own command lines work too: `slow_server.py 8001` is
//! `mock-server 8001` (the DELAY preset), `slow_server.py 8002 -e .25` is
//! `mock-server 8002 -e .25` (the ERROR server), with `-b ADDRESS` and
//! `-d DIRECTORY` as in the book.
//!
//! Each server draws what it served: `/timeline.svg`, and `/timeline.txt`
//! for a terminal (`curl localhost:8001/timeline.txt`).

use std::io::{self, Write as _};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use flags_common::expand_cc_args;
use mock_server::{ErrorScope, FlagSet, Plan, Preset};

#[derive(Parser)]
#[command(
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "Each server answers /flags/{cc}/{cc}.gif and /flags/{cc}/metadata.json, \
                  and draws the requests it served at /timeline.svg (a picture) and \
                  /timeline.txt (80 columns): `curl localhost:8001/timeline.txt`."
)]
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
    /// Print the ground truth of a plan: one line per first request a
    /// client sends (code, file, status, delay in µs), for the codes a
    /// flags2 client takes.
    Truth(TruthArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Serve one preset on this port, as the book's `slow_server.py 8001`
    /// does: --preset's, or without it DELAY (slow_server.py's; add
    /// `-e .25` for the book's ERROR server).
    #[arg(value_name = "PORT", conflicts_with = "port")]
    book_port: Option<u16>,
    /// Serve one preset (LOCAL, DELAY, ERROR) instead of all three.
    #[arg(long, value_name = "PRESET")]
    preset: Option<Preset>,
    /// Port for --preset (default: the book's, 8000, 8001 or 8002).
    #[arg(long, requires = "preset")]
    port: Option<u16>,
    /// Address to listen on; anything but loopback exposes the server.
    #[arg(long, short, value_name = "ADDRESS", default_value = "127.0.0.1")]
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
    /// The codes, as a flags2 client takes them: codes, or first letters
    /// (B for BA to BZ) [default: the 20 most populous countries].
    #[arg(value_name = "CC")]
    cc: Vec<String>,
    /// The 194 codes with a flag (a client's -a).
    #[arg(short, long)]
    all: bool,
    /// Every code, AA to ZZ (a client's -e; here -e is --error-rate, as in
    /// slow_server.py).
    #[arg(long)]
    every: bool,
    /// The first N codes only (a client's -l N).
    #[arg(short, long, value_name = "N", value_parser = limit, allow_negative_numbers = true)]
    limit: Option<usize>,
    /// Each code's metadata.json too, first, as a client with --names (the
    /// book's flags3) asks for it; the flag follows only a 200.
    #[arg(long)]
    names: bool,
    /// Also print, on stderr, the ideal time to fetch these codes with
    /// this many workers (requests capped at --timeout).
    #[arg(long, value_name = "N", value_parser = workers)]
    ideal_workers: Option<usize>,
    /// The client timeout, in seconds: caps each request in the ideal
    /// time, and with --names a metadata.json answered later gets no flag
    /// request.
    #[arg(long, value_name = "SECS", default_value = "3.1", value_parser = seconds)]
    timeout: Duration,
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
    #[arg(long, value_name = "MS", value_parser = millis)]
    delay_ms: Option<Duration>,
    /// Up to this much more delay per path, seeded, in ms.
    #[arg(long, value_name = "MS", value_parser = millis)]
    jitter_ms: Option<Duration>,
    /// Fraction of flags (0 to 1) that answer the error status.
    #[arg(long, short, value_name = "RATE", value_parser = rate)]
    error_rate: Option<f64>,
    /// Status of the error flags.
    #[arg(long, value_name = "STATUS", value_parser = clap::value_parser!(u16).range(400..=599))]
    error_status: Option<u16>,
    /// Which codes the error status falls on: `flags` (the default), or
    /// `any` as in the book's slow_server.py, codes with no flag included.
    #[arg(long, value_name = "SCOPE")]
    error_scope: Option<ErrorScope>,
    /// Fraction of flags (0 to 1) whose requests stall.
    #[arg(long, value_name = "RATE", value_parser = rate)]
    stall_rate: Option<f64>,
    /// How long a stalled request is held, in ms.
    #[arg(long, value_name = "MS", value_parser = millis)]
    stall_ms: Option<Duration>,
    /// Fraction of flags (0 to 1) whose first request answers 503 (a retry
    /// within 5 s of it gets the flag).
    #[arg(long, value_name = "RATE", value_parser = rate)]
    transient_rate: Option<f64>,
    /// Serve a folder laid out like the book's flags.zip ({cc}/{cc}.gif,
    /// {cc}/metadata.json) instead of the generated flags.
    #[arg(long, short, visible_alias = "directory", value_name = "DIR")]
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

/// The longest delay, jitter or stall: ten minutes, far past any client's
/// timeout (and a bound that keeps every deadline a real instant).
const MAX_MS: u64 = 600_000;

fn millis(s: &str) -> Result<Duration, String> {
    match s.parse::<u64>() {
        Ok(ms) if ms <= MAX_MS => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "give a whole number of milliseconds from 0 to {MAX_MS} (ten minutes)"
        )),
    }
}

fn seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 600.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err("give a number of seconds above 0 and at most 600, like the book's 3.1".into()),
    }
}

/// The most workers `--ideal-workers` takes: more than the codes (676 at
/// most) changes nothing.
const MAX_WORKERS: usize = 10_000;

fn workers(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Ok(n),
        _ => Err(format!(
            "give a number of workers from 1 (a sequential client) to {MAX_WORKERS}"
        )),
    }
}

fn limit(s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .map_err(|_| format!("{s:?} is not a number of codes: give 0 or more, like 20"))
}

impl Knobs {
    /// The flags of `--dir`, read once for every preset.
    fn flags(&self) -> anyhow::Result<Option<Arc<FlagSet>>> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        Ok(Some(Arc::new(FlagSet::from_dir(dir)?)))
    }

    fn plan(&self, preset: Preset, flags: Option<&Arc<FlagSet>>) -> Plan {
        let mut plan = Plan::preset(preset);
        if let Some(flags) = flags {
            plan = plan.flags(Arc::clone(flags));
        }
        if let Some(seed) = self.seed {
            plan = plan.seed(seed);
        }
        if let Some(delay) = self.delay_ms {
            plan = plan.delay(delay);
        }
        if let Some(jitter) = self.jitter_ms {
            plan = plan.jitter(jitter);
        }
        if let Some(rate) = self.error_rate {
            plan = plan.error_rate(rate);
        }
        if let Some(status) = self.error_status {
            plan = plan.error_status(status);
        }
        if let Some(scope) = self.error_scope {
            plan = plan.error_scope(scope);
        }
        if let Some(rate) = self.stall_rate {
            plan = plan.stall_rate(rate);
        }
        if let Some(stall) = self.stall_ms {
            plan = plan.stall(stall);
        }
        if let Some(rate) = self.transient_rate {
            plan = plan.transient_rate(rate);
        }
        plan
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
            let _ = writeln!(io::stderr(), "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn truth(args: &TruthArgs) -> anyhow::Result<()> {
    let plan = args.knobs.plan(args.preset, args.knobs.flags()?.as_ref());
    let codes = expand_cc_args(args.every, args.all, &args.cc, args.limit)
        .map_err(|err| anyhow::anyhow!("{:?}: {err}", err.arg))?;
    let mut out = String::new();
    for &cc in &codes {
        for request in plan.first_requests(cc, args.names, args.timeout) {
            let path = request.resource.path();
            let file = path.rsplit('/').next().unwrap_or_default();
            out.push_str(&format!(
                "{cc} {file} {} {}\n",
                request.status,
                request.delay.as_micros()
            ));
        }
    }
    // Not print!: it panics when the reader has gone (`| head -1`).
    if let Err(err) = io::stdout().write_all(out.as_bytes()) {
        if err.kind() != io::ErrorKind::BrokenPipe {
            return Err(err).context("could not write the ground truth");
        }
    }
    if let Some(workers) = args.ideal_workers {
        let timeout = args.timeout;
        let ideal = plan.ideal_time_for(&codes, workers, timeout, args.names);
        let _ = writeln!(
            io::stderr(),
            "ideal time for the {} codes with {workers} workers and a {:.1}s timeout: {:.3}s",
            codes.len(),
            timeout.as_secs_f64(),
            ideal.as_secs_f64()
        );
    }
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let servers: Vec<(Preset, u16)> = match (args.preset, args.book_port.or(args.port)) {
        (Some(preset), port) => vec![(preset, port.unwrap_or(preset.port()))],
        // slow_server.py PORT: the DELAY server, ERROR with -e.
        (None, Some(port)) => vec![(Preset::Delay, port)],
        (None, None) => Preset::ALL.iter().map(|&p| (p, p.port())).collect(),
    };
    // A bad folder fails before anything listens.
    let flags = args.knobs.flags()?;
    let runtime = tokio::runtime::Runtime::new().context("could not start the tokio runtime")?;
    runtime.block_on(async {
        // Listen first, then draw the flags (a fraction of a second): a
        // client started with the server waits in the kernel's queue
        // instead of being refused.
        let mut listeners = Vec::new();
        for (preset, port) in servers {
            let listener = tokio::net::TcpListener::bind((args.bind, port))
                .await
                .map_err(|err| bind_error(&err, args.bind, port, preset))?;
            listeners.push((preset, listener));
        }
        let mut tasks = tokio::task::JoinSet::new();
        let mut banner = String::new();
        for (preset, listener) in listeners {
            let plan = args.knobs.plan(preset, flags.as_ref());
            let addr = listener.local_addr()?;
            banner.push_str(&format!(
                "{preset:<6} http://{addr}/flags  {}\n",
                plan.describe()
            ));
            tasks.spawn(mock_server::serve(listener, Arc::new(plan), args.quiet));
        }
        banner.push_str(&format!(
            "Each draws what it served (its last {} requests) at /timeline.svg, \
             and at /timeline.txt for a terminal.\n",
            timeline::KEPT
        ));
        if !args.bind.is_loopback() {
            banner.push_str(&format!(
                "warning: listening on {}, not loopback: other machines can reach it\n",
                args.bind
            ));
        }
        // Said once every server is accepting: a script may wait for it.
        banner.push_str("Press Ctrl-C to stop.\n");
        let _ = io::stderr().write_all(banner.as_bytes());
        tokio::select! {
            _ = tokio::signal::ctrl_c() => Ok(()),
            Some(result) = tasks.join_next() => {
                result.context("a server task failed")?.context("a server stopped")
            }
        }
    })
}

/// Why a port could not be had, and what to do about it.
fn bind_error(err: &io::Error, addr: IpAddr, port: u16, preset: Preset) -> anyhow::Error {
    let what = match err.kind() {
        io::ErrorKind::AddrInUse => format!(
            "the port is taken: is another mock-server running? \
             Stop it, or pick a port with --preset {preset} --port PORT"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "{addr} is not an address of this machine: \
             leave out --bind to listen on 127.0.0.1, or give one of this machine's addresses"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "ports below 1024 need privileges: pick one from 1024 up, \
             like the book's {}",
            preset.port()
        ),
        _ => "pick another port with --port, or another address with --bind".to_owned(),
    };
    let addr = std::net::SocketAddr::new(addr, port);
    anyhow::anyhow!("could not listen on {addr} ({err}): {what}")
}
