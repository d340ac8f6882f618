//! What every flags2 strategy shares besides the scheduling: the settings
//! of a run, retries, saving, counting outcomes and the progress bar.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use flags_common::hash::{SplitMix64, fnv1a};
use flags_common::{
    Code, DownloadStatus, FetchError, SaveError, Site, Stop, StopReason, flag_filename, http,
    redact, save_flag,
};
use indicatif::{ProgressBar, ProgressStyle};
use timeline::Recorder;

/// Why one flag was not downloaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Flags2Error {
    /// The request failed: an HTTP error, a timeout, a refused connection,
    /// a body cut short or too large.
    #[error("{0}")]
    Fetch(#[from] FetchError),
    /// The flag could not be saved.
    #[error("{0}")]
    Save(#[from] SaveError),
    /// `metadata.json` had no country name (`--names`).
    #[error("bad metadata.json: {0}")]
    Metadata(String),
    /// The run stopped (Ctrl-C, SIGTERM, a closed stdout, a fatal error)
    /// before this flag was done: it is not counted.
    #[error("interrupted")]
    Interrupted,
    /// The client, thread pool or event loop could not be started.
    #[error("could not start: {0}")]
    Setup(String),
}

impl Flags2Error {
    /// `true` when the run was stopped (Ctrl-C, SIGTERM…) before this flag
    /// was done: not the flag's fault, and not counted.
    pub fn is_interrupted(&self) -> bool {
        match self {
            Flags2Error::Interrupted => true,
            Flags2Error::Fetch(err) => err.is_interrupted(),
            _ => false,
        }
    }
}

/// The settings of a run, and what its downloads share while it runs.
/// Cloning is cheap, and clones share the Ctrl-C flag and the counters.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the flags come from.
    pub site: Site,
    /// Where they are saved.
    pub dest_dir: PathBuf,
    /// Print a line per flag (and no progress bar).
    pub verbose: bool,
    /// Draw the progress bar (on a terminal, when not verbose).
    pub progress: bool,
    /// The client timeout (the book's 3.1 s).
    pub timeout: Duration,
    /// How many times to retry a transient failure (5xx, timeout).
    pub retries: u32,
    /// Name each file after its country, from `metadata.json` (flags3).
    pub names: bool,
    /// The run's stop switch: Ctrl-C, SIGTERM, a closed stdout or a flag
    /// that cannot be saved ends every request, backoff and save to come.
    pub stop: Stop,
    /// Notes every request, for `--timeline`.
    pub timeline: Option<Recorder>,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    unreachable: AtomicUsize,
    /// The save error that stopped the run.
    failure: Mutex<Option<SaveError>>,
}

/// The first wait before a retry; each further retry waits twice as long.
pub const RETRY_BASE: Duration = Duration::from_millis(100);

impl Config {
    /// A quiet run (no lines, no bar) from `site` into `dest_dir`, with the
    /// book's 3.1 s timeout, no retries and a stop switch of its own.
    pub fn new(site: Site, dest_dir: impl Into<PathBuf>) -> Config {
        Config {
            site,
            dest_dir: dest_dir.into(),
            verbose: false,
            progress: false,
            timeout: http::FLAGS2_TIMEOUT,
            retries: 0,
            names: false,
            stop: Stop::new(),
            timeline: None,
            shared: Arc::default(),
        }
    }

    /// Stops the run as Ctrl-C does: the downloads in flight end, those not
    /// started are skipped.
    pub fn interrupt(&self) {
        self.stop.stop(StopReason::Interrupt);
    }

    /// Whether the run is stopped, for whatever reason.
    pub fn interrupted(&self) -> bool {
        self.stop.is_stopped()
    }

