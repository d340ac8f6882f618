//! The exercises: one TOML manifest each, in `exercises/`, built into the
//! binary so that `grade` works from anywhere.

use std::time::Duration;

use flags_common::{Code, expand_cc_args};
use mock_server::{Plan, Preset};
use serde::Deserialize;

/// The manifests, in the order `grade --list` shows them.
const MANIFESTS: [&str; 7] = [
    include_str!("../exercises/flags-seq.toml"),
    include_str!("../exercises/flags-threadpool.toml"),
    include_str!("../exercises/flags-threadpool-futures.toml"),
    include_str!("../exercises/flags-asyncio.toml"),
    include_str!("../exercises/flags2-sequential.toml"),
    include_str!("../exercises/flags2-threadpool.toml"),
    include_str!("../exercises/flags2-asyncio.toml"),
];

/// One exercise, as its manifest describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Its name: `flags2-threadpool`.
    pub name: String,
    /// The book script it ports: `flags2_threadpool.py`.
    pub ports: String,
    /// The concurrency strategy, in words, for the messages.
    pub strategy: String,
    /// The workspace's solution.
    pub solution: Solution,
    /// What the server does and what the submission is asked.
    pub scenario: ScenarioSpec,
    /// The checks, in order, with their points.
    pub checks: Vec<CheckSpec>,
}

/// Where the workspace's own solution lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    /// The crate.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The binary that `--crate` runs.
    pub bin: String,
    /// The file holding the solution, inside the crate.
    pub source: String,
    /// The `// ANCHOR:` region a starter replaces with `todo!()`.
    pub anchor: String,
    /// The hint the starter's `todo!()` gives.
    pub hint: String,
}

/// The server's plan and what the submission must do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// LOCAL, DELAY or ERROR.
    pub preset: String,
    /// Base delay of every request.
    pub delay_ms: u64,
    /// Seeded extra delay, 0 to this.
    pub jitter_ms: u64,
    /// For ERROR: the error rate is seeded within this range, so that the
    /// counts differ from one grading run to the next.
    pub error_rate: Option<[f64; 2]>,
    /// The codes, as `CC` arguments (`A` means AA..AZ), or `pop20`.
    pub codes: Vec<String>,
    /// How the solution binary is run, with `{url}` and `{dest}`.
    pub args: Vec<String>,
    /// Which report the program prints: `flags2` or `chapter1`.
    pub report: String,
    /// The client timeout the ground truth assumes.
    pub client_timeout_s: f64,
    /// The fewest requests in flight a correct strategy reaches.
    pub floor: usize,
    /// The most requests in flight it may ever have.
    pub ceiling: usize,
    /// A run taking longer is killed.
    pub time_limit_s: u64,
    /// The wall-time backstop, as a multiple of the ideal time.
    pub ideal_multiple: f64,
}

/// One check and its points.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Which check: exit, files, once, floor, ceiling, report, time.
    pub check: CheckKind,
    /// What it is worth.
    pub points: u32,
}

/// The checks a manifest can list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// Ran and exited 0 within the time limit.
    Exit,
    /// Exactly the OK flags saved, byte-identical, nothing else.
    Files,
    /// Each flag requested exactly once.
    Once,
    /// Enough requests in flight at once.
    Floor,
    /// Never more requests in flight than allowed.
    Ceiling,
    /// The printed counts equal the ground truth.
    Report,
    /// Wall time within a multiple of the ideal.
    Time,
}

impl CheckKind {
    /// Whether the outcome can depend on the machine's timing: such a check
    /// is rerun when it fails.
    pub fn timing_dependent(self) -> bool {
        matches!(self, CheckKind::Floor | CheckKind::Time)
    }
}

/// Every exercise.
pub fn exercises() -> Vec<Exercise> {
    MANIFESTS
        .iter()
        .map(|text| toml::from_str(text).expect("the built-in manifests are valid (tested)"))
        .collect()
}

/// The exercise called `name`.
pub fn exercise(name: &str) -> Option<Exercise> {
    exercises().into_iter().find(|e| e.name == name)
}

impl Exercise {
    /// The codes the server expects to be asked for, sorted.
    pub fn codes(&self) -> Vec<Code> {
        if self.scenario.codes == ["pop20"] {
            let mut codes = flags_common::pop20();
            codes.sort();
            return codes;
        }
        expand_cc_args(false, false, &self.scenario.codes, None)
            .expect("manifest codes are valid (tested)")
    }

    /// The server's plan for a seed.
    pub fn plan(&self, seed: u64) -> Plan {
        let s = &self.scenario;
        let preset: Preset = s
            .preset
            .parse()
            .expect("manifest presets are valid (tested)");
        let mut plan = Plan::preset(preset)
            .seed(seed)
            .delay(Duration::from_millis(s.delay_ms))
            .jitter(Duration::from_millis(s.jitter_ms));
        if let Some([low, high]) = s.error_rate {
            // A rate drawn from the seed: a hard-coded report cannot match.
            let unit = flags_common::hash::SplitMix64::new(seed).unit();
            plan = plan.error_rate(low + (high - low) * unit);
        }
        plan
    }

    /// The client timeout the ground truth assumes.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.scenario.client_timeout_s)
    }

    /// The most points the checks are worth.
    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_loads_and_is_consistent() {
        let all = exercises();
        assert_eq!(all.len(), 7);
        for e in &all {
            assert!(!e.codes().is_empty(), "{}", e.name);
            assert!(e.scenario.floor <= e.scenario.ceiling, "{}", e.name);
            assert!(e.max_score() > 0);
            assert!(
                e.scenario.args.iter().any(|a| a.contains("{url}")),
                "{}",
                e.name
            );
            assert!(
                e.scenario.args.iter().any(|a| a.contains("{dest}")),
                "{}",
                e.name
            );
            assert!(
                matches!(e.scenario.report.as_str(), "flags2" | "chapter1"),
                "{}",
                e.name
            );
            let plan = e.plan(1);
            // The ground truth holds only if no delay is near the timeout.
            for cc in e.codes() {
                assert!(
                    plan.expected(cc).delay * 10 < e.client_timeout(),
                    "{} {cc}",
                    e.name
                );
            }
            assert_eq!(exercise(&e.name).map(|x| x.name), Some(e.name.clone()));
        }
    }

    #[test]
    fn the_error_count_depends_on_the_seed() {
        let e = exercise("flags2-threadpool").unwrap();
        let errors = |seed| {
            let plan = e.plan(seed);
            e.codes()
                .iter()
                .filter(|&&cc| plan.expected(cc).status == 418)
                .count()
        };
        let counts: std::collections::BTreeSet<usize> = (0..20).map(errors).collect();
        assert!(counts.len() > 3, "{counts:?}");
        assert_eq!(errors(5), errors(5));
    }
}
