//! `grade --list` and `grade --explain EXERCISE`: what each exercise asks
//! of a submission, in the words a student needs to write one in any
//! language: how it is run, what each placeholder stands for, what it must
//! print, and what each check looks at.

use std::fmt::Write as _;

use crate::manifest::{CheckKind, Exercise, Kind, ScenarioSpec, exercises};

/// One line per exercise, then how to learn more.
pub fn list() -> String {
    let all = exercises();
    let name = all.iter().map(|e| e.name.len()).max().unwrap_or(8);
    let ports = all.iter().map(|e| e.ports.len()).max().unwrap_or(10);
    let mut out = format!(
        "{:<name$}  {:>6}  {:<ports$}  {}\n",
        "EXERCISE", "POINTS", "THE BOOK'S", "STRATEGY"
    );
    for e in &all {
        let _ = writeln!(
            out,
            "{:<name$}  {:>6}  {:<ports$}  {}",
            e.name,
            e.max_score(),
            e.ports,
            e.strategy
        );
    }
    out.push_str(
        "\n`grade --explain EXERCISE` shows what a submission must handle; \
         `grade --init EXERCISE DIR` writes a Rust starter.\n",
    );
    out
}

/// The placeholders a command line may hold: name, environment variable,
/// what it stands for.
const PLACEHOLDERS: [(&str, &str, &str); 6] = [
    (
        "{url}",
        "FLAGS_URL",
        "the test server's base URL, http://127.0.0.1:PORT/flags: a flag is at \
         {url}/cc/cc.gif (cc in lower case), its metadata at {url}/cc/metadata.json",
    ),
    (
        "{dest}",
        "FLAGS_DEST",
        "an empty folder that exists: save the flags there, and nothing else",
    ),
    (
        "{codes}",
        "FLAGS_CODES",
        "the codes to download; an argument that is exactly {codes} becomes one \
         argument per code",
    ),
    (
        "{timeout}",
        "FLAGS_TIMEOUT",
        "the timeout to give every request, in seconds",
    ),
    (
        "{workers}",
        "FLAGS_WORKERS",
        "how many workers (threads or processes) to check the numbers with",
    ),
    (
        "{numbers}",
        "FLAGS_NUMBERS",
        "the numbers to check, comma-separated (97,91,2): seeded, new on every run",
    ),
];

