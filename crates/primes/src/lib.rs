//! # primes: CPU-bound work, sequentially, with threads and with processes
//!
//! The book's chapter: *CPU-bound work and the GIL* (`docs/src/primes.md`; `just book` builds it).
//!
//! Ports the book's `sequential.py` and `proc_pool.py` (2nd edition, ch. 19
//! "Concurrency Models in Python" and ch. 20 "Concurrent Executors"): check
//! the book's 20 [`NUMBERS`] for primality by trial division and print how
//! long each check took. The three strategies differ only in who runs
//! [`check`]:
//!
//! - [`sequential`]: one loop, as `sequential.py`;
//! - [`threads`]: `Executor::map` over a pool of threads;
//! - [`processes`]: this binary re-run as worker processes, as
//!   `ProcessPoolExecutor` does (the default, like `proc_pool.py`).
//!
//! Sample run (2 shared, noisy cores):
//!
//! ```text
//! $ cargo run --release -p primes -- 2 --strategy processes
//! Checking 20 numbers with 2 processes:
//! 9999999999999999     0.000000s
//! 9999999999999917  P  0.107085s
//! 7777777777777777     0.000000s
//! 7777777777777753  P  0.094788s
//! 7777777536340681     0.095112s
//! 6666667141414921     0.087550s
//! 6666666666666719  P  0.084914s
//! 6666666666666666     0.000000s
//! 5555555555555555     0.000000s
//! 5555555555555503  P  0.077171s
//! 5555553133149889     0.077051s
//! 4444444488888889     0.071270s
//! 4444444444444444     0.000000s
//! 4444444444444423  P  0.069497s
//! 3333335652092209     0.058504s
//! 3333333333333333     0.000000s
//! 3333333333333301  P  0.061150s
//!  299593572317531  P  0.018587s
//!  142702110479723  P  0.012710s
//!                2  P  0.000000s
//! Total time: 0.47s
//! ```
//!
//! How to run: `cargo run --release -p primes -- 2 --strategy threads`.
//! WORKERS defaults to the number of CPUs; `--strategy` is `sequential`,
//! `threads` or `processes`; `--numbers 2,3,97` checks other numbers.
//!
//! ## The lesson
//!
//! In Python, threads cannot run bytecode in parallel: the GIL lets one
//! thread at a time hold the interpreter. A thread pool does not speed up
//! CPU-bound work, so the book reaches for `ProcessPoolExecutor`, whose
//! workers are separate interpreters, each with its own GIL. The 1st
//! edition's Table 17-1 shows processes scaling with the workers: SHA-256
//! with 1 to 4 processes took 22.66, 14.90, 11.91 and 10.89 s; RC4 11.48,
//! 8.65, 6.04 and 5.58 s.
//!
//! Rust has no GIL: threads run on every core at once, so they speed up
//! CPU-bound work as much as processes do, without starting processes and
//! piping numbers and answers through them. Measured here on the 20 numbers
//! (release build; 2 cores, shared and noisy):
//!
//! | strategy     | workers | `Total time`, 3 runs | wall time, `hyperfine --runs 3` |
//! |--------------|--------:|----------------------|--------------------------------:|
//! | `sequential` |       – | 0.95, 0.93, 0.95 s   |                          927 ms |
//! | `threads`    |       1 | 0.93, 0.93, 1.00 s   |                          918 ms |
//! | `threads`    |       2 | 0.69, 0.58, 0.47 s   |                          479 ms |
//! | `processes`  |       1 | 0.94, 0.92, 0.95 s   |                          914 ms |
//! | `processes`  |       2 | 0.53, 0.50, 0.48 s   |                          482 ms |
//!
//! Two workers halve the time either way: there are two cores. What
//! processes add is a fixed cost, too small to see next to a second of
//! arithmetic but plain on trivial work: checking 2 to 21
//! (`--numbers 2,3,…,21`) takes 1.0 ms sequentially, 1.3 ms with 2 threads
//! and 2.6 ms with 2 processes (whole runs, `hyperfine --runs 50`).
#![deny(missing_docs)]

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use concurrent_futures::{Executor, ExecutorError};

