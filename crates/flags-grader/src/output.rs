//! The three ways to report a grade: text for people, and the results.json
//! of Gradescope and of Exercism (version 3).

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::grade::{Grade, Status};

/// Readable text: the checks in manifest order, then each failure
/// explained with what was expected and what the server saw.
pub fn text(grade: &Grade) -> String {
    let student = grade
        .student
        .as_ref()
        .map_or(String::new(), |s| format!(" for {s}"));
    let mut out = format!(
        "Graded {} (the book's {}){student}\nCodes given: {}\n\n",
        grade.exercise, grade.ports, grade.codes
    );
    if let Some(error) = &grade.error {
        let _ = writeln!(out, "error: {error}\n");
    }
    for check in &grade.checks {
        let mark = match check.status {
            Status::Passed => "pass",
            Status::Failed => "FAIL",
        };
        let _ = writeln!(
            out,
            "  {mark} {:>2}/{:<2} {}",
            check.score, check.max_score, check.name
        );
    }
    let _ = writeln!(out, "\nScore: {}/{}", grade.score(), grade.max_score());
    for failed in grade.checks.iter().filter(|c| c.status == Status::Failed) {
        let _ = writeln!(out, "\nFAIL {}\n  {}", failed.name, failed.message);
    }
    // Shown after the run only: the next run has another seed.
    let _ = writeln!(
        out,
        "\nThe server's plan: {}\nReproduce this run with --seed {}.",
        grade.plan, grade.seed
    );
    out.push_str(&program_output(grade));
    out
}

/// Gradescope's `results.json` when the grader could not grade: no score
/// (nothing was graded), and the reason.
pub fn gradescope_error(why: &str) -> Value {
    json!({
        "output": format!("Grader error, not the submission's: {why}. Nothing was graded."),
        "error": why,
        "tests": [],
    })
}

/// Exercism's `results.json` when the grader could not grade.
pub fn exercism_error(why: &str) -> Value {
    json!({
        "version": 3,
        "status": "error",
        "message": format!("Grader error, not the submission's: {why}"),
        "tests": [],
    })
}

/// Gradescope's `results.json`.
pub fn gradescope(grade: &Grade) -> Value {
    let seconds = grade.wall.as_secs_f64();
    let tests: Vec<Value> = grade
        .checks
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "score": c.score,
                "max_score": c.max_score,
                "status": if c.status == Status::Failed { "failed" } else { "passed" },
                "output": c.message,
                "visibility": "visible",
                "execution_time": seconds,
            })
        })
        .collect();
    json!({
        "score": grade.score(),
        "max_score": grade.max_score(),
        "execution_time": seconds,
        "output": format!("{}{}, seed {}. Server: {}{}{}", grade.exercise,
            grade.student.as_ref().map_or(String::new(), |s| format!(" for {s}")),
            grade.seed, grade.plan,
            grade.error.as_ref().map_or(String::new(), |e| format!(". Error: {e}")),
            program_output(grade)),
        "visibility": "visible",
        "tests": tests,
    })
}

/// The end of what the submission (or its compiler) printed, when it lost
/// points: the student needs it to see why.
fn program_output(grade: &Grade) -> String {
    if grade.score() < grade.max_score() && !grade.output.trim().is_empty() {
        format!("\n\nThe end of its output:\n{}", grade.output)
    } else {
        String::new()
    }
}

/// Exercism's `results.json`, version 3.
pub fn exercism(grade: &Grade) -> Value {
    let tests: Vec<Value> = grade
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let passed = c.status != Status::Failed;
            json!({
                "name": c.name,
                "status": if passed { "pass" } else { "fail" },
                "message": if passed { Value::Null } else { Value::String(c.message.clone()) },
                "output": c.message,
                "task_id": i + 1,
            })
        })
        .collect();
    let (status, message) = match &grade.error {
        Some(error) => (
            "error",
            Value::String(format!("{error}{}", program_output(grade))),
        ),
        None if grade.score() == grade.max_score() => ("pass", Value::Null),
        None => (
            "fail",
            Value::String(format!("{}/{} points", grade.score(), grade.max_score())),
        ),
    };
    json!({ "version": 3, "status": status, "message": message, "tests": tests })
}
