//! What keeps a long-running server up when clients misbehave: idle
//! connections closed after a while, a bound on open connections with room
//! made by shedding the longest idle one, and accept errors that back off
//! and are logged rarely.
//!
//! Without these, connections that send half a request and wait stayed open
//! forever: 5,000 of them took the server from 8.5 MB to 138 MB over a few
//! rounds, and 1,100 under `ulimit -n 1024` used up its file descriptors,
//! so that it stopped serving and logged `accept failed: Too many open
//! files` twenty times a second.
//!
//! A connection is *idle* while no request of its is being answered: it has
//! sent half a request head, or it is a keep-alive connection between two
//! requests. The table below knows since when each one has been idle, on a
//! clock of whole seconds that a sweep advances, so one sweep a second
//! closes those idle for [`IDLE_TIMEOUT`]: a timeout for a half-sent request
//! head and for a keep-alive pause alike, at almost no cost per request
//! (hyper's own header timeout arms a timer for every request, and cost a
//! tenth of the server's throughput). When a new connection needs room, the
//! longest idle one goes first; never one whose request is being answered,
//! nor one idle for less than [`GRACE`]: it may have a request on its way,
//! or in its buffer not yet read, and closing it would turn a burst of
//! clients into errors rather than a short wait in the kernel's queue.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::AbortHandle;

use crate::{log, timer};

/// The most connections a server keeps open: the 2,000 that the
/// measurements hold at once, twice the book's 1,000 requests in flight
/// (`MAX_CONCUR_REQ`). Each costs hyper some 16 KB of buffers, and the
/// allocator keeps what churn frees: 2,048 bound the server to some 80 MB
/// under a flood of half-sent requests (4,096 let it reach 145 MB).
pub(crate) const MAX_CONNECTIONS: usize = 2048;

/// How long a connection may stay idle, in ticks of [`TICK`]: from when it
/// opens or its last answer left, it has this long to send a whole request
/// head. Any real client sends its head at once; ten seconds spare a loaded
/// machine.
pub(crate) const IDLE_TIMEOUT: u64 = 10;

/// How long a connection must have been idle before it may be shed, in
/// ticks.
const GRACE: u64 = 1;
/// The table's clock ticks, and its idle connections are swept, this often.
const TICK: Duration = Duration::from_secs(1);
/// How often a full server looks again for an idle connection to shed.
const LOOK_AGAIN: Duration = Duration::from_millis(100);
/// The first pause after a failed accept; each further failure doubles it.
const FIRST_BACKOFF: Duration = Duration::from_millis(1);
/// The longest pause after a failed accept.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// At most one line per this long about failed accepts.
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// The open connections of one server.
pub(crate) struct Connections {
    slots: Arc<Semaphore>,
    open: Mutex<Open>,
    /// Ticks since the table started: a clock that costs one load to read.
    clock: Arc<AtomicU64>,
}

#[derive(Default)]
struct Open {
    by_id: BTreeMap<u64, Arc<Connection>>,
    next_id: u64,
}

/// One open connection, as the table sees it.
pub(crate) struct Connection {
    /// Requests being answered on it.
    busy: AtomicUsize,
    /// Since which tick it has had no request to answer (meaningful while
    /// `busy` is 0).
    idle_since: AtomicU64,
    clock: Arc<AtomicU64>,
    /// The task that serves it: aborting it closes the connection.
    task: OnceLock<AbortHandle>,
}

/// A connection's place: it holds a slot, and leaves the table when
/// dropped, as the connection ends.
pub(crate) struct Slot {
    connections: Arc<Connections>,
    id: u64,
    connection: Arc<Connection>,
    _permit: OwnedSemaphorePermit,
}

/// Marks a connection busy while a request is being answered.
pub(crate) struct Busy(Arc<Connection>);

