//! The `mock-server` binary as a process, and plain HTTP over loopback.
#![allow(dead_code)] // each test file uses its own share

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Far above any real wait: only a guard against a hang.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

pub const BIN: &str = env!("CARGO_BIN_EXE_mock-server");

/// A running `mock-server`, killed when dropped. Its stdout is a pipe the
/// test reads, or not; its stderr is read all along.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// The lines before `Press Ctrl-C to stop.`.
    pub banner: String,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    /// `mock-server ARGS`.
    pub fn start(args: &[&str]) -> Server {
        let mut command = Command::new(BIN);
        command.args(args);
        Server::spawn(command)
    }

    /// Runs `command`, which starts the binary, and waits for its banner.
    pub fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: "0.0.0.0:0".parse().expect("an address"),
            banner: String::new(),
            stderr: lines,
        };
        loop {
            let line = (server.stderr.recv_timeout(HANG_GUARD))
                .unwrap_or_else(|_| panic!("no banner; stderr so far:\n{}", server.banner));
            if line == "Press Ctrl-C to stop." {
                break;
            }
            server.banner.push_str(&line);
            server.banner.push('\n');
        }
        // ERROR  http://127.0.0.1:PORT/flags  ERROR preset, seed 1: …
        let url = server.banner.split_whitespace().nth(1).expect("a URL");
        server.addr = (url.trim_start_matches("http://").trim_end_matches("/flags"))
            .parse()
            .unwrap_or_else(|_| panic!("no address in {:?}", server.banner));
        server
    }

    /// `http://127.0.0.1:PORT/flags`
    pub fn base_url(&self) -> String {
        format!("http://{}/flags", self.addr)
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("a child").is_none()
    }

    /// Stops it, and returns what it wrote on stderr after its banner.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut rest = String::new();
        while let Ok(line) = self.stderr.recv_timeout(HANG_GUARD) {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking client that keeps connections alive, with the hang guard as
/// its timeout.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(HANG_GUARD)
        .build()
        .expect("a client")
}

/// Sends `request` as is and returns the whole response, read until the
/// server closes: the clients normalise what the tests need raw.
pub fn raw(addr: SocketAddr, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).expect("the server accepts");
    stream
        .set_read_timeout(Some(HANG_GUARD))
        .expect("a timeout");
    stream
        .write_all(request.as_bytes())
        .expect("the request is sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("the response comes, within the hang guard");
    response
}

/// The status line of a raw response.
pub fn status_line(response: &[u8]) -> String {
    let text = String::from_utf8_lossy(response);
    text.lines().next().unwrap_or_default().to_owned()
}

/// `GET path` with `Connection: close`, raw.
pub fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
}
