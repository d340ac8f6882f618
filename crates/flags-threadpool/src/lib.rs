//! # flags-threadpool: the same downloads on a pool of threads
//!
//! The book's chapter: *A thread pool with map* (`docs/src/threadpool.md`; `just book` builds it).
//! `submit` and `as_completed` are in *Where are the futures?* (`docs/src/futures.md`).
//!
//! Ports the book's two thread-pool scripts. Both import `get_flag`,
//! `download_one` and `main` from [`flags_seq`], so what differs from the
//! sequential version is only how `download_one` is scheduled:
//!
//! - [`download_many`] (`flags_threadpool.py`): `Executor.map`, here rayon's
//!   `par_iter` on a pool of up to [`MAX_WORKERS`] threads. Results come back
//!   in submission order; codes print in completion order.
//! - [`futures::download_many`] (`flags_threadpool_futures.py`): `submit` and
//!   `as_completed` on [`concurrent_futures`], over five codes and three
//!   workers, printing each future as it is scheduled and as it completes.
//!
//! And the same downloads with Rust's own tools, in *Rust's own tools*
//! (`docs/src/rust-tools.md`): [`scoped::download_many`] on
//! `std::thread::scope` (`--bin flags-threadpool-scoped`), and
//! [`channel::download_many`], an `mpsc` channel as `as_completed`
//! (`--bin flags-threadpool-channel`).
//!
//! ```text
//! $ cargo run -p flags-threadpool
//! Using the built-in test server at http://127.0.0.1:33457/flags: DELAY preset, seed 1: delay 100 ms; no faults
//! BR DE IN CD EG JP ID FR TR CN US NG BD ET RU VN PK IR MX PH
//! 20 flags downloaded in 0.11s
//! ```
//!
//! A thread that waits for the network holds no CPU, so 20 threads make 20
//! requests at once even on a 2-core machine: 20 × 100 ms of waiting become
//! about 100 ms. (In Python the GIL is released while waiting for I/O, which
//! is why threads help there too.)
#![deny(missing_docs)]

pub mod channel;
pub mod futures;
pub mod scoped;

use flags_common::Code;
use flags_seq::{Config, DownloadError, download_one};
use rayon::prelude::*;

/// The most threads the pool starts, as in the book's first edition.
pub const MAX_WORKERS: usize = 20;

// ANCHOR: download_many
/// Downloads the flags on a pool of `min(MAX_WORKERS, len)` threads, one
/// task per code: the book's `executor.map(download_one, sorted(cc_list))`.
/// Returns the codes in submission (sorted) order, whatever order they
/// finished in.
pub fn download_many(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let client = config.blocking_client()?;
    let workers = MAX_WORKERS.min(cc_list.len()).max(1);
    // A pool of our own: rayon's global pool has one thread per core, made
    // for computing, and a thread blocked on the network computes nothing.
    // Its threads start as the work does, as Python's executor's do.
    let pool = concurrent_futures::thread_pool(workers, |i| format!("worker-{i}"))
        .map_err(|e| DownloadError::Workers(e.to_string()))?;
    let mut sorted = cc_list.to_vec();
    sorted.sort();
    pool.install(|| {
        sorted
            .par_iter()
            // One code per task, so that each blocking download occupies
            // one thread and none waits behind another in the same task.
            .with_max_len(1)
            .map(|&cc| download_one(config, &client, cc))
            // `collect` keeps the input order, as `Executor.map` does.
            .collect()
    })
}
// ANCHOR_END: download_many
