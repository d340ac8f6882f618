//! Where flags come from: the book's four servers, or any base URL.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::Code;

/// The book's servers (`SERVERS` in `flags2_common.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Server {
    /// A plain static server on port 8000: no delay, no errors.
    Local,
    /// Port 8001: every request delayed (the book's `slow_server.py`).
    Delay,
    /// Port 8002: delayed, and a quarter of the flags answer 418.
    Error,
    /// The book's public site. Be polite: never point a load at it.
    Remote,
}

impl Server {
    /// All four, in the order the book's usage message lists them.
    pub const ALL: [Server; 4] = [Server::Delay, Server::Error, Server::Local, Server::Remote];

    /// The label the book prints: `LOCAL`, `DELAY`, `ERROR` or `REMOTE`.
    pub fn label(self) -> &'static str {
        match self {
            Server::Local => "LOCAL",
            Server::Delay => "DELAY",
            Server::Error => "ERROR",
            Server::Remote => "REMOTE",
        }
    }

    /// The base URL the book uses for this server.
    pub fn base_url(self) -> &'static str {
        match self {
            Server::Local => "http://localhost:8000/flags",
            Server::Delay => "http://localhost:8001/flags",
            Server::Error => "http://localhost:8002/flags",
            Server::Remote => "https://www.fluentpython.com/data/flags",
        }
    }

    /// The local port of a test server (`None` for REMOTE).
    pub fn port(self) -> Option<u16> {
        match self {
            Server::Local => Some(8000),
            Server::Delay => Some(8001),
            Server::Error => Some(8002),
            Server::Remote => None,
        }
    }
}

/// A `--server` value that is neither a label nor an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE")]
pub struct ServerError {
    /// The value as given.
    pub input: String,
}

impl FromStr for Server {
    type Err = ServerError;
    /// Case-insensitive, as in the book: `local`, `Local` and `LOCAL` all work.
    fn from_str(s: &str) -> Result<Server, ServerError> {
        Server::ALL
            .into_iter()
            .find(|server| server.label().eq_ignore_ascii_case(s))
            .ok_or_else(|| ServerError {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A site to download from: a label for the report and a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// What the report calls it: `LOCAL`, `REMOTE`, `URL`, `TEST`…
    pub label: String,
    /// Flags live at `{base_url}/{cc}/{cc}.gif`; no trailing slash.
    pub base_url: String,
}

impl Site {
    /// A site with any label and base URL (a trailing `/` is dropped).
    pub fn new(label: impl Into<String>, base_url: impl Into<String>) -> Site {
        let base_url: String = base_url.into();
        Site {
            label: label.into(),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// A `--server` value: a label (any case) or an `http://` or `https://` URL.
    pub fn parse(input: &str) -> Result<Site, ServerError> {
        if let Ok(server) = input.parse::<Server>() {
            return Ok(Site::from(server));
        }
        let bad = || ServerError {
            input: input.to_owned(),
        };
        let url = reqwest::Url::parse(input).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(bad());
        }
        Ok(Site::new("URL", input))
    }

    /// `true` when the host is `localhost` or a loopback address: such a site
    /// is reached without any proxy, and can be loaded without harming anyone.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.base_url)
    }

    /// `{base_url}/{cc}/{cc}.gif`, the code in lower case.
    pub fn flag_url(&self, cc: Code) -> String {
        flag_url(&self.base_url, cc)
    }

    /// `{base_url}/{cc}/metadata.json`, the code in lower case.
    pub fn metadata_url(&self, cc: Code) -> String {
        format!("{}/{}/metadata.json", self.base_url, cc.lower())
    }
}

impl From<Server> for Site {
    fn from(server: Server) -> Site {
        Site::new(server.label(), server.base_url())
    }
}

/// The URL of a flag: `{base}/{cc}/{cc}.gif`, the code in lower case.
pub fn flag_url(base_url: &str, cc: Code) -> String {
    let cc = cc.lower();
    format!("{}/{cc}/{cc}.gif", base_url.trim_end_matches('/'))
}

/// `true` when the URL's host is `localhost` or a loopback IP address.
pub fn is_loopback(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed: `[::1]`.
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    #[test]
    fn labels_are_case_insensitive() {
        for (input, server) in [
            ("local", Server::Local),
            ("Delay", Server::Delay),
            ("ERROR", Server::Error),
            ("remote", Server::Remote),
        ] {
            assert_eq!(input.parse::<Server>().unwrap(), server);
        }
        let err = "nginx".parse::<Server>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE"
        );
    }

    #[test]
    fn the_book_urls() {
        assert_eq!(Server::Local.base_url(), "http://localhost:8000/flags");
        assert_eq!(Server::Delay.base_url(), "http://localhost:8001/flags");
        assert_eq!(Server::Error.base_url(), "http://localhost:8002/flags");
        assert_eq!(
            Server::Remote.base_url(),
            "https://www.fluentpython.com/data/flags"
        );
    }

    #[test]
    fn flag_urls_are_lower_case() {
        let site = Site::from(Server::Local);
        assert_eq!(
            site.flag_url(cc("BD")),
            "http://localhost:8000/flags/bd/bd.gif"
        );
        assert_eq!(
            site.metadata_url(cc("bd")),
            "http://localhost:8000/flags/bd/metadata.json"
        );
        assert_eq!(
            flag_url("http://127.0.0.1:9/Data/", cc("cn")),
            "http://127.0.0.1:9/Data/cn/cn.gif"
        );
    }

    #[test]
    fn a_server_is_a_label_or_an_http_url() {
        let site = Site::parse("http://127.0.0.1:8080/flags/").unwrap();
        assert_eq!(site.label, "URL");
        assert_eq!(site.base_url, "http://127.0.0.1:8080/flags");
        assert_eq!(Site::parse("error").unwrap().label, "ERROR");
        for bad in [
            "ftp://x/flags",
            "127.0.0.1:8000",
            "localhost",
            "",
            "http://",
        ] {
            assert!(Site::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn loopback_sites_are_recognised() {
        assert!(Site::from(Server::Local).is_loopback());
        assert!(is_loopback("http://127.0.0.1:1/flags"));
        assert!(is_loopback("http://[::1]:1/flags"));
        assert!(!Site::from(Server::Remote).is_loopback());
        assert!(!is_loopback("http://10.0.0.1/flags"));
    }
}
