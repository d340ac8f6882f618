//! Runs the real `loiter` binary with a 100 ms unit and checks the order of
//! events in its output: what the lesson is about. No timing is asserted;
//! the order follows from three workers and `map`'s ordered results.

use std::process::Command;

/// The demo's output lines, without their `[HH:MM:SS] ` timestamps.
fn run_demo() -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_loiter"))
        .args(["--unit-ms", "100"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let bytes = line.as_bytes();
            assert!(
                line.len() > 11
                    && bytes[0] == b'['
                    && bytes[3] == b':'
                    && bytes[6] == b':'
                    && &line[9..11] == "] ",
                "not a [HH:MM:SS] line: {line:?}"
            );
            line[11..].to_string()
        })
        .collect()
}

/// Where the line containing `text` is; it must be there exactly once.
fn position(lines: &[String], text: &str) -> usize {
    let found: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(text))
        .collect();
    assert_eq!(found.len(), 1, "{text:?} in {lines:#?}");
    found[0]
}

#[test]
fn the_demo_prints_events_in_the_books_order() {
    let lines = run_demo();
    let at = |text: &str| position(&lines, text);

    assert_eq!(lines[0], "Script starting.");
    let results = at("results: <lazy iterator Executor::map at 0x");
    assert!(results < at("Waiting for individual results:"));

    // Three workers: loiter(0..3) start at once, before any result but the
    // instant loiter(0)'s...
    for n in 0..3 {
        assert!(at(&format!("loiter({n}): doing nothing")) < at("result 1:"));
    }
    // ...and loiter(4) must wait for loiter(1) to free a worker.
    assert!(at("loiter(1): done.") < at("loiter(4): doing nothing"));

    let results: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("result "))
        .map(|l| l.as_str())
        .collect();
    assert_eq!(
        results,
        [
            "result 0: 0",
            "result 1: 10",
            "result 2: 20",
            "result 3: 30",
            "result 4: 40"
        ]
    );
}

#[test]
fn each_loiter_is_indented_by_n_tabs() {
    let lines = run_demo();
    for n in 0..5 {
        let tabs = "\t".repeat(n);
        assert_eq!(
            lines[position(&lines, &format!("loiter({n}): doing"))],
            format!("{tabs}loiter({n}): doing nothing for {n}s...")
        );
        assert_eq!(
            lines[position(&lines, &format!("loiter({n}): done."))],
            format!("{tabs}loiter({n}): done.")
        );
    }
}

#[test]
fn a_closed_stdout_ends_the_demo_quietly() {
    use std::process::Stdio;
    // The reading end is closed before the demo starts, so that its first
    // write fails however soon it comes.
    let (reader, writer) = rustix::pipe::pipe().unwrap();
    drop(reader);
    let child = Command::new(env!("CARGO_BIN_EXE_loiter"))
        .args(["--unit-ms", "10"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(141), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn a_unit_past_ten_seconds_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_loiter"))
        .args(["--unit-ms", "18446744073709551615"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("0..=10000"), "{stderr}");
}
