//! The CPU-bound exercise (the book's `proc_pool.py`): the seeded numbers,
//! the report's verdicts, and what the sampling of the submission's threads
//! and processes shows about its workers.
//!
//! No check reads a clock. The machine may have fewer cores than workers
//! and be busy besides, so the speed-up says nothing; what a pool shows on
//! any machine is its workers *runnable at once* (each on a core or
//! waiting for one) and the CPU time *spread* over them. A loop keeps one
//! task runnable; idle threads are asleep; Python threads take turns on
//! the GIL, so that mostly one of them is runnable at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use flags_common::hash::{SplitMix64, fnv1a};

use super::{Verdict, fail, more, pass, plural};
use crate::run::CpuRecord;

/// The numbers of a run are drawn from here: trial division takes up to
/// √n / 2 ≈ 10⁷ divisions for each (about 30 ms in Rust, 0.4 s in Python).
const RANGE: (u64, u64) = (200_000_000_000_000, 1_000_000_000_000_000);

/// `count` seeded numbers, each with whether it is prime: half of them
/// primes, half the product of two primes near the square root, which
/// trial division takes as long to rule out. In a seeded order.
pub fn numbers(seed: u64, count: usize) -> Vec<(u64, bool)> {
    let mut rng = SplitMix64::new(fnv1a(&[&seed.to_le_bytes()[..], b"numbers"].concat()));
    let mut draw = |low: u64, high: u64| low + rng.below(high - low);
    let mut chosen: Vec<(u64, bool)> = Vec::with_capacity(count);
    while chosen.len() < count {
        let prime = chosen.len() < count / 2;
        let n = if prime {
            next_prime(draw(RANGE.0, RANGE.1))
        } else {
            // p between 0.7 and 1 times √n, q the prime that makes p·q ≈ n.
            let target = draw(RANGE.0, RANGE.1);
            let root = target.isqrt();
            let p = next_prime(draw(root * 7 / 10, root));
            p * next_prime(target / p)
        };
        if !chosen.iter().any(|&(m, _)| m == n) {
            chosen.push((n, prime));
        }
    }
    // A seeded shuffle, so the primes are not the first half.
    for i in (1..chosen.len()).rev() {
        chosen.swap(i, draw(0, i as u64 + 1) as usize);
    }
    chosen
}

/// The first prime at or after `n`.
fn next_prime(mut n: u64) -> u64 {
    while !is_prime(n) {
        n += 1;
    }
    n
}

/// Miller–Rabin with the first twelve primes as bases: exact for every
/// u64, and instant, so the grader checks a report without redoing the work.
pub fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    if let Some(&p) = BASES.iter().find(|&&p| n % p == 0) {
        return n == p;
    }
    let mul = |a: u64, b: u64| (u128::from(a) * u128::from(b) % u128::from(n)) as u64;
    let pow = |mut base: u64, mut exp: u64| {
        let mut result = 1;
        while exp > 0 {
            if exp & 1 == 1 {
                result = mul(result, base);
            }
            base = mul(base, base);
            exp >>= 1;
        }
        result
    };
    let zeros = (n - 1).trailing_zeros();
    let odd = (n - 1) >> zeros;
    BASES.iter().all(|&a| {
        let mut x = pow(a, odd);
        if x == 1 || x == n - 1 {
            return true;
        }
        (1..zeros).any(|_| {
            x = mul(x, x);
            x == n - 1
        })
    })
}

/// The report's lines, `{n:16}  P  {secs:9.6f}s` for a prime and the same
/// with a blank for any other number, in any order and spacing: each
/// number with the verdicts printed for it.
fn verdicts(stdout: &str) -> BTreeMap<u64, Vec<bool>> {
    let mut seen: BTreeMap<u64, Vec<bool>> = BTreeMap::new();
    for line in stdout.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((first, rest)) = words.split_first() else {
            continue;
        };
        let Ok(n) = first.parse::<u64>() else {
            continue;
        };
        let timed = |w: &str| {
            w.strip_suffix('s')
                .is_some_and(|t| t.parse::<f64>().is_ok())
        };
        let prime = match rest {
            [secs] if timed(secs) => false,
            ["P", secs] if timed(secs) => true,
            _ => continue,
        };
        seen.entry(n).or_default().push(prime);
    }
    seen
}

/// "prime" or "not prime".
fn said(prime: bool) -> &'static str {
    if prime { "prime" } else { "not prime" }
}

