//! `cargo run -p flags-threadpool --bin flags-threadpool-futures`: the
//! book's `flags_threadpool_futures.py`. See the library docs.

fn main() -> std::process::ExitCode {
    flags_seq::main(flags_threadpool::futures::download_many)
}
