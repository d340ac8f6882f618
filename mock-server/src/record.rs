//! What a server saw: every request, its arrival and served delay, the
//! number of requests per path, and the peak number in flight.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::plan::{Answer, Fault, Plan, Resource};

/// How long after a transient 503 was due a request for the same path
/// counts as its retry, and gets the flag.
///
/// Long enough for any client's backoff (flags2 waits 0.1 s, a student's
/// loop a second or two), short enough that the next run of a client that
/// does not retry meets the 503 again. A client that does retry uses the
/// 503 up, so its next run meets it again however soon it starts.
pub const RETRY_WINDOW: Duration = Duration::from_secs(5);

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
    /// How many requests for this path this recorder saw before it.
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
/// The plan's answer depends on whether a request is a retry, and the
/// recorder decides that without a memory of past runs: a request for a
/// transient flag is a retry if it comes within [`RETRY_WINDOW`] of the 503
/// it retries, and that retry uses the 503 up. So the same client run twice
/// against one long-running server meets the same answers: 503, then the
/// flag on its retry. (Counting every request a path ever had, as this
/// once did, gave the 503s to the first client after start-up only.)
///
/// What it remembers covers only flag paths (at most 2 × 676), so a
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
    /// Transient flags that answered 503: until when a retry gets the flag.
    retry_until: HashMap<Resource, Instant>,
    /// Requests per flag path, for the log's `attempt`.
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
        self.arrive_at(Instant::now(), plan, method, path)
    }

    /// [`Recorder::arrive`] for a request that arrived at `now`.
    fn arrive_at(&self, now: Instant, plan: &Plan, method: &str, path: &str) -> (usize, Answer) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let resource = Resource::parse(path);
        let answer = state.answer(now, plan, method, path, resource);
        let index = state.log.len();
        if self.keep_log {
            let attempt = match resource {
                Some(resource) => {
                    let count = state.attempts.entry(resource).or_default();
                    *count = count.saturating_add(1);
                    *count - 1
                }
                None => 0,
            };
            let arrival = now.saturating_duration_since(self.start);
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

impl State {
    // ANCHOR: retry_window
    /// The plan's answer to a request that arrived at `now`: a retry if it
    /// comes within the window of a transient 503 for the same path.
    fn answer(
        &mut self,
        now: Instant,
        plan: &Plan,
        method: &str,
        path: &str,
        resource: Option<Resource>,
    ) -> Answer {
        let retry = resource
            .and_then(|r| self.retry_until.get(&r))
            .is_some_and(|&until| now < until);
        let answer = plan.answer(method, path, u32::from(retry));
        if let (Some(r), Some(Fault::Transient)) = (resource, answer.fault) {
            // A 503 opens the window for its retry; the flag closes it.
            let until = now.checked_add(answer.delay.saturating_add(RETRY_WINDOW));
            match until {
                Some(until) if answer.status == 503 => self.retry_until.insert(r, until),
                _ => self.retry_until.remove(&r),
            };
        }
        answer
    }
    // ANCHOR_END: retry_window
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
    fn a_transient_503_clears_on_a_prompt_retry_and_comes_back_for_the_next_run() {
        let plan = Plan::preset(crate::Preset::Local)
            .delay(Duration::from_secs(2))
            .transient_rate(0.1);
        let cc = flags_common::all()
            .into_iter()
            .find(|&cc| plan.fault(cc) == Some(Fault::Transient))
            .unwrap();
        let path = Resource::Gif(cc).path();
        let recorder = Recorder::new(false);
        // Each request arrives `s` seconds after the recorder started: no
        // clock is read.
        let at = |method: &str, s: f64| {
            let now = recorder.start() + Duration::from_secs_f64(s);
            recorder.arrive_at(now, &plan, method, &path).1.status
        };
        // A client that retries: 503 (answered at 2 s), its retry the flag;
        // run again at once, the same.
        assert_eq!([at("GET", 0.0), at("GET", 2.1)], [503, 200]);
        assert_eq!([at("GET", 4.2), at("GET", 6.3)], [503, 200]);
        // A client that does not retry: its next run, once the window has
        // passed (2 s delay + 5 s), meets the 503 again.
        assert_eq!(at("GET", 10.0), 503);
        assert_eq!(at("GET", 17.1), 503);
        // HEAD neither uses the retry up nor opens one.
        assert_eq!(at("HEAD", 17.2), 200);
        assert_eq!([at("GET", 17.3), at("GET", 17.4)], [200, 503]);
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
