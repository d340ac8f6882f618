//! # flags-common: what every flags variant shares
//!
//! The book's chapter: *Sequential downloads* (`docs/src/sequential.md`; `just book` builds it).
//!
//! The book's downloaders differ only in how they schedule the downloads:
//! one after another, on a thread pool, or as async tasks. Everything else
//! lives here, so that the diff between two variants is exactly the
//! concurrency strategy:
//!
//! - [`Code`], [`POP20_CC`], [`ALL_CC`] and the flags2 [`expand_cc_args`];
//! - [`Server`] and [`Site`]: the book's servers, or any base URL, and
//!   [`flag_url`];
//! - [`save_flag`], atomic, [`prepare_dest`], and the chapter-1 [`show`]
//!   and [`main`];
//! - [`DownloadStatus`], [`Tally`] and the flags2 [`initial_report`] and
//!   [`final_report`];
//! - [`http`]: the one place that builds clients and reads bodies, each
//!   request within one deadline;
//! - [`Stop`]: the run's stop switch, thrown by Ctrl-C, SIGTERM
//!   ([`on_signals`]), a closed stdout or a failure, which ends every wait.
//!
//! With the `test-support` feature, [`testing`] holds a hostile server and
//! a guarded runner for the clients' fault tests.
#![deny(missing_docs)]

mod codes;
pub mod hash;
pub mod http;
mod report;
mod save;
mod server;
mod stop;
#[cfg(feature = "test-support")]
pub mod testing;

pub use codes::{ALL_CC, CcArgError, Code, CodeError, POP20_CC, all, expand_cc_args, pop20};
pub use http::FetchError;
pub use report::{
    DownloadStatus, Tally, chapter1_count, final_report, flags2_counts, initial_report,
};
pub use save::{
    DEST_DIR, SaveError, downloaded_in, flag_filename, main, prepare_dest, save_flag, show,
};
pub use server::{
    NO_BUILTIN_SERVER, Server, ServerError, Site, flag_url, is_loopback, redact, refuse_timeline,
};
pub use stop::{Stop, StopReason, on_signals};
