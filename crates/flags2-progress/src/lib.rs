//! # flags2-progress: progress bars, error handling and the full command line
//!
//! Ports the book's flags2 scripts: the same download done sequentially
//! ([`sequential`], `flags2_sequential.py`), on a thread pool
//! ([`threadpool`], `flags2_threadpool.py`) and on an event loop
//! ([`asyncio`], `flags2_asyncio.py`), now with a progress bar, a command
//! line, and error handling that counts every outcome: one bad flag never
//! stops the run. The three share this library, the command line, the
//! counting and the report, and differ only in how they schedule
//! `download_one`.
//!
//! The book's chapter: *flags2: progress bars, errors and the command line* (`docs/src/flags2.md`; `just book` builds it).
//!
//! ```text
//! $ cargo run -p flags2-progress --bin flags2-threadpool -- -e -m 100
//! Using the built-in test server at http://127.0.0.1:41375/flags: ERROR preset, seed 1: delay 50 ms + up to 150 ms jitter; 25% of flags answer 418
//! ERROR site: http://127.0.0.1:41375/flags
//! Searching for 676 flags: from AA to ZZ
//! 100 concurrent connections will be used.
//! 100%|████████████████████████████████████████| 676/676 [00:00<00:00, 678.88it/s]
//! --------------------
//! 145 flags downloaded.
//! 482 not found.
//!  49 errors.
//! Elapsed time: 1.03s
//! ```
//!
//! The options are the book's (`-a`, `-e`, `-l N`, `-m CONCURRENT`,
//! `-s LABEL`, `-v`, `CC ...`), plus `--dest DIR`, `--timeout SECS`,
//! `--retries N` (transient failures retried with exponential backoff and
//! jitter) and `--names` (files named after the country, from each flag's
//! `metadata.json`, as the book's flags3 does, without its tally bug).
//! `--timeline -` (or `--timeline FILE.svg`) draws each request on a
//! timeline after the report, beside the ideal schedule when the built-in
//! server is used.
//! Without `-s`, a built-in test server with the ERROR preset is used.
//!
//! What is not one flag's fault stops the run, and says so: a `--dest`
//! that cannot take files is a usage error before any request (exit 2); a
//! save that fails for every flag (a full disk) stops at the first (exit
//! 1); Ctrl-C or SIGTERM ends every request and backoff at once, prints the
//! report with the partial counts and exits with 130 or 143; a closed
//! stdout ends the run quietly (141). No partial or temporary file is left.
#![deny(missing_docs)]

pub mod asyncio;
mod cli;
mod config;
pub mod sequential;
pub mod threadpool;

#[cfg(feature = "builtin-server")]
pub use cli::default_plan;
pub use cli::{POLITE_CONCUR_REQ, main};
pub use config::{Config, Flags2Error, RETRY_BASE, parse_country};
