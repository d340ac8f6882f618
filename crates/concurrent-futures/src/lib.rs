//! # concurrent-futures: Python's `concurrent.futures`, small enough to read in one sitting
//!
//! Python's `concurrent.futures` module runs callables on a pool of worker
//! threads (`ThreadPoolExecutor`) or processes and hands back a *future* for
//! each call: a handle on a call that will, at some point, hold its return
//! value or its exception. This crate is the thread half of it, on a
//! [rayon] thread pool: [`Executor`] (`ThreadPoolExecutor`), [`Future`],
//! [`as_completed`] and [`Executor::map`]. The flags and loiter crates use it
//! to port the book's scripts line for line.
//!
//! The book's chapter: *Where are the futures?* (`docs/src/futures.md`; `just book` builds it).
//!
//! ## A future is made by `submit`, never by hand
//!
//! There is no public way to build a [`Future`]: it stands for a call that
//! an executor has scheduled, so only [`Executor::submit`] makes one. You
//! query it ([`Future::done`], [`Future::running`]), wait for it
//! ([`Future::result`]) or ask to be told ([`Future::add_done_callback`]).
//!
//! ## Scheduled when submitted, or inert until polled
//!
//! The chapter turns on one difference. A Python future, and this one, is
//! *scheduled when submitted*: the call runs whether or not anybody ever
//! waits for it.
//!
//! ```text
//! >>> from concurrent.futures import ThreadPoolExecutor
//! >>> executor = ThreadPoolExecutor(max_workers=1)
//! >>> future = executor.submit(print, 'ran')   # nobody asks for the result...
//! ran
//! ```
//!
//! ```rust
//! use concurrent_futures::Executor;
//! use std::sync::mpsc;
//!
//! let executor = Executor::new(1)?;
//! let (tx, rx) = mpsc::channel();
//! let future = executor.submit(move || tx.send("ran").map(|()| 42));
//! drop(future); // nobody will ever ask for the result...
//! assert_eq!(rx.recv()?, "ran"); // ...yet the call ran: submit scheduled it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A Rust [`std::future::Future`] is the opposite: a description of work
//! that does nothing until an executor polls it. Create one and drop it, and
//! its body never runs.
//!
//! ```rust
//! use std::sync::atomic::{AtomicBool, Ordering};
//!
//! static RAN: AtomicBool = AtomicBool::new(false);
//! let lazy = async { RAN.store(true, Ordering::SeqCst) };
//! assert!(!RAN.load(Ordering::SeqCst)); // created, but not started
//! drop(lazy); // dropped unpolled: the body never runs at all
//! assert!(!RAN.load(Ordering::SeqCst));
//! ```
//!
//! ## Sample run
//!
//! The book's `flags_threadpool_futures.py`, in miniature: three workers,
//! five calls, so two wait their turn, and `Debug` prints what Python's
//! `repr` does. Right after `submit` a call is usually still pending: the
//! worker has not picked it up yet. `as_completed` yields each future as its
//! call finishes, whatever the submission order.
//!
//! ```rust
//! use concurrent_futures::{Executor, as_completed};
//! use std::{thread, time::Duration};
//!
//! let executor = Executor::new(3)?;
//! let mut futures = Vec::new();
//! for (cc, ms) in [("BR", 40), ("CN", 10), ("ID", 25), ("IN", 0), ("US", 5)] {
//!     let future = executor.submit(move || {
//!         thread::sleep(Duration::from_millis(ms)); // a stand-in for a download
//!         Ok::<_, std::io::Error>(cc.to_string())
//!     });
//!     println!("Scheduled for {cc}: {future:?}");
//!     futures.push(future);
//! }
//! for future in as_completed(futures) {
//!     let cc = future.result().map_err(|e| e.to_string())?;
//!     println!("{future:?} result: {cc:?}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```text
//! Scheduled for BR: <Future at 0x55e33a97f1a0 state=pending>
//! Scheduled for CN: <Future at 0x55e33a9818c0 state=pending>
//! Scheduled for ID: <Future at 0x55e33a981970 state=pending>
//! Scheduled for IN: <Future at 0x55e33a981a20 state=pending>
//! Scheduled for US: <Future at 0x55e33a981ad0 state=pending>
//! <Future at 0x55e33a9818c0 state=finished returned String> result: "CN"
//! <Future at 0x55e33a981a20 state=finished returned String> result: "IN"
//! <Future at 0x55e33a981ad0 state=finished returned String> result: "US"
//! <Future at 0x55e33a981970 state=finished returned String> result: "ID"
//! <Future at 0x55e33a97f1a0 state=finished returned String> result: "BR"
//! ```
//!
//! A call that returns `Err(e)` finishes as `raised E`; one that panics
//! finishes as `raised panic`, and `result()` re-raises the panic in the
//! caller, as Python re-raises the call's exception.
#![deny(missing_docs)]

