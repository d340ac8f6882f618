//! Test support (the `test-support` feature): a hostile HTTP server and a
//! guarded runner, so that every client binary can be driven through the
//! faults a real network and a careless server produce.
//!
//! [`Hostile`] is a small raw HTTP/1.1 server on `127.0.0.1:0`, one thread
//! per connection, that answers flags with a [`Fault`]: a body that
//! trickles in, a stall, a body cut short or too large, a 200 that is not a
//! GIF, a gzip-encoded body, a redirect loop. It counts what it saw, can
//! hold its answers until a test releases them, and lets a test wait for
//! the n-th request: a gate, never a sleep.
//!
//! [`run_guarded`] runs a client to its end under a generous hang guard:
//! it asserts that the run ended, never how fast.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// How long a client may run before the test calls it hung. Generous: a
/// bound on a hang, not a measure of speed.
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// What the server does to a flag's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The flag, whole and well formed: no fault.
    None,
    /// The headers at once, then the flag's bytes one at a time, one every
    /// this long: each read is quick, the whole answer is not.
    Trickle(Duration),
    /// Reads the request and never answers.
    Stall,
    /// `Content-Length` 1000 bytes more than it sends, then closes.
    CutShort,
    /// A 2 MiB body, announced by its `Content-Length`.
    Oversized,
    /// A 2 MiB body in chunks, its size announced nowhere.
    OversizedChunked,
    /// 200 with an HTML error page.
    Html,
    /// 200 with an empty body.
    Empty,
    /// 204 No Content.
    NoContent,
    /// The flag, gzip-encoded (`Content-Encoding: gzip`), unasked.
    Gzip,
    /// 302 to the same URL, for ever.
    RedirectLoop,
    /// 503 Service Unavailable: a transient failure, worth a retry.
    Unavailable,
}

impl Fault {
    /// What a client's error message must contain for this fault.
    pub fn message(self) -> &'static str {
        match self {
            Fault::None => "",
            Fault::Trickle(_) | Fault::Stall => "timed out (GET ",
            Fault::CutShort => "bad response body from ",
            Fault::Oversized | Fault::OversizedChunked => "refused a flag larger than 1 MiB",
            Fault::Html => "the server sent text/html, not a GIF: \"<!doctype html>",
            Fault::Empty => "the server sent an empty body, not a GIF",
            Fault::NoContent => "the server sent 204 No Content, not a GIF",
            Fault::Gzip => "the server sent a body with Content-Encoding: gzip, though asked",
            Fault::RedirectLoop => "too many redirects from ",
            Fault::Unavailable => "HTTP error 503 - Service Unavailable",
        }
    }

    /// The `--timeout` a client meets this fault with: half a second where
    /// the timeout is the defence (a stall, a trickle), so that the test is
    /// quick; a minute for every other fault, so that a busy machine never
    /// times out before the fault is met.
    pub fn timeout(self) -> &'static str {
        match self {
            Fault::Trickle(_) | Fault::Stall => "0.5",
            _ => "60",
        }
    }
}

/// How a [`HostileServer`] behaves: built, then [`Hostile::start`]ed.
#[derive(Debug, Clone)]
pub struct Hostile {
    fault: Fault,
    after: usize,
    hold: bool,
    metadata: Fault,
    huge_metadata: bool,
}

impl Hostile {
    /// Every flag's request meets `fault`; `metadata.json` is fine.
    pub fn new(fault: Fault) -> Hostile {
        Hostile {
            fault,
            after: 0,
            hold: false,
            metadata: Fault::None,
            huge_metadata: false,
        }
    }

    /// The first `n` flags asked for are served well; the fault starts after.
    pub fn after(mut self, n: usize) -> Hostile {
        self.after = n;
        self
    }

    /// Every answer waits until [`HostileServer::release`].
    pub fn hold(mut self) -> Hostile {
        self.hold = true;
        self
    }

    /// Each `metadata.json` is 2 MiB of valid JSON.
    pub fn huge_metadata(mut self) -> Hostile {
        self.huge_metadata = true;
        self
    }

    /// Starts the server on a free loopback port; it stops when dropped.
    pub fn start(self) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            setup: self,
            state: Mutex::default(),
            changed: Condvar::new(),
        });
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.lock().closed {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                thread::spawn(move || serve(&shared, stream));
            }
        });
        HostileServer { addr, shared }
    }
}

/// A running [`Hostile`] server.
pub struct HostileServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

