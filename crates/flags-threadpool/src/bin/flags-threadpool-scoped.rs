//! `cargo run -p flags-threadpool --bin flags-threadpool-scoped`: see
//! [`flags_threadpool::scoped`] and the book's *Rust's own tools*.

fn main() -> std::process::ExitCode {
    flags_seq::main(flags_threadpool::scoped::download_many)
}
