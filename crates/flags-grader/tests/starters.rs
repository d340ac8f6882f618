//! Every starter that `grade --init` writes compiles on its own, and, with
//! its `todo!()` not yet filled in, scores nothing: above all, not on the
//! concurrency checks.
//!
//! Seven crate builds take a few minutes, so this test is left out of
//! `cargo test --workspace`; CI runs it with
//! `cargo test -p flags-grader --test starters -- --ignored`.

use std::path::Path;
use std::sync::Mutex;

use flags_grader::starter::{workspace_root, write_starter};
use flags_grader::submission::{self, Build};
use flags_grader::{CheckKind, Exercise, Options, Status, exercise, exercises, grade};

/// The tests share one target folder, where each build replaces the
/// binaries of the same name: one build and its grading at a time.
static TARGET: Mutex<()> = Mutex::new(());

#[test]
#[ignore = "builds seven crates: run with `cargo test -p flags-grader --test starters -- --ignored`"]
fn every_starter_compiles_and_scores_zero() {
    // One target folder for all the starters, so each builds its
    // dependencies once; not the workspace's own, which `cargo test` locks.
    let _one_at_a_time = TARGET.lock().unwrap_or_else(|e| e.into_inner());
    let target = workspace_root().join("target/starters");
    for e in exercises() {
        let dir = tempfile::tempdir().unwrap();
        write_starter(&e, dir.path()).unwrap();
        // Graded as a student's would be: its src/ in a fresh starter.
        let built = match submission::build(&e, dir.path(), Some(&target)).unwrap() {
            Build::Built(built) => built,
            Build::Failed(log) => panic!("{}: the starter does not compile:\n{log}", e.name),
            Build::NoToolchain(why) => panic!("{why}"),
        };
        let mut command = vec![built.binary().to_string_lossy().into_owned()];
        command.extend(e.scenario.args.iter().cloned());
        let graded = grade(
            &e,
            &command,
            Options {
                seed: 7,
                ..Options::default()
            },
        )
        .unwrap();
        for c in &graded.checks {
            assert_eq!(c.status, Status::Failed, "{}: {c:?}", e.name);
            assert_eq!(c.score, 0, "{}: {c:?}", e.name);
        }
        // Every exercise has a ceiling; the concurrent ones a floor too.
        assert!(
            graded.checks.iter().any(|c| c.kind == CheckKind::Ceiling),
            "{}: no ceiling check",
            e.name
        );
        // The student sees the book's hint where the solution was.
        let hint = &e.solution.hint[..40.min(e.solution.hint.len())];
        assert!(
            graded.output.contains("not yet implemented") && graded.output.contains(hint),
            "{}: the hint is not in the output:\n{}",
            e.name,
            graded.output
        );
        assert_starter_is_the_solution_but_the_region(&e, dir.path());
    }
}

/// Outside the emptied region the starter is the solution, line for line.
fn assert_starter_is_the_solution_but_the_region(e: &Exercise, dir: &Path) {
    let solution = workspace_root()
        .join("crates")
        .join(&e.solution.krate)
        .join(&e.solution.source);
    let starter = dir.join(&e.solution.source);
    let solution = std::fs::read_to_string(solution).unwrap();
    let starter = std::fs::read_to_string(starter).unwrap();
    let start = format!("// ANCHOR: {}", e.solution.anchor);
    let before = |text: &str| text.split(&start).next().unwrap().to_owned();
    let end = format!("// ANCHOR_END: {}", e.solution.anchor);
    let after = |text: &str| text.split(&end).nth(1).unwrap().to_owned();
    assert_eq!(before(&starter), before(&solution), "{}", e.name);
    assert_eq!(after(&starter), after(&solution), "{}", e.name);
    assert_ne!(starter, solution, "{}: nothing was emptied", e.name);
}

/// A submission that fills the region in as the solution does scores full
/// marks through the same path; one that does not compile scores zero,
/// with the compiler's message.
#[test]
#[ignore = "builds crates: run with `cargo test -p flags-grader --test starters -- --ignored`"]
fn a_filled_in_starter_scores_full_marks_and_a_broken_one_zero() {
    let _one_at_a_time = TARGET.lock().unwrap_or_else(|e| e.into_inner());
    let target = workspace_root().join("target/starters");
    let e = exercise("flags2-threadpool").unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_starter(&e, dir.path()).unwrap();
    let solution = workspace_root()
        .join("crates")
        .join(&e.solution.krate)
        .join(&e.solution.source);
    std::fs::copy(&solution, dir.path().join(&e.solution.source)).unwrap();
    let options = Options {
        seed: 7,
        ..Options::default()
    };
    let Build::Built(built) = submission::build(&e, dir.path(), Some(&target)).unwrap() else {
        panic!("the solution does not compile as a submission");
    };
    let mut command = vec![built.binary().to_string_lossy().into_owned()];
    command.extend(e.scenario.args.iter().cloned());
    let graded = grade(&e, &command, options.clone()).unwrap();
    assert_eq!(graded.score(), e.max_score(), "{:?}", graded.checks);

    let source = dir.path().join(&e.solution.source);
    let mut text = std::fs::read_to_string(&source).unwrap();
    text.push_str("\nfn broken( {\n");
    std::fs::write(&source, text).unwrap();
    let Build::Failed(log) = submission::build(&e, dir.path(), Some(&target)).unwrap() else {
        panic!("a syntax error compiled");
    };
    assert!(log.contains("unclosed delimiter"), "{log}");
    let graded = flags_grader::not_built(&e, &options, &log);
    assert_eq!(graded.score(), 0);
    assert!(
        graded.output.contains("src/threadpool.rs"),
        "{}",
        graded.output
    );
}

/// Two students graded at once with one target folder: each is graded on
/// its own build. (Both binaries have one name; before the build lock and
/// the copy, one could run the other's.)
#[test]
#[ignore = "builds crates: run with `cargo test -p flags-grader --test starters -- --ignored`"]
fn two_gradings_at_once_never_run_each_others_build() {
    let target = workspace_root().join("target/starters");
    let e = exercise("flags2-threadpool").unwrap();
    let solution = std::fs::read_to_string(
        workspace_root()
            .join("crates")
            .join(&e.solution.krate)
            .join(&e.solution.source),
    )
    .unwrap();
    // The second student's pool has one worker: a loop.
    let one_worker = solution.replace("Executor::new(concur_req)", "Executor::new(1)");
    assert_ne!(one_worker, solution);
    let graded: Vec<u32> = std::thread::scope(|scope| {
        let handles: Vec<_> = [&solution, &one_worker]
            .into_iter()
            .map(|source| {
                let (e, target) = (&e, &target);
                scope.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    write_starter(e, dir.path()).unwrap();
                    std::fs::write(dir.path().join(&e.solution.source), source).unwrap();
                    let Build::Built(built) =
                        submission::build(e, dir.path(), Some(target)).unwrap()
                    else {
                        panic!("a submission did not compile");
                    };
                    let mut command = vec![built.binary().to_string_lossy().into_owned()];
                    command.extend(e.scenario.args.iter().cloned());
                    let options = Options {
                        seed: 11,
                        ..Options::default()
                    };
                    grade(e, &command, options).unwrap().score()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // The loop loses the floor (3) and the pool (2); the pool loses nothing.
    assert_eq!(graded, [14, 9]);
}
