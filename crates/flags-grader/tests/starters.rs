//! Every starter that `grade --init` writes builds on its own, offline, in
//! an empty folder outside this workspace; holds none of its solution's
//! lines; scores nothing as written; and scores full marks once its
//! solution is filled in (so the exercises it `builds_on` came whole).
//! Graded through a build folder, a regrade rebuilds only the student's
//! crate, and two gradings at once never run each other's build.
//!
//! The builds take minutes, so these tests are left out of `cargo test
//! --workspace`; CI runs them with
//! `cargo test -p flags-grader --test starters -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use flags_grader::starter::{emptied_regions, region_bounds, workspace_root, write_starter};
use flags_grader::submission::{self, Build};
use flags_grader::{
    Exercise, Grade, Kind, Options, Status, exercise, exercises, grade, grade_folder,
};

/// The tests' own build folders, under the workspace's target: never the
/// user's cache.
fn build_root() -> PathBuf {
    workspace_root().join("target/grader-tests")
}

fn options(seed: u64) -> Options {
    Options {
        seed,
        ..Options::default()
    }
}

/// The workspace's solution file of `e`.
fn solution_path(e: &Exercise) -> PathBuf {
    workspace_root()
        .join("crates")
        .join(&e.solution.krate)
        .join(&e.solution.source)
}

/// Runs `cargo ARGS` in `dir` as a student would, offline, with a target
/// shared by the starters (each is written fresh, so newer than any build).
fn cargo(dir: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_TARGET_DIR", workspace_root().join("target/starters"))
        .output()
        .unwrap()
}

/// Builds the starter in `dir` offline and grades it: its binary against
/// the server, or the kit's tests through its build folder; `Err`: cargo's
/// messages.
fn build_and_grade(e: &Exercise, dir: &Path) -> Result<Grade, String> {
    let args: &[&str] = match e.kind {
        Kind::Command => &["build", "--bin", e.solution.bin.as_str()],
        // The kit's tests must build against the starter too.
        Kind::Tests => &["test", "--no-run"],
    };
    let built = cargo(dir, args);
    if !built.status.success() {
        return Err(String::from_utf8_lossy(&built.stderr).into_owned());
    }
    Ok(match e.kind {
        Kind::Command => {
            let binary = workspace_root()
                .join("target/starters/debug")
                .join(&e.solution.bin);
            let mut command = vec![binary.to_string_lossy().into_owned()];
            command.extend(e.scenario.args.iter().cloned());
            grade(e, &command, options(7)).unwrap()
        }
        Kind::Tests => grade_folder(e, dir, None, options(7), Some(&build_root())).unwrap(),
    })
}

/// Written in a moment, checked without a build.
#[test]
fn every_starter_holds_no_solution_line() {
    for e in exercises() {
        let dir = tempfile::tempdir().unwrap();
        write_starter(&e, dir.path()).unwrap();
        assert_no_solution_line(&e, dir.path());
        assert_starter_is_the_solution_but_the_regions(&e, dir.path());
        let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
        assert!(
            readme.contains(&format!("grade {} --submission .", e.name)),
            "{readme}"
        );
    }
}

