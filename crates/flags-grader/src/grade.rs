//! The checks, and a grading run: run, check, rerun what timing may have
//! failed.

use std::collections::BTreeMap;
use std::time::Duration;

use flags_common::{Code, DownloadStatus, Tally, flag_url};
use mock_server::{Plan, expected_files, folder_problems, peak_in_flight, requests_per_path};

use crate::manifest::{CheckKind, Exercise};
use crate::run::{Attempt, Ending, run_once};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It passed.
    Passed,
    /// It failed.
    Failed,
    /// It failed, then passed when the submission was run again: a
    /// timing-dependent check on a busy machine. Its points are given.
    Flaky,
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// Which check.
    pub kind: CheckKind,
    /// What it checks, in words.
    pub name: String,
    /// Points given.
    pub score: u32,
    /// Points it is worth.
    pub max_score: u32,
    /// How it came out.
    pub status: Status,
    /// Why, in concurrency terms; for a failure, expected against actual.
    pub message: String,
}

/// A whole grading run.
#[derive(Debug, Clone)]
pub struct Grade {
    /// The exercise's name.
    pub exercise: String,
    /// The book script.
    pub ports: String,
    /// The seed of the server's plan.
    pub seed: u64,
    /// What the plan injects, in words.
    pub plan: String,
    /// The checks, in manifest order.
    pub checks: Vec<CheckResult>,
    /// Wall time of the (first) run.
    pub wall: Duration,
    /// The submission could not be started: nothing was graded.
    pub error: Option<String>,
    /// The end of its output, for the report.
    pub output: String,
}

impl Grade {
    /// Points given.
    pub fn score(&self) -> u32 {
        self.checks.iter().map(|c| c.score).sum()
    }

    /// Points possible.
    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|c| c.max_score).sum()
    }
}

/// Options of a grading run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The plan's seed.
    pub seed: u64,
    /// Scales the time limits, for slow machines.
    pub stretch: f64,
}

/// What the ground truth says for an exercise and a plan.
struct Truth {
    codes: Vec<Code>,
    outcomes: BTreeMap<Code, DownloadStatus>,
    tally: Tally,
}

impl Truth {
    fn new(exercise: &Exercise, plan: &Plan) -> Truth {
        let codes = exercise.codes();
        let outcomes: BTreeMap<Code, DownloadStatus> = codes
            .iter()
            .map(|&cc| (cc, plan.outcome(cc, exercise.client_timeout(), 0)))
            .collect();
        let tally = outcomes.values().copied().collect();
        Truth {
            codes,
            outcomes,
            tally,
        }
    }

    fn ok(&self) -> impl Iterator<Item = Code> + '_ {
        self.outcomes
            .iter()
            .filter(|(_, s)| **s == DownloadStatus::Ok)
            .map(|(&cc, _)| cc)
    }
}

/// Runs `command` for `exercise` and grades it.
pub fn grade(exercise: &Exercise, command: &[String], options: Options) -> std::io::Result<Grade> {
    let plan = exercise.plan(options.seed);
    let truth = Truth::new(exercise, &plan);
    let limit = Duration::from_secs_f64(exercise.scenario.time_limit_s as f64 * options.stretch);
    let first = run_once(&plan, command, limit)?;
    let mut grade = Grade {
        wall: first.wall,
        output: tail(&first.stdout, &first.stderr),
        ..header(exercise, &plan, &truth, options.seed)
    };
    if let Ending::NotStarted(why) = &first.ending {
        grade.error = Some(why.clone());
    }
    let mut rerun: Option<Attempt> = None;
    for spec in &exercise.checks {
        let name = check_name(spec.check, exercise, &truth, options.stretch);
        let (mut passed, mut message) =
            check(spec.check, exercise, &plan, &truth, &first, options.stretch);
        let mut status = if passed {
            Status::Passed
        } else {
            Status::Failed
        };
        // A timing-dependent failure gets a second chance; passing only on
        // the rerun is reported as flaky, not failed.
        if !passed && spec.check.timing_dependent() && grade.error.is_none() {
            if rerun.is_none() {
                rerun = Some(run_once(&plan, command, limit)?);
            }
            let second = rerun.as_ref().expect("just set");
            let (again, again_message) =
                check(spec.check, exercise, &plan, &truth, second, options.stretch);
            if again {
                status = Status::Flaky;
                passed = true;
                message = format!(
                    "flaky: failed at first ({message}), passed when run again: {again_message}"
                );
            }
        }
        grade.checks.push(CheckResult {
            kind: spec.check,
            name,
            score: if passed { spec.points } else { 0 },
            max_score: spec.points,
            status,
            message,
        });
    }
    Ok(grade)
}

