//! Tasks: `tokio::spawn` and `JoinSet`, the eager side of async Rust.
//!
//! The book's chapter: *Rust's own tools* (`docs/src/rust-tools.md`).
//!
//! A future is lazy: `download_one(..)` builds one and nothing happens
//! until something polls it, exactly as the book's `download_one(client,
//! cc)` builds an inert coroutine object. A *task* is eager: spawning one
//! hands the future to the runtime, which runs it as soon as a thread is
//! free, whether or not anybody ever awaits its handle, as
//! `asyncio.create_task` schedules the coroutine at once. [`spawn_all`]
//! spawns one task per code into a [`JoinSet`]; [`supervisor`] takes each
//! result as its task ends, like `asyncio.as_completed` over the tasks.
//!
//! Because a task may outlive the function that spawned it, it must own
//! what it uses (`'static`) and be free to move between threads (`Send`):
//! the bounds of `concurrent_futures::Executor::submit`, for the same
//! reason. `try_join_all` in [`crate::supervisor`] has no such bounds: its
//! futures are polled in place, inside the caller, so they may borrow.

use flags_common::Code;
use flags_common::http::Client;
use flags_seq::{Config, DownloadError};
use tokio::task::JoinSet;

use crate::download_one;

// ANCHOR: spawn_all
/// Spawns one download task per code on the current runtime: the book's
/// `asyncio.create_task(download_one(client, cc))` for each code. The tasks
/// start without being awaited. Must be called inside a tokio runtime, as
/// `create_task` needs a running event loop.
pub fn spawn_all(
    config: &Config,
    client: &Client,
    cc_list: &[Code],
) -> JoinSet<Result<Code, DownloadError>> {
    let mut tasks = JoinSet::new();
    for &cc in cc_list {
        // The task may outlive this function, so it owns what it uses:
        // clones, moved in, as for `submit` (a client clone shares its pool).
        let (config, client) = (config.clone(), client.clone());
        tasks.spawn(async move { download_one(&config, &client, cc).await });
    }
    tasks
}
// ANCHOR_END: spawn_all

// ANCHOR: supervisor
/// The book's `supervisor` with tasks: every download spawned at once, each
/// result taken as its task ends. Returns the codes in completion order.
/// The first error returns at once, and dropping the `JoinSet` aborts the
/// tasks still running, as leaving an `asyncio.TaskGroup` cancels its tasks
/// (`asyncio.gather` does not).
pub async fn supervisor(config: &Config, cc_list: &[Code]) -> Result<Vec<Code>, DownloadError> {
    let client = config.async_client()?;
    let mut tasks = spawn_all(config, &client, cc_list);
    let mut done = Vec::with_capacity(tasks.len());
    while let Some(joined) = tasks.join_next().await {
        // Two `?`: the first for the task (it panicked), the second for its
        // download (it failed).
        let cc = joined.map_err(|e| DownloadError::Workers(e.to_string()))??;
        done.push(cc);
    }
    Ok(done)
}
// ANCHOR_END: supervisor
