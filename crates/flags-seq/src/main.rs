//! `cargo run -p flags-seq`: the book's `flags.py`. See the library docs.

fn main() -> std::process::ExitCode {
    flags_seq::main(flags_seq::download_many)
}
