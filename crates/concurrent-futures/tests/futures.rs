//! Behaviour of `Executor`, `Future`, `as_completed` and `Executor::map`.
//!
//! No test measures time. Calls block on a channel until the test releases
//! them, so the test decides when each call finishes. Where a test must show
//! that something has *not* happened yet, it waits a moment on a helper
//! thread's channel and expects nothing; that proves "not yet", never speed.

use concurrent_futures::{Executor, Future, Map, as_completed};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How long to wait before concluding that something has not happened yet.
const NOT_YET: Duration = Duration::from_millis(100);

/// The test's side of a blocked call: see it start, let it finish.
struct Gate {
    started: Receiver<()>,
    release: Sender<()>,
}

/// The call's side: says it has started, then blocks until released.
struct Latch {
    started: Sender<()>,
    release: Receiver<()>,
}

fn gate() -> (Latch, Gate) {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    (
        Latch {
            started: started_tx,
            release: release_rx,
        },
        Gate {
            started: started_rx,
            release: release_tx,
        },
    )
}

impl Latch {
    fn wait(self) {
        self.started.send(()).unwrap();
        self.release.recv().unwrap();
    }
}

impl Gate {
    fn wait_started(&self) {
        self.started.recv().unwrap();
    }
    fn open(&self) {
        self.release.send(()).unwrap();
    }
}

/// Submits a call that blocks until its gate opens, then returns `value`.
fn submit_gated<T: Send + Sync + 'static>(
    executor: &Executor,
    value: T,
) -> (Future<T, String>, Gate) {
    let (latch, gate) = gate();
    let future = executor.submit(move || {
        latch.wait();
        Ok(value)
    });
    (future, gate)
}

#[derive(Debug, PartialEq)]
struct Code(&'static str);

#[derive(Debug, PartialEq)]
struct DownloadError;

/// The message of a panic caught by `catch_unwind`.
fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload.downcast::<String>().map(|s| *s).unwrap()
}

#[test]
fn new_with_zero_workers_is_a_clear_error() {
    let error = Executor::new(0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "max_workers must be greater than 0; pass 1 or more"
    );
    assert_eq!(Executor::new(3).unwrap().max_workers(), 3);
}

#[test]
fn a_future_goes_pending_then_running_then_finished() {
    let executor = Executor::new(2).unwrap();
    let (a, gate_a) = submit_gated(&executor, Code("BR"));
    let (b, gate_b) = submit_gated(&executor, Code("CN"));
    gate_a.wait_started();
    gate_b.wait_started();
    // Both workers are blocked, so the third call waits in the queue.
    let (c, gate_c) = submit_gated(&executor, Code("ID"));
    assert!(a.running() && !a.done());
    assert!(
        !c.running() && !c.done(),
        "done() answers at once, even for a pending call"
    );
    assert!(format!("{a:?}").starts_with("<Future at 0x"));
    assert!(format!("{a:?}").ends_with(" state=running>"));
    assert!(format!("{c:?}").ends_with(" state=pending>"));

    gate_a.open();
    gate_c.wait_started(); // a's worker is free, so c runs
    assert!(c.running());
    assert_eq!(a.result(), Ok(&Code("BR")));
    assert!(a.done() && !a.running());
    assert!(format!("{a:?}").ends_with(" state=finished returned Code>"));

    gate_b.open();
    gate_c.open();
    assert_eq!(b.result(), Ok(&Code("CN")));
    assert_eq!(c.result(), Ok(&Code("ID")));
    assert!(b.done() && c.done());
}

#[test]
fn debug_shows_what_a_finished_call_raised() {
    let executor = Executor::new(1).unwrap();
    let raised = executor.submit(|| Err::<Code, _>(DownloadError));
    let panicked = executor.submit(|| -> Result<Code, DownloadError> { panic!("no flag") });
    let generic = executor.submit(|| Ok::<_, DownloadError>(vec![String::from("BR")]));
    let _ = catch_unwind(AssertUnwindSafe(|| panicked.result()));
    assert!(generic.result().is_ok());
    assert!(format!("{raised:?}").ends_with(" state=finished raised DownloadError>"));
    assert!(format!("{panicked:?}").ends_with(" state=finished raised panic>"));
    assert!(format!("{generic:?}").ends_with(" state=finished returned Vec<String>>"));
}

#[test]
fn debug_shows_the_same_address_for_every_clone() {
    let executor = Executor::new(1).unwrap();
    let future = executor.submit(|| Ok::<_, ()>(1));
    let address = |f: &Future<i32, ()>| format!("{f:?}").split(' ').nth(2).unwrap().to_string();
    assert_eq!(address(&future), address(&future.clone()));
}

