//! How a cell of the table is timed: a warm-up run, then runs until both a
//! least number of runs and a target time are reached, as hyperfine does for
//! whole programs, and on while the median is still uncertain. The runs
//! here take from milliseconds to seconds, so the count follows the run:
//! forty of a 50 ms burst, five of the 7 s sequential sweep.
//!
//! A cell and its floor run in turns (cell, floor, cell, floor...), so that
//! whatever else the machine is doing weighs on both alike, and the ratio
//! of their medians holds from one `cargo bench` to the next.
//!
//! The estimate is the median run, with a distribution-free confidence
//! interval for it: two order statistics of the sorted runs, chosen from the
//! binomial distribution (no resampling, no assumption of normal noise).

use std::time::{Duration, Instant};

/// What was measured of one cell, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The median run.
    pub median: f64,
    /// The lower end of the median's confidence interval (at least 95 %
    /// from 6 runs; with fewer, the fastest run).
    pub lower: f64,
    /// The upper end (with fewer than 6 runs, the slowest run).
    pub upper: f64,
}

impl Estimate {
    /// The median of `runs` (in seconds) and its confidence interval: the
    /// `k`-th fastest and `k`-th slowest runs, for the largest `k` that
    /// still leaves the median outside with a chance of 2.5 % or less on
    /// each side. `runs` must not be empty.
    pub fn from_runs(runs: &[f64]) -> Estimate {
        assert!(!runs.is_empty(), "an estimate needs at least one run");
        let mut sorted = runs.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        // The largest k with P(Bin(n, ½) < k) ≤ 2.5 %: fewer than k of the
        // n runs fall below the median that rarely.
        let mut below = 0.0; // P(Bin(n, ½) < k)
        let mut term = 0.5f64.powi(n as i32); // P(Bin(n, ½) = k)
        let mut k = 0;
        while k < n / 2 && below + term <= 0.025 {
            below += term;
            term = term * (n - k) as f64 / (k + 1) as f64;
            k += 1;
        }
        // The k-th fastest and k-th slowest; at least the extremes.
        let k = k.saturating_sub(1);
        Estimate {
            median,
            lower: sorted[k],
            upper: sorted[n - 1 - k],
        }
    }

    /// Half the interval's width, as a fraction of the median.
    pub fn spread(&self) -> f64 {
        (self.upper - self.lower) / 2.0 / self.median
    }
}

/// How many times a cell runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// One run first, not counted: it warms the disk cache, the server and
    /// the allocator.
    pub warm_up: bool,
    /// Runs at least this many times...
    pub min_runs: usize,
    /// ...and on until the runs add up to this...
    pub target: Duration,
    /// ...and on while the median's interval is wider than this fraction of
    /// it either side, until the runs add up to `cap`...
    pub precision: f64,
    /// (see `precision`)
    pub cap: Duration,
    /// ...but never more than this many times.
    pub max_runs: usize,
}

impl Sampling {
    /// `cargo bench`: a warm-up, then at least 5 runs and 2 s, and up to
    /// 16 s while a median is uncertain by more than 2 %; at most 100.
    pub const FULL: Sampling = Sampling {
        warm_up: true,
        min_runs: 5,
        target: Duration::from_secs(2),
        precision: 0.02,
        cap: Duration::from_secs(16),
        max_runs: 100,
    };

    /// `cargo bench -- --quick`: no warm-up, one run of a long cell, up to
    /// 10 of a short one within 0.3 s.
    pub const QUICK: Sampling = Sampling {
        warm_up: false,
        min_runs: 1,
        target: Duration::from_millis(300),
        precision: 1.0,
        cap: Duration::from_millis(300),
        max_runs: 10,
    };

    /// `cargo test --benches`: each cell once, to see that it runs.
    pub const ONCE: Sampling = Sampling {
        warm_up: false,
        min_runs: 1,
        target: Duration::ZERO,
        precision: 1.0,
        cap: Duration::ZERO,
        max_runs: 1,
    };

    /// Times `run` as this sampling says, and estimates its median; stops
    /// at the first run that fails, with its error.
    pub fn measure<E>(&self, mut run: impl FnMut() -> Result<(), E>) -> Result<Estimate, E> {
        let [estimate] = self.measure_in_turns([&mut run], |_| true)?;
        Ok(estimate)
    }

