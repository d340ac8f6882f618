//! Both thread-pool variants against the in-process test server: what the
//! server saw (requests in flight, each path once) and what landed on disk.
//!
//! The server holds its answers until the pool's limit is in flight
//! (`Gate::for_limit`), and the plan's delays start then: a pool that starts
//! slowly on a busy machine still shows its limit and its order.

use std::process::Command;
use std::time::Duration;

use flags_common::{Code, pop20};
use flags_seq::Config;
use mock_server::{
    Gate, Plan, Preset, SpawnedServer, TestServer, expected_files, folder_problems, run_client,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn codes(list: &[&str]) -> Vec<Code> {
    list.iter().map(|c| Code::parse(c).unwrap()).collect()
}

fn sorted_pop20() -> Vec<Code> {
    let mut codes = pop20();
    codes.sort();
    codes
}

/// A server for `plan` that holds its answers until `limit` requests for
/// `codes` are in flight.
fn gated(plan: Plan, limit: usize, codes: &[Code]) -> SpawnedServer {
    SpawnedServer::recording(plan, Some(Gate::for_limit(limit, codes))).unwrap()
}

/// Checks what every correct run leaves: each flag once, saved whole.
fn assert_downloaded_once(server: &SpawnedServer, dest: &std::path::Path, codes: &[Code]) {
    let problems = folder_problems(dest, &expected_files(server.plan(), codes));
    assert!(problems.is_empty(), "{problems:?}");
    let counts = server.requests_per_path();
    assert_eq!(counts.len(), codes.len(), "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

#[test]
fn map_runs_twenty_at_once_and_returns_in_submission_order() {
    // Descending delays from the moment all twenty are in flight: the first
    // code submitted is the last to be answered.
    let sorted = sorted_pop20();
    let plan = sorted
        .iter()
        .enumerate()
        .fold(Plan::preset(Preset::Local), |plan, (i, &cc)| {
            plan.delay_for_code(cc, ms(50 + 25 * (19 - i as u64)))
        });
    let server = gated(plan, flags_threadpool::MAX_WORKERS, &sorted);
    let dest = tempfile::tempdir().unwrap();
    let (config, shown) = Config::new(server.site(), dest.path()).recording();

    let done = flags_threadpool::download_many(&config, &pop20()).unwrap();

    assert_eq!(done, sorted, "results in submission order");
    // The plan answers in the reverse order (its own tests check that), and
    // the client showed each flag as it landed: not in the order map
    // returns them. (The exact order of the shows, and of the answers on a
    // busy machine, is the machine's scheduling, so not asserted.)
    let mut shown = shown.lock().unwrap().clone();
    assert_ne!(shown, done, "shown as each landed, not in submission order");
    shown.sort();
    assert_eq!(shown, sorted, "each flag shown once");
    assert_eq!(server.peak_in_flight(), flags_threadpool::MAX_WORKERS);
    assert_downloaded_once(&server, dest.path(), &sorted);
}

#[test]
fn map_never_starts_more_than_max_workers() {
    let server = gated(
        Plan::preset(Preset::Local).delay(ms(30)),
        flags_threadpool::MAX_WORKERS,
        &flags_common::all(),
    );
    let dest = tempfile::tempdir().unwrap();
    let (config, _) = Config::new(server.site(), dest.path()).recording();
    let all = flags_common::all();
    let done = flags_threadpool::download_many(&config, &all).unwrap();
    assert_eq!(done, all);
    assert_eq!(server.peak_in_flight(), flags_threadpool::MAX_WORKERS);
    assert_downloaded_once(&server, dest.path(), &all);
}

#[test]
fn futures_run_three_at_a_time_and_complete_in_their_own_order() {
    // Three workers, five flags: BR, CN and ID start at once; IN takes ID's
    // worker at 600 ms, and US takes it again when IN is done at 1500 ms.
    // They finish ID (600), IN (1500), CN (1800), US (2220), BR (3000):
    // hundreds of ms apart, more than a busy machine's scheduling adds to
    // the two hand-overs before US.
    let plan = [
        ("BR", 3000),
        ("CN", 1800),
        ("ID", 600),
        ("IN", 900),
        ("US", 720),
    ]
    .into_iter()
    .fold(Plan::preset(Preset::Local), |plan, (cc, delay)| {
        plan.delay_for_code(Code::parse(cc).unwrap(), ms(delay))
    });
    let server = gated(
        plan,
        flags_threadpool::futures::MAX_WORKERS,
        &codes(&["BR", "CN", "ID", "IN", "US"]),
    );
    let dest = tempfile::tempdir().unwrap();
    let (config, shown) = Config::new(server.site(), dest.path()).recording();

    let done = flags_threadpool::futures::download_many(&config, &pop20()).unwrap();

    let completion = codes(&["ID", "IN", "CN", "US", "BR"]);
    assert_eq!(done, completion, "as_completed yields in completion order");
    assert_eq!(*shown.lock().unwrap(), completion);
    assert_eq!(
        server.peak_in_flight(),
        flags_threadpool::futures::MAX_WORKERS
    );
    assert_downloaded_once(
        &server,
        dest.path(),
        &codes(&["BR", "CN", "ID", "IN", "US"]),
    );
}

#[test]
fn the_futures_binary_prints_each_future_scheduled_and_completed() {
    let server = TestServer::start_blocking(Plan::preset(Preset::Local).delay(ms(20)));
    let dest = tempfile::tempdir().unwrap();
    let stdout = run_client(
        Command::new(env!("CARGO_BIN_EXE_flags-threadpool-futures"))
            .args(["--server", &server.base_url(), "--dest"])
            .arg(dest.path()),
    )
    .unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    for (line, cc) in lines.iter().zip(["BR", "CN", "ID", "IN", "US"]) {
        let rest = line
            .strip_prefix(&format!("Scheduled for {cc}: <Future at 0x"))
            .unwrap_or_else(|| panic!("{line}"));
        assert!(
            rest.ends_with(" state=pending>")
                || rest.ends_with(" state=running>")
                || rest.contains(" state=finished"),
            "{line}"
        );
    }
    let results: Vec<&str> = lines[5..]
        .iter()
        .filter_map(|line| line.split_once("<Future at 0x").map(|(_, r)| r))
        .collect();
    assert_eq!(results.len(), 5, "{stdout}");
    for result in &results {
        assert!(
            result.contains(" state=finished returned Code> result: \""),
            "{result}"
        );
    }
    assert!(stdout.contains("\n\n5 flags downloaded in "), "{stdout}");
}

#[test]
fn the_timeline_shows_twenty_lanes_for_map_and_three_for_submit() {
    // The gates hold every answer until the pool has all its requests out,
    // so the client saw exactly that many in flight at once.
    let plan = Plan::preset(Preset::Local).delay(ms(20));
    let first5 = codes(&["BR", "CN", "ID", "IN", "US"]);
    for (bin, server, drawn) in [
        (
            env!("CARGO_BIN_EXE_flags-threadpool"),
            gated(plan.clone(), 20, &sorted_pop20()),
            "actual: 20 requests, at most 20 in flight, ",
        ),
        (
            env!("CARGO_BIN_EXE_flags-threadpool-futures"),
            gated(plan.clone(), 3, &first5),
            "actual: 5 requests, at most 3 in flight, ",
        ),
    ] {
        let dest = tempfile::tempdir().unwrap();
        let ran = flags_common::testing::run_guarded(
            Command::new(bin)
                .args(["--server", server.base_url(), "--timeline", "-", "--dest"])
                .arg(dest.path()),
        );
        assert_eq!(ran.code, Some(0), "{bin}: {}", ran.stderr);
        assert!(ran.stdout.contains(drawn), "{bin}: {}", ran.stdout);
    }
}
