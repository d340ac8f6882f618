//! The result files, field by field against the specs of the platforms that
//! read them: Gradescope's results.json, Exercism's results.json version 3
//! (and its runner, `bin/run.sh`), GitHub Classroom's runner result.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use flags_grader::manifest::Visibility;
use flags_grader::output::{self, Format};
use flags_grader::{Grade, exercise, grade};
use serde_json::Value;
use support::{curl_command, options};

/// A real grading that loses the report's 2 points (a hard-coded report),
/// with a progress bar and colours in its output.
fn graded() -> Grade {
    let e = exercise("flags2-threadpool").unwrap();
    let mut graded = grade(&e, &curl_command("hardcoded"), options(2017)).unwrap();
    assert_eq!((graded.score(), graded.max_score()), (12, 14));
    graded.output = format!(
        "\x1b[32mstarting\x1b[0m <b>&</b>\r\n 10%|█   | 1/10\r100%|████| 10/10\r\n{}",
        graded.output
    );
    graded
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(items: &[&'a str]) -> BTreeSet<&'a str> {
    items.iter().copied().collect()
}

/// Every string in a JSON value, recursively.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

fn assert_plain(json: &Value) {
    for s in strings(json) {
        assert!(
            !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "a control character in {s:?}"
        );
    }
}

#[test]
fn gradescope_results_follow_the_spec() {
    let mut graded = graded();
    // The manifest's visibility reaches each test.
    graded.checks[6].visibility = Visibility::AfterDueDate;
    let json = output::gradescope(&graded);
    assert_eq!(
        keys(&json),
        set(&[
            "score",
            "execution_time",
            "output",
            "output_format",
            "test_output_format",
            "visibility",
            "tests",
        ])
    );
    assert_eq!(json["score"], 12);
    assert!(json["execution_time"].is_f64());
    // HTML, so that the timeline and the program's output keep their
    // columns in <pre> blocks; a test's output is shown in one already.
    assert_eq!(json["output_format"], "html");
    assert_eq!(json["test_output_format"], "text");
    let tests = json["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);
    for (i, test) in tests.iter().enumerate() {
        assert_eq!(
            keys(test),
            set(&[
                "name",
                "number",
                "score",
                "max_score",
                "status",
                "output",
                "output_format",
                "visibility"
            ])
        );
        assert_eq!(test["number"], (i + 1).to_string());
        assert_eq!(test["name"], graded.checks[i].name);
    }
    assert_eq!(tests[0]["status"], "passed");
    assert_eq!(tests[0]["visibility"], "visible");
    assert_eq!(tests[6]["status"], "failed");
    assert_eq!(tests[6]["score"], 0);
    assert_eq!(tests[6]["max_score"], 2);
    assert_eq!(tests[6]["visibility"], "after_due_date");
    // What a terminal showed last, without its control characters.
    assert_plain(&json);
    let shown = json["output"].as_str().unwrap();
    assert!(
        shown.contains("<pre>starting &lt;b&gt;&amp;&lt;/b&gt;\n100%|████| 10/10\n"),
        "{shown}"
    );
    // The run's timeline beside the ideal, as the text shows it.
    let drawn = graded.timeline.as_ref().unwrap().text();
    assert!(
        drawn.contains("ideal: 104 requests, at most 8 in flight, "),
        "{drawn}"
    );
    assert!(shown.contains(&format!("<pre>{drawn}</pre>")), "{shown}");
    // No absolute path or address leaks into a report.
    let text = json.to_string();
    assert!(
        !text.contains("/tmp/") && !text.contains("127.0.0.1"),
        "{text}"
    );
}

#[test]
fn check_names_are_the_same_for_every_student_and_seed() {
    let e = exercise("flags2-threadpool").unwrap();
    let names = |seed| -> Vec<String> {
        flags_grader::not_built(&e, &options(seed), "")
            .checks
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    // Seeds that give other codes and other counts give the same names.
    assert_eq!(names(1), names(2));
    assert_eq!(names(1), names(u64::MAX));
}

#[test]
fn exercism_results_follow_version_3() {
    let graded = graded();
    let json = output::exercism(&graded);
    // `message` is for `error` only; no task ids, since no check is one task.
    assert_eq!(keys(&json), set(&["version", "status", "tests"]));
    assert_eq!(json["version"], 3);
    assert_eq!(json["status"], "fail");
    let tests = json["tests"].as_array().unwrap();
    let names: Vec<&str> = tests.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = graded.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, expected, "in the manifest's order");
    for test in tests {
        let passed = test["status"] == "pass";
        let mut fields = vec!["name", "test_code", "status", "output"];
        if !passed {
            fields.push("message");
        }
        assert_eq!(keys(test), set(&fields), "{test}");
        assert!(test["test_code"].as_str().unwrap().contains("-m 8 {codes}"));
        let output = test["output"].as_str().unwrap();
        assert!(output.chars().count() <= 500, "{output}");
    }
    assert_eq!(tests[6]["status"], "fail");
    assert!(
        tests[6]["message"]
            .as_str()
            .unwrap()
            .starts_with("expected ")
    );
    assert_plain(&json);

    // A full score passes.
    let mut perfect = graded.clone();
    for check in &mut perfect.checks {
        check.score = check.max_score;
        check.status = flags_grader::Status::Passed;
    }
    assert_eq!(output::exercism(&perfect)["status"], "pass");
}

#[test]
fn a_build_failure_is_exercisms_error_with_the_compilers_message() {
    let e = exercise("flags2-threadpool").unwrap();
    let compiler = "error[E0425]: cannot find value `x` in this scope\n --> submission/src/threadpool.rs:3:5\n";
    let graded = flags_grader::not_built(&e, &options(1), compiler);
    let json = output::exercism(&graded);
    assert_eq!(keys(&json), set(&["version", "status", "message"]));
    assert_eq!(json["status"], "error");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.starts_with("the submission did not compile")
            && message.contains("submission/src/threadpool.rs:3:5"),
        "{message}"
    );
    let classroom = output::classroom(&graded);
    assert_eq!(classroom["status"], "error");
    assert_eq!(classroom["max_score"], 14);
}

#[test]
fn classroom_results_add_up_to_the_points() {
    let graded = graded();
    let json = output::classroom(&graded);
    assert_eq!(
        keys(&json),
        set(&["version", "status", "max_score", "tests"])
    );
    assert_eq!(json["version"], 1);
    assert_eq!(json["status"], "fail");
    assert_eq!(json["max_score"], 14);
    let tests = json["tests"].as_array().unwrap();
    // What Classroom's grading reporter adds up into "Points 12/14".
    let total: u64 = tests.iter().map(|t| t["score"].as_u64().unwrap()).sum();
    assert_eq!(total, 12);
    for test in tests {
        assert_eq!(
            keys(test),
            set(&["name", "status", "message", "test_code", "score"])
        );
        assert!(["pass", "fail"].contains(&test["status"].as_str().unwrap()));
    }
    assert_plain(&json);
}

#[test]
fn a_grader_error_exits_3_and_the_json_says_error_with_no_score() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["exercism", "gradescope", "classroom"] {
        let path = dir.path().join(format!("{format}.json"));
        let out = Command::new(env!("CARGO_BIN_EXE_grade"))
            .args(["flags-seq", "--format", format, "--output"])
            .arg(&path)
            .args(["--", "/nonexistent/program"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(
            stderr.starts_with(
                "grader error (not the submission's; nothing was graded): could not start \
                 /nonexistent/program: "
            ),
            "{stderr}"
        );
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(json.get("score").is_none(), "{json}");
        match format {
            "exercism" => {
                assert_eq!(keys(&json), set(&["version", "status", "message"]));
                assert_eq!(json["status"], "error");
            }
            "gradescope" => {
                assert_eq!(keys(&json), set(&["output", "output_format", "tests"]));
                assert_eq!(json["tests"], serde_json::json!([]));
            }
            _ => assert_eq!(json["status"], "error"),
        }
    }
}

#[test]
fn every_format_renders_from_the_command_line() {
    for (format, parse) in [
        (Format::Text, false),
        (Format::Gradescope, true),
        (Format::Exercism, true),
        (Format::Classroom, true),
    ] {
        let text = format.render(&graded());
        if parse {
            serde_json::from_str::<Value>(&text).unwrap();
        } else {
            assert!(text.contains("Score: 12/14"), "{text}");
        }
        assert!(
            !text.contains('\r') && !text.contains('\x1b'),
            "{format:?}: {text}"
        );
    }
}

/// Exercism's runner: `bin/run.sh SLUG INPUT_DIR OUTPUT_DIR` with a
/// read-only input folder; results.json in the output folder; exit 0.
fn exercism_run(slug: &str, input: &Path, command: Option<&str>) -> (Option<i32>, Value) {
    let output = tempfile::tempdir().unwrap();
    let mut run = Command::new("bash");
    run.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("instructors/exercism/bin/run.sh"))
        .arg(slug)
        .arg(format!("{}/", input.display()))
        .arg(format!("{}/", output.path().display()))
        .env("GRADE", env!("CARGO_BIN_EXE_grade"));
    if let Some(command) = command {
        run.env("FLAGS_COMMAND", command);
    }
    let status = run.status().unwrap();
    let results = std::fs::read_to_string(output.path().join("results.json")).unwrap();
    (status.code(), serde_json::from_str(&results).unwrap())
}

#[test]
fn the_exercism_runner_writes_results_json_and_exits_0() {
    let input = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flags2_curl.sh"),
        input.path().join("flags2_curl.sh"),
    )
    .unwrap();
    let (code, json) = exercism_run(
        "flags2-threadpool",
        input.path(),
        Some("sh flags2_curl.sh hardcoded -s {url} --dest {dest} -m 8 {codes}"),
    );
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["version"], 3);
    assert_eq!(json["status"], "fail", "{json}");
    assert_eq!(json["tests"].as_array().unwrap().len(), 7);

    // Not a Rust crate, and no command: no test ran, and the message says
    // what to change, with the solution's folder as <solution-dir>.
    let (code, json) = exercism_run("flags2-threadpool", input.path(), None);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(keys(&json), set(&["version", "status", "message"]));
    assert_eq!(json["status"], "error");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.starts_with("<solution-dir> holds no Rust crate"),
        "{message}"
    );
}

#[test]
fn a_tests_exercises_test_code_is_the_kits_test_functions() {
    let e = exercise("concurrent-futures").unwrap();
    let mut graded = flags_grader::not_built(&e, &options(1), "");
    graded.error = None; // as if built, with every test failed
    let json = output::exercism(&graded);
    assert_eq!(json["status"], "fail");
    let tests = json["tests"].as_array().unwrap();
    assert_eq!(tests.len(), e.checks.len());
    for (test, spec) in tests.iter().zip(&e.checks) {
        let code = test["test_code"].as_str().unwrap();
        for name in &spec.test {
            assert!(code.contains(&format!("fn {name}()")), "{name}: {code}");
        }
        assert!(code.trim_end().ends_with('}'), "{code}");
    }
    // The text names what judged it, with no seed to replay.
    let text = output::text(&graded);
    assert!(
        text.contains("Judged by the kit's tests (tests/futures.rs)") && !text.contains("--seed"),
        "{text}"
    );
}
