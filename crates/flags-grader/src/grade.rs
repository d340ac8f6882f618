//! A grading run: run the submission once against the gated server, then
//! judge each check from what the server saw and what was on disk at the
//! exit. No check reads a stopwatch, so a run graded on a fast idle machine
//! and on a slow busy one gets the same verdicts.
//!
//! CPU-bound work (the primes exercise) has no server: it is judged by what
//! the sampling of its threads and processes saw (`grade/primes.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use flags_common::{
    Code, DownloadStatus, Tally, chapter1_count, flag_filename, flag_url, flags2_counts,
};
use mock_server::{Fault, Observation, Plan, RETRY_WINDOW, peak_in_flight, requests_per_path};
use timeline::Timeline;

use crate::manifest::{CheckKind, CheckSpec, Exercise, Kind};
use crate::run::{Attempt, Ending, Placeholder, Run, RunError, run_once};

mod primes;

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
    /// Who sees it on Gradescope (the manifest's).
    pub visibility: crate::manifest::Visibility,
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
    /// What the server saw of the run, beside the ideal schedule: for the
    /// exercises whose program asks the server (none for CPU-bound work,
    /// a kit's tests, or a build that failed).
    pub timeline: Option<Timelines>,
}

/// A run's requests beside the best schedule the plan allows: the picture
/// in the feedback, where "kept 8 requests in flight" shows as 8 lanes
/// against the ideal's 20.
#[derive(Debug, Clone)]
pub struct Timelines {
    /// Each request the server saw, from its arrival to its answer, on a
    /// clock that starts at the run's first request (the ideal's start).
    pub actual: Timeline,
    /// The plan's greedy schedule of the codes given, each request taking
    /// exactly its delay (or the client's timeout), at `workers` in flight.
    pub ideal: Timeline,
    /// The concurrency of the ideal: the run's own most in flight, within
    /// the exercise's floor and ceiling. So a sequential answer to an
    /// exercise that allows up to 8 is set beside the best one lane can
    /// do, and 8 in flight where 20 are asked beside 20 lanes.
    pub workers: usize,
    /// With a gate, the answers held until this many are in flight: the
    /// run's first bars are long by design.
    pub gate: Option<usize>,
}

impl Timelines {
    fn new(exercise: &Exercise, plan: &Plan, codes: &[Code], served: Timeline) -> Timelines {
        let s = &exercise.scenario;
        let timeout = exercise.client_timeout();
        let workers = served.peak().max(s.floor).min(s.ceiling).max(1);
        Timelines {
            actual: from_first_request(served),
            ideal: plan.ideal_timeline_for(codes, workers, timeout, s.names),
            workers,
            gate: exercise.gated().then_some(s.floor),
        }
    }

    /// Both, for a terminal: 80 columns of Unicode blocks.
    pub fn text(&self) -> String {
        timeline::text(&self.actual, Some(&self.ideal), timeline::WIDTH)
    }

    /// Both, as an SVG picture.
    pub fn svg(&self) -> String {
        timeline::svg(&self.actual, Some(&self.ideal))
    }
}

/// `timeline` with its clock moved to start at its first request: the
/// ideal starts every worker at 0, and how long the program took to start
/// (an interpreter, say) is not the lesson.
fn from_first_request(mut timeline: Timeline) -> Timeline {
    // The requests are sorted by start: the first is the earliest.
    let first = timeline
        .requests
        .first()
        .map_or(Duration::ZERO, |r| r.start);
    for request in &mut timeline.requests {
        request.start = request.start.saturating_sub(first);
        request.end = request.end.saturating_sub(first);
    }
    timeline
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
    /// CPU-bound work: the seeded numbers, each with whether it is prime.
    numbers: Vec<(u64, bool)>,
}

impl Truth {
    /// The truth of a flags exercise's `plan`, or of CPU-bound work (no plan).
    fn new(exercise: &Exercise, plan: Option<&Plan>, seed: u64) -> Truth {
        let s = &exercise.scenario;
        let numbers = s
            .numbers
            .map_or_else(Vec::new, |n| primes::numbers(seed, n));
        let Some(plan) = plan else {
            return Truth {
                codes: Vec::new(),
                cc_args: Vec::new(),
                outcomes: BTreeMap::new(),
                tally: Tally::default(),
                numbers,
            };
        };
        let codes = exercise.codes(seed);
        let outcomes: BTreeMap<Code, DownloadStatus> = codes
            .iter()
            .map(|&cc| (cc, plan.outcome(cc, exercise.client_timeout(), s.retries)))
            .collect();
        let tally = outcomes.values().copied().collect();
        Truth {
            codes,
            cc_args: exercise.cc_args(seed),
            outcomes,
            tally,
            numbers,
        }
    }

