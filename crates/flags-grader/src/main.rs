//! `grade`: grade a submission of one of the chapter's exercises.
//!
//! ```text
//! grade EXERCISE --crate CRATE [--student ID | --seed N] [--format text|gradescope|exercism]
//! grade EXERCISE [OPTIONS] -- COMMAND ... {url} ... {dest} ...
//! grade EXERCISE --submission DIR [-- COMMAND ...]
//! grade --init EXERCISE DIR
//! grade --list
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use clap::{Parser, ValueEnum};
use flags_grader::submission::{self, Build};
use flags_grader::{Grade, Options, exercise, exercises, output, starter, student_seed};

#[derive(Parser)]
#[command(
    version,
    about = "Grade a flags submission against the seeded test server"
)]
struct Cli {
    /// The exercise (see --list).
    exercise: Option<String>,
    /// The submission's command line; {url} and {dest} are filled in, and
    /// also given as FLAGS_URL and FLAGS_DEST.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
    /// Grade this workspace's solution, as built (cargo build -p CRATE).
    #[arg(long = "crate", value_name = "CRATE", conflicts_with = "command")]
    krate: Option<String>,
    /// The student's folder: a starter crate they filled in (built with
    /// the course's Cargo.toml), or, with a COMMAND, the folder it runs in.
    #[arg(long, value_name = "DIR", conflicts_with = "krate")]
    submission: Option<PathBuf>,
    /// Exit with status 1 when the score is below POINTS (for CI).
    #[arg(long, value_name = "POINTS")]
    fail_under: Option<u32>,
    /// Derive the seed from a student's ID: a rerun gives the same plan.
    #[arg(long, value_name = "ID", conflicts_with = "seed")]
    student: Option<String>,
    /// The plan's seed (default: a new one each run).
    #[arg(long)]
    seed: Option<u64>,
    /// Scale the time limits, for a slow machine.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    stretch: f64,
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

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
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
        bail!("name an exercise: one of {}", names());
    };
    let exercise = exercise(&name)
        .with_context(|| format!("no exercise {name:?}: choose one of {}", names()))?;
    if !(cli.stretch > 0.0 && cli.stretch.is_finite()) {
        bail!("--stretch must be a positive number, like 2 for a machine half as fast");
    }
    let seed = match (cli.seed, &cli.student) {
        (Some(seed), _) => seed,
        (None, Some(id)) => student_seed(id),
        (None, None) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    };
    let options = Options {
        seed,
        stretch: cli.stretch,
    };
    // Resolved now: a submission's folder may become the working directory.
    let output_path = cli.output.as_deref().map(std::path::absolute).transpose()?;
    // Checked before grading, so that a typo does not throw a grading away.
    if let Some(dir) = output_path.as_deref().and_then(Path::parent) {
        if !dir.is_dir() {
            bail!(
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
    // Held until graded: the built submission lives in a temporary folder.
    let mut built = None;
    let command = match (&cli.krate, &cli.submission, cli.command.is_empty()) {
        (Some(krate), _, _) => {
            if *krate != exercise.solution.krate {
                bail!(
                    "{name} is solved in crate {}, not {krate}",
                    exercise.solution.krate
                );
            }
            let exe = std::env::current_exe()?.with_file_name(&exercise.solution.bin);
            if !exe.exists() {
                bail!(
                    "{} is not built: run `cargo build -p {krate}` first",
                    exe.display()
                );
            }
            with_args(&exe)
        }
        (None, Some(dir), true) => match submission::build(&exercise, dir, None)? {
            Build::Built(b) => with_args(&built.insert(b).binary),
            Build::Failed(log) => {
                let grade = flags_grader::not_built(&exercise, options, &log);
                return report(&cli, output_path.as_deref(), &grade);
            }
        },
        (None, Some(dir), false) => {
            std::env::set_current_dir(dir)
                .with_context(|| format!("could not enter the submission {}", dir.display()))?;
            cli.command.clone()
        }
        (None, None, false) => cli.command.clone(),
        (None, None, true) => bail!(
            "give the submission's command after --, e.g. `grade {name} -- python3 student.py {}`, \
             or --submission DIR for a starter crate, or --crate {}",
            exercise.scenario.args.join(" "),
            exercise.solution.krate
        ),
    };
    let grade = flags_grader::grade(&exercise, &command, options)?;
    drop(built);
    report(&cli, output_path.as_deref(), &grade)
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
