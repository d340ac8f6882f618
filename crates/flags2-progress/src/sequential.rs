//! The book's `flags2_sequential.py`: one flag after another, each outcome
//! counted, a progress bar over the codes.

use bytes::Bytes;
use flags_common::http::{BlockingClient as Client, Expect};
use flags_common::{Code, DownloadStatus, FetchError, Tally, flag_url, redact};

use crate::{Config, Flags2Error, parse_country};

/// The default `--max_req`, and the most this strategy can use: one.
pub const DEFAULT_CONCUR_REQ: usize = 1;
/// See [`DEFAULT_CONCUR_REQ`].
pub const MAX_CONCUR_REQ: usize = 1;

// ANCHOR: get_flag
/// GETs `url`: the book's `httpx.get`, `raise_for_status()` and
/// `.content`, tried again as `--retries` allows. The wait before a retry
/// ends early if the run stops.
fn fetch(
    config: &Config,
    client: &Client,
    cc: Code,
    url: &str,
    expect: Expect,
) -> Result<Bytes, FetchError> {
    let get = || {
        let resp = client.get(url).send()?.error_for_status()?;
        // As in chapter 1: the body within the request's deadline (a
        // blocking read could trickle on far past the timeout).
        resp.body_within_deadline(expect)
    };
    let mut attempt = 0;
    loop {
        match get() {
            Err(err) => match config.retry_wait(cc, attempt, &err) {
                Some(wait) if config.stop.sleep(wait) => {}
                Some(_) => return Err(FetchError::Interrupted { url: redact(url) }),
                None => return Err(err),
            },
            ok => return ok,
        }
        attempt += 1;
    }
}

/// Downloads one flag's image.
pub fn get_flag(config: &Config, client: &Client, cc: Code) -> Result<Bytes, FetchError> {
    let url = flag_url(&config.site.base_url, cc);
    fetch(config, client, cc, &url, Expect::Gif)
}

/// Downloads one flag's country name, from its `metadata.json` (flags3).
pub fn get_country(config: &Config, client: &Client, cc: Code) -> Result<String, Flags2Error> {
    let url = config.site.metadata_url(cc);
    parse_country(&fetch(config, client, cc, &url, Expect::Json)?)
}
// ANCHOR_END: get_flag

// ANCHOR: download_one
/// Downloads and saves one flag. A 404 is an outcome (`NotFound`), not an
/// error; any other failure is handed back for the caller to count.
pub fn download_one(
    config: &Config,
    client: &Client,
    cc: Code,
) -> Result<DownloadStatus, Flags2Error> {
    if config.interrupted() {
        return Err(Flags2Error::Interrupted);
    }
    let image = match get_flag(config, client, cc) {
        Ok(image) => image,
        Err(err) if err.is_not_found() => return Ok(config.not_found(cc)),
        Err(err) => return Err(err.into()),
    };
    let country = match config.names {
        true => Some(get_country(config, client, cc)?),
        false => None,
    };
    config.save(cc, &image, country.as_deref())?;
    config.say(format!("{cc} OK"));
    Ok(DownloadStatus::Ok)
}
// ANCHOR_END: download_one

// ANCHOR: download_many
/// Downloads the flags one by one, counting each outcome; a failed flag
/// never stops the run. Once the run is stopped (Ctrl-C, SIGTERM…), no
/// further flag is started.
pub fn download_many(
    config: &Config,
    cc_list: &[Code],
    _concur_req: usize,
) -> Result<Tally, Flags2Error> {
    let client = config.blocking_client()?;
    let bar = config.progress_bar(cc_list.len());
    let mut counter = Tally::default();
    for &cc in cc_list {
        if config.interrupted() {
            break;
        }
        count(config, &mut counter, cc, download_one(config, &client, cc));
        bar.inc(1);
    }
    bar.abandon(); // left on screen, as tqdm leaves its bar
    Ok(counter)
}
// ANCHOR_END: download_many

// ANCHOR: count
/// Counts one flag's outcome: the book's `except` clauses. A 404 came back
/// from `download_one` as `NotFound`; any other error counts as an error
/// and, with `-v`, is printed with its code; a flag stopped by Ctrl-C is
/// not counted at all (the book's `except KeyboardInterrupt: break`). The
/// three strategies count with this one function.
pub fn count(
    config: &Config,
    counter: &mut Tally,
    cc: Code,
    result: Result<DownloadStatus, Flags2Error>,
) {
    let status = match result {
        Ok(status) => status,
        Err(err) if err.is_interrupted() => return,
        Err(err) => {
            // `AQ error: HTTP error 418 - I'm a Teapot`
            config.say(format!("{cc} error: {err}"));
            config.note_error(&err);
            DownloadStatus::Error
        }
    };
    counter.add(status);
}
// ANCHOR_END: count