use std::any::Any;
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

/// Python's `ThreadPoolExecutor`: a pool of `max_workers` threads that runs
/// submitted calls in the order they were submitted.
///
/// Dropping it, or calling [`Executor::shutdown`], waits for every submitted
/// call to finish, as Python's `with executor:` block does on exit.
///
#[doc = include_str!("send_static.md")]
#[derive(Debug)]
pub struct Executor {
    pool: ThreadPool,
    max_workers: usize,
    in_flight: Arc<InFlight>,
}

/// Calls submitted but not yet finished, so that dropping the executor can
/// wait for them: rayon's own `ThreadPool` drop lets queued jobs finish, but
/// does not wait for them.
#[derive(Debug, Default)]
struct InFlight {
    count: Mutex<usize>,
    none_left: Condvar,
}

/// Why [`Executor::new`] failed.
#[derive(Debug)]
pub enum ExecutorError {
    /// `max_workers` was 0: a pool needs at least one thread to run anything.
    NoWorkers,
    /// The operating system would not start the worker threads.
    ThreadPool(rayon::ThreadPoolBuildError),
}

impl fmt::Display for ExecutorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Python's own words: ValueError("max_workers must be greater than 0").
            Self::NoWorkers => f.write_str("max_workers must be greater than 0; pass 1 or more"),
            Self::ThreadPool(e) => write!(f, "could not start the worker threads: {e}"),
        }
    }
}

impl Error for ExecutorError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::NoWorkers => None,
            Self::ThreadPool(e) => Some(e),
        }
    }
}

/// A rayon pool of `threads` workers, named by `name`, whose threads start
/// as the work does, as a Python `ThreadPoolExecutor`'s do: the first one
/// at once, the others one after another on a helper thread while the
/// first already runs the first call. Dropped, it starts no more.
///
/// `ThreadPoolBuilder::build` alone starts every thread before it returns:
/// 676 threads take 40 to 70 ms on a 2-core VM, and no call would start
/// until the last thread had.
pub fn thread_pool(
    threads: usize,
    name: impl FnMut(usize) -> String + 'static,
) -> Result<ThreadPool, rayon::ThreadPoolBuildError> {
    // The first thread starts at once; the others wait in a channel for
    // the starter thread, which runs once `build` has returned.
    let (later, waiting) = mpsc::channel::<rayon::ThreadBuilder>();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(name)
        .spawn_handler(move |thread| match thread.index() {
            0 => start_worker(thread),
            _ => later
                .send(thread)
                .map_err(|_| std::io::Error::other("the thread starter is gone")),
        })
        .build()?;
    let closed = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&closed);
    // A thread that cannot start, or a starter that cannot, leaves the pool
    // smaller: the threads it has still take every call.
    let _ = std::thread::Builder::new()
        .name("pool-starter".to_owned())
        .spawn(move || {
            for thread in waiting {
                if stop.load(Ordering::Relaxed) || start_worker(thread).is_err() {
                    break;
                }
            }
        });
    Ok(ThreadPool { pool, closed })
}

/// A rayon pool from [`thread_pool`]: a `rayon::ThreadPool` (through
/// `Deref`) whose threads not yet started stay unstarted once it is
/// dropped.
#[derive(Debug)]
pub struct ThreadPool {
    pool: rayon::ThreadPool,
    closed: Arc<AtomicBool>,
}

