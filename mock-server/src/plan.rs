//! The plan: what the server does for a seed, a preset and a request path.
//!
//! A [`Plan`] is a pure function. Every delay and fault comes from a hash of
//! the seed and the path, so the same seed gives the same answers whatever the
//! order or timing of requests, and across restarts. The only input besides
//! the path is the attempt number, so that a transient fault can clear on a
//! retry: 0 for a first request, 1 or more for a retry.
//!
//! A server turns its requests into attempts without a memory of past runs
//! ([`Recorder`](crate::Recorder)): a request is a retry only if it comes
//! within [`RETRY_WINDOW`](crate::RETRY_WINDOW) of a transient 503 for the
//! same path, and a retry uses that 503 up. So every run of a client meets
//! the same answers, however long the server has been up and whoever asked
//! before: a first request for a transient flag answers 503, a prompt retry
//! the flag, the next run's first request 503 again.
//!
//! Because it is pure, the plan can also say, without any server, what a
//! client should see (the ground truth) and how fast a run could possibly be
//! (the ideal time).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use flags_common::{Code, DownloadStatus, Server};
use timeline::{Outcome, Timeline};

use crate::flags::FlagSet;
use flags_common::hash::{SplitMix64, fnv1a};

/// The book's three test servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// A plain static server: no delay, no faults (nginx in the book).
    Local,
    /// Every request delayed 0.5 to 5 s, like the book's `slow_server.py`.
    Delay,
    /// As DELAY, and a quarter of the flags answer 418 I'm a Teapot.
    Error,
}

impl Preset {
    /// The three presets, in port order.
    pub const ALL: [Preset; 3] = [Preset::Local, Preset::Delay, Preset::Error];

    /// The book's server this preset stands in for.
    pub fn server(self) -> Server {
        match self {
            Preset::Local => Server::Local,
            Preset::Delay => Server::Delay,
            Preset::Error => Server::Error,
        }
    }

    /// The book's port: 8000, 8001 or 8002.
    pub fn port(self) -> u16 {
        self.server().port().expect("test servers have ports")
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.server().label())
    }
}

impl FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Preset, String> {
        Preset::ALL
            .into_iter()
            .find(|p| p.server().label().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown preset {s:?}: choose LOCAL, DELAY or ERROR"))
    }
}

/// A fault the plan injects. Served with the header `x-mock-fault`, so an
/// injected 404 can be told from a request for a path that is not a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// A well-formed code with no flag: 404 (482 of the 676 codes).
    NotFound,
    /// One of the seeded error flags: the plan's error status (418).
    Error,
    /// Held far past any client timeout before the answer.
    Stall,
    /// 503 to a first request; a retry within
    /// [`RETRY_WINDOW`](crate::RETRY_WINDOW) of it gets the flag.
    Transient,
}

impl Fault {
    /// The value of the `x-mock-fault` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::NotFound => "not-found",
            Fault::Error => "error",
            Fault::Stall => "stall",
            Fault::Transient => "transient",
        }
    }
}

/// Which codes the error status may fall on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorScope {
    /// Only codes with a flag: `--every` then counts exactly the flags the
    /// error rate leaves, and every code without a flag is a plain 404.
    #[default]
    Flags,
    /// Any code, those with no flag included, as the book's `slow_server.py`
    /// does (it draws the error before it looks for the file): `--every`
    /// then counts fewer 404s and more errors, like the book's sample run.
    Any,
}

impl FromStr for ErrorScope {
    type Err = String;
    fn from_str(s: &str) -> Result<ErrorScope, String> {
        match s.to_ascii_lowercase().as_str() {
            "flags" => Ok(ErrorScope::Flags),
            "any" => Ok(ErrorScope::Any),
            _ => Err(format!(
                "unknown error scope {s:?}: choose flags (the default) or any (the book's)"
            )),
        }
    }
}

/// What the server answers to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// How long the server waits before answering.
    pub delay: Duration,
    /// The injected fault, if any (sent as `x-mock-fault`).
    pub fault: Option<Fault>,
    /// The `content-type` of the body.
    pub content_type: &'static str,
    /// The body.
    pub body: Bytes,
    /// The flag's code, when the path names one (for the binary's log).
    pub code: Option<Code>,
}

/// What a path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `/flags/{cc}/{cc}.gif`
    Gif(Code),
    /// `/flags/{cc}/metadata.json`
    Metadata(Code),
}

impl Resource {
    /// Parses a request path. Only `/flags/{cc}/{cc}.gif` and
    /// `/flags/{cc}/metadata.json` with the same two lower-case letters are
    /// resources; anything else (`..`, `%2e`, upper case, three letters, a
    /// query string) is not.
    pub fn parse(path: &str) -> Option<Resource> {
        let rest = path.strip_prefix("/flags/")?;
        let (dir, file) = rest.split_once('/')?;
        let is_lower_code = dir.len() == 2 && dir.bytes().all(|b| b.is_ascii_lowercase());
        if !is_lower_code {
            return None;
        }
        let code = Code::parse(dir).ok()?;
        if file == "metadata.json" {
            Some(Resource::Metadata(code))
        } else if file.strip_suffix(".gif") == Some(dir) {
            Some(Resource::Gif(code))
        } else {
            None
        }
    }

