//! Watching CPU-bound work: every few milliseconds, which of the
//! submission's threads and processes are runnable, and how much CPU each
//! has used so far.
//!
//! A task is *runnable* when it is on a CPU or waiting for one (state `R`
//! in `/proc/PID/task/TID/stat`). Four workers that each have work stay
//! runnable however few cores the machine has and however busy it is: the
//! count shows the program's parallelism, which a stopwatch on a loaded
//! two-core machine cannot. A worker blocked on a lock (Python's GIL) or
//! idle is asleep, and not counted.
//!
//! Each task's CPU time is its largest reading (a task that exits keeps
//! its last), in nanoseconds from `schedstat`, or in clock ticks from
//! `stat` where the kernel has no `schedstat`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the tasks are read: often next to the work it watches (a
/// number takes tens of milliseconds), rarely enough to cost little.
const PERIOD: Duration = Duration::from_millis(10);

/// What the sampling saw over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuRecord {
    /// For each sampling round, which of the submission's tasks were
    /// runnable (on a CPU, or waiting for one), as (pid, tid).
    pub rounds: Vec<Vec<(i32, i32)>>,
    /// Every task seen, with the most CPU it was seen to have used.
    pub tasks: Vec<TaskCpu>,
}

/// One thread of one process of the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCpu {
    /// Its process.
    pub pid: i32,
    /// The thread (equal to `pid` for a process's main thread).
    pub tid: i32,
    /// Its name (`comm`): `python3`, `primes`.
    pub name: String,
    /// The CPU time it was seen to have used.
    pub cpu: Duration,
}

/// A sampling thread, running until [`Sampler::finish`].
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<CpuRecord>,
}

impl Sampler {
    /// Starts sampling the processes of `group`, and those carrying the
    /// run's `marker`.
    pub fn start(group: u32, marker: &str) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, marker) = (Arc::clone(&stop), marker.to_owned());
        let thread = std::thread::spawn(move || {
            let mut tasks = Tasks::default();
            let mut record = CpuRecord::default();
            while !flag.load(Ordering::Relaxed) {
                if let Some(runnable) = tasks.round(group, &marker) {
                    record.rounds.push(runnable);
                }
                std::thread::sleep(PERIOD);
            }
            record.tasks = tasks.seen.into_values().collect();
            record
        });
        Sampler { stop, thread }
    }

    /// Stops sampling and returns what was seen.
    pub fn finish(self) -> CpuRecord {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// What the sampler remembers between rounds.
#[derive(Default)]
struct Tasks {
    /// Whether each process seen in `/proc` is the submission's: decided
    /// once per process, since reading its environment costs.
    ours: BTreeMap<i32, bool>,
    /// Every task of the submission seen, by (pid, tid).
    seen: BTreeMap<(i32, i32), TaskCpu>,
}

impl Tasks {
    /// One round: reads every task of the submission, updates its CPU time,
    /// and returns those that were runnable; `None` where `/proc` cannot be
    /// read (not Linux).
    fn round(&mut self, group: u32, marker: &str) -> Option<Vec<(i32, i32)>> {
        let pids: Vec<i32> = std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
            .collect();
        let mut runnable = Vec::new();
        for pid in pids {
            let ours = *self
                .ours
                .entry(pid)
                .or_insert_with(|| is_ours(pid, group, marker));
            if !ours {
                continue;
            }
            let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
                continue;
            };
            for tid in threads
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
            {
                let Some(task) = read_task(pid, tid) else {
                    continue;
                };
                if task.runnable {
                    runnable.push((pid, tid));
                }
                let entry = self.seen.entry((pid, tid)).or_insert_with(|| TaskCpu {
                    pid,
                    tid,
                    name: task.name.clone(),
                    cpu: Duration::ZERO,
                });
                // The name a process had before its exec may change.
                entry.name = task.name;
                entry.cpu = entry.cpu.max(task.cpu);
            }
        }
        Some(runnable)
    }
}

/// Whether process `pid` is in the submission's group or carries its marker.
fn is_ours(pid: i32, group: u32, marker: &str) -> bool {
    let in_group = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat_fields(&stat)?.get(2)?.parse::<u32>().ok())
        .is_some_and(|pgrp| pgrp == group);
    let needle = format!("{}={marker}", super::MARKER);
    in_group
        || std::fs::read(format!("/proc/{pid}/environ"))
            .is_ok_and(|env| env.split(|&b| b == 0).any(|var| var == needle.as_bytes()))
}

/// One reading of a task.
struct Reading {
    name: String,
    runnable: bool,
    cpu: Duration,
}

/// Reads `/proc/PID/task/TID/stat` and `schedstat`; `None` if the task is
/// gone (or a zombie, whose CPU was read before).
fn read_task(pid: i32, tid: i32) -> Option<Reading> {
    let dir = format!("/proc/{pid}/task/{tid}");
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    let name = stat.split_once('(')?.1.rsplit_once(')')?.0.to_owned();
    let fields = stat_fields(&stat)?;
    let state = *fields.first()?;
    if state == "Z" || state == "X" {
        return None;
    }
    // schedstat: nanoseconds on a CPU, first. Otherwise stat's utime and
    // stime, in ticks of 1/100 s (USER_HZ, 100 on Linux).
    let cpu = std::fs::read_to_string(format!("{dir}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .or_else(|| {
            let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
            Some(Duration::from_millis(10 * (ticks(11)? + ticks(12)?)))
        })?;
    Some(Reading {
        name,
        runnable: state == "R",
        cpu,
    })
}

/// The fields of a `stat` line after `pid (comm)`: state, ppid, pgrp…
/// (`comm` may hold spaces and parentheses, so split after its last `)`).
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    Some(stat.rsplit_once(')')?.1.split_whitespace().collect())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_spinning_thread_is_runnable_and_uses_cpu_and_a_sleeping_one_does_not() {
        // This test's own process group: the test process is in it.
        let group = rustix::process::getpgrp().as_raw_nonzero().get() as u32;
        let stop = Arc::new(AtomicBool::new(false));
        let spin = {
            let stop = Arc::clone(&stop);
            let thread = std::thread::Builder::new().name("spinner".into());
            thread.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        }
        .unwrap();
        let thread = std::thread::Builder::new().name("sleeper".into());
        let sleeper = thread
            .spawn(|| std::thread::sleep(Duration::from_millis(300)))
            .unwrap();
        let sampler = Sampler::start(group, "no marker");
        std::thread::sleep(Duration::from_millis(200));
        let record = sampler.finish();
        stop.store(true, Ordering::Relaxed);
        spin.join().unwrap();
        sleeper.join().unwrap();
        let me = std::process::id() as i32;
        let named = |name: &str| {
            (record.tasks.iter())
                .find(|t| t.pid == me && t.name == name)
                .unwrap_or_else(|| panic!("no {name} in {record:?}"))
        };
        let (spinner, sleeper) = (named("spinner"), named("sleeper"));
        assert!(spinner.cpu >= Duration::from_millis(20), "{record:?}");
        assert!(sleeper.cpu < Duration::from_millis(5), "{record:?}");
        // The spinner is runnable in every round, however busy the machine;
        // the sleeper in none.
        assert!(record.rounds.len() >= 5, "{record:?}");
        let runnable = |t: &TaskCpu| {
            (record.rounds.iter())
                .filter(|r| r.contains(&(t.pid, t.tid)))
                .count()
        };
        assert_eq!(runnable(spinner), record.rounds.len(), "{record:?}");
        assert_eq!(runnable(sleeper), 0, "{record:?}");
    }
}
