//! The grader against real submissions: this workspace's solutions and a
//! Python client on the standard library score full marks, and each golden
//! broken submission (one sh + curl program with a flaw per mode) loses
//! exactly the points of its flaw, with its message.
//!
//! No test here reads a clock: the verdicts come from what the server saw,
//! and the server's gate waits for the client, however busy the machine.

mod support;

use std::path::Path;
use std::time::Duration;

use flags_grader::manifest::Kind;
use flags_grader::{CheckKind, Grade, Options, RunError, Status, exercise, exercises, grade};
use support::{curl_command, options, solution};

#[test]
fn every_exercises_own_solution_scores_full_marks() {
    for seed in [2017, 7] {
        // The exercises run as a command (the kit's tests judge the others).
        for e in exercises().into_iter().filter(|e| e.kind == Kind::Command) {
            let mut command = vec![solution(&e.solution.bin).to_string_lossy().into_owned()];
            command.extend(e.scenario.args.iter().cloned());
            let graded = grade(&e, &command, options(seed)).unwrap();
            assert_eq!(
                failed(&graded),
                [],
                "{} seed {seed}\n{}",
                e.name,
                graded.output
            );
            assert_eq!(graded.score(), e.max_score(), "{}", e.name);
        }
    }
}

/// The checks that failed, with their messages.
fn failed(graded: &Grade) -> Vec<(CheckKind, String)> {
    graded
        .checks
        .iter()
        .filter(|c| c.status == Status::Failed)
        .map(|c| (c.kind, c.message.clone()))
        .collect()
}

/// Grades the sh + curl client in `mode` on flags2-threadpool; returns the
/// checks that failed, with their messages.
fn failures(mode: &str) -> Vec<(CheckKind, String)> {
    let e = exercise("flags2-threadpool").unwrap();
    failed(&grade(&e, &curl_command(mode), options(2017)).unwrap())
}

fn kinds(failures: &[(CheckKind, String)]) -> Vec<CheckKind> {
    failures.iter().map(|(kind, _)| *kind).collect()
}

fn message(failures: &[(CheckKind, String)], kind: CheckKind) -> &str {
    &failures.iter().find(|(k, _)| *k == kind).expect("failed").1
}

use CheckKind::*;

#[test]
fn a_shell_script_with_curl_scores_full_marks() {
    assert_eq!(failures("correct"), []);
}

#[test]
fn a_client_slow_to_start_each_request_still_scores_full_marks() {
    // Each request up to 0.9 s late, as on a loaded machine: the gate
    // waits for the pool to fill, so the verdict does not change.
    assert_eq!(failures("slow-start"), []);
}

/// The Python client on the standard library, with these options
/// (`-m 8`, `--retries 1`, `--flaw …`).
fn python_command(options: &[&str]) -> Option<Vec<String>> {
    let mut command = python_fixture("flags2_stdlib.py")?;
    command.extend(["-s", "{url}", "--dest", "{dest}"].map(String::from));
    command.extend(options.iter().map(|o| o.to_string()));
    command.push("{codes}".to_owned());
    Some(command)
}

