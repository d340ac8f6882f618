//! The book's `flags2_asyncio.py`: every download is a future on one event
//! loop; a semaphore keeps at most `concur_req` requests in flight; files
//! are saved off the loop; a progress bar over the futures as they finish.

use bytes::Bytes;
use flags_common::http::{Client, Expect};
use flags_common::{Code, DownloadStatus, FetchError, Tally, flag_url, redact};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;

use crate::sequential::count;
use crate::{Config, Flags2Error, parse_country};

/// The default `--max_req`: 5 requests in flight.
pub const DEFAULT_CONCUR_REQ: usize = 5;
/// The most requests in flight, whatever `--max_req` says.
pub const MAX_CONCUR_REQ: usize = 1000;

// ANCHOR: get_flag
/// GETs `url` without blocking the loop: the book's `client.get`,
/// `raise_for_status()` and `.content`, tried again as `--retries` allows.
/// The wait before a retry ends early if the run stops.
async fn fetch(
    config: &Config,
    client: &Client,
    cc: Code,
    url: &str,
    expect: Expect,
) -> Result<Bytes, FetchError> {
    let get = async || {
        let resp = client.get(url).send().await?.error_for_status()?;
        // As in chapter 1: the body within the request's deadline.
        resp.body_within_deadline(expect).await
    };
    let mut attempt = 0;
    loop {
        match get().await {
            Err(err) => match config.retry_wait(cc, attempt, &err) {
                Some(wait) if config.stop.pause(wait).await => {}
                Some(_) => return Err(FetchError::Interrupted { url: redact(url) }),
                None => return Err(err),
            },
            ok => return ok,
        }
        attempt += 1;
    }
}

/// Downloads one flag's image.
pub async fn get_flag(config: &Config, client: &Client, cc: Code) -> Result<Bytes, FetchError> {
    let url = flag_url(&config.site.base_url, cc);
    fetch(config, client, cc, &url, Expect::Gif).await
}

/// Downloads one flag's country name, from its `metadata.json` (flags3).
pub async fn get_country(
    config: &Config,
    client: &Client,
    cc: Code,
) -> Result<String, Flags2Error> {
    let url = config.site.metadata_url(cc);
    parse_country(&fetch(config, client, cc, &url, Expect::Json).await?)
}
// ANCHOR_END: get_flag

// ANCHOR: download_one
/// Downloads and saves one flag. The semaphore is held around each request
/// only, as in the book: saving does not count against the limit.
pub async fn download_one(
    config: &Config,
    client: &Client,
    semaphore: &Semaphore,
    cc: Code,
) -> Result<DownloadStatus, Flags2Error> {
    let image = {
        let _permit = semaphore
            .acquire()
            .await
            .expect("the semaphore is never closed");
        // Checked once a permit is ours: the flags still queued behind the
        // semaphore once the run is stopped are skipped, not started.
        if config.interrupted() {
            return Err(Flags2Error::Interrupted);
        }
        match get_flag(config, client, cc).await {
            Ok(image) => image,
            Err(err) if err.is_not_found() => return Ok(config.not_found(cc)),
            Err(err) => return Err(err.into()),
        }
    };
    let country = match config.names {
        true => {
            let _permit = semaphore
                .acquire()
                .await
                .expect("the semaphore is never closed");
            Some(get_country(config, client, cc).await?)
        }
        false => None,
    };
    // Writing a file blocks: do it on tokio's blocking pool so the loop
    // keeps serving the other downloads (the book's `asyncio.to_thread`).
    let saver = config.clone();
    tokio::task::spawn_blocking(move || saver.save(cc, &image, country.as_deref()))
        .await
        .map_err(|e| Flags2Error::Setup(e.to_string()))??;
    config.say(format!("{cc} OK"));
    Ok(DownloadStatus::Ok)
}
// ANCHOR_END: download_one

// ANCHOR: supervisor
/// Starts every download and counts the outcomes as they finish, like the
/// book's `tqdm(asyncio.as_completed(to_do))`.
pub async fn supervisor(
    config: &Config,
    cc_list: &[Code],
    concur_req: usize,
) -> Result<Tally, Flags2Error> {
    let client = config.async_client()?;
    let semaphore = Semaphore::new(concur_req);
    // A set of futures polled together, yielding each as it completes.
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