    /// The code the resource belongs to.
    pub fn code(self) -> Code {
        match self {
            Resource::Gif(cc) | Resource::Metadata(cc) => cc,
        }
    }

    /// The path of the resource: `/flags/bd/bd.gif`.
    pub fn path(self) -> String {
        match self {
            Resource::Gif(cc) => flags_common::flag_url("/flags", cc),
            Resource::Metadata(cc) => format!("/flags/{}/metadata.json", cc.lower()),
        }
    }
}

/// What the plan says the first request for a code's flag gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// The status of the first answer.
    pub status: u16,
    /// The delay before it.
    pub delay: Duration,
    /// The fault, if one is injected.
    pub fault: Option<Fault>,
}

/// A request a client sends first, and what the plan answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truth {
    /// The flag or its `metadata.json`.
    pub resource: Resource,
    /// The status of the answer.
    pub status: u16,
    /// The delay before it, to the microsecond, as the server serves it.
    pub delay: Duration,
}

/// A seeded, deterministic plan of statuses, delays and bodies.
///
/// Start from a preset and turn the knobs:
///
/// ```
/// use std::time::Duration;
/// use mock_server::{Plan, Preset};
///
/// let plan = Plan::preset(Preset::Error)
///     .seed(7)
///     .delay(Duration::from_millis(10))
///     .jitter(Duration::from_millis(10));
/// let cn = "CN".parse().unwrap();
/// assert_eq!(plan.expected(cn), plan.clone().expected(cn));
/// ```
#[derive(Clone)]
pub struct Plan {
    preset: Preset,
    seed: u64,
    delay: Duration,
    jitter: Duration,
    error_rate: f64,
    error_status: u16,
    error_scope: ErrorScope,
    stall_rate: f64,
    stall: Duration,
    transient_rate: f64,
    /// Fixed delays for some codes, replacing base delay and jitter.
    delays: BTreeMap<Code, Duration>,
    flags: Arc<FlagSet>,
    /// Which flags get which fault: derived from the fields above.
    faults: HashMap<Code, Fault>,
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("preset", &self.preset)
            .field("seed", &self.seed)
            .field("delay", &self.delay)
            .field("jitter", &self.jitter)
            .field("error_rate", &self.error_rate)
            .field("error_status", &self.error_status)
            .field("error_scope", &self.error_scope)
            .field("stall_rate", &self.stall_rate)
            .field("stall", &self.stall)
            .field("transient_rate", &self.transient_rate)
            .field("delays", &self.delays)
            .field("flags", &self.flags.len())
            .finish()
    }
}

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 1;

impl Plan {
    /// A preset's plan with the generated flags and [`DEFAULT_SEED`].
    pub fn preset(preset: Preset) -> Plan {
        let (delay, jitter, error_rate) = match preset {
            Preset::Local => (0, 0, 0.0),
            // The book's slow_server.py: uniform(0.5, 5.0) seconds.
            Preset::Delay => (500, 4500, 0.0),
            Preset::Error => (500, 4500, 0.25),
        };
        Plan {
            preset,
            seed: DEFAULT_SEED,
            delay: Duration::from_millis(delay),
            jitter: Duration::from_millis(jitter),
            error_rate,
            error_status: 418,
            error_scope: ErrorScope::Flags,
            stall_rate: 0.0,
            stall: Duration::from_secs(30),
            transient_rate: 0.0,
            delays: BTreeMap::new(),
            flags: FlagSet::generated(),
            faults: HashMap::new(),
        }
        .refreshed()
    }

    /// The seed of every delay and fault.
    pub fn seed(mut self, seed: u64) -> Plan {
        self.seed = seed;
        self.refreshed()
    }

    /// The base delay of every flag request.
    pub fn delay(mut self, delay: Duration) -> Plan {
        self.delay = delay;
        self
    }

    /// The most a request may be delayed beyond the base delay; each path
    /// gets its own seeded share of it, from 0 to `jitter` inclusive.
    pub fn jitter(mut self, jitter: Duration) -> Plan {
        self.jitter = jitter;
        self
    }

    /// The fraction of flags (0 to 1) that answer the error status.
    pub fn error_rate(mut self, rate: f64) -> Plan {
        self.error_rate = rate;
        self.refreshed()
    }

    /// The status of the error flags (418 unless set).
    pub fn error_status(mut self, status: u16) -> Plan {
        self.error_status = status;
        self
    }

