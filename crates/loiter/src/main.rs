//! The `loiter` binary: parses `--unit-ms`, then runs the demo in
//! [`loiter::run`], printing to stdout.
//!
//! ```text
//! cargo run -p loiter                    # the book's run: about 5 s
//! cargo run -p loiter -- --unit-ms 100   # the same run, ten times faster
//! cargo run -p loiter -- --timeline -     # then each call on a timeline, beside the ideal
//! ```

use clap::Parser;
use std::io;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loiter::{Out, Watch};
use timeline::{Recorder, Target};

/// The book's demo_executor_map.py: Executor.map yields results in submission order.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// How long one of the demo's seconds lasts, in milliseconds (0 to 10000).
    #[arg(long, value_name = "MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    unit_ms: u64,
    /// Draw each loiter(n) call on a timeline, after the demo: an SVG file,
    /// or - for the terminal
    #[arg(long, value_name = "FILE.svg|-", value_parser = Target::parse)]
    timeline: Option<Target>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let unit = Duration::from_millis(args.unit_ms);
    let recorder = Recorder::new();
    let stdout: Out = match args.timeline {
        Some(_) => Arc::new(Mutex::new(Watch::new(io::stdout(), recorder.clone()))),
        None => Arc::new(Mutex::new(io::stdout())),
    };
    let drawn = loiter::run(unit, stdout).and_then(|()| match &args.timeline {
        Some(target) => (target.draw(&recorder.timeline(), Some(&loiter::ideal(unit))))
            .map_err(io::Error::other),
        None => Ok(()),
    });
    match drawn {
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
