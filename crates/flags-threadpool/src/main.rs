//! `cargo run -p flags-threadpool`: the book's `flags_threadpool.py`. See
//! the library docs.

fn main() -> std::process::ExitCode {
    flags_seq::main(flags_threadpool::download_many)
}