// ANCHOR: numbers
/// The book's 20 numbers (`primes.py`), in its order. The large primes are
/// the slow ones: trial division must try every odd number up to √n.
pub const NUMBERS: [u64; 20] = [
    2,
    142_702_110_479_723,
    299_593_572_317_531,
    3_333_333_333_333_301,
    3_333_333_333_333_333,
    3_333_335_652_092_209,
    4_444_444_444_444_423,
    4_444_444_444_444_444,
    4_444_444_488_888_889,
    5_555_553_133_149_889,
    5_555_555_555_555_503,
    5_555_555_555_555_555,
    6_666_666_666_666_666,
    6_666_666_666_666_719,
    6_666_667_141_414_921,
    7_777_777_536_340_681,
    7_777_777_777_777_753,
    7_777_777_777_777_777,
    9_999_999_999_999_917,
    9_999_999_999_999_999,
];
// ANCHOR_END: numbers

// ANCHOR: is_prime
/// The book's `is_prime`: trial division by the odd numbers up to √n.
/// Slow on purpose: it is the CPU-bound work the strategies share out.
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n == 2 {
        return true;
    }
    if n % 2 == 0 {
        return false;
    }
    (3..=n.isqrt()).step_by(2).all(|i| n % i != 0)
}
// ANCHOR_END: is_prime

// ANCHOR: check
/// One number checked (the book's `PrimeResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The number checked.
    pub n: u64,
    /// Whether it is prime.
    pub prime: bool,
    /// How long [`is_prime`] took on it.
    pub elapsed: Duration,
}

/// Checks `n` and times it. The worker does the timing, as the book's
/// `check` does, so `elapsed` is the work alone, not the wait in a queue.
pub fn check(n: u64) -> Check {
    let t0 = Instant::now();
    let prime = is_prime(n);
    Check {
        n,
        prime,
        elapsed: t0.elapsed(),
    }
}

/// The book's result line, `{n:16}  {P or blank} {elapsed:9.6f}s`: the one
/// piece of output the three strategies share.
impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = if self.prime { 'P' } else { ' ' };
        let elapsed = self.elapsed.as_secs_f64();
        write!(f, "{:16}  {label} {elapsed:9.6}s", self.n)
    }
}
// ANCHOR_END: check

/// What a strategy returns: the checks in submission order and the time the
/// whole run took (the book's `Total time`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// One check per number, in the order the numbers were given.
    pub checks: Vec<Check>,
    /// From the start of the run, pool start-up included, to the last check.
    pub total: Duration,
}

// Each strategy hands every check to `on_check` as soon as it may be shown:
// in submission order, as `executor.map` yields them. The caller prints.

// ANCHOR: sequential
/// Checks the numbers one after another, in the order given (`sequential.py`).
pub fn sequential(numbers: &[u64], mut on_check: impl FnMut(&Check)) -> Run {
    let t0 = Instant::now();
    let checks = numbers
        .iter()
        .map(|&n| check(n))
        .inspect(&mut on_check)
        .collect();
    Run {
        checks,
        total: t0.elapsed(),
    }
}
// ANCHOR_END: sequential

// ANCHOR: threads
/// Checks the numbers on a pool of `workers` threads with `Executor::map`,
/// as `proc_pool.py` does with processes. Fails only if the OS will not
/// start the threads.
///
/// In Python this is the version that does not help: the GIL lets one thread
/// run bytecode at a time. Rust threads run on every core at once.
pub fn threads(
    numbers: &[u64],
    workers: NonZeroUsize,
    mut on_check: impl FnMut(&Check),
) -> Result<Run, ExecutorError> {
    let t0 = Instant::now();
    // No more threads than numbers: a thread with nothing to do only costs
    // its start (`primes --strategy threads 20000` would start 20000).
    let executor = Executor::new(workers.get().min(numbers.len()).max(1))?;
    // `to_vec`: each call owns its number, as the pool's threads may outlive
    // the borrow of `numbers`.
    let checks = executor
        .map(check, numbers.to_vec())
        .inspect(&mut on_check)
        .collect();
    Ok(Run {
        checks,
        total: t0.elapsed(),
    })
}
// ANCHOR_END: threads

