//! `cargo run -p book --bin pictures`: redraws the book's timelines into
//! `docs/src/timelines/` from the code (see `book::timelines`).

fn main() -> std::process::ExitCode {
    let folder = book::timelines::folder();
    match book::timelines::write_all(&folder) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write the pictures into {}: {e}", folder.display());
            std::process::ExitCode::FAILURE
        }
    }
}
