//! flags-asyncio against a hostile server: every fault stops the run with a
//! message that says what happened, exit status 1, and nothing partial on
//! disk, though all twenty requests are in flight when it strikes; a closed
//! stdout and SIGTERM end it cleanly too.

use flags_common::testing::{
    Fault, Hostile, chapter1_command, chapter1_meets, folder_problems, run_with_stdout_closed,
    terminate_after_faults,
};

const BIN: &str = env!("CARGO_BIN_EXE_flags-asyncio");

fn check(fault: Fault) {
    chapter1_meets(BIN, fault);
}

flags_common::fault_tests!(check);

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let server = Hostile::new(Fault::None).start();
    let dest = tempfile::tempdir().unwrap();
    let ran = run_with_stdout_closed(&mut chapter1_command(BIN, &server, dest.path()));
    assert_eq!(ran.code, Some(141), "{}", ran.stderr);
    assert_eq!(ran.stderr, "", "quietly");
    assert!(folder_problems(dest.path()).is_empty());
}

#[test]
fn sigterm_ends_every_request_in_flight() {
    let server = Hostile::new(Fault::Stall).after(2).start();
    let dest = tempfile::tempdir().unwrap();
    let ran = terminate_after_faults(
        chapter1_command(BIN, &server, dest.path()).args(["--timeout", "3600"]),
        &server,
        18,
    );
    assert_eq!(ran.code, Some(143), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("Terminated (SIGTERM): "),
        "{}",
        ran.stderr
    );
    assert!(folder_problems(dest.path()).is_empty());
}
