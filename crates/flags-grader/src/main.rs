//! `grade`: grade a submission of one of the chapter's exercises.
//!
//! ```text
//! grade EXERCISE --crate CRATE [--student ID] [--seed N] [--format text|gradescope|exercism]
//! grade EXERCISE [OPTIONS] -- COMMAND ... {url} ... {dest} ... {codes}
//! grade EXERCISE --submission DIR [-- COMMAND ...]
//! grade EXERCISE --class DIR [--gradebook FILE.csv] [-- COMMAND ...]
//! grade --init EXERCISE DIR
//! grade --list
//! grade --explain EXERCISE
//! ```
//!
//! Exit status: 0 graded (whatever the score), 1 graded below
//! `--fail-under`, 2 a usage error, 3 a grader error (not the
//! submission's: nothing was graded, no points given or taken).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use flags_grader::class::{self, Outcome};
use flags_grader::output::Format;
use flags_grader::submission;
use flags_grader::{
    Exercise, Grade, GradeError, Kind, Options, exercise, exercises, explain, random_seed, starter,
};

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
    /// Grade a class: every folder in DIR is one student's submission (as
    /// --submission DIR takes it), named after the folder (GitHub
    /// Classroom's `<assignment>-<user>`, or Gradescope's export with its
    /// submission_metadata.yml).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["krate", "submission", "output"])]
    class: Option<PathBuf>,
    /// With --class: where to write the gradebook (default
    /// DIR/gradebook.csv); the feedback files go beside it, in feedback/,
    /// each with its run's timeline as a picture (STUDENT.timeline.svg).
    #[arg(long, value_name = "FILE.csv", requires = "class")]
    gradebook: Option<PathBuf>,
    /// Where Rust submissions are built: one folder per exercise, kept, so
    /// that a regrade compiles only the student's crate (default:
    /// FLAGS_GRADER_BUILD_DIR, or ~/.cache/flags-grader).
    #[arg(long, value_name = "DIR")]
    build_dir: Option<PathBuf>,
    /// With --class: how many submissions to grade at once (default: the
    /// number of CPUs).
    #[arg(long, value_name = "N", requires = "class")]
    jobs: Option<usize>,
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
    /// Show what a submission of EXERCISE must handle: its command line,
    /// the placeholders, the report it prints, the checks.
    #[arg(long, value_name = "EXERCISE", conflicts_with_all = ["exercise", "command", "init", "list"])]
    explain: Option<String>,
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
            if let (Some(json), Some(path)) = (cli.format.render_error(&why), cli.output.as_deref())
            {
                let _ = std::fs::write(path, json + "\n");
            }
            ExitCode::from(3)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    if cli.list {
        print!("{}", explain::list());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &cli.explain {
        print!("{}", explain::explain(&find(name)?));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some([name, dir]) = cli.init.as_deref() {
        let exercise = find(name)?;
        starter::write_starter(&exercise, dir.as_ref())?;
        println!("Wrote the starter of {name} to {dir}: fill in the todo!() and grade it.");
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = cli.exercise.as_deref() else {
        usage!("name an exercise: one of {}", names());
    };
    let exercise = find(name)?;
    if cli.time_limit.is_some_and(|s| !(1..=3600).contains(&s)) {
        usage!("--time-limit must be 1 to 3600 seconds: a bound on a hang, like 120");
    }
    let options = Options {
        seed: cli.seed.unwrap_or_else(random_seed),
        student: cli.student.clone(),
        time_limit: cli
            .time_limit
            .map(|s| Duration::from_secs(s.unsigned_abs())),
        workdir: None,
    };
    // Checked before grading: a typo is the instructor's, not a grader error.
    if let Some(dir) = &cli.build_dir {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "--build-dir {}: cannot make it; choose a folder you can write",
                dir.display()
            )
        })?;
    }
    if let Some(dir) = &cli.class {
        return grade_class(cli, &exercise, dir, &options);
    }
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
    let source = match (&cli.krate, &cli.submission, cli.command.is_empty()) {
        (Some(krate), _, _) => Source::Solution(krate),
        (None, Some(dir), _) => Source::Folder(dir),
        (None, None, _) if exercise.kind == Kind::Tests => usage!(
            "{name} is judged by the kit's tests on a Rust crate: give --submission DIR, the \
             starter that `grade --init {name} DIR` wrote, filled in (or --crate {})",
            exercise.solution.krate
        ),
        (None, None, false) => Source::Command,
        (None, None, true) => usage!(
            "give the submission's command after --, e.g. `grade {name} -- python3 student.py {}`, \
             or --submission DIR for a starter crate, or --crate {}",
            exercise.scenario.args.join(" "),
            exercise.solution.krate
        ),
    };
    let grade = grade_one(cli, &exercise, source, options)?;
    let text = cli.format.render(&grade);
    match output_path {
        Some(path) => std::fs::write(&path, text + "\n")
            .with_context(|| format!("could not write {}", path.display()))?,
        None => println!("{text}"),
    }
    // The exit status is success whatever the score (the score is in the
    // output), unless `--fail-under` sets a pass mark.
    match cli.fail_under {
        Some(points) if grade.score() < points => Ok(ExitCode::FAILURE),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// The exercises' names, for a message.
fn names() -> String {
    exercises()
        .into_iter()
        .map(|e| e.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The exercise called `name`, or a usage error that lists them.
fn find(name: &str) -> Result<Exercise, Failure> {
    Ok(exercise(name)
        .with_context(|| format!("no exercise {name:?}: choose one of {}", names()))?)
}

/// What is graded.
enum Source<'a> {
    /// This workspace's solution, as built.
    Solution(&'a str),
    /// A student's folder: a starter crate, or (with a command) the folder
    /// the command runs in.
    Folder(&'a Path),
    /// Only a command.
    Command,
}

/// Grades one submission. A build that fails is graded (every check 0,
/// the compiler's messages shown); a submission that is not what the
/// exercise takes is a usage error; the grader's own trouble is its error.
fn grade_one(
    cli: &Cli,
    exercise: &Exercise,
    source: Source<'_>,
    options: Options,
) -> Result<Grade, Failure> {
    let command = (!cli.command.is_empty()).then_some(cli.command.as_slice());
    let build_dir = cli.build_dir.as_deref();
    let folder = |dir: &Path, options| {
        flags_grader::grade_folder(exercise, dir, command, options, build_dir).map_err(|err| {
            match err {
                GradeError::NotSubmission(why) => Failure::Usage(anyhow::anyhow!(why)),
                GradeError::Grader(why) => Failure::Grader(why),
            }
        })
    };
    match source {
        Source::Folder(dir) => folder(dir, options),
        Source::Solution(krate) => {
            if *krate != exercise.solution.krate {
                usage!(
                    "{} is solved in crate {}, not {krate}",
                    exercise.name,
                    exercise.solution.krate
                );
            }
            if exercise.kind == Kind::Tests {
                // The kit's tests against the workspace's own crate.
                let dir = starter::workspace_root().join("crates").join(krate);
                return folder(&dir, options);
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
            let command: Vec<String> = std::iter::once(exe.to_string_lossy().into_owned())
                .chain(exercise.scenario.args.iter().cloned())
                .collect();
            flags_grader::grade(exercise, &command, options)
                .map_err(|err| Failure::Grader(err.to_string()))
        }
        Source::Command => flags_grader::grade(exercise, &cli.command, options)
            .map_err(|err| Failure::Grader(err.to_string())),
    }
}

/// `--class DIR`: every folder graded, the gradebook and the feedback
/// written, the summary printed. Exit 0 when every submission was graded
/// (whatever the scores), 3 when the grader failed on some (grade them
/// again).
fn grade_class(
    cli: &Cli,
    exercise: &Exercise,
    dir: &Path,
    options: &Options,
) -> Result<ExitCode, Failure> {
    let students = class::students(dir)?;
    if cli.command.is_empty() && !students.iter().any(|s| submission::is_rust_crate(&s.dir)) {
        usage!(
            "no folder in {} holds a Rust crate (Cargo.toml and src/): give the submissions' \
             command after --, e.g. `grade {} --class {} -- python3 flags.py {}`",
            dir.display(),
            exercise.name,
            dir.display(),
            exercise.scenario.args.join(" ")
        );
    }
    let gradebook = cli
        .gradebook
        .clone()
        .unwrap_or_else(|| dir.join("gradebook.csv"));
    let gradebook = std::path::absolute(&gradebook).context("--gradebook")?;
    let folder = gradebook.parent().unwrap_or(Path::new("."));
    if !folder.is_dir() {
        usage!(
            "--gradebook: the folder {} does not exist: create it or choose another",
            folder.display()
        );
    }
    let jobs = cli.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if !(1..=64).contains(&jobs) {
        usage!("--jobs must be 1 to 64 submissions at a time");
    }
    let started = std::time::Instant::now();
    let outcomes = class::grade_all(&students, jobs, |student| {
        let options = Options {
            // Each student a seed of their own, unless one was given.
            seed: cli.seed.unwrap_or_else(random_seed),
            student: Some(student.name.clone()),
            ..options.clone()
        };
        match grade_one(cli, exercise, Source::Folder(&student.dir), options) {
            Ok(grade) => Outcome::Graded(Box::new(grade)),
            Err(Failure::Usage(why)) => Outcome::NotGraded(format!("{why:#}")),
            Err(Failure::Grader(why)) => Outcome::GraderError(why),
        }
    });
    let wall = started.elapsed();
    std::fs::write(&gradebook, class::gradebook(exercise, &students, &outcomes))
        .with_context(|| format!("could not write {}", gradebook.display()))?;
    let feedback = folder.join(class::FEEDBACK);
    class::write_feedback(&feedback, &students, &outcomes)?;
    print!(
        "{}",
        class::summary(exercise, &students, &outcomes, wall, jobs)
    );
    println!(
        "Gradebook: {}\nFeedback:  {}",
        gradebook.display(),
        feedback.display()
    );
    if class::any_grader_error(&outcomes) {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}
