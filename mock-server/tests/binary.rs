//! The `mock-server` binary, run as a process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use mock_server::{Plan, Preset, run_client};

fn mock_server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mock-server"))
}

#[test]
fn truth_prints_one_line_per_code_matching_the_plan() {
    let text = run_client(mock_server().args([
        "truth",
        "error",
        "--seed",
        "7",
        "--delay-ms",
        "10",
        "--jitter-ms",
        "10",
    ]))
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 676);
    let plan = Plan::preset(Preset::Error)
        .seed(7)
        .delay(std::time::Duration::from_millis(10))
        .jitter(std::time::Duration::from_millis(10));
    for (line, cc) in lines.iter().zip(flags_common::Code::every()) {
        let expected = plan.expected(cc);
        assert_eq!(
            *line,
            format!("{cc} {} {}", expected.status, expected.delay.as_millis())
        );
    }
    assert_eq!(lines.iter().filter(|l| l.contains(" 418 ")).count(), 49);
    assert_eq!(lines.iter().filter(|l| l.contains(" 404 ")).count(), 482);
}

#[test]
fn bad_options_are_refused_with_a_hint() {
    for args in [
        vec!["truth", "nginx"],
        vec!["--error-rate", "1.5"],
        vec!["--port", "9000"],
        vec!["--error-status", "200"],
    ] {
        let out = mock_server().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = mock_server()
        .args([
            "--preset",
            "local",
            "--port",
            "0",
            "--dir",
            "/nonexistent/flags",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not read the flags folder"), "{err}");
}

#[test]
fn serves_a_preset_on_a_chosen_port_and_logs_each_request() {
    let mut child = mock_server()
        .args([
            "--preset",
            "delay",
            "--port",
            "0",
            "--delay-ms",
            "5",
            "--jitter-ms",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    stderr.read_line(&mut banner).unwrap();
    // DELAY  http://127.0.0.1:PORT/flags  DELAY preset, seed 1: ...
    let base = banner.split_whitespace().nth(1).unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{banner}");
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let resp = client.get(format!("{base}/bd/bd.gif")).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().unwrap().starts_with(b"GIF89a"));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut log = String::new();
    stdout.read_line(&mut log).unwrap();
    assert_eq!(log, "BD delay: 0.01s 200\n");
    child.kill().unwrap();
    child.wait().unwrap();
}
