//! The exercises judged by the kit's tests (concurrent-futures, loiter),
//! graded as a student's folder is: a starter, its `src/` built in the
//! exercise's build folder against the kit's own copy of the tests.
//!
//! Each exercise's solution scores full marks, its unfilled starter none,
//! and each golden broken submission (`tests/fixtures/broken/EXERCISE/`,
//! one region that replaces the solution's) loses exactly the checks of its
//! flaw. No test reads a clock: the kit's tests wait on channels, and a
//! hang is killed at a limit far above any real run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use flags_grader::starter::{workspace_root, write_starter};
use flags_grader::{Exercise, Grade, GradeError, Options, Status, exercise, grade_folder};

/// The tests' own build folders, under the workspace's target: never the
/// user's cache.
fn build_root() -> PathBuf {
    workspace_root().join("target/grader-tests")
}

/// A bound on a hang: each of the kit's tests takes well under a second.
fn options() -> Options {
    Options {
        time_limit: Some(Duration::from_secs(20)),
        ..Options::default()
    }
}

/// The workspace's solution file of `e`.
fn solution(e: &Exercise) -> String {
    let path = workspace_root()
        .join("crates")
        .join(&e.solution.krate)
        .join(&e.solution.source);
    std::fs::read_to_string(path).unwrap()
}

/// The solution with the region of the golden broken submission `name`
/// (a file that holds one `// ANCHOR:` region) in place of its own.
fn broken(e: &Exercise, name: &str) -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/broken")
        .join(&e.name)
        .join(format!("{name}.rs"));
    let fixture = std::fs::read_to_string(fixture).unwrap();
    let anchor = fixture
        .lines()
        .find_map(|l| l.trim().strip_prefix("// ANCHOR: "))
        .expect("a fixture is one region")
        .to_owned();
    let source = solution(e);
    let start = source.find(&format!("// ANCHOR: {anchor}\n")).unwrap();
    let end_marker = format!("// ANCHOR_END: {anchor}\n");
    let end = source.find(&end_marker).unwrap() + end_marker.len();
    // Both start at the marker; the fixture brings its own indentation.
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    format!(
        "{}{}{}",
        &source[..line_start],
        fixture.trim_start_matches('\n'),
        &source[end..]
    )
}

/// A student's folder: the starter of `e`, its solution file replaced by
/// `source` (`None`: left unfilled).
fn student(e: &Exercise, source: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_starter(e, dir.path()).unwrap();
    if let Some(source) = source {
        std::fs::write(dir.path().join(&e.solution.source), source).unwrap();
    }
    dir
}

fn graded(e: &Exercise, dir: &Path) -> Grade {
    grade_folder(e, dir, None, options(), Some(&build_root())).unwrap()
}

/// The names of the checks that failed.
fn lost(grade: &Grade) -> Vec<&str> {
    grade
        .checks
        .iter()
        .filter(|c| c.status == Status::Failed)
        .map(|c| c.name.as_str())
        .collect()
}

#[test]
fn concurrent_futures_solution_scores_full_marks_and_its_starter_zero() {
    let e = exercise("concurrent-futures").unwrap();
    let full = graded(&e, student(&e, Some(&solution(&e))).path());
    assert_eq!(lost(&full), Vec::<&str>::new(), "{}", full.output);
    assert_eq!(full.score(), e.max_score());
    assert_eq!(full.score(), 16);

    let unfilled = graded(&e, student(&e, None).path());
    assert_eq!(unfilled.score(), 0, "{:?}", unfilled.checks);
    assert!(
        unfilled.output.contains("not yet implemented"),
        "{}",
        unfilled.output
    );
}

#[test]
fn as_completed_in_submission_order_loses_its_check() {
    let e = exercise("concurrent-futures").unwrap();
    let grade = graded(
        &e,
        student(&e, Some(&broken(&e, "as_completed_in_submission_order"))).path(),
    );
    assert_eq!(
        lost(&grade),
        ["as_completed yields futures in completion order"]
    );
    // It waits for a future that will never finish: a hang, killed.
    let check = grade.checks.iter().find(|c| c.score == 0).unwrap();
    assert!(
        check
            .message
            .contains("still running after 20 s, and killed"),
        "{}",
        check.message
    );
    assert_eq!(grade.score(), e.max_score() - 3);
}