impl std::ops::Deref for ThreadPool {
    type Target = rayon::ThreadPool;

    fn deref(&self) -> &rayon::ThreadPool {
        &self.pool
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

/// Starts one of a pool's threads, with the name and stack size rayon gives.
fn start_worker(thread: rayon::ThreadBuilder) -> std::io::Result<()> {
    let mut builder = std::thread::Builder::new();
    if let Some(name) = thread.name() {
        builder = builder.name(name.to_owned());
    }
    if let Some(size) = thread.stack_size() {
        builder = builder.stack_size(size);
    }
    builder.spawn(move || thread.run()).map(drop)
}

impl Executor {
    /// Starts a pool of `max_workers` threads; 0 is an [`ExecutorError`].
    pub fn new(max_workers: usize) -> Result<Executor, ExecutorError> {
        if max_workers == 0 {
            return Err(ExecutorError::NoWorkers);
        }
        let pool = thread_pool(max_workers, |i| format!("executor-worker-{i}"))
            .map_err(ExecutorError::ThreadPool)?;
        let in_flight = Arc::default();
        Ok(Executor {
            pool,
            max_workers,
            in_flight,
        })
    }

    /// The number of worker threads, as given to [`Executor::new`].
    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    // ANCHOR: submit
    /// Schedules `f` to run on a worker and returns its [`Future`] at once.
    ///
    /// The call runs whether or not anybody waits for the future. `Ok(value)`
    /// is what Python's call *returns*, `Err(error)` what it *raises*.
    /// `T` and `E` must be `Sync` because the future is shared: the caller
    /// and the callbacks, on the worker, may read the result at the same time.
    pub fn submit<T, E, F>(&self, f: F) -> Future<T, E>
    where
        F: FnOnce() -> Result<T, E> + Send + 'static,
        T: Send + Sync + 'static,
        E: Send + Sync + 'static,
    {
        let future = Future::pending();
        let worker_side = future.clone();
        self.spawn(move || {
            worker_side.set_running();
            let outcome = match catch_call(f) {
                Ok(Ok(value)) => Outcome::Returned(value),
                Ok(Err(error)) => Outcome::Raised(error),
                Err(message) => Outcome::Panicked(message),
            };
            worker_side.finish(outcome);
        });
        future
    }
    // ANCHOR_END: submit

    // ANCHOR: map
    /// Python's `executor.map(fn, items)`: submits `f(item)` for every item
    /// *now*, and returns a lazy iterator over the results *in item order*.
    ///
    /// Scheduling is eager, yielding is lazy and ordered: if the first call is
    /// the slowest, `next()` waits for it while later results sit ready.
    pub fn map<I, F, R>(&self, f: F, items: I) -> Map<R>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> R + Send + Sync + 'static,
        R: Send + 'static,
    {
        // One `f` for all the calls, shared by the worker threads.
        let f = Arc::new(f);
        let results = items
            .into_iter()
            .map(|item| {
                // One channel per call: each result is moved out exactly once,
                // in its own slot, so `R` needs no `Clone` and no `Sync`.
                let (tx, rx) = mpsc::channel();
                let f = Arc::clone(&f);
                self.spawn(move || {
                    // The receiver is gone if the caller dropped the iterator:
                    // nobody wants the result, which is fine.
                    let _ = tx.send(catch_call(|| f(item)));
                });
                rx
            })
            .collect();
        Map { results }
    }
    // ANCHOR_END: map

    /// Python's `shutdown(wait=True)`: waits for every submitted call to
    /// finish, then stops the worker threads.
    pub fn shutdown(self) {
        drop(self); // Drop does the waiting, so `with executor:` and this agree.
    }

    /// Runs `job` on the pool, counted in `in_flight` until it ends.
    /// `job` must not panic: every job catches its call's panic.
    fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        *lock(&self.in_flight.count) += 1;
        let in_flight = Arc::clone(&self.in_flight);
        // Why rayon's `spawn`: it is fire-and-forget, like `submit`, and a job
        // spawned from outside the pool joins a FIFO queue, so calls start in
        // submission order, as on Python's work queue. (`install` or `scope`
        // would block the caller until the work is done.)
        self.pool.spawn(move || {
            job();
            let mut count = lock(&in_flight.count);
            *count -= 1;
            if *count == 0 {
                in_flight.none_left.notify_all();
            }
        });
    }
}

impl Drop for Executor {
    /// Waits for every submitted call, like leaving Python's `with executor:`.
    fn drop(&mut self) {
        let count = lock(&self.in_flight.count);
        let _idle = self
            .in_flight
            .none_left
            .wait_while(count, |count| *count > 0)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

/// A call scheduled by [`Executor::submit`]: pending, running, then finished.
///
/// Cloning gives another handle on the same call (an `Arc` inside), as
/// Python code passes the same future object around.
pub struct Future<T, E> {
    shared: Arc<Shared<T, E>>,
}

struct Shared<T, E> {
    /// The state and the callbacks waiting for it, under one lock, so that a
    /// callback is either queued before the call finishes or sees it
    /// finished: never lost, never run twice.
    inner: Mutex<Inner<T, E>>,
    /// Why a `Condvar`: `result()` must sleep until the state is `Finished`,
    /// and a condition variable is how a thread sleeps on a mutex-guarded
    /// state without spinning (Python's future uses `threading.Condition`).
    finished: Condvar,
    /// Written once by the worker before the state becomes `Finished`.
    /// A `OnceLock` lets `result()` lend out `&T` without holding a lock.
    outcome: OnceLock<Outcome<T, E>>,
}

struct Inner<T, E> {
    state: State,
    callbacks: Vec<Callback<T, E>>,
}

type Callback<T, E> = Box<dyn FnOnce(&Future<T, E>) + Send>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Finished,
}

enum Outcome<T, E> {
    Returned(T),
    Raised(E),
    /// The call panicked; the panic's message, to re-raise.
    Panicked(String),
}

impl<T, E> Clone for Future<T, E> {
    fn clone(&self) -> Self {
        Future {
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Futures compare and hash by identity, as Python's do: two handles are
/// equal when they stand for the same call. This lets a future be the key
/// of a map, like the book's `to_do_map = {future: cc}`.
impl<T, E> PartialEq for Future<T, E> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T, E> Eq for Future<T, E> {}

impl<T, E> std::hash::Hash for Future<T, E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.shared).hash(state);
    }
}

impl<T, E> Future<T, E> {
    fn pending() -> Self {
        let inner = Inner {
            state: State::Pending,
            callbacks: Vec::new(),
        };
        let shared = Shared {
            inner: Mutex::new(inner),
            finished: Condvar::new(),
            outcome: OnceLock::new(),
        };
        Future {
            shared: Arc::new(shared),
        }
    }