/// The grade of a submission that did not compile: every check failed, and
/// the compiler's messages as its output.
pub fn not_built(exercise: &Exercise, options: Options, compiler: &str) -> Grade {
    let plan = exercise.plan(options.seed);
    let truth = Truth::new(exercise, &plan);
    let message = "the submission did not compile: nothing ran".to_owned();
    Grade {
        error: Some(message.clone()),
        output: last_lines(compiler, 40),
        checks: exercise
            .checks
            .iter()
            .map(|spec| CheckResult {
                kind: spec.check,
                name: check_name(spec.check, exercise, &truth, options.stretch),
                score: 0,
                max_score: spec.points,
                status: Status::Failed,
                message: message.clone(),
            })
            .collect(),
        ..header(exercise, &plan, &truth, options.seed)
    }
}

/// A grade with no checks yet: what was graded, against what.
fn header(exercise: &Exercise, plan: &Plan, truth: &Truth, seed: u64) -> Grade {
    Grade {
        exercise: exercise.name.clone(),
        ports: exercise.ports.clone(),
        seed,
        plan: format!(
            "{}; {} codes; {} flags, {} not found, {} errors expected",
            plan.describe(),
            truth.codes.len(),
            truth.tally.ok,
            truth.tally.not_found,
            truth.tally.error
        ),
        checks: Vec::new(),
        wall: Duration::ZERO,
        error: None,
        output: String::new(),
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn tail(stdout: &str, stderr: &str) -> String {
    let mut out = last_lines(stdout, 15);
    if !stderr.trim().is_empty() {
        out.push_str("\n--- stderr ---\n");
        out.push_str(&last_lines(stderr, 10));
    }
    out
}

/// What a check checks, in words.
fn check_name(kind: CheckKind, exercise: &Exercise, truth: &Truth, stretch: f64) -> String {
    let s = &exercise.scenario;
    match kind {
        CheckKind::Exit => format!(
            "ran and exited 0 within {:.0} s",
            s.time_limit_s as f64 * stretch
        ),
        CheckKind::Files => format!(
            "saved exactly the {} flags served, byte for byte, and nothing else",
            truth.tally.ok
        ),
        CheckKind::Once => "asked for each flag exactly once".to_owned(),
        CheckKind::Floor => format!("kept {} requests in flight at once", s.floor),
        CheckKind::Ceiling => format!(
            "never had more than {} request{} in flight",
            s.ceiling,
            if s.ceiling == 1 { "" } else { "s" }
        ),
        CheckKind::Report => "printed the counts the server's plan says".to_owned(),
        CheckKind::Time => format!("finished within {:.0}× the ideal time", s.ideal_multiple),
    }
}

/// One check of one run: whether it passed, and why.
fn check(
    kind: CheckKind,
    exercise: &Exercise,
    plan: &Plan,
    truth: &Truth,
    run: &Attempt,
    stretch: f64,
) -> (bool, String) {
    let s = &exercise.scenario;
    match kind {
        CheckKind::Exit => {
            let limit = s.time_limit_s as f64 * stretch;
            let (passed, message) = match &run.ending {
                Ending::Exited(Some(0)) => (
                    true,
                    format!("exited 0 after {:.2} s", run.wall.as_secs_f64()),
                ),
                Ending::Exited(Some(code)) => (
                    false,
                    format!(
                        "exited with status {code}: a failed flag must be counted, not stop the run"
                    ),
                ),
                Ending::Exited(None) => (false, "was killed by a signal".to_owned()),
                Ending::TimedOut => (false, format!("still running after {limit:.0} s: killed")),
                Ending::NotStarted(why) => (false, why.clone()),
            };
            (passed, message)
        }
        CheckKind::Files => {
            let ok: Vec<Code> = truth.ok().collect();
            let expected = expected_files(plan, &ok);
            let problems = folder_problems(run.dest.path(), &expected);
            match problems.first() {
                None => (true, format!("{} flags, all whole", expected.len())),
                Some(first) => (false, format!("{first}{}", more(problems.len()))),
            }
        }
        CheckKind::Once => {
            let counts = requests_per_path(&run.observations);
            let mut problems = Vec::new();
            for &cc in &truth.codes {
                let path = flag_url("/flags", cc);
                match counts.get(&path).copied().unwrap_or(0) {
                    1 => {}
                    0 => problems.push(format!("{cc} was never asked for")),
                    n => problems.push(format!(
                        "{cc} was asked for {n} times: each flag should be fetched once"
                    )),
                }
            }
            match problems.first() {
                None => (
                    true,
                    format!("{} flags, one request each", truth.codes.len()),
                ),
                Some(first) => (false, format!("{first}{}", more(problems.len()))),
            }
        }
        CheckKind::Floor => {
            let peak = peak_in_flight(&run.observations);
            let message = format!(
                "{}; {} should reach {}",
                saw_in_flight(peak),
                exercise.strategy,
                s.floor
            );
            (peak >= s.floor, message)
        }
        CheckKind::Ceiling => {
            // No request at all proves nothing about a limit.
            if run.observations.is_empty() {
                return (
                    false,
                    "the server saw no request: a limit is only shown by a run that asks for the flags"
                        .to_owned(),
                );
            }
            let peak = peak_in_flight(&run.observations);
            let message = format!(
                "{}; {} allows at most {}",
                saw_in_flight(peak),
                exercise.strategy,
                s.ceiling
            );
            (peak <= s.ceiling, message)
        }
        CheckKind::Report => {
            let expected = truth.tally;
            let (passed, message) = if s.report == "chapter1" {
                match chapter1_count(&run.stdout) {
                    Some(n) if n == expected.ok => {
                        (true, format!("{n} flags downloaded, as expected"))
                    }
                    Some(n) => (
                        false,
                        format!(
                            "expected \"{} flags downloaded in …\", got {n}",
                            expected.ok
                        ),
                    ),
                    None => (
                        false,
                        "expected a closing line \"N flags downloaded in X.XXs\", found none"
                            .to_owned(),
                    ),
                }
            } else {
                match flags2_counts(&run.stdout) {
                    Some(got) if got == expected => (true, show_tally(&got)),
                    Some(got) => (
                        false,
                        format!(
                            "expected {}, got {}",
                            show_tally(&expected),
                            show_tally(&got)
                        ),
                    ),
                    None => (
                        false,
                        format!(
                            "expected a report ending \"{} flags downloaded.\", found none",
                            expected.ok
                        ),
                    ),
                }
            };
            (passed, message)
        }
        CheckKind::Time => {
            let ideal = plan.ideal_time(&truth.codes, s.ceiling);
            // Generous: a multiple of the ideal, plus half a second for an
            // interpreter to start; scaled for slow machines.
            let limit = (ideal.as_secs_f64() * s.ideal_multiple + 0.5) * stretch;
            let wall = run.wall.as_secs_f64();
            let message = format!(
                "took {wall:.2} s; the injected latency allows {:.2} s with {} in flight, and the limit is {limit:.2} s",
                ideal.as_secs_f64(),
                s.ceiling
            );
            // Finishing fast means nothing until the work is done.
            let counts = requests_per_path(&run.observations);
            let asked = truth
                .codes
                .iter()
                .filter(|&&cc| counts.contains_key(&flag_url("/flags", cc)))
                .count();
            if asked < truth.codes.len() {
                return (
                    false,
                    format!(
                        "took {wall:.2} s, but asked for only {asked} of the {} flags",
                        truth.codes.len()
                    ),
                );
            }
            (
                wall <= limit && run.ending == Ending::Exited(Some(0)),
                message,
            )
        }
    }
}

/// "the server saw at most 3 requests in flight"
fn saw_in_flight(peak: usize) -> String {
    format!(
        "the server saw at most {peak} request{} in flight",
        if peak == 1 { "" } else { "s" }
    )
}

fn more(n: usize) -> String {
    if n > 1 {
        format!(" (and {} more)", n - 1)
    } else {
        String::new()
    }
}

fn show_tally(t: &Tally) -> String {
    format!(
        "{} downloaded, {} not found, {} errors",
        t.ok, t.not_found, t.error
    )
}

/// `20 flags downloaded in 2.04s` → 20.
fn chapter1_count(stdout: &str) -> Option<usize> {
    stdout.lines().rev().find_map(|line| {
        let (n, rest) = line.trim().split_once(' ')?;
        rest.starts_with("flags downloaded in ")
            .then(|| n.parse().ok())?
    })
}

/// The counts of the book's flags2 final report.
fn flags2_counts(stdout: &str) -> Option<Tally> {
    let count = |suffixes: &[&str]| {
        stdout.lines().rev().find_map(|line| {
            let line = line.trim();
            suffixes
                .iter()
                .find_map(|suffix| line.strip_suffix(suffix))
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
    };
    let ok = count(&[" flags downloaded.", " flag downloaded."])?;
    Some(Tally {
        ok,
        not_found: count(&[" not found."]).unwrap_or(0),
        error: count(&[" errors.", " error."]).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_read_as_the_book_prints_them() {
        let report = "LOCAL site: x\n--------------------\n 17 flags downloaded.\n  9 not found.\n  1 error.\nElapsed time: 0.77s\n";
        assert_eq!(
            flags2_counts(report),
            Some(Tally {
                ok: 17,
                not_found: 9,
                error: 1
            })
        );
        assert_eq!(
            flags2_counts("  1 flag downloaded.\n"),
            Some(Tally {
                ok: 1,
                not_found: 0,
                error: 0
            })
        );
        assert_eq!(flags2_counts("nothing"), None);
        assert_eq!(
            chapter1_count("BD BR \n20 flags downloaded in 2.04s\n"),
            Some(20)
        );
        assert_eq!(chapter1_count("20 flags"), None);
    }
}
