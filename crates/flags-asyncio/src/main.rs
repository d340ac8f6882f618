//! `cargo run -p flags-asyncio`: the book's `flags_asyncio.py`. See the
//! library docs.

fn main() -> std::process::ExitCode {
    flags_seq::main(flags_asyncio::download_many)
}
