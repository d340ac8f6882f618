//! The one place that builds HTTP clients and reads flags off the wire.
//!
//! Every variant, blocking or async, gets the same rules:
//!
//! - **One deadline for the whole request**, the book's timeout: connecting,
//!   the answer and every byte of the body must all come within it. A body
//!   that trickles in one byte a second times out like one that never comes.
//!   (reqwest's blocking client bounds each read, not the request: a
//!   100-byte body sent a byte a second held it 99 s against a 3.1 s
//!   timeout. Hence the deadline of our own, below.)
//! - **The run's [`Stop`]**: Ctrl-C, SIGTERM or a closed stdout ends every
//!   request at once, as [`FetchError::Interrupted`].
//! - **No proxy for loopback**: a `HTTP_PROXY` in the environment must not
//!   swallow requests to the local test server.
//! - **What comes back is checked**: a cap on the body (a flag above 1 MiB is
//!   an error, not a full disk), plain bytes only (`Accept-Encoding:
//!   identity`; a body the server encoded anyway is refused, not saved as a
//!   flag), and a flag is a GIF: a body without the GIF signature is an error
//!   that says what came instead.
//! - **Errors sorted** into the kinds a report can explain: an HTTP status, a
//!   timeout, a refused connection, a bad body.
//! - **Each request noted**, for `--timeline`, when the client has a
//!   [`Recorder`] ([`Client::recording`]): its start, end and outcome.
//!
//! A request reads as reqwest's: `client.get(url).send()?.error_for_status()?`,
//! then the body, with `.body_within_deadline(Expect::Gif)` where reqwest
//! has `.bytes()`: the whole body within what is left of the deadline.
//! The blocking client is the async one, driven from the calling thread on
//! a small runtime of its own, as reqwest's blocking client is: the calling
//! thread blocks until each step is done, and that wait has a deadline and
//! a stop switch.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, HeaderMap};

use timeline::{Outcome, Recorder};

use crate::server::{is_loopback, redact};
use crate::{Site, Stop};

/// The chapter-1 scripts' client timeout: 6.1 s.
pub const CHAPTER1_TIMEOUT: Duration = Duration::from_millis(6100);

/// The flags2 scripts' client timeout: 3.1 s.
pub const FLAGS2_TIMEOUT: Duration = Duration::from_millis(3100);

/// The longest timeout a command line accepts: an hour.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Reads a `--timeout SECS` value: seconds, more than 0 and at most an hour.
pub fn parse_timeout(secs: &str) -> Result<Duration, String> {
    secs.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_TIMEOUT.as_secs_f64())
        .map(Duration::from_secs_f64)
        .ok_or_else(|| "expected seconds, more than 0 and at most 3600, such as 6.1".to_owned())
}

/// The largest flag accepted: 1 MiB (the book's largest is 36 KB).
pub const MAX_FLAG_BYTES: usize = 1 << 20;

/// The largest `metadata.json` accepted: 64 KiB (the book's are 80 bytes).
pub const MAX_METADATA_BYTES: usize = 64 << 10;

const USER_AGENT: &str = concat!("fluent-flags/", env!("CARGO_PKG_VERSION"));

/// What a GET must bring back: the checks on its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A flag: a GIF (`GIF87a` or `GIF89a`) of at most [`MAX_FLAG_BYTES`].
    Gif,
    /// A `metadata.json` of at most [`MAX_METADATA_BYTES`]; what it holds is
    /// the caller's to check.
    Json,
}

impl Expect {
    fn max_bytes(self) -> usize {
        match self {
            Expect::Gif => MAX_FLAG_BYTES,
            Expect::Json => MAX_METADATA_BYTES,
        }
    }

    /// What the cap refuses: `a flag larger than 1 MiB`.
    fn too_large(self) -> &'static str {
        match self {
            Expect::Gif => "a flag larger than 1 MiB",
            Expect::Json => "a metadata.json larger than 64 KiB",
        }
    }
}

