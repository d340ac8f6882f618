//! The command line of `flags2_common.py` and its `main`: parse, report,
//! run a strategy, report again.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches, Parser};
use flags_common::{
    Code, DEST_DIR, Server, Site, Tally, expand_cc_args, final_report, http, initial_report,
};
use mock_server::{Plan, Preset, TestServer};

use crate::{Config, Flags2Error};

/// Against the book's public site, at most this many requests at once.
pub const POLITE_CONCUR_REQ: usize = 10;

// ANCHOR: cli
#[derive(Debug, Parser)]
#[command(about = "Download flags for country codes. Default: top 20 countries by population.")]
struct Cli {
    /// Country code or 1st letter (eg. B for BA...BZ)
    #[arg(value_name = "CC")]
    cc: Vec<String>,
    /// Get all available flags (AD to ZW)
    #[arg(short, long)]
    all: bool,
    /// Get flags for every possible code (AA...ZZ)
    #[arg(short, long)]
    every: bool,
    /// Limit to N first codes
    #[arg(short, long, value_name = "N", allow_negative_numbers = true)]
    limit: Option<i64>,
    /// Maximum concurrent requests
    #[arg(
        short,
        long = "max_req",
        value_name = "CONCURRENT",
        allow_negative_numbers = true
    )]
    max_req: Option<i64>,
    /// Server to hit: one of DELAY, ERROR, LOCAL, REMOTE, or a URL [default: a built-in test server]
    #[arg(short, long, value_name = "LABEL")]
    server: Option<String>,
    /// Output detailed progress info
    #[arg(short, long)]
    verbose: bool,
    /// Folder to save the flags in
    #[arg(long, value_name = "DIR", default_value = DEST_DIR)]
    dest: PathBuf,
    /// Client timeout in seconds
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 3.1,
        allow_negative_numbers = true
    )]
    timeout: f64,
    /// Retry transient failures (5xx, timeouts) up to N times, with backoff
    #[arg(long, value_name = "N", default_value_t = 0)]
    retries: u32,
    /// Name each file after its country, from metadata.json (the book's flags3)
    #[arg(long)]
    names: bool,
}
// ANCHOR_END: cli

/// A usage error: printed as the book does, `*** Usage error: …`, exit 2.
struct UsageError(String);

/// The built-in server's plan: the ERROR preset with short delays, so that
/// a first run shows a progress bar, some errors and the report quickly.
pub fn default_plan() -> Plan {
    Plan::preset(Preset::Error)
        .delay(Duration::from_millis(50))
        .jitter(Duration::from_millis(150))
}

/// The book's `main(download_many, default_concur_req, max_concur_req)`.
pub fn main(
    download_many: fn(&Config, &[Code], usize) -> Result<Tally, Flags2Error>,
    default_concur_req: usize,
    max_concur_req: usize,
) -> ExitCode {
    let mut command = Cli::command().mut_arg("max_req", |arg| {
        arg.help(format!(
            "Maximum concurrent requests [default: {default_concur_req}]"
        ))
    });
    let matches = command.get_matches_mut();
    // Rendered after parsing, which names the command after the binary.
    let usage = command.render_usage();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    // Kept alive until the end: dropping it stops the built-in server.
    let mut _server = None;
    let prepared = prepare(cli, default_concur_req, max_concur_req, &mut _server);
    let (config, cc_list, actual_req) = match prepared {
        Ok(prepared) => prepared,
        Err(UsageError(msg)) => {
            eprintln!("*** Usage error: {msg}\n{usage}");
            return ExitCode::from(2);
        }
    };
    print!("{}", initial_report(&config.site, &cc_list, actual_req));
    stop_on_ctrl_c(&config);
    let t0 = Instant::now();
    let counter = match download_many(&config, &cc_list, actual_req) {
        Ok(counter) => counter,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", final_report(&counter, t0.elapsed()));
    if counter.total() > 0 && config.unreachable() == counter.total() {
        println!("{}", http::unreachable_hint(&config.site));
    }
    if config.interrupted() {
        let skipped = cc_list.len() - counter.total();
        eprintln!(
            "Interrupted: {skipped} of {} flags were not attempted.",
            cc_list.len()
        );
        return ExitCode::from(130);
    }
    ExitCode::SUCCESS
}

/// Checks the arguments as `process_args` does, and starts the built-in
/// server when no `--server` is given.
fn prepare(
    cli: Cli,
    default_concur_req: usize,
    max_concur_req: usize,
    server: &mut Option<TestServer>,
) -> Result<(Config, Vec<Code>, usize), UsageError> {
    let max_req = cli.max_req.unwrap_or(default_concur_req as i64);
    if max_req < 1 {
        return Err(UsageError("--max_req CONCURRENT must be >= 1".into()));
    }
    if cli.limit.is_some_and(|n| n < 1) {
        return Err(UsageError("--limit N must be >= 1".into()));
    }
    if !(cli.timeout.is_finite() && cli.timeout > 0.0 && cli.timeout <= 3600.0) {
        return Err(UsageError(
            "--timeout SECS must be > 0 (and at most 3600)".into(),
        ));
    }
    let limit = cli.limit.map(|n| n as usize);
    let cc_list = expand_cc_args(cli.every, cli.all, &cli.cc, limit)
        .map_err(|e| UsageError(e.to_string()))?;
    let site = match &cli.server {
        Some(label) => Site::parse(label).map_err(|e| UsageError(e.to_string()))?,
        None => {
            let started = TestServer::start_builtin(default_plan());
            let site = started.site();
            *server = Some(started);
            site
        }
    };
    let mut actual_req = (max_req as usize).min(max_concur_req).min(cc_list.len());
    if site == Site::from(Server::Remote) && actual_req > POLITE_CONCUR_REQ {
        actual_req = POLITE_CONCUR_REQ;
        eprintln!(
            "REMOTE is the book's public site: at most {POLITE_CONCUR_REQ} requests at once, to be polite."
        );
    }
    let mut config = Config::new(site, cli.dest);
    config.verbose = cli.verbose;
    config.progress = std::io::stderr().is_terminal();
    config.timeout = Duration::from_secs_f64(cli.timeout);
    config.retries = cli.retries;
    config.names = cli.names;
    Ok((config, cc_list, actual_req))
}

/// On Ctrl-C, asks the downloads to stop (those in flight finish, so no
/// file is left half written); a second Ctrl-C exits at once. The handler
/// is in place when this returns.
fn stop_on_ctrl_c(config: &Config) {
    let config = config.clone();
    let (ready, installed) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async move {
            let mut first = Box::pin(tokio::signal::ctrl_c());
            // The handler is installed the first time the future is polled.
            let _ = futures::poll!(&mut first);
            let _ = ready.send(());
            if first.await.is_ok() {
                eprintln!(
                    "\nInterrupted: finishing the downloads in flight (Ctrl-C again to quit now)…"
                );
                config.interrupt();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    });
    let _ = installed.recv();
}