// ANCHOR: processes
/// Checks the numbers on `workers` child processes, each `worker_exe
/// --worker` (this binary, see [`worker`]), as `ProcessPoolExecutor` does.
///
/// Each child gets the next number as soon as it is free. A child that
/// cannot start, exits early or answers garbage is an error: the run stops
/// after the other children finish the number they are on.
pub fn processes(
    numbers: &[u64],
    workers: NonZeroUsize,
    worker_exe: &Path,
    mut on_check: impl FnMut(&Check),
) -> Result<Run, ProcessError> {
    let t0 = Instant::now();
    // Start them all before handing out work, so a bad path fails at once;
    // but no more than there are numbers: each one costs a process start.
    let children = (0..workers.get().min(numbers.len()))
        .map(|_| spawn_worker(worker_exe))
        .collect::<Result<Vec<_>, _>>()?;
    // The work queue, shared by one thread per child. A free child's thread
    // takes the next number: work goes to whoever is free, not round-robin.
    let queue = Mutex::new(numbers.iter().copied().enumerate());
    let (tx, rx) = mpsc::channel();
    let checks = thread::scope(|scope| {
        for child in children {
            let (queue, tx) = (&queue, tx.clone());
            scope.spawn(move || serve(worker_exe, child, queue, &tx));
        }
        drop(tx); // so that `rx` ends once every thread is done
        // `collect` stops at the first error and drops `rx`; the other threads
        // then stop after their current number, and the scope waits for them.
        InOrder::new(rx)
            .map(|result| result.inspect(&mut on_check))
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(Run {
        checks,
        total: t0.elapsed(),
    })
}

/// Starts `worker_exe --worker` with pipes for stdin and stdout; its stderr
/// stays ours, so a worker's own complaints reach the user.
fn spawn_worker(worker_exe: &Path) -> Result<Child, ProcessError> {
    Command::new(worker_exe)
        .arg("--worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|source| ProcessError::Spawn {
            exe: worker_exe.to_owned(),
            source,
        })
}

/// The parent's side of one child: send a number, wait for its answer, pass
/// it on, repeat until the queue is empty or the parent stops listening.
fn serve(
    exe: &Path,
    mut child: Child,
    queue: &Mutex<impl Iterator<Item = (usize, u64)>>,
    results: &mpsc::Sender<(usize, Result<Check, ProcessError>)>,
) {
    let mut stdin = child.stdin.take().expect("spawned with a piped stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("spawned with a piped stdout"));
    let mut line = String::new();
    loop {
        // Hold the lock to take a number, not while the child works: a `let`
        // drops the guard at its `;` (a `while let` would keep it all loop).
        let Some((i, n)) = queue.lock().expect("nothing panics holding it").next() else {
            break;
        };
        line.clear();
        // `ChildStdin` is unbuffered: the number is on its way at once.
        let answered = writeln!(stdin, "{n}").and_then(|()| stdout.read_line(&mut line));
        let result = match answered {
            Ok(len) if len > 0 => {
                parse_answer(&line)
                    .filter(|check| check.n == n)
                    .ok_or_else(|| {
                        // It is no primes worker: stop it rather than wait for it.
                        let _ = child.kill();
                        ProcessError::Garbage {
                            exe: exe.to_owned(),
                            n,
                            answer: line.trim_end().to_owned(),
                        }
                    })
            }
            // End of file, or a broken pipe when writing: the child is gone.
            // Kill it anyway, so one that lingers cannot hang `wait`; one
            // that has exited keeps its own exit status.
            _ => {
                let _ = child.kill();
                Err(ProcessError::Died {
                    exe: exe.to_owned(),
                    n,
                    status: child.wait().ok(),
                })
            }
        };
        let failed = result.is_err();
        // A failed send means the parent gave up on the run: stop too.
        if results.send((i, result)).is_err() || failed {
            break;
        }
    }
    // Closing its stdin tells the child to exit; wait, so no zombie is left.
    drop(stdin);
    let _ = child.wait();
}
// ANCHOR_END: processes

// ANCHOR: worker
/// The child's side, `primes --worker`: read a number per line, answer
/// `n prime elapsed_nanos` per line, exit when stdin closes.
pub fn worker(input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let n = line.trim().parse().map_err(|err| {
            let msg = format!("expected one number per line, got {line:?}: {err}");
            io::Error::new(io::ErrorKind::InvalidData, msg)
        })?;
        writeln!(output, "{}", answer(&check(n)))?;
        // The parent waits for this line before it sends the next number.
        output.flush()?;
    }
    Ok(())
}

/// A worker's answer line, e.g. `97 true 1250`.
fn answer(check: &Check) -> String {
    let nanos = check.elapsed.as_nanos();
    format!("{} {} {nanos}", check.n, check.prime)
}

/// Reads an [`answer`] line back; `None` if it is not one.
fn parse_answer(line: &str) -> Option<Check> {
    let mut fields = line.split_whitespace();
    let check = Check {
        n: fields.next()?.parse().ok()?,
        prime: fields.next()?.parse().ok()?,
        elapsed: Duration::from_nanos(fields.next()?.parse().ok()?),
    };
    fields.next().is_none().then_some(check)
}
// ANCHOR_END: worker

/// Turns `(index, item)` pairs arriving in any order into the items in
/// index order: what `Executor.map` does, so one slow item holds back all
/// those after it. Ends early if the senders stop before sending them all.
struct InOrder<T> {
    arrivals: mpsc::Receiver<(usize, T)>,
    early: HashMap<usize, T>,
    next: usize,
}

impl<T> InOrder<T> {
    fn new(arrivals: mpsc::Receiver<(usize, T)>) -> InOrder<T> {
        InOrder {
            arrivals,
            early: HashMap::new(),
            next: 0,
        }
    }
}

impl<T> Iterator for InOrder<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            if let Some(item) = self.early.remove(&self.next) {
                self.next += 1;
                return Some(item);
            }
            let (i, item) = self.arrivals.recv().ok()?;
            self.early.insert(i, item);
        }
    }
}

