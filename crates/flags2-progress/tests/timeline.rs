//! `--timeline` on the flags2 binaries: a bar per request, 404s and
//! retries drawn as such, and with the built-in server the ideal schedule
//! beside the run.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use flags_common::testing::{run_guarded, timeline_bars};
use mock_server::{Fault, Plan, Preset, TestServer};

/// How many bars each outcome has in the `actual` panel of `svg`.
fn outcomes(svg: &std::path::Path) -> BTreeMap<String, usize> {
    let panels = timeline_bars(svg);
    let (panel, bars) = &panels[0];
    assert_eq!(panel, "actual");
    let mut counts = BTreeMap::new();
    for (_, outcome) in bars {
        *counts.entry(outcome.clone()).or_default() += 1;
    }
    counts
}

#[test]
fn every_code_is_a_bar_and_404s_are_drawn_as_such() {
    let server = TestServer::start_blocking(Plan::preset(Preset::Local));
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("every.svg");
    let ran = run_guarded(
        Command::new(env!("CARGO_BIN_EXE_flags2-threadpool"))
            .args(["-e", "-m", "100", "-s", &server.base_url(), "--dest"])
            .arg(dir.path().join("flags"))
            .arg("--timeline")
            .arg(&svg),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        timeline_bars(&svg).len(),
        1,
        "no ideal for a server of unknown plan"
    );
    let counts = outcomes(&svg);
    assert_eq!(
        counts,
        BTreeMap::from([("200".into(), 194), ("404".into(), 482)])
    );
}

#[test]
fn a_retried_failure_is_its_own_bar() {
    let plan = Plan::preset(Preset::Local)
        .delay(Duration::from_millis(5))
        .transient_rate(0.2);
    let transient = (flags_common::all().into_iter())
        .filter(|&cc| plan.fault(cc) == Some(Fault::Transient))
        .count();
    assert!(transient > 0);
    let server = TestServer::start_blocking(plan);
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("retries.svg");
    let ran = run_guarded(
        Command::new(env!("CARGO_BIN_EXE_flags2-asyncio"))
            .args(["-a", "-m", "20", "--retries", "1", "-s", &server.base_url()])
            .arg("--dest")
            .arg(dir.path().join("flags"))
            .arg("--timeline")
            .arg(&svg),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let counts = outcomes(&svg);
    let expected = BTreeMap::from([("200".into(), 194), ("retried".into(), transient)]);
    assert_eq!(counts, expected);
}

#[test]
fn with_the_built_in_server_the_ideal_is_drawn_beside_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let ran = run_guarded(
        Command::new(env!("CARGO_BIN_EXE_flags2-asyncio"))
            .args(["-l", "20", "-m", "3", "--timeline", "-", "--dest"])
            .arg(dir.path()),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let (report, drawn) = ran.stdout.split_once("actual: ").expect("a timeline");
    assert!(
        report.contains("Elapsed time: "),
        "the report first: {report}"
    );
    // The semaphore: never more than 3 lanes, in the run or in the ideal.
    let lanes = |panel: &str| {
        (panel.lines())
            .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains('│'))
            .count()
    };
    let (actual, ideal) = drawn.split_once("ideal: ").expect("the ideal beside");
    assert!(actual.starts_with("20 requests, at most "), "{actual}");
    assert!((1..=3).contains(&lanes(actual)), "{actual}");
    assert!(
        ideal.starts_with("20 requests, at most 3 in flight, "),
        "{ideal}"
    );
    assert_eq!(lanes(ideal), 3, "{ideal}");
    assert!(drawn.lines().all(|l| l.chars().count() <= 80), "{drawn}");
}

#[test]
fn the_remote_site_is_refused_with_the_books_usage_message() {
    let ran = run_guarded(Command::new(env!("CARGO_BIN_EXE_flags2-sequential")).args([
        "-s",
        "REMOTE",
        "--timeline",
        "t.svg",
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr
            .starts_with("*** Usage error: --timeline is refused"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}