    /// Times `runs` in turns, the first one first each round, and estimates
    /// the median of each. The first one's time counts against the target
    /// and the cap (the others run as many times). Its median must be
    /// precise enough, and so must the others' where `matters` says so of
    /// the estimates so far: a floor far under the ideal can be as rough as
    /// it likes.
    pub fn measure_in_turns<E, const N: usize>(
        &self,
        mut runs: [&mut dyn FnMut() -> Result<(), E>; N],
        matters: impl Fn(&[Estimate; N]) -> bool,
    ) -> Result<[Estimate; N], E> {
        if self.warm_up {
            for run in runs.iter_mut() {
                run()?;
            }
        }
        let mut times: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
        let mut total = Duration::ZERO;
        loop {
            let n = times[0].len();
            let precise = || {
                let estimates = times.each_ref().map(|t| Estimate::from_runs(t));
                let others =
                    !matters(&estimates) || estimates.iter().all(|e| e.spread() <= self.precision);
                estimates[0].spread() <= self.precision && others
            };
            let settled = n >= self.min_runs.max(1)
                && total >= self.target
                && (total >= self.cap || precise());
            if settled || n >= self.max_runs.max(1) {
                break;
            }
            for (run, times) in runs.iter_mut().zip(times.iter_mut()) {
                let start = Instant::now();
                run()?;
                times.push(start.elapsed().as_secs_f64());
            }
            total += Duration::from_secs_f64(times[0][n]);
        }
        Ok(times.map(|times| Estimate::from_runs(&times)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_the_order_statistics_the_binomial_gives() {
        // 1 to 5 runs: the extremes (the chance that all five fall on one
        // side of the median is 1/32 > 2.5 %).
        let e = Estimate::from_runs(&[3.0, 1.0, 2.0, 5.0, 4.0]);
        assert_eq!((e.lower, e.median, e.upper), (1.0, 3.0, 5.0));
        assert_eq!(Estimate::from_runs(&[2.0]).lower, 2.0);
        // 6 runs: the extremes, now at 96.9 % (1/64 on each side).
        let six = Estimate::from_runs(&[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
        assert_eq!((six.lower, six.median, six.upper), (1.0, 3.5, 6.0));
        // 30 runs: P(Bin(30, ½) ≤ 9) = 2.1 %, ≤ 10 is 4.9 %: the 10th
        // fastest and the 10th slowest.
        let runs: Vec<f64> = (1..=30).map(f64::from).collect();
        let e = Estimate::from_runs(&runs);
        assert_eq!((e.lower, e.median, e.upper), (10.0, 15.5, 21.0));
        assert!((e.spread() - 5.5 / 15.5).abs() < 1e-12);
    }

    /// How many times `sampling` runs a run that takes no time.
    fn count(sampling: Sampling) -> usize {
        let mut runs = 0;
        sampling
            .measure(|| {
                runs += 1;
                Ok::<_, ()>(())
            })
            .expect("no run fails");
        runs
    }

    #[test]
    fn sampling_runs_at_least_the_minimum_and_at_most_the_maximum() {
        // Instant runs: the target time is never reached, the cap stops it.
        assert_eq!(count(Sampling::FULL), 1 + 100);
        assert_eq!(count(Sampling::QUICK), 10);
        assert_eq!(count(Sampling::ONCE), 1);
        // Runs longer than the target: the minimum, once the median is
        // known well enough.
        let slow = Sampling {
            warm_up: false,
            min_runs: 3,
            target: Duration::from_nanos(1),
            precision: 1.0,
            cap: Duration::from_nanos(1),
            max_runs: 30,
        };
        let mut runs = 0;
        let measured = slow.measure(|| {
            runs += 1;
            std::thread::sleep(Duration::from_micros(10));
            Ok::<_, ()>(())
        });
        assert!(measured.unwrap().lower >= 10e-6);
        assert_eq!(runs, 3);
        // The first failure ends the measurement, with its error.
        let mut runs = 0;
        let failed = Sampling::FULL.measure(|| {
            runs += 1;
            if runs == 3 {
                Err("the third run")
            } else {
                Ok(())
            }
        });
        assert_eq!((failed, runs), (Err("the third run"), 3));
    }

    #[test]
    fn an_uncertain_median_runs_on_until_the_cap() {
        // Runs of 1 and 3 units in turn: the interval is [1, 3] around 2,
        // half of the median either side, over the 2 % asked.
        let sampling = Sampling {
            warm_up: false,
            min_runs: 2,
            target: Duration::from_micros(1),
            precision: 0.02,
            cap: Duration::from_millis(40),
            max_runs: 1000,
        };
        let (mut runs, mut floors) = (0, 0);
        let [cell, floor] = sampling
            .measure_in_turns(
                [
                    &mut || {
                        runs += 1;
                        std::thread::sleep(Duration::from_millis(if runs % 2 == 0 {
                            3
                        } else {
                            1
                        }));
                        Ok::<_, ()>(())
                    },
                    &mut || {
                        floors += 1;
                        Ok(())
                    },
                ],
                |_| true,
            )
            .unwrap();
        // On past the minimum of 2, until 40 ms of runs of at least 1 ms.
        assert!((3..=41).contains(&runs), "{runs} runs");
        // The floor ran as many times as the cell, in turns.
        assert_eq!(floors, runs);
        assert!(cell.median > floor.median);
    }
}