/// Why a flag could not be fetched. URLs are as given, with any password
/// replaced by `***`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status (404 included).
    #[error("HTTP error {status} - {reason}")]
    Status {
        /// The status code: 404, 418, 503…
        status: u16,
        /// Its reason phrase, as Python's `http.HTTPStatus` gives it.
        reason: &'static str,
        /// The URL requested.
        url: String,
    },
    /// No complete answer, body and all, within the client timeout.
    #[error("timed out (GET {url} took longer than the client timeout)")]
    Timeout {
        /// The URL requested.
        url: String,
    },
    /// The server could not be reached at all.
    #[error("could not connect to {url} ({reason})")]
    Connect {
        /// The URL requested.
        url: String,
        /// The operating system's reason: `Connection refused (os error 111)`.
        reason: String,
    },
    /// The body was larger than its cap (see [`Expect`]).
    #[error("refused {} from {url}", .expect.too_large())]
    TooLarge {
        /// What was asked for.
        expect: Expect,
        /// The URL requested.
        url: String,
    },
    /// The body was cut short or could not be read.
    #[error("bad response body from {url} ({reason})")]
    Body {
        /// The URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A flag that is not a GIF: an error page, an empty body, a 204…
    #[error("the server sent {sent}, not a GIF{begins}")]
    NotGif {
        /// The URL requested.
        url: String,
        /// What came: `text/html`, `an empty body`, `204 No Content`.
        sent: String,
        /// `: "<!doctype html>…"`, how the body begins; empty when it is.
        begins: String,
    },
    /// The server encoded the body (gzip, br…) though it was asked not to.
    #[error(
        "the server sent a body with Content-Encoding: {encoding}, though asked for plain \
         bytes (Accept-Encoding: identity); refused, as this client decodes none"
    )]
    Encoded {
        /// The URL requested.
        url: String,
        /// The `Content-Encoding` header's value.
        encoding: String,
    },
    /// The server sent the client round in redirects.
    #[error("too many redirects from {url} (a redirect loop?)")]
    Redirects {
        /// The URL requested.
        url: String,
    },
    /// The run was stopped (Ctrl-C, SIGTERM, a closed stdout) before the
    /// request was done.
    #[error("stopped before GET {url} was done")]
    Interrupted {
        /// The URL requested.
        url: String,
    },
    /// Anything else reqwest reports (a bad URL, a TLS failure…).
    #[error("request to {url} failed ({reason})")]
    Other {
        /// The URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The HTTP client could not be built (no TLS backend, for instance).
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// `true` for a 404: the flag does not exist, which is not a failure.
    pub fn is_not_found(&self) -> bool {
        matches!(self, FetchError::Status { status: 404, .. })
    }

    /// `true` when the server could not be reached at all.
    pub fn is_connect(&self) -> bool {
        matches!(self, FetchError::Connect { .. })
    }

    /// `true` when the run was stopped: not the flag's fault, not counted.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, FetchError::Interrupted { .. })
    }

    /// Sorts a reqwest error into one of the kinds above.
    fn from_reqwest(err: reqwest::Error, url: &str) -> FetchError {
        let url = redact(url);
        let reason = root_cause(&err);
        if err.is_timeout() {
            FetchError::Timeout { url }
        } else if err.is_connect() {
            FetchError::Connect { url, reason }
        } else if err.is_redirect() {
            FetchError::Redirects { url }
        } else if err.is_body() || err.is_decode() {
            FetchError::Body { url, reason }
        } else {
            FetchError::Other { url, reason }
        }
    }
}

/// The innermost error's message: "Connection refused (os error 111)".
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The reason phrase of a status code, as the book prints it. Python's
/// `http.HTTPStatus` spells 418 `I'm a Teapot`; other codes match hyper's.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        418 => "I'm a Teapot",
        _ => reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Unknown"),
    }
}

/// One line that says how to get a server when none answered at `site`.
pub fn unreachable_hint(site: &Site, builtin: bool) -> String {
    if site.is_loopback() {
        format!(
            "could not reach {}: start the test servers with `just serve` \
             (or `cargo run -p mock-server`){}",
            site.shown_url(),
            if builtin {
                ", or leave out --server to use the built-in one"
            } else {
                ""
            }
        )
    } else {
        format!(
            "could not reach {}: check the address and your network connection",
            site.shown_url()
        )
    }
}

