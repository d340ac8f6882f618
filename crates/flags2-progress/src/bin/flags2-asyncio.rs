//! `cargo run -p flags2-progress --bin flags2-asyncio`: the book's
//! `flags2_asyncio.py`. See the library docs.

use flags2_progress::asyncio::{DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ, download_many};

fn main() -> std::process::ExitCode {
    flags2_progress::main(download_many, DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ)
}
