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

/// A `--server` value that is neither a label nor a usable http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    /// Not a label, and nothing like a URL.
    #[error(
        "--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE, or an http:// or https:// \
         URL such as http://127.0.0.1:8001/flags (got {input:?})"
    )]
    Label {
        /// The value as given.
        input: String,
    },
    /// Meant as a URL, but not one the clients can use.
    #[error(
        "--server {input:?} is not a usable URL: {problem}; give an http:// or https:// URL \
         with a host, such as http://127.0.0.1:8001/flags"
    )]
    Url {
        /// The value as given, any password replaced by `***`.
        input: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl FromStr for Server {
    type Err = ServerError;
    /// Case-insensitive, as in the book: `local`, `Local` and `LOCAL` all work.
    fn from_str(s: &str) -> Result<Server, ServerError> {
        Server::ALL
            .into_iter()
            .find(|server| server.label().eq_ignore_ascii_case(s))
            .ok_or_else(|| ServerError::Label {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The host of the book's public site, and of its subdomains.
const BOOK_HOST: &str = "fluentpython.com";

/// A site to download from: a label for the report and a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// What the report calls it: `LOCAL`, `REMOTE`, `URL`, `TEST`…
    pub label: String,
    /// Flags live at `{base_url}/{cc}/{cc}.gif`; no trailing slash before
    /// its `?query`, if it has one, and no `#fragment`.
    pub base_url: String,
}

impl Site {
    /// A site with any label and base URL (a trailing `/` and a
    /// `#fragment` are dropped).
    pub fn new(label: impl Into<String>, base_url: impl Into<String>) -> Site {
        let base_url: String = base_url.into();
        let (path, query) = split_query(&base_url);
        Site {
            label: label.into(),
            base_url: format!("{}{query}", path.trim_end_matches('/')),
        }
    }

    /// A `--server` value: a label (any case) or an `http://` or `https://`
    /// URL with a host. The book's public site is `REMOTE` however it is
    /// written.
    pub fn parse(input: &str) -> Result<Site, ServerError> {
        if let Ok(server) = input.parse::<Server>() {
            return Ok(Site::from(server));
        }
        let bad = |problem: &str| ServerError::Url {
            input: redact(input),
            problem: problem.to_owned(),
        };
        if !input.contains("://") {
            // `127.0.0.1:8000/flags` is a URL without its scheme; `nginx`
            // is a label nobody knows.
            return match input.contains(['.', ':', '/']) {
                true => Err(bad("it has no scheme (http:// or https://)")),
                false => Err(ServerError::Label {
                    input: input.to_owned(),
                }),
            };
        }
        let url = reqwest::Url::parse(input).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            let problem = format!("the scheme is {}://, not http:// or https://", url.scheme());
            return Err(bad(&problem));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        let site = Site::new("URL", input);
        match site.base_url == Server::Remote.base_url() {
            true => Ok(Site::from(Server::Remote)),
            false => Ok(site),
        }
    }

    /// `true` when the host is `localhost` or a loopback address: such a site
    /// is reached without any proxy, and can be loaded without harming anyone.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.base_url)
    }

    /// `true` when the host is the book's public site (or one of its
    /// subdomains), whatever the label or the URL's spelling: the politeness
    /// cap follows the host.
    pub fn is_remote(&self) -> bool {
        let Ok(url) = reqwest::Url::parse(&self.base_url) else {
            return false;
        };
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        host == BOOK_HOST || host.ends_with(&format!(".{BOOK_HOST}"))
    }

    /// The base URL to print: any password replaced by `***`.
    pub fn shown_url(&self) -> String {
        redact(&self.base_url)
    }

    /// `{base_url}/{cc}/{cc}.gif`, the code in lower case.
    pub fn flag_url(&self, cc: Code) -> String {
        flag_url(&self.base_url, cc)
    }

    /// `{base_url}/{cc}/metadata.json`, the code in lower case.
    pub fn metadata_url(&self, cc: Code) -> String {
        under(&self.base_url, &format!("{}/metadata.json", cc.lower()))
    }
}

impl From<Server> for Site {
    fn from(server: Server) -> Site {
        Site::new(server.label(), server.base_url())
    }
}

/// What a lesson binary built without its `builtin-server` feature says
/// when no `--server` is given: it has no test server of its own.
pub const NO_BUILTIN_SERVER: &str = "no --server given, and this binary was built without \
     its built-in test server (the `builtin-server` feature). Start the test servers with \
     `cargo run -p mock-server` and pass --server DELAY (or LOCAL, ERROR, a URL), or build \
     with the default features to get the built-in one back";

/// Why `--timeline` cannot be honoured against `site`, if it cannot: the
/// book's public site is never loaded more, not even to draw it.
pub fn refuse_timeline(site: &Site, timeline: Option<&timeline::Target>) -> Option<String> {
    (timeline.is_some() && site.is_remote()).then(|| {
        format!(
            "--timeline is refused for {}, the book's public site: a timeline is for runs \
             against a test server, and the public site must never be loaded more. Leave out \
             --server to use the built-in server, or start one with `cargo run -p mock-server`",
            site.shown_url()
        )
    })
}

/// The URL of a flag: `{base}/{cc}/{cc}.gif`, the code in lower case. A
/// `?query` of the base stays at the end: `…/flags/bd/bd.gif?key=1`.
pub fn flag_url(base_url: &str, cc: Code) -> String {
    let cc = cc.lower();
    under(base_url, &format!("{cc}/{cc}.gif"))
}

/// `{base}/{rest}`, with the base's `?query` moved after `rest`.
fn under(base_url: &str, rest: &str) -> String {
    let (path, query) = split_query(base_url);
    format!("{}/{rest}{query}", path.trim_end_matches('/'))
}

/// `("http://h/flags", "?key=1")` from `http://h/flags?key=1#top`: the
/// fragment is dropped (it is never sent), the query kept with its `?`.
fn split_query(url: &str) -> (&str, &str) {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    match url.find('?') {
        Some(i) if i + 1 < url.len() => url.split_at(i),
        Some(i) => (&url[..i], ""),
        None => (url, ""),
    }
}

/// `url` for printing: a password becomes `***`, and so does a user name
/// given alone (often a token). Anything else is returned as it is.
pub fn redact(url: &str) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        return url.to_owned();
    };
    let redacted = if parsed.password().is_some() {
        parsed.set_password(Some("***"))
    } else if !parsed.username().is_empty() {
        parsed.set_username("***")
    } else {
        return url.to_owned();
    };
    match redacted {
        Ok(()) => parsed.to_string(),
        // A URL that cannot carry credentials has none to hide.
        Err(()) => url.to_owned(),
    }
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
        assert!(
            err.to_string()
                .starts_with("--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE, or "),
            "{err}"
        );
        assert!(err.to_string().ends_with("(got \"nginx\")"), "{err}");
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
    fn a_bad_url_says_what_is_wrong_with_it() {
        let problem = |input: &str| Site::parse(input).unwrap_err().to_string();
        let ftp = problem("ftp://x/flags");
        assert!(
            ftp.contains("the scheme is ftp://, not http:// or https://"),
            "{ftp}"
        );
        assert!(
            ftp.starts_with("--server \"ftp://x/flags\" is not a usable URL"),
            "{ftp}"
        );
        assert!(problem("127.0.0.1:8000/flags").contains("it has no scheme"));
        assert!(
            problem("http://").contains("empty host"),
            "{}",
            problem("http://")
        );
        assert!(problem("http://h:99999/flags").contains("invalid port number"));
        let secret = problem("ftp://me:hunter2@x/flags");
        assert!(!secret.contains("hunter2"), "{secret}");
        assert!(problem("localhost").starts_with("--server LABEL must be one of"));
    }

    #[test]
    fn a_query_stays_at_the_end_of_every_url() {
        let site = Site::parse("http://127.0.0.1:8080/flags/?key=k1#top").unwrap();
        assert_eq!(site.base_url, "http://127.0.0.1:8080/flags?key=k1");
        assert_eq!(
            site.flag_url(cc("BD")),
            "http://127.0.0.1:8080/flags/bd/bd.gif?key=k1"
        );
        assert_eq!(
            site.metadata_url(cc("BD")),
            "http://127.0.0.1:8080/flags/bd/metadata.json?key=k1"
        );
        assert_eq!(flag_url("/flags", cc("bd")), "/flags/bd/bd.gif");
        assert_eq!(flag_url("http://h/f?", cc("bd")), "http://h/f/bd/bd.gif");
    }

    #[test]
    fn credentials_are_never_printed() {
        let site = Site::parse("http://user:secret@127.0.0.1:8080/flags").unwrap();
        assert_eq!(site.shown_url(), "http://user:***@127.0.0.1:8080/flags");
        assert!(
            site.flag_url(cc("BD")).contains("user:secret@"),
            "sent as given"
        );
        assert_eq!(redact("https://tok3n@h/flags"), "https://***@h/flags");
        assert_eq!(redact("http://h/flags"), "http://h/flags");
        assert_eq!(redact("not a url"), "not a url");
    }

    #[test]
    fn the_books_site_is_remote_however_it_is_written() {
        let written = Site::parse("https://www.fluentpython.com/data/flags").unwrap();
        assert_eq!(written, Site::from(Server::Remote), "labelled REMOTE");
        for url in [
            "https://www.fluentpython.com/data/flags/",
            "http://WWW.FluentPython.com./data/flags",
            "https://fluentpython.com/other/path?x=1",
            "https://cdn.fluentpython.com/data/flags",
        ] {
            assert!(Site::parse(url).unwrap().is_remote(), "{url}");
        }
        for url in [
            "https://notfluentpython.com/data/flags",
            "https://fluentpython.com.evil.example/data/flags",
            "http://127.0.0.1:8000/flags",
        ] {
            assert!(!Site::parse(url).unwrap().is_remote(), "{url}");
        }
        assert!(Site::from(Server::Remote).is_remote());
        assert!(!Site::from(Server::Local).is_remote());
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