    /// The save error that stopped the run, if one did.
    pub fn failure(&self) -> Option<SaveError> {
        self.shared
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many flags failed because the server could not be reached.
    pub fn unreachable(&self) -> usize {
        self.shared.unreachable.load(Ordering::SeqCst)
    }

    /// Prints a per-flag line in verbose mode. A closed stdout stops the run.
    pub fn say(&self, line: impl AsRef<str>) {
        if self.verbose {
            self.stop.print(&format!("{}\n", line.as_ref()));
        }
    }

    /// A 404: the flag does not exist, which is an outcome, not an error.
    pub fn not_found(&self, cc: Code) -> DownloadStatus {
        self.say(format!(
            "{cc} not found: {}",
            redact(&self.site.flag_url(cc))
        ));
        DownloadStatus::NotFound
    }

    /// A blocking client with the run's timeout and stop switch.
    pub fn blocking_client(&self) -> Result<http::BlockingClient, Flags2Error> {
        let client = http::blocking_client(&self.site.base_url, self.timeout, &self.stop)?;
        Ok(match &self.timeline {
            Some(timeline) => client.recording(timeline),
            None => client,
        })
    }

    /// An async client with the run's timeout and stop switch.
    pub fn async_client(&self) -> Result<http::Client, Flags2Error> {
        let client = http::async_client(&self.site.base_url, self.timeout, &self.stop)?;
        Ok(match &self.timeline {
            Some(timeline) => client.recording(timeline),
            None => client,
        })
    }

    // ANCHOR: progress_bar
    /// A progress bar over `len` downloads, on stderr like tqdm: drawn only
    /// on a terminal, and never in verbose mode. End it with `abandon()`:
    /// like tqdm's, it stays on screen where it stopped.
    pub fn progress_bar(&self, len: usize) -> ProgressBar {
        if !self.progress || self.verbose {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len as u64);
        bar.set_style(
            ProgressStyle::with_template("{percent:>3}%|{wide_bar}| {pos}/{len} [{stats}]")
                .expect("the template is valid")
                // tqdm's times and rate: `00:02<00:00,  8.21it/s`.
                .with_key(
                    "stats",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let len = state.len().unwrap_or(0);
                        let stats = tqdm_stats(state.pos(), len, state.elapsed(), state.per_sec());
                        let _ = w.write_str(&stats);
                    },
                )
                .progress_chars("█▉▊▋▌▍▎▏ "),
        );
        bar
    }
    // ANCHOR_END: progress_bar
    // ANCHOR_END: progress_bar

    /// If `err` is worth another try and tries are left, how long to wait
    /// first. With no `--retries` (the book's default) it is never worth
    /// another try, and the backoff below is never asked.
    pub fn retry_wait(&self, cc: Code, attempt: u32, err: &FetchError) -> Option<Duration> {
        if attempt >= self.retries || self.interrupted() {
            return None;
        }
        self.backoff(cc, attempt, err)
    }

    // ANCHOR: retry_wait
    /// If `err` is transient (a 5xx or a timeout), how long to wait before
    /// the next try: exponential backoff (0.1 s, 0.2 s, 0.4 s…) with a
    /// jitter of ±50 %, so that clients that failed together do not retry
    /// together. The jitter comes from a hash of the code and the attempt,
    /// so a run can be replayed. Anything else is not worth another try.
    pub fn backoff(&self, cc: Code, attempt: u32, err: &FetchError) -> Option<Duration> {
        let transient = match err {
            FetchError::Status { status, .. } => (500..600).contains(status),
            FetchError::Timeout { .. } => true,
            _ => false,
        };
        if !transient {
            return None;
        }
        let backoff = RETRY_BASE * 2u32.saturating_pow(attempt.min(10));
        let seed = fnv1a(cc.as_str().as_bytes()) ^ u64::from(attempt);
        let jitter = 0.5 + SplitMix64::new(seed).unit();
        let wait = backoff.mul_f64(jitter);
        self.say(format!(
            "{cc} retry {}/{} in {:.2}s: {err}",
            attempt + 1,
            self.retries,
            wait.as_secs_f64()
        ));
        Some(wait)
    }
    // ANCHOR_END: retry_wait

    /// Saves a flag as `{cc}.gif`, or after its country with `--names`
    /// (`Congo_(Kinshasa).gif`), atomically; nothing once the run is
    /// stopped. An error that every other flag would meet too (the folder
    /// cannot be written, the disk is full) stops the run: one message, not
    /// 194 errors.
    pub fn save(
        &self,
        cc: Code,
        image: &Bytes,
        country: Option<&str>,
    ) -> Result<PathBuf, Flags2Error> {
        if self.interrupted() {
            return Err(Flags2Error::Interrupted);
        }
        let filename = match country {
            Some(country) => format!("{}.gif", country.replace(' ', "_")),
            None => flag_filename(cc),
        };
        save_flag(image, &self.dest_dir, &filename).map_err(|err| {
            if err.is_fatal() {
                let mut failure = self
                    .shared
                    .failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if failure.is_none() && self.stop.stop(StopReason::Failed) {
                    *failure = Some(err.clone());
                }
            }
            err.into()
        })
    }

