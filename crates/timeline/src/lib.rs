//! # timeline: a run's requests, drawn
//!
//! The chapter's lesson is a picture: sequential requests form a staircase,
//! a pool of 20 runs them side by side, 3 workers run them in rounds, a
//! semaphore of 5 keeps 5 lanes busy. This crate draws it.
//!
//! - [`Recorder`] notes each request's start, end and [`Outcome`] as a run
//!   makes it (the clients' HTTP plumbing and loiter use one);
//! - [`Timeline`] puts the requests in lanes (a request takes the lowest
//!   free lane, so there is one row per request slot) and counts how many
//!   are in flight over time; [`Timeline::ideal`] is the best schedule a
//!   given concurrency allows, for comparison;
//! - [`svg`] and [`text`] draw it, as a picture or for a terminal.
//!
//! The book's chapter: *Benchmarks: reading the table* (`docs/src/benchmarks.md`;
//! `just book` builds it), where each time has its picture.
//!
//! ```text
//! $ cargo run -p flags-seq -- --timeline -
//! BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN
//! 20 flags downloaded in 2.10s
//! actual: 20 requests, at most 1 in flight, 2.10s
//!    1│████ ██ ███ ███ ██ ███ ███ ██ ███ ███ ███ ██ ███ ███ ██ ███ ███ ██ ███ ███│
//!    #│██████████████████████████████████████████████████████████████████████████│
//!      0s                                                                    2.10s
//! █ 200  ▒ 404  ▚ error  ░ stall  ▞ retried  # in flight
//! ```
//!
//! Where the drawing goes is a [`Target`]: `--timeline FILE.svg` or
//! `--timeline -` (the terminal) on the flags binaries and loiter.
#![deny(missing_docs)]

mod svg;
mod text;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use svg::{ideal_svg, svg};
pub use text::{WIDTH, text};

/// How a request ended, as its bar's colour says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// 200: the flag came.
    Ok,
    /// 404: there is no such flag (an outcome, not a failure).
    NotFound,
    /// Any other failure: an error status, a refused connection, a bad body.
    Error,
    /// No answer within the client timeout: the server stalled.
    Stall,
    /// A failure the client tried again (the retry is a bar of its own).
    Retried,
}

impl Outcome {
    /// Every outcome, in the legend's order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Ok,
        Outcome::NotFound,
        Outcome::Error,
        Outcome::Stall,
        Outcome::Retried,
    ];

    /// The legend's name: `200`, `404`, `error`, `stall`, `retried`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "200",
            Outcome::NotFound => "404",
            Outcome::Error => "error",
            Outcome::Stall => "stall",
            Outcome::Retried => "retried",
        }
    }

    /// A failure the client could try again: an error or a stall.
    fn failed(self) -> bool {
        matches!(self, Outcome::Error | Outcome::Stall)
    }
}

/// One request: what it asked for, when, and how it ended. Times are since
/// the start of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What was requested: `bd/bd.gif`, `loiter(3)`.
    pub label: String,
    /// When it was sent.
    pub start: Duration,
    /// When its answer ended (or it failed).
    pub end: Duration,
    /// How it ended.
    pub outcome: Outcome,
}

/// A run's requests, each in its lane: the data the drawings show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The requests, by start time (then end time).
    pub requests: Vec<Request>,
    /// Each request's lane, from 0: parallel to `requests`.
    pub lanes: Vec<usize>,
}

impl Timeline {
    /// Sorts the requests by start and gives each the lowest lane that is
    /// free when it starts (a lane is free again the instant its request
    /// ends). So a sequential run uses one lane, and a run with N requests
    /// in flight at once uses N.
    pub fn new(mut requests: Vec<Request>) -> Timeline {
        requests.sort_by_key(|r| (r.start, r.end));
        // When each lane is next free.
        let mut free_at: Vec<Duration> = Vec::new();
        let lanes = requests
            .iter()
            .map(|r| {
                let lane = match free_at.iter().position(|&at| at <= r.start) {
                    Some(lane) => lane,
                    None => {
                        free_at.push(Duration::ZERO);
                        free_at.len() - 1
                    }
                };
                free_at[lane] = r.end.max(r.start);
                lane
            })
            .collect();
        Timeline { requests, lanes }
    }

