//! # loiter: `Executor.map` yields results in submission order
//!
//! A port of the book's `demo_executor_map.py` (Fluent Python, 2nd edition
//! ch. 20 "Concurrent Executors"; 1st edition ch. 17). Five calls of
//! [`loiter`], which does nothing for `n` seconds, go to a pool of three
//! workers with [`Executor::map`]; [`run`] then prints each result as the
//! lazy iterator hands it over.
//!
//! The book's chapter: *Executor.map and loiter* (`docs/src/executor-map.md`; `just book` builds it).
//!
//! ## Sample run
//!
//! ```text
//! $ cargo run -p loiter
//! [06:32:59] Script starting.
//! [06:32:59] results: <lazy iterator Executor::map at 0x7ffd4ef8a8a8>
//! [06:32:59] Waiting for individual results:
//! [06:32:59] loiter(0): doing nothing for 0s...
//! [06:32:59] loiter(0): done.
//! [06:32:59] 	loiter(1): doing nothing for 1s...
//! [06:32:59] result 0: 0
//! [06:32:59] 		loiter(2): doing nothing for 2s...
//! [06:32:59] 			loiter(3): doing nothing for 3s...
//! [06:33:00] 	loiter(1): done.
//! [06:33:00] 				loiter(4): doing nothing for 4s...
//! [06:33:00] result 1: 10
//! [06:33:01] 		loiter(2): done.
//! [06:33:01] result 2: 20
//! [06:33:02] 			loiter(3): done.
//! [06:33:02] result 3: 30
//! [06:33:04] 				loiter(4): done.
//! [06:33:04] result 4: 40
//! ```
//!
//! Run it with `cargo run -p loiter`, or faster with `cargo run -p loiter --
//! --unit-ms 100`: `--unit-ms` sets how long one of the demo's seconds lasts.
//! The messages still say `3s`, in the book's seconds, whatever the unit.
//! The clock is the wall clock's `HH:MM:SS` in UTC (the book's is local
//! time; UTC needs no time-zone database).
//!
//! ## The lesson
//!
//! [`Executor::map`] schedules all five calls at once but yields their
//! results in submission order. `loiter(0)` is instant, so `result 0` comes
//! at once, and its worker picks up `loiter(3)`; `result 1` must wait for
//! `loiter(1)`, a whole unit. `loiter(4)` starts only when `loiter(1)` frees
//! a worker at t=1, so it ends at t=5: the run takes about 5 units, not the
//! 10 that running the calls one after another would take. Had `loiter(4)`
//! been submitted first, every result would have waited 4 units for it.
#![deny(missing_docs)]
// The sample run above is the program's real output, tabs and all.
#![allow(clippy::tabs_in_doc_comments)]

use concurrent_futures::Executor;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use timeline::{Outcome, Recorder, Timeline};

/// The book's pool size: fewer workers than calls, so some calls wait.
pub const MAX_WORKERS: usize = 3;

/// Where the demo prints, shared by the main thread and the workers.
///
/// Why a `Mutex`: the threads print at the same time, and each line must
/// come out whole, not interleaved with another thread's.
pub type Out = Arc<Mutex<dyn Write + Send>>;

