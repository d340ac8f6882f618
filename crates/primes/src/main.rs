//! `primes`: the book's `sequential.py` and `proc_pool.py` in one binary.
//!
//! ```text
//! $ cargo run --release -p primes -- 2 --strategy threads --numbers 97,12,2
//! Checking 3 numbers with 2 threads:
//!               97  P  0.000000s
//!               12     0.000000s
//!                2  P  0.000000s
//! Total time: 0.00s
//! ```
//!
//! The lesson is in the library: `cargo doc -p primes --open`.

use std::error::Error;
use std::fmt::Display;
use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use primes::{Check, NUMBERS};

/// The most workers accepted: more than numbers or CPUs only adds start-up.
const MAX_WORKERS: usize = 256;

/// Check numbers for primality: sequentially, with threads or with processes.
#[derive(Parser)]
struct Args {
    /// How many threads or processes, 1 to 256 [default: the number of CPUs]
    #[arg(value_parser = parse_workers)]
    workers: Option<NonZeroUsize>,
    /// Who runs the checks
    #[arg(long, value_enum, default_value_t = Strategy::Processes)]
    strategy: Strategy,
    /// Check these numbers instead of the book's 20, e.g. `--numbers 2,3,97`
    #[arg(long, value_delimiter = ',')]
    numbers: Option<Vec<u64>>,
    /// Be a worker process: a number per line in, `n prime elapsed_nanos` out
    #[arg(long, hide = true)]
    worker: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Strategy {
    Sequential,
    Threads,
    Processes,
}

fn parse_workers(arg: &str) -> Result<NonZeroUsize, String> {
    arg.parse()
        .ok()
        .filter(|n: &NonZeroUsize| n.get() <= MAX_WORKERS)
        .ok_or_else(|| format!("expected a whole number from 1 to {MAX_WORKERS}"))
}

/// The exit status of a run whose stdout was closed (`| head -n3`): what a
/// shell reports for a process that SIGPIPE ended.
const STDOUT_CLOSED: u8 = 141;

fn main() -> ExitCode {
    let args = Args::parse();
    let result = if args.worker {
        primes::worker(io::stdin().lock(), io::stdout().lock())
            .map(Out::from)
            .map_err(Into::into)
    } else {
        check_all(args)
    };
    match result {
        Ok(Out { closed: false }) => ExitCode::SUCCESS,
        // Nobody reads any more: end quietly.
        Ok(Out { closed: true }) => ExitCode::from(STDOUT_CLOSED),
        Err(err)
            if err
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(STDOUT_CLOSED)
        }
        Err(err) => {
            eprintln!("primes: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Standard output, which a closed pipe silences instead of panicking:
/// the checks still end (they are short, and the pool waits for its work),
/// but nothing more is printed.
#[derive(Default)]
struct Out {
    closed: bool,
}

impl Out {
    fn line(&mut self, text: impl Display) {
        if !self.closed && writeln!(io::stdout(), "{text}").is_err() {
            self.closed = true;
        }
    }
}

impl From<()> for Out {
    fn from((): ()) -> Out {
        Out::default()
    }
}

/// The book's `main`: a header, a line per number, the total time.
fn check_all(args: Args) -> Result<Out, Box<dyn Error>> {
    // The book's ProcessPoolExecutor(None): as many workers as CPUs.
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN));
    let mut numbers = args.numbers.unwrap_or_else(|| NUMBERS.to_vec());
    // No more workers than numbers: a worker with nothing to check is not
    // started, and the header says how many are.
    let workers = NonZeroUsize::new(workers.get().min(numbers.len())).unwrap_or(NonZeroUsize::MIN);
    if args.strategy != Strategy::Sequential {
        // Largest first, as proc_pool.py. The first, 9999999999999999, is
        // quick (3 divides it); then the output stalls on 9999999999999917
        // while smaller checks finish behind it: map yields in this order.
        numbers.sort_unstable_by(|a, b| b.cmp(a));
    }

    let mut out = Out::default();
    out.line(header(args.strategy, numbers.len(), workers));
    let show = |check: &Check| out.line(check);
    let run = match args.strategy {
        Strategy::Sequential => primes::sequential(&numbers, show),
        Strategy::Threads => primes::threads(&numbers, workers, show)?,
        // The workers are this very binary, run with `--worker`.
        Strategy::Processes => {
            primes::processes(&numbers, workers, &std::env::current_exe()?, show)?
        }
    };
    out.line(format!("Total time: {:.2}s", run.total.as_secs_f64()));
    Ok(out)
}

/// `Checking 20 numbers with 2 processes:` and its siblings.
fn header(strategy: Strategy, count: usize, workers: NonZeroUsize) -> String {
    let numbers = plural(count, "number");
    match strategy {
        Strategy::Sequential => format!("Checking {numbers} sequentially:"),
        Strategy::Threads => format!(
            "Checking {numbers} with {}:",
            plural(workers.get(), "thread")
        ),
        Strategy::Processes => {
            format!(
                "Checking {numbers} with {}:",
                plural(workers.get(), "process")
            )
        }
    }
}

/// `1 thread`, `2 threads`, `2 processes`.
fn plural(n: usize, word: &str) -> String {
    match (n, word.ends_with('s')) {
        (1, _) => format!("{n} {word}"),
        (_, true) => format!("{n} {word}es"),
        (_, false) => format!("{n} {word}s"),
    }
}