/// An async client: reqwest's, with the run's timeout and stop switch. One
/// is shared by all the downloads of a run (it holds the connection pool);
/// cloning it is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct Client {
    inner: reqwest::Client,
    timeout: Duration,
    stop: Stop,
    timeline: Option<Recorder>,
}

/// A blocking client: each call returns when its step of the request is
/// done, failed, timed out or stopped. Cloning it is cheap and shares the pool.
/// Use it from plain threads, never from inside an async task.
#[derive(Debug, Clone)]
pub struct BlockingClient {
    client: Client,
    runtime: Arc<Background>,
}

/// The blocking client's runtime: one thread that drives the connections
/// while the calling threads wait for their answers.
#[derive(Debug)]
struct Background(Option<tokio::runtime::Runtime>);

impl Drop for Background {
    fn drop(&mut self) {
        // Without waiting: a client may be dropped anywhere, even in a task.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

fn reqwest_client(base_url: &str) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder().user_agent(USER_AGENT);
    if is_loopback(base_url) {
        // Plain HTTP on this machine: no proxy, and no TLS roots to load
        // (loading the system's certificates costs 2 to 3 ms a client).
        builder = builder.no_proxy().tls_certs_only([]);
    }
    builder
        .build()
        .map_err(|e| FetchError::Client(root_cause(&e)))
}

/// An async client for `base_url`: each request must be done within
/// `timeout`, and all of them end when `stop` is thrown.
pub fn async_client(base_url: &str, timeout: Duration, stop: &Stop) -> Result<Client, FetchError> {
    Ok(Client {
        inner: reqwest_client(base_url)?,
        timeout,
        stop: stop.clone(),
        timeline: None,
    })
}

impl Client {
    /// The same client, noting each request's start, end and outcome in
    /// `timeline` (its clones share it).
    pub fn recording(mut self, timeline: &Recorder) -> Client {
        self.timeline = Some(timeline.clone());
        self
    }
}

impl BlockingClient {
    /// The same client, noting each request in `timeline`.
    pub fn recording(mut self, timeline: &Recorder) -> BlockingClient {
        self.client = self.client.recording(timeline);
        self
    }
}

/// A blocking client for `base_url`, with the same rules as
/// [`async_client`]. Build and use it outside any async task.
pub fn blocking_client(
    base_url: &str,
    timeout: Duration,
    stop: &Stop,
) -> Result<BlockingClient, FetchError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("http-client")
        .enable_all()
        .build()
        .map_err(|e| FetchError::Client(format!("could not start its runtime: {e}")))?;
    Ok(BlockingClient {
        client: async_client(base_url, timeout, stop)?,
        runtime: Arc::new(Background(Some(runtime))),
    })
}

/// A GET about to be sent: [`Client::get`]'s, sent by [`Request::send`].
#[derive(Debug)]
pub struct Request<'a> {
    client: &'a Client,
    url: &'a str,
}

/// An answer whose headers have come; its body has not been read yet.
/// The request's deadline still runs: [`Response::body_within_deadline`]
/// reads the body before it.
#[derive(Debug)]
pub struct Response {
    inner: reqwest::Response,
    url: String,
    deadline: tokio::time::Instant,
    stop: Stop,
    note: Option<Note>,
}

impl Client {
    /// Starts a GET of `url`, as reqwest's `client.get(url)` does.
    pub fn get<'a>(&'a self, url: &'a str) -> Request<'a> {
        Request { client: self, url }
    }
}

