//! `grade`: grade a submission of one of the chapter's exercises.
//!
//! ```text
//! grade EXERCISE --crate CRATE [--student ID] [--seed N] [--format text|gradescope|exercism]
//! grade EXERCISE [OPTIONS] -- COMMAND ... {url} ... {dest} ... {codes}
//! grade EXERCISE --submission DIR [-- COMMAND ...]
//! grade --init EXERCISE DIR
//! grade --list
//! ```
//!
//! Exit status: 0 graded (whatever the score), 1 graded below
//! `--fail-under`, 2 a usage error, 3 a grader error (not the
//! submission's: nothing was graded, no points given or taken).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use flags_grader::submission::{self, Build};
use flags_grader::{Grade, Options, exercise, exercises, output, random_seed, starter};

#[derive(Parser)]
#[command(
    version,
    about = "Grade a flags submission against the seeded test server"
)]
struct Cli {
    /// The exercise (see --list).
    exercise: Option<String>,
    /// The submission's command line; {url}, {dest} and {codes} are filled
    /// in (an argument that is exactly {codes} becomes one argument per
    /// code), and also given as FLAGS_URL, FLAGS_DEST and FLAGS_CODES.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
    /// Grade this workspace's solution, as built (cargo build -p CRATE).
    #[arg(long = "crate", value_name = "CRATE", conflicts_with = "command")]
    krate: Option<String>,
    /// The student's folder: a starter crate they filled in (built with
    /// the course's Cargo.toml), or, with a COMMAND, the folder it runs in
    /// (copied first: the submission never changes the original).
    #[arg(long, value_name = "DIR", conflicts_with = "krate")]
    submission: Option<PathBuf>,
    /// Exit with status 1 when the score is below POINTS (for CI).
    #[arg(long, value_name = "POINTS")]
    fail_under: Option<u32>,
    /// Who is graded, for the report. It does not choose the seed.
    #[arg(long, value_name = "ID")]
    student: Option<String>,
    /// The plan's seed, to reproduce a run (default: a new, unpredictable
    /// one each run; the report shows it).
    #[arg(long)]
    seed: Option<u64>,
    /// Kill a run still going after this many seconds (default: the
    /// exercise's, 120). A bound on a hang; no check measures speed.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    time_limit: Option<i64>,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the result here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write a starter crate for EXERCISE into DIR.
    #[arg(long, num_args = 2, value_names = ["EXERCISE", "DIR"], conflicts_with_all = ["exercise", "command"])]
    init: Option<Vec<String>>,
    /// List the exercises.
    #[arg(long)]
    list: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Gradescope,
    Exercism,
}

/// Why nothing was graded.
enum Failure {
    /// The command line was wrong: exit 2.
    Usage(anyhow::Error),
    /// The grader could not grade: exit 3.
    Grader(String),
}

