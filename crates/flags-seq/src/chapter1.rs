//! What the chapter-1 scripts share besides the download itself: where to
//! download from and save to, the command line, and the book's `main`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use flags_common::{
    Code, DEST_DIR, FetchError, SaveError, Site, Stop, StopReason, http, on_signals, prepare_dest,
};
#[cfg(feature = "builtin-server")]
use mock_server::{Plan, Preset, TestServer};
use timeline::{Recorder, Target};

/// Where to download from and where to save: the book's `BASE_URL` and
/// `DEST_DIR`, plus the client timeout, the run's stop switch and where the
/// codes are shown.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server, with its base URL.
    pub site: Site,
    /// The folder the flags are saved in.
    pub dest_dir: PathBuf,
    /// The client timeout: the book's 6.1 s for the whole of each request.
    pub timeout: Duration,
    /// Thrown by Ctrl-C, SIGTERM or a closed stdout: every request ends.
    pub stop: Stop,
    /// Where [`Config::show`] writes: `None` prints to stdout.
    shown: Option<Arc<Mutex<Vec<Code>>>>,
    /// Notes every request, for `--timeline`.
    pub timeline: Option<Recorder>,
}

impl Config {
    /// Downloads from `site` into `dest_dir`, showing codes on stdout, with
    /// the book's 6.1 s timeout.
    pub fn new(site: Site, dest_dir: impl Into<PathBuf>) -> Config {
        Config {
            site,
            dest_dir: dest_dir.into(),
            timeout: http::CHAPTER1_TIMEOUT,
            stop: Stop::new(),
            shown: None,
            timeline: None,
        }
    }

    /// Records the codes shown instead of printing them, for tests and
    /// benchmarks; the list is in the order they were shown.
    pub fn recording(mut self) -> (Config, Arc<Mutex<Vec<Code>>>) {
        let shown = Arc::new(Mutex::new(Vec::new()));
        self.shown = Some(Arc::clone(&shown));
        (self, shown)
    }

    /// Whether output goes to stdout (not recorded).
    pub fn prints(&self) -> bool {
        self.shown.is_none()
    }

    /// Shows that a flag landed: prints `CC ` at once, or records it.
    pub fn show(&self, cc: Code) {
        match &self.shown {
            None => flags_common::show(&self.stop, cc.as_str()),
            Some(shown) => shown.lock().unwrap_or_else(|e| e.into_inner()).push(cc),
        }
    }

    /// Prints a line on stdout, unless recording. A closed stdout stops
    /// the run.
    pub fn say(&self, line: &str) {
        if self.prints() {
            self.stop.print(&format!("{line}\n"));
        }
    }

    /// A blocking client with the run's timeout and stop switch.
    pub fn blocking_client(&self) -> Result<http::BlockingClient, DownloadError> {
        let client = http::blocking_client(&self.site.base_url, self.timeout, &self.stop)
            .map_err(DownloadError::Setup)?;
        Ok(match &self.timeline {
            Some(timeline) => client.recording(timeline),
            None => client,
        })
    }

    /// An async client with the run's timeout and stop switch.
    pub fn async_client(&self) -> Result<http::Client, DownloadError> {
        let client = http::async_client(&self.site.base_url, self.timeout, &self.stop)
            .map_err(DownloadError::Setup)?;
        Ok(match &self.timeline {
            Some(timeline) => client.recording(timeline),
            None => client,
        })
    }
}

/// Why a chapter-1 run stopped. The book's scripts stop at the first error;
/// flags2 is where errors are counted and survived.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DownloadError {
    /// A flag could not be fetched.
    #[error("{cc}: {err}")]
    Fetch {
        /// The flag's code.
        cc: Code,
        /// Why.
        err: FetchError,
    },
    /// A flag could not be saved.
    #[error("{cc}: {err}")]
    Save {
        /// The flag's code.
        cc: Code,
        /// Why.
        err: SaveError,
    },
    /// The client could not be built.
    #[error("{0}")]
    Setup(FetchError),
    /// The thread pool or runtime could not be started.
    #[error("could not start the workers: {0}")]
    Workers(String),
}

impl DownloadError {
    /// A fetch error for `cc`.
    pub fn fetch(cc: Code, err: FetchError) -> DownloadError {
        DownloadError::Fetch { cc, err }
    }

    /// A save error for `cc`.
    pub fn save(cc: Code, err: SaveError) -> DownloadError {
        DownloadError::Save { cc, err }
    }

    /// Whether the server could not be reached at all.
    pub fn is_connect(&self) -> bool {
        matches!(self, DownloadError::Fetch { err, .. } if err.is_connect())
    }
}

/// The command line of the chapter-1 scripts.
#[derive(Debug, Parser)]
#[command(version)]
pub struct Args {
    /// LOCAL, DELAY, ERROR, REMOTE (any case) or a base URL such as
    /// http://127.0.0.1:8001/flags. Default: a built-in test server (when
    /// built with the default `builtin-server` feature).
    #[arg(long, short, value_parser = Site::parse)]
    pub server: Option<Site>,
    /// The folder to save the flags in.
    #[arg(long, value_name = "DIR", default_value = DEST_DIR)]
    pub dest: PathBuf,
    /// The client timeout, for the whole of each request [default: 6.1]
    #[arg(long, value_name = "SECS", value_parser = http::parse_timeout)]
    pub timeout: Option<Duration>,
    /// Draw the requests on a timeline, after the report: an SVG file, or -
    /// for the terminal
    #[arg(long, value_name = "FILE.svg|-", value_parser = Target::parse)]
    pub timeline: Option<Target>,
}

