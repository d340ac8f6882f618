//! A run's stop switch. Ctrl-C, SIGTERM, a closed stdout or a failure that
//! would repeat for every flag stops a run, and every wait of the run ends
//! with it: a request in flight, a retry's backoff, a flag waiting its turn.
//!
//! The HTTP clients hold the run's [`Stop`] (see [`crate::http`]), so the
//! book's code needs no change to be stoppable: a request stopped midway
//! comes back as [`FetchError::Interrupted`](crate::FetchError::Interrupted),
//! and nothing half-written is left on disk (see [`crate::save_flag`]).

use std::io::{self, Write};
use std::pin::pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::Duration;

use tokio::sync::Notify;

/// Why a run stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM: `kill PID`, a service manager, a CI job's time limit.
    Terminate,
    /// Standard output was closed (`flags2-threadpool -a | head -c1`).
    StdoutClosed,
    /// An error that every further flag would meet too (the folder cannot
    /// be written): the run stops at the first.
    Failed,
}

impl StopReason {
    /// The exit status: 128 + the signal's number for a signal (as a shell
    /// reports a process the signal ended: 130, 143, and 141 for SIGPIPE,
    /// what a closed stdout sends), 1 for a failure.
    pub fn exit_code(self) -> u8 {
        match self {
            StopReason::Interrupt => 130,
            StopReason::Terminate => 143,
            StopReason::StdoutClosed => 141,
            StopReason::Failed => 1,
        }
    }

    /// How the user knows it: `Interrupted (Ctrl-C)`, `Terminated (SIGTERM)`.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Interrupt => "Interrupted (Ctrl-C)",
            StopReason::Terminate => "Terminated (SIGTERM)",
            StopReason::StdoutClosed => "Standard output closed",
            StopReason::Failed => "Stopped by an error",
        }
    }
}

/// The stop switch of a run, shared by all its threads and tasks: cloning
/// gives another handle on the same switch. It is thrown once; the first
/// reason is the one kept.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    reason: Mutex<Option<StopReason>>,
    /// Wakes the threads in [`Stop::sleep`].
    changed: Condvar,
    /// Wakes the tasks in [`Stop::stopped`].
    notify: Notify,
}

impl Stop {
    /// A switch not yet thrown.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Stops the run. Returns `true` if this call stopped it, `false` if it
    /// was stopped already (and keeps the first reason).
    pub fn stop(&self, reason: StopReason) -> bool {
        let mut current = self.lock();
        if current.is_some() {
            return false;
        }
        *current = Some(reason);
        drop(current);
        self.shared.changed.notify_all();
        self.shared.notify.notify_waiters();
        true
    }

    /// Why the run stopped, if it did.
    pub fn reason(&self) -> Option<StopReason> {
        *self.lock()
    }

    /// Whether the run is stopped.
    pub fn is_stopped(&self) -> bool {
        self.reason().is_some()
    }

