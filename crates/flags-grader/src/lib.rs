//! # flags-grader: grade any submission against the seeded server
//!
//! The book's chapter: *An instructor's guide to grading* (`docs/src/grading.md`; `just book` builds it).
//!
//! The grader runs a student's program, in any language, against an
//! in-process deterministic server, and judges it by what the server saw
//! and what landed on disk, never by a stopwatch:
//!
//! - it exited 0, and nothing of it ran on, asked or wrote afterwards (it
//!   runs in a process group of its own, ended with everything it started);
//! - at its exit it had saved exactly the flags the server sent, byte for
//!   byte, and nothing else (no partial or temporary file);
//! - it asked for each flag it was given exactly once, and nothing else;
//! - the server saw at least the floor of requests in flight at once: a
//!   gate holds the first answers until they are, however slowly the
//!   client starts;
//! - it kept its pool busy: the last request in flight is held until the
//!   next arrives, which a pool sends at once and a batching or
//!   sequential client never does;
//! - it never had more requests in flight than allowed (a ceiling);
//! - its report's counts equal the plan's ground truth.
//!
//! The report then draws what the server saw, a bar per request in a lane
//! per request in flight, beside the plan's ideal schedule at the
//! exercise's concurrency ([`Timelines`]): a pool of 8 where 20 are asked
//! shows 8 lanes against 20. `--class` writes it as an SVG beside each
//! student's feedback.
//!
//! ```text
//! $ cargo run -p flags-grader --bin grade -- flags2-threadpool --crate flags2-progress
//! $ grade flags2-threadpool -- python3 student.py -s {url} --dest {dest} -m 8 {codes}
//! $ grade --init flags2-threadpool my-starter
//! ```
//!
//! Each exercise is one manifest in `exercises/`. The seed is new on every
//! run, from the operating system's randomness, and picks the codes, the
//! faults and so every count: nothing a student sees predicts it, so no
//! report can be hard-coded. The report shows the seed after the run, and
//! `--seed` reproduces that run exactly.
#![deny(missing_docs)]

pub mod class;
pub mod explain;
pub mod grade;
pub mod kit;
pub mod manifest;
pub mod output;
pub mod run;
pub mod starter;
pub mod submission;

pub use grade::{
    CheckResult, Grade, Options, Status, Timelines, check_name, grade, not_built, spec_name,
};
pub use manifest::{CheckKind, Exercise, Kind, exercise, exercises};
pub use run::{RunError, random_seed};
pub use submission::{GradeError, grade_folder};