struct Shared {
    setup: Hostile,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The path of every request, in arrival order.
    paths: Vec<String>,
    /// Flag requests seen (the first `after` are served well).
    flags: usize,
    /// Requests that met the fault.
    faulted: usize,
    released: bool,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl HostileServer {
    /// The base URL of the flags: `http://127.0.0.1:PORT/flags`.
    pub fn base_url(&self) -> String {
        format!("http://{}/flags", self.addr)
    }

    /// How many requests arrived.
    pub fn requests(&self) -> usize {
        self.shared.lock().paths.len()
    }

    /// The path of every request, in arrival order.
    pub fn paths(&self) -> Vec<String> {
        self.shared.lock().paths.clone()
    }

    /// How many requests met the fault.
    pub fn faulted(&self) -> usize {
        self.shared.lock().faulted
    }

    /// Waits until `n` requests have arrived (a gate for signals and
    /// folder swaps); panics after [`HANG_GUARD`].
    pub fn wait_for_requests(&self, n: usize) {
        self.wait_until(|state| state.paths.len() >= n, &format!("{n} requests"));
    }

    /// Waits until `n` requests have met the fault; panics after [`HANG_GUARD`].
    pub fn wait_for_faults(&self, n: usize) {
        self.wait_until(|state| state.faulted >= n, &format!("{n} faulted requests"));
    }

    /// Lets the held answers go (see [`Hostile::hold`]).
    pub fn release(&self) {
        self.shared.lock().released = true;
        self.shared.changed.notify_all();
    }

    fn wait_until(&self, done: impl Fn(&State) -> bool, what: &str) {
        let guard = self.shared.lock();
        let (state, timeout) = self
            .shared
            .changed
            .wait_timeout_while(guard, HANG_GUARD, |state| !done(state))
            .unwrap_or_else(PoisonError::into_inner);
        assert!(
            !timeout.timed_out(),
            "the server never saw {what}: it saw {:?}",
            state.paths
        );
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            state.closed = true;
            state.released = true;
        }
        self.shared.changed.notify_all();
        // Wakes the accepting thread, which then sees `closed`.
        let _ = TcpStream::connect(self.addr);
    }
}

/// The flag the server sends for `cc`: a real 1×1 GIF89a, with a comment
/// that names the code, so that each flag differs (about 100 bytes).
pub fn gif(cc: &str) -> Vec<u8> {
    let comment = format!("the flag of {} (a test stand-in)", cc.to_ascii_uppercase());
    let mut gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00".to_vec();
    gif.extend(b"!\xfe");
    gif.push(u8::try_from(comment.len()).expect("a short comment"));
    gif.extend(comment.as_bytes());
    gif.push(0);
    gif.extend(b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;");
    gif
}

fn serve(shared: &Shared, mut stream: TcpStream) {
    let Some(path) = read_head(&mut stream) else {
        return;
    };
    let (fault, resource) = {
        let mut state = shared.lock();
        state.paths.push(path.clone());
        let fault = match Resource::of(&path) {
            Resource::Flag(_) => {
                state.flags += 1;
                if state.flags > shared.setup.after {
                    shared.setup.fault
                } else {
                    Fault::None
                }
            }
            Resource::Metadata(_) => shared.setup.metadata,
            Resource::Other => Fault::None,
        };
        if fault != Fault::None {
            state.faulted += 1;
        }
        shared.changed.notify_all();
        (fault, Resource::of(&path))
    };
    if shared.setup.hold {
        let state = shared.lock();
        let _released = shared
            .changed
            .wait_while(state, |state| !state.released)
            .unwrap_or_else(PoisonError::into_inner);
    }
    // The client may be gone by now: write errors end the answer.
    let _ = answer(shared, &mut stream, &path, resource, fault);
}

enum Resource {
    Flag(String),
    Metadata(String),
    Other,
}

impl Resource {
    fn of(path: &str) -> Resource {
        let path = path.split('?').next().unwrap_or(path);
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match parts.as_slice() {
            ["flags", cc, file] if cc.len() == 2 && *file == format!("{cc}.gif") => {
                Resource::Flag(cc.to_string())
            }
            ["flags", cc, "metadata.json"] if cc.len() == 2 => Resource::Metadata(cc.to_string()),
            _ => Resource::Other,
        }
    }
}

/// Reads the request's head; returns its path.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok().filter(|&n| n > 0)?;
        head.extend(&buf[..n]);
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    let head = String::from_utf8_lossy(&head);
    let line = head.lines().next()?;
    line.split(' ').nth(1).map(str::to_owned)
}

