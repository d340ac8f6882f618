//! `versus-python` against a stand-in book: small scripts on Python's
//! standard library (`tests/fixtures/standin-book/`) with the book's file
//! names, command line and reports, so that no test needs httpx.
//!
//! Ports: the book's flags2 scripts call fixed ports (8000 to 8002), which
//! the driver learns from their `flags2_common.py`. Each test copies the
//! stand-in into a temporary folder and writes free ports into its copy's
//! `SERVERS` table, so tests run in parallel, beside a `just serve` or a
//! real measurement on 8000 to 8002, and the driver still drives the
//! scripts exactly as it drives the book's. (A port taken between the
//! moment it was found free and the driver's bind fails the run with the
//! driver's message, never silently.)
//!
//! Tests with Python skip, saying so, when no `python3` is installed. None
//! asserts a time: only counts, marks, files and messages.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use benches::versus::{self, Case, Row, Run, Script};
use flags_common::testing::{Ran, run_guarded};
use flags_common::{Code, DownloadStatus};
use mock_server::SpawnedServer;

const STANDIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/standin-book");

/// Whether `python3` runs; if not, says why the test is skipped.
fn have_python(test: &str) -> bool {
    let runs = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !runs {
        eprintln!("skipped {test}: no python3 on PATH (install Python 3 to run it)");
    }
    runs
}

/// Three loopback ports free at this moment.
fn free_ports() -> [u16; 3] {
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free loopback port"))
        .collect();
    let port = |i: usize| listeners[i].local_addr().unwrap().port();
    [port(0), port(1), port(2)]
}

/// A copy of the stand-in book whose LOCAL, DELAY and ERROR servers are on
/// `ports`; returns the temporary folder (the book's root).
fn standin_book(ports: [u16; 3]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let from = Path::new(STANDIN).join(versus::SECOND_EDITION);
    let to = root.path().join(versus::SECOND_EDITION);
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (book, port) in [8000, 8001, 8002].iter().zip(ports) {
            text = text.replace(&format!("localhost:{book}/"), &format!("localhost:{port}/"));
        }
        std::fs::write(to.join(path.file_name().unwrap()), text).unwrap();
    }
    root
}

/// Runs the driver with `args` (and `STANDIN_FAULT=fault` if given).
fn driver(args: &[&str], fault: Option<&str>) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_versus-python"));
    command.args(args).env_remove("STANDIN_FAULT");
    if let Some(fault) = fault {
        command.env("STANDIN_FAULT", fault);
    }
    run_guarded(&mut command)
}

/// One run of each case (with `args`) of a fresh stand-in book, and the
/// folder it wrote its table and chart in.
fn one_run_of_the_standin(args: &[&str], fault: Option<&str>) -> (Ran, tempfile::TempDir) {
    let book = standin_book(free_ports());
    let out = tempfile::tempdir().unwrap();
    let (book_dir, out_dir) = (book.path().to_str().unwrap(), out.path().to_str().unwrap());
    let mut all = vec!["--book", book_dir, "--runs", "1", "--out", out_dir];
    all.extend(args);
    (driver(&all, fault), out)
}

/// The table's rows: scenario → its last cell, the marks.
fn marks(table: &str) -> Vec<(String, String)> {
    table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| scenario"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells[0].to_owned(), cells[cells.len() - 1].to_owned())
        })
        .collect()
}