    /// True once the call has finished (returned, raised or panicked).
    /// Never blocks: it only looks.
    pub fn done(&self) -> bool {
        self.state() == State::Finished
    }

    /// True while a worker is running the call.
    pub fn running(&self) -> bool {
        self.state() == State::Running
    }

    /// Blocks until the call finishes, then returns `Ok(&value)` if it
    /// returned or `Err(&error)` if it raised.
    ///
    /// # Panics
    ///
    /// If the call panicked, panics with the same message: the re-raise.
    pub fn result(&self) -> Result<&T, &E> {
        let inner = lock(&self.shared.inner);
        let _finished = self
            .shared
            .finished
            .wait_while(inner, |inner| inner.state != State::Finished)
            .unwrap_or_else(PoisonError::into_inner);
        match self
            .shared
            .outcome
            .get()
            .expect("the outcome is set before the state is Finished")
        {
            Outcome::Returned(value) => Ok(value),
            Outcome::Raised(error) => Err(error),
            Outcome::Panicked(message) => panic!("{message}"),
        }
    }

    /// Runs `callback` once, when the call finishes, in the worker's thread;
    /// if it has already finished, runs it now, in the caller's thread.
    ///
    /// As in Python, a callback that panics is reported (by the panic hook)
    /// and ignored: the other callbacks still run.
    pub fn add_done_callback<C>(&self, callback: C)
    where
        C: FnOnce(&Future<T, E>) + Send + 'static,
    {
        let mut inner = lock(&self.shared.inner);
        if inner.state != State::Finished {
            inner.callbacks.push(Box::new(callback));
            return;
        }
        // Run it outside the lock: the callback may well call `result()` or
        // `add_done_callback()` on this future, which take the same lock, and
        // holding it here would deadlock.
        drop(inner);
        self.run_callback(callback);
    }