fn answer(
    shared: &Shared,
    stream: &mut TcpStream,
    path: &str,
    resource: Resource,
    fault: Fault,
) -> std::io::Result<()> {
    let cc = match resource {
        Resource::Flag(cc) => cc,
        Resource::Metadata(cc) => {
            let mut json = format!(r#"{{"country": "Country {}""#, cc.to_ascii_uppercase());
            if shared.setup.huge_metadata {
                json.push_str(r#", "padding": ""#);
                json.push_str(&" ".repeat(2 << 20));
                json.push('"');
            }
            json.push('}');
            return respond(stream, "200 OK", "application/json", &[], json.as_bytes());
        }
        Resource::Other => return respond(stream, "404 Not Found", "text/plain", &[], b"no flag"),
    };
    let flag = gif(&cc);
    match fault {
        Fault::None => respond(stream, "200 OK", "image/gif", &[], &flag),
        Fault::Trickle(every) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                flag.len()
            );
            stream.write_all(head.as_bytes())?;
            for byte in flag {
                stream.write_all(&[byte])?;
                thread::sleep(every);
            }
            Ok(())
        }
        Fault::Stall => {
            // Until the client gives up and closes: then read ends.
            let mut sink = [0; 1024];
            while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            Ok(())
        }
        Fault::CutShort => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                flag.len() + 1000
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(&flag)?;
            stream.shutdown(Shutdown::Both)
        }
        Fault::Oversized => {
            let body = huge_gif();
            respond(stream, "200 OK", "image/gif", &[], &body)
        }
        Fault::OversizedChunked => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nTransfer-Encoding: chunked\r\n\
                  Connection: close\r\n\r\n",
            )?;
            for chunk in huge_gif().chunks(64 << 10) {
                stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
                stream.write_all(chunk)?;
                stream.write_all(b"\r\n")?;
            }
            stream.write_all(b"0\r\n\r\n")
        }
        Fault::Html => respond(
            stream,
            "200 OK",
            "text/html; charset=utf-8",
            &[],
            b"<!doctype html><html><head><title>Oops</title></head>\
              <body><h1>Something went wrong</h1></body></html>",
        ),
        Fault::Empty => respond(stream, "200 OK", "image/gif", &[], b""),
        Fault::NoContent => {
            stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        }
        Fault::Gzip => respond(
            stream,
            "200 OK",
            "image/gif",
            &[("Content-Encoding", "gzip")],
            &gzip(&flag),
        ),
        Fault::RedirectLoop => {
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes())
        }
        Fault::Unavailable => respond(
            stream,
            "503 Service Unavailable",
            "text/plain",
            &[],
            b"try again later",
        ),
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)
}

/// 2 MiB that start like a GIF: only the size is wrong.
fn huge_gif() -> Vec<u8> {
    let mut body = b"GIF89a".to_vec();
    body.resize(2 << 20, 0);
    body
}

/// `data` as a gzip member with one stored (uncompressed) deflate block:
/// a real gzip stream, with no compression library.
fn gzip(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).expect("a small flag");
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.push(1); // the last block, stored
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend(data);
    out.extend(crc32(data).to_le_bytes());
    out.extend(u32::from(len).to_le_bytes());
    out
}

/// CRC-32 (IEEE), bit by bit: gzip's checksum.
fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |crc, _| {
            (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg())
        })
    })
}

