//! `loiter --timeline`: each loiter(n) call drawn, beside the ideal.

use std::process::{Command, Output};

fn loiter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loiter"))
        .args(["--unit-ms", "50"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_terminal_shows_each_call_and_the_ideal_after_the_demo() {
    let out = loiter(&["--timeline", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let (demo, drawn) = stdout.split_once("actual: ").expect("a timeline");
    assert!(demo.contains("result 4: 40"), "the demo first: {demo}");
    let (actual, ideal) = drawn.split_once("ideal: ").expect("the ideal");
    assert!(actual.starts_with("5 requests, at most "), "{actual}");
    let lanes = |panel: &str| {
        let rows = panel.lines().filter(|l| l.contains('│'));
        rows.filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            .count()
    };
    assert!((1..=3).contains(&lanes(actual)), "three workers: {actual}");
    // loiter(4) waits for loiter(1)'s worker: 5 units, on 3 lanes.
    assert!(
        ideal.starts_with("5 requests, at most 3 in flight, 0.250s"),
        "{ideal}"
    );
    assert_eq!(lanes(ideal), 3, "{ideal}");
}

#[test]
fn the_svg_has_a_bar_per_call_in_each_panel() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("loiter.svg");
    let out = loiter(&["--timeline", svg.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(
        drawn.matches("<rect class=\"bar\"").count(),
        10,
        "5 run, 5 ideal"
    );
    for n in 0..5 {
        assert_eq!(
            drawn.matches(&format!("<title>loiter({n}): ")).count(),
            2,
            "{n}"
        );
    }
    let missing = dir.path().join("nowhere").join("t.svg");
    let out = loiter(&["--timeline", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(out.stdout.is_empty(), "refused before the demo");
}
