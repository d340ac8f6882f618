//! Every starter that `grade --init` writes compiles on its own, and, with
//! its `todo!()` not yet filled in, scores nothing: above all, not on the
//! concurrency checks.
//!
//! Seven crate builds take a few minutes, so this test is left out of
//! `cargo test --workspace`; CI runs it with
//! `cargo test -p flags-grader --test starters -- --ignored`.

use std::path::Path;
use std::process::Command;

use flags_grader::starter::{workspace_root, write_starter};
use flags_grader::{CheckKind, Options, Status, exercises, grade};

#[test]
#[ignore = "builds seven crates: run with `cargo test -p flags-grader --test starters -- --ignored`"]
fn every_starter_compiles_and_scores_zero() {
    // One target folder for all the starters, so each builds its
    // dependencies once; not the workspace's own, which `cargo test` locks.
    let target = workspace_root().join("target/starters");
    for e in exercises() {
        let dir = tempfile::tempdir().unwrap();
        write_starter(&e, dir.path()).unwrap();
        // Its warnings (unused imports and arguments, until the todo!() is
        // filled in) are the student's; shown here only if it fails.
        let built = Command::new(env!("CARGO"))
            .args(["build", "--offline", "--quiet"])
            .current_dir(dir.path())
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}: the starter does not compile:\n{}",
            e.name,
            String::from_utf8_lossy(&built.stderr)
        );

        // Built one at a time: the flags2 starters share binary names.
        let bin = target.join("debug").join(&e.solution.bin);
        let mut command = vec![bin.to_string_lossy().into_owned()];
        command.extend(e.scenario.args.iter().cloned());
        let graded = grade(
            &e,
            &command,
            Options {
                seed: 7,
                stretch: 1.0,
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
fn assert_starter_is_the_solution_but_the_region(e: &flags_grader::Exercise, dir: &Path) {
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
