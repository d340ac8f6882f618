//! The server holds, and says what happened, when its surroundings and its
//! clients misbehave: a stdout nobody reads or that is closed, connections
//! that send half a request, too few file descriptors, clients that give up,
//! links out of a flags folder, and clients run again and again against one
//! long-running server. Each test runs the real binary and speaks HTTP to
//! it over loopback; a time bound is only a hang guard.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::mpsc;

use flags_common::Code;
use mock_server::{Fault, Plan, Preset, RETRY_WINDOW};
use support::{HANG_GUARD, Server, client, get_request, raw, status_line};

/// Reads a child's stdout line by line on a thread of its own.
fn lines_of(stdout: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn a_stdout_nobody_reads_never_holds_up_an_answer() {
    let mut server = Server::start(&["--preset", "local", "--port", "0"]);
    // Its stdout is a pipe that nobody reads yet: it fills after some
    // 3,000 lines, and a blocking log would stop the server there.
    let client = client();
    let url = format!("{}/bd/bd.gif", server.base_url());
    for n in 0..10_000 {
        let response = (client.get(&url).send()).unwrap_or_else(|e| panic!("request {n}: {e}"));
        assert_eq!(response.status(), 200, "request {n}");
        response.bytes().unwrap();
    }
    // Read at last: every request is logged, or counted as dropped.
    let lines = lines_of(server.child.stdout.take().unwrap());
    let (mut logged, mut dropped) = (0, 0);
    while logged + dropped < 10_000 {
        let line = lines
            .recv_timeout(HANG_GUARD)
            .unwrap_or_else(|_| panic!("{logged} logged and {dropped} dropped, then nothing"));
        let note = line.strip_prefix("mock-server: ");
        match note.and_then(|note| note.split_once(" log lines dropped: stdout")) {
            Some((n, _)) => dropped += n.parse::<usize>().unwrap(),
            None => {
                assert_eq!(line, "BD delay: 0.00s 200");
                logged += 1;
            }
        }
    }
    assert!(dropped > 0, "a pipe holds some 3,000 lines, not 10,000");
    assert!(server.running());
}

#[test]
fn a_closed_stdout_ends_the_log_not_the_server() {
    let mut server = Server::start(&["--preset", "local", "--port", "0"]);
    // As `mock-server | head -c1` once head has gone.
    drop(server.child.stdout.take());
    let client = client();
    for n in 0..200 {
        let url = format!("{}/bd/bd.gif", server.base_url());
        let response = (client.get(&url).send()).unwrap_or_else(|e| panic!("request {n}: {e}"));
        assert_eq!(response.status(), 200, "request {n}");
    }
    assert!(server.running());
    let stderr = server.stop();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_half_sent_request_is_closed_after_the_idle_timeout() {
    let server = Server::start(&["--preset", "local", "--port", "0", "--quiet"]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(HANG_GUARD)).unwrap();
    stream
        .write_all(b"GET /flags/bd/bd.gif HTTP/1.1\r\nHo")
        .unwrap();
    let mut buf = [0; 64];
    match stream.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Ok(n) => panic!("an answer to half a request: {:?}", &buf[..n]),
        Err(e) => panic!("still open after the hang guard: {e}"),
    }
}

/// Lets this process open `n` files, for a test that holds many sockets.
fn allow_open_files(n: u64) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|current| current < n) {
        let current = Some(limit.maximum.map_or(n, |max| max.min(n)));
        let _ = setrlimit(Resource::Nofile, Rlimit { current, ..limit });
    }
    let limit = getrlimit(Resource::Nofile);
    assert!(
        limit.current.is_none_or(|current| current >= n),
        "this test holds {n} sockets: raise `ulimit -n` to {n} or more"
    );
}

