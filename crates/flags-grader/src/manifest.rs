//! The exercises: one TOML manifest each, in `exercises/`, built into the
//! binary so that `grade` works from anywhere.

use std::collections::BTreeSet;
use std::time::Duration;

use flags_common::{Code, expand_cc_args, flag_url};
use mock_server::{Fault, Gate, Plan, Preset};
use serde::Deserialize;

/// The manifests, in the order `grade --list` shows them.
const MANIFESTS: &[&str] = &[
    include_str!("../exercises/flags-seq.toml"),
    include_str!("../exercises/flags-threadpool.toml"),
    include_str!("../exercises/flags-threadpool-futures.toml"),
    include_str!("../exercises/concurrent-futures.toml"),
    include_str!("../exercises/flags-asyncio.toml"),
    include_str!("../exercises/loiter.toml"),
    include_str!("../exercises/primes.toml"),
    include_str!("../exercises/flags2-sequential.toml"),
    include_str!("../exercises/flags2-threadpool.toml"),
    include_str!("../exercises/flags2-asyncio.toml"),
    include_str!("../exercises/flags2-retries.toml"),
    include_str!("../exercises/flags2-timeout.toml"),
    include_str!("../exercises/flags3-asyncio.toml"),
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
    /// How a submission is judged: by a run against the server (`command`,
    /// the default), or by the kit's tests (`tests`).
    #[serde(default)]
    pub kind: Kind,
    /// The exercises whose code this one's solution calls at run time: a
    /// starter keeps their regions whole (`builds_on = ["concurrent-futures"]`:
    /// the Executor comes given, like Python's standard library).
    #[serde(default)]
    pub builds_on: Vec<String>,
    /// The workspace's solution.
    pub solution: Solution,
    /// What the server does and what the submission is asked (a `command`
    /// exercise's; a `tests` exercise has none).
    #[serde(default)]
    pub scenario: ScenarioSpec,
    /// The kit's tests that judge a `tests` exercise.
    pub tests: Option<TestsSpec>,
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
    /// The binary that `--crate` runs (none for a library: `tests` only).
    #[serde(default)]
    pub bin: String,
    /// The file holding the solution, inside the crate.
    pub source: String,
    /// The `// ANCHOR:` region a starter replaces with `todo!()`; see
    /// [`Solution::regions`].
    pub anchor: Option<String>,
    /// Or several regions of `source`: `anchors = ["submit", "map"]`.
    #[serde(default)]
    pub anchors: Vec<String>,
    /// The hint the starter's `todo!()` gives: one for `anchor`, or one per
    /// region of `anchors` (`[solution.hint]`, `submit = "…"`).
    pub hint: Hint,
}

/// A starter's hint: one, or one per region.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Hint {
    /// The hint of the one region.
    One(String),
    /// Each region's hint, by anchor.
    Each(std::collections::BTreeMap<String, String>),
}

/// One region of a solution that a starter empties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The `// ANCHOR:` name.
    pub anchor: String,
    /// What the `todo!()` says.
    pub hint: String,
}

impl Solution {
    /// The regions a starter empties, each with its hint, in manifest order.
    /// An `anchor`/`anchors` without its hint is an error that names it.
    pub fn regions(&self) -> Result<Vec<Region>, String> {
        let anchors: Vec<&String> = self.anchor.iter().chain(&self.anchors).collect();
        if anchors.is_empty() {
            return Err("the solution names no region: give anchor = \"…\"".into());
        }
        anchors
            .into_iter()
            .map(|anchor| {
                let hint = match &self.hint {
                    Hint::One(hint) if self.anchors.is_empty() => Some(hint),
                    Hint::Each(hints) => hints.get(anchor),
                    Hint::One(_) => None,
                };
                let hint = hint.ok_or_else(|| {
                    format!("no hint for region {anchor:?}: add it under [solution.hint]")
                })?;
                Ok(Region {
                    anchor: anchor.clone(),
                    hint: hint.clone(),
                })
            })
            .collect()
    }
}

/// How an exercise is judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// By a run of the submission's command against the seeded server.
    #[default]
    Command,
    /// By the kit's own tests, built against the submission's `src/`.
    Tests,
}

/// The kit's tests of a `tests` exercise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestsSpec {
    /// The test file, inside the solution's crate: `tests/futures.rs`. The
    /// grader builds its own pristine copy, never the student's.
    pub file: String,
    /// A test still running after this long is killed: a bound on a hang,
    /// not a measure of speed.
    pub time_limit_s: u64,
}

