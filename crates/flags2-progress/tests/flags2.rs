//! The three flags2 binaries, run as processes against the in-process test
//! server: their reports against the plan's ground truth, what landed on
//! disk, what the server saw, usage errors and Ctrl-C.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use flags_common::{Code, DownloadStatus, Tally};
use mock_server::{Gate, Plan, Preset, SpawnedServer, TestServer, expected_files, folder_problems};

const BINS: [&str; 3] = [
    env!("CARGO_BIN_EXE_flags2-sequential"),
    env!("CARGO_BIN_EXE_flags2-threadpool"),
    env!("CARGO_BIN_EXE_flags2-asyncio"),
];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn name(bin: &str) -> &str {
    Path::new(bin).file_name().unwrap().to_str().unwrap()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(bin: &str, server: &TestServer, dest: &Path, args: &[&str]) -> Run {
    run_at(bin, &server.base_url(), dest, args)
}

fn run_at(bin: &str, base_url: &str, dest: &Path, args: &[&str]) -> Run {
    let out = Command::new(bin)
        .args(["-s", base_url, "--dest"])
        .arg(dest)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The counts of a final report.
fn reported(stdout: &str) -> Tally {
    let count = |suffix: &str| {
        stdout
            .lines()
            .find(|line| line.ends_with(suffix))
            .map_or(0, |line| {
                line.split_whitespace().next().unwrap().parse().unwrap()
            })
    };
    Tally {
        ok: count(" downloaded."),
        not_found: count(" not found."),
        error: count(" errors.").max(count(" error.")),
    }
}

/// What the plan says a client with this timeout and retries must count.
fn truth(plan: &Plan, codes: &[Code], timeout: Duration, retries: u32) -> (Tally, Vec<Code>) {
    let outcomes: Vec<DownloadStatus> = codes
        .iter()
        .map(|&cc| plan.outcome(cc, timeout, retries))
        .collect();
    let ok = codes
        .iter()
        .zip(&outcomes)
        .filter(|(_, status)| **status == DownloadStatus::Ok)
        .map(|(&cc, _)| cc)
        .collect();
    (outcomes.into_iter().collect(), ok)
}

fn assert_saved_exactly(server: &TestServer, dest: &Path, ok: &[Code]) {
    let problems = folder_problems(dest, &expected_files(server.plan(), ok));
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn local_every_finds_194_flags_and_482_not_found() {
    for bin in BINS {
        let server = TestServer::start_blocking(Plan::preset(Preset::Local));
        let dest = tempfile::tempdir().unwrap();
        let run = run(bin, &server, dest.path(), &["-e", "-m", "50"]);
        assert_eq!(run.code, Some(0), "{}: {}", name(bin), run.stderr);
        assert_eq!(
            reported(&run.stdout),
            Tally {
                ok: 194,
                not_found: 482,
                error: 0
            },
            "{}",
            name(bin)
        );
        assert!(
            run.stdout
                .contains("Searching for 676 flags: from AA to ZZ\n")
        );
        assert_saved_exactly(&server, dest.path(), &flags_common::all());
        let counts = server.requests_per_path();
        assert_eq!(counts.len(), 676);
        assert!(
            counts.values().all(|&n| n == 1),
            "{}: a flag asked twice",
            name(bin)
        );
    }
}

#[test]
fn error_preset_counts_equal_the_seeded_ground_truth() {
    let plan = Plan::preset(Preset::Error)
        .seed(42)
        .delay(ms(5))
        .jitter(ms(10));
    let all = flags_common::all();
    let (expected, ok) = truth(&plan, &all, ms(3100), 0);
    assert_eq!(
        expected,
        Tally {
            ok: 145,
            not_found: 0,
            error: 49
        }
    );
    for bin in BINS {
        let server = TestServer::start_blocking(plan.clone());
        let dest = tempfile::tempdir().unwrap();
        let run = run(bin, &server, dest.path(), &["-a", "-m", "20"]);
        assert_eq!(
            reported(&run.stdout),
            expected,
            "{}: {}",
            name(bin),
            run.stdout
        );
        assert_saved_exactly(&server, dest.path(), &ok);
    }
}

#[test]
fn peak_in_flight_is_the_least_of_max_req_the_cap_and_the_codes() {
    // (binary, arguments, expected peak)
    let cases = [
        (BINS[0], vec!["-m", "7"], 1),
        (BINS[1], vec!["-m", "7"], 7),
        (BINS[2], vec!["-m", "7"], 7),
        (BINS[1], vec![], 20),
        (BINS[2], vec![], 5),
        (BINS[1], vec!["-a", "-m", "2000"], 194),
        (BINS[2], vec!["-a", "-m", "2000"], 194),
    ];
    for (bin, mut args, peak) in cases {
        // The server holds its answers until `peak` are in flight, so a
        // client slow to start on a busy machine still shows its limit; a
        // long client timeout, so that the wait is never an error.
        let codes = if args.contains(&"-a") {
            flags_common::all()
        } else {
            flags_common::pop20()
        };
        let plan = Plan::preset(Preset::Local).delay(ms(60));
        let server = SpawnedServer::recording(plan, Some(Gate::for_limit(peak, &codes))).unwrap();
        let dest = tempfile::tempdir().unwrap();
        args.extend(["--timeout", "120"]);
        let run = run_at(bin, server.base_url(), dest.path(), &args);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(server.peak_in_flight(), peak, "{} {args:?}", name(bin));
        let line = if peak == 1 {
            "1 connection will be used.".to_owned()
        } else {
            format!("{peak} concurrent connections will be used.")
        };
        assert!(run.stdout.contains(&line), "{}", run.stdout);
    }
}

#[test]
fn stalled_requests_count_as_errors_within_the_timeout() {
    let plan = Plan::preset(Preset::Local)
        .delay(ms(10))
        .stall_rate(0.05)
        .stall(Duration::from_secs(20));
    let all = flags_common::all();
    let timeout = ms(400);
    let (expected, ok) = truth(&plan, &all, timeout, 0);
    assert_eq!(expected.error, 10);
    for bin in BINS {
        let server = TestServer::start_blocking(plan.clone());
        let dest = tempfile::tempdir().unwrap();
        let run = run(
            bin,
            &server,
            dest.path(),
            &["-a", "-m", "20", "--timeout", "0.4", "-v"],
        );
        assert_eq!(reported(&run.stdout), expected, "{}", name(bin));
        assert_eq!(
            run.stdout.matches(" error: timed out (").count(),
            10,
            "{}",
            run.stdout
        );
        assert_saved_exactly(&server, dest.path(), &ok);
    }
}

#[test]
fn retries_turn_transient_failures_into_successes() {
    let plan = Plan::preset(Preset::Local).delay(ms(5)).transient_rate(0.2);
    let all = flags_common::all();
    let transient: Vec<Code> = all
        .iter()
        .copied()
        .filter(|&cc| plan.fault(cc) == Some(mock_server::Fault::Transient))
        .collect();
    assert_eq!(transient.len(), 39);
    for bin in BINS {
        let server = TestServer::start_blocking(plan.clone());
        let dest = tempfile::tempdir().unwrap();
        let without = run(bin, &server, dest.path(), &["-a", "-m", "20"]);
        assert_eq!(
            reported(&without.stdout),
            Tally {
                ok: 155,
                not_found: 0,
                error: 39
            },
            "{}",
            name(bin)
        );

        // The server remembers the first attempts: start afresh.
        let server = TestServer::start_blocking(plan.clone());
        let dest = tempfile::tempdir().unwrap();
        let with = run(
            bin,
            &server,
            dest.path(),
            &["-a", "-m", "20", "--retries", "2", "-v"],
        );
        assert_eq!(
            reported(&with.stdout),
            Tally {
                ok: 194,
                not_found: 0,
                error: 0
            },
            "{}",
            name(bin)
        );
        assert_eq!(
            with.stdout.matches(" retry 1/2 in ").count(),
            39,
            "{}",
            with.stdout
        );
        assert!(
            with.stdout
                .contains(": HTTP error 503 - Service Unavailable\n")
        );
        let counts = server.requests_per_path();
        for cc in &all {
            let asked = counts[&flags_common::flag_url("/flags", *cc)];
            assert_eq!(asked, if transient.contains(cc) { 2 } else { 1 }, "{cc}");
        }
        assert_saved_exactly(&server, dest.path(), &all);
    }
}

#[test]
fn usage_errors_give_the_books_message_and_exit_2() {
    let cases: [(&[&str], &str); 7] = [
        (&["-m", "0"], "--max_req CONCURRENT must be >= 1"),
        (&["--max_req", "-5"], "--max_req CONCURRENT must be >= 1"),
        (&["-l", "0"], "--limit N must be >= 1"),
        (
            &["-s", "nginx"],
            "--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE",
        ),
        (&["CNN"], "each CC argument must be A to Z or AA to ZZ."),
        (&["B", "1"], "each CC argument must be A to Z or AA to ZZ."),
        (&["--timeout", "0"], "--timeout SECS must be > 0"),
    ];
    for bin in BINS {
        for (args, message) in cases {
            let out = Command::new(bin).args(args).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{} {args:?}", name(bin));
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert!(
                stderr.starts_with(&format!("*** Usage error: {message}")),
                "{} {args:?}: {stderr}",
                name(bin)
            );
            assert!(
                stderr.contains(&format!("Usage: {}", name(bin))),
                "{stderr}"
            );
            assert!(out.stdout.is_empty(), "nothing downloaded");
        }
    }
}

#[test]
fn names_save_each_file_after_its_country() {
    for bin in BINS {
        let server = TestServer::start_blocking(Plan::preset(Preset::Local));
        let dest = tempfile::tempdir().unwrap();
        let run = run(
            bin,
            &server,
            dest.path(),
            &["--names", "CD", "CG", "BD", "ZZ"],
        );
        assert_eq!(
            reported(&run.stdout),
            Tally {
                ok: 3,
                not_found: 1,
                error: 0
            },
            "{}",
            name(bin)
        );
        let gif = |cc: &str| {
            server
                .plan()
                .flag_set()
                .get(Code::parse(cc).unwrap())
                .unwrap()
                .gif
                .clone()
        };
        let expected: BTreeMap<String, bytes::Bytes> = [
            ("Congo_(Kinshasa).gif".to_owned(), gif("CD")),
            ("Congo_(Brazzaville).gif".to_owned(), gif("CG")),
            ("Bangladesh.gif".to_owned(), gif("BD")),
        ]
        .into();
        assert!(
            folder_problems(dest.path(), &expected).is_empty(),
            "{:?}",
            folder_problems(dest.path(), &expected)
        );
        assert_eq!(server.requests_per_path()["/flags/cd/metadata.json"], 1);
    }
}

#[test]
fn when_nothing_answers_the_report_ends_with_how_to_start_a_server() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/flags");
    for bin in BINS {
        let dest = tempfile::tempdir().unwrap();
        let out = Command::new(bin)
            .args(["-s", &url, "--dest"])
            .arg(dest.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            reported(&stdout),
            Tally {
                ok: 0,
                not_found: 0,
                error: 20
            },
            "{stdout}"
        );
        let last = stdout.lines().last().unwrap();
        assert!(
            last.starts_with(&format!("could not reach {url}: start the test servers")),
            "{last}"
        );
    }
}

#[test]
fn ctrl_c_prints_the_partial_report_exits_130_and_leaves_no_partial_file() {
    for (bin, m) in [(BINS[0], "1"), (BINS[1], "4"), (BINS[2], "4")] {
        let server = TestServer::start_blocking(Plan::preset(Preset::Local).delay(ms(100)));
        let dest = tempfile::tempdir().unwrap();
        let mut child = Command::new(bin)
            .args(["-s", &server.base_url(), "-a", "-v", "-m", m, "--dest"])
            .arg(dest.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        // Wait for a few flags to land, then press Ctrl-C.
        while seen.matches(" OK\n").count() < 6 {
            assert_ne!(
                stdout.read_line(&mut seen).unwrap(),
                0,
                "ended early: {seen}"
            );
        }
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        stdout.read_to_string(&mut seen).unwrap();
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(status.code(), Some(130), "{}: {stderr}", name(bin));
        assert!(stderr.contains("Interrupted (Ctrl-C): "), "{stderr}");

        let landed: Vec<Code> = seen
            .lines()
            .filter_map(|l| l.strip_suffix(" OK"))
            .map(|cc| Code::parse(cc).unwrap())
            .collect();
        let report = reported(&seen);
        assert_eq!(report.ok, landed.len(), "{}: {seen}", name(bin));
        assert!(report.total() < 194, "stopped early");
        assert!(seen.contains("Elapsed time: "), "{seen}");
        assert_saved_exactly(&server, dest.path(), &landed);
    }
}