/// How a client process ended and what it said.
#[derive(Debug)]
pub struct Ran {
    /// Its exit status (`None` if a signal ended it).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs `command` to its end, stdin empty, output captured; panics if it is
/// still running after [`HANG_GUARD`] (it is killed first).
pub fn run_guarded(command: &mut Command) -> Ran {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    wait_guarded(child)
}

/// Waits for a spawned `child` (its stdout and stderr piped, or taken by
/// the test already), reading what is left of its output, under
/// [`HANG_GUARD`].
pub fn wait_guarded(mut child: Child) -> Ran {
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the client can be waited for") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the client was still running after {HANG_GUARD:?}: it hung\n--- stderr ---\n{}",
                stderr.join().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    Ran {
        code: status.code(),
        stdout: stdout.join().expect("reading stdout does not panic"),
        stderr: stderr.join().expect("reading stderr does not panic"),
    }
}

/// A client's stdout, read line by line as it comes, so that a test can
/// act at a given moment of the run (a gate on what it printed).
pub struct Watched {
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watched {
    /// Starts reading `child`'s piped stdout (it is taken from `child`).
    pub fn stdout_of(child: &mut Child) -> Watched {
        let stdout = child.stdout.take().expect("a piped stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut stdout = std::io::BufReader::new(stdout);
            let mut line = String::new();
            while matches!(std::io::BufRead::read_line(&mut stdout, &mut line), Ok(n) if n > 0) {
                if tx.send(std::mem::take(&mut line)).is_err() {
                    return;
                }
            }
        });
        Watched {
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line that `is_it` accepts; panics if the output ends
    /// first, or after [`HANG_GUARD`].
    pub fn wait_for(&mut self, is_it: impl Fn(&str) -> bool) {
        loop {
            match self.lines.recv_timeout(HANG_GUARD) {
                Ok(line) => {
                    let found = is_it(&line);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(err) => panic!(
                    "no such line ({err}); the client printed:\n{}",
                    self.seen.concat()
                ),
            }
        }
    }

    /// Everything printed, once the client has ended.
    pub fn all(mut self) -> String {
        while let Ok(line) = self.lines.recv_timeout(HANG_GUARD) {
            self.seen.push(line);
        }
        self.seen.concat()
    }
}

/// Sends `signal` (`TERM`, `INT`) to `child`, with the system's `kill`.
pub fn send_signal(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} failed");
}

/// Everything in `dest` that is not a whole flag as [`gif`] makes it: a
/// temporary or partial file, a flag saved from a bad answer. Empty is
/// right; a missing folder is empty.
pub fn folder_problems(dest: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dest) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let whole = name
            .strip_suffix(".gif")
            .filter(|cc| cc.len() == 2)
            .is_some_and(|cc| std::fs::read(entry.path()).is_ok_and(|b| b == gif(cc)));
        if !whole {
            problems.push(format!(
                "{name}: not a whole flag (a partial or temporary file?)"
            ));
        }
    }
    problems
}

/// The codes of the flags saved in `dest`, upper case, sorted.
pub fn saved_codes(dest: &Path) -> Vec<String> {
    let mut codes: Vec<String> = std::fs::read_dir(dest)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".gif").map(str::to_ascii_uppercase)
                })
                .collect()
        })
        .unwrap_or_default();
    codes.sort();
    codes
}

/// The bars of a timeline drawn as SVG at `path` (`--timeline FILE.svg`),
/// as `(label, outcome)` pairs (`("bd/bd.gif", "200")`, read from each
/// bar's title), panel by panel: `actual`, then `ideal` if drawn. Panics if
/// the file is missing or is not well-formed XML.
pub fn timeline_bars(path: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let svg = std::fs::read_to_string(path).expect("the timeline was written");
    let doc = roxmltree::Document::parse(&svg).expect("the timeline is well-formed XML");
    let panels = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("g"));
    panels
        .filter(|g| matches!(g.attribute("id"), Some("actual" | "ideal")))
        .map(|g| {
            let bars = (g.children())
                .filter(|n| n.attribute("class") == Some("bar"))
                .map(|bar| {
                    // `bd/bd.gif: 0.100s to 0.200s, 200`
                    let title = bar.first_element_child().and_then(|t| t.text());
                    let title = title.expect("each bar has a title");
                    let (label, _) = title.split_once(": ").expect("a label");
                    let (_, outcome) = title.rsplit_once(", ").expect("an outcome");
                    (label.to_owned(), outcome.to_owned())
                })
                .collect();
            (g.attribute("id").unwrap_or("").to_owned(), bars)
        })
        .collect()
}

/// Spawns `command` with its output captured, sends it SIGTERM once the
/// server has seen `faults` faulted requests (so the signal lands while the
/// run waits on them, never by a sleep), and waits for it under the guard.
pub fn terminate_after_faults(command: &mut Command, server: &HostileServer, faults: usize) -> Ran {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    server.wait_for_faults(faults);
    send_signal(&child, "TERM");
    wait_guarded(child)
}

/// Runs `command` with its stdout closed before it writes a byte (as
/// `| head -c0` would), under [`HANG_GUARD`]: the pipe's reading end is
/// closed before the command starts, so its first write fails however soon
/// it comes (dropping a piped stdout after the spawn races that write).
pub fn run_with_stdout_closed(command: &mut Command) -> Ran {
    let (reader, writer) = rustix::pipe::pipe().expect("a pipe");
    drop(reader);
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client starts");
    wait_guarded(child)
}

/// A chapter-1 binary against `server`, saving into `dest`.
pub fn chapter1_command(bin: &str, server: &HostileServer, dest: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .args(["--server", &server.base_url(), "--dest"])
        .arg(dest);
    command
}

/// A flags2 binary against `server`, saving into `dest`.
pub fn flags2_command(bin: &str, server: &HostileServer, dest: &Path) -> Command {
    let mut command = Command::new(bin);
    command.args(["-s", &server.base_url(), "--dest"]).arg(dest);
    command
}

