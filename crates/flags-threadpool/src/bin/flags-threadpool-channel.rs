//! `cargo run -p flags-threadpool --bin flags-threadpool-channel`: see
//! [`flags_threadpool::channel`] and the book's *Rust's own tools*.

fn main() -> std::process::ExitCode {
    flags_seq::main(flags_threadpool::channel::download_many)
}