    /// The best schedule `workers` lanes allow: each job, in the order
    /// given, starts as soon as a lane is free and takes exactly its
    /// duration (the greedy schedule of `Plan::ideal_time`).
    pub fn ideal(jobs: &[(String, Duration, Outcome)], workers: usize) -> Timeline {
        let chains: Vec<Vec<_>> = jobs.iter().map(|job| vec![job.clone()]).collect();
        Timeline::ideal_chained(&chains, workers)
    }

    /// [`Timeline::ideal`] where a job is a chain of requests, one after the
    /// other in the same worker: flags3's `metadata.json`, then its flag.
    pub fn ideal_chained(chains: &[Vec<(String, Duration, Outcome)>], workers: usize) -> Timeline {
        // When each worker is next free, earliest first.
        let mut free: BinaryHeap<Reverse<Duration>> =
            std::iter::repeat_n(Reverse(Duration::ZERO), workers.max(1)).collect();
        let mut requests = Vec::new();
        for chain in chains {
            let Reverse(mut at) = free.pop().expect("there is at least one worker");
            for (label, took, outcome) in chain {
                requests.push(Request {
                    label: label.clone(),
                    start: at,
                    end: at + *took,
                    outcome: *outcome,
                });
                at += *took;
            }
            free.push(Reverse(at));
        }
        Timeline::new(requests)
    }

    /// How many lanes the requests took: the most that were in flight at once.
    pub fn lane_count(&self) -> usize {
        self.lanes.iter().max().map_or(0, |&lane| lane + 1)
    }

    /// When the last request ended.
    pub fn end(&self) -> Duration {
        (self.requests.iter().map(|r| r.end).max()).unwrap_or_default()
    }

    /// The in-flight count as a step function: `(t, n)` says that from `t`
    /// on, `n` requests were in flight, until the next step. It starts at
    /// `(0, …)` and ends at 0. A request ending at the very instant another
    /// starts is no longer counted, and one that takes no time never is.
    pub fn in_flight(&self) -> Vec<(Duration, usize)> {
        // +1 at each start, -1 at each end; ends first at the same instant.
        let mut events: Vec<(Duration, i8)> = (self.requests.iter())
            .filter(|r| r.end > r.start)
            .flat_map(|r| [(r.start, 1), (r.end, -1)])
            .collect();
        events.sort();
        let mut steps = vec![(Duration::ZERO, 0)];
        let mut count = 0usize;
        for (at, change) in events {
            count = count.saturating_add_signed(isize::from(change));
            match steps.last_mut() {
                Some(last) if last.0 == at => last.1 = count,
                _ => steps.push((at, count)),
            }
        }
        steps.dedup_by(|next, prev| next.1 == prev.1);
        steps
    }

    /// The most requests in flight at once.
    pub fn peak(&self) -> usize {
        self.in_flight().iter().map(|&(_, n)| n).max().unwrap_or(0)
    }

    /// One line that sums it up: `20 requests, at most 3 in flight, 0.700s`
    /// (as many lanes as that most).
    pub fn summary(&self) -> String {
        let n = self.requests.len();
        format!(
            "{n} request{}, at most {} in flight, {}",
            if n == 1 { "" } else { "s" },
            self.peak(),
            seconds(self.end())
        )
    }
}

/// A time to two decimals, and to the millisecond under a second, where
/// 63 ms against an ideal of 50 must not both read `0.05s`.
pub fn seconds(time: Duration) -> String {
    let secs = time.as_secs_f64();
    if secs < 1.0 {
        format!("{secs:.3}s")
    } else {
        format!("{secs:.2}s")
    }
}

/// The most requests a [`Recorder`] keeps: beyond, the oldest are
/// forgotten, so that a long-running server's memory stays bounded.
pub const KEPT: usize = 10_000;

/// Notes each request of a run as it is made, the last [`KEPT`] of them.
/// Cloning is cheap, and clones share the list: hand one to every client
/// and worker.
#[derive(Debug, Clone)]
pub struct Recorder {
    origin: Instant,
    // A std Mutex: held for a push, never across an `.await`.
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder::new()
    }
}

impl Recorder {
    /// A recorder whose clock starts now.
    pub fn new() -> Recorder {
        Recorder {
            origin: Instant::now(),
            requests: Arc::default(),
        }
    }

