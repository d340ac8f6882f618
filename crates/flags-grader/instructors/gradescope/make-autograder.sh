#!/usr/bin/env bash
# Makes the autograder.zip to upload to Gradescope for one exercise: setup.sh,
# run_autograder, a config.sh with the choices below, and the committed
# source of this workspace in flags/.
#
#   make-autograder.sh EXERCISE [--command 'python3 flags.py -s {url} --dest {dest} -m 8 A B C D']
#                               [--packages 'python3-requests'] [--output autograder.zip]
#
# Without --command, submissions are Rust starter crates (from `grade --init`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)

usage() { echo "usage: $0 EXERCISE [--command CMD] [--packages PKGS] [--output ZIP]" >&2; exit 2; }
[ $# -ge 1 ] || usage
exercise=$1; shift
command=""; packages=""; output=$PWD/autograder.zip
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
        --command) command=$2 ;;
        --packages) packages=$2 ;;
        --output) output=$(realpath -m "$2") ;;
        *) usage ;;
    esac
    shift 2
done
if ! grep -qx "name = \"$exercise\"" "$root"/crates/flags-grader/exercises/*.toml; then
    echo "no exercise \"$exercise\": see \`cargo run -p flags-grader --bin grade -- --list\`" >&2
    exit 2
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$here/setup.sh" "$here/run_autograder" "$stage/"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
{
    echo "# Made by make-autograder.sh: read by setup.sh and run_autograder."
    echo "# The exercise to grade (grade --list shows them)."
    printf 'EXERCISE=%q\n' "$exercise"
    echo "# A submission in another language: its command, run in the submission's"
    echo "# folder, with {url}, {dest} and {codes}. Empty: a Rust starter crate."
    printf 'COMMAND=%q\n' "$command"
    echo "# Debian packages the submissions need (an interpreter, a library)."
    printf 'PACKAGES=%q\n' "$packages"
} > "$stage/config.sh"
mkdir "$stage/flags"
git -C "$root" archive HEAD | tar -x -C "$stage/flags"
rm -f "$output"
(cd "$stage" && python3 -m zipfile -c "$output" setup.sh run_autograder config.sh flags)
echo "Wrote $output ($exercise): upload it as the assignment's autograder."