impl Request<'_> {
    /// Sends the request and waits for the answer's headers: reqwest's
    /// `send()`, with the client timeout started for the whole request
    /// (body included), and the run's stop switch.
    pub async fn send(self) -> Result<Response, FetchError> {
        let Request { client, url } = self;
        let deadline = tokio::time::Instant::now() + client.timeout;
        let note = client.timeline.as_ref().map(|timeline| Note {
            timeline: timeline.clone(),
            label: label(url),
            start: timeline.now(),
            stop: client.stop.clone(),
            outcome: None,
        });
        let request = client
            .inner
            .get(url)
            .header(ACCEPT_ENCODING, "identity")
            .send();
        let sent = within(deadline, &client.stop, url, async {
            request.await.map_err(|e| FetchError::from_reqwest(e, url))
        })
        .await;
        match sent {
            Ok(inner) => Ok(Response {
                inner,
                url: url.to_owned(),
                deadline,
                stop: client.stop.clone(),
                note,
            }),
            Err(err) => Err(noted(note, err)),
        }
    }
}

impl Response {
    /// The answer itself if its status is a success, else the error:
    /// reqwest's `error_for_status()`, the book's `raise_for_status()`.
    pub fn error_for_status(self) -> Result<Response, FetchError> {
        match check_status(self.inner.status(), &self.url) {
            Ok(()) => Ok(self),
            Err(err) => Err(noted(self.note, err)),
        }
    }

    /// Reads the whole body before the request's deadline, unless the run
    /// stops first: reqwest's `bytes()`, with the checks a flag needs (plain
    /// bytes, a size cap, a GIF's signature for [`Expect::Gif`]).
    pub async fn body_within_deadline(self, expect: Expect) -> Result<Bytes, FetchError> {
        let Response {
            inner,
            url,
            deadline,
            stop,
            note,
        } = self;
        let body = within(deadline, &stop, &url, read_body(inner, &url, expect)).await;
        match body {
            Ok(body) => {
                if let Some(mut note) = note {
                    note.outcome = Some(Outcome::Ok);
                }
                Ok(body)
            }
            Err(err) => Err(noted(note, err)),
        }
    }
}

// ANCHOR: within
/// Runs one step of a request (sending it, reading its body) until the
/// request's deadline, unless the run stops first.
async fn within<T>(
    deadline: tokio::time::Instant,
    stop: &Stop,
    url: &str,
    step: impl Future<Output = Result<T, FetchError>>,
) -> Result<T, FetchError> {
    tokio::select! {
        // A stopped run starts no request at all.
        biased;
        () = stop.stopped() => Err(FetchError::Interrupted { url: redact(url) }),
        done = tokio::time::timeout_at(deadline, step) => {
            done.unwrap_or_else(|_| Err(FetchError::Timeout { url: redact(url) }))
        }
    }
}
// ANCHOR_END: within

/// The body, checked: encoding, size, a GIF's signature.
async fn read_body(
    mut resp: reqwest::Response,
    url: &str,
    expect: Expect,
) -> Result<Bytes, FetchError> {
    let status = resp.status();
    check_encoding(resp.headers(), url)?;
    let too_large = || FetchError::TooLarge {
        expect,
        url: redact(url),
    };
    if (resp.content_length()).is_some_and(|n| n > expect.max_bytes() as u64) {
        return Err(too_large());
    }
    let headers = resp.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = (resp.chunk().await).map_err(|e| FetchError::from_reqwest(e, url))? {
        if body.len() + chunk.len() > expect.max_bytes() {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if expect == Expect::Gif {
        check_gif(status, &headers, &body, url)?;
    }
    Ok(Bytes::from(body))
}

/// A request on the run's timeline, noted when it ends however it ends:
/// with its outcome, or dropped by the deadline (a stall) or the stop
/// switch.
#[derive(Debug)]
struct Note {
    timeline: Recorder,
    label: String,
    start: Duration,
    stop: Stop,
    outcome: Option<Outcome>,
}

impl Drop for Note {
    fn drop(&mut self) {
        let dropped = match self.stop.is_stopped() {
            true => Outcome::Error,
            false => Outcome::Stall,
        };
        let outcome = self.outcome.unwrap_or(dropped);
        self.timeline
            .record(std::mem::take(&mut self.label), self.start, outcome);
    }
}

/// Notes how a request failed, as a timeline colours it (a timeout is a
/// server that stalled), and hands the error on.
fn noted(note: Option<Note>, err: FetchError) -> FetchError {
    if let Some(mut note) = note {
        note.outcome = Some(match &err {
            err if err.is_not_found() => Outcome::NotFound,
            FetchError::Timeout { .. } => Outcome::Stall,
            _ => Outcome::Error,
        });
    }
    err
}

/// A request's name on a timeline: the last two steps of its path,
/// `bd/bd.gif` or `bd/metadata.json`.
fn label(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let mut steps = path.rsplitn(3, '/');
    match (steps.next(), steps.next()) {
        (Some(file), Some(folder)) => format!("{folder}/{file}"),
        _ => path.to_owned(),
    }
}

/// [`Request`]'s blocking twin: [`BlockingClient::get`]'s.
#[derive(Debug)]
pub struct BlockingRequest<'a> {
    request: Request<'a>,
    runtime: &'a Arc<Background>,
}

/// [`Response`]'s blocking twin.
#[derive(Debug)]
pub struct BlockingResponse {
    inner: Response,
    runtime: Arc<Background>,
}

impl Background {
    /// Runs `future` on the client's runtime; the calling thread waits.
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        let runtime =
            (self.0.as_ref()).expect("the runtime is taken only when the client is dropped");
        runtime.block_on(future)
    }
}

