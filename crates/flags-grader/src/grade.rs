//! A grading run: run the submission once against the gated server, then
//! judge each check from what the server saw and what was on disk at the
//! exit. No check reads a stopwatch, so a run graded on a fast idle machine
//! and on a slow busy one gets the same verdicts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use flags_common::{Code, DownloadStatus, Tally, flag_url};
use mock_server::{Plan, expected_files, peak_in_flight, requests_per_path};

use crate::manifest::{CheckKind, Exercise};
use crate::run::{Attempt, Ending, Run, RunError, run_once};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It passed.
    Passed,
    /// It failed.
    Failed,
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// Which check.
    pub kind: CheckKind,
    /// What it checks, in words: the same for every student and seed.
    pub name: String,
    /// Points given.
    pub score: u32,
    /// Points it is worth.
    pub max_score: u32,
    /// How it came out.
    pub status: Status,
    /// Why, in concurrency terms; for a failure, what went wrong and what
    /// to change.
    pub message: String,
}

/// A whole grading run.
#[derive(Debug, Clone)]
pub struct Grade {
    /// The exercise's name.
    pub exercise: String,
    /// The book script.
    pub ports: String,
    /// Who was graded, if given (`--student`).
    pub student: Option<String>,
    /// The seed of the server's plan: `--seed` reproduces the run.
    pub seed: u64,
    /// The codes the submission was given (`{codes}`).
    pub codes: String,
    /// What the plan injected and what a correct run reports, in words:
    /// shown after the run, never before.
    pub plan: String,
    /// The checks, in manifest order.
    pub checks: Vec<CheckResult>,
    /// Wall time of the run (for the record; no check uses it).
    pub wall: Duration,
    /// The submission could not be run (it did not compile).
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
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The plan's seed.
    pub seed: u64,
    /// Who is graded, for the report.
    pub student: Option<String>,
    /// Overrides the exercise's hang limit.
    pub time_limit: Option<Duration>,
    /// The folder the command runs in (`None`: the grader's own).
    pub workdir: Option<PathBuf>,
}

/// What the ground truth says for an exercise and a plan.
struct Truth {
    codes: Vec<Code>,
    cc_args: Vec<String>,
    outcomes: BTreeMap<Code, DownloadStatus>,
    tally: Tally,
}

impl Truth {
    fn new(exercise: &Exercise, plan: &Plan, seed: u64) -> Truth {
        let codes = exercise.codes(seed);
        let outcomes: BTreeMap<Code, DownloadStatus> = codes
            .iter()
            .map(|&cc| (cc, plan.outcome(cc, exercise.client_timeout(), 0)))
            .collect();
        let tally = outcomes.values().copied().collect();
        Truth {
            codes,
            cc_args: exercise.cc_args(seed),
            outcomes,
            tally,
        }
    }

    fn ok(&self) -> Vec<Code> {
        self.outcomes
            .iter()
            .filter(|(_, s)| **s == DownloadStatus::Ok)
            .map(|(&cc, _)| cc)
            .collect()
    }
}

/// Runs `command` for `exercise` once and grades it. An error is the
/// grader's, not the submission's (it could not be started, say): no
/// points are given or taken.
pub fn grade(exercise: &Exercise, command: &[String], options: Options) -> Result<Grade, RunError> {
    let plan = exercise.plan(options.seed);
    let truth = Truth::new(exercise, &plan, options.seed);
    let attempt = run_once(&Run {
        plan: &plan,
        gate: exercise.gate(options.seed),
        command,
        codes: &truth.cc_args,
        workdir: options.workdir.as_deref(),
        time_limit: options
            .time_limit
            .unwrap_or(Duration::from_secs(exercise.scenario.time_limit_s)),
    })?;
    let judge = Judge {
        exercise,
        plan: &plan,
        truth: &truth,
        run: &attempt,
    };
    let checks = exercise
        .checks
        .iter()
        .map(|spec| {
            let verdict = judge.check(spec.check);
            CheckResult {
                kind: spec.check,
                name: check_name(spec.check, exercise),
                score: if verdict.passed { spec.points } else { 0 },
                max_score: spec.points,
                status: if verdict.passed {
                    Status::Passed
                } else {
                    Status::Failed
                },
                message: verdict.message,
            }
        })
        .collect();
    Ok(Grade {
        wall: attempt.wall,
        output: tail(&attempt.stdout, &attempt.stderr),
        checks,
        ..header(exercise, &plan, &truth, &options)
    })
}