/// `python3 tests/fixtures/SCRIPT`, if this machine has Python.
fn python_fixture(script: &str) -> Option<Vec<String>> {
    let Some(python) = support::python3() else {
        eprintln!("skipped: no python3 on this machine");
        return None;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(script);
    Some(vec![python, script.to_string_lossy().into_owned()])
}

#[test]
fn a_python_client_on_the_standard_library_scores_full_marks() {
    for (name, max) in [("flags2-threadpool", "8"), ("flags2-sequential", "1")] {
        let Some(command) = python_command(&["-m", max]) else {
            return;
        };
        let e = exercise(name).unwrap();
        let graded = grade(&e, &command, options(2017)).unwrap();
        assert_eq!(failed(&graded), [], "{name}\n{}", graded.output);
    }
}

#[test]
fn the_gate_never_holds_an_answer_past_the_books_timeout() {
    // One worker with the book's 3.1 s timeout: both holds run out on it,
    // and neither turns into a client error, so only the concurrency is lost.
    let Some(command) = python_command(&["-m", "1"]) else {
        return;
    };
    let e = exercise("flags2-threadpool").unwrap();
    let graded = grade(&e, &command, options(2017)).unwrap();
    assert_eq!(kinds(&failed(&graded)), [Floor, Pool], "{}", graded.output);
}

#[test]
fn a_sequential_loop_posing_as_a_thread_pool_loses_the_floor_and_the_pool() {
    let lost = failures("sequential");
    assert_eq!(kinds(&lost), [Floor, Pool]);
    assert_eq!(
        message(&lost, Floor),
        "the server saw at most 1 request in flight, though the server held its first answers \
         2.5 s for them; a thread pool of 8 should reach 8"
    );
    assert!(
        message(&lost, Pool)
            .contains("the server held the last request in flight 2.5 s and no new request came"),
        "{lost:?}"
    );
}

#[test]
fn batches_reach_the_floor_but_lose_the_pool() {
    let lost = failures("batching");
    assert_eq!(kinds(&lost), [Pool]);
    assert!(
        message(&lost, Pool).contains("(batches, or one at a time)"),
        "{lost:?}"
    );
}

#[test]
fn ignoring_max_req_loses_the_ceiling() {
    let lost = failures("ignores-m");
    assert_eq!(kinds(&lost), [Ceiling]);
    assert!(
        message(&lost, Ceiling).ends_with("in flight; a thread pool of 8 allows at most 8"),
        "{lost:?}"
    );
}

#[test]
fn aborting_on_the_first_404_loses_what_it_left_undone() {
    let lost = failures("aborts");
    assert_eq!(kinds(&lost), [Exit, Files, Once, Floor, Pool, Report]);
    assert!(
        message(&lost, Exit).starts_with("exited with status 1 (its last words: \"")
            && message(&lost, Exit).ends_with(
                "not found: giving up\"): a flag that fails must be counted in the report, not end the run"
            ),
        "{lost:?}"
    );
}

#[test]
fn a_partial_file_loses_the_files() {
    let lost = failures("partial");
    assert_eq!(kinds(&lost), [Files]);
    assert!(
        message(&lost, Files).contains(".gif differs from what the server sent (100 bytes saved"),
        "{lost:?}"
    );
}

#[test]
fn flags_under_other_names_lose_the_files_and_the_message_names_them() {
    let lost = failures("wrong-names");
    assert_eq!(kinds(&lost), [Files]);
    let files = message(&lost, Files);
    assert!(
        files.starts_with("saved ") && files.contains(" files under other names (first: flag-"),
        "{lost:?}"
    );
    assert!(files.ends_with(".gif"), "{lost:?}");
}

#[test]
fn flags_saved_in_another_folder_lose_the_files_and_the_message_says_where() {
    let e = exercise("flags2-threadpool").unwrap();
    let workdir = tempfile::tempdir().unwrap();
    let graded = grade(
        &e,
        &curl_command("wrong-folder"),
        Options {
            workdir: Some(workdir.path().to_owned()),
            ..options(2017)
        },
    )
    .unwrap();
    let lost = failed(&graded);
    assert_eq!(kinds(&lost), [Files]);
    let files = message(&lost, Files);
    assert!(
        files.contains(" flags outside {dest} (first: downloaded/"),
        "{lost:?}"
    );
    assert!(files.ends_with("save each flag into the folder given as {dest} (also FLAGS_DEST)"));
}

#[test]
fn asking_twice_loses_the_once() {
    let lost = failures("twice");
    assert_eq!(kinds(&lost), [Once]);
    assert!(
        message(&lost, Once)
            .contains(" was asked for 2 times (and 103 more): each flag should be fetched once"),
        "{lost:?}"
    );
}

#[test]
fn asking_for_codes_not_given_loses_the_once() {
    let lost = failures("extra");
    assert_eq!(kinds(&lost), [Once]);
    assert!(
        message(&lost, Once).starts_with("asked for 26 paths it was not given (first: /flags/"),
        "{lost:?}"
    );
}

#[test]
fn a_hard_coded_report_loses_the_report() {
    let lost = failures("hardcoded");
    assert_eq!(kinds(&lost), [Report]);
    assert!(
        message(&lost, Report).ends_with("got 60 downloaded, 25 not found, 19 errors"),
        "{lost:?}"
    );
}

#[test]
fn a_parent_that_leaves_a_detached_child_to_download_loses_everything() {
    let lost = failures("detached");
    assert_eq!(
        kinds(&lost),
        [Exit, Files, Once, Floor, Pool, Ceiling, Report]
    );
    assert!(
        // One process or more: the child may have started its `sleep`.
        message(&lost, Exit).starts_with("left ")
            && message(&lost, Exit).contains(" running after it exited (first: ")
            && message(&lost, Exit)
                .ends_with("): wait for every process and thread it starts before exiting"),
        "{lost:?}"
    );
}

#[test]
fn a_process_left_holding_stdout_loses_the_exit_and_never_holds_the_grader() {
    let lost = failures("holds-stdout");
    assert_eq!(kinds(&lost), [Exit]);
    assert!(
        message(&lost, Exit)
            .starts_with("left 1 process running after it exited (first: sleep 60, pid "),
        "{lost:?}"
    );
}

#[test]
fn a_hang_is_killed_at_the_time_limit() {
    let e = exercise("flags2-threadpool").unwrap();
    let command = ["sh", "-c", "sleep 600"].map(String::from);
    let graded = grade(
        &e,
        &command,
        Options {
            time_limit: Some(Duration::from_secs(1)),
            ..options(1)
        },
    )
    .unwrap();
    assert_eq!(
        failed(&graded)[0],
        (
            Exit,
            "still running after 1 s, and killed: a hang. Does every request have a timeout, and \
             does the program wait only for work it started?"
                .to_owned()
        )
    );
    assert_eq!(graded.score(), 0);
}

#[test]
fn a_program_that_cannot_start_is_the_graders_error_not_a_zero() {
    let e = exercise("flags-seq").unwrap();
    let command = ["/nonexistent/program".to_owned()];
    let err = grade(&e, &command, options(1)).unwrap_err();
    assert!(matches!(err, RunError::NotStarted { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("could not start /nonexistent/program: "),
        "{err}"
    );
}

#[test]
fn fresh_seeds_change_the_codes_and_every_count() {
    let e = exercise("flags2-threadpool").unwrap();
    let triples: std::collections::BTreeSet<String> = (0..60)
        .map(|seed| {
            let g = flags_grader::not_built(&e, &options(seed), "");
            g.plan.rsplit_once("codes; ").unwrap().1.to_owned()
        })
        .collect();
    assert!(triples.len() > 50, "{triples:?}");
    let not_found: std::collections::BTreeSet<&str> = triples
        .iter()
        .map(|t| t.split(", ").nth(1).unwrap())
        .collect();
    assert!(not_found.len() > 10, "{not_found:?}");
    assert_ne!(flags_grader::random_seed(), flags_grader::random_seed());
}

#[test]
fn fail_under_sets_the_exit_status_by_the_score() {
    let exit_code = |pass_mark: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_grade"))
            .args([
                "flags2-threadpool",
                "--seed",
                "2017",
                "--fail-under",
                pass_mark,
                "--",
            ])
            .args(curl_command("hardcoded"))
            .output()
            .unwrap()
            .status
            .code()
    };
    // The hard-coded report loses its 2 points: 12 of 14.
    assert_eq!(exit_code("13"), Some(1));
    assert_eq!(exit_code("12"), Some(0));
}

#[test]
fn bad_invocations_exit_2_with_one_line_that_names_the_fix() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--init", "flags-seq", "Cargo.toml"],
            "Cargo.toml is a file, not a folder: choose a new folder for the starter",
        ),
        (&[], "name an exercise: one of flags-seq,"),
        (&["flags-nope", "--", "true"], "no exercise \"flags-nope\""),
        (&["flags-seq"], "give the submission's command after --"),
        (
            &["flags-seq", "--time-limit", "0", "--", "true"],
            "--time-limit must be 1 to 3600 seconds",
        ),
        (
            &["flags-seq", "--build-dir", "/proc/nope", "--", "true"],
            "--build-dir /proc/nope: cannot make it; choose a folder you can write",
        ),
        (
            &["flags-seq", "--submission", "/nonexistent/folder"],
            "is not a folder: give the folder of the student's submission",
        ),
        (
            &[
                "flags-seq",
                "--output",
                "/nonexistent/folder/r.json",
                "--",
                "true",
            ],
            "--output: the folder /nonexistent/folder does not exist",
        ),
    ];
    for (args, expected) in cases {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_grade"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn a_missing_toolchain_is_the_graders_error_not_the_students() {
    let dir = tempfile::tempdir().unwrap();
    let starter = dir.path().join("starter");
    let init = std::process::Command::new(env!("CARGO_BIN_EXE_grade"))
        .args(["--init", "flags-seq"])
        .arg(&starter)
        .status()
        .unwrap();
    assert!(init.success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grade"))
        .args(["flags-seq", "--submission"])
        .arg(&starter)
        .env("CARGO", "/nonexistent/cargo")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("could not run /nonexistent/cargo: ")
            && stderr.contains("install Rust (https://rustup.rs) on the grading machine"),
        "{stderr}"
    );
}