    /// Blocks for `duration`, or until the run stops if that comes first.
    /// Returns `true` if it slept the whole time.
    pub fn sleep(&self, duration: Duration) -> bool {
        let guard = self.lock();
        let (guard, _) = self
            .shared
            .changed
            .wait_timeout_while(guard, duration, |reason| reason.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        guard.is_none()
    }

    /// Completes when the run stops (at once if it has).
    pub async fn stopped(&self) {
        loop {
            // Registered before the check, so a stop in between is not missed.
            let mut notified = pin!(self.shared.notify.notified());
            notified.as_mut().enable();
            if self.is_stopped() {
                return;
            }
            notified.await;
        }
    }

    /// The async [`Stop::sleep`]: waits `duration`, or until the run stops.
    /// Returns `true` if it waited the whole time.
    pub async fn pause(&self, duration: Duration) -> bool {
        tokio::select! {
            biased;
            () = self.stopped() => false,
            () = tokio::time::sleep(duration) => !self.is_stopped(),
        }
    }

    /// Prints `text` on stdout, as is, and flushes it. A stdout that cannot
    /// be written (closed by `| head`, for instance) stops the run, quietly:
    /// returns `false` then, and prints nothing more.
    pub fn print(&self, text: &str) -> bool {
        if self.reason() == Some(StopReason::StdoutClosed) {
            return false;
        }
        let mut out = io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => true,
            Err(err) => {
                if err.kind() != io::ErrorKind::BrokenPipe {
                    // Not a reader gone away (a full disk under `> file`):
                    // worth a word on stderr.
                    let _ = writeln!(io::stderr(), "cannot write to standard output: {err}");
                }
                self.stop(StopReason::StdoutClosed);
                false
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<StopReason>> {
        // Nothing panics while holding it: the value is always whole.
        self.shared
            .reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Makes Ctrl-C (SIGINT) and SIGTERM throw `stop` instead of killing the
/// process, so that the run can end its requests, keep no partial file and
/// print what it did. A second signal ends the process at once, with 128 +
/// the signal's number (a temporary file it leaves is removed by the next
/// run). The handlers are in place when this returns.
pub fn on_signals(stop: &Stop) -> io::Result<()> {
    let stop = stop.clone();
    let (ready_tx, ready) = mpsc::channel();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                    return;
                }
            };
            runtime.block_on(async move {
                let mut signals = match Signals::listen() {
                    Ok(signals) => signals,
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let first = signals.next().await;
                let again = match first {
                    StopReason::Interrupt => " (Ctrl-C again quits at once)",
                    _ => "",
                };
                let _ = writeln!(
                    io::stderr(),
                    "\n{}: stopping the downloads{again}…",
                    first.describe()
                );
                stop.stop(first);
                let second = signals.next().await;
                std::process::exit(i32::from(second.exit_code()));
            });
        })?;
    ready
        .recv()
        .unwrap_or_else(|_| Err(io::Error::other("the signal thread ended")))
}

/// SIGINT and SIGTERM as a stream (Ctrl-C alone where there is no SIGTERM).
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Registers the handlers (from now on, the signals no longer kill).
    fn listen() -> io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    async fn next(&mut self) -> StopReason {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => StopReason::Interrupt,
                _ = self.terminate.recv() => StopReason::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            // Should the handler fail, never stop: the signal kills as before.
            match tokio::signal::ctrl_c().await {
                Ok(()) => StopReason::Interrupt,
                Err(_) => std::future::pending().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_is_kept() {
        let stop = Stop::new();
        assert!(!stop.is_stopped());
        assert!(stop.stop(StopReason::Terminate));
        assert!(!stop.clone().stop(StopReason::Interrupt));
        assert_eq!(stop.reason(), Some(StopReason::Terminate));
        assert_eq!(StopReason::Terminate.exit_code(), 143);
    }

    #[test]
    fn a_blocking_sleep_ends_when_the_run_stops() {
        let stop = Stop::new();
        let sleeper = {
            let stop = stop.clone();
            std::thread::spawn(move || stop.sleep(Duration::from_secs(3600)))
        };
        stop.stop(StopReason::Interrupt);
        assert!(!sleeper.join().unwrap(), "woken, not slept out");
        assert!(!stop.sleep(Duration::from_secs(3600)), "stopped: no wait");
        assert!(Stop::new().sleep(Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn an_async_pause_ends_when_the_run_stops() {
        let stop = Stop::new();
        assert!(stop.pause(Duration::from_secs(5)).await, "slept out");
        let pausing = tokio::spawn({
            let stop = stop.clone();
            async move { stop.pause(Duration::from_secs(3600)).await }
        });
        tokio::task::yield_now().await;
        stop.stop(StopReason::Terminate);
        assert!(!pausing.await.unwrap());
        // Stopped already: no wait at all, even with the clock paused.
        stop.stopped().await;
    }
}
