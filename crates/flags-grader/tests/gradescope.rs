//! The Gradescope autograder, as an instructor makes and Gradescope runs it:
//! `make-autograder.sh` writes the zip, and `run_autograder`, run in a
//! folder laid out as Gradescope's `/autograder`, writes results.json.
//! (`setup.sh` installs Rust from the network, so it is not run here.)

use std::path::{Path, PathBuf};
use std::process::Command;

use mock_server::run_client;
use serde_json::Value;

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("instructors/gradescope")
}

/// Runs `make-autograder.sh` and unpacks the zip as Gradescope does, into
/// `autograder/source`. Returns the zip's entries.
fn make_autograder(autograder: &Path, args: &[&str]) -> Vec<String> {
    let zip = autograder.join("autograder.zip");
    run_client(
        Command::new("bash")
            .arg(scripts().join("make-autograder.sh"))
            .args(args)
            .arg("--output")
            .arg(&zip),
    )
    .unwrap();
    let listed = Command::new("python3")
        .args(["-m", "zipfile", "-l"])
        .arg(&zip)
        .output()
        .expect("python3 unpacks the zip (make-autograder.sh needs it too)");
    let unpacked = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&zip)
        .arg(autograder.join("source"))
        .status()
        .unwrap();
    assert!(unpacked.success());
    String::from_utf8_lossy(&listed.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// Runs `run_autograder` as Gradescope would, with this build's `grade`.
fn run_autograder(autograder: &Path) -> Value {
    let status = Command::new("bash")
        .arg(autograder.join("source/run_autograder"))
        .env("AUTOGRADER", autograder)
        .env("GRADE", env!("CARGO_BIN_EXE_grade"))
        .status()
        .unwrap();
    assert!(status.success());
    let results = std::fs::read_to_string(autograder.join("results/results.json")).unwrap();
    serde_json::from_str(&results).unwrap()
}

#[test]
fn a_shell_submission_is_graded_into_results_json() {
    let autograder = tempfile::tempdir().unwrap();
    let autograder = autograder.path();
    let entries = make_autograder(
        autograder,
        &[
            "flags2-threadpool",
            "--command",
            "./flags2_curl.sh correct -s {url} --dest {dest} -m 8 {codes}",
            "--packages",
            "curl",
        ],
    );
    for entry in [
        "setup.sh",
        "run_autograder",
        "config.sh",
        "flags/Cargo.toml",
        "flags/crates/flags-grader/exercises/flags2-threadpool.toml",
    ] {
        assert!(entries.iter().any(|e| e == entry), "{entry} in {entries:?}");
    }
    let config = std::fs::read_to_string(autograder.join("source/config.sh")).unwrap();
    assert!(config.contains("EXERCISE=flags2-threadpool"), "{config}");

    // Gradescope's layout: the submission, and who submitted it.
    let submission = autograder.join("submission");
    std::fs::create_dir(&submission).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flags2_curl.sh"),
        submission.join("flags2_curl.sh"),
    )
    .unwrap();
    std::fs::write(
        autograder.join("submission_metadata.json"),
        r#"{"users": [{"email": "ada@example.org", "id": 1234, "name": "Ada"}]}"#,
    )
    .unwrap();

    let results = run_autograder(autograder);
    let max: u64 = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["max_score"].as_u64().unwrap())
        .sum();
    assert_eq!(max, 14);
    assert_eq!(results["score"], 14, "{results:#}");
    // Graded under the student's name, with a fresh seed shown for --seed.
    let output = results["output"].as_str().unwrap();
    assert!(
        output.starts_with("<p>flags2-threadpool for gradescope-1234, seed "),
        "{results:#}"
    );
    // Then its requests beside the ideal schedule, in a monospace block.
    assert_eq!(results["output_format"], "html");
    assert!(
        output.contains("<pre>actual: 104 requests, at most 8 in flight, "),
        "{results:#}"
    );
}

#[test]
fn a_submission_that_cannot_be_graded_scores_zero_and_says_why() {
    let autograder = tempfile::tempdir().unwrap();
    let autograder = autograder.path();
    // No --command: a Rust crate is expected, and the student sent a script.
    make_autograder(autograder, &["flags-threadpool"]);
    let submission = autograder.join("submission");
    std::fs::create_dir(&submission).unwrap();
    std::fs::write(submission.join("flags.py"), "print('hi')\n").unwrap();

    let results = run_autograder(autograder);
    assert_eq!(results["score"], 0);
    let output = results["output"].as_str().unwrap();
    assert!(
        output.starts_with("Not graded: error: ") && output.contains("holds no Rust crate"),
        "{output}"
    );
}

#[test]
fn an_unknown_exercise_is_refused_when_the_zip_is_made() {
    let made = Command::new("bash")
        .arg(scripts().join("make-autograder.sh"))
        .args(["flags-nope", "--output", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&made.stderr).contains("no exercise \"flags-nope\""));
}
