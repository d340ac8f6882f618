//! What a server saw: every request, its arrival and served delay, the
//! number of requests per path, and the peak number in flight.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::plan::{Answer, Plan, Resource};

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// `GET`, `POST`…
    pub method: String,
    /// The path as received (after the client's URL normalisation).
    pub path: String,
    /// When it arrived, since the server started.
    pub arrival: Duration,
    /// How long the server held it before answering: the plan's delay, or
    /// for a server that records the real end (the grading server), the
    /// time until the answer left or the client hung up.
    pub delay: Duration,
    /// The status answered.
    pub status: u16,
    /// How many requests for this path came before it.
    pub attempt: u32,
    /// The client hung up before the answer left (a client timeout).
    pub abandoned: bool,
}

impl Observation {
    /// When the answer left: arrival plus delay.
    pub fn end(&self) -> Duration {
        self.arrival + self.delay
    }
}

/// Answers requests from a plan and remembers what it saw.
///
/// The attempt counters cover only flag paths (at most 2 × 676), so a
/// long-running server that keeps no log has bounded memory.
#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    keep_log: bool,
    /// Whether the server reports when each request ends ([`Recorder::end`]).
    real_ends: bool,
    // A std Mutex, not a tokio one: it is held for a few instructions and
    // never across an `.await`.
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    attempts: HashMap<Resource, u32>,
    log: Vec<Observation>,
    /// Parallel to `log`: whether the request has ended (answered or
    /// abandoned), for a recorder that records real ends.
    ended: Vec<bool>,
}

impl Recorder {
    /// A recorder that keeps every observation (`keep_log`) or only the
    /// attempt counters.
    pub fn new(keep_log: bool) -> Recorder {
        Recorder {
            start: Instant::now(),
            keep_log,
            real_ends: false,
            state: Mutex::default(),
        }
    }

    /// A recorder that keeps every observation with its real end: how long
    /// the server really held it, gate included, and whether the client
    /// hung up first.
    pub(crate) fn with_real_ends() -> Recorder {
        Recorder {
            real_ends: true,
            ..Recorder::new(true)
        }
    }

    /// The plan's answer to `method path`, counting the attempt and logging
    /// the observation.
    pub fn answer(&self, plan: &Plan, method: &str, path: &str) -> Answer {
        self.arrive(plan, method, path).1
    }

    /// When the recorder started: the zero of every observation's clock.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// As [`Recorder::answer`], for a server that will also say when the
    /// request ended ([`Recorder::end`]): the log index and the answer.
    pub(crate) fn arrive(&self, plan: &Plan, method: &str, path: &str) -> (usize, Answer) {
        let arrival = self.start.elapsed();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let attempt = match Resource::parse(path) {
            Some(resource) => {
                let count = state.attempts.entry(resource).or_default();
                *count = count.saturating_add(1);
                *count - 1
            }
            None => 0,
        };
        let answer = plan.answer(method, path, attempt);
        let index = state.log.len();
        if self.keep_log {
            state.log.push(Observation {
                method: method.to_owned(),
                path: path.to_owned(),
                arrival,
                delay: answer.delay,
                status: answer.status,
                attempt,
                abandoned: false,
            });
            state.ended.push(false);
        }
        (index, answer)
    }

    /// The request logged at `index` ended now: answered, or abandoned by
    /// its client.
    pub(crate) fn end(&self, index: usize, abandoned: bool) {
        if !self.real_ends {
            return;
        }
        let now = self.start.elapsed();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(obs) = state.log.get_mut(index) {
            obs.delay = now.saturating_sub(obs.arrival);
            obs.abandoned = abandoned;
            state.ended[index] = true;
        }
    }

    /// Every request seen so far, in arrival order. With real ends
    /// recorded, a request still in flight shows as held until now.
    pub fn observations(&self) -> Vec<Observation> {
        let now = self.start.elapsed();
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut log = state.log.clone();
        if self.real_ends {
            for (obs, _) in log
                .iter_mut()
                .zip(&state.ended)
                .filter(|(_, ended)| !**ended)
            {
                obs.delay = now.saturating_sub(obs.arrival);
            }
        }
        log
    }
}

