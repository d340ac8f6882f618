//! Shared pieces of the benchmarks: the scenarios and the timing table.
//!
//! Until the benchmarks land, `cargo bench` prints the table with only the
//! ideal column filled in: the best time the injected latency allows, from
//! the plan's ground truth.
#![deny(missing_docs)]

use std::time::Duration;

use flags_common::Code;
use mock_server::{Plan, Preset};

/// A named, seeded workload: a plan, the codes to fetch, and the
/// concurrency levels to compare.
pub struct Scenario {
    /// The scenario's name in the table: `pop20`.
    pub name: &'static str,
    /// The server's plan.
    pub plan: Plan,
    /// The codes fetched.
    pub codes: Vec<Code>,
    /// The concurrency levels compared (1 is sequential).
    pub concurrency: Vec<usize>,
}

/// The chapter's opening table: the 20 codes, 50 ms each, no faults.
pub fn pop20() -> Scenario {
    let mut codes = flags_common::pop20();
    codes.sort();
    Scenario {
        name: "pop20",
        plan: Plan::preset(Preset::Local).delay(Duration::from_millis(50)),
        codes,
        concurrency: vec![1, 20],
    }
}

/// The placeholder table: one row per concurrency level, with the ideal
/// time and everything measured left blank.
pub fn placeholder_table(scenarios: &[Scenario]) -> String {
    let mut out = String::from(
        "| scenario | variant | concurrency | median | 95% CI | ideal | efficiency | speed-up |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for s in scenarios {
        for &c in &s.concurrency {
            let ideal = s.plan.ideal_time(&s.codes, c);
            out.push_str(&format!(
                "| {} | (not measured yet) | {c} | — | — | {:.3} s | — | — |\n",
                s.name,
                ideal.as_secs_f64()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pop20_ideal_times() {
        let table = placeholder_table(&[pop20()]);
        assert!(
            table.contains("| pop20 | (not measured yet) | 1 | — | — | 1.000 s |"),
            "{table}"
        );
        assert!(
            table.contains("| pop20 | (not measured yet) | 20 | — | — | 0.050 s |"),
            "{table}"
        );
    }
}
