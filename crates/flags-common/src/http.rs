//! The one place that builds HTTP clients and reads flags off the wire.
//!
//! Every variant, blocking or async, gets the same rules: the book's timeouts,
//! no proxy for loopback (a `HTTP_PROXY` in the environment must not swallow
//! requests to the local test server), a cap on the body (a flag above 1 MiB
//! is an error, not a full disk), and errors sorted into the kinds a report
//! can explain: an HTTP status, a timeout, a refused connection, a bad body.

use std::io::Read;
use std::time::Duration;

use bytes::Bytes;

use crate::{Site, server::is_loopback};

/// The chapter-1 scripts' client timeout: 6.1 s.
pub const CHAPTER1_TIMEOUT: Duration = Duration::from_millis(6100);

/// The flags2 scripts' client timeout: 3.1 s.
pub const FLAGS2_TIMEOUT: Duration = Duration::from_millis(3100);

/// The largest flag accepted: 1 MiB (the book's largest is 36 KB).
pub const MAX_FLAG_BYTES: usize = 1 << 20;

const USER_AGENT: &str = concat!("fluent-flags/", env!("CARGO_PKG_VERSION"));

/// Why a flag could not be fetched.
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
    /// No complete answer within the client timeout.
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
    /// The body was larger than [`MAX_FLAG_BYTES`].
    #[error("refused a flag larger than 1 MiB from {url}")]
    TooLarge {
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

    /// Sorts a reqwest error into one of the kinds above.
    fn from_reqwest(err: reqwest::Error, url: &str) -> FetchError {
        let url = url.to_owned();
        let reason = root_cause(&err);
        if err.is_timeout() {
            FetchError::Timeout { url }
        } else if err.is_connect() {
            FetchError::Connect { url, reason }
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
pub fn unreachable_hint(site: &Site) -> String {
    if site.is_loopback() {
        format!(
            "could not reach {}: start the test servers with `just serve` \
             (or `cargo run -p mock-server`), or leave out --server to use the built-in one",
            site.base_url
        )
    } else {
        format!(
            "could not reach {}: check the address and your network connection",
            site.base_url
        )
    }
}

/// A blocking client for `base_url`. Build it outside any tokio runtime:
/// reqwest's blocking client runs a runtime of its own.
pub fn blocking_client(
    base_url: &str,
    timeout: Duration,
) -> Result<reqwest::blocking::Client, FetchError> {
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(timeout)
        .user_agent(USER_AGENT);
    if is_loopback(base_url) {
        // Plain HTTP on this machine: no proxy, and no TLS roots to load
        // (loading the system's certificates costs 2 to 3 ms a client).
        builder = builder.no_proxy().tls_certs_only([]);
    }
    builder
        .build()
        .map_err(|e| FetchError::Client(root_cause(&e)))
}

/// An async client for `base_url`, to be shared by all the downloads of a run
/// (it holds the connection pool).
pub fn async_client(base_url: &str, timeout: Duration) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(USER_AGENT);
    if is_loopback(base_url) {
        builder = builder.no_proxy().tls_certs_only([]);
    }
    builder
        .build()
        .map_err(|e| FetchError::Client(root_cause(&e)))
}

fn check_status(status: reqwest::StatusCode, url: &str) -> Result<(), FetchError> {
    if status.is_success() {
        return Ok(());
    }
    Err(FetchError::Status {
        status: status.as_u16(),
        reason: reason_phrase(status.as_u16()),
        url: url.to_owned(),
    })
}

fn check_length(length: Option<u64>, url: &str) -> Result<(), FetchError> {
    match length {
        Some(n) if n > MAX_FLAG_BYTES as u64 => Err(FetchError::TooLarge {
            url: url.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// GETs `url` and returns the body: the book's `requests.get(url)`,
/// `raise_for_status()` and `.content`, with the size cap.
pub fn fetch_blocking(client: &reqwest::blocking::Client, url: &str) -> Result<Bytes, FetchError> {
    let resp = client
        .get(url)
        .send()
        .map_err(|e| FetchError::from_reqwest(e, url))?;
    check_status(resp.status(), url)?;
    check_length(resp.content_length(), url)?;
    let mut body = Vec::new();
    // Read one byte past the cap to tell "exactly 1 MiB" from "more".
    resp.take(MAX_FLAG_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(
            |e| match e.get_ref().and_then(|e| e.downcast_ref::<reqwest::Error>()) {
                Some(_) => {
                    let inner = e.into_inner().expect("checked just above");
                    let err = inner
                        .downcast::<reqwest::Error>()
                        .expect("checked just above");
                    FetchError::from_reqwest(*err, url)
                }
                None if e.kind() == std::io::ErrorKind::TimedOut => FetchError::Timeout {
                    url: url.to_owned(),
                },
                None => FetchError::Body {
                    url: url.to_owned(),
                    reason: e.to_string(),
                },
            },
        )?;
    if body.len() > MAX_FLAG_BYTES {
        return Err(FetchError::TooLarge {
            url: url.to_owned(),
        });
    }
    Ok(Bytes::from(body))
}

/// The async twin of [`fetch_blocking`].
pub async fn fetch(client: &reqwest::Client, url: &str) -> Result<Bytes, FetchError> {
    let fail = |e| FetchError::from_reqwest(e, url);
    let mut resp = client.get(url).send().await.map_err(fail)?;
    check_status(resp.status(), url)?;
    check_length(resp.content_length(), url)?;
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(fail)? {
        if body.len() + chunk.len() > MAX_FLAG_BYTES {
            return Err(FetchError::TooLarge {
                url: url.to_owned(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
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
        let hint = unreachable_hint(&Site::from(crate::Server::Delay));
        assert!(hint.contains("http://localhost:8001/flags"), "{hint}");
        assert!(hint.contains("just serve"), "{hint}");
        assert!(hint.contains("cargo run -p mock-server"), "{hint}");
    }
}
