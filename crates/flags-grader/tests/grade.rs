//! The grader against real submissions: this workspace's solutions score
//! full marks, and each golden broken submission (one sh + curl program
//! with a flaw per mode) loses exactly the points of its flaw.

use std::path::{Path, PathBuf};

use flags_grader::{CheckKind, Options, Status, exercise, exercises, grade};

/// The solutions' binaries, built beside `grade` by `cargo test --workspace`.
fn solution(bin: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_grade")).with_file_name(bin);
    assert!(
        path.exists(),
        "{} is not built: run `cargo test --workspace`",
        path.display()
    );
    path
}

const SEED: Options = Options {
    seed: 2017,
    stretch: 1.0,
};

#[test]
fn every_exercises_own_solution_scores_full_marks() {
    for e in exercises() {
        let mut command = vec![solution(&e.solution.bin).to_string_lossy().into_owned()];
        command.extend(e.scenario.args.iter().cloned());
        let graded = grade(&e, &command, SEED).unwrap();
        let failed: Vec<_> = graded
            .checks
            .iter()
            .filter(|c| c.status == Status::Failed)
            .collect();
        assert!(
            failed.is_empty(),
            "{}: {failed:?}\n{}",
            e.name,
            graded.output
        );
        assert_eq!(graded.score(), e.max_score(), "{}", e.name);
    }
}

/// The sh + curl client in `mode`, run as flags2-threadpool asks.
fn curl_command(mode: &str) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flags2_curl.sh");
    let mut command = vec![script.to_string_lossy().into_owned(), mode.to_owned()];
    command.extend(
        [
            "-s", "{url}", "--dest", "{dest}", "-m", "8", "A", "B", "C", "D",
        ]
        .map(String::from),
    );
    command
}

/// Grades the sh + curl client in `mode` on flags2-threadpool; returns the
/// checks that failed, with their messages.
fn failures(mode: &str) -> Vec<(CheckKind, String)> {
    let e = exercise("flags2-threadpool").unwrap();
    let graded = grade(&e, &curl_command(mode), SEED).unwrap();
    graded
        .checks
        .into_iter()
        .filter(|c| c.status == Status::Failed)
        .map(|c| (c.kind, c.message))
        .collect()
}

fn kinds(failures: &[(CheckKind, String)]) -> Vec<CheckKind> {
    failures.iter().map(|(kind, _)| *kind).collect()
}

#[test]
fn a_shell_script_with_curl_scores_full_marks() {
    assert_eq!(failures("correct"), []);
}

#[test]
fn a_sequential_loop_posing_as_a_thread_pool_loses_the_floor_and_the_time() {
    let lost = failures("sequential");
    assert_eq!(kinds(&lost), [CheckKind::Floor, CheckKind::Time]);
    assert_eq!(
        lost[0].1,
        "the server saw at most 1 request in flight; a thread pool of 8 should reach 8"
    );
}

#[test]
fn ignoring_max_req_loses_the_ceiling() {
    let lost = failures("ignores-m");
    assert_eq!(kinds(&lost), [CheckKind::Ceiling]);
    assert!(
        lost[0]
            .1
            .ends_with("in flight; a thread pool of 8 allows at most 8"),
        "{lost:?}"
    );
}

#[test]
fn aborting_on_the_first_404_loses_everything_but_the_ceiling() {
    let lost = failures("aborts");
    use CheckKind::*;
    assert_eq!(kinds(&lost), [Exit, Files, Once, Floor, Report, Time]);
    assert_eq!(
        lost[0].1,
        "exited with status 1: a failed flag must be counted, not stop the run"
    );
}

#[test]
fn a_partial_file_loses_the_files() {
    let lost = failures("partial");
    assert_eq!(kinds(&lost), [CheckKind::Files]);
    assert!(lost[0].1.starts_with("b"), "{lost:?}");
    assert!(
        lost[0]
            .1
            .contains(".gif differs from what the server sent (100 bytes saved"),
        "{lost:?}"
    );
}