#[test]
fn result_blocks_until_done_and_returns_the_value() {
    let executor = Executor::new(1).unwrap();
    let (future, gate) = submit_gated(&executor, 42);
    let waiter = future.clone();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(*waiter.result().unwrap()).unwrap());
    gate.wait_started();
    assert_eq!(
        rx.recv_timeout(NOT_YET),
        Err(RecvTimeoutError::Timeout),
        "result() waits"
    );
    gate.open();
    assert_eq!(rx.recv().unwrap(), 42);
    assert!(future.done());
}

#[test]
fn result_returns_the_error_a_call_raised() {
    let executor = Executor::new(1).unwrap();
    let future = executor.submit(|| Err::<Code, _>(DownloadError));
    assert_eq!(future.result(), Err(&DownloadError));
}

#[test]
fn result_re_raises_a_panic_in_the_caller() {
    let executor = Executor::new(1).unwrap();
    let future = executor.submit(|| -> Result<i32, ()> { panic!("HTTP error 418 - I'm a Teapot") });
    let payload = catch_unwind(AssertUnwindSafe(|| future.result())).unwrap_err();
    assert_eq!(panic_text(payload), "HTTP error 418 - I'm a Teapot");
    // The pool survived the panic: its one worker still runs calls.
    assert_eq!(executor.submit(|| Ok::<_, ()>(7)).result(), Ok(&7));
}

#[test]
fn a_callback_added_before_completion_runs_once_after_it() {
    let executor = Executor::new(1).unwrap();
    let (future, gate) = submit_gated(&executor, 1);
    let runs = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    let counter = Arc::clone(&runs);
    future.add_done_callback(move |done| {
        counter.fetch_add(1, Ordering::SeqCst);
        tx.send(done.done()).unwrap();
    });
    gate.wait_started();
    assert_eq!(
        runs.load(Ordering::SeqCst),
        0,
        "not before the call finishes"
    );
    gate.open();
    assert!(rx.recv().unwrap(), "the callback sees a finished future");
    drop(executor); // waits for the job, callbacks included
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn a_callback_added_after_completion_runs_at_once_in_the_callers_thread() {
    let executor = Executor::new(1).unwrap();
    let future = executor.submit(|| Ok::<_, ()>("done"));
    future.result().unwrap();
    let ran_in = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&ran_in);
    future.add_done_callback(move |done| {
        *slot.lock().unwrap() = Some((thread::current().id(), *done.result().unwrap()));
    });
    // Already run when add_done_callback returns, here, and it could call
    // result() on the future without deadlocking.
    assert_eq!(
        *ran_in.lock().unwrap(),
        Some((thread::current().id(), "done"))
    );
}

#[test]
fn several_callbacks_each_run_exactly_once() {
    let executor = Executor::new(1).unwrap();
    let (future, gate) = submit_gated(&executor, ());
    let ran = Arc::new(Mutex::new(Vec::new()));
    for i in 0..3 {
        let ran = Arc::clone(&ran);
        future.add_done_callback(move |_| ran.lock().unwrap().push(i));
    }
    future.add_done_callback(|_| panic!("a failing callback does not stop the others"));
    let last = Arc::clone(&ran);
    future.add_done_callback(move |_| last.lock().unwrap().push(3));
    gate.open();
    executor.shutdown();
    let late = Arc::clone(&ran);
    future.add_done_callback(move |_| late.lock().unwrap().push(4));
    assert_eq!(*ran.lock().unwrap(), [0, 1, 2, 3, 4]);
}

#[test]
fn as_completed_yields_futures_in_completion_order() {
    let executor = Executor::new(3).unwrap();
    let gated: Vec<_> = ["BR", "CN", "ID"]
        .into_iter()
        .map(|cc| submit_gated(&executor, cc))
        .collect();
    let (futures, gates): (Vec<_>, Vec<_>) = gated.into_iter().unzip();
    let mut completed = as_completed(futures);
    assert_eq!(completed.len(), 3);
    // Release one call at a time, and see each one come out as it finishes.
    let mut order = Vec::new();
    for i in [2, 0, 1] {
        gates[i].open();
        order.push(*completed.next().unwrap().result().unwrap());
    }
    assert_eq!(order, ["ID", "BR", "CN"]);
    assert!(completed.next().is_none());
}

#[test]
fn as_completed_yields_already_finished_futures_too() {
    let executor = Executor::new(1).unwrap();
    let future = executor.submit(|| Ok::<_, ()>(1));
    future.result().unwrap();
    let values: Vec<i32> = as_completed([future])
        .map(|f| *f.result().unwrap())
        .collect();
    assert_eq!(values, [1]);
}

