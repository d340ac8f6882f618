//! Every strategy finds the same primes among the book's 20 numbers, in
//! submission order; bad worker executables are errors, not hangs.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::Command;

use primes::{Check, NUMBERS, ProcessError, Run};

/// The primes among `NUMBERS`, from the book's `PRIME_FIXTURE`.
const PRIMES: [u64; 9] = [
    2,
    142_702_110_479_723,
    299_593_572_317_531,
    3_333_333_333_333_301,
    4_444_444_444_444_423,
    5_555_555_555_555_503,
    6_666_666_666_666_719,
    7_777_777_777_777_753,
    9_999_999_999_999_917,
];

const WORKER: &str = env!("CARGO_BIN_EXE_primes");

fn workers(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

/// The pool versions submit largest first, as proc_pool.py does.
fn descending() -> Vec<u64> {
    let mut numbers = NUMBERS.to_vec();
    numbers.sort_unstable_by(|a, b| b.cmp(a));
    numbers
}

/// Checks a run of `submitted`: one check per number, in submission order,
/// handed to the callback in that same order, and exactly the primes found.
fn assert_finds_the_primes(submitted: &[u64], run: &Run, shown: &[Check]) {
    let checked: Vec<u64> = run.checks.iter().map(|check| check.n).collect();
    assert_eq!(checked, submitted);
    assert_eq!(shown, run.checks);
    let mut found: Vec<u64> = run.checks.iter().filter(|c| c.prime).map(|c| c.n).collect();
    found.sort_unstable();
    assert_eq!(found, PRIMES);
}

#[test]
fn sequential_finds_the_primes_in_list_order() {
    let mut shown = Vec::new();
    let run = primes::sequential(&NUMBERS, |check| shown.push(*check));
    assert_finds_the_primes(&NUMBERS, &run, &shown);
}

#[test]
fn one_thread_finds_the_primes_in_submission_order() {
    let numbers = descending();
    let mut shown = Vec::new();
    let run = primes::threads(&numbers, workers(1), |check| shown.push(*check)).unwrap();
    assert_finds_the_primes(&numbers, &run, &shown);
}

#[test]
fn two_threads_find_the_primes_in_submission_order() {
    let numbers = descending();
    let mut shown = Vec::new();
    let run = primes::threads(&numbers, workers(2), |check| shown.push(*check)).unwrap();
    assert_finds_the_primes(&numbers, &run, &shown);
}

#[test]
fn one_process_finds_the_primes_in_submission_order() {
    let numbers = descending();
    let mut shown = Vec::new();
    let run = primes::processes(&numbers, workers(1), Path::new(WORKER), |check| {
        shown.push(*check)
    })
    .unwrap();
    assert_finds_the_primes(&numbers, &run, &shown);
}

#[test]
fn two_processes_find_the_primes_in_submission_order() {
    let numbers = descending();
    let mut shown = Vec::new();
    let run = primes::processes(&numbers, workers(2), Path::new(WORKER), |check| {
        shown.push(*check)
    })
    .unwrap();
    assert_finds_the_primes(&numbers, &run, &shown);
}

#[test]
fn more_processes_than_numbers_is_fine() {
    let run = primes::processes(&[97, 2], workers(8), Path::new(WORKER), |_| {}).unwrap();
    let found: Vec<(u64, bool)> = run.checks.iter().map(|c| (c.n, c.prime)).collect();
    assert_eq!(found, [(97, true), (2, true)]);
}

#[test]
fn no_numbers_no_checks() {
    for run in [
        primes::sequential(&[], |_| {}),
        primes::threads(&[], workers(2), |_| {}).unwrap(),
        primes::processes(&[], workers(2), Path::new(WORKER), |_| {}).unwrap(),
    ] {
        assert!(run.checks.is_empty());
    }
}

/// Runs a few small numbers on two workers started from `exe`.
fn small_run(exe: &Path) -> Result<Run, ProcessError> {
    primes::processes(&[97, 12, 2, 9], workers(2), exe, |_| {})
}

#[test]
fn a_missing_worker_cannot_start() {
    let err = small_run(Path::new("/nonexistent/primes")).unwrap_err();
    assert!(matches!(err, ProcessError::Spawn { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/primes"), "{err}");
}

#[test]
fn a_worker_that_exits_is_an_error() {
    // `false` exits at once; `cat` rejects `--worker` and exits too.
    for exe in ["/bin/false", "/bin/cat"] {
        let err = small_run(Path::new(exe)).unwrap_err();
        assert!(matches!(err, ProcessError::Died { .. }), "{exe}: {err:?}");
        assert!(err.to_string().contains(exe), "{err}");
    }
}

/// Writes an executable shell script into the test's scratch directory.
///
/// A child process writes it, not this one: tests run on many threads, and
/// a file this process has open for writing can leak, for an instant, into
/// a child another test is starting; running the script then fails with
/// "Text file busy".
fn script(name: &str, body: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let status = Command::new("sh")
        .args(["-c", r#"printf '%s' "$1" > "$2" && chmod +x "$2""#, "sh"])
        .arg(body)
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    path
}

#[test]
fn a_worker_that_answers_garbage_is_an_error() {
    let exe = script(
        "garbage-worker.sh",
        "#!/bin/sh\nwhile read n; do echo \"$n maybe 12\"; done\n",
    );
    let err = small_run(&exe).unwrap_err();
    assert!(
        matches!(&err, ProcessError::Garbage { answer, .. } if answer.ends_with(" maybe 12")),
        "{err:?}"
    );
}

#[test]
fn a_worker_that_answers_for_another_number_is_an_error() {
    let exe = script(
        "wrong-number-worker.sh",
        "#!/bin/sh\nwhile read n; do echo \"7 true 12\"; done\n",
    );
    let err = small_run(&exe).unwrap_err();
    assert!(matches!(err, ProcessError::Garbage { .. }), "{err:?}");
}

#[test]
fn a_worker_that_talks_without_listening_is_stopped() {
    // `yes` never reads its stdin nor exits: it must be killed, not awaited.
    let exe = script("yes-worker.sh", "#!/bin/sh\nexec yes\n");
    let err = small_run(&exe).unwrap_err();
    assert!(matches!(err, ProcessError::Garbage { .. }), "{err:?}");
}

#[test]
fn two_processes_work_at_once() {
    // Each fake worker answers only once both hold a number, which proves
    // both are busy at the same time. Were the work handed out one number at
    // a time, each would give up after 5 s and answer `alone`: garbage.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rendezvous");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let body = format!(
        r#"#!/bin/sh
while read n; do
    touch "{dir}/$n"
    tries=0
    while [ "$(ls "{dir}" | wc -l)" -lt 2 ] && [ $tries -lt 100 ]; do
        sleep 0.05
        tries=$((tries + 1))
    done
    if [ $tries -lt 100 ]; then echo "$n true 0"; else echo alone; fi
done
"#,
        dir = dir.display()
    );
    let exe = script("rendezvous-worker.sh", &body);
    let run = primes::processes(&[97, 89], workers(2), &exe, |_| {}).unwrap();
    let checked: Vec<u64> = run.checks.iter().map(|check| check.n).collect();
    assert_eq!(checked, [97, 89]);
}