#[test]
fn the_stand_in_book_runs_end_to_end_and_every_count_checks() {
    if !have_python("the_stand_in_book_runs_end_to_end_and_every_count_checks") {
        return;
    }
    let (ran, out) = one_run_of_the_standin(&[], None);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    let written = std::fs::read_to_string(out.path().join("versus-python.md")).unwrap();
    assert_eq!(
        written.trim(),
        ran.stdout.trim(),
        "it prints what it writes"
    );
    // Every case, each side's counts and files right.
    let names: Vec<String> = versus::cases(6).into_iter().map(|c| c.name).collect();
    let rows = marks(&written);
    assert_eq!(
        rows.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        names
    );
    for (name, mark) in &rows {
        assert_eq!(mark, "✓ / ✓", "{name}:\n{written}\n{}", ran.stderr);
    }
    assert!(
        written.contains("Python 3.") && written.contains("start-up"),
        "{written}"
    );
    // The chart: a bar for each side of each case.
    let svg = std::fs::read_to_string(out.path().join("versus-python.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert_eq!(svg.matches("<rect").count(), 1 + 2 * names.len(), "{svg}");
    assert!(!svg.contains('✗'), "{svg}");
}

#[test]
fn a_stand_in_that_misreports_is_flagged() {
    if !have_python("a_stand_in_that_misreports_is_flagged") {
        return;
    }
    for (fault, wrong) in [
        // One flag too many in each report: both report forms are checked.
        ("count", vec!["pop20 sequential", "errors A–D sequential"]),
        // A flag reported but not saved: the files are checked too.
        ("files", vec!["pop20 sequential"]),
    ] {
        let (ran, out) = one_run_of_the_standin(&["--only", "sequential"], Some(fault));
        assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
        for (name, mark) in marks(&ran.stdout) {
            let expected = if wrong.contains(&name.as_str()) {
                "✗ / ✓"
            } else {
                "✓ / ✓"
            };
            assert_eq!(
                mark, expected,
                "STANDIN_FAULT={fault}, {name}:\n{}",
                ran.stdout
            );
        }
        let note = match fault {
            "count" => {
                "- ✗ pop20 sequential (Python, 1 of 1 runs): reported 21 downloaded, \
                        0 not found, 0 errors, the server's plan says 20 downloaded"
            }
            _ => "- ✗ pop20 sequential (Python, 1 of 1 runs): its files: missing vn.gif",
        };
        assert!(ran.stdout.contains(note), "{}", ran.stdout);
        let svg = std::fs::read_to_string(out.path().join("versus-python.svg")).unwrap();
        assert_eq!(svg.matches("✗ counts").count(), wrong.len(), "{svg}");
    }
}

/// The codes of the every676-errors plan by outcome, for a flags2 run.
fn codes_by_outcome(plan: &mock_server::Plan, status: DownloadStatus) -> Vec<Code> {
    Code::every()
        .filter(|&cc| plan.outcome(cc, std::time::Duration::from_millis(3100), 0) == status)
        .collect()
}

#[test]
fn each_report_form_the_stand_in_prints_is_read() {
    if !have_python("each_report_form_the_stand_in_prints_is_read") {
        return;
    }
    let plan = benches::every676_errors().plan;
    let server = SpawnedServer::start(plan.clone(), 2).unwrap();
    let port = server.base_url().rsplit(':').next().unwrap();
    let port: u16 = port.trim_end_matches("/flags").parse().unwrap();
    let book = standin_book([port, port, port]);
    let dir = book.path().join(versus::SECOND_EDITION);
    let [ok, missing, error] = [
        DownloadStatus::Ok,
        DownloadStatus::NotFound,
        DownloadStatus::Error,
    ]
    .map(|status| codes_by_outcome(&plan, status));
    // Singular forms, then plural ones, then a report with no errors.
    let runs: [Vec<Code>; 3] = [
        vec![ok[0], missing[0], error[0]],
        [&ok[..3], &missing[..2], &error[..2]].concat(),
        ok[..4].to_vec(),
    ];
    for codes in runs {
        let case = Case {
            name: "form".into(),
            label: "ERROR",
            python: Script::Flags2("flags2_sequential"),
            rust: "flags2-sequential",
            args: Vec::new(),
            codes: codes.clone(),
            timeout: std::time::Duration::from_millis(3100),
            workers: (1, 1),
        };
        let work = tempfile::tempdir().unwrap();
        let ran = run_guarded(
            Command::new("python3")
                .arg(dir.join("flags2_sequential.py"))
                .args(["-s", "ERROR"])
                .args(codes.iter().map(Code::as_str))
                .current_dir(work.path()),
        );
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        let got = flags_common::flags2_counts(&ran.stdout).expect(&ran.stdout);
        assert_eq!(got, versus::truth(&case, &plan), "{}", ran.stdout);
        let dest = work.path().join("downloaded");
        assert_eq!(versus::check_run(&case, &plan, &ran.stdout, &dest), Ok(()));
    }
    // The chapter-1 closing line: `20 downloads in 1.05s`.
    let work = tempfile::tempdir().unwrap();
    let ran = run_guarded(
        Command::new("python3")
            .arg("-c")
            .arg(
                "import sys; sys.path.insert(0, sys.argv[1]); import flags; \
                 flags.BASE_URL = sys.argv[2]; flags.main(lambda codes: len(codes))",
            )
            .arg(&dir)
            .arg(server.base_url())
            .current_dir(work.path()),
    );
    assert_eq!(
        flags_common::chapter1_count(&ran.stdout),
        Some(20),
        "{ran:?}"
    );
}

#[test]
fn bad_inputs_say_what_to_do() {
    let nowhere = tempfile::tempdir().unwrap();
    let missing = nowhere.path().join("no-such-clone");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--book".into(), missing.display().to_string()],
            "no such folder; give the path of your clone of",
        ),
        (
            vec!["--book".into(), nowhere.path().display().to_string()],
            "found no flags.py and flags2_common.py in 20-executors/getflags (2nd edition)",
        ),
        (
            vec![
                "--book".into(),
                STANDIN.into(),
                "--python".into(),
                missing.display().to_string(),
            ],
            "install Python 3, or give its path with --python",
        ),
    ];
    for (args, message) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ran = driver(&args, None);
        assert_eq!(ran.code, Some(1), "{args:?}: {ran:?}");
        assert!(ran.stderr.contains(message), "{args:?}: {}", ran.stderr);
    }
    if !have_python("bad_inputs_say_what_to_do (the Python checks)") {
        return;
    }
    // A script that imports what is not installed: what to install.
    let book = standin_book(free_ports());
    let flags = book.path().join(versus::SECOND_EDITION).join("flags.py");
    let text = std::fs::read_to_string(&flags).unwrap();
    std::fs::write(&flags, format!("import no_such_module_here\n{text}")).unwrap();
    let root = book.path().to_str().unwrap();
    let ran = driver(&["--book", root], None);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .contains("install with:\n    python3 -m pip install no_such_module_here"),
        "{}",
        ran.stderr
    );
    // A case name that matches nothing: the names.
    let ran = driver(&["--book", STANDIN, "--only", "quantum"], None);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("the cases are: pop20 sequential,"),
        "{}",
        ran.stderr
    );
    // A port the scripts need, taken: which, and why it must be free.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let [local, _, error] = free_ports();
    let book = standin_book([local, port, error]);
    let ran = driver(&["--book", book.path().to_str().unwrap()], None);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let why = format!("cannot serve the DELAY scenario on 127.0.0.1:{port}");
    assert!(ran.stderr.contains(&why), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("so that port must be free"),
        "{}",
        ran.stderr
    );
}

