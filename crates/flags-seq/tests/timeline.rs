//! `--timeline FILE.svg` and `--timeline -`: the requests of a run, drawn
//! after the report, from what the client saw of each request.

use std::process::Command;
use std::time::Duration;

use flags_common::pop20;
use flags_common::testing::{run_guarded, timeline_bars};
use mock_server::{Plan, Preset, TestServer};

fn flags_seq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flags-seq"))
}

/// `bd/bd.gif` for each of the 20 codes, sorted.
fn pop20_paths() -> Vec<String> {
    let mut paths: Vec<String> = pop20()
        .iter()
        .map(|cc| format!("{0}/{0}.gif", cc.lower()))
        .collect();
    paths.sort();
    paths
}

#[test]
fn the_svg_has_one_bar_per_flag() {
    // The built-in server: no --server.
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("run.svg");
    let ran = run_guarded(
        flags_seq()
            .arg("--dest")
            .arg(dir.path().join("flags"))
            .arg("--timeline")
            .arg(&svg),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("20 flags downloaded in "),
        "{}",
        ran.stdout
    );
    // The run, then the built-in server's ideal for the same flags at the
    // run's own concurrency: both one bar per flag.
    let panels = timeline_bars(&svg);
    let names: Vec<&str> = panels.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["actual", "ideal"]);
    for (panel, bars) in &panels {
        let mut labels: Vec<String> = bars.iter().map(|(label, _)| label.clone()).collect();
        labels.sort();
        assert_eq!(labels, pop20_paths(), "{panel}: one bar per flag");
        assert!(bars.iter().all(|(_, outcome)| outcome == "200"), "{bars:?}");
    }
}

#[test]
fn against_any_server_the_terminal_shows_the_staircase_after_the_report() {
    let plan = Plan::preset(Preset::Delay)
        .delay(Duration::from_millis(20))
        .jitter(Duration::ZERO);
    let server = TestServer::start_blocking(plan);
    let dest = tempfile::tempdir().unwrap();
    let ran = run_guarded(
        flags_seq()
            .args(["--server", &server.base_url(), "--timeline", "-", "--dest"])
            .arg(dest.path()),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let (report, drawn) = ran.stdout.split_once("actual: ").expect("a timeline");
    assert!(
        report.contains("20 flags downloaded in "),
        "the report first: {report}"
    );
    // One request after another: one lane, never two in flight.
    assert!(
        drawn.starts_with("20 requests, at most 1 in flight, "),
        "{drawn}"
    );
    let lanes = drawn
        .lines()
        .filter(|l| l.contains('│') && !l.contains('#'));
    assert_eq!(lanes.count(), 1, "{drawn}");
    assert!(drawn.lines().all(|l| l.chars().count() <= 80), "{drawn}");
    assert_eq!(server.observations().len(), 20);
}

#[test]
fn a_timeline_that_cannot_be_drawn_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder").join("t.svg");
    for (args, says) in [
        (
            vec!["--timeline", missing.to_str().unwrap()],
            "does not exist",
        ),
        (vec!["--timeline", "t.png"], "ending in .svg"),
        (
            vec!["--server", "REMOTE", "--timeline", "-"],
            "the book's public site",
        ),
    ] {
        let ran = run_guarded(flags_seq().args(&args).arg("--dest").arg(dir.path()));
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(says), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "no flag downloaded: {}", ran.stdout);
    }
}