/// Everything a submission of `exercise` must handle.
pub fn explain(exercise: &Exercise) -> String {
    let mut out = format!(
        "{}: the book's {}, {}. {} points.\n",
        exercise.name,
        exercise.ports,
        exercise.strategy,
        exercise.max_score()
    );
    match exercise.kind {
        Kind::Tests => explain_tests(exercise, &mut out),
        Kind::Command => explain_command(exercise, &mut out),
    }
    out.push_str("\nCHECKS\n");
    for check in &exercise.checks {
        let _ = writeln!(
            out,
            "  {:>2}  {}",
            check.points,
            crate::grade::spec_name(check, exercise)
        );
        if check.check == CheckKind::Test {
            let _ = writeln!(out, "        tests: {}", check.test.join(", "));
        }
    }
    if !exercise.builds_on.is_empty() {
        let _ = writeln!(
            out,
            "\nThe starter comes with the solution of {} whole: the code it builds on, as \
             Python's standard library comes with concurrent.futures.",
            exercise.builds_on.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nA Rust starter: grade --init {name} DIR, then grade {name} --submission DIR.",
        name = exercise.name
    );
    wrap(&out, 88)
}

/// How a `tests` exercise is judged.
fn explain_tests(exercise: &Exercise, out: &mut String) {
    let regions = exercise
        .solution
        .regions()
        .map(|regions| {
            regions
                .into_iter()
                .map(|r| r.anchor)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let (file, limit) = exercise
        .tests
        .as_ref()
        .map_or((String::new(), 0), |t| (t.file.clone(), t.time_limit_s));
    let _ = writeln!(
        out,
        "\nHOW IT IS JUDGED\n  By the kit's tests ({file}), built against your crate's src/: fill \
         in the todo!() of {regions} in {source}. The starter has the tests: `cargo test` runs \
         them. Your own edits to the tests never count: the grader builds its own copy. A \
         test still running after {limit} s is killed: a bound on a hang, never points.\n  \
         grade {name} --submission DIR",
        source = exercise.solution.source,
        name = exercise.name,
    );
}

/// How a `command` exercise is run, against what, and what it prints.
fn explain_command(exercise: &Exercise, out: &mut String) {
    let s = &exercise.scenario;
    let _ = writeln!(
        out,
        "\nHOW IT IS RUN\n  grade {name} -- YOUR-PROGRAM {args}\n  (the workspace's solution \
         runs as: {bin} {args})",
        name = exercise.name,
        args = s.args.join(" "),
        bin = exercise.solution.bin,
    );
    out.push_str("\nPLACEHOLDERS (filled in on the command line, and given in the environment)\n");
    for (placeholder, env, meaning) in PLACEHOLDERS {
        if s.args.iter().any(|a| a.contains(placeholder)) {
            let _ = writeln!(out, "  {placeholder:<10} {env:<14} {meaning}");
        }
    }
    if let Some(n) = s.numbers {
        let _ = writeln!(
            out,
            "  This exercise: {} workers, {n} numbers of about 15 digits, half of them prime.",
            s.ceiling
        );
    }
    if !s.preset.is_empty() {
        let codes = match (s.letters, s.codes.as_deref()) {
            (Some(n), _) => format!(
                "{n} seeded letters, as the book's flags2 scripts take them (B C E W: each \
                 letter stands for its 26 codes, BA to BZ); new on every run"
            ),
            (None, Some([pop])) if pop == "pop20" => "the book's 20 most populous countries \
                 (BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN), which the \
                 chapter-1 scripts hard-code: they need not read {codes}"
                .to_owned(),
            (None, Some(codes)) => codes.join(" "),
            (None, None) => "none".to_owned(),
        };
        let _ = writeln!(out, "  This exercise's codes: {codes}.");
        let _ = writeln!(out, "\nTHE SERVER\n  {}", server(s));
    }
    let _ = writeln!(
        out,
        "  A run still going after {} s is killed: a bound on a hang, never points.",
        s.time_limit_s
    );
    out.push_str("\nWHAT IT MUST PRINT (standard output; anything else may come before)\n");
    out.push_str(report_format(&s.report));
}

/// The test server an exercise meets, in words.
fn server(s: &ScenarioSpec) -> String {
    let pct = |[low, high]: [f64; 2]| format!("{:.0} to {:.0} %", low * 100.0, high * 100.0);
    let mut text = format!(
        "The {} preset: every answer delayed {} ms plus a seeded 0 to {} ms",
        s.preset, s.delay_ms, s.jitter_ms
    );
    if let Some(rate) = s.error_rate {
        let _ = write!(
            text,
            "; a seeded {} of the flags answer 418 (an error to count, not to retry)",
            pct(rate)
        );
    }
    if let Some(rate) = s.transient_rate {
        let _ = write!(
            text,
            "; a seeded {} answer 503 to a first request and the flag to a prompt retry \
             (retry each 503 once, and nothing else)",
            pct(rate)
        );
    }
    if let Some(rate) = s.stall_rate {
        let _ = write!(
            text,
            "; a seeded {} stall for {} s (give up at your timeout, count an error, save \
             nothing)",
            pct(rate),
            s.stall_s.unwrap_or(30.0)
        );
    }
    let _ = write!(
        text,
        "; codes with no flag answer 404. The seed is new on every run; the report shows it \
         after the run, and --seed N replays it."
    );
    if !s.args.iter().any(|a| a.contains("{timeout}")) {
        let _ = write!(
            text,
            " Use a client timeout of {} s, as the book does.",
            s.client_timeout_s
        );
    }
    text
}

/// The report a `report` kind asks for, with an example.
fn report_format(report: &str) -> &'static str {
    match report {
        "flags2" => {
            "  The book's flags2 report: the counts, each on its own line (a line is left out \
             when its count is 0):\n\
             \x20     17 flags downloaded.\n\
             \x20      9 not found.\n\
             \x20      1 error.\n\
             \x20 A 404 is `not found`; any other failure (an error status, a timeout, a \
             connection failure) is an `error`. One bad flag never stops the run, and the \
             program exits 0.\n"
        }
        "chapter1" => {
            "  The codes as they are saved, then the book's closing line, in the 1st edition's \
             wording or the 2nd's:\n\
             \x20     20 flags downloaded in 2.04s\n\
             \x20     20 downloads in 2.04s\n"
        }
        "primes" => {
            "  One line per number, in any order, as the book's proc_pool.py prints them: the \
             number, P for a prime (a blank for any other number), the seconds it took:\n\
             \x20     943110496523281  P  0.031207s\n\
             \x20     943110496523287     0.030911s\n"
        }
        _ => "  See the exercise's manifest.\n",
    }
}

/// Each line longer than `width` broken at spaces, its continuation
/// indented two more than the line.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let mut current = " ".repeat(indent);
        let mut fresh = true; // only the indentation so far
        for word in line.trim_start().split(' ') {
            if !fresh && current.len() + 1 + word.len() > width {
                out.push_str(&current);
                out.push('\n');
                current = " ".repeat(indent + 2);
                fresh = true;
            }
            if !fresh {
                current.push(' ');
            }
            current.push_str(word);
            fresh = false;
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exercise_is_listed_and_explained() {
        let list = list();
        // The text as words, whatever the wrapping.
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        for e in exercises() {
            assert!(list.contains(&e.name), "{}", e.name);
            let text = words(&explain(&e));
            assert!(
                text.contains(&words(&e.scenario.args.join(" "))),
                "{}",
                e.name
            );
            // Every placeholder the command line holds is explained.
            for (placeholder, env, _) in PLACEHOLDERS {
                if e.scenario.args.iter().any(|a| a.contains(placeholder)) {
                    assert!(
                        text.contains(&format!("{placeholder} {env} ")),
                        "{}",
                        e.name
                    );
                }
            }
            assert!(!text.contains("See the exercise's manifest"), "{}", e.name);
            for check in &e.checks {
                let name = words(&crate::grade::spec_name(check, &e));
                assert!(text.contains(&name), "{}: {name}", e.name);
            }
        }
    }

    #[test]
    fn long_lines_wrap_under_their_indent() {
        assert_eq!(
            wrap("  aaa bbb ccc\nshort\n", 9),
            "  aaa bbb\n    ccc\nshort\n"
        );
    }
}
