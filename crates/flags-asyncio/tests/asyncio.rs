//! flags-asyncio against the in-process test server: all downloads in
//! flight at once, each flag once, saved whole.
//!
//! The server holds its answers until every request is in flight
//! (`Gate::for_limit`), so a client that starts slowly on a busy machine
//! still shows that it sent them all at once: seen, not timed.

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
fn run(server: &SpawnedServer, dest: &std::path::Path, codes: &[Code]) -> (Vec<Code>, Vec<Code>) {
    let (config, shown) = Config::new(server.site(), dest).recording();
    let done = flags_asyncio::download_many(&config, codes).unwrap();
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
    let (done, shown) = run(&server, dest.path(), &all);
    assert_eq!(done, all, "results in list order, as gather returns them");
    assert_eq!(shown.len(), 194);
    assert_eq!(server.peak_in_flight(), 194);
    assert_downloaded_once(&server, dest.path(), &all);
}
// ANCHOR_END: test_peak

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
    let err = flags_asyncio::download_many(&config, &codes).unwrap_err();
    assert_eq!(err.to_string(), "ZZ: HTTP error 404 - Not Found");
    assert!(shown.lock().unwrap().is_empty());
    assert!(
        folder_problems(dest.path(), &Default::default()).is_empty(),
        "nothing saved, nothing partial"
    );
}

#[test]
fn the_binary_prints_the_books_lines() {
    let server = gated(20, &pop20());
    let dest = tempfile::tempdir().unwrap();
    let stdout = run_client(
        Command::new(env!("CARGO_BIN_EXE_flags-asyncio"))
            .args(["--server", server.base_url(), "--dest"])
            .arg(dest.path()),
    )
    .unwrap();
    let (codes, closing) = stdout.split_once('\n').unwrap();
    assert_eq!(codes.split_whitespace().count(), 20, "{stdout}");
    assert!(closing.starts_with("20 flags downloaded in "), "{stdout}");
    assert_eq!(server.peak_in_flight(), 20);
}

#[test]
fn the_book_script_has_no_limit_and_neither_has_the_binary() {
    // flags_asyncio.py takes no options; the limit arrives with flags2.
    let ran = flags_common::testing::run_guarded(
        Command::new(env!("CARGO_BIN_EXE_flags-asyncio")).args(["-m", "4"]),
    );
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("unexpected argument '-m'"),
        "{}",
        ran.stderr
    );
}

#[test]
fn the_timeline_shows_every_request_in_flight_at_once() {
    // The gate holds every answer until all 20 requests are out: the
    // client saw 20 in flight at once.
    let server = gated(20, &pop20());
    let dest = tempfile::tempdir().unwrap();
    let ran = flags_common::testing::run_guarded(
        Command::new(env!("CARGO_BIN_EXE_flags-asyncio"))
            .args(["--server", server.base_url()])
            .args(["--timeline", "-", "--dest"])
            .arg(dest.path()),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let (report, drawn) = ran.stdout.split_once("actual: ").expect("a timeline");
    assert!(report.contains("20 flags downloaded in "), "{report}");
    assert!(
        drawn.starts_with("20 requests, at most 20 in flight, "),
        "{drawn}"
    );
}
