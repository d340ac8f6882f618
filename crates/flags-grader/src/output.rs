//! The ways to report a grade: text for people, and the result files of the
//! platforms that read them, each to its own spec:
//!
//! - Gradescope's `results.json` (autograder specifications);
//! - Exercism's `results.json`, version 3 (the test-runner interface);
//! - GitHub Classroom's runner result, the JSON its grading reporter adds up
//!   into the `Points X/Y` that Classroom reads.
//!
//! Every text a platform shows is plain: a progress bar's carriage returns
//! and a terminal's escape codes are resolved to what a terminal would show
//! last, so that a browser shows the same lines.
//!
//! The run's timeline beside the ideal schedule (80 columns of Unicode
//! blocks) goes where it stays legible: after the checks in the text, and
//! in Gradescope's top-level output as HTML, in a `<pre>` block. Exercism
//! shows at most 500 characters of a test's output, and Classroom's runner
//! result only a line per test: neither carries it.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::grade::{Grade, Status, Timelines};
use crate::manifest::{CheckKind, Kind, exercise};

/// How to print a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Text,
    /// Gradescope's `results.json`.
    Gradescope,
    /// Exercism's `results.json`, version 3.
    Exercism,
    /// GitHub Classroom's runner result (for its grading reporter).
    Classroom,
}

impl Format {
    /// The grade, in this format.
    pub fn render(self, grade: &Grade) -> String {
        let json = match self {
            Format::Text => return text(grade),
            Format::Gradescope => gradescope(grade),
            Format::Exercism => exercism(grade),
            Format::Classroom => classroom(grade),
        };
        serde_json::to_string_pretty(&json).expect("a JSON value prints")
    }

    /// What a platform reads when the grader could not grade (`None`: the
    /// text format, whose message goes to standard error).
    pub fn render_error(self, why: &str) -> Option<String> {
        let why = plain(why);
        let json = match self {
            Format::Text => return None,
            // No score: a failed autograder run, which Gradescope shows as
            // such, to be rerun; never zero points.
            Format::Gradescope => json!({
                "output": format!("Grader error, not the submission's: {why}. Nothing was graded."),
                "output_format": "text",
                "tests": [],
            }),
            Format::Exercism => json!({
                "version": 3,
                "status": "error",
                "message": format!("Grader error, not the submission's: {why}"),
            }),
            Format::Classroom => json!({
                "version": 1,
                "status": "error",
                "max_score": 0,
                "tests": [],
            }),
        };
        Some(serde_json::to_string_pretty(&json).expect("a JSON value prints"))
    }
}

/// Readable text: the checks in manifest order, then each failure
/// explained with what was expected and what the server saw, then the
/// run's timeline beside the ideal schedule.
pub fn text(grade: &Grade) -> String {
    feedback(grade, None)
}

/// A student's feedback file (`--class`): the text, which names the
/// picture of its timelines written beside it, if there is one.
pub fn feedback(grade: &Grade, picture: Option<&str>) -> String {
    let student = grade
        .student
        .as_ref()
        .map_or(String::new(), |s| format!(" for {s}"));
    let mut out = format!(
        "Graded {} (the book's {}){student}\n",
        grade.exercise, grade.ports
    );
    if !grade.codes.is_empty() {
        let _ = writeln!(out, "Codes given: {}", grade.codes);
    }
    out.push('\n');
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
    if let Some(timelines) = &grade.timeline {
        let _ = write!(
            out,
            "\n{}\n{}",
            timeline_heading(timelines),
            timelines.text()
        );
        if let Some(picture) = picture {
            let _ = writeln!(
                out,
                "The same as a picture, to open in a browser: {picture}"
            );
        }
    }
    match exercise(&grade.exercise).map(|e| e.kind) {
        Some(Kind::Tests) => {
            let _ = writeln!(out, "\nJudged by {}.", grade.plan);
        }
        // Shown after the run only: the next run has another seed.
        _ => {
            let _ = writeln!(
                out,
                "\nThe run's plan: {}\nReproduce this run with --seed {}.",
                grade.plan, grade.seed
            );
        }
    }
    if let Some(output) = program_output(grade) {
        let _ = write!(out, "\nThe end of its output:\n{output}");
    }
    plain(&out)
}