/// The server's plan and what the submission must do.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// LOCAL, DELAY or ERROR (none for CPU-bound work, which has no server).
    #[serde(default)]
    pub preset: String,
    /// Base delay of every request.
    #[serde(default)]
    pub delay_ms: u64,
    /// Seeded extra delay, 0 to this.
    #[serde(default)]
    pub jitter_ms: u64,
    /// For ERROR: the error rate is seeded within this range, so that the
    /// counts differ from one grading run to the next.
    pub error_rate: Option<[f64; 2]>,
    /// Transient 503s, at a rate seeded within this range: a retry within
    /// mock-server's `RETRY_WINDOW` gets the flag.
    pub transient_rate: Option<[f64; 2]>,
    /// Stalled answers, at a rate seeded within this range, each held
    /// `stall_s`: far past the client's timeout.
    pub stall_rate: Option<[f64; 2]>,
    /// How long a stalled answer is held.
    pub stall_s: Option<f64>,
    /// The retries of a transient failure the ground truth assumes.
    #[serde(default)]
    pub retries: u32,
    /// flags3: each code's `metadata.json` first, then its flag, saved
    /// under the country's name.
    #[serde(default)]
    pub names: bool,
    /// CPU-bound work (primes): this many seeded numbers, `{numbers}`,
    /// checked by `{workers}` workers (the ceiling). No server.
    pub numbers: Option<usize>,
    /// Fixed codes, as `CC` arguments, or `pop20` (the chapter-1 scripts
    /// hard-code the 20 most populous countries).
    pub codes: Option<Vec<String>>,
    /// Or this many seeded letters (`A` means AA..AZ), so that which codes,
    /// and so every count, vary from run to run.
    pub letters: Option<usize>,
    /// How the solution binary is run, with `{url}`, `{dest}`, `{codes}`,
    /// `{timeout}`, and for CPU-bound work `{workers}` and `{numbers}`.
    pub args: Vec<String>,
    /// Which report the program prints: `flags2`, `chapter1` or `primes`.
    pub report: String,
    /// The client timeout the ground truth assumes (`{timeout}`).
    #[serde(default)]
    pub client_timeout_s: f64,
    /// The fewest requests in flight the lesson's strategy reaches (for
    /// CPU-bound work, workers busy at once).
    pub floor: usize,
    /// The most requests in flight it may ever have (for CPU-bound work,
    /// workers busy at once: `{workers}`).
    pub ceiling: usize,
    /// The most the server's gate holds an answer back, waiting for the
    /// floor or for a refill: short of the client timeout, so that no
    /// hold turns into a client error.
    #[serde(default)]
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
    /// Who sees it on Gradescope, and when (default: `visible`).
    #[serde(default)]
    pub visibility: Visibility,
    /// Its name in the results, the same for every student (default: what
    /// its kind checks; a test check's tests).
    pub name: Option<String>,
    /// For `check = "test"`: the kit's test that must pass, or a list of
    /// tests that must all pass.
    #[serde(default, deserialize_with = "one_or_many")]
    pub test: Vec<String>,
}

/// `"name"` or `["name", …]`, as a list.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(name) => vec![name],
        OneOrMany::Many(names) => names,
    })
}

