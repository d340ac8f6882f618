//! The gate: the grading server holds answers back so that a client's
//! concurrency is *seen*, not timed.
//!
//! A stopwatch cannot tell a thread pool from a sequential loop on a busy
//! machine: a pool that starts slowly looks sequential, and a fast loop
//! looks concurrent. The gate makes the server wait for the client instead,
//! so that the verdict is the same on any machine:
//!
//! - **Ramp.** No answer leaves until `floor` requests are in flight at
//!   once (then, after a short quiet `settle`, so that a client that sends
//!   more than it may shows it), or more than `ceiling` are. A pool of N
//!   reaches N however slowly its threads start; a loop shows 1. The ramp
//!   is a starting gun: the plan's delays run from its opening, so the
//!   answers it held leave in the plan's order, not all at once.
//! - **Refill.** While codes remain unasked, the last request in flight is
//!   not answered until another one arrives. A pool refills a free worker
//!   at once, so it never waits here for long; a client that works in
//!   batches (start N, wait for all N, start the next N) or one at a time
//!   never sends that request, and the hold expires.
//!
//! An answer waits at most `hold` in all, which the grader keeps short of
//! the client's timeout, so a hold never turns into a client error. When a
//! hold runs out the rule is recorded as expired and switched off for the
//! rest of the run, so a wrong client costs `hold` once, not per request.

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use flags_common::{Code, flag_url};
use tokio::sync::Notify;

use crate::timer;

/// What the gate holds back, and for how long at most.
#[derive(Debug, Clone)]
pub struct Gate {
    /// No answer leaves before this many requests are in flight at once.
    pub floor: usize,
    /// More than this many in flight opens the ramp at once (a client that
    /// ignores its limit has shown it).
    pub ceiling: usize,
    /// The paths the client is meant to ask for: while some are unasked,
    /// the last request in flight waits for the next (the refill rule).
    pub expected: BTreeSet<String>,
    /// The most any answer is held by a rule.
    pub hold: Duration,
    /// How long the ramp waits, once at the floor, for more requests.
    pub settle: Duration,
    /// Whether the refill rule applies (a pool or a semaphore; not a
    /// sequential client, whose every answer would otherwise wait).
    pub refill: bool,
}

impl Gate {
    /// A gate for a test of a concurrency limit: no answer leaves until
    /// `limit` requests for `codes` are in flight (or all of them, if
    /// fewer), and the plan's delays start then. So a client with that
    /// limit shows exactly it however slowly it starts, and the order of
    /// the answers follows the plan's delays. Held at most a minute: a
    /// hang guard, never reached by a client that keeps its limit.
    pub fn for_limit(limit: usize, codes: &[Code]) -> Gate {
        Gate {
            floor: limit,
            ceiling: limit,
            expected: codes.iter().map(|&cc| flag_url("/flags", cc)).collect(),
            hold: Duration::from_secs(60),
            settle: Duration::from_millis(200),
            refill: false,
        }
    }
}

/// A rule whose hold ran out: the client never did what it waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// When it ran out, on the server's clock.
    pub at: Duration,
    /// Requests in flight then.
    pub in_flight: usize,
    /// Expected paths not yet asked for then.
    pub unasked: usize,
}

/// What the gate saw over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateReport {
    /// The ramp never reached the floor: the hold ran out.
    pub ramp_expired: Option<Expiry>,
    /// The last request in flight waited for a refill that never came.
    pub refill_expired: Option<Expiry>,
}

/// The gate's live state, shared by every request of a server.
#[derive(Debug)]
pub(crate) struct GateState {
    gate: Gate,
    start: Instant,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    in_flight: usize,
    asked: HashSet<String>,
    unasked: usize,
    last_arrival: Instant,
    ramp_open: bool,
    /// When the ramp opened (or its hold ran out).
    ramp_opened: Option<Instant>,
    refill_off: bool,
    report: GateReport,
}