#[cfg(unix)]
#[test]
fn out_of_file_descriptors_it_sheds_idle_connections_and_answers() {
    allow_open_files(1500);
    let mut command = Command::new("sh");
    command.args(["-c", r#"ulimit -n 1024 && exec "$0" "$@""#, support::BIN]);
    command.args(["--preset", "local", "--port", "0", "--quiet"]);
    let server = Server::spawn(command);
    // More half-sent requests than the server has file descriptors.
    let half_sent: Vec<TcpStream> = (0..1100)
        .map(|_| {
            let mut stream = TcpStream::connect(server.addr).unwrap();
            // The server may already have shed it: no matter.
            let _ = stream.write_all(b"GET /flags/bd/bd.gif HTTP/1.1\r\nHo");
            stream
        })
        .collect();
    let response = raw(server.addr, &get_request("/flags/bd/bd.gif"));
    assert_eq!(status_line(&response), "HTTP/1.1 200 OK");
    drop(half_sent);
    let stderr = server.stop();
    assert!(
        stderr.contains("accept failed: Too many open files"),
        "the limit was reached: {stderr}"
    );
    assert!(stderr.contains("raise `ulimit -n`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn requests_are_logged_on_arrival_and_again_when_the_client_leaves() {
    let mut server = Server::start(&[
        "--preset",
        "delay",
        "--port",
        "0",
        "--delay-ms",
        "120000",
        "--jitter-ms",
        "0",
    ]);
    let lines = lines_of(server.child.stdout.take().unwrap());
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(get_request("/flags/bd/bd.gif").as_bytes())
        .unwrap();
    // The answer is two minutes away; the line is not.
    let arrival = lines.recv_timeout(HANG_GUARD).expect("a line on arrival");
    assert_eq!(arrival, "BD delay: 120.00s 200");
    // The client gives up, as on a timeout.
    drop(stream);
    let left = lines
        .recv_timeout(HANG_GUARD)
        .expect("a line when it leaves");
    assert!(left.starts_with("BD *** client closed after "), "{left}");
    assert!(left.ends_with("s, before the answer"), "{left}");
}

/// A client that asks for every flag once and retries a 503 once, as a
/// flags2 client with `--retries 1` does: what it saw, by code.
fn run_client(base_url: &str, retries: u32) -> BTreeMap<Code, Vec<u16>> {
    let client = client();
    let mut seen = BTreeMap::new();
    for cc in flags_common::all() {
        let url = flags_common::flag_url(base_url, cc);
        let mut statuses = Vec::new();
        loop {
            let response = client.get(&url).send().unwrap();
            statuses.push(response.status().as_u16());
            response.bytes().unwrap();
            if statuses.last() != Some(&503) || statuses.len() as u32 > retries {
                break;
            }
        }
        seen.insert(cc, statuses);
    }
    seen
}

#[test]
fn every_run_against_one_server_meets_the_same_transient_faults() {
    let server = Server::start(&[
        "--preset",
        "local",
        "--transient-rate",
        "0.1",
        "--port",
        "0",
        "--quiet",
    ]);
    let plan = Plan::preset(Preset::Local).transient_rate(0.1);
    let expected: BTreeMap<Code, Vec<u16>> = flags_common::all()
        .into_iter()
        .map(|cc| match plan.fault(cc) {
            Some(Fault::Transient) => (cc, vec![503, 200]),
            _ => (cc, vec![200]),
        })
        .collect();
    assert_eq!(expected.values().filter(|s| s.len() == 2).count(), 19);
    // A client that retries: the same answers run after run, at once.
    for run in 0..3 {
        assert_eq!(run_client(&server.base_url(), 1), expected, "run {run}");
    }
    // A client that does not retry meets the 503s again once the window
    // for their retries has passed.
    let first = run_client(&server.base_url(), 0);
    std::thread::sleep(RETRY_WINDOW + std::time::Duration::from_millis(100));
    let again = run_client(&server.base_url(), 0);
    assert_eq!(first, again);
    assert_eq!(first.values().filter(|s| *s == &[503]).count(), 19);
}

#[cfg(unix)]
#[test]
fn a_flags_folder_with_a_link_out_of_it_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let flags = tmp.path().join("flags");
    std::fs::create_dir_all(flags.join("cn")).unwrap();
    std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
    std::fs::write(tmp.path().join("outside/secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink("../../outside/secret.txt", flags.join("cn/cn.gif")).unwrap();
    let out = Command::new(support::BIN)
        .args(["--preset", "local", "--port", "0", "--dir"])
        .arg(&flags)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("refusing to serve"), "{err}");
    assert!(err.contains("cn/cn.gif"), "{err}");
    assert!(err.contains("outside/secret.txt"), "{err}");
}