/// The number of requests per path: a duplicate request shows as a 2.
pub fn requests_per_path(observations: &[Observation]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for obs in observations {
        *counts.entry(obs.path.clone()).or_default() += 1;
    }
    counts
}

/// The peak number of requests in flight at once, a request being in flight
/// from its arrival until its answer (arrival plus served delay). A request
/// answered at the very instant another arrives no longer counts, so a
/// strictly sequential client shows 1.
pub fn peak_in_flight(observations: &[Observation]) -> usize {
    let mut by_arrival: Vec<(Duration, Duration)> =
        observations.iter().map(|o| (o.arrival, o.end())).collect();
    by_arrival.sort();
    // The answer times of the requests still in flight, earliest first.
    let mut in_flight: BinaryHeap<Reverse<Duration>> = BinaryHeap::new();
    let mut peak = 0;
    for (arrival, end) in by_arrival {
        while in_flight.peek().is_some_and(|&Reverse(e)| e <= arrival) {
            in_flight.pop();
        }
        in_flight.push(Reverse(end));
        peak = peak.max(in_flight.len());
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(path: &str, arrival_ms: u64, delay_ms: u64) -> Observation {
        Observation {
            method: "GET".into(),
            path: path.into(),
            arrival: Duration::from_millis(arrival_ms),
            delay: Duration::from_millis(delay_ms),
            status: 200,
            attempt: 0,
            abandoned: false,
        }
    }

    #[test]
    fn peak_in_flight_for_known_schedules() {
        assert_eq!(peak_in_flight(&[]), 0);
        // Sequential: each arrives as the previous one is answered.
        let seq = [obs("a", 0, 100), obs("b", 100, 100), obs("c", 200, 100)];
        assert_eq!(peak_in_flight(&seq), 1);
        // Three workers over six requests of 100 ms.
        let pool: Vec<Observation> = (0..6).map(|i| obs("x", (i / 3) * 100 + i, 100)).collect();
        assert_eq!(peak_in_flight(&pool), 3);
        // Everything at once.
        let gather: Vec<Observation> = (0..20).map(|i| obs("x", i, 500)).collect();
        assert_eq!(peak_in_flight(&gather), 20);
        // A long request overlapping a burst of short ones, given out of order.
        let mixed = [
            obs("b", 10, 5),
            obs("a", 0, 1000),
            obs("c", 20, 5),
            obs("d", 22, 5),
        ];
        assert_eq!(peak_in_flight(&mixed), 3);
        // Zero-delay requests count at their own instant only.
        let zero = [obs("a", 0, 0), obs("b", 0, 0), obs("c", 1, 0)];
        assert_eq!(peak_in_flight(&zero), 1);
    }

    #[test]
    fn duplicates_show_in_the_counts() {
        let seen = [obs("/a", 0, 0), obs("/b", 1, 0), obs("/a", 2, 0)];
        let counts = requests_per_path(&seen);
        assert_eq!(counts["/a"], 2);
        assert_eq!(counts["/b"], 1);
    }

    #[test]
    fn attempts_are_counted_per_flag_path() {
        let plan = Plan::preset(crate::Preset::Local);
        let recorder = Recorder::new(true);
        for path in [
            "/flags/bd/bd.gif",
            "/flags/cn/cn.gif",
            "/flags/bd/bd.gif",
            "/nope",
        ] {
            recorder.answer(&plan, "GET", path);
        }
        let attempts: Vec<u32> = recorder.observations().iter().map(|o| o.attempt).collect();
        assert_eq!(attempts, [0, 0, 1, 0]);
        let quiet = Recorder::new(false);
        quiet.answer(&plan, "GET", "/flags/bd/bd.gif");
        assert!(quiet.observations().is_empty());
    }
}