/// Grades `command` on exercise `name` with seed 2017 (and this time
/// limit, for a program that hangs by design); returns the checks it lost.
fn lost_on(name: &str, command: &[String], time_limit: Option<u64>) -> Vec<(CheckKind, String)> {
    let e = exercise(name).unwrap();
    let options = Options {
        time_limit: time_limit.map(Duration::from_secs),
        ..options(2017)
    };
    let graded = grade(&e, command, options).unwrap();
    failed(&graded)
}

// The primes exercise: CPU-bound work on {workers} workers, judged by the
// threads and processes the system shows busy at once and the CPU time
// spread over them. The grading machine has fewer cores than workers, and
// the tests pass with every core busy: a task waiting for a core is busy.

/// The workspace's `primes` with these arguments.
fn primes_command(args: &[&str]) -> Vec<String> {
    let mut command = vec![solution("primes").to_string_lossy().into_owned()];
    command.extend(args.iter().map(|a| a.to_string()));
    command
}

/// The Python primes client in `mode`, on {workers} and {numbers}.
fn python_primes(mode: &str) -> Option<Vec<String>> {
    let mut command = python_fixture("primes_pool.py")?;
    command.extend([mode, "{workers}", "{numbers}"].map(String::from));
    Some(command)
}

#[test]
fn primes_on_threads_and_on_processes_both_score_full_marks() {
    for strategy in ["threads", "processes"] {
        let command = primes_command(&[
            "{workers}",
            "--strategy",
            strategy,
            "--numbers",
            "{numbers}",
        ]);
        assert_eq!(lost_on("primes", &command, None), [], "{strategy}");
    }
}

