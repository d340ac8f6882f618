//! flags-asyncio against the in-process test server: all downloads in
//! flight at once, or at most the limit, each flag once, saved whole.
//!
//! The tests of a limit hold the server's answers until the limit is in
//! flight (`Gate::for_limit`), so a client that starts slowly on a busy
//! machine still shows its limit: seen, not timed.

use std::process::Command;
use std::time::Duration;

use flags_common::{Code, pop20};
use flags_seq::Config;
use mock_server::{
    Gate, Plan, Preset, SpawnedServer, TestServer, expected_files, folder_problems, run_client,
};

fn plan() -> Plan {
    Plan::preset(Preset::Local).delay(Duration::from_millis(100))
}

/// A server that holds its answers until `limit` requests for `codes` are
/// in flight.
fn gated(limit: usize, codes: &[Code]) -> SpawnedServer {
    SpawnedServer::recording(plan(), Some(Gate::for_limit(limit, codes))).unwrap()
}

/// Runs the download; returns the codes, as returned and as shown.
fn run(
    server: &SpawnedServer,
    dest: &std::path::Path,
    codes: &[Code],
    limit: Option<usize>,
) -> (Vec<Code>, Vec<Code>) {
    let (config, shown) = Config::new(server.site(), dest).recording();
    let done = flags_asyncio::download_many(&config, codes, limit).unwrap();
    let shown = shown.lock().unwrap().clone();
    (done, shown)
}

fn assert_downloaded_once(server: &SpawnedServer, dest: &std::path::Path, codes: &[Code]) {
    let problems = folder_problems(dest, &expected_files(server.plan(), codes));
    assert!(problems.is_empty(), "{problems:?}");
    let counts = server.requests_per_path();
    assert_eq!(counts.len(), codes.len());
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

// ANCHOR: test_peak
#[test]
fn unbounded_puts_every_request_in_flight_at_once() {
    let all = flags_common::all();
    let server = gated(all.len(), &all);
    let dest = tempfile::tempdir().unwrap();
    let (done, shown) = run(&server, dest.path(), &all, None);
    assert_eq!(done, all, "results in list order, as gather returns them");
    assert_eq!(shown.len(), 194);
    assert_eq!(server.peak_in_flight(), 194);
    assert_downloaded_once(&server, dest.path(), &all);
}
// ANCHOR_END: test_peak

#[test]
fn a_limit_caps_the_requests_in_flight_exactly() {
    for limit in [1, 5] {
        let server = gated(limit, &pop20());
        let dest = tempfile::tempdir().unwrap();
        let mut sorted = pop20();
        sorted.sort();
        let (done, _) = run(&server, dest.path(), &pop20(), Some(limit));
        assert_eq!(done, sorted);
        assert_eq!(server.peak_in_flight(), limit, "limit {limit}");
        assert_downloaded_once(&server, dest.path(), &sorted);
    }
}

#[test]
fn the_first_error_cancels_the_rest() {
    // ZZ has no flag and answers at once; the others take a second.
    let plan = plan()
        .delay(Duration::from_secs(1))
        .delay_for_code(Code::parse("ZZ").unwrap(), Duration::ZERO);
    let server = TestServer::start_blocking(plan);
    let dest = tempfile::tempdir().unwrap();
    let (config, shown) = Config::new(server.site(), dest.path()).recording();
    let codes = ["BR", "CN", "ZZ"].map(|c| Code::parse(c).unwrap());
    let err = flags_asyncio::download_many(&config, &codes, None).unwrap_err();
    assert_eq!(err.to_string(), "ZZ: HTTP error 404 - Not Found");
    assert!(shown.lock().unwrap().is_empty());
    assert!(
        folder_problems(dest.path(), &Default::default()).is_empty(),
        "nothing saved, nothing partial"
    );
}

#[test]
fn the_binary_takes_a_limit_and_prints_the_books_lines() {
    let server = gated(4, &pop20());
    let dest = tempfile::tempdir().unwrap();
    let stdout = run_client(
        Command::new(env!("CARGO_BIN_EXE_flags-asyncio"))
            .args([
                "--max-concurrency",
                "4",
                "--server",
                server.base_url(),
                "--dest",
            ])
            .arg(dest.path()),
    )
    .unwrap();
    let (codes, closing) = stdout.split_once('\n').unwrap();
    assert_eq!(codes.split_whitespace().count(), 20, "{stdout}");
    assert!(closing.starts_with("20 flags downloaded in "), "{stdout}");
    assert_eq!(server.peak_in_flight(), 4);
    for bad in ["0", "-1", "many"] {
        let out = Command::new(env!("CARGO_BIN_EXE_flags-asyncio"))
            .args(["--max-concurrency", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn the_timeline_shows_the_semaphores_lanes() {
    // The gate holds every answer until 4 requests are out: the client saw
    // exactly 4 in flight at once, never more.
    let server = gated(4, &pop20());
    let dest = tempfile::tempdir().unwrap();
    let ran = flags_common::testing::run_guarded(
        Command::new(env!("CARGO_BIN_EXE_flags-asyncio"))
            .args(["--max-concurrency", "4", "--server", server.base_url()])
            .args(["--timeline", "-", "--dest"])
            .arg(dest.path()),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let (report, drawn) = ran.stdout.split_once("actual: ").expect("a timeline");
    assert!(report.contains("20 flags downloaded in "), "{report}");
    assert!(
        drawn.starts_with("20 requests, at most 4 in flight, "),
        "{drawn}"
    );
}