impl GateState {
    pub(crate) fn new(gate: Gate, start: Instant) -> GateState {
        let unasked = gate.expected.len();
        // A sequential exercise (floor 1) needs no ramp.
        let ramp_open = gate.floor <= 1;
        GateState {
            gate,
            start,
            state: Mutex::new(State {
                in_flight: 0,
                asked: HashSet::new(),
                unasked,
                last_arrival: start,
                ramp_open,
                ramp_opened: None,
                refill_off: false,
                report: GateReport::default(),
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request arrived.
    pub(crate) fn arrive(&self, path: &str) {
        let mut s = self.lock();
        s.in_flight += 1;
        s.last_arrival = Instant::now();
        if self.gate.expected.contains(path) && s.asked.insert(path.to_owned()) {
            s.unasked -= 1;
        }
        drop(s);
        self.changed.notify_waiters();
    }

    /// A request left without its answer (the client hung up).
    pub(crate) fn abandon(&self) {
        self.lock().in_flight -= 1;
        self.changed.notify_waiters();
    }

    /// Waits for the ramp to open, or for its hold to run out, and
    /// returns when the request's delay starts: its arrival, or the moment
    /// the ramp opened if it was held; and whether it was held.
    pub(crate) async fn start(&self, arrival: Instant) -> (Instant, bool) {
        let mut held = false;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before the state is read, so no change is missed.
            changed.as_mut().enable();
            let Some(until) = self.ramp(arrival) else {
                // One instant for every held request, whenever its task
                // runs again: the delays keep their order.
                let opened = self.lock().ramp_opened.unwrap_or(arrival);
                return (if held { opened.max(arrival) } else { arrival }, held);
            };
            held = true;
            tokio::select! {
                () = changed => {}
                () = timer::sleep_until(until) => {}
            }
        }
    }

    /// Waits until an answer that is due may leave, and counts it out of
    /// flight. An answer the ramp held is spared the refill rule, so that
    /// none waits more than `hold` in all.
    pub(crate) async fn release(&self, ramp_held: bool) {
        let due = Instant::now();
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let Some(until) = self.refill(due, ramp_held) else {
                return;
            };
            tokio::select! {
                () = changed => {}
                () = timer::sleep_until(until) => {}
            }
        }
    }

    fn expiry(&self, s: &State, now: Instant) -> Expiry {
        Expiry {
            at: now - self.start,
            in_flight: s.in_flight,
            unasked: s.unasked,
        }
    }

    // ANCHOR: rules
    /// The ramp: `None` once it is open, or until when a request that
    /// arrived at `arrival` waits for it.
    fn ramp(&self, arrival: Instant) -> Option<Instant> {
        let g = &self.gate;
        let now = Instant::now();
        let deadline = arrival + g.hold;
        let mut s = self.lock();
        if s.ramp_open {
            return None;
        }
        // Fewer codes than the floor: all of them in flight will do.
        let target = g.floor.min(s.in_flight + s.unasked);
        let settled = now >= s.last_arrival + g.settle;
        if s.in_flight > g.ceiling || (s.in_flight >= target && settled) {
            s.ramp_open = true;
            s.ramp_opened = Some(now);
        } else if now >= deadline {
            s.report.ramp_expired = Some(self.expiry(&s, now));
            s.ramp_open = true;
            s.ramp_opened = Some(now);
        } else if s.in_flight >= target {
            return Some((s.last_arrival + g.settle).min(deadline));
        } else {
            return Some(deadline);
        }
        drop(s);
        self.changed.notify_waiters();
        None
    }

    /// The refill rule: `None` when an answer due since `due` may leave
    /// (and it is counted out of flight), or until when it waits.
    fn refill(&self, due: Instant, ramp_held: bool) -> Option<Instant> {
        let g = &self.gate;
        let now = Instant::now();
        let mut s = self.lock();
        let last_in_flight = s.in_flight == 1 && s.unasked > 0;
        if g.refill && !ramp_held && !s.refill_off && last_in_flight {
            if now < due + g.hold {
                return Some(due + g.hold);
            }
            s.report.refill_expired = Some(self.expiry(&s, now));
            s.refill_off = true;
        }
        s.in_flight -= 1;
        drop(s);
        self.changed.notify_waiters();
        None
    }
    // ANCHOR_END: rules

    pub(crate) fn report(&self) -> GateReport {
        self.lock().report
    }
}
