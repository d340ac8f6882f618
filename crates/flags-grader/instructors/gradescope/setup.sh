#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (Ubuntu). It installs Rust, builds `grade` from the course's workspace in
# flags/, and builds the dependencies of a Rust submission once, so that
# each grading compiles only the student's crate.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null # written by make-autograder.sh
source "$here/config.sh"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # PACKAGES is a list of words
apt-get install -y --no-install-recommends build-essential ca-certificates curl python3 $PACKAGES

export RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo
export PATH=/usr/local/cargo/bin:$PATH
if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --no-modify-path
fi

cd "$here/flags"
cargo build --release --locked -p flags-grader
chmod +x "$here/run_autograder"

if [ -z "$COMMAND" ]; then
    # Grade the unfilled starter once: its build folder then holds every
    # dependency, and a student's grading compiles only their crate.
    warm=$(mktemp -d)/starter
    target/release/grade --init "$EXERCISE" "$warm"
    FLAGS_GRADER_BUILD_DIR=/autograder/builds \
        target/release/grade "$EXERCISE" --submission "$warm" >/dev/null
fi