    /// What the placeholders other than `{url}`, `{dest}` and `{codes}`
    /// stand for.
    fn values(&self, exercise: &Exercise) -> Vec<Placeholder> {
        let s = &exercise.scenario;
        if s.numbers.is_some() {
            return vec![
                Placeholder {
                    name: "{workers}",
                    env: "FLAGS_WORKERS",
                    value: s.ceiling.to_string(),
                },
                Placeholder {
                    name: "{numbers}",
                    env: "FLAGS_NUMBERS",
                    value: self.numbers_arg(),
                },
            ];
        }
        vec![Placeholder {
            name: "{timeout}",
            env: "FLAGS_TIMEOUT",
            value: s.client_timeout_s.to_string(),
        }]
    }

    /// The numbers as `{numbers}` gives them: `97,91,2`.
    fn numbers_arg(&self) -> String {
        let numbers: Vec<String> = self.numbers.iter().map(|(n, _)| n.to_string()).collect();
        numbers.join(",")
    }

    /// The codes whose flag the plan gives this fault.
    fn with_fault(&self, plan: &Plan, fault: Fault) -> Vec<Code> {
        let faulty = |cc: &&Code| plan.fault(**cc) == Some(fault);
        self.codes.iter().filter(faulty).copied().collect()
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
    let plan = plan_of(exercise, options.seed);
    let truth = Truth::new(exercise, plan.as_ref(), options.seed);
    let attempt = run_once(&Run {
        plan: plan.as_ref(),
        gate: exercise.gate(options.seed),
        command,
        codes: &truth.cc_args,
        values: &truth.values(exercise),
        sample_cpu: plan.is_none(),
        workdir: options.workdir.as_deref(),
        time_limit: options
            .time_limit
            .unwrap_or(Duration::from_secs(exercise.scenario.time_limit_s)),
    })?;
    let judge = Judge {
        exercise,
        plan: plan.as_ref(),
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
                name: spec_name(spec, exercise),
                score: if verdict.passed { spec.points } else { 0 },
                max_score: spec.points,
                status: if verdict.passed {
                    Status::Passed
                } else {
                    Status::Failed
                },
                message: verdict.message,
                visibility: spec.visibility,
            }
        })
        .collect();
    let timeline = (plan.as_ref().zip(attempt.served))
        .map(|(plan, served)| Timelines::new(exercise, plan, &truth.codes, served));
    Ok(Grade {
        wall: attempt.wall,
        output: tail(&attempt.stdout, &attempt.stderr),
        checks,
        timeline,
        ..header(exercise, plan.as_ref(), &truth, &options)
    })
}

/// The server's plan, for an exercise that has a server (not CPU-bound work).
fn plan_of(exercise: &Exercise, seed: u64) -> Option<Plan> {
    exercise
        .scenario
        .numbers
        .is_none()
        .then(|| exercise.plan(seed))
}

/// The grade of a submission that did not compile: every check failed, and
/// the compiler's messages as its output.
pub fn not_built(exercise: &Exercise, options: &Options, compiler: &str) -> Grade {
    let message = "the submission did not compile: nothing ran".to_owned();
    Grade {
        error: Some(message.clone()),
        output: last_lines(compiler, 40),
        checks: exercise
            .checks
            .iter()
            .map(|spec| CheckResult {
                kind: spec.check,
                name: spec_name(spec, exercise),
                score: 0,
                max_score: spec.points,
                status: Status::Failed,
                message: message.clone(),
                visibility: spec.visibility,
            })
            .collect(),
        ..match exercise.kind {
            Kind::Command => {
                let plan = plan_of(exercise, options.seed);
                let truth = Truth::new(exercise, plan.as_ref(), options.seed);
                header(exercise, plan.as_ref(), &truth, options)
            }
            Kind::Tests => crate::kit::header(exercise, options),
        }
    }
}