/// What the timeline shows, in words: two lines for its heading.
fn timeline_heading(timelines: &Timelines) -> String {
    let mut heading = format!(
        "Requests in flight, as the server saw them (a bar from each request's arrival\n\
         to its answer), and the best schedule of {} at once that the delays allow",
        timelines.workers
    );
    if let Some(floor) = timelines.gate {
        let _ = write!(
            heading,
            ".\nThe server held its first answers until {floor} were in flight, and a while\n\
             longer to see if more came (the floor and ceiling checks): the first bars are\n\
             long by design"
        );
    }
    heading + ":"
}

/// Gradescope's `results.json`: a test per check, named the same for every
/// student, each with the visibility its manifest gives it. The top-level
/// output is HTML, so that the timeline and the program's output keep
/// their columns in `<pre>` blocks (a test's output is already shown in
/// one).
pub fn gradescope(grade: &Grade) -> Value {
    let tests: Vec<Value> = grade
        .checks
        .iter()
        .enumerate()
        .map(|(i, check)| {
            json!({
                "name": check.name,
                "number": (i + 1).to_string(),
                "score": check.score,
                "max_score": check.max_score,
                "status": if check.status == Status::Passed { "passed" } else { "failed" },
                "output": plain(&check.message),
                "output_format": "text",
                "visibility": check.visibility,
            })
        })
        .collect();
    let mut summary = format!(
        "{}{}, seed {}. Server: {}",
        grade.exercise,
        grade
            .student
            .as_ref()
            .map_or(String::new(), |s| format!(" for {s}")),
        grade.seed,
        grade.plan
    );
    if let Some(error) = &grade.error {
        let _ = write!(summary, ". Error: {error}");
    }
    let mut output = format!("<p>{}</p>\n", html(&summary));
    if let Some(timelines) = &grade.timeline {
        let _ = write!(
            output,
            "<p>{}</p>\n<pre>{}</pre>\n",
            html(&timeline_heading(timelines)),
            html(&timelines.text())
        );
    }
    if let Some(program) = program_output(grade) {
        let _ = write!(
            output,
            "<p>The end of its output:</p>\n<pre>{}</pre>\n",
            html(program)
        );
    }
    json!({
        "score": grade.score(),
        "execution_time": grade.wall.as_secs_f64(),
        "output": output,
        "output_format": "html",
        "test_output_format": "text",
        "visibility": "visible",
        "tests": tests,
    })
}

/// Exercism's `results.json`, version 3: `error` when nothing ran (the
/// build failed), with the compiler's messages; otherwise `pass` or `fail`
/// with a test per check, in manifest order. The top-level message is only
/// for `error`; a test's `output` is only what the program printed, cut at
/// 500 characters; no `task_id`, since no check belongs to one task.
pub fn exercism(grade: &Grade) -> Value {
    if let Some(error) = &grade.error {
        let mut message = error.clone();
        if !grade.output.trim().is_empty() {
            let _ = write!(message, "\n\n{}", grade.output);
        }
        return json!({ "version": 3, "status": "error", "message": plain(&message) });
    }
    let output = exercism_output(&grade.output);
    let tests: Vec<Value> = grade
        .checks
        .iter()
        .zip(test_codes(grade))
        .map(|(check, code)| {
            let mut test = Map::new();
            test.insert("name".into(), check.name.clone().into());
            test.insert("test_code".into(), code.into());
            let passed = check.status == Status::Passed;
            test.insert("status".into(), if passed { "pass" } else { "fail" }.into());
            if !passed {
                test.insert("message".into(), plain(&check.message).into());
            }
            if let Some(output) = &output {
                test.insert("output".into(), output.clone().into());
            }
            Value::Object(test)
        })
        .collect();
    let status = if grade.score() == grade.max_score() {
        "pass"
    } else {
        "fail"
    };
    json!({ "version": 3, "status": status, "tests": tests })
}

/// GitHub Classroom's runner result (version 1), as its grading reporter
/// reads it from `<RUNNER>_RESULTS` (base64): the reporter adds up each
/// test's `score` against `max_score` and writes `Points X/Y` where
/// Classroom reads it.
pub fn classroom(grade: &Grade) -> Value {
    let tests: Vec<Value> = grade
        .checks
        .iter()
        .zip(test_codes(grade))
        .map(|(check, code)| {
            let passed = check.status == Status::Passed;
            json!({
                "name": check.name,
                "status": if passed { "pass" } else { "fail" },
                "message": plain(&check.message),
                "test_code": code,
                "score": check.score,
            })
        })
        .collect();
    let status = match () {
        () if grade.error.is_some() => "error",
        () if grade.score() == grade.max_score() => "pass",
        () => "fail",
    };
    json!({
        "version": 1,
        "status": status,
        "max_score": grade.max_score(),
        "tests": tests,
    })
}