/// The built-in server's plan: DELAY-like, a fixed 100 ms a flag, no faults,
/// so that the contrast between the variants shows and every run is alike.
#[cfg(feature = "builtin-server")]
pub fn default_plan() -> Plan {
    Plan::preset(Preset::Delay)
        .delay(Duration::from_millis(100))
        .jitter(Duration::ZERO)
}

/// The book's `main(download_many)`: parses the command line, then [`run`].
pub fn main(
    download_many: impl FnOnce(&Config, &[Code]) -> Result<Vec<Code>, DownloadError>,
) -> ExitCode {
    run(Args::parse(), download_many)
}

/// Starts the built-in test server unless `--server` names one, downloads
/// the 20 flags of `POP20_CC` with `download_many` and prints the count and
/// time. For binaries with options of their own ([`Args`] flattened).
///
/// Before any request, `--dest` must take files (exit status 2 if not).
/// Ctrl-C or SIGTERM ends the run at once, whatever it waits for, and exits
/// with 130 or 143; a closed stdout ends it quietly, with 141. No partial
/// or temporary file is left either way.
pub fn run(
    args: Args,
    download_many: impl FnOnce(&Config, &[Code]) -> Result<Vec<Code>, DownloadError>,
) -> ExitCode {
    let stop = Stop::new();
    if let Err(err) = on_signals(&stop) {
        eprintln!("warning: Ctrl-C and SIGTERM will kill the run outright ({err})");
    }
    match prepare_dest(&args.dest) {
        Ok(0) => {}
        Ok(n) => eprintln!(
            "Removed {n} temporary file{} that a killed run left in {}.",
            if n == 1 { "" } else { "s" },
            args.dest.display()
        ),
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    }
    if let Some(refused) = args
        .server
        .as_ref()
        .and_then(|site| flags_common::refuse_timeline(site, args.timeline.as_ref()))
    {
        eprintln!("error: {refused}");
        return ExitCode::from(2);
    }
    // Kept alive until the end of `main`: dropping it stops the server.
    let (site, builtin) = match site_or_builtin(args.server) {
        Ok(started) => started,
        Err(missing) => {
            eprintln!("error: {missing}");
            return ExitCode::from(2);
        }
    };
    let mut config = Config::new(site, args.dest);
    config.stop = stop;
    config.timeout = args.timeout.unwrap_or(http::CHAPTER1_TIMEOUT);
    config.timeline = args.timeline.as_ref().map(|_| Recorder::new());
    let result = flags_common::main(&config.stop, &flags_common::pop20(), |cc_list| {
        download_many(&config, cc_list).map(|done| done.len())
    });
    let code = match (result, config.stop.reason()) {
        (Ok(_), None) => ExitCode::SUCCESS,
        (_, Some(StopReason::StdoutClosed)) => ExitCode::from(StopReason::StdoutClosed.exit_code()),
        // A signal after the last flag: the run was done.
        (Ok(_), Some(_)) => ExitCode::SUCCESS,
        (Err(_), Some(reason)) => {
            eprintln!(
                "{}: the run stopped before all the flags were downloaded; those saved are whole.",
                reason.describe()
            );
            ExitCode::from(reason.exit_code())
        }
        (Err(err), None) => {
            // The codes shown so far end without a newline.
            config.stop.print("\n");
            eprintln!("error: {err}");
            if err.is_connect() {
                eprintln!(
                    "{}",
                    http::unreachable_hint(&config.site, cfg!(feature = "builtin-server"))
                );
            } else if matches!(err, DownloadError::Fetch { .. }) {
                eprintln!(
                    "(chapter 1 stops at the first error, as the book's scripts do; flags2 counts errors and goes on)"
                );
            }
            ExitCode::FAILURE
        }
    };
    if config.stop.reason() == Some(StopReason::StdoutClosed) {
        return code;
    }
    let drawn = match (&args.timeline, &config.timeline) {
        (Some(target), Some(recorded)) => {
            let actual = recorded.timeline();
            let ideal = ideal_beside(builtin.as_ref(), &actual, config.timeout);
            target.draw(&actual, ideal.as_ref())
        }
        _ => Ok(()),
    };
    match drawn {
        Ok(()) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The built-in test server; a build without it (the `builtin-server`
/// feature off) never has one.
#[cfg(feature = "builtin-server")]
type Builtin = TestServer;
#[cfg(not(feature = "builtin-server"))]
enum Builtin {}

/// The site `--server` names, or else a built-in test server, started
/// here and returned with it: dropping it stops the server. Built without
/// it, `--server` is required.
fn site_or_builtin(server: Option<Site>) -> Result<(Site, Option<Builtin>), &'static str> {
    if let Some(site) = server {
        return Ok((site, None));
    }
    #[cfg(feature = "builtin-server")]
    {
        let server = TestServer::start_builtin(default_plan());
        Ok((server.site(), Some(server)))
    }
    #[cfg(not(feature = "builtin-server"))]
    Err(flags_common::NO_BUILTIN_SERVER)
}

/// The built-in server's ideal schedule for the flags `actual` asked for,
/// in the order it asked, at the most it kept in flight: the best that this
/// variant's concurrency allows (a chapter-1 run does not know its own).
fn ideal_beside(
    builtin: Option<&Builtin>,
    actual: &timeline::Timeline,
    timeout: Duration,
) -> Option<timeline::Timeline> {
    let builtin = builtin?;
    let codes: Vec<Code> = (actual.requests.iter())
        .filter_map(|request| Code::parse(request.label.split('/').next()?).ok())
        .collect();
    #[cfg(feature = "builtin-server")]
    return Some(
        builtin
            .plan()
            .ideal_timeline(&codes, actual.peak(), timeout),
    );
    #[cfg(not(feature = "builtin-server"))]
    {
        let _ = (codes, timeout);
        match *builtin {}
    }
}
