//! # flags-asyncio: all the downloads at once, on one thread
//!
//! Ports the book's `flags_asyncio.py`. One thread runs an event loop (a
//! current-thread tokio runtime, as asyncio has one loop); each download is
//! a future that yields the thread whenever it waits for the network, so
//! all 20 requests are in flight together. One client is shared by all the
//! downloads: it holds the connection pool.
//!
//! The book's chapter: *asyncio: one thread, every request in flight* (`docs/src/asyncio.md`; `just book` builds it).
//!
//! ```text
//! $ cargo run -p flags-asyncio
//! Using the built-in test server at http://127.0.0.1:35121/flags: DELAY preset, seed 1: delay 100 ms; no faults
//! BR CD TR EG CN DE IN ET PK JP ID IR NG RU PH MX BD VN US FR
//! 20 flags downloaded in 0.11s
//! $ cargo run -p flags-asyncio -- --max-concurrency 5
//! ...
//! 20 flags downloaded in 0.42s
//! ```
//!
//! Where are the futures? A Rust future does nothing until it is polled:
//! `download_one(..)` only builds one. [`supervisor`] builds all of them and
//! hands them to `try_join_all`, which polls them together, like the book's
//! `asyncio.gather`, and gives the results back in the order of the list.
//! With `--max-concurrency N` (1 to [`MAX_CONCURRENCY`]), a semaphore lets
//! at most N requests be in flight at once, as the book's flags2 version
//! does.
#![deny(missing_docs)]

use bytes::Bytes;
use flags_common::http::{self, Client, Expect};
use flags_common::{Code, FetchError, flag_filename, flag_url, save_flag};
use flags_seq::{Config, DownloadError};
use futures::future::try_join_all;
use tokio::sync::Semaphore;

/// The most `--max-concurrency` accepts: the book's `MAX_CONCUR_REQ`.
pub const MAX_CONCURRENCY: u16 = 1000;

// ANCHOR: get_flag
/// Downloads one flag without blocking the thread: at each `.await` that
/// must wait, the event loop runs other downloads.
pub async fn get_flag(client: &Client, base_url: &str, cc: Code) -> Result<Bytes, FetchError> {
    http::fetch(client, &flag_url(base_url, cc), Expect::Gif).await
}
// ANCHOR_END: get_flag

// ANCHOR: download_one
/// Downloads, saves and shows one flag. The semaphore is held around the
/// request only: saving does not count against the limit.
pub async fn download_one(
    client: &Client,
    config: &Config,
    semaphore: &Semaphore,
    cc: Code,
) -> Result<Code, DownloadError> {
    let image = {
        let _permit = semaphore
            .acquire()
            .await
            .expect("the semaphore is never closed");
        get_flag(client, &config.site.base_url, cc)
            .await
            .map_err(|e| DownloadError::fetch(cc, e))?
    };
    // Writing a file blocks: do it on tokio's blocking pool, so that the
    // event loop's one thread keeps serving the other downloads meanwhile.
    let (dest, name) = (config.dest_dir.clone(), flag_filename(cc));
    tokio::task::spawn_blocking(move || save_flag(&image, &dest, &name))
        .await
        .map_err(|e| DownloadError::Workers(e.to_string()))?
        .map_err(|e| DownloadError::save(cc, e))?;
    config.show(cc);
    Ok(cc)
}
// ANCHOR_END: download_one

// ANCHOR: supervisor
/// Starts every download at once and waits for all of them: the book's
/// `supervisor` with `asyncio.gather`. With `max_concurrency`, at most that
/// many requests are in flight; without, as many as there are flags.
/// Returns the codes in the order of the sorted list; the first error
/// cancels the downloads still running.
pub async fn supervisor(
    config: &Config,
    cc_list: &[Code],
    max_concurrency: Option<usize>,
) -> Result<Vec<Code>, DownloadError> {
    let client = config.async_client()?;
    let permits = max_concurrency.unwrap_or(cc_list.len());
    // More permits than flags changes nothing, and tokio's cap is far above.
    let semaphore = Semaphore::new(permits.clamp(1, Semaphore::MAX_PERMITS));
    let mut sorted = cc_list.to_vec();
    sorted.sort();
    let to_do = sorted
        .into_iter()
        .map(|cc| download_one(&client, config, &semaphore, cc));
    try_join_all(to_do).await
}
// ANCHOR_END: supervisor

// ANCHOR: download_many
/// Runs [`supervisor`] on a fresh event loop: the book's
/// `asyncio.run(supervisor(cc_list))`.
pub fn download_many(
    config: &Config,
    cc_list: &[Code],
    max_concurrency: Option<usize>,
) -> Result<Vec<Code>, DownloadError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DownloadError::Workers(e.to_string()))?;
    runtime.block_on(supervisor(config, cc_list, max_concurrency))
}
// ANCHOR_END: download_many