/// The report check: one line per number given, with the right verdict.
pub fn report(stdout: &str, numbers: &[(u64, bool)]) -> Verdict {
    let printed = verdicts(stdout);
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for &(n, prime) in numbers {
        match printed.get(&n).map(Vec::as_slice) {
            None => missing.push(n),
            Some([verdict]) if *verdict == prime => {}
            Some(verdicts) => wrong.push((n, prime, verdicts.to_vec())),
        }
    }
    if missing.len() == numbers.len() {
        return fail(format!(
            "found no line for any of the {} numbers given: print one line per number, as the \
             book's `{{n:16}}  P  {{secs:9.6f}}s` (P for a prime, a blank for any other number)",
            numbers.len()
        ));
    }
    if let Some((n, prime, verdicts)) = wrong.first() {
        let lines = match verdicts.as_slice() {
            [verdict] => format!("its line says {}", said(*verdict)),
            many => format!("it has {} lines", many.len()),
        };
        return fail(format!(
            "{n} is {}, but {lines}{}: one line per number, with P for a prime only",
            said(*prime),
            more(wrong.len())
        ));
    }
    if let Some(n) = missing.first() {
        return fail(format!(
            "no line for {n}{}: print one line per number given ({{numbers}})",
            more(missing.len())
        ));
    }
    let primes = numbers.iter().filter(|(_, p)| *p).count();
    pass(format!(
        "{} numbers, {primes} of them prime, each with its line",
        numbers.len()
    ))
}

/// The fewest sampling rounds of work to judge by: below it the work was
/// too short to be seen (a faster test than trial division, say).
const FEWEST_ROUNDS: usize = 5;

/// What the rounds of a run show, counting its workers only: the tasks
/// that did at least a sixteenth of an even share of the CPU time. A
/// helper that only hands work over or waits for results (a pool's parent,
/// a main thread) does far less; on a busy machine it stays runnable for a
/// while each time it wakes, and would otherwise count as a worker.
struct Busy {
    /// Rounds with at least one worker runnable: while it computed.
    computing: usize,
    /// Rounds with at least `workers` of them runnable.
    full: usize,
    /// Rounds with more than `workers` of them runnable.
    over: usize,
    /// The most runnable in any round.
    peak: usize,
}

/// Without Linux's `/proc`, no worker can be seen.
fn not_watched() -> Verdict {
    fail(
        "its threads and processes could not be watched: grading CPU-bound work needs Linux's /proc",
    )
}

/// The rounds of `record`, or why they cannot be judged.
fn busy(record: Option<&CpuRecord>, workers: usize) -> Result<Busy, Verdict> {
    let Some(record) = record else {
        return Err(not_watched());
    };
    let total: Duration = record.tasks.iter().map(|t| t.cpu).sum();
    let least = total / (16 * workers as u32);
    let doers: BTreeSet<(i32, i32)> = (record.tasks.iter())
        .filter(|t| !t.cpu.is_zero() && t.cpu >= least)
        .map(|t| (t.pid, t.tid))
        .collect();
    let computing: Vec<usize> = (record.rounds.iter())
        .map(|round| round.iter().filter(|t| doers.contains(t)).count())
        .filter(|&n| n > 0)
        .collect();
    if computing.len() < FEWEST_ROUNDS {
        return Err(fail(format!(
            "it was seen computing in only {} of the samples taken every few milliseconds: too \
             short to show its workers. Check each number by trial division, as the book's \
             is_prime does",
            computing.len()
        )));
    }
    Ok(Busy {
        computing: computing.len(),
        full: computing.iter().filter(|&&n| n >= workers).count(),
        over: computing.iter().filter(|&&n| n > workers).count(),
        peak: computing.iter().copied().max().unwrap_or(0),
    })
}

/// The floor: `workers` workers runnable at once in at least a quarter of
/// the rounds while it computed (the rest is start-up and the tail, when
/// the last numbers are done).
pub fn floor(record: Option<&CpuRecord>, workers: usize) -> Verdict {
    let b = match busy(record, workers) {
        Ok(b) => b,
        Err(verdict) => return verdict,
    };
    let seen = format!(
        "{workers} or more of its threads and processes were busy at once (running or ready \
         to run) in {} of the {} samples taken while it computed",
        b.full, b.computing
    );
    if b.full * 4 >= b.computing {
        pass(seen)
    } else {
        fail(format!(
            "{seen}, and at most {} at once: keep {workers} workers computing at the same time, \
             each on its own numbers: threads in Rust, processes in Python (whose threads take \
             turns on the GIL)",
            b.peak
        ))
    }
}

/// The ceiling: more than `workers` workers runnable at once in less than
/// a quarter of the rounds while it computed.
pub fn ceiling(record: Option<&CpuRecord>, workers: usize) -> Verdict {
    let b = match busy(record, workers) {
        Ok(b) => b,
        Err(verdict) => return verdict,
    };
    let seen = format!(
        "more than {workers} of its threads and processes were busy at once in {} of the {} \
         samples taken while it computed (at most {})",
        b.over, b.computing, b.peak
    );
    if b.over * 4 < b.computing {
        pass(seen)
    } else {
        fail(format!(
            "{seen}: start {workers} workers, as {{workers}} (also FLAGS_WORKERS) says, not one \
             per number or per core"
        ))
    }
}