/// Asserts what a chapter-1 binary must do when every flag meets `fault`
/// (with [`Fault::timeout`]): stop at the first error, say which flag and what happened, exit 1,
/// end (under the hang guard), and leave the folder empty.
pub fn chapter1_meets(bin: &str, fault: Fault) {
    let server = Hostile::new(fault).start();
    let dest = tempfile::tempdir().expect("a temporary folder");
    let ran = run_guarded(
        chapter1_command(bin, &server, dest.path()).args(["--timeout", fault.timeout()]),
    );
    let name = bin.rsplit('/').next().unwrap_or(bin);
    assert_eq!(ran.code, Some(1), "{name} {fault:?}: {}", ran.stderr);
    let first = ran.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains(fault.message()),
        "{name} {fault:?}: {}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("panicked"), "{name}: {}", ran.stderr);
    assert!(
        server.faulted() >= 1,
        "{name} {fault:?}: the fault was never met"
    );
    assert_eq!(
        folder_problems(dest.path()),
        Vec::<String>::new(),
        "{name} {fault:?}"
    );
    assert_eq!(
        saved_codes(dest.path()),
        Vec::<String>::new(),
        "{name} {fault:?}"
    );
}

/// Asserts what a flags2 binary must do when every flag meets `fault`
/// (with [`Fault::timeout`]): count each as an error, with the fault's message in its verbose line,
/// finish the run with exit status 0 (errors are outcomes, as in the book),
/// and save nothing.
pub fn flags2_meets(bin: &str, fault: Fault) {
    let server = Hostile::new(fault).start();
    let dest = tempfile::tempdir().expect("a temporary folder");
    let ran = run_guarded(flags2_command(bin, &server, dest.path()).args([
        "--timeout",
        fault.timeout(),
        "-v",
        "-m",
        "3",
        "BD",
        "BR",
        "CN",
    ]));
    let name = bin.rsplit('/').next().unwrap_or(bin);
    assert_eq!(ran.code, Some(0), "{name} {fault:?}: {}", ran.stderr);
    assert!(
        ran.stdout
            .contains("\n  0 flags downloaded.\n  3 errors.\n"),
        "{name} {fault:?}: {}",
        ran.stdout
    );
    for cc in ["BD", "BR", "CN"] {
        let said = format!("{cc} error: {}", fault.message());
        assert!(
            ran.stdout.lines().any(|line| line.starts_with(&said)),
            "{name} {fault:?}: no {said:?} in\n{}",
            ran.stdout
        );
    }
    assert!(!ran.stderr.contains("panicked"), "{name}: {}", ran.stderr);
    assert_eq!(
        folder_problems(dest.path()),
        Vec::<String>::new(),
        "{name} {fault:?}"
    );
    assert_eq!(
        saved_codes(dest.path()),
        Vec::<String>::new(),
        "{name} {fault:?}"
    );
}

/// One test per fault a client must survive, each calling `$check(fault)`:
/// `flags_common::fault_tests!(check);` in a test file or module.
#[macro_export]
macro_rules! fault_tests {
    ($check:path) => {
        #[test]
        fn a_trickled_body_times_out_though_each_byte_comes_in_time() {
            $check($crate::testing::Fault::Trickle(
                ::std::time::Duration::from_millis(100),
            ));
        }
        #[test]
        fn a_stalled_answer_times_out() {
            $check($crate::testing::Fault::Stall);
        }
        #[test]
        fn a_body_cut_short_is_an_error() {
            $check($crate::testing::Fault::CutShort);
        }
        #[test]
        fn a_body_over_one_mib_is_refused() {
            $check($crate::testing::Fault::Oversized);
        }
        #[test]
        fn a_chunked_body_over_one_mib_is_refused() {
            $check($crate::testing::Fault::OversizedChunked);
        }
        #[test]
        fn an_html_page_is_not_a_flag() {
            $check($crate::testing::Fault::Html);
        }
        #[test]
        fn an_empty_body_is_not_a_flag() {
            $check($crate::testing::Fault::Empty);
        }
        #[test]
        fn a_204_is_not_a_flag() {
            $check($crate::testing::Fault::NoContent);
        }
        #[test]
        fn a_gzip_encoded_body_is_refused() {
            $check($crate::testing::Fault::Gzip);
        }
        #[test]
        fn a_redirect_loop_ends() {
            $check($crate::testing::Fault::RedirectLoop);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_the_standard_one() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn the_stand_in_flags_are_gifs_and_differ() {
        assert!(gif("bd").starts_with(b"GIF89a"));
        assert!(gif("bd").ends_with(b";"));
        assert_ne!(gif("bd"), gif("br"));
    }
}