    fn state(&self) -> State {
        lock(&self.shared.inner).state
    }

    fn set_running(&self) {
        lock(&self.shared.inner).state = State::Running;
    }

    fn finish(&self, outcome: Outcome<T, E>) {
        // Only this call's job finishes this future, so the cell is empty.
        let _ = self.shared.outcome.set(outcome);
        let callbacks = {
            let mut inner = lock(&self.shared.inner);
            inner.state = State::Finished;
            std::mem::take(&mut inner.callbacks)
        };
        self.shared.finished.notify_all();
        // Outside the lock, for the same reason as in `add_done_callback`.
        for callback in callbacks {
            self.run_callback(callback);
        }
    }

    fn run_callback(&self, callback: impl FnOnce(&Future<T, E>)) {
        // Python logs a callback's exception and carries on; a panic escaping
        // into a rayon worker would abort the whole process instead.
        let _ = catch_unwind(AssertUnwindSafe(|| callback(self)));
    }
}

/// Like Python's `repr`: `<Future at 0x… state=finished returned String>`.
/// The address is the shared state's, the same for every clone, like `id()`.
impl<T, E> fmt::Debug for Future<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Future at {:p} state=", Arc::as_ptr(&self.shared))?;
        match (self.state(), self.shared.outcome.get()) {
            (State::Pending, _) => f.write_str("pending>"),
            // (Finished without an outcome cannot happen: `finish` sets it first.)
            (State::Running, _) | (State::Finished, None) => f.write_str("running>"),
            (State::Finished, Some(Outcome::Returned(_))) => {
                write!(f, "finished returned {}>", short_type_name::<T>())
            }
            (State::Finished, Some(Outcome::Raised(_))) => {
                write!(f, "finished raised {}>", short_type_name::<E>())
            }
            (State::Finished, Some(Outcome::Panicked(_))) => f.write_str("finished raised panic>"),
        }
    }
}

// ANCHOR: as_completed
/// Python's `as_completed(futures)`: yields each future as it finishes,
/// whatever the order they were submitted in.
pub fn as_completed<T, E>(futures: impl IntoIterator<Item = Future<T, E>>) -> AsCompleted<T, E>
where
    T: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    // Each future posts itself to the channel when it finishes, so the
    // iterator just receives: first come, first yielded. A future that has
    // already finished posts itself at once.
    let (tx, rx) = mpsc::channel();
    let mut remaining = 0;
    for future in futures {
        let tx = tx.clone();
        // The receiver is gone only if the caller stopped iterating.
        future.add_done_callback(move |done| {
            let _ = tx.send(done.clone());
        });
        remaining += 1;
    }
    AsCompleted { rx, remaining }
}
// ANCHOR_END: as_completed

/// The iterator returned by [`as_completed`].
pub struct AsCompleted<T, E> {
    rx: Receiver<Future<T, E>>,
    remaining: usize,
}

impl<T, E> Iterator for AsCompleted<T, E> {
    type Item = Future<T, E>;

