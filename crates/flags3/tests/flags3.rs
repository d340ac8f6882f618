//! `flags3-asyncio` run as a process against the in-process test server:
//! the files named after their countries, the order of the two requests
//! per code as the server saw it, the one semaphore over both, and each
//! flag's own outcome counted.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use flags_common::testing::{Ran, run_guarded};
use flags_common::{Code, DownloadStatus, Tally, flag_url};
use mock_server::{
    Gate, Observation, Plan, Preset, SpawnedServer, TestServer, folder_problems, requests_per_path,
};

const BIN: &str = env!("CARGO_BIN_EXE_flags3-asyncio");

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn cc(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn metadata_path(cc: Code) -> String {
    format!("/flags/{}/metadata.json", cc.lower())
}

/// Runs the binary against `base_url`, saving into `dest`; it must exit 0.
fn run(base_url: &str, dest: &Path, args: &[&str]) -> Ran {
    let ran = run_guarded(
        Command::new(BIN)
            .args(["-s", base_url, "--dest"])
            .arg(dest)
            .args(args),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    ran
}

/// The counts of the final report.
fn reported(stdout: &str) -> Tally {
    let count = |suffixes: &[&str]| {
        stdout
            .lines()
            .find(|line| suffixes.iter().any(|s| line.ends_with(s)))
            .map_or(0, |line| {
                line.split_whitespace().next().unwrap().parse().unwrap()
            })
    };
    Tally {
        ok: count(&[" downloaded."]),
        not_found: count(&[" not found."]),
        error: count(&[" errors.", " error."]),
    }
}

/// What the plan says the client must count for `codes`, and the files it
/// must save: each OK flag under its country's name, spaces as underscores.
fn truth(plan: &Plan, codes: &[Code]) -> (Tally, BTreeMap<String, Bytes>) {
    let outcome = |cc| plan.outcome(cc, ms(3100), 0);
    let files = codes
        .iter()
        .filter(|&&cc| outcome(cc) == DownloadStatus::Ok)
        .map(|&cc| {
            let flag = plan.flag_set().get(cc).unwrap();
            let meta: serde_json::Value = serde_json::from_slice(&flag.metadata).unwrap();
            let name = meta["country"].as_str().unwrap().replace(' ', "_");
            (format!("{name}.gif"), flag.gif.clone())
        })
        .collect();
    (codes.iter().map(|&cc| outcome(cc)).collect(), files)
}

#[test]
fn each_flag_is_saved_under_its_countrys_name() {
    let server = TestServer::start_blocking(Plan::preset(Preset::Local));
    let dest = tempfile::tempdir().unwrap();
    let args = ["CD", "CG", "BD", "CI", "KP", "ZZ"];
    let ran = run(&server.base_url(), dest.path(), &args);
    let (tally, files) = truth(server.plan(), &args.map(cc));
    assert_eq!(
        tally,
        Tally {
            ok: 5,
            not_found: 1,
            error: 0
        }
    );
    assert_eq!(reported(&ran.stdout), tally);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        [
            "Bangladesh.gif",
            "Congo_(Brazzaville).gif",
            "Congo_(Kinshasa).gif",
            "Côte_d'Ivoire.gif",
            "Korea,_North.gif"
        ]
    );
    let problems = folder_problems(dest.path(), &files);
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn the_name_is_asked_before_the_flag_and_each_once() {
    // A server that records when each answer really left.
    let plan = Plan::preset(Preset::Local).delay(ms(10)).jitter(ms(20));
    let server = SpawnedServer::recording(plan, None).unwrap();
    let dest = tempfile::tempdir().unwrap();
    run(server.base_url(), dest.path(), &["-m", "8", "B", "C"]);
    let seen = server.observations();
    let find =
        |path: &str| -> Vec<&Observation> { seen.iter().filter(|o| o.path == path).collect() };
    let counts = requests_per_path(&seen);
    let codes =
        flags_common::expand_cc_args(false, false, &["B".into(), "C".into()], None).unwrap();
    assert_eq!(codes.len(), 52);
    for cc in codes {
        let has_flag = server.plan().flag_set().contains(cc);
        assert_eq!(counts.get(&metadata_path(cc)), Some(&1), "{cc}");
        // No name, no flag: a code without one costs a single request.
        let flag = flag_url("/flags", cc);
        assert_eq!(
            counts.get(&flag).copied().unwrap_or(0),
            usize::from(has_flag),
            "{cc}"
        );
        if has_flag {
            let (meta, gif) = (find(&metadata_path(cc))[0], find(&flag)[0]);
            assert!(
                meta.end() <= gif.arrival,
                "{cc}: the flag was asked at {:?}, before the name's answer left at {:?}",
                gif.arrival,
                meta.end()
            );
        }
    }
}

#[test]
fn one_semaphore_holds_both_kinds_of_request() {
    // The server holds its answers until 4 requests are in flight, so the
    // limit shows however slowly the client starts.
    let codes = flags_common::pop20();
    let plan = Plan::preset(Preset::Local).delay(ms(30));
    let server = SpawnedServer::recording(plan, Some(Gate::for_limit(4, &codes))).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let ran = run(
        server.base_url(),
        dest.path(),
        &["-m", "4", "--timeout", "120"],
    );
    assert!(
        ran.stdout
            .contains("4 concurrent connections will be used.")
    );
    assert_eq!(server.peak_in_flight(), 4);
    assert_eq!(server.observations().len(), 40, "a name and a flag each");
}

#[test]
fn each_flags_own_outcome_is_counted_not_the_books_last_error() {
    // A quarter of the flags answer 418: the book's supervisor would count
    // every flag after the first of them as an error too.
    let plan = Plan::preset(Preset::Error)
        .seed(42)
        .delay(ms(5))
        .jitter(ms(10));
    let server = TestServer::start_blocking(plan);
    let dest = tempfile::tempdir().unwrap();
    let ran = run(&server.base_url(), dest.path(), &["-a", "-m", "20", "-v"]);
    let (tally, files) = truth(server.plan(), &flags_common::all());
    assert_eq!(
        tally,
        Tally {
            ok: 145,
            not_found: 0,
            error: 49
        }
    );
    assert_eq!(reported(&ran.stdout), tally);
    assert_eq!(
        ran.stdout
            .matches(" error: HTTP error 418 - I'm a Teapot")
            .count(),
        49
    );
    let problems = folder_problems(dest.path(), &files);
    assert!(problems.is_empty(), "{problems:?}");
}
