//! The three flags2 binaries against a hostile server: every fault is
//! counted as an error that says what happened, and the run goes on; a
//! closed stdout, SIGTERM (during a request or a retry's backoff), a
//! `--dest` that cannot take files and a disk that fails mid-run each end
//! the run cleanly, with the right status and nothing partial on disk.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use flags_common::testing::{
    Fault, Hostile, Watched, flags2_command, flags2_meets, folder_problems, run_guarded,
    run_with_stdout_closed, saved_codes, send_signal, terminate_after_faults, wait_guarded,
};

const BINS: [&str; 3] = [
    env!("CARGO_BIN_EXE_flags2-sequential"),
    env!("CARGO_BIN_EXE_flags2-threadpool"),
    env!("CARGO_BIN_EXE_flags2-asyncio"),
];

mod sequential {
    fn check(fault: super::Fault) {
        super::flags2_meets(super::BINS[0], fault);
    }
    flags_common::fault_tests!(check);
}

mod threadpool {
    fn check(fault: super::Fault) {
        super::flags2_meets(super::BINS[1], fault);
    }
    flags_common::fault_tests!(check);
}

mod asyncio {
    fn check(fault: super::Fault) {
        super::flags2_meets(super::BINS[2], fault);
    }
    flags_common::fault_tests!(check);
}

fn name(bin: &str) -> &str {
    bin.rsplit('/').next().unwrap()
}

/// The count on the report's line that ends with `suffix` (0 if none).
fn count(stdout: &str, suffix: &str) -> usize {
    stdout
        .lines()
        .find(|line| line.ends_with(suffix))
        .map_or(0, |line| {
            line.split_whitespace().next().unwrap().parse().unwrap()
        })
}

#[test]
fn a_closed_stdout_ends_the_run_quietly_before_any_request() {
    for bin in BINS {
        let server = Hostile::new(Fault::None).start();
        let dest = tempfile::tempdir().unwrap();
        let ran = run_with_stdout_closed(flags2_command(bin, &server, dest.path()).arg("-a"));
        assert_eq!(ran.code, Some(141), "{}: {}", name(bin), ran.stderr);
        assert_eq!(ran.stderr, "", "{}: quietly", name(bin));
        assert_eq!(server.requests(), 0, "{}", name(bin));
    }
}