    fn next(&mut self) -> Option<Future<T, E>> {
        self.remaining = self.remaining.checked_sub(1)?;
        self.rx.recv().ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// Knows its length, so a progress bar can show `3/20` (flags2 wraps
/// `as_completed` in one).
impl<T, E> ExactSizeIterator for AsCompleted<T, E> {}

/// The lazy iterator returned by [`Executor::map`]: results in item order.
pub struct Map<R> {
    /// One receiver per call, in submission order.
    results: VecDeque<Receiver<Result<R, String>>>,
}

impl<R> Iterator for Map<R> {
    type Item = R;

    /// Blocks for the *next call in submission order*, however many later
    /// calls have finished already.
    ///
    /// # Panics
    ///
    /// If that call panicked, panics with the same message, as Python's
    /// `map` re-raises the call's exception.
    fn next(&mut self) -> Option<R> {
        let rx = self.results.pop_front()?;
        match rx
            .recv()
            .expect("every map job sends its result: the executor waits for them")
        {
            Ok(value) => Some(value),
            Err(message) => panic!("{message}"),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.results.len(), Some(self.results.len()))
    }
}

impl<R> ExactSizeIterator for Map<R> {}

/// Honest about what it is, like Python's
/// `<generator object Executor.map.<locals>.result_iterator at 0x…>`.
/// The address is where the iterator is now: unlike a Python object, a Rust
/// value can move.
impl<R> fmt::Debug for Map<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<lazy iterator Executor::map at {self:p}>")
    }
}

/// Runs `f`, turning a panic into its message.
///
/// Why `catch_unwind`: a panic escaping a rayon job aborts the process. The
/// panic belongs to the caller who asks for the result, as a Python
/// exception does, so we record it and re-raise it there. `AssertUnwindSafe`
/// is sound here because nothing `f` owned is looked at after it panics.
fn catch_call<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(&*payload))
}

/// The message of a panic, as the default panic hook prints it.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message.to_string()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}

/// Locks `mutex`, ignoring poison: no code here panics while holding a
/// lock (callbacks run outside it), so the guarded state is always whole.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `X`'s type name without paths, as Python's repr shows `str`:
/// `alloc::vec::Vec<alloc::string::String>` becomes `Vec<String>`.
fn short_type_name<X: ?Sized>() -> String {
    let mut short = String::new();
    let mut path_start = 0; // where the current `a::b::C` path began
    for c in std::any::type_name::<X>().chars() {
        short.push(c);
        if c.is_alphanumeric() || c == '_' || c == ':' {
            if short.ends_with("::") {
                short.truncate(path_start); // drop `a::`, keep what follows
            }
        } else {
            path_start = short.len(); // `<`, `,`, ` `, `&`, `(`: a new path begins
        }
    }
    short
}

#[cfg(test)]
mod tests {
    use super::{short_type_name, thread_pool};
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::Duration;

    #[test]
    fn a_pool_starts_every_thread_it_was_asked_for() {
        // Eight calls that each wait for all eight to be running at once:
        // only eight threads can run them. A pool that left threads
        // unstarted would hold the calls until the hang guard.
        let pool = thread_pool(8, |i| format!("test-{i}")).unwrap();
        let running = Arc::new((Mutex::new(0), Condvar::new()));
        let all_met: Vec<bool> = pool.install(|| {
            use rayon::prelude::*;
            (0..8)
                .into_par_iter()
                .with_max_len(1)
                .map(|_| {
                    let (count, changed) = &*running;
                    let mut n = count.lock().unwrap();
                    *n += 1;
                    changed.notify_all();
                    let (n, timeout) = changed
                        .wait_timeout_while(n, Duration::from_secs(60), |n| *n < 8)
                        .unwrap();
                    drop(n);
                    !timeout.timed_out()
                })
                .collect()
        });
        assert_eq!(all_met, vec![true; 8]);
        assert_eq!(pool.current_num_threads(), 8);
        // The threads carry the names given.
        let name = pool.install(|| std::thread::current().name().map(str::to_owned));
        assert!(
            name.as_deref().is_some_and(|n| n.starts_with("test-")),
            "{name:?}"
        );
    }

    #[test]
    fn short_type_name_drops_paths_and_keeps_generics() {
        assert_eq!(short_type_name::<String>(), "String");
        assert_eq!(short_type_name::<Vec<String>>(), "Vec<String>");
        assert_eq!(
            short_type_name::<Result<Vec<u8>, std::io::Error>>(),
            "Result<Vec<u8>, Error>"
        );
        assert_eq!(short_type_name::<(i32, &str)>(), "(i32, &str)");
        assert_eq!(
            short_type_name::<Box<dyn std::error::Error>>(),
            "Box<dyn Error>"
        );
    }
}
