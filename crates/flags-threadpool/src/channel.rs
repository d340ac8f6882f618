//! `as_completed` the Rust way: each thread sends its result down a
//! channel, and the receiver takes them as they come.
//!
//! The book's chapter: *Rust's own tools* (`docs/src/rust-tools.md`).
//!
//! ```text
//! $ cargo run -p flags-threadpool --bin flags-threadpool-channel
//! Using the built-in test server at http://127.0.0.1:42657/flags: DELAY preset, seed 1: delay 100 ms; no faults
//! TR FR US PK PH NG IR ID RU MX VN EG DE CN CD IN BR JP ET BD
//! 20 flags downloaded in 0.16s
//! ```
//!
//! The same scoped threads as [`crate::scoped`]; only the way back
//! differs. There, each result waits in its thread's handle, joined in
//! submission order. Here, [`std::sync::mpsc`] (*multi-producer, single
//! consumer*) hands each result over the moment its download ends, so the
//! receiver yields them in completion order, as the book's
//! `futures.as_completed(to_do)` does. It is how `concurrent_futures::as_completed`
//! works inside too: each future sends itself down one channel when done.

use std::sync::mpsc;
use std::thread;

use flags_common::Code;
use flags_seq::{Config, DownloadError, download_one};

// ANCHOR: download_many
/// Downloads each flag on a thread of its own; each thread sends its result
/// down one channel. Returns the codes in the order they completed, or the
/// first error to arrive.
pub fn download_many(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let client = config.blocking_client()?;
    let client = &client;
    let mut sorted = cc_list.to_vec();
    sorted.sort();
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        for &cc in &sorted {
            // One sender per thread: a clone of the channel's sending end.
            let tx = tx.clone();
            scope.spawn(move || {
                let result = download_one(config, client, cc);
                // `rx` lives past the scope, so nobody has hung up.
                tx.send(result).expect("the receiver outlives the threads");
            });
        }
        // Drop our own sender: the channel closes when the last thread's
        // does, and `rx.iter()` ends instead of waiting forever.
        drop(tx);
        // First sent, first received: completion order. Collecting into a
        // `Result` stops at the first error; the scope still waits for the
        // threads left, as the book's `with ThreadPoolExecutor` block does.
        rx.iter().collect()
    })
}
// ANCHOR_END: download_many
