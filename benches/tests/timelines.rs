//! The drawing step of `cargo bench`: a variant's run, noted by its client,
//! drawn above the plan's ideal schedule, in the file the table points to.
//! A real client against the binary's server on 127.0.0.1, with a small plan.

use std::time::Duration;

use flags_common::testing::timeline_bars;
use mock_server::{Plan, Preset, SpawnedServer};
use timeline::{Recorder, Timeline};

/// Six flags at 20 ms each, fetched by flags2's thread pool with 3 workers,
/// noted as the benchmark notes its drawn run.
fn run_six_at_three() -> (Plan, Vec<flags_common::Code>, Timeline) {
    let plan = Plan::preset(Preset::Local)
        .seed(benches::SEED)
        .delay(Duration::from_millis(20));
    let server = SpawnedServer::start(plan.clone(), 2).expect("a loopback port is free");
    let codes: Vec<_> = flags_common::pop20().into_iter().take(6).collect();
    let dest = tempfile::tempdir().unwrap();
    let recorder = Recorder::new();
    let mut config = flags2_progress::Config::new(server.site(), dest.path());
    config.timeline = Some(recorder.clone());
    let tally = flags2_progress::threadpool::download_many(&config, &codes, 3).unwrap();
    assert_eq!(tally.ok, 6, "{tally:?}");
    (plan, codes, recorder.timeline())
}

#[test]
fn a_run_is_drawn_above_its_ideal_one_bar_per_request() {
    let (plan, codes, actual) = run_six_at_three();
    let out = tempfile::tempdir().unwrap();
    let file = benches::timeline_file("pop20", "flags2-threadpool", None);
    assert_eq!(file, "timeline-pop20-flags2-threadpool.svg");
    let path = out.path().join(&file);
    benches::draw_timeline(&path, &plan, &codes, 3, &actual).unwrap();

    let panels = timeline_bars(&path);
    let names: Vec<&str> = panels.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["actual", "ideal"]);
    // One bar per request in each panel, each a flag that came (200).
    let mut wanted: Vec<String> = (codes.iter())
        .map(|cc| {
            let cc = cc.lower();
            format!("{cc}/{cc}.gif")
        })
        .collect();
    wanted.sort();
    for (panel, bars) in &panels {
        let mut labels: Vec<String> = bars.iter().map(|(label, _)| label.clone()).collect();
        labels.sort();
        assert_eq!(labels, wanted, "the {panel} panel");
        assert!(bars.iter().all(|(_, outcome)| outcome == "200"), "{bars:?}");
    }
    // Three workers: at most three lanes, as in the ideal's (exactly three).
    assert!(actual.lane_count() <= 3, "{}", actual.summary());
    assert_eq!(
        plan.ideal_timeline(&codes, 3, Duration::MAX).lane_count(),
        3
    );
}

#[test]
fn a_run_missing_requests_is_not_drawn() {
    let (plan, codes, mut actual) = run_six_at_three();
    actual.requests.pop();
    actual.lanes.pop();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("timeline-pop20-x.svg");
    let err = benches::draw_timeline(&path, &plan, &codes, 3, &actual).unwrap_err();
    assert!(err.contains("noted 5 requests for 6 codes"), "{err}");
    assert!(!path.exists());
}

#[test]
fn the_sweep_names_its_concurrency_and_old_timelines_are_removed() {
    assert_eq!(
        benches::timeline_file("sweep", "flags2-asyncio", Some(16)),
        "timeline-sweep-flags2-asyncio-16.svg"
    );
    let out = tempfile::tempdir().unwrap();
    let dir = out.path();
    for name in [
        "timeline-pop20-flags-seq.svg",
        "timeline-sweep-flags2-asyncio-256.svg",
        "timings.svg",
        "timings.md",
    ] {
        std::fs::write(dir.join(name), "").unwrap();
    }
    assert_eq!(benches::remove_timelines(dir).unwrap(), 2);
    let mut left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["timings.md", "timings.svg"]);
    // A folder not made yet has none to remove.
    assert_eq!(benches::remove_timelines(&dir.join("none")).unwrap(), 0);
}