#[test]
fn a_stdout_closed_mid_run_ends_it_quietly() {
    // `flags2-threadpool -a -v | head -n1`: the reader goes away after the
    // first line; the first flag's line then finds no reader.
    for bin in BINS {
        let server = Hostile::new(Fault::None).hold().start();
        let dest = tempfile::tempdir().unwrap();
        let mut child = flags2_command(bin, &server, dest.path())
            .args(["-a", "-v", "-m", "4"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert_eq!(first, format!("URL site: {}\n", server.base_url()));
        drop(stdout);
        server.release();
        let ran = wait_guarded(child);
        assert_eq!(ran.code, Some(141), "{}: {}", name(bin), ran.stderr);
        assert_eq!(ran.stderr, "", "{}: quietly", name(bin));
        assert!(server.requests() < 194, "{}: the run went on", name(bin));
        assert!(folder_problems(dest.path()).is_empty(), "{}", name(bin));
    }
}

#[test]
fn sigterm_during_a_request_prints_the_partial_report_and_exits_143() {
    for bin in BINS {
        // Three flags, then every answer stalls, with an hour's timeout:
        // only the signal can end the run.
        let server = Hostile::new(Fault::Stall).after(3).start();
        let dest = tempfile::tempdir().unwrap();
        let ran = terminate_after_faults(
            flags2_command(bin, &server, dest.path()).args([
                "-a",
                "-v",
                "-m",
                "2",
                "--timeout",
                "3600",
            ]),
            &server,
            1,
        );
        assert_eq!(ran.code, Some(143), "{}: {}", name(bin), ran.stderr);
        assert!(ran.stdout.contains("\nElapsed time: "), "{}", ran.stdout);
        let landed = ran.stdout.lines().filter(|l| l.ends_with(" OK")).count();
        assert_eq!(count(&ran.stdout, " downloaded."), landed, "{}", ran.stdout);
        assert_eq!(saved_codes(dest.path()).len(), landed, "{}", name(bin));
        assert!(landed <= 3);
        assert!(
            ran.stderr.contains(&format!(
                "Terminated (SIGTERM): {} of 194 flags not downloaded.",
                194 - landed
            )),
            "{}: {}",
            name(bin),
            ran.stderr
        );
        assert!(folder_problems(dest.path()).is_empty(), "{}", name(bin));
    }
}

// One test per binary: each waits 3 s of backoffs before its signal.
#[test]
fn sigterm_during_a_retry_backoff_ends_the_wait_sequential() {
    sigterm_during_a_retry_backoff_ends_the_wait(BINS[0]);
}

#[test]
fn sigterm_during_a_retry_backoff_ends_the_wait_threadpool() {
    sigterm_during_a_retry_backoff_ends_the_wait(BINS[1]);
}

#[test]
fn sigterm_during_a_retry_backoff_ends_the_wait_asyncio() {
    sigterm_during_a_retry_backoff_ends_the_wait(BINS[2]);
}

fn sigterm_during_a_retry_backoff_ends_the_wait(bin: &str) {
    // 503 for ever, ten retries. The client says `BD retry 6/10 in 3.2s`
    // (± 50 %) as it starts to wait: the signal comes then, and no
    // request may follow it.
    let server = Hostile::new(Fault::Unavailable).start();
    let dest = tempfile::tempdir().unwrap();
    let mut child = flags2_command(bin, &server, dest.path())
        .args(["-v", "--retries", "10", "BD"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = Watched::stdout_of(&mut child);
    stdout.wait_for(|line| line.starts_with("BD retry 6/10 in "));
    let asked = server.requests();
    send_signal(&child, "TERM");
    let ran = wait_guarded(child);
    let stdout = stdout.all();
    assert_eq!(ran.code, Some(143), "{}: {}", name(bin), ran.stderr);
    assert_eq!(asked, 6);
    assert_eq!(
        server.requests(),
        asked,
        "{}: asked again after the stop",
        name(bin)
    );
    assert!(stdout.contains("  0 flags downloaded.\n"), "{stdout}");
    assert!(
        ran.stderr
            .contains("Terminated (SIGTERM): 1 of 1 flag not downloaded."),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_dest_that_is_a_file_is_a_usage_error_before_any_request() {
    for bin in BINS {
        let server = Hostile::new(Fault::None).start();
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("flags");
        std::fs::write(&file, b"not a folder").unwrap();
        let ran = run_guarded(&mut flags2_command(bin, &server, &file));
        assert_eq!(ran.code, Some(2), "{}: {}", name(bin), ran.stderr);
        let expected = format!(
            "*** Usage error: cannot save flags in {}: a file is in the way",
            file.display()
        );
        assert!(ran.stderr.starts_with(&expected), "{}", ran.stderr);
        assert!(
            ran.stderr.contains("; choose a folder with --dest DIR\n"),
            "{}",
            ran.stderr
        );
        assert_eq!(ran.stdout, "");
        assert_eq!(server.requests(), 0);
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_dest_is_a_usage_error_before_any_request() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("read-only");
    std::fs::create_dir(&dest).unwrap();
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(dest.join("probe"), b"").is_ok() {
        // Root writes anywhere: the folder is not read-only for this user.
        eprintln!("skipped: running as a user that permissions do not bind (root)");
        return;
    }
    for bin in BINS {
        let server = Hostile::new(Fault::None).start();
        let ran = run_guarded(&mut flags2_command(bin, &server, &dest));
        assert_eq!(ran.code, Some(2), "{}: {}", name(bin), ran.stderr);
        assert!(ran.stderr.contains("Permission denied"), "{}", ran.stderr);
        assert!(
            ran.stderr.contains("choose a folder you can write to"),
            "{}",
            ran.stderr
        );
        assert_eq!(server.requests(), 0);
    }
}

#[test]
fn a_folder_that_fails_mid_run_stops_it_at_the_first_flag() {
    for bin in BINS {
        // The answers wait until the folder is gone and a file is in its
        // place: then every save must fail the same way.
        let server = Hostile::new(Fault::None).hold().start();
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("flags");
        let child = flags2_command(bin, &server, &dest)
            .args(["-a", "-v", "-m", "4"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        server.wait_for_requests(1);
        std::fs::remove_dir(&dest).unwrap();
        std::fs::write(&dest, b"a file in the way").unwrap();
        server.release();
        let ran = wait_guarded(child);
        assert_eq!(ran.code, Some(1), "{}: {}", name(bin), ran.stderr);
        let expected = format!(
            "error: could not create the folder {}: a file is in the way",
            dest.display()
        );
        assert!(
            ran.stderr.starts_with(&expected),
            "{}: {}",
            name(bin),
            ran.stderr
        );
        assert!(
            ran.stderr
                .contains("The run stopped at the first flag it could not save"),
            "{}",
            ran.stderr
        );
        assert!(ran.stdout.contains("\nElapsed time: "), "{}", ran.stdout);
        let errors = count(&ran.stdout, " errors.").max(count(&ran.stdout, " error."));
        assert!((1..=4).contains(&errors), "{}: {}", name(bin), ran.stdout);
        assert!(
            server.requests() <= 8,
            "{}: {} requests",
            name(bin),
            server.requests()
        );
    }
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next() {
    for bin in BINS {
        let server = Hostile::new(Fault::None).start();
        let dest = tempfile::tempdir().unwrap();
        std::fs::write(dest.path().join(".flag-Kill3d.part"), b"GIF89a\x01").unwrap();
        let ran = run_guarded(flags2_command(bin, &server, dest.path()).arg("BD"));
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        assert!(
            ran.stderr
                .contains("Removed 1 temporary file that a killed run left in "),
            "{}",
            ran.stderr
        );
        assert_eq!(saved_codes(dest.path()), ["BD"]);
        assert!(folder_problems(dest.path()).is_empty(), "{}", name(bin));
    }
}

#[cfg(unix)]
#[test]
fn saved_flags_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    for bin in BINS {
        for (umask, mode) in [("022", 0o644), ("027", 0o640), ("077", 0o600)] {
            let server = Hostile::new(Fault::None).start();
            let dest = tempfile::tempdir().unwrap();
            let ran = run_guarded(
                Command::new("sh")
                    .args(["-c", &format!("umask {umask} && exec \"$0\" \"$@\""), bin])
                    .args(["-s", &server.base_url(), "BD", "--dest"])
                    .arg(dest.path()),
            );
            assert_eq!(ran.code, Some(0), "{}", ran.stderr);
            let meta = std::fs::metadata(dest.path().join("bd.gif")).unwrap();
            let got = meta.permissions().mode() & 0o777;
            assert_eq!(got, mode, "{} umask {umask}: {got:o}", name(bin));
        }
    }
}

#[test]
fn numeric_options_have_caps_with_clear_messages() {
    for bin in BINS {
        for (args, message) in [
            (&["--retries", "11"][..], "--retries N must be at most 10"),
            (
                &["--timeout", "3601"],
                "--timeout SECS must be > 0 (and at most 3600)",
            ),
        ] {
            let ran = run_guarded(Command::new(bin).args(args));
            assert_eq!(ran.code, Some(2), "{} {args:?}", name(bin));
            assert!(
                ran.stderr
                    .starts_with(&format!("*** Usage error: {message}")),
                "{}",
                ran.stderr
            );
        }
        let ran = run_guarded(Command::new(bin).args(["--retries", "4294967296"]));
        assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    }
}

#[test]
fn a_bad_server_url_says_what_is_wrong_with_it() {
    for bin in BINS {
        let ran = run_guarded(Command::new(bin).args(["-s", "ftp://me:hunter2@x/flags"]));
        assert_eq!(ran.code, Some(2));
        assert!(
            ran.stderr.starts_with(
                "*** Usage error: --server \"ftp://me:***@x/flags\" is not a usable URL: \
                 the scheme is ftp://"
            ),
            "{}",
            ran.stderr
        );
        assert!(!ran.stderr.contains("hunter2"));
    }
}

#[test]
fn credentials_in_the_server_url_are_used_but_never_printed() {
    for bin in BINS {
        let server = Hostile::new(Fault::Html).start();
        let dest = tempfile::tempdir().unwrap();
        let url = server.base_url().replace("http://", "http://me:hunter2@");
        let ran = run_guarded(
            Command::new(bin)
                .args(["-s", &url, "-v", "BD", "--dest"])
                .arg(dest.path()),
        );
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        assert!(
            ran.stdout.starts_with("URL site: http://me:***@127.0.0.1:"),
            "{}",
            ran.stdout
        );
        assert!(!ran.stdout.contains("hunter2") && !ran.stderr.contains("hunter2"));
    }
}

#[test]
fn an_oversized_metadata_json_is_called_what_it_is() {
    for bin in BINS {
        let server = Hostile::new(Fault::None).huge_metadata().start();
        let dest = tempfile::tempdir().unwrap();
        let ran =
            run_guarded(flags2_command(bin, &server, dest.path()).args(["--names", "-v", "BD"]));
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        assert!(
            ran.stdout
                .contains("BD error: refused a metadata.json larger than 64 KiB from "),
            "{}",
            ran.stdout
        );
        assert!(saved_codes(dest.path()).is_empty());
    }
}