#[test]
fn primes_checked_sequentially_lose_the_workers_and_the_spread() {
    let command = primes_command(&["--strategy", "sequential", "--numbers", "{numbers}"]);
    let lost = lost_on("primes", &command, None);
    assert_eq!(kinds(&lost), [Floor, Spread]);
    assert!(
        message(&lost, Floor).contains(", and at most 1 at once: keep 4 workers computing"),
        "{lost:?}"
    );
    assert!(
        message(&lost, Spread).starts_with("1 task did a fair share of the "),
        "{lost:?}"
    );
}

#[test]
fn primes_on_more_workers_than_asked_lose_the_ceiling() {
    let command = primes_command(&["8", "--strategy", "threads", "--numbers", "{numbers}"]);
    let lost = lost_on("primes", &command, None);
    assert_eq!(kinds(&lost), [Ceiling]);
    assert!(
        message(&lost, Ceiling).ends_with(
            ": start 4 workers, as {workers} (also FLAGS_WORKERS) says, not one per number or per core"
        ),
        "{lost:?}"
    );
}

#[test]
fn a_python_process_pool_scores_full_marks_on_primes() {
    let Some(command) = python_primes("pool") else {
        return;
    };
    assert_eq!(lost_on("primes", &command, None), []);
}

#[test]
fn python_threads_take_turns_on_the_gil_and_lose_the_workers_not_the_spread() {
    let Some(command) = python_primes("threads") else {
        return;
    };
    let lost = lost_on("primes", &command, None);
    assert_eq!(kinds(&lost), [Floor]);
    assert!(
        message(&lost, Floor)
            .ends_with("processes in Python (whose threads take turns on the GIL)"),
        "{lost:?}"
    );
}

#[test]
fn worker_processes_one_after_another_lose_the_workers_not_the_spread() {
    let Some(command) = python_primes("one-at-a-time") else {
        return;
    };
    assert_eq!(kinds(&lost_on("primes", &command, None)), [Floor]);
}

#[test]
fn idle_threads_beside_one_that_works_lose_the_workers_and_the_spread() {
    let Some(command) = python_primes("idle-threads") else {
        return;
    };
    assert_eq!(kinds(&lost_on("primes", &command, None)), [Floor, Spread]);
}

#[test]
fn a_wrong_verdict_loses_the_primes_report() {
    let Some(command) = python_primes("wrong") else {
        return;
    };
    let lost = lost_on("primes", &command, None);
    assert_eq!(kinds(&lost), [Report]);
    assert!(
        message(&lost, Report).contains(" is not prime, but its line says prime (and 7 more)"),
        "{lost:?}"
    );
}