impl Connections {
    pub(crate) fn new(max: usize) -> Arc<Connections> {
        Arc::new(Connections {
            slots: Arc::new(Semaphore::new(max)),
            open: Mutex::default(),
            clock: Arc::default(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for room for one more connection. When every slot is taken,
    /// the longest idle connection is shed, and its slot comes back as it
    /// closes; with none idle, it looks again now and then, as answers
    /// finish. Meanwhile new connections wait in the kernel's queue.
    pub(crate) async fn room(self: &Arc<Self>) -> OwnedSemaphorePermit {
        loop {
            if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
                return permit;
            }
            self.shed_idle();
            let slot = Arc::clone(&self.slots).acquire_owned();
            if let Ok(permit) = tokio::time::timeout(LOOK_AGAIN, slot).await {
                return permit.expect("the semaphore is never closed");
            }
        }
    }

    /// Enters an accepted connection in the table; say which task serves
    /// it with [`Connection::served_by`].
    pub(crate) fn enter(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Slot {
        let connection = Arc::new(Connection {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.clock.load(Ordering::Relaxed)),
            clock: Arc::clone(&self.clock),
            task: OnceLock::new(),
        });
        let mut open = self.lock();
        let id = open.next_id;
        open.next_id += 1;
        open.by_id.insert(id, Arc::clone(&connection));
        Slot {
            connections: Arc::clone(self),
            id,
            connection,
            _permit: permit,
        }
    }

    /// Closes the connections idle for more than `ticks` ticks, the
    /// longest idle first, `most` at most; returns how many.
    fn close_idle(&self, ticks: u64, most: usize) -> usize {
        let now = self.clock.load(Ordering::Relaxed);
        let mut open = self.lock();
        let mut idle: Vec<(u64, u64)> = (open.by_id.iter())
            .filter(|(_, c)| c.busy.load(Ordering::Acquire) == 0 && c.task.get().is_some())
            .map(|(&id, c)| (c.idle_since.load(Ordering::Acquire), id))
            .filter(|&(since, _)| now.saturating_sub(since) > ticks)
            .collect();
        idle.sort_unstable();
        idle.truncate(most);
        for &(_, id) in &idle {
            if let Some(task) = open.by_id.remove(&id).and_then(|c| c.task.get().cloned()) {
                task.abort();
            }
        }
        idle.len()
    }

    /// Sheds the connection that has been idle longest, if it has been idle
    /// for more than [`GRACE`]; false if there is none.
    pub(crate) fn shed_idle(&self) -> bool {
        self.close_idle(GRACE, 1) == 1
    }

    /// Advances the clock.
    fn tick(&self) {
        self.clock.fetch_add(1, Ordering::Relaxed);
    }

    /// Ticks the clock once a second and closes the connections idle for
    /// more than [`IDLE_TIMEOUT`]. On the crate's timer thread: a tokio
    /// timer would make every idle worker of the runtime look at it.
    pub(crate) async fn sweep(&self) -> Infallible {
        let mut next = Instant::now();
        loop {
            next += TICK;
            timer::sleep_until(next).await;
            self.tick();
            self.close_idle(IDLE_TIMEOUT, usize::MAX);
        }
    }
}

impl Connection {
    /// Marks the connection busy until the guard is dropped.
    pub(crate) fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::AcqRel);
        Busy(Arc::clone(self))
    }

    /// The task that serves the connection, to abort when it is closed.
    pub(crate) fn served_by(&self, task: AbortHandle) {
        let _ = self.task.set(task);
    }
}

impl Slot {
    /// The connection, to mark it busy and say which task serves it.
    pub(crate) fn connection(&self) -> Arc<Connection> {
        Arc::clone(&self.connection)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let connection = &self.0;
        let now = connection.clock.load(Ordering::Relaxed);
        connection.idle_since.store(now, Ordering::Release);
        connection.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.lock().by_id.remove(&self.id);
    }
}

/// Failed accepts: a pause that doubles up to a second, so that a server
/// out of file descriptors never spins, and a line at most once a second.
pub(crate) struct AcceptErrors {
    backoff: Duration,
    unreported: u64,
    last_report: Option<Instant>,
}

impl AcceptErrors {
    pub(crate) fn new() -> AcceptErrors {
        AcceptErrors {
            backoff: FIRST_BACKOFF,
            unreported: 0,
            last_report: None,
        }
    }

