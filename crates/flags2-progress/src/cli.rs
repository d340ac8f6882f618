//! The command line of `flags2_common.py` and its `main`: parse, report,
//! run a strategy, report again.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches, Parser};
use flags_common::{
    Code, DEST_DIR, Site, Stop, StopReason, Tally, expand_cc_args, final_report, http,
    initial_report, on_signals, prepare_dest,
};
#[cfg(feature = "builtin-server")]
use mock_server::{Plan, Preset, TestServer};
use timeline::{Recorder, Target};

use crate::{Config, Flags2Error};

/// Against the book's public site, at most this many requests at once.
pub const POLITE_CONCUR_REQ: usize = 10;

/// The most `--retries` accepts: the backoff of the last is then about
/// 100 s, already more than anyone waits for a flag.
pub const MAX_RETRIES: u32 = 10;

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
    /// Server to hit: one of DELAY, ERROR, LOCAL, REMOTE, or a URL [default: a built-in test server, if built with it]
    #[arg(short, long, value_name = "LABEL")]
    server: Option<String>,
    /// Output detailed progress info
    #[arg(short, long)]
    verbose: bool,
    /// Folder to save the flags in
    #[arg(long, value_name = "DIR", default_value = DEST_DIR)]
    dest: PathBuf,
    /// Client timeout in seconds, for the whole of each request
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 3.1,
        allow_negative_numbers = true
    )]
    timeout: f64,
    /// Retry transient failures (5xx, timeouts) up to N times (at most 10), with backoff
    #[arg(long, value_name = "N", default_value_t = 0)]
    retries: u32,
    /// Name each file after its country, from metadata.json (the book's flags3)
    #[arg(long)]
    names: bool,
    /// Draw the requests on a timeline, after the report: an SVG file, or - for the terminal
    #[arg(long, value_name = "FILE.svg|-")]
    timeline: Option<String>,
}
// ANCHOR_END: cli

/// A usage error: printed as the book does, `*** Usage error: …`, exit 2.
struct UsageError(String);

/// The built-in server's plan: the ERROR preset with short delays, so that
/// a first run shows a progress bar, some errors and the report quickly.
#[cfg(feature = "builtin-server")]
pub fn default_plan() -> Plan {
    Plan::preset(Preset::Error)
        .delay(Duration::from_millis(50))
        .jitter(Duration::from_millis(150))
}