// flags3: each code's name from metadata.json first, then its flag, saved
// under the name.

#[test]
fn a_python_flags3_client_scores_full_marks() {
    let Some(command) = python_command(&["-m", "8", "--names"]) else {
        return;
    };
    assert_eq!(lost_on("flags3-asyncio", &command, None), []);
}

#[test]
fn asking_for_the_flag_first_or_with_the_name_loses_the_order() {
    for flaw in ["flag-first", "both-at-once"] {
        let Some(command) = python_command(&["-m", "8", "--names", "--flaw", flaw]) else {
            return;
        };
        let lost = lost_on("flags3-asyncio", &command, None);
        assert_eq!(kinds(&lost), [Order], "{flaw}");
        assert!(
            message(&lost, Order)
                .ends_with(": ask for metadata.json, wait for its answer, then ask for the flag"),
            "{lost:?}"
        );
    }
}

#[test]
fn flags3_saved_as_cc_gif_lose_the_files() {
    let Some(command) = python_command(&["-m", "8", "--names", "--flaw", "cc-names"]) else {
        return;
    };
    let lost = lost_on("flags3-asyncio", &command, None);
    assert_eq!(kinds(&lost), [Files]);
    assert!(
        message(&lost, Files).contains(
            "name each flag after its country, from its metadata.json, spaces as underscores, as "
        ),
        "{lost:?}"
    );
}

// Retries: each transient 503 asked twice, every other flag once.

#[test]
fn a_python_client_that_retries_once_scores_full_marks() {
    let Some(command) = python_command(&["-m", "4", "--retries", "1"]) else {
        return;
    };
    assert_eq!(lost_on("flags2-retries", &command, None), []);
}

#[test]
fn no_retry_loses_the_transient_flags() {
    let Some(command) = python_command(&["-m", "4"]) else {
        return;
    };
    let lost = lost_on("flags2-retries", &command, None);
    assert_eq!(kinds(&lost), [Files, Retries, Report]);
    assert!(
        message(&lost, Retries)
            .contains(" answered 503 (a transient fault) and was not asked again"),
        "{lost:?}"
    );
}

#[test]
fn retrying_every_failure_loses_the_retries() {
    let Some(command) = python_command(&["-m", "4", "--retries", "1", "--flaw", "retry-all"])
    else {
        return;
    };
    let lost = lost_on("flags2-retries", &command, None);
    assert_eq!(kinds(&lost), [Retries]);
    assert!(
        message(&lost, Retries).contains(" was asked for 2 times (and "),
        "{lost:?}"
    );
}

#[test]
fn retrying_without_limit_hangs_on_a_418_and_is_killed() {
    // Killed at a short limit: it never ends, however long it is given.
    let Some(command) = python_command(&["-m", "4", "--flaw", "retry-forever"]) else {
        return;
    };
    let lost = lost_on("flags2-retries", &command, Some(15));
    assert_eq!(kinds(&lost), [Exit, Retries, Report]);
    assert!(
        message(&lost, Retries).contains("(418 I'm a Teapot) was asked for "),
        "{lost:?}"
    );
}

// Timeouts: each stalled request given up at the client's timeout.

#[test]
fn a_python_client_with_the_timeout_scores_full_marks() {
    let Some(command) = python_command(&["-m", "8", "--timeout", "{timeout}"]) else {
        return;
    };
    assert_eq!(lost_on("flags2-timeout", &command, None), []);
}

#[test]
fn no_timeout_waits_for_the_stalled_answers() {
    let Some(command) = python_command(&["-m", "8", "--timeout", "0"]) else {
        return;
    };
    let lost = lost_on("flags2-timeout", &command, None);
    assert_eq!(kinds(&lost), [Files, Timeout, Report]);
    assert!(
        message(&lost, Timeout).contains("'s answer stalled, and the client waited "),
        "{lost:?}"
    );
    assert!(
        message(&lost, Files).contains("whose answer stalled past the 1 s timeout"),
        "{lost:?}"
    );
}

#[test]
fn giving_up_far_too_early_loses_the_timeout() {
    let Some(command) = python_command(&["-m", "8", "--timeout", "0.25"]) else {
        return;
    };
    let lost = lost_on("flags2-timeout", &command, None);
    assert_eq!(kinds(&lost), [Timeout]);
    assert!(
        message(&lost, Timeout).contains(" before its 1 s timeout"),
        "{lost:?}"
    );
}