/// Returns a usage error: `usage!("…", args)`.
macro_rules! usage {
    ($($message:tt)*) => {
        return Err(Failure::Usage(anyhow::anyhow!($($message)*)))
    };
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Failure {
        Failure::Usage(err)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(Failure::Usage(err)) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
        Err(Failure::Grader(why)) => {
            eprintln!("grader error (not the submission's; nothing was graded): {why}");
            // The formats that a course platform reads say so too.
            let written = match cli.format {
                Format::Text => None,
                Format::Gradescope => Some(output::gradescope_error(&why)),
                Format::Exercism => Some(output::exercism_error(&why)),
            };
            if let (Some(json), Some(path)) = (written, cli.output.as_deref()) {
                let _ = std::fs::write(path, json.to_string() + "\n");
            }
            ExitCode::from(3)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    let names = || {
        exercises()
            .into_iter()
            .map(|e| e.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if cli.list {
        for e in exercises() {
            println!(
                "{:<26} {:>2} points  the book's {:<30} ({}, crate {})",
                e.name,
                e.max_score(),
                e.ports,
                e.strategy,
                e.solution.krate
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some([name, dir]) = cli.init.as_deref() {
        let exercise = exercise(name)
            .with_context(|| format!("no exercise {name:?}: choose one of {}", names()))?;
        starter::write_starter(&exercise, dir.as_ref())?;
        println!("Wrote the starter of {name} to {dir}: fill in the todo!() and grade it.");
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = cli.exercise.clone() else {
        usage!("name an exercise: one of {}", names());
    };
    let exercise = exercise(&name)
        .with_context(|| format!("no exercise {name:?}: choose one of {}", names()))?;
    if cli.time_limit.is_some_and(|s| !(1..=3600).contains(&s)) {
        usage!("--time-limit must be 1 to 3600 seconds: a bound on a hang, like 120");
    }
    let mut options = Options {
        seed: cli.seed.unwrap_or_else(random_seed),
        student: cli.student.clone(),
        time_limit: cli
            .time_limit
            .map(|s| Duration::from_secs(s.unsigned_abs())),
        workdir: None,
    };
    // Resolved now: a submission's folder may become the working directory.
    let output_path = cli
        .output
        .as_deref()
        .map(std::path::absolute)
        .transpose()
        .context("--output")?;
    // Checked before grading, so that a typo does not throw a grading away.
    if let Some(dir) = output_path.as_deref().and_then(Path::parent) {
        if !dir.is_dir() {
            usage!(
                "--output: the folder {} does not exist: create it or choose another",
                dir.display()
            );
        }
    }
    let with_args = |program: &Path| -> Vec<String> {
        std::iter::once(program.to_string_lossy().into_owned())
            .chain(exercise.scenario.args.iter().cloned())
            .collect()
    };
    // Held until graded: the built submission and the working copy live in
    // temporary folders.
    let mut built = None;
    let mut workdir = None;
    let command = match (&cli.krate, &cli.submission, cli.command.is_empty()) {
        (Some(krate), _, _) => {
            if *krate != exercise.solution.krate {
                usage!(
                    "{name} is solved in crate {}, not {krate}",
                    exercise.solution.krate
                );
            }
            let exe = std::env::current_exe()
                .context("where is grade?")?
                .with_file_name(&exercise.solution.bin);
            if !exe.exists() {
                usage!(
                    "{} is not built: run `cargo build -p {krate}` first",
                    exe.display()
                );
            }
            with_args(&exe)
        }
        (None, Some(dir), true) => match submission::build(&exercise, dir, None)? {
            Build::Built(b) => with_args(built.insert(b).binary()),
            Build::Failed(log) => {
                let grade = flags_grader::not_built(&exercise, &options, &log);
                return Ok(report(cli, output_path.as_deref(), &grade)?);
            }
            Build::NoToolchain(why) => return Err(Failure::Grader(why)),
        },
        (None, Some(dir), false) => {
            // A copy, so that the submission cannot change the original and
            // two gradings of one folder never meet.
            let copy = submission::working_copy(dir)?;
            options.workdir = Some(copy.path().to_owned());
            workdir = Some(copy);
            cli.command.clone()
        }
        (None, None, false) => cli.command.clone(),
        (None, None, true) => usage!(
            "give the submission's command after --, e.g. `grade {name} -- python3 student.py {}`, \
             or --submission DIR for a starter crate, or --crate {}",
            exercise.scenario.args.join(" "),
            exercise.solution.krate
        ),
    };
    let grade = flags_grader::grade(&exercise, &command, options)
        .map_err(|err| Failure::Grader(err.to_string()))?;
    drop((built, workdir));
    Ok(report(cli, output_path.as_deref(), &grade)?)
}

/// Prints or writes the grade. The exit status is success whatever the
/// score (the score is in the output), unless `--fail-under` sets a pass mark.
fn report(cli: &Cli, output: Option<&Path>, grade: &Grade) -> anyhow::Result<ExitCode> {
    let text = match cli.format {
        Format::Text => output::text(grade),
        Format::Gradescope => serde_json::to_string_pretty(&output::gradescope(grade))?,
        Format::Exercism => serde_json::to_string_pretty(&output::exercism(grade))?,
    };
    match output {
        Some(path) => std::fs::write(path, text + "\n")
            .with_context(|| format!("could not write {}", path.display()))?,
        None => println!("{text}"),
    }
    match cli.fail_under {
        Some(points) if grade.score() < points => Ok(ExitCode::FAILURE),
        _ => Ok(ExitCode::SUCCESS),
    }
}