#[test]
#[ignore = "builds every starter: run with `cargo test -p flags-grader --test starters -- --ignored`"]
fn every_starter_builds_offline_alone_and_scores_zero_then_full_marks_filled_in() {
    // Every exercise's problems, all told at the end.
    let mut problems = Vec::new();
    for e in exercises() {
        // tempfile's folder is the system's, outside this workspace.
        let dir = tempfile::tempdir().unwrap();
        assert!(!dir.path().starts_with(workspace_root()));
        write_starter(&e, dir.path()).unwrap();

        match build_and_grade(&e, dir.path()) {
            Err(log) => problems.push(format!(
                "{}: the starter does not build offline:\n{log}",
                e.name
            )),
            Ok(unfilled) => {
                if unfilled.score() > 0 {
                    problems.push(format!(
                        "{}: the unfilled starter scores: {:?}",
                        e.name, unfilled.checks
                    ));
                }
                // The student sees a hint where the solution was.
                if !unfilled.output.contains("not yet implemented") {
                    problems.push(format!(
                        "{}: no todo!() in the output:\n{}",
                        e.name, unfilled.output
                    ));
                }
            }
        }

        std::fs::copy(solution_path(&e), dir.path().join(&e.solution.source)).unwrap();
        match build_and_grade(&e, dir.path()) {
            Err(log) => problems.push(format!(
                "{}: the solution does not build in its starter:\n{log}",
                e.name
            )),
            Ok(filled) if filled.score() < e.max_score() => problems.push(format!(
                "{}: the solution fails in its starter (does it build on an exercise whose \
                 region was emptied? say so with builds_on): {:?}\n{}",
                e.name,
                filled
                    .checks
                    .iter()
                    .filter(|c| c.status == Status::Failed)
                    .collect::<Vec<_>>(),
                filled.output
            )),
            Ok(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The lines of the solution's regions that the starter must not hold:
/// each region's body (not its docs and signature, which stay), without
/// blank lines, lines of braces alone, short lines, and lines the course
/// gives anyway outside the bodies it empties (`.into_iter()`, a doc
/// example's `let (tx, rx) = mpsc::channel();`, a kept signature's line).
fn solution_lines(e: &Exercise, dir: &Path) -> Vec<String> {
    let given = given_text(e, dir);
    let source = std::fs::read_to_string(solution_path(e)).unwrap();
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for region in e.solution.regions().unwrap() {
        found.extend(
            lines[body(&lines, &region.anchor)]
                .iter()
                .map(|l| l.trim())
                .filter(|l| l.len() >= 12)
                .filter(|l| !l.chars().all(|c| "{}();, ".contains(c)))
                .filter(|l| !given.contains(l))
                .map(str::to_owned),
        );
    }
    assert!(!found.is_empty(), "{}: no solution lines found", e.name);
    found
}

/// The lines of the body of the function in the region `anchor`: after
/// its docs and signature, up to the region's end.
fn body(lines: &[&str], anchor: &str) -> std::ops::Range<usize> {
    let (start, end) = region_bounds(lines, anchor).unwrap();
    let open = lines[start..end]
        .iter()
        .position(|l| l.trim_end().ends_with('{') && !l.trim_start().starts_with("//"))
        .unwrap();
    start + open + 1..end
}

/// The workspace's sources of the crates in the starter in `dir` (and the
/// kit's tests), without the bodies the starter empties: what the course
/// gives.
fn given_text(e: &Exercise, dir: &Path) -> String {
    let emptied = emptied_regions(e).unwrap();
    let mut crates = vec![e.solution.krate.clone()];
    if let Ok(shared) = std::fs::read_dir(dir.join("shared")) {
        crates.extend(shared.map(|d| d.unwrap().file_name().to_string_lossy().into_owned()));
    }
    let mut given = String::new();
    for krate in crates {
        let root = workspace_root();
        let crate_dir = [root.join("crates").join(&krate), root.join(&krate)]
            .into_iter()
            .find(|d| d.join("Cargo.toml").is_file())
            .unwrap();
        for file in files_under(&crate_dir.join("src")) {
            let relative = file.strip_prefix(&crate_dir).unwrap().to_string_lossy();
            let text = std::fs::read_to_string(&file).unwrap();
            let anchors: Vec<&str> = emptied
                .get(&(krate.clone(), relative.into_owned()))
                .into_iter()
                .flatten()
                .map(|r| r.anchor.as_str())
                .collect();
            given.extend(
                without_bodies(&text, &anchors)
                    .into_iter()
                    .map(|l| l + "\n"),
            );
        }
    }
    if let Some(tests) = &e.tests {
        let file = solution_path(e)
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join(&tests.file);
        given.push_str(&std::fs::read_to_string(file).unwrap());
    }
    given
}

/// The lines of `text` but the bodies of the regions of `anchors`.
fn without_bodies(text: &str, anchors: &[&str]) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut inside = vec![false; lines.len()];
    for anchor in anchors {
        inside[body(&lines, anchor)]
            .iter_mut()
            .for_each(|i| *i = true);
    }
    lines
        .iter()
        .zip(inside)
        .filter(|(_, inside)| !inside)
        .map(|(l, _)| l.to_string())
        .collect()
}

/// No file of the starter holds a line of the solution.
fn assert_no_solution_line(e: &Exercise, dir: &Path) {
    let lines = solution_lines(e, dir);
    for file in files_under(dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for line in &lines {
            assert!(
                !text.contains(line.as_str()),
                "{}: {} holds the solution's line {line:?}",
                e.name,
                file.display()
            );
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// But for the emptied bodies, the starter's file is the solution's, line
/// for line: the starter never drifts.
fn assert_starter_is_the_solution_but_the_regions(e: &Exercise, dir: &Path) {
    let solution = std::fs::read_to_string(solution_path(e)).unwrap();
    let starter = std::fs::read_to_string(dir.join(&e.solution.source)).unwrap();
    let key = (e.solution.krate.clone(), e.solution.source.clone());
    let emptied = emptied_regions(e).unwrap();
    let anchors: Vec<&str> = emptied[&key].iter().map(|r| r.anchor.as_str()).collect();
    assert_eq!(
        without_bodies(&starter, &anchors),
        without_bodies(&solution, &anchors),
        "{}",
        e.name
    );
    assert_ne!(starter, solution, "{}: nothing was emptied", e.name);
}

/// Builds the starter in `dir` as `grade --submission` does, in the build
/// folder; panics unless it compiled.
fn built(e: &Exercise, dir: &Path) -> submission::Built {
    match submission::build(e, dir, Some(&build_root())).unwrap() {
        Build::Built(built) => built,
        Build::Failed(log) => panic!("{}: did not compile:\n{log}", e.name),
        Build::NoToolchain(why) => panic!("{why}"),
    }
}

fn run(e: &Exercise, built: &submission::Built, seed: u64) -> Grade {
    let mut command = vec![built.binary().to_string_lossy().into_owned()];
    command.extend(e.scenario.args.iter().cloned());
    grade(e, &command, options(seed)).unwrap()
}

/// A submission that fills the region in as the solution does scores full
/// marks through the build folder; a one-line change is rebuilt without
/// rebuilding the course's crates; one that does not compile scores zero,
/// with the compiler's message.
#[test]
#[ignore = "builds crates: run with `cargo test -p flags-grader --test starters -- --ignored`"]
fn a_regrade_rebuilds_only_the_students_crate() {
    let e = exercise("flags2-threadpool").unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_starter(&e, dir.path()).unwrap();
    std::fs::copy(solution_path(&e), dir.path().join(&e.solution.source)).unwrap();
    assert_eq!(run(&e, &built(&e, dir.path()), 7).score(), e.max_score());

    // The course's crates, as built: untouched by a regrade. (The target
    // is shared by every exercise's build folder: others may add theirs.)
    let deps = build_root().join("target/debug/deps");
    let course = |prefix: &str| -> Vec<(PathBuf, SystemTime)> {
        let mut found: Vec<_> = std::fs::read_dir(&deps)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with(prefix) && name.ends_with(".rlib")
            })
            .map(|p| (p.clone(), p.metadata().unwrap().modified().unwrap()))
            .collect();
        found.sort();
        found
    };
    let before = [course("libmock_server-"), course("libflags_common-")];
    assert!(before.iter().all(|rlibs| !rlibs.is_empty()), "{before:?}");

    // One line changed: a pool of one worker, which loses the floor and
    // the pool; built and graded on the new source.
    let source = dir.path().join(&e.solution.source);
    let text = std::fs::read_to_string(&source).unwrap();
    let one_worker = text.replace("Executor::new(concur_req)", "Executor::new(1)");
    assert_ne!(one_worker, text);
    std::fs::write(&source, one_worker).unwrap();
    assert_eq!(
        run(&e, &built(&e, dir.path()), 7).score(),
        e.max_score() - 5
    );
    for (rlib, built) in before.iter().flatten() {
        assert_eq!(
            &rlib.metadata().unwrap().modified().unwrap(),
            built,
            "{rlib:?}"
        );
    }

    std::fs::write(&source, text + "\nfn broken( {\n").unwrap();
    let Build::Failed(log) = submission::build(&e, dir.path(), Some(&build_root())).unwrap() else {
        panic!("a syntax error compiled");
    };
    assert!(log.contains("unclosed delimiter"), "{log}");
    let graded = flags_grader::not_built(&e, &options(7), &log);
    assert_eq!(graded.score(), 0);
    assert!(
        graded.output.contains("src/threadpool.rs"),
        "{}",
        graded.output
    );
}

/// Two students graded at once, in one build folder: each is graded on its
/// own build (both binaries have one name: the lock and the copy keep them
/// apart).
#[test]
#[ignore = "builds crates: run with `cargo test -p flags-grader --test starters -- --ignored`"]
fn two_gradings_at_once_never_run_each_others_build() {
    let e = exercise("flags2-threadpool").unwrap();
    let solution = std::fs::read_to_string(solution_path(&e)).unwrap();
    // The second student's pool has one worker: a loop.
    let one_worker = solution.replace("Executor::new(concur_req)", "Executor::new(1)");
    assert_ne!(one_worker, solution);
    let graded: Vec<u32> = std::thread::scope(|scope| {
        let handles: Vec<_> = [&solution, &one_worker]
            .into_iter()
            .map(|source| {
                let e = &e;
                scope.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    write_starter(e, dir.path()).unwrap();
                    std::fs::write(dir.path().join(&e.solution.source), source).unwrap();
                    grade_folder(e, dir.path(), None, options(11), Some(&build_root()))
                        .unwrap()
                        .score()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // The loop loses the floor (3) and the pool (2); the pool loses nothing.
    assert_eq!(graded, [14, 9]);
}
