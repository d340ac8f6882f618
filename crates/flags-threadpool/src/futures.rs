//! The book's `flags_threadpool_futures.py`: `submit` and `as_completed`.
//!
//! ```text
//! $ cargo run -p flags-threadpool --bin flags-threadpool-futures
//! Scheduled for BR: <Future at 0x7f6c5c001a10 state=running>
//! Scheduled for CN: <Future at 0x7f6c5c001b90 state=running>
//! Scheduled for ID: <Future at 0x7f6c5c001d10 state=running>
//! Scheduled for IN: <Future at 0x7f6c5c001e90 state=pending>
//! Scheduled for US: <Future at 0x7f6c5c002010 state=pending>
//! BR <Future at 0x7f6c5c001a10 state=finished returned Code> result: "BR"
//! CN <Future at 0x7f6c5c001b90 state=finished returned Code> result: "CN"
//! ID <Future at 0x7f6c5c001d10 state=finished returned Code> result: "ID"
//! IN <Future at 0x7f6c5c001e90 state=finished returned Code> result: "IN"
//! US <Future at 0x7f6c5c002010 state=finished returned Code> result: "US"
//!
//! 5 flags downloaded in 0.21s
//! ```
//!
//! Three workers for five flags: the first three futures run at once, the
//! other two wait (`pending`) until a worker is free, so the run takes two
//! rounds of latency. The futures come back from `as_completed` in the order
//! they finish, not the order they were submitted.

use concurrent_futures::{Executor, as_completed};
use flags_common::Code;
use flags_seq::{Config, DownloadError, download_one};

/// How many workers: fewer than flags, so that some futures wait.
pub const MAX_WORKERS: usize = 3;

/// How many codes: the first five, sorted.
pub const MAX_FLAGS: usize = 5;

// ANCHOR: download_many
/// Submits one `download_one` per code to a 3-worker executor, then takes
/// the futures as they complete. Returns the codes in completion order.
pub fn download_many(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let client = config.blocking_client()?;
    let executor = Executor::new(MAX_WORKERS).map_err(|e| DownloadError::Workers(e.to_string()))?;
    let mut cc_list = cc_list[..cc_list.len().min(MAX_FLAGS)].to_vec();
    cc_list.sort();
    let mut to_do = Vec::new();
    for cc in cc_list {
        // Each call owns what it uses: it may outlive this loop iteration.
        let (call_config, call_client) = (config.clone(), client.clone());
        // Scheduled now: a worker may start it before `submit` returns.
        let future = executor.submit(move || download_one(&call_config, &call_client, cc));
        config.say(&format!("Scheduled for {cc}: {future:?}"));
        to_do.push(future);
    }
    let mut done = Vec::new();
    for future in as_completed(to_do) {
        // `result()` hands back the call's error, as Python re-raises it.
        let res = future.result().map_err(Clone::clone)?;
        config.say(&format!("{future:?} result: {res:?}"));
        done.push(*res);
    }
    Ok(done)
}
// ANCHOR_END: download_many