/// What each check tested, for Exercism's `test_code` and Classroom's: the
/// kit's test functions, or how the program was run and what was checked.
/// The manifest is looked up, and the kit's test file read, once a report.
fn test_codes(grade: &Grade) -> Vec<String> {
    let Some(exercise) = exercise(&grade.exercise) else {
        return grade
            .checks
            .iter()
            .map(|check| format!("check: {}", check.name))
            .collect();
    };
    let source = exercise.tests.as_ref().map_or_else(String::new, |tests| {
        let path = crate::starter::workspace_root()
            .join("crates")
            .join(&exercise.solution.krate)
            .join(&tests.file);
        std::fs::read_to_string(path).unwrap_or_default()
    });
    grade
        .checks
        .iter()
        .zip(&exercise.checks)
        .map(|(check, spec)| match spec.check {
            CheckKind::Test => spec
                .test
                .iter()
                .map(|name| test_function(&source, name).unwrap_or_else(|| format!("{name}()")))
                .collect::<Vec<_>>()
                .join("\n\n"),
            _ => format!(
                "run: PROGRAM {}\ncheck: {}",
                exercise.scenario.args.join(" "),
                check.name
            ),
        })
        .collect()
}

/// The function `name` of a test file, from its `fn` line to its closing
/// brace at the start of a line.
fn test_function(source: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(&format!("fn {name}(")))?;
    let end = start + lines[start..].iter().position(|l| *l == "}")?;
    Some(lines[start..=end].join("\n"))
}

/// The end of what the submission (or its compiler) printed, when it lost
/// points: the student needs it to see why.
fn program_output(grade: &Grade) -> Option<&str> {
    (grade.score() < grade.max_score() && !grade.output.trim().is_empty())
        .then_some(grade.output.as_str())
}

/// The most characters Exercism shows of a test's output.
const EXERCISM_OUTPUT_LIMIT: usize = 500;

/// What the program printed, for Exercism: plain, at most 500 characters.
fn exercism_output(output: &str) -> Option<String> {
    let output = plain(output);
    if output.trim().is_empty() {
        return None;
    }
    const CUT: &str = "\n\nOutput was truncated. Please limit to 500 chars.";
    if output.chars().count() <= EXERCISM_OUTPUT_LIMIT {
        return Some(output);
    }
    let kept: String = output
        .chars()
        .take(EXERCISM_OUTPUT_LIMIT - CUT.chars().count())
        .collect();
    Some(kept + CUT)
}

/// The text a terminal would show: escape sequences (colours, cursor moves)
/// removed, and of a line redrawn with carriage returns (a progress bar),
/// only its last drawing. Other control characters are dropped; tabs and
/// newlines stay.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in strip_escapes(text).split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let shown = line
            .rsplit('\r')
            .find(|drawing| !drawing.trim().is_empty())
            .unwrap_or("");
        out.extend(shown.chars().filter(|&c| c == '\t' || !c.is_control()));
    }
    out
}

/// Plain `text` for HTML: what a terminal shows, with `&`, `<` and `>`
/// escaped.
fn html(text: &str) -> String {
    plain(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `text` without ANSI escape sequences: CSI (`ESC [ … final`), OSC
/// (`ESC ] … BEL` or `ESC ] … ESC \`) and two-character escapes.
fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                // Parameters, then one final character from @ to ~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_what_a_terminal_shows_last() {
        let bar = "\r 10%|█         | 2/20\r100%|██████████| 20/20\r\n";
        assert_eq!(plain(bar), "100%|██████████| 20/20\n");
        assert_eq!(
            plain("\x1b[2K\x1b[1;32mok\x1b[0m\tdone\x07\n"),
            "ok\tdone\n"
        );
        assert_eq!(plain("\x1b]0;title\x07a\x1b]8;;x\x1b\\b"), "ab");
        assert_eq!(plain("a\r\nb\r\n"), "a\nb\n");
        assert_eq!(plain("é 1/2\u{8}\u{0}"), "é 1/2");
    }

    #[test]
    fn exercism_output_is_cut_at_500_characters() {
        assert_eq!(exercism_output("  \n"), None);
        assert_eq!(exercism_output("hi\n").as_deref(), Some("hi\n"));
        let long = exercism_output(&"é".repeat(600)).unwrap();
        assert_eq!(long.chars().count(), 500);
        assert!(long.ends_with("Output was truncated. Please limit to 500 chars."));
    }
}
