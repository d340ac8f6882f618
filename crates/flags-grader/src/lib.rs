//! # flags-grader: grade any submission against the seeded server
//!
//! The book's chapter: *An instructor's guide to grading* (`docs/src/grading.md`; `just book` builds it).
//!
//! The grader runs a student's program, in any language, against the
//! in-process deterministic server, and judges it by what the server saw
//! and what landed on disk, never by a stopwatch alone:
//!
//! - it ran and exited 0 within the time limit;
//! - it saved exactly the flags the server sent, byte for byte, and
//!   nothing else (no partial or temporary file);
//! - it asked for each flag exactly once;
//! - the server saw at least as many requests in flight as the strategy
//!   should reach (a floor), and never more than allowed (a ceiling);
//! - its report's counts equal the plan's ground truth;
//! - its wall time is within a generous multiple of the ideal time.
//!
//! ```text
//! $ cargo run -p flags-grader --bin grade -- flags2-threadpool --crate flags2-progress
//! $ grade flags2-threadpool --student ada -- python3 student.py -s {url} --dest {dest} -m 8 A B C D
//! $ grade --init flags2-threadpool my-starter
//! ```
//!
//! Each exercise is one manifest in `exercises/`. The seed differs per
//! grading run (or is derived from `--student ID`), so no output can be
//! hard-coded, while a rerun of the same student is identical. A
//! timing-dependent check that fails is run again; one that passes only
//! on the rerun is reported as flaky, not failed.
#![deny(missing_docs)]

pub mod grade;
pub mod manifest;
pub mod output;
pub mod run;
pub mod starter;
pub mod submission;

pub use grade::{CheckResult, Grade, Options, Status, grade, not_built};
pub use manifest::{CheckKind, Exercise, exercise, exercises};

/// The seed for a student: a stable hash of the ID (FNV-1a), so that a
/// rerun of the same student gets the same plan.
pub fn student_seed(id: &str) -> u64 {
    flags_common::hash::fnv1a(id.as_bytes())
}
