#!/usr/bin/env bash
# Exercism's test-runner interface: bin/run.sh SLUG INPUT_DIR OUTPUT_DIR
# grades the solution in INPUT_DIR (read only: it is copied before it is
# built or run) as the exercise SLUG, and writes OUTPUT_DIR/results.json
# (version 3). It exits 0 whenever it ran, whatever the tests say.
#
# GRADE is the grader (default: `grade` beside this folder, else on PATH).
# FLAGS_COMMAND is the command of a solution in another language, with
# {url}, {dest} and {codes} (`grade --explain SLUG`); unset, the solution
# is a Rust starter (`grade --init SLUG DIR`).
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 SLUG INPUT_DIR OUTPUT_DIR" >&2
    exit 2
fi
slug=$1 input=${2%/} output=${3%/}
here=$(cd "$(dirname "$0")" && pwd)
grade=${GRADE:-}
if [ -z "$grade" ]; then
    if [ -x "$here/grade" ]; then grade=$here/grade; else grade=$(command -v grade || true); fi
fi
if [ -z "$grade" ]; then
    echo "$0: no grader: set GRADE, or put grade on PATH" >&2
    exit 3
fi
mkdir -p "$output"
results=$output/results.json

args=("$slug" --submission "$input" --format exercism --output "$results")
if [ -n "${FLAGS_COMMAND:-}" ]; then
    set -f # split the command into words, but expand no wildcard
    # shellcheck disable=SC2206 # word splitting is wanted here
    args+=(-- $FLAGS_COMMAND)
    set +f
fi

# Standard input as one JSON string.
json_string() {
    printf '"'
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/\r//g' |
        awk 'BEGIN { ORS = "" } NR > 1 { print "\\n" } { print }'
    printf '"'
}

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
status=0
"$grade" "${args[@]}" 2>"$errors" || status=$?
case $status in
    0) ;; # graded: results.json says pass, fail or error (it did not compile)
    2)
        # The solution is not what the exercise takes (no crate, say): no
        # test ran, and the message says what to change.
        message=$(sed -e 's/^error: //' -e "s|$input|<solution-dir>|g" "$errors" | json_string)
        printf '{"version": 3, "status": "error", "message": %s}\n' "$message" >"$results"
        ;;
    *)
        # The grader's own failure: results.json says error, and the run
        # fails, to be run again.
        cat "$errors" >&2
        exit "$status"
        ;;
esac
