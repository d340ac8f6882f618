//! # mock-server: the deterministic test server
//!
//! The book tests its downloaders against three local servers: LOCAL (a
//! plain static server), DELAY (`slow_server.py`, every request delayed 0.5
//! to 5 s) and ERROR (the same, and a quarter of the answers 418). Theirs
//! are random; ours are seeded, so every run, test, benchmark and grade is
//! reproducible.
//!
//! The book's chapter: *The test server* (`docs/src/test-server.md`; `just book` builds it).
//!
//! - [`Plan`]: for a seed, a preset and a path, the status, delay and body;
//!   and the ground truth ([`Plan::expected`], [`Plan::outcome`]) and the
//!   ideal time ([`Plan::ideal_time`]) without any server.
//! - [`TestServer`]: the plan served in-process (wiremock) on
//!   `127.0.0.1:0`, recording each request, the requests per path and the
//!   peak number in flight.
//! - [`serve()`]: the plan served by the `mock-server` binary, with bounded
//!   memory; [`SpawnedServer`] runs it on a runtime of its own, for the
//!   benchmarks, or recording every request's real end behind a [`Gate`]
//!   that makes a client's concurrency seen, not timed, for the grader.
//!
//! ```text
//! $ cargo run -p mock-server
//! LOCAL  http://127.0.0.1:8000/flags  LOCAL preset, seed 1: no delay; no faults
//! DELAY  http://127.0.0.1:8001/flags  DELAY preset, seed 1: delay 500 ms + up to 4500 ms jitter; no faults
//! ERROR  http://127.0.0.1:8002/flags  ERROR preset, seed 1: delay 500 ms + up to 4500 ms jitter; 25% of flags answer 418
//! BD delay: 0.96s 200
//! ```
#![deny(missing_docs)]

mod connections;
pub mod countries;
mod flag_gif;
mod flags;
mod gate;
mod log;
mod plan;
mod record;
mod serve;
mod test_server;
mod timer;
mod verify;

pub use flag_gif::flag_gif;
pub use flags::{Flag, FlagDirError, FlagSet};
pub use gate::{Expiry, Gate, GateReport};
pub use plan::{Answer, DEFAULT_SEED, ErrorScope, Expected, Fault, Plan, Preset, Resource, Truth};
pub use record::{Observation, RETRY_WINDOW, Recorder, peak_in_flight, requests_per_path};
pub use serve::{SpawnedServer, serve};
pub use test_server::TestServer;
pub use verify::{ClientFailed, expected_files, folder_problems, run_client};
