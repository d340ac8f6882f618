//! The downloads with Rust's own tools, `std::thread::scope` and an `mpsc`
//! channel, against the in-process test server: what the server saw
//! (requests in flight, the order it answered) and what landed on disk.
//!
//! Orders are the plan's: the server answers hundreds of milliseconds apart,
//! far more than a busy machine adds between an answer and its receipt.

use std::process::Command;
use std::time::Duration;

use flags_common::Code;
use flags_seq::{Config, DownloadError};
use mock_server::{Gate, Plan, Preset, SpawnedServer, expected_files, folder_problems};

fn codes(list: &[&str]) -> Vec<Code> {
    list.iter().map(|c| Code::parse(c).unwrap()).collect()
}

/// A LOCAL server that delays each code as given, holding every answer
/// until all of `codes` are in flight: the delays start together then.
fn gated(delays: &[(&str, u64)], codes: &[Code]) -> SpawnedServer {
    let plan = delays
        .iter()
        .fold(Plan::preset(Preset::Local), |plan, &(cc, ms)| {
            plan.delay_for_code(Code::parse(cc).unwrap(), Duration::from_millis(ms))
        });
    SpawnedServer::recording(plan, Some(Gate::for_limit(codes.len(), codes))).unwrap()
}

/// The codes in the order the server's answers left.
fn answered(server: &SpawnedServer) -> Vec<Code> {
    let mut seen = server.observations();
    seen.sort_by_key(|o| o.end());
    let code = |path: &str| Code::parse(path.rsplit('/').next()?.strip_suffix(".gif")?).ok();
    seen.iter().filter_map(|o| code(&o.path)).collect()
}

// CN IN US ID BR: the book's population order, the reverse of neither the
// sorted order nor its reverse. The server answers in this order.
const BY_POPULATION: [(&str, u64); 5] = [
    ("CN", 100),
    ("IN", 300),
    ("US", 500),
    ("ID", 700),
    ("BR", 900),
];

#[test]
fn scoped_threads_put_every_request_in_flight_and_join_in_submission_order() {
    let mut sorted = flags_common::pop20();
    sorted.sort();
    let server = gated(&[("BD", 600)], &sorted);
    let dest = tempfile::tempdir().unwrap();
    let (config, _) = Config::new(server.site(), dest.path()).recording();

    let done = flags_threadpool::scoped::download_many(&config, &flags_common::pop20()).unwrap();

    assert_eq!(
        server.peak_in_flight(),
        20,
        "one thread per code, all at once"
    );
    assert_eq!(
        answered(&server).last(),
        Some(&sorted[0]),
        "BD, first submitted, answered last"
    );
    assert_eq!(done, sorted, "joined in submission order all the same");
    let problems = folder_problems(dest.path(), &expected_files(server.plan(), &sorted));
    assert!(problems.is_empty(), "{problems:?}");
    assert!(server.requests_per_path().values().all(|&n| n == 1));
}

#[test]
fn the_channel_yields_results_in_the_order_the_server_answered() {
    let five = codes(&["BR", "CN", "ID", "IN", "US"]);
    let server = gated(&BY_POPULATION, &five);
    let dest = tempfile::tempdir().unwrap();
    let (config, shown) = Config::new(server.site(), dest.path()).recording();

    let done = flags_threadpool::channel::download_many(&config, &five).unwrap();

    let by_population = codes(&["CN", "IN", "US", "ID", "BR"]);
    assert_eq!(answered(&server), by_population, "the plan's order");
    assert_eq!(done, by_population, "received in completion order");
    assert_eq!(*shown.lock().unwrap(), by_population);
    assert_eq!(server.peak_in_flight(), 5);
    let problems = folder_problems(dest.path(), &expected_files(server.plan(), &five));
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn the_channel_reports_the_first_error_to_arrive_and_join_the_first_submitted() {
    // AA and ZZ have no flag: AA's 404 comes late, ZZ's at once.
    let list = codes(&["AA", "BR", "ZZ"]);
    type DownloadMany = fn(&Config, &[Code]) -> Result<Vec<Code>, DownloadError>;
    for (download_many, first) in [
        (
            flags_threadpool::channel::download_many as DownloadMany,
            "ZZ",
        ),
        (flags_threadpool::scoped::download_many, "AA"),
    ] {
        let server = gated(&[("AA", 700), ("BR", 400), ("ZZ", 0)], &list);
        let dest = tempfile::tempdir().unwrap();
        let (config, _) = Config::new(server.site(), dest.path()).recording();
        let err = download_many(&config, &list).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{first}: HTTP error 404 - Not Found")
        );
        // The scope waited for every thread: BR was saved whole.
        let problems =
            folder_problems(dest.path(), &expected_files(server.plan(), &codes(&["BR"])));
        assert!(problems.is_empty(), "{first}: {problems:?}");
    }
}

#[test]
fn the_binaries_download_the_twenty_flags() {
    let mut sorted = flags_common::pop20();
    sorted.sort();
    for bin in [
        env!("CARGO_BIN_EXE_flags-threadpool-scoped"),
        env!("CARGO_BIN_EXE_flags-threadpool-channel"),
    ] {
        let server = gated(&[], &sorted);
        let dest = tempfile::tempdir().unwrap();
        let ran = flags_common::testing::run_guarded(
            Command::new(bin)
                .args(["--server", server.base_url(), "--dest"])
                .arg(dest.path()),
        );
        assert_eq!(ran.code, Some(0), "{bin}: {}", ran.stderr);
        let (shown, closing) = ran.stdout.split_once('\n').unwrap();
        assert_eq!(
            shown.split_whitespace().count(),
            20,
            "{bin}: {}",
            ran.stdout
        );
        assert!(closing.starts_with("20 flags downloaded in "), "{bin}");
        assert_eq!(server.peak_in_flight(), 20, "{bin}");
    }
}