fn runs(secs: &[f64], wrong: Option<&str>) -> Vec<Run> {
    secs.iter()
        .map(|&secs| Run {
            secs,
            check: wrong.map_or(Ok(()), |w| Err(w.to_owned())),
        })
        .collect()
}

#[test]
fn the_table_puts_both_sides_their_ideals_and_checks_in_one_row() {
    let mut cases = versus::cases(6).into_iter();
    let (seq, pool) = (cases.next().unwrap(), cases.next().unwrap());
    let ms = std::time::Duration::from_millis;
    let rows = [
        Row {
            case: seq,
            ideal: (ms(1000), ms(1000)),
            python: runs(&[2.5, 2.0, 9.0], None),
            rust: runs(&[1.0, 1.25], None),
        },
        Row {
            case: pool,
            ideal: (ms(200), ms(50)),
            python: runs(&[0.4], Some("reported 21 downloaded")),
            rust: runs(&[0.1], None),
        },
    ];
    let table = versus::render_table(&rows, &["Machine: test".to_owned()]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "Machine: test");
    assert!(lines[2].starts_with("| scenario | Python median | Rust median | ideal |"));
    // Medians (odd and even counts), efficiencies, the ratio, the marks.
    assert_eq!(
        lines[4],
        "| pop20 sequential | 2.500 s | 1.125 s | 1.000 s | 0.40 | 0.89 | 2.2× | ✓ / ✓ |"
    );
    // Ideals that differ are both shown, each side's efficiency its own.
    assert_eq!(
        lines[5],
        "| pop20 thread pool | 400.0 ms | 100.0 ms | 200.0 ms / 50.0 ms | 0.50 | 0.50 | 4.0× | ✗ / ✓ |"
    );
    assert!(
        table.ends_with("- ✗ pop20 thread pool (Python, 1 of 1 runs): reported 21 downloaded\n"),
        "{table}"
    );
}

#[test]
fn the_driver_runs_each_rust_port_by_name() {
    // The Rust side is this same program, told which port to be.
    let mut command = Command::new(env!("CARGO_BIN_EXE_versus-python"));
    let ran = run_guarded(
        command
            .env(versus::RUST_PORT_ENV, "flags2-threadpool")
            .arg("--help"),
    );
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stdout.contains("--max_req"), "{}", ran.stdout);
    let ran = run_guarded(command.env(versus::RUST_PORT_ENV, "flags-nothing"));
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("no such Rust port"), "{}", ran.stderr);
}
