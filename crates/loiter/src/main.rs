//! The `loiter` binary: parses `--unit-ms`, then runs the demo in
//! [`loiter::run`], printing to stdout.
//!
//! ```text
//! cargo run -p loiter                    # the book's run: about 5 s
//! cargo run -p loiter -- --unit-ms 100   # the same run, ten times faster
//! ```

use clap::Parser;
use std::io;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The book's demo_executor_map.py: Executor.map yields results in submission order.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// How long one of the demo's seconds lasts, in milliseconds (0 to 10000).
    #[arg(long, value_name = "MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    unit_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let stdout = Arc::new(Mutex::new(io::stdout()));
    match loiter::run(Duration::from_millis(args.unit_ms), stdout) {
        Ok(()) => ExitCode::SUCCESS,
        // Nobody reads any more (`| head -n3`): end quietly, with the status
        // a shell gives a process ended by SIGPIPE.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(141),
        Err(error) => {
            eprintln!("loiter: {error}");
            ExitCode::FAILURE
        }
    }
}