/// A grade with no checks yet: what was graded, against what.
fn header(exercise: &Exercise, plan: Option<&Plan>, truth: &Truth, options: &Options) -> Grade {
    let (codes, plan) = match plan {
        Some(plan) => (
            truth.cc_args.join(" "),
            format!(
                "{}; {} codes; {} flags, {} not found, {} errors expected",
                plan.describe(),
                truth.codes.len(),
                truth.tally.ok,
                truth.tally.not_found,
                truth.tally.error
            ),
        ),
        None => (
            truth.numbers_arg(),
            format!(
                "{} seeded numbers, {} of them prime, for {} workers",
                truth.numbers.len(),
                truth.numbers.iter().filter(|(_, p)| *p).count(),
                exercise.scenario.ceiling
            ),
        ),
    };
    Grade {
        exercise: exercise.name.clone(),
        ports: exercise.ports.clone(),
        student: options.student.clone(),
        seed: options.seed,
        codes,
        plan,
        checks: Vec::new(),
        wall: Duration::ZERO,
        error: None,
        output: String::new(),
        timeline: None,
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
    let cpu = s.numbers.is_some();
    match kind {
        CheckKind::Exit => "exited 0 and left nothing running".to_owned(),
        CheckKind::Files if s.names => {
            "saved exactly the flags served, each under its country's name, and nothing else"
                .to_owned()
        }
        CheckKind::Files => {
            "saved exactly the flags served, byte for byte, and nothing else".to_owned()
        }
        CheckKind::Once if s.names => {
            "asked for each name and each flag at most once, and nothing else".to_owned()
        }
        CheckKind::Once => "asked for each given flag exactly once, and nothing else".to_owned(),
        CheckKind::Floor if cpu => format!("kept {} workers busy at once", s.floor),
        CheckKind::Floor => format!("had {} requests in flight at once", s.floor),
        CheckKind::Pool => "started a new request as soon as one finished".to_owned(),
        CheckKind::Ceiling if cpu => format!(
            "never kept more than {} worker{} busy at once",
            s.ceiling,
            plural(s.ceiling)
        ),
        CheckKind::Ceiling => format!(
            "never had more than {} request{} in flight",
            s.ceiling,
            plural(s.ceiling)
        ),
        CheckKind::Report if cpu => "printed each number's verdict, prime or not".to_owned(),
        CheckKind::Report => "printed the counts the server's plan says".to_owned(),
        CheckKind::Test => "passed the kit's tests".to_owned(),
        CheckKind::Order => "asked for each flag after its name's answer".to_owned(),
        CheckKind::Retries => {
            "asked for each transient flag twice, and every other flag once".to_owned()
        }
        CheckKind::Timeout => {
            "gave up on each stalled request at its timeout, and closed it".to_owned()
        }
        CheckKind::Spread => format!("spread the CPU time over {} workers", s.ceiling),
    }
}

/// A check's name in the results: the manifest's `name`, or what its kind
/// checks; a test check without a name is named after its tests.
pub fn spec_name(spec: &CheckSpec, exercise: &Exercise) -> String {
    match (&spec.name, spec.check) {
        (Some(name), _) => name.clone(),
        (None, CheckKind::Test) => spec.test.join(", ").replace('_', " "),
        (None, kind) => check_name(kind, exercise),
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
    /// The server's plan (none for CPU-bound work).
    plan: Option<&'a Plan>,
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
            // Never here: a tests exercise is graded by `kit::grade`.
            CheckKind::Test => fail("judged by the kit's tests, not by a run"),
            CheckKind::Order => self.order(),
            CheckKind::Retries => self.retries(),
            CheckKind::Timeout => self.timeout(),
            CheckKind::Spread => {
                primes::spread(self.run.cpu.as_ref(), self.exercise.scenario.ceiling)
            }
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
                let work = match self.plan {
                    Some(_) => "downloads every flag",
                    None => "checks every number",
                };
                return fail(format!(
                    "exited with status {code}{said}: a run that {work} ends with status 0"
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
        let expected = self.expected_files();
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
            let naming = match self.exercise.scenario.names {
                true => "after its country, from its metadata.json, spaces as underscores",
                false => "cc.gif, its code in lower case",
            };
            return fail(format!(
                "saved {} file{} under other names (first: {}) where {} {} expected: name each \
                 flag {naming}, as {}",
                unexpected.len(),
                plural(unexpected.len()),
                unexpected[0],
                missing.len(),
                if missing.len() == 1 { "was" } else { "were" },
                self.as_the_book_names(missing[0])
            ));
        }
        if let Some(first) = differ.first() {
            return fail(format!("{first}{}", more(differ.len())));
        }
        if let Some(verdict) = self.saved_too_late(&unexpected) {
            return verdict;
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
                "missing {}{}: the server sent {} flags and {} were saved",
                self.as_the_book_names(first),
                more(missing.len()),
                expected.len(),
                expected.len() - missing.len()
            ));
        }
        pass(format!("{} flags, all whole", expected.len()))
    }

    /// The server's plan: every check but those of CPU-bound work has one
    /// (the manifests are tested for it).
    fn plan(&self) -> &Plan {
        self.plan.expect("a flags exercise has a server's plan")
    }

    /// The files a correct run leaves in `{dest}`, by lower-case name:
    /// `cc.gif`, or for flags3 the country's name (`congo_(kinshasa).gif`).
    fn expected_files(&self) -> BTreeMap<String, Vec<u8>> {
        let flags = self.plan().flag_set();
        (self.truth.ok().into_iter())
            .filter_map(|cc| Some((self.file_of(cc)?, flags.get(cc)?.gif.to_vec())))
            .collect()
    }

    /// The lower-case name a flag is saved under, if the code has one.
    fn file_of(&self, cc: Code) -> Option<String> {
        let name = match self.exercise.scenario.names {
            false => flag_filename(cc),
            true => country_file(&self.plan().flag_set().get(cc)?.metadata)?,
        };
        Some(name.to_lowercase())
    }

    /// An expected file's name, which the checks compare in lower case, as
    /// the book writes it: `Congo_(Kinshasa).gif` (flags3), `bd.gif`.
    fn as_the_book_names(&self, lower: &str) -> String {
        let names = self.exercise.scenario.names;
        (self.truth.ok().into_iter())
            .filter(|_| names)
            .filter_map(|cc| country_file(&self.plan().flag_set().get(cc)?.metadata))
            .find(|name| name.to_lowercase() == lower)
            .unwrap_or_else(|| lower.to_owned())
    }

    /// An unexpected file that is the flag of a stalled request, as a
    /// failure: the client waited past its timeout for the answer.
    fn saved_too_late(&self, unexpected: &[&String]) -> Option<Verdict> {
        let stalled = self.truth.with_fault(self.plan(), Fault::Stall);
        let late: Vec<String> = (stalled.into_iter())
            .filter_map(|cc| self.file_of(cc))
            .filter(|name| unexpected.contains(&name))
            .collect();
        Some(fail(format!(
            "saved {}{}, whose answer stalled past the {} s timeout: give up on a request at its \
             timeout, count it as an error, and save nothing for it",
            late.first()?,
            more(late.len()),
            self.exercise.scenario.client_timeout_s
        )))
    }

    /// The request paths of the codes given: their flags, and with
    /// `names` their metadata too.
    fn given_paths(&self) -> BTreeSet<String> {
        let names = self.exercise.scenario.names;
        (self.truth.codes.iter())
            .flat_map(|&cc| {
                [
                    Some(flag_url("/flags", cc)),
                    names.then(|| metadata_path(cc)),
                ]
            })
            .flatten()
            .collect()
    }

    /// A request for anything but the codes given, as a failure.
    fn asked_not_given(&self, counts: &BTreeMap<String, usize>) -> Option<Verdict> {
        let given = self.given_paths();
        let not_given: Vec<&String> = counts.keys().filter(|p| !given.contains(*p)).collect();
        let first = not_given.first()?;
        Some(fail(format!(
            "asked for {} path{} it was not given (first: {first}): ask only for the codes \
             given ({{codes}}: {})",
            not_given.len(),
            plural(not_given.len()),
            self.truth.cc_args.join(" ")
        )))
    }

    /// Every request before the exit was for a given flag, each once. With
    /// `names` (flags3): each name and each flag at most once, both for a
    /// flag that is served, and for the others whichever it asks first.
    fn once(&self) -> Verdict {
        let counts = requests_per_path(&self.run.observations);
        if let Some(verdict) = self.asked_not_given(&counts) {
            return verdict;
        }
        let asked = |path: &str| counts.get(path).copied().unwrap_or(0);
        let names = self.exercise.scenario.names;
        let mut twice = Vec::new();
        let mut never = Vec::new();
        for &cc in &self.truth.codes {
            let flag = asked(&flag_url("/flags", cc));
            if !names {
                match flag {
                    1 => {}
                    0 => never.push(cc.to_string()),
                    n => twice.push((cc.to_string(), n)),
                }
                continue;
            }
            let meta = asked(&metadata_path(cc));
            for (what, n) in [("name", meta), ("flag", flag)] {
                if n > 1 {
                    twice.push((format!("{cc}'s {what}"), n));
                }
            }
            let served = self.truth.outcomes.get(&cc) == Some(&DownloadStatus::Ok);
            match (meta, flag) {
                (0, _) if served => never.push(format!("{cc}'s name (metadata.json)")),
                (_, 0) if served => never.push(format!("{cc}'s flag")),
                (0, 0) => never.push(format!("{cc}'s name (metadata.json)")),
                _ => {}
            }
        }
        if let Some((what, n)) = twice.first() {
            let each = if names {
                "each name and each flag"
            } else {
                "each flag"
            };
            return fail(format!(
                "{what} was asked for {n} times{}: {each} should be fetched once",
                more(twice.len())
            ));
        }
        if let Some(what) = never.first() {
            return fail(format!(
                "{what} was never asked for{} before the program exited",
                more(never.len())
            ));
        }
        let each = if names {
            "each name and each flag served asked once"
        } else {
            "one request each"
        };
        pass(format!("{} codes, {each}", self.truth.codes.len()))
    }

    /// Each transient flag asked twice (its 503, then its retry), every
    /// other flag once: a retry for what a retry can fix, and no more.
    fn retries(&self) -> Verdict {
        let counts = requests_per_path(&self.run.observations);
        if let Some(verdict) = self.asked_not_given(&counts) {
            return verdict;
        }
        let plan = self.plan();
        let transient = self.truth.with_fault(plan, Fault::Transient);
        let mut wrong = Vec::new();
        for &cc in &self.truth.codes {
            let asked = counts.get(&flag_url("/flags", cc)).copied().unwrap_or(0);
            let is_transient = transient.contains(&cc);
            let expected = if is_transient { 2 } else { 1 };
            if asked != expected {
                wrong.push((cc, asked, is_transient));
            }
        }
        let Some(&(cc, asked, is_transient)) = wrong.first() else {
            return pass(format!(
                "{} transient flag{} asked twice, the other {} once",
                transient.len(),
                plural(transient.len()),
                self.truth.codes.len() - transient.len()
            ));
        };
        let and_more = more(wrong.len());
        let status = plan.expected(cc).status;
        let window = RETRY_WINDOW.as_secs();
        fail(match (asked, is_transient) {
            (0, _) => format!("{cc} was never asked for{and_more} before the program exited"),
            (1, true) => format!(
                "{cc} answered 503 (a transient fault) and was not asked again{and_more}: retry a \
                 5xx or a timeout, after a short wait (within {window} s), as --retries allows"
            ),
            (n, true) => format!(
                "{cc} was asked for {n} times{and_more}: its 503 clears on the first retry; stop \
                 once a request succeeds"
            ),
            (n, false) => format!(
                "{cc} ({status} {}) was asked for {n} times{and_more}: retry only what a retry \
                 can fix (a 5xx, a timeout), at most --retries times; a {status} will not change",
                flags_common::http::reason_phrase(status)
            ),
        })
    }

    /// flags3: for each code whose name and flag were both asked, the
    /// server sent the name's answer before the flag was asked.
    fn order(&self) -> Verdict {
        let first = |path: &str| -> Option<&Observation> {
            self.run.observations.iter().find(|o| o.path == path)
        };
        let mut chained = 0;
        let mut wrong = Vec::new();
        for &cc in &self.truth.codes {
            let (Some(meta), Some(flag)) =
                (first(&metadata_path(cc)), first(&flag_url("/flags", cc)))
            else {
                continue;
            };
            if meta.end() <= flag.arrival {
                chained += 1;
            } else {
                wrong.push((cc, flag.arrival < meta.arrival));
            }
        }
        let fix = "ask for metadata.json, wait for its answer, then ask for the flag";
        match wrong.first() {
            Some((cc, true)) => fail(format!(
                "{cc}'s flag was asked before its name{}: {fix}",
                more(wrong.len())
            )),
            Some((cc, false)) => fail(format!(
                "{cc}'s flag was asked while its name (metadata.json) was still unanswered{}: {fix}",
                more(wrong.len())
            )),
            None if chained == 0 => fail(format!(
                "no code had both its name and its flag asked: {fix}"
            )),
            None => pass(format!(
                "{chained} flags, each asked after its name's answer"
            )),
        }
    }

    /// Each stalled request was given up by the client: the server saw it
    /// closed before the answer, not before the client's timeout (the
    /// server's clock starts when the request arrives, a little after the
    /// client's, so a quarter of the timeout is allowed), and not by the
    /// kill at the time limit. No upper bound: a busy machine only makes a
    /// client later.
    fn timeout(&self) -> Verdict {
        let timeout = self.exercise.client_timeout();
        let stalled = self.truth.with_fault(self.plan(), Fault::Stall);
        let killed = matches!(self.run.ending, Ending::TimedOut(_));
        let secs = timeout.as_secs_f64();
        let fix = format!(
            "give every request a timeout of {secs} s ({{timeout}}), and count a request that times out as an error"
        );
        let mut held = Vec::new();
        for &cc in &stalled {
            let path = flag_url("/flags", cc);
            let Some(seen) = self.run.observations.iter().find(|o| o.path == path) else {
                return fail(format!(
                    "{cc}, whose answer stalls, was never asked for before the program exited"
                ));
            };
            let after = seen.delay.as_secs_f64();
            if !seen.abandoned {
                return fail(format!(
                    "{cc}'s answer stalled, and the client waited {after:.1} s for it: {fix}"
                ));
            }
            if killed && seen.end() >= self.run.exit_at {
                return fail(format!(
                    "{cc}'s answer stalled, and the client was still waiting for it when killed \
                     at the time limit: {fix}"
                ));
            }
            if seen.delay < timeout.mul_f64(0.75) {
                return fail(format!(
                    "{cc}'s request was given up after {after:.2} s, before its {secs} s timeout: \
                     a slow answer is not a failed one; wait the whole timeout"
                ));
            }
            held.push(after);
        }
        let low = held.iter().copied().fold(f64::INFINITY, f64::min);
        let high = held.iter().copied().fold(0.0, f64::max);
        match held.len() {
            0 => pass("no flag stalled in this run"),
            n => pass(format!(
                "{n} stalled request{} given up after {low:.2} to {high:.2} s, each closed before \
                 its answer",
                plural(n)
            )),
        }
    }

    fn peak(&self) -> usize {
        peak_in_flight(&self.run.observations)
    }

    /// The server saw the floor in flight at once: the gate held the first
    /// answers until it did, however slowly the client started.
    fn floor(&self) -> Verdict {
        let s = &self.exercise.scenario;
        if self.plan.is_none() {
            return primes::floor(self.run.cpu.as_ref(), s.floor);
        }
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
        if self.plan.is_none() {
            return primes::ceiling(self.run.cpu.as_ref(), self.exercise.scenario.ceiling);
        }
        // No request at all proves nothing about a limit.
        if self.run.observations.is_empty() {
            return fail(
                "the server saw no request: a limit is only shown by a run that asks for the flags",
            );
        }
        // A request the client gave up on is left out: the server sees it
        // closed a moment after the client closes it, and on a busy machine
        // the client's next request may arrive within that moment.
        let kept: Vec<Observation> = (self.run.observations.iter())
            .filter(|o| !o.abandoned)
            .cloned()
            .collect();
        let peak = peak_in_flight(&kept);
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
        if self.plan.is_none() {
            return primes::report(stdout, &self.truth.numbers);
        }
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
            Some(got) if got == expected => pass(got.summary()),
            Some(got) => fail(format!(
                "expected {}, got {}",
                expected.summary(),
                got.summary()
            )),
            None => fail(format!(
                "expected a report ending \"{} flags downloaded.\", found none",
                expected.ok
            )),
        }
    }
}

/// `/flags/bd/metadata.json`
fn metadata_path(cc: Code) -> String {
    format!("/flags/{}/metadata.json", cc.lower())
}

/// The file the book's flags3 saves a flag as, from its `metadata.json`:
/// the country, spaces as underscores, `.gif`.
fn country_file(metadata: &[u8]) -> Option<String> {
    let meta: serde_json::Value = serde_json::from_slice(metadata).ok()?;
    Some(format!(
        "{}.gif",
        meta["country"].as_str()?.replace(' ', "_")
    ))
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