#[test]
fn map_in_completion_order_loses_its_check() {
    let e = exercise("concurrent-futures").unwrap();
    let grade = graded(
        &e,
        student(&e, Some(&broken(&e, "map_yields_in_completion_order"))).path(),
    );
    assert_eq!(
        lost(&grade),
        ["map yields in submission order: a slow first call holds back the rest"]
    );
    let check = grade.checks.iter().find(|c| c.score == 0).unwrap();
    assert!(
        check.message.contains("held back by call 0"),
        "{}",
        check.message
    );
}

#[test]
fn submit_running_the_call_before_returning_loses_every_check_that_needs_a_pending_future() {
    let e = exercise("concurrent-futures").unwrap();
    let source = broken(&e, "submit_runs_the_call_before_returning");
    let grade = graded(&e, student(&e, Some(&source)).path());
    assert_eq!(
        lost(&grade),
        [
            "submit returns a future at once and the call runs on a worker",
            "done callbacks run once, when the call finishes",
            "as_completed yields futures in completion order",
            "shutdown waits for the submitted calls",
        ]
    );
}

#[test]
fn a_submission_that_does_not_compile_scores_zero_with_the_compilers_message() {
    let e = exercise("concurrent-futures").unwrap();
    let source = solution(&e) + "\nfn broken( {\n";
    let grade = graded(&e, student(&e, Some(&source)).path());
    assert_eq!(grade.score(), 0);
    assert!(grade.error.is_some());
    assert!(grade.output.contains("src/lib.rs"), "{}", grade.output);
    assert!(grade.checks.iter().all(|c| c.status == Status::Failed));
}

/// The kit runs its own copy of the tests: a student who rewrites the
/// starter's tests changes nothing.
#[test]
fn a_students_own_tests_never_count() {
    let e = exercise("concurrent-futures").unwrap();
    let dir = student(&e, None);
    std::fs::write(
        dir.path().join("tests/futures.rs"),
        "#[test]\nfn fine() {}\n",
    )
    .unwrap();
    assert_eq!(graded(&e, dir.path()).score(), 0);
}

#[test]
fn a_folder_that_is_not_a_starter_is_not_graded() {
    let e = exercise("concurrent-futures").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("futures.py"), "print('hi')\n").unwrap();
    let err = grade_folder(&e, dir.path(), None, options(), Some(&build_root())).unwrap_err();
    assert!(
        matches!(&err, GradeError::NotSubmission(why) if why.contains("grade --init")),
        "{err}"
    );
    let command = ["python3".to_owned(), "futures.py".to_owned()];
    let err = grade_folder(
        &e,
        dir.path(),
        Some(&command),
        options(),
        Some(&build_root()),
    );
    assert!(matches!(err, Err(GradeError::NotSubmission(_))));
}

#[test]
fn loiter_solution_scores_full_marks_its_starter_zero_and_a_loop_loses_the_order() {
    let e = exercise("loiter").unwrap();
    let full = graded(&e, student(&e, Some(&solution(&e))).path());
    assert_eq!(lost(&full), Vec::<&str>::new(), "{}", full.output);
    assert_eq!(full.score(), e.max_score());

    let unfilled = graded(&e, student(&e, None).path());
    assert_eq!(unfilled.score(), 0, "{:?}", unfilled.checks);

    let one_after_another = graded(
        &e,
        student(&e, Some(&broken(&e, "one_after_another"))).path(),
    );
    assert_eq!(
        lost(&one_after_another),
        ["the demo prints its events in the book's order"]
    );
}

/// A build folder whose pristine part was changed (the course's shared
/// crate, its tests) is put back before the build: only `src/` is the
/// student's.
#[test]
fn a_changed_build_folder_is_made_pristine_again() {
    let e = exercise("loiter").unwrap();
    let root = build_root().join("tampered");
    let dir = student(&e, Some(&solution(&e)));
    assert_eq!(
        grade_folder(&e, dir.path(), None, options(), Some(&root))
            .unwrap()
            .score(),
        e.max_score()
    );
    let folder = root.join("loiter");
    let shared = folder.join("shared/concurrent-futures/src/lib.rs");
    let pristine = std::fs::read(&shared).unwrap();
    // The Executor broken, the tests gone, a stray file.
    std::fs::write(&shared, "pub struct Executor;\n").unwrap();
    std::fs::write(folder.join("tests/loiter.rs"), "").unwrap();
    std::fs::write(folder.join("shared/stray.rs"), "").unwrap();
    let again = grade_folder(&e, dir.path(), None, options(), Some(&root)).unwrap();
    assert_eq!(again.score(), e.max_score(), "{}", again.output);
    assert_eq!(std::fs::read(&shared).unwrap(), pristine);
    assert!(!folder.join("shared/stray.rs").exists());
}