#[test]
fn asking_twice_loses_the_once() {
    let lost = failures("twice");
    assert_eq!(kinds(&lost), [CheckKind::Once]);
    assert!(
        lost[0]
            .1
            .starts_with("AA was asked for 2 times: each flag should be fetched once"),
        "{lost:?}"
    );
}

#[test]
fn a_hard_coded_report_loses_the_report() {
    let lost = failures("hardcoded");
    assert_eq!(kinds(&lost), [CheckKind::Report]);
    assert!(lost[0].1.starts_with("expected "), "{lost:?}");
    assert!(
        lost[0]
            .1
            .ends_with("got 60 downloaded, 25 not found, 19 errors"),
        "{lost:?}"
    );
}

#[test]
fn slow_only_on_the_first_run_is_flaky_not_failed() {
    let first_run = tempfile::tempdir().unwrap();
    let marker = first_run.path().join("ran");
    let e = exercise("flags2-threadpool").unwrap();
    let graded = grade(
        &e,
        &curl_command(&format!("slow-first:{}", marker.display())),
        SEED,
    )
    .unwrap();
    let time = graded
        .checks
        .iter()
        .find(|c| c.kind == CheckKind::Time)
        .unwrap();
    assert_eq!(time.status, Status::Flaky, "{time:?}");
    assert_eq!(time.score, time.max_score);
    assert!(
        time.message.starts_with("flaky: failed at first (took ")
            && time.message.contains("), passed when run again: took "),
        "{time:?}"
    );
    assert_eq!(graded.score(), graded.max_score());
    // Only the timing check was flaky: the others passed the first time.
    assert!(
        graded
            .checks
            .iter()
            .all(|c| c.kind == CheckKind::Time || c.status == Status::Passed)
    );
}

#[test]
fn the_same_student_gets_the_same_plan_and_another_student_another() {
    let e = exercise("flags2-threadpool").unwrap();
    let seed = flags_grader::student_seed;
    assert_eq!(
        e.plan(seed("ada")).describe(),
        e.plan(seed("ada")).describe()
    );
    assert_ne!(seed("ada"), seed("alan"));
}

#[test]
fn the_json_outputs_have_the_fields_of_their_formats() {
    let e = exercise("flags2-threadpool").unwrap();
    let graded = grade(&e, &curl_command("hardcoded"), SEED).unwrap();

    let gradescope = flags_grader::output::gradescope(&graded);
    assert_eq!(gradescope["score"], 12);
    assert_eq!(gradescope["max_score"], 14);
    assert!(gradescope["execution_time"].is_f64());
    let tests = gradescope["tests"].as_array().unwrap();
    assert_eq!(tests.len(), e.checks.len());
    for test in tests {
        for field in [
            "name",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
            "execution_time",
        ] {
            assert!(!test[field].is_null(), "{field} in {test}");
        }
    }
    assert_eq!(tests[5]["status"], "failed");

    let exercism = flags_grader::output::exercism(&graded);
    assert_eq!(exercism["version"], 3);
    assert_eq!(exercism["status"], "fail");
    let tests = exercism["tests"].as_array().unwrap();
    assert_eq!(tests[5]["status"], "fail");
    assert_eq!(tests[0]["status"], "pass");
    assert_eq!(tests[0]["task_id"], 1);
    for test in tests {
        for field in ["name", "status", "output", "task_id"] {
            assert!(!test[field].is_null(), "{field} in {test}");
        }
    }
    // No absolute path leaks into a report.
    let text = format!("{gradescope}{exercism}");
    assert!(
        !text.contains("/tmp/") && !text.contains("127.0.0.1"),
        "{text}"
    );
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
    let cases: [(&[&str], &str); 6] = [
        (&[], "name an exercise: one of flags-seq,"),
        (&["flags-nope", "--", "true"], "no exercise \"flags-nope\""),
        (&["flags-seq"], "give the submission's command after --"),
        (
            &["flags-seq", "--stretch", "-1", "--", "true"],
            "--stretch must be a positive number",
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
