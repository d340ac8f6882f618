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
//! ```
//!
//! Where are the futures? A Rust future does nothing until it is polled:
//! `download_one(..)` only builds one, as the book's `download_one(client,
//! cc)` only builds a coroutine object. [`supervisor`] builds all of them
//! and hands them to `try_join_all`, which polls them together, like the
//! book's `asyncio.gather`, and gives the results back in the order of the
//! list. Only what `flags_asyncio.py` has is here: no limit on the requests
//! in flight, and files saved on the loop's thread. flags2 adds the
//! semaphore and saves off the loop (`flags2-progress`).
#![deny(missing_docs)]

pub mod spawn;

use bytes::Bytes;
use flags_common::http::{Client, Expect};
use flags_common::{Code, FetchError, flag_filename, flag_url, save_flag};
use flags_seq::{Config, DownloadError};
use futures::future::try_join_all;

// ANCHOR: get_flag
/// Downloads one flag without blocking the thread: at each `.await` that
/// must wait, the event loop runs other downloads.
pub async fn get_flag(config: &Config, client: &Client, cc: Code) -> Result<Bytes, FetchError> {
    let url = flag_url(&config.site.base_url, cc);
    let resp = client.get(&url).send().await?.error_for_status()?;
    // As in chapter 1: the body within the request's deadline, a GIF.
    resp.body_within_deadline(Expect::Gif).await
}
// ANCHOR_END: get_flag

// ANCHOR: download_one
/// Downloads, saves and shows one flag.
pub async fn download_one(
    config: &Config,
    client: &Client,
    cc: Code,
) -> Result<Code, DownloadError> {
    let image = get_flag(config, client, cc)
        .await
        .map_err(|e| DownloadError::fetch(cc, e))?;
    // Saving blocks the loop's one thread for the moment a small file
    // takes, as `save_flag` does in the book's script; flags2 moves it off
    // the loop.
    save_flag(&image, &config.dest_dir, &flag_filename(cc))
        .map_err(|e| DownloadError::save(cc, e))?;
    config.show(cc);
    Ok(cc)
}
// ANCHOR_END: download_one

// ANCHOR: supervisor
/// Starts every download at once and waits for all of them: the book's
/// `supervisor` with `asyncio.gather`. Returns the codes in the order of
/// the sorted list. At the first error `try_join_all` returns it and drops
/// the other futures, which ends their downloads (`asyncio.gather` would
/// let its tasks run on).
pub async fn supervisor(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let client = config.async_client()?;
    let mut sorted = cc_list.to_vec();
    sorted.sort();
    let to_do = sorted
        .into_iter()
        .map(|cc| download_one(config, &client, cc));
    try_join_all(to_do).await
}
// ANCHOR_END: supervisor

// ANCHOR: download_many
/// Runs [`supervisor`] on a fresh event loop: the book's
/// `asyncio.run(supervisor(cc_list))`.
pub fn download_many(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DownloadError::Workers(e.to_string()))?;
    runtime.block_on(supervisor(config, cc_list))
}
// ANCHOR_END: download_many
