//! Exercises judged by the kit's own tests (`kind = "tests"`): the
//! student writes part of a library (`submit`, `map`, `as_completed`), and
//! the course's tests of that library, built against the student's `src/`,
//! say whether it behaves. Each check is worth its points when every test
//! it names passes.
//!
//! The tests are the grader's pristine copy, in the build folder: a
//! student's edits to the starter's tests never count. Each test runs in a
//! process, and a process group, of its own, all at once: a test that hangs
//! is killed at the time limit with everything it started, and a test that
//! aborts the process (a panic escaping a worker) costs only itself.
//!
//! ```text
//! $ grade concurrent-futures --submission my-futures
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::grade::{CheckResult, Grade, Options, Status, not_built, spec_name};
use crate::manifest::Exercise;
use crate::submission::{BuildFolder, Compiled, GradeError};

/// How one test came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    /// `test NAME ... ok`.
    Passed,
    /// `test NAME ... FAILED`, with what it printed (its panic).
    Failed(String),
    /// Still running at the time limit, and killed.
    TimedOut(Duration),
    /// The process ended before the test reported: how, and its output.
    Crashed(String),
}

/// Grades the starter crate in `dir` by the kit's tests, built in the
/// exercise's build folder under `build_root`.
pub fn grade(
    exercise: &Exercise,
    dir: &Path,
    options: Options,
    build_root: &Path,
) -> Result<Grade, GradeError> {
    let grader = |err: anyhow::Error| GradeError::Grader(format!("{err:#}"));
    let Some(tests) = &exercise.tests else {
        return Err(GradeError::Grader(format!(
            "{} names no [tests] in its manifest",
            exercise.name
        )));
    };
    let target = test_target(&tests.file);
    // Held to the end: the tests may run the crate's binaries, which live
    // in the build folder until the next grading replaces them.
    let folder = BuildFolder::open(exercise, build_root).map_err(grader)?;
    folder.put_src(dir).map_err(grader)?;
    let args = ["test", "--no-run", "--test", target.as_str()];
    let binary = match folder.cargo(&args, "test", &target).map_err(grader)? {
        Compiled::Executable(path) => path,
        Compiled::Failed(log) => return Ok(not_built(exercise, &options, &log)),
        Compiled::NotBuilt(why) => return Err(GradeError::Grader(why)),
    };
    let limit = options
        .time_limit
        .unwrap_or(Duration::from_secs(tests.time_limit_s));
    let names: Vec<&str> = exercise
        .checks
        .iter()
        .flat_map(|c| c.test.iter().map(String::as_str))
        .collect();
    let started = Instant::now();
    let outcomes: BTreeMap<&str, TestOutcome> = std::thread::scope(|scope| {
        let runs: Vec<_> = names
            .iter()
            .map(|&name| {
                let (binary, dir) = (&binary, folder.path());
                (
                    name,
                    scope.spawn(move || run_test(binary, name, dir, limit)),
                )
            })
            .collect();
        runs.into_iter()
            .map(|(name, run)| {
                let outcome = run.join().unwrap_or_else(|_| {
                    Ok(Some(TestOutcome::Crashed(
                        "the grader's watcher panicked".into(),
                    )))
                });
                (name, outcome)
            })
            .map(|(name, outcome)| match outcome {
                Ok(Some(outcome)) => Ok((name, outcome)),
                Ok(None) => Err(GradeError::Grader(format!(
                    "the kit's {} has no test {name}: the manifest of {} names it",
                    tests.file, exercise.name
                ))),
                Err(err) => Err(GradeError::Grader(format!(
                    "could not run the kit's tests {}: {err}",
                    binary.display()
                ))),
            })
            .collect::<Result<_, _>>()
    })?;
    let wall = started.elapsed();
    drop(folder);

    let mut output = String::new();
    let checks = exercise
        .checks
        .iter()
        .map(|spec| {
            let failed: Vec<(&str, &TestOutcome)> = spec
                .test
                .iter()
                .map(|name| (name.as_str(), &outcomes[name.as_str()]))
                .filter(|(_, outcome)| **outcome != TestOutcome::Passed)
                .collect();
            // The first failure of each check, in full (its panic, its
            // assertion's values): enough to start from.
            if let Some((name, outcome)) = failed.first() {
                output.push_str(&format!("---- {name} ----\n{}\n", detail(outcome)));
            }
            let passed = failed.is_empty();
            CheckResult {
                kind: spec.check,
                name: spec_name(spec, exercise),
                score: if passed { spec.points } else { 0 },
                max_score: spec.points,
                status: if passed {
                    Status::Passed
                } else {
                    Status::Failed
                },
                message: match failed.first() {
                    None => format!("passed: {}", spec.test.join(", ")),
                    Some((name, outcome)) => format!("{name}: {}", summary(outcome)),
                },
                visibility: spec.visibility,
            }
        })
        .collect();
    if output.is_empty() {
        output = format!("all {} tests passed", names.len());
    }
    Ok(Grade {
        checks,
        wall,
        output,
        ..header(exercise, &options)
    })
}

