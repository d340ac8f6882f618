//! `cargo run -p flags2-progress --bin flags2-threadpool`: the book's
//! `flags2_threadpool.py`. See the library docs.

use flags2_progress::threadpool::{DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ, download_many};

fn main() -> std::process::ExitCode {
    flags2_progress::main(download_many, DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ)
}