/// Maps `i * 10` over `0..n` on `executor`, each call blocked on its gate:
/// the lazy results, the gates, and where each call says it has finished.
fn map_gated(executor: &Executor, n: usize) -> (Map<usize>, Vec<Gate>, Receiver<usize>) {
    let (latches, gates): (Vec<_>, Vec<_>) = (0..n).map(|_| gate()).unzip();
    let latches = Mutex::new(latches.into_iter().map(Some).collect::<Vec<_>>());
    let (finished_tx, finished_rx) = mpsc::channel();
    let finished_tx = Mutex::new(finished_tx);
    let results = executor.map(
        move |i: usize| {
            let latch = latches.lock().unwrap()[i].take().unwrap();
            latch.wait();
            finished_tx.lock().unwrap().send(i).unwrap();
            i * 10
        },
        0..n,
    );
    (results, gates, finished_rx)
}

#[test]
fn map_schedules_every_call_at_once() {
    let executor = Executor::new(3).unwrap();
    // Kept, so that each call can say it has finished.
    let (results, gates, _finished) = map_gated(&executor, 3);
    // Eager scheduling: every call starts though nobody has called next().
    for gate in &gates {
        gate.wait_started();
    }
    for gate in &gates {
        gate.open();
    }
    // Every call ran; their order is the next test's.
    let mut all: Vec<usize> = results.collect();
    all.sort();
    assert_eq!(all, [0, 10, 20]);
}

#[test]
fn map_yields_in_submission_order_a_slow_first_call_holding_back_the_rest() {
    let executor = Executor::new(3).unwrap();
    let (results, gates, finished) = map_gated(&executor, 3);
    assert!(format!("{results:?}").starts_with("<lazy iterator Executor::map at 0x"));
    for gate in &gates {
        gate.wait_started();
    }
    // The later calls finish first...
    gates[2].open();
    gates[1].open();
    assert_eq!(finished.recv().unwrap() + finished.recv().unwrap(), 3);
    // ...yet the iterator, on its own thread, still waits for call 0.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || results.for_each(|r| tx.send(r).unwrap()));
    assert_eq!(
        rx.recv_timeout(NOT_YET),
        Err(RecvTimeoutError::Timeout),
        "held back by call 0"
    );
    gates[0].open();
    assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 10, 20]);
}

#[test]
fn map_re_raises_a_panic_at_its_place_in_the_order() {
    let executor = Executor::new(2).unwrap();
    let mut results = executor.map(
        |n: u32| {
            if n == 1 {
                panic!("loiter({n}) failed")
            } else {
                n
            }
        },
        0..3,
    );
    assert_eq!(results.next(), Some(0));
    let payload = catch_unwind(AssertUnwindSafe(|| results.next())).unwrap_err();
    assert_eq!(panic_text(payload), "loiter(1) failed");
    assert_eq!(results.next(), Some(2));
    assert_eq!(results.next(), None);
}

/// Shows that `finish` (drop or shutdown) waits for a blocked call.
fn finishing_waits_for_submitted_calls(finish: fn(Executor)) {
    let executor = Executor::new(1).unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let (latch, gate) = gate();
    let count = Arc::clone(&finished);
    let _future = executor.submit(move || {
        latch.wait();
        Ok::<_, ()>(count.fetch_add(1, Ordering::SeqCst))
    });
    gate.wait_started();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        finish(executor);
        tx.send(()).unwrap();
    });
    assert_eq!(
        rx.recv_timeout(NOT_YET),
        Err(RecvTimeoutError::Timeout),
        "still waiting for the call"
    );
    gate.open();
    rx.recv().unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

#[test]
fn dropping_the_executor_waits_for_submitted_calls() {
    finishing_waits_for_submitted_calls(drop);
}

#[test]
fn shutdown_waits_for_submitted_calls() {
    finishing_waits_for_submitted_calls(Executor::shutdown);
}

#[test]
fn futures_are_equal_and_hash_alike_only_to_their_own_clones() {
    use std::collections::HashMap;
    let executor = Executor::new(1).unwrap();
    let a = executor.submit(|| Ok::<_, String>(1));
    let b = executor.submit(|| Ok::<_, String>(1));
    assert_eq!(a, a.clone());
    assert_ne!(a, b);
    let to_do_map: HashMap<_, _> = [(a.clone(), "BR"), (b.clone(), "CN")].into_iter().collect();
    assert_eq!(to_do_map[&a], "BR");
    assert_eq!(to_do_map[&b.clone()], "CN");
}