    /// Which codes the error status may fall on: flags only (the default),
    /// or any code, as in the book. The rate is then a fraction of all 676
    /// codes.
    pub fn error_scope(mut self, scope: ErrorScope) -> Plan {
        self.error_scope = scope;
        self.refreshed()
    }

    /// The fraction of flags (0 to 1) whose requests stall.
    pub fn stall_rate(mut self, rate: f64) -> Plan {
        self.stall_rate = rate;
        self.refreshed()
    }

    /// How long a stalled request is held before its answer (30 s unless
    /// set): choose it longer than the client's timeout.
    pub fn stall(mut self, stall: Duration) -> Plan {
        self.stall = stall;
        self
    }

    /// The fraction of flags (0 to 1) whose first request answers 503; a
    /// retry within [`RETRY_WINDOW`](crate::RETRY_WINDOW) gets the flag.
    pub fn transient_rate(mut self, rate: f64) -> Plan {
        self.transient_rate = rate;
        self.refreshed()
    }

    /// A fixed delay for one code's flag and metadata, in place of the base
    /// delay and jitter: lets a test script an order of completion.
    pub fn delay_for_code(mut self, cc: Code, delay: Duration) -> Plan {
        self.delays.insert(cc, delay);
        self
    }

    /// Serve these flags instead of the generated ones.
    pub fn flags(mut self, flags: Arc<FlagSet>) -> Plan {
        self.flags = flags;
        self.refreshed()
    }

    /// The preset this plan started from.
    pub fn preset_kind(&self) -> Preset {
        self.preset
    }

    /// The seed.
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// The flags served.
    pub fn flag_set(&self) -> &FlagSet {
        &self.flags
    }

    /// One line that says what the plan injects, for the servers to announce:
    /// `ERROR preset, seed 1: delay 500 ms + up to 4500 ms jitter; 25% of flags answer 418`.
    pub fn describe(&self) -> String {
        let ms = |d: Duration| d.as_millis();
        let delay = match (self.delay.is_zero(), self.jitter.is_zero()) {
            (true, true) => "no delay".to_owned(),
            (false, true) => format!("delay {} ms", ms(self.delay)),
            _ => format!(
                "delay {} ms + up to {} ms jitter",
                ms(self.delay),
                ms(self.jitter)
            ),
        };
        let pct = |rate: f64| (rate * 100.0).round();
        let mut faults = Vec::new();
        if self.error_rate > 0.0 {
            let of = match self.error_scope {
                ErrorScope::Flags => "of flags",
                ErrorScope::Any => "of all codes (the book's)",
            };
            faults.push(format!(
                "{}% {of} answer {}",
                pct(self.error_rate),
                self.error_status
            ));
        }
        if self.stall_rate > 0.0 {
            faults.push(format!(
                "{}% stall {} ms",
                pct(self.stall_rate),
                ms(self.stall)
            ));
        }
        if self.transient_rate > 0.0 {
            faults.push(format!("{}% answer 503 once", pct(self.transient_rate)));
        }
        let faults = if faults.is_empty() {
            "no faults".to_owned()
        } else {
            faults.join(", ")
        };
        format!(
            "{} preset, seed {}: {delay}; {faults}",
            self.preset, self.seed
        )
    }

    /// Recomputes which codes get which fault. The faults are dealt by rank:
    /// the flags are sorted by a seeded hash, the first `error_rate × n` get
    /// the error, the next `stall_rate × n` stall, the next
    /// `transient_rate × n` are transient. So a rate of 0.25 over 194 flags
    /// gives exactly 49 errors, whatever the seed; the seed picks which.
    /// With [`ErrorScope::Any`] the errors are dealt the same way over all
    /// 676 codes first, and the other faults over the flags left.
    fn refreshed(mut self) -> Plan {
        let by_hash = |codes: &mut Vec<Code>| {
            codes.sort_by_key(|cc| hash(self.seed, "fault", cc.as_str()));
        };
        let count =
            |rate: f64, n: usize| ((rate.clamp(0.0, 1.0) * n as f64).round() as usize).min(n);
        let mut flags: Vec<Code> = self.flags.codes().collect();
        by_hash(&mut flags);
        let n = flags.len();
        let errors: Vec<Code> = match self.error_scope {
            ErrorScope::Flags => flags.drain(..count(self.error_rate, n)).collect(),
            ErrorScope::Any => {
                let mut every: Vec<Code> = Code::every().collect();
                by_hash(&mut every);
                every.truncate(count(self.error_rate, every.len()));
                flags.retain(|cc| !every.contains(cc));
                every
            }
        };
        let stalls = count(self.stall_rate, n).min(flags.len());
        let transients = count(self.transient_rate, n).min(flags.len() - stalls);
        let dealt = std::iter::repeat_n(Fault::Stall, stalls)
            .chain(std::iter::repeat_n(Fault::Transient, transients));
        self.faults = (errors.into_iter().map(|cc| (cc, Fault::Error)))
            .chain(flags.into_iter().zip(dealt))
            .collect();
        self
    }

