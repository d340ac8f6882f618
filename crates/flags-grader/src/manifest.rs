//! The exercises: one TOML manifest each, in `exercises/`, built into the
//! binary so that `grade` works from anywhere.

use std::collections::BTreeSet;
use std::time::Duration;

use flags_common::{Code, expand_cc_args, flag_url};
use mock_server::{Gate, Plan, Preset};
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
    /// Fixed codes, as `CC` arguments, or `pop20` (the chapter-1 scripts
    /// hard-code the 20 most populous countries).
    pub codes: Option<Vec<String>>,
    /// Or this many seeded letters (`A` means AA..AZ), so that which codes,
    /// and so every count, vary from run to run.
    pub letters: Option<usize>,
    /// How the solution binary is run, with `{url}`, `{dest}` and `{codes}`.
    pub args: Vec<String>,
    /// Which report the program prints: `flags2` or `chapter1`.
    pub report: String,
    /// The client timeout the ground truth assumes (the book's).
    pub client_timeout_s: f64,
    /// The fewest requests in flight the lesson's strategy reaches.
    pub floor: usize,
    /// The most requests in flight it may ever have.
    pub ceiling: usize,
    /// The most the server's gate holds an answer back, waiting for the
    /// floor or for a refill: short of the client timeout, so that no
    /// hold turns into a client error.
    pub hold_s: f64,
    /// A run still going after this long is killed: a bound on a hang, not
    /// a measure of speed.
    pub time_limit_s: u64,
}

/// One check and its points.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Which check: exit, files, once, floor, pool, ceiling, report.
    pub check: CheckKind,
    /// What it is worth.
    pub points: u32,
}

/// The checks a manifest can list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// Exited 0, and left nothing running or arriving after it.
    Exit,
    /// Exactly the OK flags saved, byte-identical, nothing else.
    Files,
    /// Each given flag requested exactly once, and nothing else.
    Once,
    /// Enough requests in flight at once.
    Floor,
    /// A new request as soon as one finished: a pool, not batches.
    Pool,
    /// Never more requests in flight than allowed.
    Ceiling,
    /// The printed counts equal the ground truth.
    Report,
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

/// The letters of the alphabet, for seeded code sets.
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl Exercise {
    /// The codes as the submission is given them (`{codes}`): the seeded
    /// letters, or the fixed codes.
    pub fn cc_args(&self, seed: u64) -> Vec<String> {
        let s = &self.scenario;
        if let Some(n) = s.letters {
            // A seeded shuffle of the alphabet; the first n, sorted.
            let mut rng = flags_common::hash::SplitMix64::new(flags_common::hash::fnv1a(
                &[&seed.to_le_bytes()[..], b"letters"].concat(),
            ));
            let mut letters: Vec<char> = LETTERS.chars().collect();
            for i in (1..letters.len()).rev() {
                letters.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
            }
            let mut chosen: Vec<String> = letters[..n].iter().map(char::to_string).collect();
            chosen.sort();
            return chosen;
        }
        match s.codes.as_deref() {
            Some([pop]) if pop == "pop20" => {
                let mut codes: Vec<String> = flags_common::pop20()
                    .iter()
                    .map(|cc| cc.to_string())
                    .collect();
                codes.sort();
                codes
            }
            Some(codes) => codes.to_vec(),
            None => Vec::new(),
        }
    }

    /// The codes the server expects to be asked for, sorted.
    pub fn codes(&self, seed: u64) -> Vec<Code> {
        expand_cc_args(false, false, &self.cc_args(seed), None)
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

    /// The server's gate for a seed: for a concurrent strategy, answers
    /// wait until the floor is in flight, and the last one in flight waits
    /// for a refill. A sequential exercise has none.
    pub fn gate(&self, seed: u64) -> Option<Gate> {
        let s = &self.scenario;
        (s.floor > 1).then(|| Gate {
            floor: s.floor,
            ceiling: s.ceiling,
            expected: self
                .codes(seed)
                .into_iter()
                .map(|cc| flag_url("/flags", cc))
                .collect::<BTreeSet<_>>(),
            hold: Duration::from_secs_f64(s.hold_s),
            settle: SETTLE,
            refill: true,
        })
    }

    /// The client timeout the ground truth assumes.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.scenario.client_timeout_s)
    }

    /// The most points the checks are worth.
    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// Whether the exercise has this check.
    pub fn has(&self, kind: CheckKind) -> bool {
        self.checks.iter().any(|c| c.check == kind)
    }
}

/// How long the ramp waits, once the floor is in flight, for requests
/// beyond it: long next to the gap between a client's sends, short next to
/// its timeout.
const SETTLE: Duration = Duration::from_millis(200);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_loads_and_is_consistent() {
        let all = exercises();
        assert_eq!(all.len(), 7);
        for e in &all {
            assert!(!e.codes(1).is_empty(), "{}", e.name);
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
            // The gate's hold plus the slowest answer stays short of the
            // client's timeout: a hold never becomes a client error.
            assert!(
                Duration::from_secs_f64(e.scenario.hold_s)
                    + Duration::from_millis(e.scenario.delay_ms + e.scenario.jitter_ms)
                    + Duration::from_millis(500)
                    < e.client_timeout(),
                "{}",
                e.name
            );
            assert!(
                e.scenario.letters.is_some() != e.scenario.codes.is_some(),
                "{}: letters or codes",
                e.name
            );
            for cc in e.codes(1) {
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
            e.codes(seed)
                .iter()
                .filter(|&&cc| plan.expected(cc).status == 418)
                .count()
        };
        let counts: std::collections::BTreeSet<usize> = (0..20).map(errors).collect();
        assert!(counts.len() > 3, "{counts:?}");
        assert_eq!(errors(5), errors(5));
    }
}
