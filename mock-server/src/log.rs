//! The server's log, which never holds up a request.
//!
//! A request only queues its line; one thread per stream writes the lines
//! out. Writing in the request handler, as `println!` does, stopped the
//! server once nobody read its stdout (a pipe holds 64 KB, some 3,000
//! lines), and panicked every request once the pipe was closed
//! (`mock-server | head -1`). Here a reader that is too slow loses lines,
//! counted and reported as soon as the stream moves again:
//!
//! ```text
//! mock-server: 2612 log lines dropped: stdout was not read fast enough
//! ```
//!
//! and a stream that is closed (a broken pipe) ends that stream's logging,
//! quietly: the server goes on serving.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};

/// Lines a stream queues before it drops new ones: a burst of thousands of
/// requests waits for a slow terminal rather than being lost.
const QUEUE: usize = 4096;

/// At most this much goes out in one write.
const BATCH: usize = 64 * 1024;

/// Logs a request's line on stdout. `line` is only called if stdout is
/// still open.
pub(crate) fn out(line: impl FnOnce() -> String) {
    static STDOUT: OnceLock<Sink> = OnceLock::new();
    STDOUT
        .get_or_init(|| Sink::start("stdout", io::stdout()))
        .send(line);
}

/// Logs a notice about the server itself (an accept error) on stderr.
pub(crate) fn err(line: impl FnOnce() -> String) {
    static STDERR: OnceLock<Sink> = OnceLock::new();
    STDERR
        .get_or_init(|| Sink::start("stderr", io::stderr()))
        .send(line);
}

/// One stream: the queue to its writer thread.
struct Sink {
    queue: Option<SyncSender<String>>,
    state: Arc<State>,
}

/// What the request side and the writer share.
struct State {
    /// False once a write failed: nothing more is queued.
    open: AtomicBool,
    /// Lines dropped since the writer last said so.
    dropped: AtomicU64,
}

impl Sink {
    fn start(name: &'static str, stream: impl Write + Send + 'static) -> Sink {
        let state = Arc::new(State {
            open: AtomicBool::new(true),
            dropped: AtomicU64::new(0),
        });
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let writer_state = Arc::clone(&state);
        let started = std::thread::Builder::new()
            .name(format!("mock-server-{name}"))
            .spawn(move || write_lines(name, rx, stream, &writer_state));
        // Without a thread (none left to start), there is no log.
        let queue = started.is_ok().then_some(tx);
        Sink { queue, state }
    }

    /// Queues a line, or counts it dropped if the queue is full; never
    /// waits.
    fn send(&self, line: impl FnOnce() -> String) {
        let Some(queue) = &self.queue else { return };
        if !self.state.open.load(Ordering::Relaxed) {
            return;
        }
        if let Err(TrySendError::Full(_)) = queue.try_send(line()) {
            self.state.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The writer thread: whatever is queued goes out in one write, after a
/// note of the lines dropped since the last one.
fn write_lines(name: &str, rx: Receiver<String>, mut stream: impl Write, state: &State) {
    let mut batch = String::new();
    while let Ok(line) = rx.recv() {
        batch.clear();
        let dropped = state.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            batch.push_str(&format!(
                "mock-server: {dropped} log lines dropped: {name} was not read fast enough\n"
            ));
        }
        batch.push_str(&line);
        batch.push('\n');
        while batch.len() < BATCH {
            let Ok(line) = rx.try_recv() else { break };
            batch.push_str(&line);
            batch.push('\n');
        }
        if stream
            .write_all(batch.as_bytes())
            .and_then(|()| stream.flush())
            .is_err()
        {
            // A closed pipe: stop logging, keep serving.
            state.open.store(false, Ordering::Relaxed);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A stream that takes `accept` writes, then fails as a closed pipe.
    struct Pipe {
        written: Arc<Mutex<String>>,
        accept: usize,
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.accept == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.accept -= 1;
            let text = std::str::from_utf8(buf).unwrap();
            self.written.lock().unwrap().push_str(text);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn sink(queue: usize) -> (Sink, Receiver<String>) {
        let (tx, rx) = mpsc::sync_channel(queue);
        let state = Arc::new(State {
            open: AtomicBool::new(true),
            dropped: AtomicU64::new(0),
        });
        let sink = Sink {
            queue: Some(tx),
            state,
        };
        (sink, rx)
    }

    #[test]
    fn a_full_queue_drops_lines_and_says_how_many() {
        let (mut sink, rx) = sink(2);
        for n in 0..5 {
            sink.send(|| format!("line {n}"));
        }
        sink.queue = None;
        let written = Arc::default();
        let pipe = Pipe {
            written: Arc::clone(&written),
            accept: 1,
        };
        write_lines("stdout", rx, pipe, &sink.state);
        assert_eq!(
            *written.lock().unwrap(),
            "mock-server: 3 log lines dropped: stdout was not read fast enough\nline 0\nline 1\n"
        );
    }

    #[test]
    fn a_closed_stream_ends_the_log_quietly() {
        let (sink, rx) = sink(2);
        sink.send(|| "line".into());
        let pipe = Pipe {
            written: Arc::default(),
            accept: 0,
        };
        // Returns at the broken pipe, although the queue is still open.
        write_lines("stdout", rx, pipe, &sink.state);
        sink.send(|| unreachable!("a closed stream formats no line"));
    }
}