    /// The delay of a path: the base delay plus the path's seeded jitter,
    /// unless the code has a fixed delay.
    fn delay_for(&self, cc: Code, path: &str) -> Duration {
        if let Some(&delay) = self.delays.get(&cc) {
            return delay;
        }
        let jitter_us = self.jitter.as_micros() as u64;
        let extra = hash(self.seed, "delay", path) % (jitter_us + 1);
        self.delay + Duration::from_micros(extra)
    }

    /// The fault of a code (flag and metadata alike).
    pub fn fault(&self, cc: Code) -> Option<Fault> {
        match self.faults.get(&cc) {
            Some(&fault) => Some(fault),
            None if !self.flags.contains(cc) => Some(Fault::NotFound),
            None => None,
        }
    }

    // ANCHOR: answer
    /// The answer to `method path`, for the given attempt: 0 for a first
    /// request, 1 or more for a retry (only a transient flag tells them
    /// apart). GET is the exercise; HEAD is answered as the book's
    /// `slow_server.py` answers it, at once and with no injected error,
    /// since it only slows down and fails GET.
    pub fn answer(&self, method: &str, path: &str, attempt: u32) -> Answer {
        let plain = |status: u16, text: &'static str| Answer {
            status,
            delay: Duration::ZERO,
            fault: None,
            content_type: "text/plain; charset=utf-8",
            body: Bytes::from_static(text.as_bytes()),
            code: None,
        };
        let get = match method {
            "GET" => true,
            "HEAD" => false,
            _ => return plain(405, "405 Method Not Allowed: only GET is served\n"),
        };
        if path == "/flags/" || path == "/flags" {
            return Answer {
                content_type: "text/html; charset=utf-8",
                body: self.index(),
                ..plain(200, "")
            };
        }
        let Some(resource) = Resource::parse(path) else {
            return plain(
                404,
                "404 Not Found: flags live at /flags/{cc}/{cc}.gif and /flags/{cc}/metadata.json, \
                 {cc} two lower-case letters; /flags/ lists them\n",
            );
        };
        let cc = resource.code();
        let fault = match self.fault(cc) {
            fault if get => fault,
            // HEAD: a static server's answer, the file or 404.
            Some(Fault::NotFound) => Some(Fault::NotFound),
            _ => None,
        };
        let delay = if get {
            self.delay_for(cc, path)
        } else {
            Duration::ZERO
        };
        let faulty = |status, text: &'static str| Answer {
            status,
            fault,
            code: Some(cc),
            delay,
            ..plain(status, text)
        };
        match fault {
            Some(Fault::NotFound) => faulty(404, "404 Not Found: no flag for this code\n"),
            Some(Fault::Error) => faulty(self.error_status, "Injected error\n"),
            Some(Fault::Transient) if attempt == 0 => {
                faulty(503, "503 Service Unavailable: injected, try again\n")
            }
            _ => {
                let flag = self.flags.get(cc).expect("fault() said the flag exists");
                let (content_type, body) = match resource {
                    Resource::Gif(_) => ("image/gif", flag.gif.clone()),
                    Resource::Metadata(_) => ("application/json", flag.metadata.clone()),
                };
                let delay = if fault == Some(Fault::Stall) {
                    self.stall
                } else {
                    delay
                };
                Answer {
                    status: 200,
                    delay,
                    fault,
                    content_type,
                    body,
                    code: Some(cc),
                }
            }
        }
    }
    // ANCHOR_END: answer

    /// The page at `/flags/`: a link to each flag and its metadata, for a
    /// reader who browses the server as the book suggests. Not delayed: it
    /// is not part of any exercise.
    fn index(&self) -> Bytes {
        let mut html = String::from(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Flags</title></head>\n\
             <body><h1>Directory listing for /flags/</h1>\n<ul>\n",
        );
        for cc in self.flags.codes() {
            let (gif, meta) = (Resource::Gif(cc).path(), Resource::Metadata(cc).path());
            html.push_str(&format!(
                "<li><a href=\"{gif}\">{gif}</a> <a href=\"{meta}\">metadata.json</a></li>\n"
            ));
        }
        html.push_str("</ul></body></html>\n");
        Bytes::from(html)
    }

    /// The ground truth for the first request of a code's flag.
    pub fn expected(&self, cc: Code) -> Expected {
        let answer = self.answer("GET", &Resource::Gif(cc).path(), 0);
        Expected {
            status: answer.status,
            delay: answer.delay,
            fault: answer.fault,
        }
    }

    /// The first requests a client sends for `cc`, with the plan's
    /// answers: the flag; with `names` (the book's flags3, `--names`), its
    /// `metadata.json` first, and the flag only if that answered 200 within
    /// `timeout`, as the client asks for the flag only then.
    pub fn first_requests(&self, cc: Code, names: bool, timeout: Duration) -> Vec<Truth> {
        let truth = |resource: Resource| {
            let answer = self.answer("GET", &resource.path(), 0);
            Truth {
                resource,
                status: answer.status,
                delay: answer.delay,
            }
        };
        if !names {
            return vec![truth(Resource::Gif(cc))];
        }
        let metadata = truth(Resource::Metadata(cc));
        if metadata.status == 200 && metadata.delay < timeout {
            vec![metadata, truth(Resource::Gif(cc))]
        } else {
            vec![metadata]
        }
    }

    /// What a client with this timeout and number of retries should count
    /// for a code. A request whose delay reaches the timeout is an error. A
    /// retry is one sent within [`RETRY_WINDOW`](crate::RETRY_WINDOW) of the
    /// answer it retries, as any client's backoff is.
    pub fn outcome(&self, cc: Code, timeout: Duration, retries: u32) -> DownloadStatus {
        let path = Resource::Gif(cc).path();
        let attempts = if self.fault(cc) == Some(Fault::Transient) {
            retries.min(1) + 1
        } else {
            1
        };
        let answer = self.answer("GET", &path, attempts - 1);
        match answer.status {
            _ if answer.delay >= timeout => DownloadStatus::Error,
            200 => DownloadStatus::Ok,
            404 => DownloadStatus::NotFound,
            _ => DownloadStatus::Error,
        }
    }

    /// The ideal time to fetch `codes` with `workers` workers: each worker
    /// takes the next code in order as soon as it is free, and every request
    /// costs exactly its injected delay (for one worker, the sum of the
    /// delays). No real client can beat it.
    pub fn ideal_time(&self, codes: &[Code], workers: usize) -> Duration {
        self.ideal_time_within(codes, workers, Duration::MAX)
    }

    /// [`Plan::ideal_time`] for a client that gives up after `timeout`: a
    /// request costs its delay or the timeout, whichever is less.
    pub fn ideal_time_within(&self, codes: &[Code], workers: usize, timeout: Duration) -> Duration {
        self.ideal_time_for(codes, workers, timeout, false)
    }

    // ANCHOR: ideal_time
    /// [`Plan::ideal_time_within`] for the requests of
    /// [`Plan::first_requests`]: with `names`, a code's `metadata.json` and
    /// flag are chained, one after the other in the same worker.
    pub fn ideal_time_for(
        &self,
        codes: &[Code],
        workers: usize,
        timeout: Duration,
        names: bool,
    ) -> Duration {
        let workers = workers.clamp(1, codes.len().max(1));
        // The time at which each worker is next free, earliest first.
        let mut free: BinaryHeap<Reverse<Duration>> =
            std::iter::repeat_n(Reverse(Duration::ZERO), workers).collect();
        for &cc in codes {
            let requests = self.first_requests(cc, names, timeout);
            let cost: Duration = requests.iter().map(|r| r.delay.min(timeout)).sum();
            let Reverse(at) = free.pop().expect("there is at least one worker");
            free.push(Reverse(at + cost));
        }
        free.into_iter()
            .map(|Reverse(at)| at)
            .max()
            .unwrap_or_default()
    }
    // ANCHOR_END: ideal_time

    /// The schedule of [`Plan::ideal_time_within`], request by request: to
    /// draw beside a run's timeline. A request the timeout cuts short is a
    /// stall; a transient 503 shows as the error it first is.
    pub fn ideal_timeline(&self, codes: &[Code], workers: usize, timeout: Duration) -> Timeline {
        self.ideal_timeline_for(codes, workers, timeout, false)
    }

    /// The schedule of [`Plan::ideal_time_for`]: with `names`, each code's
    /// `metadata.json` and flag follow each other in one lane.
    pub fn ideal_timeline_for(
        &self,
        codes: &[Code],
        workers: usize,
        timeout: Duration,
        names: bool,
    ) -> Timeline {
        let chains: Vec<Vec<(String, Duration, Outcome)>> = (codes.iter())
            .map(|&cc| {
                (self.first_requests(cc, names, timeout).into_iter())
                    .map(|request| {
                        let outcome = match request.status {
                            _ if request.delay >= timeout => Outcome::Stall,
                            200 => Outcome::Ok,
                            404 => Outcome::NotFound,
                            _ => Outcome::Error,
                        };
                        let path = request.resource.path();
                        let label = path.trim_start_matches("/flags/").to_owned();
                        (label, request.delay.min(timeout), outcome)
                    })
                    .collect()
            })
            .collect();
        Timeline::ideal_chained(&chains, workers.clamp(1, codes.len().max(1)))
    }
}