    /// An accept succeeded: the next failure pauses briefly again.
    pub(crate) fn succeeded(&mut self) {
        self.backoff = FIRST_BACKOFF;
    }

    /// An accept failed: out of file descriptors, make room by shedding an
    /// idle connection; report now and then; pause.
    pub(crate) async fn failed(&mut self, err: io::Error, connections: &Connections) {
        let out_of_files = err.raw_os_error().is_some_and(is_out_of_files);
        if out_of_files {
            connections.shed_idle();
        }
        self.unreported += 1;
        let now = Instant::now();
        if self
            .last_report
            .is_none_or(|last| now.duration_since(last) >= REPORT_EVERY)
        {
            let count = std::mem::take(&mut self.unreported);
            let hint = if out_of_files {
                "; idle connections are closed to make room, new ones wait \
                 (raise `ulimit -n` to serve more at once)"
            } else {
                ""
            };
            let times = match self.last_report {
                Some(last) => format!(
                    " ({count} {} in {:.1}s)",
                    if count == 1 { "failure" } else { "failures" },
                    now.duration_since(last).as_secs_f64()
                ),
                None => String::new(),
            };
            log::err(|| format!("mock-server: accept failed: {err}{times}{hint}"));
            self.last_report = Some(now);
        }
        tokio::time::sleep(self.backoff).await;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }
}

/// EMFILE (the process's limit) or ENFILE (the system's), on Linux and the
/// BSDs alike.
fn is_out_of_files(errno: i32) -> bool {
    const EMFILE: i32 = 24;
    const ENFILE: i32 = 23;
    errno == EMFILE || errno == ENFILE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection entered in the table, served by a task that waits
    /// forever; the handle says when the task was aborted.
    async fn open(connections: &Arc<Connections>) -> (Slot, tokio::task::JoinHandle<()>) {
        let slot = connections.enter(connections.room().await);
        let task = tokio::spawn(std::future::pending());
        slot.connection().served_by(task.abort_handle());
        (slot, task)
    }

    #[tokio::test]
    async fn the_longest_idle_connection_is_shed_and_busy_or_new_ones_kept() {
        let connections = Connections::new(3);
        let (a, b, c) = (
            open(&connections).await,
            open(&connections).await,
            open(&connections).await,
        );
        connections.tick();
        assert!(!connections.shed_idle(), "none idle for the grace yet");
        connections.tick();
        // The first is answering a request; the second is idle longest.
        let busy = a.0.connection().busy();
        assert!(connections.shed_idle());
        assert!(b.1.await.unwrap_err().is_cancelled(), "its task is aborted");
        assert!(connections.shed_idle(), "then the next idle one");
        assert!(c.1.await.unwrap_err().is_cancelled());
        assert!(!connections.shed_idle(), "never the busy one");
        drop(busy);
        connections.tick();
        assert!(!connections.shed_idle(), "just idle again: not yet");
        connections.tick();
        assert!(connections.shed_idle(), "idle long enough");
        // Room comes back as the connections end.
        drop((a.0, b.0, c.0));
        for _ in 0..3 {
            drop(connections.room().await);
        }
    }

    #[tokio::test]
    async fn connections_idle_past_the_timeout_are_closed_together() {
        let connections = Connections::new(10);
        let mut open_ones = Vec::new();
        for _ in 0..4 {
            open_ones.push(open(&connections).await);
        }
        let _busy = open_ones[0].0.connection().busy();
        for _ in 0..IDLE_TIMEOUT {
            connections.tick();
        }
        assert_eq!(connections.close_idle(IDLE_TIMEOUT, usize::MAX), 0);
        connections.tick();
        assert_eq!(connections.close_idle(IDLE_TIMEOUT, usize::MAX), 3);
        for (_, task) in open_ones.drain(1..) {
            assert!(task.await.unwrap_err().is_cancelled());
        }
    }
}