/// A grade with no checks yet: what was graded, against what.
pub fn header(exercise: &Exercise, options: &Options) -> Grade {
    let file = exercise.tests.as_ref().map_or("", |t| t.file.as_str());
    Grade {
        exercise: exercise.name.clone(),
        ports: exercise.ports.clone(),
        student: options.student.clone(),
        seed: options.seed,
        codes: String::new(),
        plan: format!("the kit's tests ({file}) against the submission's src/"),
        checks: Vec::new(),
        wall: Duration::ZERO,
        error: None,
        output: String::new(),
        timeline: None,
    }
}

/// The cargo test target of a test file: `tests/futures.rs` → `futures`.
fn test_target(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// A failed test's one-line reason, for the check's message.
fn summary(outcome: &TestOutcome) -> String {
    match outcome {
        TestOutcome::Passed => "passed".to_owned(),
        TestOutcome::Failed(text) => {
            // The panic's message: the line after `panicked at FILE:LINE:`.
            let mut lines = text.lines().skip_while(|l| !l.contains("panicked at"));
            let message = lines.nth(1).unwrap_or("").trim();
            format!("failed: {message}")
        }
        TestOutcome::TimedOut(limit) => format!(
            "still running after {} s, and killed: a hang. Does something wait for a call \
             that has not finished, or for one that was never started?",
            limit.as_secs()
        ),
        TestOutcome::Crashed(how) => how.lines().next().unwrap_or("").to_owned(),
    }
}

/// A failed test's story, for the output: what it printed, cut short.
fn detail(outcome: &TestOutcome) -> String {
    match outcome {
        TestOutcome::Failed(text) | TestOutcome::Crashed(text) => {
            let lines: Vec<&str> = text.trim().lines().collect();
            let mut shown = lines[..lines.len().min(DETAIL_LINES)].join("\n");
            if lines.len() > DETAIL_LINES {
                shown.push_str("\n…");
            }
            shown
        }
        other => summary(other),
    }
}

/// The most lines of one failure the output shows.
const DETAIL_LINES: usize = 12;

/// Runs the test `name` of `binary` alone, in a process group of its own,
/// killed with everything it started at `limit`; `None` if there is no
/// such test.
fn run_test(
    binary: &Path,
    name: &str,
    dir: &Path,
    limit: Duration,
) -> std::io::Result<Option<TestOutcome>> {
    let mut cmd = Command::new(binary);
    cmd.args([name, "--exact", "--test-threads", "1", "--color", "never"])
        .current_dir(dir);
    crate::run::watched(&mut cmd);
    let child = cmd.spawn()?;
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(limit) {
        Ok(output) => output?,
        Err(_) => {
            kill_group(pid);
            // Its output, if the kill closed it; a hang either way.
            let _ = rx.recv_timeout(Duration::from_secs(1));
            return Ok(Some(TestOutcome::TimedOut(limit)));
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    Ok(parse(name, &stdout, &stderr, output.status))
}

/// The outcome of the one test `name` from libtest's plain output.
fn parse(
    name: &str,
    stdout: &str,
    stderr: &str,
    status: std::process::ExitStatus,
) -> Option<TestOutcome> {
    let verdict = stdout
        .lines()
        .find_map(|line| line.strip_prefix(&format!("test {name} ... ")));
    match verdict {
        Some("ok") => return Some(TestOutcome::Passed),
        Some(_) => {
            // `---- NAME stdout ----` up to the list of `failures:`.
            let header = format!("---- {name} stdout ----");
            let story: Vec<&str> = stdout
                .lines()
                .skip_while(|l| *l != header)
                .skip(1)
                .take_while(|l| *l != "failures:")
                .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE=1`"))
                .collect();
            let mut text = story.join("\n").trim().to_owned();
            if !stderr.trim().is_empty() {
                text.push_str("\n--- stderr ---\n");
                text.push_str(stderr.trim());
            }
            return Some(TestOutcome::Failed(text));
        }
        None => {}
    }
    if stdout.contains("running 0 tests") {
        return None;
    }
    Some(TestOutcome::Crashed(format!(
        "the test process ended ({status}) before the test finished: a panic that escaped a \
         worker thread aborts the whole process\n{}",
        stderr.trim()
    )))
}

/// Kills the process group `group` (the test and what it started).
fn kill_group(group: u32) {
    #[cfg(unix)]
    if let Some(pid) = rustix::process::Pid::from_raw(group as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = group;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{CheckKind, Kind, exercises};
    use crate::starter::workspace_root;

    /// Every tests exercise names tests that its file has, each once, in
    /// checks of kind `test`; and no command-only field.
    #[test]
    fn every_tests_exercise_names_tests_that_exist() {
        let kits: Vec<Exercise> = exercises()
            .into_iter()
            .filter(|e| e.kind == Kind::Tests)
            .collect();
        assert!(kits.len() >= 2);
        for e in kits {
            let tests = e.tests.as_ref().expect("a tests exercise has [tests]");
            let file = workspace_root()
                .join("crates")
                .join(&e.solution.krate)
                .join(&tests.file);
            let text = std::fs::read_to_string(&file).unwrap();
            let mut seen = std::collections::BTreeSet::new();
            for check in &e.checks {
                assert_eq!(check.check, CheckKind::Test, "{}", e.name);
                assert!(check.name.is_some(), "{}: name each test check", e.name);
                assert!(!check.test.is_empty(), "{}", e.name);
                for name in &check.test {
                    assert!(text.contains(&format!("fn {name}()")), "{}: {name}", e.name);
                    assert!(seen.insert(name.clone()), "{}: {name} twice", e.name);
                }
            }
            assert!(e.scenario.args.is_empty(), "{}: no scenario", e.name);
        }
        // And the command exercises have no test checks.
        for e in exercises().into_iter().filter(|e| e.kind == Kind::Command) {
            assert!(e.tests.is_none() && e.checks.iter().all(|c| c.test.is_empty()));
        }
    }

    #[cfg(unix)]
    fn status(code: i32) -> std::process::ExitStatus {
        std::os::unix::process::ExitStatusExt::from_raw(code << 8)
    }

    #[cfg(unix)]
    #[test]
    fn libtests_plain_output_is_read_test_by_test() {
        let ok =
            "\nrunning 1 test\ntest map_schedules_every_call_at_once ... ok\n\ntest result: ok.";
        assert_eq!(
            parse("map_schedules_every_call_at_once", ok, "", status(0)),
            Some(TestOutcome::Passed)
        );
        let failed = "\nrunning 1 test\ntest a ... FAILED\n\nfailures:\n\n---- a stdout ----\n\n\
                      thread 'a' panicked at tests/futures.rs:9:5:\nheld back by call 0\n\
                      note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\n\
                      failures:\n    a\n";
        let outcome = parse("a", failed, "", status(101)).unwrap();
        assert_eq!(
            outcome,
            TestOutcome::Failed(
                "thread 'a' panicked at tests/futures.rs:9:5:\nheld back by call 0".into()
            )
        );
        assert_eq!(summary(&outcome), "failed: held back by call 0");
        assert_eq!(parse("b", "\nrunning 0 tests\n", "", status(0)), None);
        let aborted = parse(
            "c",
            "\nrunning 1 test\n",
            "fatal runtime error",
            status(134),
        );
        assert!(matches!(aborted, Some(TestOutcome::Crashed(how)) if how.contains("aborts")));
    }
}