/// FNV-1a over the seed, a salt and a key, finished with splitmix64: a
/// stable hash that is the same on every platform and every run.
fn hash(seed: u64, salt: &str, key: &str) -> u64 {
    let bytes: Vec<u8> = (seed.to_le_bytes().iter())
        .chain(salt.as_bytes())
        .chain(&[0])
        .chain(key.as_bytes())
        .copied()
        .collect();
    SplitMix64::new(fnv1a(&bytes)).next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn only_flag_paths_are_resources() {
        assert_eq!(
            Resource::parse("/flags/bd/bd.gif"),
            Some(Resource::Gif(cc("BD")))
        );
        assert_eq!(
            Resource::parse("/flags/bd/metadata.json"),
            Some(Resource::Metadata(cc("BD")))
        );
        for bad in [
            "/flags/../etc/passwd",
            "/flags/%2e%2e/%2e%2e.gif",
            "/flags/BD/BD.gif",
            "/flags/bd/cn.gif",
            "/flags/bdd/bdd.gif",
            "/flags/b/b.gif",
            "/flags/bd/bd.gif/x",
            "/flags/bd/bd.png",
            "/flags/bd/",
            "/flags/",
            "/bd/bd.gif",
            "",
            "/flags/é/é.gif",
        ] {
            assert_eq!(Resource::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Resource::Gif(cc("BD")).path(), "/flags/bd/bd.gif");
    }

    #[test]
    fn presets_follow_the_book() {
        let bd = cc("BD");
        assert_eq!(
            Plan::preset(Preset::Local).expected(bd).delay,
            Duration::ZERO
        );
        for seed in 0..50 {
            let delay = Plan::preset(Preset::Delay).seed(seed).expected(bd).delay;
            assert!(delay >= ms(500) && delay <= ms(5000), "{delay:?}");
        }
        let error = Plan::preset(Preset::Error);
        let errors = flags_common::all()
            .into_iter()
            .filter(|&cc| error.expected(cc).status == 418)
            .count();
        assert_eq!(errors, 49, "a quarter of 194, rounded");
    }

    #[test]
    fn unknown_codes_are_injected_404s() {
        let plan = Plan::preset(Preset::Local);
        let answer = plan.answer("GET", "/flags/zz/zz.gif", 0);
        assert_eq!((answer.status, answer.fault), (404, Some(Fault::NotFound)));
        let answer = plan.answer("GET", "/flags/ZZ/ZZ.gif", 0);
        assert_eq!((answer.status, answer.fault), (404, None));
        assert_eq!(plan.answer("POST", "/flags/bd/bd.gif", 0).status, 405);
    }

    #[test]
    fn the_same_seed_gives_the_same_answers_in_any_order() {
        let plan = || Plan::preset(Preset::Error).seed(99).stall_rate(0.05);
        let forward: Vec<Answer> = Code::every()
            .map(|cc| plan().answer("GET", &Resource::Gif(cc).path(), 0))
            .collect();
        let other = plan();
        let mut backward: Vec<Answer> = Code::every()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(|cc| other.answer("GET", &Resource::Gif(cc).path(), 0))
            .collect();
        backward.reverse();
        assert_eq!(forward, backward);
    }

    #[test]
    fn another_seed_gives_other_faults_and_delays() {
        let a = Plan::preset(Preset::Error).seed(1);
        let b = Plan::preset(Preset::Error).seed(2);
        let differ = |f: &dyn Fn(&Plan, Code) -> String| {
            flags_common::all()
                .into_iter()
                .filter(|&cc| f(&a, cc) != f(&b, cc))
                .count()
        };
        assert!(differ(&|p, cc| format!("{:?}", p.expected(cc).fault)) > 20);
        assert!(differ(&|p, cc| format!("{:?}", p.expected(cc).delay)) > 150);
    }

    #[test]
    fn transient_faults_clear_on_retry() {
        let plan = Plan::preset(Preset::Local).transient_rate(0.1);
        let transient: Vec<Code> = flags_common::all()
            .into_iter()
            .filter(|&cc| plan.fault(cc) == Some(Fault::Transient))
            .collect();
        assert_eq!(transient.len(), 19);
        let path = Resource::Gif(transient[0]).path();
        assert_eq!(plan.answer("GET", &path, 0).status, 503);
        assert_eq!(plan.answer("GET", &path, 1).status, 200);
        assert_eq!(
            plan.outcome(transient[0], ms(100), 0),
            DownloadStatus::Error
        );
        assert_eq!(plan.outcome(transient[0], ms(100), 2), DownloadStatus::Ok);
    }

    #[test]
    fn head_is_answered_at_once_without_injected_errors_as_in_the_book() {
        let plan = Plan::preset(Preset::Error)
            .stall_rate(0.1)
            .transient_rate(0.1);
        for cc in Code::every() {
            let path = Resource::Gif(cc).path();
            let head = plan.answer("HEAD", &path, 0);
            assert_eq!(head.delay, Duration::ZERO, "{cc}");
            let get = plan.answer("GET", &path, 1);
            let exists = plan.flag_set().contains(cc);
            assert_eq!(head.status, if exists { 200 } else { 404 }, "{cc}");
            if exists {
                assert_eq!(head.body, plan.flag_set().get(cc).unwrap().gif, "{cc}");
            } else {
                assert_eq!(get.status, 404, "{cc}");
            }
        }
    }

    #[test]
    fn the_flags_folder_lists_every_flag() {
        let plan = Plan::preset(Preset::Delay);
        for path in ["/flags/", "/flags"] {
            let index = plan.answer("GET", path, 0);
            assert_eq!(index.status, 200);
            assert_eq!(index.delay, Duration::ZERO);
            assert!(index.content_type.starts_with("text/html"));
            let html = std::str::from_utf8(&index.body).unwrap();
            for cc in flags_common::all() {
                let gif = Resource::Gif(cc).path();
                assert!(html.contains(&format!("href=\"{gif}\"")), "{cc}");
            }
        }
        assert_eq!(plan.answer("GET", "/", 0).status, 404);
    }

    #[test]
    fn the_books_error_scope_falls_on_any_code() {
        let plan = Plan::preset(Preset::Error).error_scope(ErrorScope::Any);
        let count = |f: &dyn Fn(Code) -> bool| Code::every().filter(|&cc| f(cc)).count();
        let errors = count(&|cc| plan.fault(cc) == Some(Fault::Error));
        assert_eq!(errors, 169, "a quarter of the 676 codes");
        let flag_errors =
            count(&|cc| plan.fault(cc) == Some(Fault::Error) && plan.flag_set().contains(cc));
        assert!(flag_errors > 20 && flag_errors < 80, "{flag_errors}");
        let not_found = count(&|cc| plan.expected(cc).status == 404);
        assert_eq!(not_found, 482 - (169 - flag_errors));
        assert_eq!(
            count(&|cc| plan.expected(cc).status == 418),
            169,
            "flagless codes answer the error too"
        );
        // The default is unchanged: errors on flags only.
        let flags_only = Plan::preset(Preset::Error);
        assert_eq!(
            count(&|cc| flags_only.expected(cc).status == 404),
            482,
            "every code without a flag is a 404"
        );
        assert!("ANY".parse::<ErrorScope>().is_ok());
        assert!("some".parse::<ErrorScope>().is_err());
    }

    #[test]
    fn faults_are_disjoint_and_counted_exactly() {
        let plan = Plan::preset(Preset::Local)
            .error_rate(0.5)
            .stall_rate(0.3)
            .transient_rate(0.5);
        let count = |fault| {
            flags_common::all()
                .into_iter()
                .filter(|&cc| plan.fault(cc) == Some(fault))
                .count()
        };
        assert_eq!(count(Fault::Error), 97);
        assert_eq!(count(Fault::Stall), 58);
        assert_eq!(count(Fault::Transient), 194 - 97 - 58, "what is left");
    }

    #[test]
    fn outcomes_follow_the_client_timeout() {
        let plan = Plan::preset(Preset::Delay).stall_rate(0.1).stall(ms(2000));
        for cc in flags_common::all() {
            let expected = plan.expected(cc);
            let at_3s = plan.outcome(cc, ms(3100), 0);
            if expected.delay >= ms(3100) {
                assert_eq!(at_3s, DownloadStatus::Error);
            } else {
                assert_eq!(at_3s, DownloadStatus::Ok);
            }
        }
        assert_eq!(
            plan.outcome(cc("ZZ"), ms(6000), 0),
            DownloadStatus::NotFound
        );
    }

    #[test]
    fn ideal_time_is_the_list_schedule_makespan() {
        // Ten flags at 100 ms each: 1 worker 1.0 s, 3 workers ceil(10/3) × 0.1 s.
        let plan = Plan::preset(Preset::Local).delay(ms(100));
        let codes: Vec<Code> = flags_common::all().into_iter().take(10).collect();
        assert_eq!(plan.ideal_time(&codes, 1), ms(1000));
        assert_eq!(plan.ideal_time(&codes, 3), ms(400));
        assert_eq!(plan.ideal_time(&codes, 10), ms(100));
        assert_eq!(plan.ideal_time(&codes, 1000), ms(100));
        assert_eq!(plan.ideal_time(&[], 4), Duration::ZERO);
        // With jitter, one worker is the sum of the delays.
        let plan = Plan::preset(Preset::Delay);
        let sum: Duration = codes.iter().map(|&cc| plan.expected(cc).delay).sum();
        assert_eq!(plan.ideal_time(&codes, 1), sum);
        let max = codes
            .iter()
            .map(|&cc| plan.expected(cc).delay)
            .max()
            .unwrap();
        assert_eq!(plan.ideal_time(&codes, 10), max);
        // A client timeout caps each request's cost.
        let capped: Duration = codes
            .iter()
            .map(|&cc| plan.expected(cc).delay.min(ms(3100)))
            .sum();
        assert_eq!(plan.ideal_time_within(&codes, 1, ms(3100)), capped);
    }

    #[test]
    fn with_names_a_code_costs_its_metadata_then_its_flag() {
        let plan = Plan::preset(Preset::Error)
            .seed(3)
            .delay(ms(10))
            .jitter(ms(10));
        let timeout = ms(3100);
        let codes: Vec<Code> = Code::every().collect();
        let mut flags = 0;
        for &code in &codes {
            let requests = plan.first_requests(code, true, timeout);
            assert_eq!(requests[0].resource, Resource::Metadata(code));
            if requests[0].status == 200 {
                // The flag follows, answered as it is without names.
                assert_eq!(requests[1..], plan.first_requests(code, false, timeout)[..]);
                flags += 1;
            } else {
                assert_eq!(
                    requests.len(),
                    1,
                    "{code}: no flag after a failed metadata.json"
                );
            }
        }
        assert_eq!(flags, 194 - 49, "the flags not failed by the ERROR preset");
        // One worker waits for every request in turn; 676 workers for the
        // slowest code, its two requests one after the other.
        let cost = |code| -> Duration {
            (plan.first_requests(code, true, timeout).iter())
                .map(|r| r.delay)
                .sum()
        };
        let sum: Duration = codes.iter().map(|&code| cost(code)).sum();
        assert_eq!(plan.ideal_time_for(&codes, 1, timeout, true), sum);
        let slowest = codes.iter().map(|&code| cost(code)).max().unwrap();
        assert_eq!(plan.ideal_time_for(&codes, 676, timeout, true), slowest);
        assert!(slowest > plan.ideal_time_for(&codes, 676, timeout, false));
        // A metadata.json answered after the client gave up gets no flag
        // request.
        let slow = plan.clone().delay_for_code(cc("BR"), ms(4000));
        let requests = slow.first_requests(cc("BR"), true, timeout);
        assert_eq!(requests.len(), 1);
        assert_eq!(slow.ideal_time_for(&[cc("BR")], 1, timeout, true), timeout);
    }

    #[test]
    fn the_ideal_timeline_is_the_ideal_schedule_drawn() {
        let plan = Plan::preset(Preset::Error).seed(3);
        let timeout = ms(3100);
        let codes: Vec<Code> = Code::every().take(60).collect();
        for names in [false, true] {
            for workers in [1, 3, 20] {
                let drawn = plan.ideal_timeline_for(&codes, workers, timeout, names);
                let requests: usize = (codes.iter())
                    .map(|&cc| plan.first_requests(cc, names, timeout).len())
                    .sum();
                assert_eq!(drawn.requests.len(), requests);
                assert_eq!(
                    drawn.end(),
                    plan.ideal_time_for(&codes, workers, timeout, names)
                );
                assert!(
                    drawn.lane_count() <= workers,
                    "{workers} workers, names {names}"
                );
            }
        }
        // With names, a flag starts the instant its metadata.json ends.
        let drawn = plan.ideal_timeline_for(&codes, 3, timeout, true);
        let metadata = |flag: &str| {
            let (code, _) = flag.split_once('/').unwrap();
            let json = format!("{code}/metadata.json");
            (drawn.requests.iter())
                .find(|r| r.label == json)
                .unwrap_or_else(|| panic!("no {json}"))
        };
        for flag in drawn.requests.iter().filter(|r| r.label.ends_with(".gif")) {
            assert_eq!(metadata(&flag.label).end, flag.start, "{}", flag.label);
        }
    }

    #[test]
    fn fixed_delays_script_the_order_of_completion() {
        let plan = Plan::preset(Preset::Delay)
            .delay_for_code(cc("BR"), ms(300))
            .delay_for_code(cc("CN"), ms(100));
        assert_eq!(plan.expected(cc("BR")).delay, ms(300));
        assert_eq!(plan.expected(cc("CN")).delay, ms(100));
        let meta = plan.answer("GET", &Resource::Metadata(cc("BR")).path(), 0);
        assert_eq!(meta.delay, ms(300));
        assert_ne!(plan.expected(cc("ID")).delay, ms(300));
    }

    #[test]
    fn the_hash_is_stable_across_platforms_and_versions() {
        // Pinned values: if these change, every recorded seed changes meaning.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(
            hash(1, "delay", "/flags/bd/bd.gif"),
            7_250_454_950_542_012_937
        );
        let plan = Plan::preset(Preset::Error).seed(1);
        assert_eq!(
            plan.expected(cc("BD")).delay,
            Duration::from_micros(2_659_753)
        );
    }
}
