//! flags-seq against the in-process test server.

use std::process::Command;
use std::time::Duration;

use flags_common::{Code, pop20};
use flags_seq::{Config, download_many};
use mock_server::{Plan, Preset, TestServer, expected_files, folder_problems, run_client};

fn plan() -> Plan {
    Plan::preset(Preset::Delay)
        .delay(Duration::from_millis(20))
        .jitter(Duration::from_millis(10))
}

#[test]
fn downloads_each_flag_once_one_at_a_time() {
    let server = TestServer::start_blocking(plan());
    let dest = tempfile::tempdir().unwrap();
    let (config, shown) = Config::new(server.site(), dest.path()).recording();
    let done = download_many(&config, &pop20()).unwrap();

    let mut sorted = pop20();
    sorted.sort();
    assert_eq!(done, sorted, "downloaded in sorted order");
    assert_eq!(*shown.lock().unwrap(), sorted, "shown as each landed");
    let problems = folder_problems(dest.path(), &expected_files(server.plan(), &sorted));
    assert!(problems.is_empty(), "{problems:?}");
    let counts = server.requests_per_path();
    assert_eq!(counts.len(), 20);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert_eq!(
        server.peak_in_flight(),
        1,
        "sequential: one request at a time"
    );
}

#[test]
fn the_first_error_stops_the_run_and_names_the_flag() {
    // Sorted: BR lands; BX has no flag, and its 404 stops the run before CN.
    let server = TestServer::start_blocking(plan());
    let dest = tempfile::tempdir().unwrap();
    let (config, shown) = Config::new(server.site(), dest.path()).recording();
    let codes = ["CN", "BR", "BX"].map(|c| Code::parse(c).unwrap());
    let err = download_many(&config, &codes).unwrap_err();
    assert_eq!(err.to_string(), "BX: HTTP error 404 - Not Found");
    assert!(!err.is_connect());
    assert_eq!(*shown.lock().unwrap(), [codes[1]]);
    let saved = expected_files(server.plan(), &codes[1..2]);
    assert!(folder_problems(dest.path(), &saved).is_empty());
    assert_eq!(server.observations().len(), 2, "CN never asked for");
}

fn flags_seq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flags-seq"))
}

#[test]
fn the_binary_prints_codes_then_the_books_closing_line() {
    let server = TestServer::start_blocking(plan());
    let dest = tempfile::tempdir().unwrap();
    let stdout = run_client(
        flags_seq()
            .args(["--server", &server.base_url(), "--dest"])
            .arg(dest.path()),
    )
    .unwrap();
    let (codes, closing) = stdout.split_once('\n').unwrap();
    assert_eq!(
        codes,
        "BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN "
    );
    let closing = closing.trim_end();
    assert!(closing.starts_with("20 flags downloaded in "), "{closing}");
    assert!(closing.ends_with('s'), "{closing}");
    let secs = &closing["20 flags downloaded in ".len()..closing.len() - 1];
    assert_eq!(
        secs.split_once('.').unwrap().1.len(),
        2,
        "two decimals: {closing}"
    );
}

#[test]
fn an_unreachable_server_gets_one_clear_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dest = tempfile::tempdir().unwrap();
    let out = flags_seq()
        .args([
            "--server",
            &format!("http://127.0.0.1:{port}/flags"),
            "--dest",
        ])
        .arg(dest.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("could not connect"), "{stderr}");
    assert!(stderr.contains("just serve"), "{stderr}");
    assert!(std::fs::read_dir(dest.path()).map_or(true, |mut d| d.next().is_none()));
}

#[test]
fn bad_arguments_exit_2() {
    for args in [["--server", "nginx"], ["--server", "ftp://x/flags"]] {
        let out = flags_seq().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
