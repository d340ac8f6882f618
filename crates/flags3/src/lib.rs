//! # flags3: the country's name first, then its flag, saved under the name
//!
//! Ports the book's `flags3_asyncio.py` (2nd edition, ch. 21 "Asynchronous
//! Programming"): the flags2 download on an event loop, where each flag
//! takes two requests that depend on each other. The first asks for the
//! flag's `metadata.json`, `{"country": "Congo (Kinshasa)", …}`; the second
//! for the flag, which is saved as `Congo_(Kinshasa).gif`. One semaphore
//! limits both: at most `concur_req` requests of either kind are in flight.
//!
//! The book's chapter: *flags2: progress bars, errors and the command line*
//! (`docs/src/flags2.md`; `just book` builds it).
//!
//! The book asks for the flag first and the name second. This port asks for
//! the name first, so that the chain shows: a code without a name costs one
//! request, not two, and no flag is fetched that could not be named. The
//! test server sees the order for every code.
//!
//! The book's supervisor has a known bug: its `error` variable is set by the
//! first failed flag and never reset, so every flag after it is counted as
//! an error. Here each flag's own outcome is counted (flags2's `count`).
//!
//! ```text
//! $ cargo run -p flags3 --bin flags3-asyncio -- -m 8 -v CD CG BD ZZ
//! Using the built-in test server at http://127.0.0.1:33443/flags: ERROR preset, seed 1: delay 50 ms + up to 150 ms jitter; 25% of flags answer 418
//! ERROR site: http://127.0.0.1:33443/flags
//! Searching for 4 flags: BD, CD, CG, ZZ
//! 4 concurrent connections will be used.
//! ZZ not found: http://127.0.0.1:33443/flags/zz/zz.gif
//! BD OK
//! CG OK
//! CD OK
//! --------------------
//!   3 flags downloaded.
//!   1 not found.
//! Elapsed time: 0.40s
//! $ ls downloaded
//! Bangladesh.gif  Congo_(Brazzaville).gif  Congo_(Kinshasa).gif
//! ```
//!
//! The command line is flags2's (`-a`, `-e`, `-l N`, `-m CONCURRENT`,
//! `-s LABEL`, `-v`, `--dest`, `--timeout`, `--retries`); every file is
//! named after its country, with or without `--names`. Without `-s`, a
//! built-in test server with the ERROR preset is used.
#![deny(missing_docs)]

use flags_common::http::Client;
use flags_common::{Code, DownloadStatus, Tally};
use flags2_progress::asyncio::{get_country, get_flag};
use flags2_progress::sequential::count;
use flags2_progress::{Config, Flags2Error};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;

/// The default `--max_req`: 5 requests in flight, as flags2_asyncio.
pub const DEFAULT_CONCUR_REQ: usize = 5;
/// The most requests in flight, whatever `--max_req` says.
pub const MAX_CONCUR_REQ: usize = 1000;

// ANCHOR: download_one
/// Downloads one flag's country name, then the flag, and saves the flag
/// under the name. Each request holds a permit of the one semaphore, and
/// gives it back before the next: the limit counts requests, not flags.
pub async fn download_one(
    config: &Config,
    client: &Client,
    semaphore: &Semaphore,
    cc: Code,
) -> Result<DownloadStatus, Flags2Error> {
    let country = match limited(config, semaphore, get_country(config, client, cc)).await? {
        Ok(country) => country,
        // No name, no flag: the code is not found.
        Err(Flags2Error::Fetch(err)) if err.is_not_found() => return Ok(config.not_found(cc)),
        Err(err) => return Err(err),
    };
    // Only now, with the name in hand, is the flag worth asking for.
    let image = match limited(config, semaphore, get_flag(config, client, cc)).await? {
        Ok(image) => image,
        Err(err) if err.is_not_found() => return Ok(config.not_found(cc)),
        Err(err) => return Err(err.into()),
    };
    // Writing a file blocks: off the loop, as the book's `asyncio.to_thread`.
    let saver = config.clone();
    tokio::task::spawn_blocking(move || saver.save(cc, &image, Some(&country)))
        .await
        .map_err(|e| Flags2Error::Setup(e.to_string()))??;
    config.say(format!("{cc} OK"));
    Ok(DownloadStatus::Ok)
}

/// Runs one request holding a permit of the semaphore (the book's `async
/// with semaphore:`). A future does nothing until awaited, so the request
/// starts only once the permit is ours; none starts once the run is
/// stopped (Ctrl-C), for those still queued behind the semaphore.
async fn limited<T>(
    config: &Config,
    semaphore: &Semaphore,
    request: impl Future<Output = T>,
) -> Result<T, Flags2Error> {
    let _permit = semaphore
        .acquire()
        .await
        .expect("the semaphore is never closed");
    if config.interrupted() {
        return Err(Flags2Error::Interrupted);
    }
    Ok(request.await)
}
// ANCHOR_END: download_one

// ANCHOR: supervisor
/// Starts every download and counts each flag's own outcome as it
/// finishes. The book counts every flag after the first error as an error
/// (its `error` is never reset); flags2's `count` looks at this flag's
/// result only.
pub async fn supervisor(
    config: &Config,
    cc_list: &[Code],
    concur_req: usize,
) -> Result<Tally, Flags2Error> {
    let client = config.async_client()?;
    let semaphore = Semaphore::new(concur_req);
    let mut to_do: FuturesUnordered<_> = cc_list
        .iter()
        .map(|&cc| {
            let (client, semaphore) = (&client, &semaphore);
            async move { (cc, download_one(config, client, semaphore, cc).await) }
        })
        .collect();
    let bar = config.progress_bar(cc_list.len());
    let mut counter = Tally::default();
    while let Some((cc, result)) = to_do.next().await {
        count(config, &mut counter, cc, result);
        bar.inc(1);
    }
    bar.abandon(); // left on screen, as tqdm leaves its bar
    Ok(counter)
}
// ANCHOR_END: supervisor

/// Runs [`supervisor`] on a fresh one-thread event loop.
pub fn download_many(
    config: &Config,
    cc_list: &[Code],
    concur_req: usize,
) -> Result<Tally, Flags2Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Flags2Error::Setup(e.to_string()))?;
    runtime.block_on(supervisor(config, cc_list, concur_req))
}
