//! The book's `flags2_threadpool.py`: `download_one` from the sequential
//! version, submitted to a thread pool, with a map from each pending future
//! to its code, and a progress bar over `as_completed`.

use std::collections::HashMap;

use concurrent_futures::{Executor, as_completed};
use flags_common::{Code, Tally};

use crate::sequential::{count, download_one};
use crate::{Config, Flags2Error};

/// The default `--max_req`: 30 threads.
pub const DEFAULT_CONCUR_REQ: usize = 30;
/// The most threads this strategy starts, whatever `--max_req` says.
pub const MAX_CONCUR_REQ: usize = 1000;

// ANCHOR: download_many
/// Submits every download to a pool of `concur_req` threads, then counts
/// the outcomes as the futures complete.
pub fn download_many(
    config: &Config,
    cc_list: &[Code],
    concur_req: usize,
) -> Result<Tally, Flags2Error> {
    let client = config.blocking_client()?;
    let executor = Executor::new(concur_req).map_err(|e| Flags2Error::Setup(e.to_string()))?;
    // The book's `to_do_map`: which code each future is downloading, so an
    // error can be reported with its code.
    let mut to_do_map = HashMap::new();
    for &cc in cc_list {
        let (config, client) = (config.clone(), client.clone());
        let future = executor.submit(move || download_one(&config, &client, cc));
        to_do_map.insert(future, cc);
    }
    let bar = config.progress_bar(cc_list.len());
    let mut counter = Tally::default();
    for future in as_completed(to_do_map.keys().cloned()) {
        let cc = to_do_map[&future];
        let result = future.result().copied().map_err(Clone::clone);
        count(config, &mut counter, cc, result);
        bar.inc(1);
    }
    bar.abandon(); // left on screen, as tqdm leaves its bar
    Ok(counter)
}
// ANCHOR_END: download_many