/// The spread: at least `workers` tasks each did a quarter of an even
/// share of the CPU time or more.
pub fn spread(record: Option<&CpuRecord>, workers: usize) -> Verdict {
    let Some(record) = record else {
        return not_watched();
    };
    let total: Duration = record.tasks.iter().map(|t| t.cpu).sum();
    if total.is_zero() {
        return fail("no CPU time was seen: did it check the numbers?");
    }
    let share = |cpu: Duration| 100.0 * cpu.as_secs_f64() / total.as_secs_f64();
    let mut tasks = record.tasks.clone();
    tasks.sort_by_key(|t| std::cmp::Reverse(t.cpu));
    let fair = total / (4 * workers as u32);
    let doers: Vec<String> = tasks
        .iter()
        .filter(|t| t.cpu >= fair)
        .map(|t| format!("{} {:.0} %", t.name, share(t.cpu)))
        .collect();
    let message = format!(
        "{} task{} did a fair share of the {:.2} s of CPU time ({})",
        doers.len(),
        plural(doers.len()),
        total.as_secs_f64(),
        doers.join(", ")
    );
    if doers.len() >= workers {
        pass(message)
    } else {
        fail(format!(
            "{message}: share the numbers among {workers} workers, so that each does about a \
             {workers}th of the work"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::TaskCpu;

    #[test]
    fn miller_rabin_agrees_with_trial_division() {
        let trial = |n: u64| n >= 2 && (2..=n.isqrt()).all(|d| n % d != 0);
        for n in 0..20_000 {
            assert_eq!(is_prime(n), trial(n), "{n}");
        }
        // The book's numbers (primes.py), and a strong pseudoprime to base 2.
        assert!(is_prime(9_999_999_999_999_917));
        assert!(!is_prime(7_777_777_536_340_681));
        assert!(!is_prime(3_215_031_751));
    }

    #[test]
    fn numbers_are_seeded_half_prime_and_costly_to_test() {
        let a = numbers(7, 16);
        assert_eq!(a, numbers(7, 16));
        assert_ne!(a, numbers(8, 16));
        assert_eq!(a.iter().filter(|(_, p)| *p).count(), 8);
        for &(n, prime) in &a {
            assert_eq!(is_prime(n), prime, "{n}");
            assert!((RANGE.0..=RANGE.1 + RANGE.1 / 10).contains(&n), "{n}");
            // Trial division runs to the smallest factor: near √n for all.
            let smallest = (3..=n.isqrt()).step_by(2).find(|d| n % d == 0);
            if let Some(d) = smallest {
                assert!(d * 10 >= n.isqrt() * 6, "{n} = {d} × …");
            }
        }
    }

    #[test]
    fn the_report_is_read_in_any_order_and_spacing() {
        let numbers = [(97, true), (91, false), (2, true)];
        let ok = "Checking 3 numbers with 2 threads:\n              91     0.000001s\n              97  P  0.000002s\n2 P 0.1s\nTotal time: 0.00s\n";
        assert!(report(ok, &numbers).passed);
        let wrong = "97  P  0.1s\n91  P  0.1s\n2  P  0.1s\n";
        assert_eq!(
            report(wrong, &numbers).message,
            "91 is not prime, but its line says prime: one line per number, with P for a prime only"
        );
        assert!(
            report("97  P  0.1s\n2  P  0.1s\n", &numbers)
                .message
                .starts_with("no line for 91: ")
        );
        assert!(!report("Total time: 0.00s\n", &numbers).passed);
    }

    /// A record of tasks with these CPU times, where each round has the
    /// first n tasks runnable.
    fn record(rounds: &[usize], cpu_ms: &[u64]) -> CpuRecord {
        let task = |i: usize| (1, i as i32 + 1);
        CpuRecord {
            rounds: rounds.iter().map(|&n| (0..n).map(task).collect()).collect(),
            tasks: cpu_ms
                .iter()
                .enumerate()
                .map(|(i, &ms)| TaskCpu {
                    pid: 1,
                    tid: i as i32 + 1,
                    name: "worker".into(),
                    cpu: Duration::from_millis(ms),
                })
                .collect(),
        }
    }

    #[test]
    fn a_pool_shows_its_workers_and_a_loop_does_not() {
        // Start-up and tail around 4 busy workers, and a helper that waits
        // for a core in a third of the rounds: it is no worker.
        let pool = record(
            &[0, 1, 4, 4, 5, 5, 5, 5, 4, 4, 3, 2, 1, 0],
            &[120, 125, 118, 130, 5],
        );
        assert!(floor(Some(&pool), 4).passed);
        assert!(ceiling(Some(&pool), 4).passed);
        assert!(spread(Some(&pool), 4).passed);
        let a_loop = record(&[1; 20], &[500, 0, 0, 0, 0]);
        assert!(!floor(Some(&a_loop), 4).passed);
        assert!(ceiling(Some(&a_loop), 4).passed);
        assert!(!spread(Some(&a_loop), 4).passed);
        let eight = record(&[8; 20], &[60; 8]);
        assert!(!ceiling(Some(&eight), 4).passed);
        assert!(spread(Some(&eight), 4).passed);
        // Too short to judge.
        let blink = record(&[4, 4], &[1, 1, 1, 1]);
        assert!(
            floor(Some(&blink), 4)
                .message
                .contains("only 2 of the samples")
        );
    }
}
