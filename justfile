# One-line recipes over cargo. `just` is optional: each recipe is the cargo
# command shown, which works without it.

# List the recipes.
default:
    @just --list

# Run every test of the workspace.
test:
    cargo test --workspace

# What CI checks: formatting, lints, tests.
check:
    cargo fmt --all --check && cargo clippy --workspace --all-targets -- -D warnings && cargo test --workspace && cargo test -p flags-grader --test starters -- --ignored

# Start the test servers: LOCAL, DELAY and ERROR on 8000, 8001 and 8002 (options: `just serve --help`).
serve *ARGS:
    cargo run --release -p mock-server -- {{ARGS}}

# Run the benchmarks and print the timing table (about 4 minutes).
bench *ARGS:
    cargo bench -p benches -- {{ARGS}}

# The same table from a short run (under a minute).
bench-quick:
    cargo bench -p benches -- --quick

# The book's own Python scripts beside the Rust ports: `just versus-python --book PATH [--quick]`.
versus-python *ARGS:
    cargo run --release -p benches --bin versus-python -- {{ARGS}}

# Grade a submission of an exercise (`just grade --list`; options: `just grade --help`).
grade *ARGS:
    cargo run --release -p flags-grader --bin grade -- {{ARGS}}

# Build the book (docs/) into target/book, installing mdBook if it is missing.
book:
    @command -v mdbook >/dev/null || cargo install mdbook --locked --version 0.5.4
    mdbook build docs

# Redraw the book's timelines (docs/src/timelines/) from the code; a test fails until they are.
pictures:
    cargo run -p book --bin pictures

# Serve the book at http://localhost:3000, rebuilding on every change.
book-serve:
    @command -v mdbook >/dev/null || cargo install mdbook --locked --version 0.5.4
    mdbook serve docs