/// Gradescope's visibility of a check: `after_due_date` keeps a check's
/// verdict from the students until the deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Always shown.
    #[default]
    Visible,
    /// Never shown to students.
    Hidden,
    /// Shown once the due date has passed.
    AfterDueDate,
    /// Shown once the grades are published.
    AfterPublished,
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
    /// The kit's tests named by the check pass (a `tests` exercise).
    Test,
    /// flags3: each code's name was answered before its flag was asked.
    Order,
    /// Each transient flag asked twice, every other flag once.
    Retries,
    /// Each stalled request given up at the client's timeout.
    Timeout,
    /// CPU-bound work: the CPU time spread over the workers.
    Spread,
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
            // The first n; or, when the plan injects transient 503s or
            // stalls, the first n in turn whose flags meet each of them:
            // the lesson must happen in every run.
            let plan = self.plan(seed);
            let window = |start: usize| -> Vec<String> {
                let mut chosen: Vec<String> = (0..n)
                    .map(|i| letters[(start + i) % letters.len()].to_string())
                    .collect();
                chosen.sort();
                chosen
            };
            let meets = |chosen: &Vec<String>, fault: Fault| {
                expand_cc_args(false, false, chosen, None)
                    .is_ok_and(|codes| codes.iter().any(|&cc| plan.fault(cc) == Some(fault)))
            };
            let wanted: Vec<Fault> = [
                (s.transient_rate.is_some(), Fault::Transient),
                (s.stall_rate.is_some(), Fault::Stall),
            ]
            .into_iter()
            .filter_map(|(wanted, fault)| wanted.then_some(fault))
            .collect();
            return (0..letters.len())
                .map(window)
                .find(|chosen| wanted.iter().all(|&f| meets(chosen, f)))
                .unwrap_or_else(|| window(0));
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
        // Rates drawn from the seed: a hard-coded report cannot match.
        if let Some(range) = s.error_rate {
            plan = plan.error_rate(seeded(range, seed, ""));
        }
        if let Some(range) = s.transient_rate {
            plan = plan.transient_rate(seeded(range, seed, "transient"));
        }
        if let Some(range) = s.stall_rate {
            plan = plan.stall_rate(seeded(range, seed, "stall"));
        }
        if let Some(stall) = s.stall_s {
            plan = plan.stall(Duration::from_secs_f64(stall));
        }
        plan
    }

    /// Whether the server gates its answers: for a concurrent strategy
    /// over HTTP (a floor above 1).
    pub fn gated(&self) -> bool {
        self.scenario.floor > 1 && self.scenario.numbers.is_none()
    }

    /// The server's gate for a seed: for a concurrent strategy, answers
    /// wait until the floor is in flight, and the last one in flight waits
    /// for a refill. A sequential exercise has none.
    pub fn gate(&self, seed: u64) -> Option<Gate> {
        let s = &self.scenario;
        self.gated().then(|| Gate {
            floor: s.floor,
            ceiling: s.ceiling,
            expected: self
                .codes(seed)
                .into_iter()
                .map(|cc| flag_url("/flags", cc))
                .collect::<BTreeSet<_>>(),
            hold: Duration::from_secs_f64(s.hold_s),
            settle: SETTLE,
            // Only a pool is asked to refill at once.
            refill: self.has(CheckKind::Pool),
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

/// A value in `[low, high]` drawn from the seed; `salt` keeps one knob's
/// draw apart from another's (the error rate's is unsalted, as it always was).
fn seeded([low, high]: [f64; 2], seed: u64, salt: &str) -> f64 {
    let key = match salt {
        "" => seed,
        salt => flags_common::hash::fnv1a(&[&seed.to_le_bytes()[..], salt.as_bytes()].concat()),
    };
    low + (high - low) * flags_common::hash::SplitMix64::new(key).unit()
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
        assert_eq!(all.len(), 13);
        // The scenario is a command exercise's (kit.rs tests the others).
        for e in all.iter().filter(|e| e.kind == Kind::Command) {
            let s = &e.scenario;
            assert!(s.floor <= s.ceiling, "{}", e.name);
            assert!(e.max_score() > 0);
            assert_eq!(exercise(&e.name).map(|x| x.name), Some(e.name.clone()));
            let uses = |placeholder: &str| s.args.iter().any(|a| a.contains(placeholder));
            if s.numbers.is_some() {
                // CPU-bound work: no server, no codes; judged by its workers.
                assert!(uses("{workers}") && uses("{numbers}"), "{}", e.name);
                assert_eq!(s.report, "primes", "{}", e.name);
                assert!(s.preset.is_empty() && s.letters.is_none() && s.codes.is_none());
                for c in &e.checks {
                    assert!(
                        matches!(
                            c.check,
                            CheckKind::Exit
                                | CheckKind::Report
                                | CheckKind::Floor
                                | CheckKind::Spread
                                | CheckKind::Ceiling
                        ),
                        "{}: {:?} needs a server",
                        e.name,
                        c.check
                    );
                }
                continue;
            }
            assert!(!e.codes(1).is_empty(), "{}", e.name);
            assert!(uses("{url}") && uses("{dest}"), "{}", e.name);
            assert!(
                matches!(s.report.as_str(), "flags2" | "chapter1"),
                "{}",
                e.name
            );
            assert!(!e.has(CheckKind::Spread), "{}", e.name);
            // Each lesson's check comes with its scenario.
            assert_eq!(s.names, e.has(CheckKind::Order), "{}", e.name);
            assert_eq!(
                s.stall_rate.is_some(),
                e.has(CheckKind::Timeout),
                "{}",
                e.name
            );
            assert_eq!(
                s.transient_rate.is_some() && s.retries > 0,
                e.has(CheckKind::Retries),
                "{}",
                e.name
            );
            assert!(
                !(e.has(CheckKind::Retries) && e.has(CheckKind::Once)),
                "{}: retries replaces once",
                e.name
            );
            // The gate's hold plus the slowest answer stays short of the
            // client's timeout: a hold never becomes a client error.
            if e.gate(1).is_some() {
                assert!(
                    Duration::from_secs_f64(s.hold_s)
                        + Duration::from_millis(s.delay_ms + s.jitter_ms)
                        + Duration::from_millis(500)
                        < e.client_timeout(),
                    "{}",
                    e.name
                );
            }
            assert!(
                s.letters.is_some() != s.codes.is_some(),
                "{}: letters or codes",
                e.name
            );
            for seed in 0..50 {
                let plan = e.plan(seed);
                let codes = e.codes(seed);
                let meets = |fault| codes.iter().any(|&cc| plan.fault(cc) == Some(fault));
                // The ground truth holds only if no delay is near the
                // timeout, but the stalls', which are far past it.
                for cc in &codes {
                    let delay = plan.expected(*cc).delay;
                    match plan.fault(*cc) {
                        Some(Fault::Stall) => assert!(delay > e.client_timeout() * 5),
                        _ => assert!(delay * 10 < e.client_timeout(), "{} {cc}", e.name),
                    }
                }
                // Every run meets the lesson's faults.
                if s.transient_rate.is_some() {
                    assert!(meets(Fault::Transient), "{} {seed}", e.name);
                }
                if s.stall_rate.is_some() {
                    assert!(meets(Fault::Stall), "{} {seed}", e.name);
                }
            }
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
