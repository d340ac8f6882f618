//! The same downloads with `std::thread::scope`: no pool, no `'static`.
//!
//! The book's chapter: *Rust's own tools* (`docs/src/rust-tools.md`).
//!
//! ```text
//! $ cargo run -p flags-threadpool --bin flags-threadpool-scoped
//! Using the built-in test server at http://127.0.0.1:46231/flags: DELAY preset, seed 1: delay 100 ms; no faults
//! VN TR JP PH US DE BR RU IN PK BD CN ID FR MX EG IR CD ET NG
//! 20 flags downloaded in 0.13s
//! ```
//!
//! Rust's standard library has no `ThreadPoolExecutor`, but it has
//! [`std::thread::scope`]: threads that may borrow the caller's locals,
//! because the scope joins them all before it returns. One thread per code
//! puts every request in flight at once, as the book's `executor.map` does
//! with one worker per flag.

use std::panic::resume_unwind;
use std::thread;

use flags_common::Code;
use flags_seq::{Config, DownloadError, download_one};

// ANCHOR: download_many
/// Downloads each flag on a thread of its own, inside a scope. Returns the
/// codes in submission (sorted) order, as `executor.map` does.
pub fn download_many(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let client = config.blocking_client()?;
    // A shared borrow: each thread below gets a copy of the reference, not
    // of the client. No Arc, no clone: every thread ends before the scope.
    let client = &client;
    let mut sorted = cc_list.to_vec();
    sorted.sort();
    thread::scope(|scope| {
        // Start every thread first: joining inside this loop would wait for
        // each download before starting the next, the sequential version.
        let handles: Vec<_> = sorted
            .iter()
            // `move` copies `cc` and the two references into the thread.
            .map(|&cc| scope.spawn(move || download_one(config, client, cc)))
            .collect();
        // Join in submission order. A thread that panicked re-raises here,
        // as Python's `result()` re-raises the call's exception.
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_else(|panic| resume_unwind(panic)))
            .collect()
    })
}
// ANCHOR_END: download_many
