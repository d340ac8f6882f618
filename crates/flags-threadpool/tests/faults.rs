//! Both thread-pool binaries against a hostile server: every fault stops
//! the run with a message that says what happened, exit status 1, and
//! nothing partial on disk, though twenty (or three) requests are in flight
//! when it strikes; a closed stdout and SIGTERM end them cleanly too.

use flags_common::testing::{
    Fault, Hostile, chapter1_command, chapter1_meets, folder_problems, run_with_stdout_closed,
    terminate_after_faults,
};

const MAP: &str = env!("CARGO_BIN_EXE_flags-threadpool");
const FUTURES: &str = env!("CARGO_BIN_EXE_flags-threadpool-futures");

mod map {
    fn check(fault: super::Fault) {
        super::chapter1_meets(super::MAP, fault);
    }
    flags_common::fault_tests!(check);
}

mod futures {
    fn check(fault: super::Fault) {
        super::chapter1_meets(super::FUTURES, fault);
    }
    flags_common::fault_tests!(check);
}

#[test]
fn a_closed_stdout_ends_either_run_quietly() {
    for bin in [MAP, FUTURES] {
        let server = Hostile::new(Fault::None).start();
        let dest = tempfile::tempdir().unwrap();
        let ran = run_with_stdout_closed(&mut chapter1_command(bin, &server, dest.path()));
        assert_eq!(ran.code, Some(141), "{bin}: {}", ran.stderr);
        assert_eq!(ran.stderr, "", "{bin}: quietly");
        assert!(folder_problems(dest.path()).is_empty(), "{bin}");
    }
    // The futures binary prints `Scheduled for BR` before any flag lands:
    // it stops there, before a single request.
    let server = Hostile::new(Fault::None).start();
    let dest = tempfile::tempdir().unwrap();
    run_with_stdout_closed(&mut chapter1_command(FUTURES, &server, dest.path()));
    assert_eq!(server.requests(), 0);
}

#[test]
fn sigterm_ends_every_request_in_flight() {
    for bin in [MAP, FUTURES] {
        let server = Hostile::new(Fault::Stall).after(2).start();
        let dest = tempfile::tempdir().unwrap();
        // Every worker busy: the first two flags served, the others stalled.
        let busy = if bin == MAP { 18 } else { 1 };
        let ran = terminate_after_faults(
            chapter1_command(bin, &server, dest.path()).args(["--timeout", "3600"]),
            &server,
            busy,
        );
        assert_eq!(ran.code, Some(143), "{bin}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("Terminated (SIGTERM): "),
            "{}",
            ran.stderr
        );
        assert!(folder_problems(dest.path()).is_empty(), "{bin}");
    }
}