/// The grade of a submission that did not compile: every check failed, and
/// the compiler's messages as its output.
pub fn not_built(exercise: &Exercise, options: &Options, compiler: &str) -> Grade {
    let plan = exercise.plan(options.seed);
    let truth = Truth::new(exercise, &plan, options.seed);
    let message = "the submission did not compile: nothing ran".to_owned();
    Grade {
        error: Some(message.clone()),
        output: last_lines(compiler, 40),
        checks: exercise
            .checks
            .iter()
            .map(|spec| CheckResult {
                kind: spec.check,
                name: check_name(spec.check, exercise),
                score: 0,
                max_score: spec.points,
                status: Status::Failed,
                message: message.clone(),
            })
            .collect(),
        ..header(exercise, &plan, &truth, options)
    }
}

/// A grade with no checks yet: what was graded, against what.
fn header(exercise: &Exercise, plan: &Plan, truth: &Truth, options: &Options) -> Grade {
    Grade {
        exercise: exercise.name.clone(),
        ports: exercise.ports.clone(),
        student: options.student.clone(),
        seed: options.seed,
        codes: truth.cc_args.join(" "),
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

/// What a check checks, in words: the same for every student and every
/// seed, so that a gradebook's columns line up.
pub fn check_name(kind: CheckKind, exercise: &Exercise) -> String {
    let s = &exercise.scenario;
    match kind {
        CheckKind::Exit => "exited 0 and left nothing running".to_owned(),
        CheckKind::Files => {
            "saved exactly the flags served, byte for byte, and nothing else".to_owned()
        }
        CheckKind::Once => "asked for each given flag exactly once, and nothing else".to_owned(),
        CheckKind::Floor => format!("had {} requests in flight at once", s.floor),
        CheckKind::Pool => "started a new request as soon as one finished".to_owned(),
        CheckKind::Ceiling => format!(
            "never had more than {} request{} in flight",
            s.ceiling,
            plural(s.ceiling)
        ),
        CheckKind::Report => "printed the counts the server's plan says".to_owned(),
    }
}

/// A check's verdict: whether it passed, and why.
struct Verdict {
    passed: bool,
    message: String,
}

fn pass(message: impl Into<String>) -> Verdict {
    Verdict {
        passed: true,
        message: message.into(),
    }
}

fn fail(message: impl Into<String>) -> Verdict {
    Verdict {
        passed: false,
        message: message.into(),
    }
}

/// Everything a check may look at.
struct Judge<'a> {
    exercise: &'a Exercise,
    plan: &'a Plan,
    truth: &'a Truth,
    run: &'a Attempt,
}

impl Judge<'_> {
    fn check(&self, kind: CheckKind) -> Verdict {
        match kind {
            CheckKind::Exit => self.exit(),
            CheckKind::Files => self.files(),
            CheckKind::Once => self.once(),
            CheckKind::Floor => self.floor(),
            CheckKind::Pool => self.pool(),
            CheckKind::Ceiling => self.ceiling(),
            CheckKind::Report => self.report(),
        }
    }

    /// It exited 0 by itself, and nothing of it went on afterwards.
    fn exit(&self) -> Verdict {
        let run = self.run;
        let last_words = last_lines(&run.stderr, 1);
        let said = if last_words.trim().is_empty() {
            String::new()
        } else {
            format!(" (its last words: {:?})", last_words.trim())
        };
        match run.ending {
            Ending::TimedOut(limit) => {
                return fail(format!(
                    "still running after {} s, and killed: a hang. Does every request have a \
                     timeout, and does the program wait only for work it started?",
                    limit.as_secs()
                ));
            }
            Ending::Signalled(signal) => {
                return fail(format!(
                    "ended by signal {signal}{}{said}",
                    signal_name(signal)
                ));
            }
            Ending::Exited(0) => {}
            Ending::Exited(code) if self.exercise.scenario.report == "flags2" => {
                return fail(format!(
                    "exited with status {code}{said}: a flag that fails must be counted in the \
                     report, not end the run"
                ));
            }
            Ending::Exited(code) => {
                return fail(format!(
                    "exited with status {code}{said}: a run that downloads every flag ends with \
                     status 0"
                ));
            }
        }
        let fix = "wait for every process and thread it starts before exiting";
        if let Some(first) = run.left_running.first() {
            return fail(format!(
                "left {} process{} running after it exited (first: {first}): {fix}",
                run.left_running.len(),
                if run.left_running.len() == 1 {
                    ""
                } else {
                    "es"
                }
            ));
        }
        if run.pipes_held {
            return fail(format!(
                "its output stayed open after it exited, held by a process it started: {fix}"
            ));
        }
        if let Some(first) = run.late_requests.first() {
            return fail(format!(
                "the server saw {} request{} after it exited (first: {}): {fix}",
                run.late_requests.len(),
                plural(run.late_requests.len()),
                first.path
            ));
        }
        if let Some(first) = run.late_files.first() {
            return fail(format!(
                "{} file{} in {{dest}} changed after it exited (first: {first}): {fix}",
                run.late_files.len(),
                plural(run.late_files.len())
            ));
        }
        pass("exited 0, and nothing of it ran on")
    }

    /// At the exit, `{dest}` held exactly the flags served, whole.
    fn files(&self) -> Verdict {
        let expected = expected_files(self.plan, &self.truth.ok());
        let Some(saved) = &self.run.files else {
            return fail("the folder {dest} was gone at the exit: save into it, and leave it");
        };
        let saved: BTreeMap<String, &Vec<u8>> =
            saved.iter().map(|(n, b)| (n.to_lowercase(), b)).collect();
        let missing: Vec<&String> = expected
            .keys()
            .filter(|n| !saved.contains_key(*n))
            .collect();
        let unexpected: Vec<&String> = saved
            .keys()
            .filter(|n| !expected.contains_key(*n))
            .collect();
        let differ: Vec<String> = expected
            .iter()
            .filter_map(|(name, bytes)| {
                let got = saved.get(name)?;
                (got[..] != bytes[..]).then(|| {
                    format!(
                        "{name} differs from what the server sent ({} bytes saved, {} served): a \
                         partial or altered file. Write to a temporary name and rename it when whole",
                        got.len(),
                        bytes.len()
                    )
                })
            })
            .collect();
        let strays = &self.run.strays;
        if !strays.is_empty() && !missing.is_empty() {
            return fail(format!(
                "saved {} flag{} outside {{dest}} (first: {}): save each flag into the folder \
                 given as {{dest}} (also FLAGS_DEST)",
                strays.len(),
                plural(strays.len()),
                strays[0].display()
            ));
        }
        if !missing.is_empty() && unexpected.len() >= missing.len() {
            return fail(format!(
                "saved {} file{} under other names (first: {}) where {} {} expected: name each \
                 flag cc.gif, its code in lower case, as {}",
                unexpected.len(),
                plural(unexpected.len()),
                unexpected[0],
                missing.len(),
                if missing.len() == 1 { "was" } else { "were" },
                missing[0]
            ));
        }
        if let Some(first) = differ.first() {
            return fail(format!("{first}{}", more(differ.len())));
        }
        if let Some(first) = unexpected.first() {
            return fail(format!(
                "unexpected file {first}{}: a partial or temporary file left behind, or a flag \
                 the server did not send",
                more(unexpected.len())
            ));
        }
        if let Some(first) = missing.first() {
            return fail(format!(
                "missing {first}{}: the server sent {} flags and {} were saved",
                more(missing.len()),
                expected.len(),
                expected.len() - missing.len()
            ));
        }
        pass(format!("{} flags, all whole", expected.len()))
    }

    /// Every request before the exit was for a given flag, each once.
    fn once(&self) -> Verdict {
        let counts = requests_per_path(&self.run.observations);
        let given: BTreeSet<String> = self
            .truth
            .codes
            .iter()
            .map(|&cc| flag_url("/flags", cc))
            .collect();
        let not_given: Vec<&String> = counts.keys().filter(|p| !given.contains(*p)).collect();
        if let Some(first) = not_given.first() {
            return fail(format!(
                "asked for {} path{} it was not given (first: {first}): ask only for the codes \
                 given ({{codes}}: {})",
                not_given.len(),
                plural(not_given.len()),
                self.truth.cc_args.join(" ")
            ));
        }
        let mut twice = Vec::new();
        let mut never = Vec::new();
        for &cc in &self.truth.codes {
            match counts.get(&flag_url("/flags", cc)).copied().unwrap_or(0) {
                1 => {}
                0 => never.push(cc),
                n => twice.push((cc, n)),
            }
        }
        if let Some((cc, n)) = twice.first() {
            return fail(format!(
                "{cc} was asked for {n} times{}: each flag should be fetched once",
                more(twice.len())
            ));
        }
        if let Some(cc) = never.first() {
            return fail(format!(
                "{cc} was never asked for{} before the program exited",
                more(never.len())
            ));
        }
        pass(format!(
            "{} flags, one request each",
            self.truth.codes.len()
        ))
    }

    fn peak(&self) -> usize {
        peak_in_flight(&self.run.observations)
    }

    /// The server saw the floor in flight at once: the gate held the first
    /// answers until it did, however slowly the client started.
    fn floor(&self) -> Verdict {
        let s = &self.exercise.scenario;
        let peak = self.peak();
        let waited = match self.run.gate.and_then(|g| g.ramp_expired) {
            Some(_) => format!(
                ", though the server held its first answers {} s for them",
                s.hold_s
            ),
            None => String::new(),
        };
        let message = format!(
            "{}{waited}; {} should reach {}",
            saw_in_flight(peak),
            self.exercise.strategy,
            s.floor
        );
        if peak >= s.floor {
            pass(message)
        } else {
            fail(message)
        }
    }

    /// The last request in flight never waited in vain for the next: a
    /// free worker took a new code at once.
    fn pool(&self) -> Verdict {
        let counts = requests_per_path(&self.run.observations);
        let asked = self
            .truth
            .codes
            .iter()
            .filter(|&&cc| counts.contains_key(&flag_url("/flags", cc)))
            .count();
        if asked < self.truth.codes.len() {
            return fail(format!(
                "asked for {asked} of the {} codes before it exited: a pool is only shown by a \
                 run that asks for them all",
                self.truth.codes.len()
            ));
        }
        match self.run.gate.and_then(|g| g.refill_expired) {
            Some(expiry) => fail(format!(
                "with {} code{} still to ask, the server held the last request in flight {} s \
                 and no new request came: the client waited for every request in flight to \
                 finish before starting more (batches, or one at a time). Give each worker a \
                 new code as soon as it is free (Executor.map or submit, or a semaphore around \
                 each request)",
                expiry.unasked,
                plural(expiry.unasked),
                self.exercise.scenario.hold_s
            )),
            None => pass("each time a request finished, the next one came while others ran"),
        }
    }

    fn ceiling(&self) -> Verdict {
        // No request at all proves nothing about a limit.
        if self.run.observations.is_empty() {
            return fail(
                "the server saw no request: a limit is only shown by a run that asks for the flags",
            );
        }
        let peak = self.peak();
        let s = &self.exercise.scenario;
        let message = format!(
            "{}; {} allows at most {}",
            saw_in_flight(peak),
            self.exercise.strategy,
            s.ceiling
        );
        if peak <= s.ceiling {
            pass(message)
        } else {
            fail(message)
        }
    }

    fn report(&self) -> Verdict {
        let expected = self.truth.tally;
        let stdout = &self.run.stdout;
        if self.exercise.scenario.report == "chapter1" {
            return match chapter1_count(stdout) {
                Some(n) if n == expected.ok => pass(format!("{n} flags downloaded, as expected")),
                Some(n) => fail(format!(
                    "expected \"{} flags downloaded in …\", got {n}",
                    expected.ok
                )),
                None => fail(
                    "expected a closing line \"N flags downloaded in X.XXs\" (or the 2nd \
                     edition's \"N downloads in X.XXs\"), found none",
                ),
            };
        }
        match flags2_counts(stdout) {
            Some(got) if got == expected => pass(show_tally(&got)),
            Some(got) => fail(format!(
                "expected {}, got {}",
                show_tally(&expected),
                show_tally(&got)
            )),
            None => fail(format!(
                "expected a report ending \"{} flags downloaded.\", found none",
                expected.ok
            )),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        6 => " (SIGABRT: an abort or a panic that aborts)",
        9 => " (SIGKILL: killed from outside, or out of memory)",
        11 => " (SIGSEGV: a crash)",
        13 => " (SIGPIPE: it wrote to a closed pipe)",
        15 => " (SIGTERM)",
        _ => "",
    }
}

/// "the server saw at most 3 requests in flight"
fn saw_in_flight(peak: usize) -> String {
    format!(
        "the server saw at most {peak} request{} in flight",
        plural(peak)
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

/// `20 flags downloaded in 2.04s` (1st edition) or `20 downloads in
/// 2.04s` (2nd edition) → 20.
fn chapter1_count(stdout: &str) -> Option<usize> {
    stdout.lines().rev().find_map(|line| {
        let (n, rest) = line.trim().split_once(' ')?;
        (rest.starts_with("flags downloaded in ") || rest.starts_with("downloads in "))
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
        // The 2nd edition's wording.
        assert_eq!(chapter1_count("BD BR \n20 downloads in 2.38s\n"), Some(20));
        assert_eq!(chapter1_count("20 flags"), None);
    }
}