    /// The time since the recorder started: a request's start, to give
    /// back to [`Recorder::record`] when it ends.
    pub fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// Notes a request that started at `start` and ends now. A failed
    /// request for the same label that came before it is marked
    /// [`Outcome::Retried`]: this one is its retry.
    pub fn record(&self, label: impl Into<String>, start: Duration, outcome: Outcome) {
        let label = label.into();
        let end = self.now();
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tried) = (requests.iter_mut().rev())
            .find(|r| r.label == label && r.outcome.failed() && r.end <= start)
        {
            tried.outcome = Outcome::Retried;
        }
        if requests.len() >= KEPT {
            // Forget the oldest tenth at once: a drain per request would
            // move the whole list every time.
            requests.drain(..KEPT / 10);
        }
        requests.push(Request {
            label,
            start,
            end,
            outcome,
        });
    }

    /// The requests so far, in lanes.
    pub fn timeline(&self) -> Timeline {
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        Timeline::new(requests.clone())
    }
}

/// Where `--timeline` draws: an SVG file, or the terminal (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `--timeline FILE.svg`: a picture.
    Svg(PathBuf),
    /// `--timeline -`: text on stdout, after the report.
    Terminal,
}

impl Target {
    /// Reads a `--timeline` value: `-`, or a file name ending in `.svg` in
    /// a folder that exists. Checked before the run, so that a typo costs
    /// nothing.
    pub fn parse(value: &str) -> Result<Target, String> {
        if value == "-" {
            return Ok(Target::Terminal);
        }
        let path = Path::new(value);
        let is_svg = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("svg"));
        if !is_svg {
            return Err(format!(
                "expected a file name ending in .svg (such as timeline.svg), or - for the \
                 terminal; got {value:?}"
            ));
        }
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Err(format!(
                "the folder {} does not exist: create it first, or write the timeline elsewhere",
                folder.display()
            ));
        }
        Ok(Target::Svg(path.to_owned()))
    }

    /// Draws `actual` (and `ideal` beside it, if given) here: writes the
    /// SVG file, or prints the text on stdout (a closed stdout is no
    /// error: nobody reads any more). The error says what went wrong.
    pub fn draw(&self, actual: &Timeline, ideal: Option<&Timeline>) -> Result<(), String> {
        match self {
            Target::Svg(path) => std::fs::write(path, svg(actual, ideal))
                .map_err(|e| format!("could not write the timeline to {}: {e}", path.display())),
            Target::Terminal => {
                let mut out = io::stdout().lock();
                match out
                    .write_all(text(actual, ideal, WIDTH).as_bytes())
                    .and_then(|()| out.flush())
                {
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                        Err(format!("could not print the timeline: {e}"))
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Svg(path) => write!(f, "{}", path.display()),
            Target::Terminal => f.write_str("the terminal"),
        }
    }
}

/// What a test needs: a request from milliseconds.
#[cfg(test)]
pub(crate) fn request(label: &str, start_ms: u64, end_ms: u64, outcome: Outcome) -> Request {
    Request {
        label: label.into(),
        start: Duration::from_millis(start_ms),
        end: Duration::from_millis(end_ms),
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_request_takes_the_lowest_free_lane() {
        // Given out of order: a long one, then three short ones, two of
        // them overlapping it, the last after a lane has freed.
        let timeline = Timeline::new(vec![
            request("c", 20, 40, Outcome::Ok),
            request("a", 0, 100, Outcome::Ok),
            request("b", 10, 30, Outcome::NotFound),
            request("d", 30, 50, Outcome::Error),
        ]);
        let labels: Vec<&str> = timeline.requests.iter().map(|r| &*r.label).collect();
        assert_eq!(labels, ["a", "b", "c", "d"]);
        // d starts the instant b ends: it takes b's lane.
        assert_eq!(timeline.lanes, [0, 1, 2, 1]);
        assert_eq!(timeline.lane_count(), 3);
        assert_eq!(timeline.end(), ms(100));
    }

    #[test]
    fn in_flight_is_a_step_function() {
        let timeline = Timeline::new(vec![
            request("a", 0, 100, Outcome::Ok),
            request("b", 10, 30, Outcome::Ok),
            request("c", 20, 40, Outcome::Ok),
            request("d", 30, 50, Outcome::Ok),
        ]);
        assert_eq!(
            timeline.in_flight(),
            [
                (ms(0), 1),
                (ms(10), 2),
                (ms(20), 3),
                // b ends as d starts: still 3.
                (ms(40), 2),
                (ms(50), 1),
                (ms(100), 0)
            ]
        );
        assert_eq!(timeline.peak(), 3);
        // A sequential run: one lane, never more than one in flight.
        let seq = Timeline::new(
            (0..5)
                .map(|i| request("x", i * 10, i * 10 + 10, Outcome::Ok))
                .collect(),
        );
        assert_eq!(seq.lanes, [0; 5]);
        assert_eq!(seq.in_flight(), [(ms(0), 1), (ms(50), 0)]);
        assert_eq!(Timeline::default().in_flight(), [(ms(0), 0)]);
        // A request that takes no time is never in flight.
        let instant = Timeline::new(vec![
            request("now", 0, 0, Outcome::Ok),
            request("later", 0, 10, Outcome::Ok),
        ]);
        assert_eq!(instant.in_flight(), [(ms(0), 1), (ms(10), 0)]);
        assert_eq!(Timeline::default().peak(), 0);
    }

    #[test]
    fn twenty_equal_requests_on_three_workers_make_seven_rounds() {
        let jobs: Vec<(String, Duration, Outcome)> = (0..20)
            .map(|i| (format!("r{i}"), ms(100), Outcome::Ok))
            .collect();
        let ideal = Timeline::ideal(&jobs, 3);
        assert_eq!(ideal.lane_count(), 3);
        assert_eq!(ideal.end(), ms(700));
        let starts: Vec<u64> = ideal
            .requests
            .iter()
            .map(|r| r.start.as_millis() as u64)
            .collect();
        let rounds: Vec<u64> = (0..20).map(|i| i / 3 * 100).collect();
        assert_eq!(starts, rounds);
        // Three in flight until the last round, which has two.
        assert_eq!(ideal.in_flight(), [(ms(0), 3), (ms(600), 2), (ms(700), 0)]);
        // One worker: the staircase, the sum of the delays.
        let seq = Timeline::ideal(&jobs, 1);
        assert_eq!((seq.lane_count(), seq.end()), (1, ms(2000)));
        // As many workers as jobs: all at once.
        let all = Timeline::ideal(&jobs, 20);
        assert_eq!((all.lane_count(), all.end(), all.peak()), (20, ms(100), 20));
        assert_eq!(all.summary(), "20 requests, at most 20 in flight, 0.100s");
    }

    #[test]
    fn a_failure_asked_again_is_marked_retried() {
        let recorder = Recorder::new();
        let start = recorder.now();
        recorder.record("bd/bd.gif", start, Outcome::Error);
        recorder.record("cn/cn.gif", start, Outcome::NotFound);
        let again = recorder.now();
        recorder.record("bd/bd.gif", again, Outcome::Ok);
        recorder.record("cn/cn.gif", again, Outcome::NotFound);
        let outcomes: Vec<(String, Outcome)> = (recorder.timeline().requests.into_iter())
            .map(|r| (r.label, r.outcome))
            .collect();
        assert!(outcomes.contains(&("bd/bd.gif".into(), Outcome::Retried)));
        assert!(outcomes.contains(&("bd/bd.gif".into(), Outcome::Ok)));
        // A 404 is an answer, not a failure: asked again, it stays a 404.
        let not_found = outcomes.iter().filter(|(_, o)| *o == Outcome::NotFound);
        assert_eq!(not_found.count(), 2);
    }

    #[test]
    fn a_recorder_keeps_the_latest_requests_only() {
        let recorder = Recorder::new();
        for i in 0..KEPT + 1 {
            recorder.record(format!("r{i}"), recorder.now(), Outcome::Ok);
        }
        let kept = recorder.timeline().requests;
        assert_eq!(kept.len(), KEPT - KEPT / 10 + 1);
        assert_eq!(
            kept.last().map(|r| r.label.clone()),
            Some(format!("r{KEPT}"))
        );
    }

    #[test]
    fn a_target_is_a_dash_or_an_svg_in_a_folder_that_exists() {
        assert_eq!(Target::parse("-"), Ok(Target::Terminal));
        assert_eq!(Target::parse("t.svg"), Ok(Target::Svg("t.svg".into())));
        let missing = Target::parse("/no/such/folder/t.svg").unwrap_err();
        assert!(
            missing.contains("/no/such/folder does not exist"),
            "{missing}"
        );
        let not_svg = Target::parse("t.png").unwrap_err();
        assert!(not_svg.contains("ending in .svg"), "{not_svg}");
    }
}