    /// Notes an error the final report may have to explain: a server that
    /// could not be reached at all.
    pub fn note_error(&self, err: &Flags2Error) {
        if matches!(err, Flags2Error::Fetch(e) if e.is_connect()) {
            self.shared.unreachable.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// What tqdm prints between the brackets: elapsed<remaining, then the
/// rate: `00:02<00:00,  8.21it/s`, or `s/it` under one a second. As in
/// tqdm, the remaining time is the items left at the current rate, and
/// both are `?` before the first item.
fn tqdm_stats(pos: u64, len: u64, elapsed: Duration, per_sec: f64) -> String {
    let elapsed = tqdm_interval(elapsed.as_secs_f64());
    if !(per_sec.is_finite() && per_sec > 0.0) {
        return format!("{elapsed}<?, ?it/s");
    }
    let remaining = tqdm_interval(len.saturating_sub(pos) as f64 / per_sec);
    // tqdm's `{rate:5.2f}`: at least five characters, padded on the left.
    let rate = if per_sec < 1.0 {
        format!("{:5.2}s/it", 1.0 / per_sec)
    } else {
        format!("{per_sec:5.2}it/s")
    };
    format!("{elapsed}<{remaining}, {rate}")
}

/// tqdm's `format_interval`: whole seconds as `MM:SS`, or `H:MM:SS` from
/// an hour on.
fn tqdm_interval(secs: f64) -> String {
    let secs = secs as u64; // tqdm's int(t): truncated, not rounded
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// The country name in a flag's `metadata.json`.
pub fn parse_country(json: &[u8]) -> Result<String, Flags2Error> {
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| Flags2Error::Metadata(e.to_string()))?;
    value["country"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Flags2Error::Metadata("no \"country\" field".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let mut config = Config::new(Site::new("TEST", "http://127.0.0.1:1/flags"), "unused");
        config.retries = 3;
        config
    }

    fn cc(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    #[test]
    fn only_5xx_and_timeouts_are_retried_with_growing_waits() {
        let config = config();
        let status = |status| FetchError::Status {
            status,
            reason: "",
            url: String::new(),
        };
        let timeout = FetchError::Timeout { url: String::new() };
        assert!(config.retry_wait(cc("BD"), 0, &status(404)).is_none());
        assert!(config.retry_wait(cc("BD"), 0, &status(418)).is_none());
        let waits: Vec<Duration> = (0..3)
            .map(|attempt| config.retry_wait(cc("BD"), attempt, &status(503)).unwrap())
            .collect();
        for (attempt, wait) in waits.iter().enumerate() {
            let base = RETRY_BASE * 2u32.pow(attempt as u32);
            assert!(
                *wait >= base / 2 && *wait <= base * 3 / 2,
                "{attempt}: {wait:?}"
            );
        }
        assert!(config.retry_wait(cc("BD"), 0, &timeout).is_some());
        assert!(
            config.retry_wait(cc("BD"), 3, &timeout).is_none(),
            "no tries left"
        );
        config.interrupt();
        assert!(
            config.retry_wait(cc("BD"), 0, &timeout).is_none(),
            "not after Ctrl-C"
        );
    }

    #[test]
    fn the_country_names_the_file() {
        assert_eq!(
            parse_country(br#"{"country": "Congo (Kinshasa)", "iso_cc": "CD"}"#).unwrap(),
            "Congo (Kinshasa)"
        );
        assert!(parse_country(b"{}").is_err());
        assert!(parse_country(b"<html>").is_err());
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::new(Site::new("TEST", "http://x/flags"), tmp.path());
        let path = config
            .save(
                cc("CD"),
                &Bytes::from_static(b"GIF89a"),
                Some("Congo (Kinshasa)"),
            )
            .unwrap();
        assert_eq!(path.file_name().unwrap(), "Congo_(Kinshasa).gif");
        let err = config
            .save(cc("XX"), &Bytes::from_static(b"GIF89a"), Some("../evil"))
            .unwrap_err();
        assert!(matches!(err, Flags2Error::Save(_)), "{err}");
    }

    #[test]
    fn a_save_error_every_flag_would_meet_stops_the_run() {
        let tmp = tempfile::tempdir().unwrap();
        let gif = Bytes::from_static(b"GIF89a");
        // A bad name is that flag's problem only.
        let fine = Config::new(Site::new("TEST", "http://x/flags"), tmp.path());
        assert!(fine.save(cc("XX"), &gif, Some("../evil")).is_err());
        assert!(!fine.interrupted());
        // A file where the folder should be: every save would fail.
        let in_the_way = tmp.path().join("flags");
        std::fs::write(&in_the_way, b"a file").unwrap();
        let config = Config::new(Site::new("TEST", "http://x/flags"), &in_the_way);
        let err = config.save(cc("BD"), &gif, None).unwrap_err();
        assert!(
            matches!(err, Flags2Error::Save(SaveError::CreateDir { .. })),
            "{err}"
        );
        assert_eq!(config.stop.reason(), Some(StopReason::Failed));
        assert_eq!(
            config.failure().map(|e| e.to_string()),
            Some(err.to_string())
        );
        let after = config.save(cc("BR"), &gif, None).unwrap_err();
        assert!(matches!(after, Flags2Error::Interrupted), "{after}");
    }

    #[test]
    fn counting_skips_interrupted_flags_and_notes_unreachable_ones() {
        use crate::sequential::count;
        use flags_common::Tally;
        let config = config();
        let mut counter = Tally::default();
        count(&config, &mut counter, cc("BD"), Ok(DownloadStatus::Ok));
        count(
            &config,
            &mut counter,
            cc("BC"),
            Ok(DownloadStatus::NotFound),
        );
        let refused = FetchError::Connect {
            url: String::new(),
            reason: "refused".into(),
        };
        count(&config, &mut counter, cc("BR"), Err(refused.into()));
        let teapot = FetchError::Status {
            status: 418,
            reason: "I'm a Teapot",
            url: String::new(),
        };
        count(&config, &mut counter, cc("AQ"), Err(teapot.into()));
        count(
            &config,
            &mut counter,
            cc("CN"),
            Err(Flags2Error::Interrupted),
        );
        let stopped = FetchError::Interrupted { url: String::new() };
        count(&config, &mut counter, cc("US"), Err(stopped.into()));
        assert_eq!((counter.ok, counter.not_found, counter.error), (1, 1, 2));
        assert_eq!(config.unreachable(), 1, "the refused one only");
    }

    #[test]
    fn the_bar_reads_as_tqdm_s() {
        // A finished run: 20 flags in 2.436 s.
        let secs = Duration::from_millis(2436);
        assert_eq!(
            tqdm_stats(20, 20, secs, 20.0 / secs.as_secs_f64()),
            "00:02<00:00,  8.21it/s"
        );
        assert_eq!(tqdm_stats(5, 20, secs, 250.0), "00:02<00:00, 250.00it/s");
        // Under one a second, the seconds per item; remaining 15 × 2.5 s.
        assert_eq!(
            tqdm_stats(5, 20, Duration::from_secs(12), 0.4),
            "00:12<00:37,  2.50s/it"
        );
        // Past an hour, H:MM:SS; before the first item, no rate.
        assert_eq!(
            tqdm_stats(0, 676, Duration::from_secs(3725), 0.0),
            "1:02:05<?, ?it/s"
        );
        assert_eq!(tqdm_interval(59.99), "00:59");
        assert_eq!(tqdm_interval(36_000.0), "10:00:00");
    }

    /// A terminal 60 columns wide that keeps what is drawn on it.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            60
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.0.lock().unwrap().clear();
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_abandoned_bar_stays_drawn_in_tqdm_s_format() {
        let mut config = config();
        config.progress = true;
        let screen = Screen::default();
        // An hour in, nothing done: the one line that does not depend on
        // when the test runs (the rate would).
        let bar = config
            .progress_bar(20)
            .with_elapsed(Duration::from_secs(3725));
        bar.set_draw_target(indicatif::ProgressDrawTarget::term_like(Box::new(
            screen.clone(),
        )));
        bar.abandon();
        // The bar fills the terminal's 60 columns, as tqdm's does.
        let line = screen.0.lock().unwrap().trim_end_matches('\n').to_owned();
        let empty_bar = " ".repeat(30);
        assert_eq!(line, format!("  0%|{empty_bar}| 0/20 [1:02:05<?, ?it/s]"));
        config.verbose = true;
        assert!(
            config.progress_bar(20).is_hidden(),
            "no bar in verbose mode"
        );
    }
}