/// The book's `main(download_many, default_concur_req, max_concur_req)`.
///
/// Ctrl-C or SIGTERM stops the run at once, whatever it waits for (a
/// request, a retry's backoff, a flag's turn), prints the report with the
/// partial counts and exits with 130 or 143; a closed stdout ends it
/// quietly, with 141. A flag that cannot be saved for a reason every other
/// flag would share stops the run with that message and exit status 1.
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
    // Before anything else, so that no signal finds the run defenceless.
    let stop = Stop::new();
    if let Err(err) = on_signals(&stop) {
        eprintln!("warning: Ctrl-C and SIGTERM will kill the run outright ({err})");
    }
    // Kept alive until the end: dropping it stops the built-in server.
    let mut builtin = None;
    let prepared = prepare(cli, default_concur_req, max_concur_req, &mut builtin);
    let (mut config, cc_list, actual_req, target) = match prepared {
        Ok(prepared) => prepared,
        Err(UsageError(msg)) => {
            eprintln!("*** Usage error: {msg}\n{usage}");
            return ExitCode::from(2);
        }
    };
    config.stop = stop;
    if !config
        .stop
        .print(&initial_report(&config.site, &cc_list, actual_req))
    {
        return ExitCode::from(StopReason::StdoutClosed.exit_code());
    }
    let t0 = Instant::now();
    let counter = match download_many(&config, &cc_list, actual_req) {
        Ok(counter) => counter,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = report(&config, &cc_list, &counter, t0.elapsed());
    let (Some(target), Some(timeline)) = (target, &config.timeline) else {
        return code;
    };
    if config.stop.reason() == Some(StopReason::StdoutClosed) {
        return code;
    }
    // The built-in server's plan gives the ideal schedule to draw beside.
    let ideal = ideal_beside(builtin.as_ref(), &cc_list, actual_req, config.timeout);
    match target.draw(&timeline.timeline(), ideal.as_ref()) {
        Ok(()) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The final report, and the exit status: what stopped the run, if anything.
fn report(config: &Config, cc_list: &[Code], counter: &Tally, elapsed: Duration) -> ExitCode {
    let stop = &config.stop;
    stop.print(&final_report(counter, elapsed));
    if counter.total() > 0 && config.unreachable() == counter.total() {
        stop.print(&format!(
            "{}\n",
            http::unreachable_hint(&config.site, cfg!(feature = "builtin-server"))
        ));
    }
    let not_done = cc_list.len() - counter.total();
    match stop.reason() {
        None => ExitCode::SUCCESS,
        Some(StopReason::StdoutClosed) => ExitCode::from(StopReason::StdoutClosed.exit_code()),
        Some(StopReason::Failed) => {
            if let Some(err) = config.failure() {
                eprintln!("error: {err}");
            }
            eprintln!(
                "The run stopped at the first flag it could not save ({not_done} of {} not \
                 downloaded): every other flag would have failed the same way.",
                cc_list.len()
            );
            ExitCode::FAILURE
        }
        // A signal after the last flag: the run was done.
        Some(_) if not_done == 0 => ExitCode::SUCCESS,
        Some(reason) => {
            let n = cc_list.len();
            let flags = if n == 1 { "flag" } else { "flags" };
            eprintln!(
                "{}: {not_done} of {n} {flags} not downloaded.",
                reason.describe()
            );
            ExitCode::from(reason.exit_code())
        }
    }
}

/// Checks the arguments as `process_args` does, gets `--dest` ready (a
/// folder that cannot take flags is a usage error, found before any
/// request), and starts the built-in server when no `--server` is given.
fn prepare(
    cli: Cli,
    default_concur_req: usize,
    max_concur_req: usize,
    builtin: &mut Option<Builtin>,
) -> Result<(Config, Vec<Code>, usize, Option<Target>), UsageError> {
    let max_req = cli.max_req.unwrap_or(default_concur_req as i64);
    if max_req < 1 {
        return Err(UsageError("--max_req CONCURRENT must be >= 1".into()));
    }
    if cli.limit.is_some_and(|n| n < 1) {
        return Err(UsageError("--limit N must be >= 1".into()));
    }
    if !(cli.timeout.is_finite()
        && cli.timeout > 0.0
        && cli.timeout <= http::MAX_TIMEOUT.as_secs_f64())
    {
        return Err(UsageError(
            "--timeout SECS must be > 0 (and at most 3600)".into(),
        ));
    }
    if cli.retries > MAX_RETRIES {
        return Err(UsageError(format!(
            "--retries N must be at most {MAX_RETRIES} (the last backoff is then about 100 s)"
        )));
    }
    let limit = cli.limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let cc_list = expand_cc_args(cli.every, cli.all, &cli.cc, limit)
        .map_err(|e| UsageError(e.to_string()))?;
    let site = match &cli.server {
        Some(label) => Some(Site::parse(label).map_err(|e| UsageError(e.to_string()))?),
        None => None,
    };
    let target = match &cli.timeline {
        Some(value) => {
            Some(Target::parse(value).map_err(|e| UsageError(format!("--timeline: {e}")))?)
        }
        None => None,
    };
    if let Some(refused) = site
        .as_ref()
        .and_then(|s| flags_common::refuse_timeline(s, target.as_ref()))
    {
        return Err(UsageError(refused));
    }
    match prepare_dest(&cli.dest) {
        Ok(0) => {}
        Ok(n) => eprintln!(
            "Removed {n} temporary file{} that a killed run left in {}.",
            if n == 1 { "" } else { "s" },
            cli.dest.display()
        ),
        Err(err) => return Err(UsageError(err.to_string())),
    }
    let site = match site {
        Some(site) => site,
        None => start_builtin(builtin).map_err(|missing| UsageError(missing.to_owned()))?,
    };
    let max_req = usize::try_from(max_req).unwrap_or(usize::MAX);
    let actual_req = concurrency(&site, max_req, max_concur_req, cc_list.len());
    let mut config = Config::new(site, cli.dest);
    config.verbose = cli.verbose;
    config.progress = std::io::stderr().is_terminal();
    config.timeout = Duration::from_secs_f64(cli.timeout);
    config.retries = cli.retries;
    config.names = cli.names;
    config.timeline = target.as_ref().map(|_| Recorder::new());
    Ok((config, cc_list, actual_req, target))
}

/// The built-in test server, kept by `main` while the run lasts; a build
/// without it (the `builtin-server` feature off) never has one.
#[cfg(feature = "builtin-server")]
type Builtin = TestServer;
#[cfg(not(feature = "builtin-server"))]
enum Builtin {}

/// Starts the built-in test server into `builtin`; its site. Built without
/// it, `--server` is required.
fn start_builtin(builtin: &mut Option<Builtin>) -> Result<Site, &'static str> {
    #[cfg(feature = "builtin-server")]
    {
        let started = TestServer::start_builtin(default_plan());
        let site = started.site();
        *builtin = Some(started);
        Ok(site)
    }
    #[cfg(not(feature = "builtin-server"))]
    {
        let _ = builtin;
        Err(flags_common::NO_BUILTIN_SERVER)
    }
}

/// The built-in server's ideal schedule for the run, if it was used.
fn ideal_beside(
    builtin: Option<&Builtin>,
    cc_list: &[Code],
    concur_req: usize,
    timeout: Duration,
) -> Option<timeline::Timeline> {
    let builtin = builtin?;
    #[cfg(feature = "builtin-server")]
    return Some(builtin.plan().ideal_timeline(cc_list, concur_req, timeout));
    #[cfg(not(feature = "builtin-server"))]
    {
        let _ = (cc_list, concur_req, timeout);
        match *builtin {}
    }
}

/// The book's `min(max_req, max_concur_req, len(cc_list))`, and never more
/// than [`POLITE_CONCUR_REQ`] against the book's public site, however its
/// URL is written: the cap follows the host, not the label.
fn concurrency(site: &Site, max_req: usize, max_concur_req: usize, codes: usize) -> usize {
    let actual_req = max_req.min(max_concur_req).min(codes);
    if site.is_remote() && actual_req > POLITE_CONCUR_REQ {
        eprintln!(
            "{} is the book's public site: at most {POLITE_CONCUR_REQ} requests at once, to be polite.",
            site.shown_url()
        );
        return POLITE_CONCUR_REQ;
    }
    actual_req
}

#[cfg(test)]
mod tests {
    use super::*;
    use flags_common::Server;

    #[test]
    fn the_politeness_cap_follows_the_host_not_the_label() {
        let local = Site::from(Server::Local);
        assert_eq!(concurrency(&local, 100, 1000, 194), 100);
        for written in [
            "REMOTE",
            "https://www.fluentpython.com/data/flags",
            "http://www.fluentpython.com/data/flags/",
            "https://FLUENTPYTHON.COM/data/flags?x=1",
        ] {
            let site = Site::parse(written).unwrap();
            assert_eq!(
                concurrency(&site, 100, 1000, 194),
                POLITE_CONCUR_REQ,
                "{written}"
            );
            assert_eq!(concurrency(&site, 3, 1000, 194), 3, "{written}");
        }
    }
}
