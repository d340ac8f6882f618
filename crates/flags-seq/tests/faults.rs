//! flags-seq against a hostile server: every fault stops the run at the
//! first flag with a message that says what happened, exit status 1, and
//! nothing partial on disk; a closed stdout, SIGTERM and a `--dest` that
//! cannot take files end it cleanly too.

use std::process::Command;

use flags_common::testing::{
    Fault, Hostile, chapter1_command, chapter1_meets, folder_problems, run_guarded,
    run_with_stdout_closed, saved_codes, terminate_after_faults,
};

const BIN: &str = env!("CARGO_BIN_EXE_flags-seq");

fn check(fault: Fault) {
    chapter1_meets(BIN, fault);
}

flags_common::fault_tests!(check);

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    // The first flag lands, its code cannot be shown: the run stops there.
    let server = Hostile::new(Fault::None).start();
    let dest = tempfile::tempdir().unwrap();
    let ran = run_with_stdout_closed(&mut chapter1_command(BIN, &server, dest.path()));
    assert_eq!(ran.code, Some(141), "{}", ran.stderr);
    assert_eq!(ran.stderr, "", "quietly");
    assert_eq!(server.requests(), 1, "no flag after the one not shown");
    assert!(folder_problems(dest.path()).is_empty());
}

#[test]
fn sigterm_ends_a_request_in_flight_and_leaves_whole_flags_only() {
    // Two flags, then every answer stalls; the timeout is an hour: only the
    // signal can end the run.
    let server = Hostile::new(Fault::Stall).after(2).start();
    let dest = tempfile::tempdir().unwrap();
    let ran = terminate_after_faults(
        chapter1_command(BIN, &server, dest.path()).args(["--timeout", "3600"]),
        &server,
        1,
    );
    assert_eq!(ran.code, Some(143), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("Terminated (SIGTERM): "),
        "{}",
        ran.stderr
    );
    assert_eq!(saved_codes(dest.path()), ["BD", "BR"]);
    assert!(folder_problems(dest.path()).is_empty());
    assert_eq!(server.requests(), 3, "nothing asked after the stop");
}

#[test]
fn a_dest_that_is_a_file_fails_before_any_request() {
    let server = Hostile::new(Fault::None).start();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("flags");
    std::fs::write(&file, b"not a folder").unwrap();
    let ran = run_guarded(&mut chapter1_command(BIN, &server, &file));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.starts_with("error: cannot save flags in "),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("flags: a file is in the way"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("--dest DIR"), "{}", ran.stderr);
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_bad_server_url_says_what_is_wrong_with_it() {
    let out = Command::new(BIN)
        .args(["--server", "http://127.0.0.1:99999/flags"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("is not a usable URL: invalid port number"),
        "{stderr}"
    );
}

#[test]
fn a_query_in_the_base_url_stays_at_the_end() {
    let server = Hostile::new(Fault::None).start();
    let dest = tempfile::tempdir().unwrap();
    let ran = run_guarded(
        Command::new(BIN)
            .args([
                "--server",
                &format!("{}?key=k1", server.base_url()),
                "--dest",
            ])
            .arg(dest.path()),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        server.paths().iter().all(|p| p.ends_with(".gif?key=k1")),
        "{:?}",
        server.paths()
    );
    assert_eq!(saved_codes(dest.path()).len(), 20);
}
