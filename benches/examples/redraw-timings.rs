//! Redraws the book's chart, `docs/src/timings.svg`, from the book's table,
//! `docs/src/timings.md`, with the code `cargo bench` draws its own with.
//!
//! ```text
//! $ cargo run -p benches --example redraw-timings
//! Wrote docs/src/timings.svg from the 25 rows of docs/src/timings.md
//! ```

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/src");
    let (table, chart) = (docs.join("timings.md"), docs.join("timings.svg"));
    let drawn = std::fs::read_to_string(&table)
        .map_err(|err| format!("could not read {}: {err}", table.display()))
        .and_then(|markdown| benches::rows_from_table(&markdown))
        .and_then(|rows| {
            benches::draw_svg(&rows, &chart).map_err(|err| err.to_string())?;
            Ok(rows.len())
        });
    match drawn {
        Ok(rows) => {
            println!("Wrote docs/src/timings.svg from the {rows} rows of docs/src/timings.md");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