/// The wall clock's time of day, `HH:MM:SS`, in UTC.
pub fn clock(now: SystemTime) -> String {
    // A clock set before 1970 is not worth failing the demo over.
    let seconds = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Prints `[HH:MM:SS] message` as one whole line, and flushes it so that it
/// shows at once, in the order the threads printed.
pub fn display(out: &Mutex<dyn Write + Send>, message: &str) -> io::Result<()> {
    let line = format!("[{}] {message}\n", clock(SystemTime::now()));
    // Nothing panics while printing under this lock, so poison means nothing.
    let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
    out.write_all(line.as_bytes())?;
    out.flush()
}

// ANCHOR: loiter
/// Does nothing for `n` units, saying so, indented by `n` tabs so that each
/// call has its own column; returns `n * 10`.
pub fn loiter(n: u32, unit: Duration, out: &Out) -> io::Result<u32> {
    let tabs = "\t".repeat(n as usize);
    display(
        out,
        &format!("{tabs}loiter({n}): doing nothing for {n}s..."),
    )?;
    thread::sleep(unit * n);
    display(out, &format!("{tabs}loiter({n}): done."))?;
    Ok(n * 10)
}
// ANCHOR_END: loiter

// ANCHOR: main
/// The demo: maps [`loiter`] over `0..5` on [`MAX_WORKERS`] threads and
/// prints each result as it arrives, in order.
pub fn run(unit: Duration, out: Out) -> io::Result<()> {
    display(&out, "Script starting.")?;
    let executor = Executor::new(MAX_WORKERS).map_err(io::Error::other)?;
    let worker_out = Arc::clone(&out);
    // All five calls start now (as many at a time as there are workers)...
    let results = executor.map(move |n| loiter(n, unit, &worker_out), 0..5);
    display(&out, &format!("results: {results:?}"))?;
    display(&out, "Waiting for individual results:")?;
    // ...but each `next()` waits for the next call in submission order.
    for (i, result) in results.enumerate() {
        display(&out, &format!("result {i}: {}", result?))?;
    }
    Ok(())
}
// ANCHOR_END: main

/// A writer that notes each [`loiter`] call on a timeline, for
/// `--timeline`, from the demo's own lines as they pass: `loiter(n): doing
/// nothing` starts a call, `loiter(n): done.` ends it. So the lesson's code
/// stays as the book has it.
pub struct Watch<W> {
    inner: W,
    timeline: Recorder,
    /// When each call that has not ended yet started.
    started: HashMap<u32, Duration>,
    /// The line written so far.
    line: Vec<u8>,
}

impl<W: Write> Watch<W> {
    /// Writes to `inner`, noting the calls in `timeline`.
    pub fn new(inner: W, timeline: Recorder) -> Watch<W> {
        Watch {
            inner,
            timeline,
            started: HashMap::new(),
            line: Vec::new(),
        }
    }

    /// Notes the call a whole line starts or ends, if it is one.
    fn note(&mut self, line: &str) {
        let Some((_, rest)) = line.split_once("loiter(") else {
            return;
        };
        let Some((n, said)) = rest.split_once("): ") else {
            return;
        };
        let Ok(n) = n.parse::<u32>() else {
            return;
        };
        if said.starts_with("doing nothing") {
            self.started.insert(n, self.timeline.now());
        } else if let (true, Some(start)) = (said.starts_with("done."), self.started.remove(&n)) {
            self.timeline
                .record(format!("loiter({n})"), start, Outcome::Ok);
        }
    }
}

impl<W: Write> Write for Watch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_all(buf)?;
        self.line.extend_from_slice(buf);
        while let Some(end) = self.line.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.line.drain(..=end).collect();
            self.note(&String::from_utf8_lossy(&line));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The best the pool can do: each call starts as soon as one of the
/// [`MAX_WORKERS`] is free, and takes exactly its `n` units.
pub fn ideal(unit: Duration) -> Timeline {
    let calls: Vec<(String, Duration, Outcome)> = (0..5)
        .map(|n| (format!("loiter({n})"), unit * n, Outcome::Ok))
        .collect();
    Timeline::ideal(&calls, MAX_WORKERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `Out` the test can read back.
    fn buffer() -> (Arc<Mutex<Vec<u8>>>, Out) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let out: Out = buffer.clone();
        (buffer, out)
    }

    /// The lines written, without their `[HH:MM:SS] ` timestamps.
    fn messages(buffer: &Mutex<Vec<u8>>) -> Vec<String> {
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| {
                let (stamp, message) = line.split_at(11);
                assert!(stamp.starts_with('[') && stamp.ends_with("] "), "{line:?}");
                message.to_string()
            })
            .collect()
    }

    #[test]
    fn clock_shows_the_utc_time_of_day() {
        let time = UNIX_EPOCH + Duration::from_secs(3 * 86_400 + 6 * 3600 + 31 * 60 + 2);
        assert_eq!(clock(time), "06:31:02");
    }

    #[test]
    fn display_writes_one_stamped_line() {
        let (buffer, out) = buffer();
        display(&out, "Script starting.").unwrap();
        assert_eq!(messages(&buffer), ["Script starting."]);
    }

    #[test]
    fn the_watch_notes_each_call_from_its_lines() {
        let recorder = Recorder::new();
        let out: Out = Arc::new(Mutex::new(Watch::new(Vec::new(), recorder.clone())));
        // Two calls, their lines interleaved, one written in two pieces.
        for line in [
            "[00:00:00] loiter(0): doing nothing for 0s...\n",
            "[00:00:00] \tloiter(1): doing nothing",
            " for 1s...\n[00:00:00] loiter(0): done.\n",
            "[00:00:00] result 0: 0\n",
            "[00:00:01] \tloiter(1): done.\n",
        ] {
            out.lock().unwrap().write_all(line.as_bytes()).unwrap();
        }
        let labels: Vec<String> = recorder
            .timeline()
            .requests
            .into_iter()
            .map(|r| r.label)
            .collect();
        assert_eq!(labels, ["loiter(0)", "loiter(1)"]);
    }

    #[test]
    fn the_ideal_takes_five_units_on_three_workers() {
        let ideal = ideal(Duration::from_secs(1));
        assert_eq!(ideal.end(), Duration::from_secs(5));
        assert_eq!(ideal.peak(), 3);
    }

    #[test]
    fn loiter_indents_by_n_tabs_and_returns_n_times_ten() {
        let (buffer, out) = buffer();
        assert_eq!(loiter(2, Duration::ZERO, &out).unwrap(), 20);
        assert_eq!(
            messages(&buffer),
            [
                "\t\tloiter(2): doing nothing for 2s...",
                "\t\tloiter(2): done."
            ]
        );
    }
}