/// What can go wrong with worker processes.
#[derive(Debug)]
pub enum ProcessError {
    /// The worker executable could not be started.
    Spawn {
        /// The worker executable.
        exe: PathBuf,
        /// Why it could not start.
        source: io::Error,
    },
    /// A worker exited, or closed its pipes, before answering.
    Died {
        /// The worker executable.
        exe: PathBuf,
        /// The number it was asked about.
        n: u64,
        /// How it exited, if that could be learnt.
        status: Option<ExitStatus>,
    },
    /// A worker answered something other than `n prime elapsed_nanos`
    /// for the number it was sent.
    Garbage {
        /// The worker executable.
        exe: PathBuf,
        /// The number it was asked about.
        n: u64,
        /// What it said instead.
        answer: String,
    },
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Spawn { exe, source } => write!(
                f,
                "could not start worker `{} --worker`: {source}; \
                 pass the path of the primes binary",
                exe.display()
            ),
            ProcessError::Died { exe, n, status } => {
                let how = status.map_or("exited".to_owned(), |s| format!("exited ({s})"));
                write!(
                    f,
                    "worker `{exe} --worker` {how} before answering {n}; \
                     is it the primes binary? Run it by hand and type {n} to see",
                    exe = exe.display()
                )
            }
            ProcessError::Garbage { exe, n, answer } => write!(
                f,
                "worker `{} --worker` answered {answer:?} to {n}, \
                 not `{n} true|false NANOS`; is it the primes binary?",
                exe.display()
            ),
        }
    }
}

impl Error for ProcessError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ProcessError::Spawn { source, .. } => Some(source),
            ProcessError::Died { .. } | ProcessError::Garbage { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_the_books_format() {
        let prime = Check {
            n: 9_999_999_999_999_917,
            prime: true,
            elapsed: Duration::from_micros(812_345),
        };
        assert_eq!(prime.to_string(), "9999999999999917  P  0.812345s");
        let composite = Check {
            n: 2,
            prime: false,
            elapsed: Duration::from_nanos(2_000),
        };
        assert_eq!(composite.to_string(), "               2     0.000002s");
    }

    #[test]
    fn answer_round_trips() {
        let sent = check(97);
        assert_eq!(parse_answer(&answer(&sent)), Some(sent));
    }

    #[test]
    fn garbage_is_no_answer() {
        for line in [
            "",
            "97",
            "97 true",
            "97 yes 12",
            "97 true 12 extra",
            "--worker",
        ] {
            assert_eq!(parse_answer(line), None, "{line:?}");
        }
    }

    #[test]
    fn worker_answers_a_line_per_number() {
        let mut output = Vec::new();
        worker(&b"2\n9\n97\n"[..], &mut output).unwrap();
        let answers: Vec<_> = String::from_utf8(output)
            .unwrap()
            .lines()
            .map(|line| parse_answer(line).map(|check| (check.n, check.prime)))
            .collect();
        assert_eq!(
            answers,
            [Some((2, true)), Some((9, false)), Some((97, true))]
        );
    }

    #[test]
    fn worker_rejects_a_line_that_is_not_a_number() {
        let err = worker(&b"12x\n"[..], Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn in_order_holds_back_later_items() {
        let (tx, rx) = mpsc::channel();
        for i in [2, 0, 3, 1] {
            tx.send((i, i * 10)).unwrap();
        }
        drop(tx);
        assert_eq!(InOrder::new(rx).collect::<Vec<_>>(), [0, 10, 20, 30]);
    }
}