impl BlockingClient {
    /// Starts a GET of `url`, as reqwest's `client.get(url)` does.
    pub fn get<'a>(&'a self, url: &'a str) -> BlockingRequest<'a> {
        BlockingRequest {
            request: self.client.get(url),
            runtime: &self.runtime,
        }
    }
}

impl BlockingRequest<'_> {
    /// Sends the request; the thread waits for the answer's headers. See
    /// [`Request::send`].
    pub fn send(self) -> Result<BlockingResponse, FetchError> {
        let inner = self.runtime.block_on(self.request.send())?;
        Ok(BlockingResponse {
            inner,
            runtime: Arc::clone(self.runtime),
        })
    }
}

impl BlockingResponse {
    /// See [`Response::error_for_status`].
    pub fn error_for_status(self) -> Result<BlockingResponse, FetchError> {
        let BlockingResponse { inner, runtime } = self;
        Ok(BlockingResponse {
            inner: inner.error_for_status()?,
            runtime,
        })
    }

    /// Reads the whole body before the request's deadline; the thread
    /// waits. See [`Response::body_within_deadline`].
    pub fn body_within_deadline(self, expect: Expect) -> Result<Bytes, FetchError> {
        let BlockingResponse { inner, runtime } = self;
        runtime.block_on(inner.body_within_deadline(expect))
    }
}

fn check_status(status: reqwest::StatusCode, url: &str) -> Result<(), FetchError> {
    if status.is_success() {
        return Ok(());
    }
    Err(FetchError::Status {
        status: status.as_u16(),
        reason: reason_phrase(status.as_u16()),
        url: redact(url),
    })
}

/// Only plain bytes are flags: a `Content-Encoding` other than `identity`
/// is refused (the client asked for identity and decodes nothing).
fn check_encoding(headers: &HeaderMap, url: &str) -> Result<(), FetchError> {
    let Some(encoding) = headers.get(CONTENT_ENCODING) else {
        return Ok(());
    };
    let encoding = String::from_utf8_lossy(encoding.as_bytes())
        .trim()
        .to_owned();
    if encoding.is_empty() || encoding.eq_ignore_ascii_case("identity") {
        return Ok(());
    }
    Err(FetchError::Encoded {
        url: redact(url),
        encoding,
    })
}

/// A flag is a GIF: its first six bytes are `GIF87a` or `GIF89a`.
fn check_gif(
    status: reqwest::StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    url: &str,
) -> Result<(), FetchError> {
    if body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a") {
        return Ok(());
    }
    let sent = if body.is_empty() && status != reqwest::StatusCode::OK {
        format!("{} {}", status.as_u16(), reason_phrase(status.as_u16()))
    } else if body.is_empty() {
        "an empty body".to_owned()
    } else {
        match headers.get(CONTENT_TYPE).map(|v| v.to_str()) {
            Some(Ok(content_type)) => content_type
                .split(';')
                .next()
                .unwrap_or(content_type)
                .trim()
                .to_owned(),
            _ => "a body with no Content-Type".to_owned(),
        }
    };
    Err(FetchError::NotGif {
        url: redact(url),
        sent,
        begins: begins(body),
    })
}

