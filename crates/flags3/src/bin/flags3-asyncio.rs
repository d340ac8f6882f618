//! `cargo run -p flags3 --bin flags3-asyncio`: the book's
//! `flags3_asyncio.py`. See the library docs.

use flags3::{DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ, download_many};

fn main() -> std::process::ExitCode {
    flags2_progress::main(download_many, DEFAULT_CONCUR_REQ, MAX_CONCUR_REQ)
}
