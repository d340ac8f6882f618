//! # flags-seq: one flag after another
//!
//! Ports the book's `flags.py`, the chapter's baseline: download the flags
//! of the 20 most populous countries one at a time, each request waiting for
//! the previous one to finish. The thread-pool variants import
//! [`download_one`] (and with it [`get_flag`]) and [`main`] from here, as
//! the book's scripts do `from flags import save_flag, get_flag, main`, so
//! the diff between two variants is only how they schedule `download_one`.
//! The async variant writes `async` twins of the first two and imports
//! [`main`], as `flags_asyncio.py` does.
//!
//! The book's chapter: *Sequential downloads* (`docs/src/sequential.md`; `just book` builds it).
//!
//! ```text
//! $ cargo run -p flags-seq
//! Using the built-in test server at http://127.0.0.1:40227/flags: DELAY preset, seed 1: delay 100 ms; no faults
//! BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN
//! 20 flags downloaded in 2.07s
//! ```
//!
//! Each flag costs a full round trip (100 ms of injected latency here), so
//! the total is about 20 × 100 ms: the time is spent waiting, not working.
//! Run it against another server with `--server LOCAL|DELAY|ERROR|REMOTE|URL`
//! (start the local ones with `cargo run -p mock-server`), choose the
//! folder with `--dest DIR` and the timeout with `--timeout SECS`. The first
//! error stops the run and names the flag; Ctrl-C or SIGTERM stops it at
//! once (exit 130 or 143), a closed stdout quietly (141).
//! `--timeline -` draws the requests on the terminal after the report (one
//! lane: a staircase), `--timeline FILE.svg` as a picture.
#![deny(missing_docs)]

mod chapter1;

use bytes::Bytes;
use flags_common::http::{BlockingClient as Client, Expect};
use flags_common::{Code, FetchError, flag_filename, flag_url, save_flag};

#[cfg(feature = "builtin-server")]
pub use chapter1::default_plan;
pub use chapter1::{Args, Config, DownloadError, main, run};

// ANCHOR: get_flag
/// Downloads one flag: the book's `get_flag`. The thread waits until the
/// flag is here, or the request failed. A 404, a timeout, a refused
/// connection or a body that is not a GIF comes back as an error; chapter 1
/// does not try to recover.
pub fn get_flag(config: &Config, client: &Client, cc: Code) -> Result<Bytes, FetchError> {
    let url = flag_url(&config.site.base_url, cc);
    let resp = client.get(&url).send()?.error_for_status()?;
    // Not reqwest's `resp.bytes()`: its blocking client times each read,
    // not the whole body, and a flag sent one byte a second held it 99 s
    // against a 3.1 s timeout. The body must come within the request's
    // deadline, and it must be a GIF.
    resp.body_within_deadline(Expect::Gif)
}
// ANCHOR_END: get_flag

// ANCHOR: download_one
/// Downloads and saves one flag, then shows its code: the unit of work that
/// every variant schedules in its own way. Returns the code.
pub fn download_one(config: &Config, client: &Client, cc: Code) -> Result<Code, DownloadError> {
    let image = get_flag(config, client, cc).map_err(|e| DownloadError::fetch(cc, e))?;
    save_flag(&image, &config.dest_dir, &flag_filename(cc))
        .map_err(|e| DownloadError::save(cc, e))?;
    config.show(cc);
    Ok(cc)
}
// ANCHOR_END: download_one

// ANCHOR: download_many
/// Downloads the flags in sorted order, one after another: the book's
/// `download_many`. Returns the codes downloaded, in the order they were.
pub fn download_many(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let client = config.blocking_client()?;
    let mut sorted = cc_list.to_vec();
    sorted.sort();
    sorted
        .into_iter()
        .map(|cc| download_one(config, &client, cc))
        .collect()
}
// ANCHOR_END: download_many