/// `: "<!doctype html><html>…"`: how a body begins, quoted and escaped, so
/// that a binary body cannot garble the terminal.
fn begins(body: &[u8]) -> String {
    const SHOWN: usize = 40;
    if body.is_empty() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]);
    let more = if body.len() > SHOWN { "…" } else { "" };
    format!(": {text:?}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_spells_418_its_own_way() {
        assert_eq!(reason_phrase(418), "I'm a Teapot");
        assert_eq!(reason_phrase(404), "Not Found");
        assert_eq!(reason_phrase(503), "Service Unavailable");
        assert_eq!(reason_phrase(599), "Unknown");
        let err = FetchError::Status {
            status: 418,
            reason: reason_phrase(418),
            url: "http://x/aq/aq.gif".into(),
        };
        assert_eq!(err.to_string(), "HTTP error 418 - I'm a Teapot");
        assert!(!err.is_not_found());
    }

    #[test]
    fn the_hint_says_how_to_start_a_server() {
        let hint = unreachable_hint(&Site::from(crate::Server::Delay), true);
        assert!(hint.contains("http://localhost:8001/flags"), "{hint}");
        assert!(hint.contains("just serve"), "{hint}");
        assert!(hint.contains("cargo run -p mock-server"), "{hint}");
        assert!(hint.contains("the built-in one"), "{hint}");
        // Built without the built-in server, it is not offered.
        let hint = unreachable_hint(&Site::from(crate::Server::Delay), false);
        assert!(!hint.contains("built-in"), "{hint}");
    }

    #[test]
    fn a_body_that_is_not_a_gif_is_named_and_quoted() {
        let html =
            HeaderMap::from_iter([(CONTENT_TYPE, "text/html; charset=utf-8".parse().unwrap())]);
        let ok = reqwest::StatusCode::OK;
        let url = "http://u:pw@x/bd/bd.gif";
        let err = check_gif(ok, &html, b"<!doctype html><p>Oops", url).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"the server sent text/html, not a GIF: "<!doctype html><p>Oops""#
        );
        assert!(
            matches!(&err, FetchError::NotGif { url, .. } if url == "http://u:***@x/bd/bd.gif")
        );
        let long = check_gif(ok, &HeaderMap::new(), &[b'\n'; 50], url).unwrap_err();
        assert!(
            long.to_string()
                .starts_with(r#"the server sent a body with no Content-Type, not a GIF: "\n\n"#),
            "{long}"
        );
        assert!(long.to_string().ends_with("\"…"), "{long}");
        let empty = check_gif(ok, &html, b"", url).unwrap_err();
        assert_eq!(
            empty.to_string(),
            "the server sent an empty body, not a GIF"
        );
        let none = check_gif(reqwest::StatusCode::NO_CONTENT, &html, b"", url).unwrap_err();
        assert_eq!(
            none.to_string(),
            "the server sent 204 No Content, not a GIF"
        );
        for gif in [&b"GIF87a"[..], b"GIF89a\x01\x00"] {
            assert!(check_gif(ok, &html, gif, url).is_ok());
        }
    }

    #[test]
    fn only_identity_is_plain_bytes() {
        let with = |value: &str| HeaderMap::from_iter([(CONTENT_ENCODING, value.parse().unwrap())]);
        assert!(check_encoding(&HeaderMap::new(), "http://x").is_ok());
        assert!(check_encoding(&with("identity"), "http://x").is_ok());
        let err = check_encoding(&with("gzip"), "http://x/bd/bd.gif").unwrap_err();
        assert!(err.to_string().contains("Content-Encoding: gzip"), "{err}");
    }
}
