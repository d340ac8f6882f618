//! Running a submission once against the seeded, gated server, and
//! everything it left: what the server saw up to its exit and after, what
//! was on disk at its exit, and what it left running.
//!
//! The submission runs in a process group of its own, with a marker in its
//! environment. When it exits (or reaches the time limit), everything in
//! that group or carrying that marker is listed and killed, so a detached
//! child can neither keep working nor hold the grader: its output pipes are
//! read for a short grace after that, never until every holder closes them.
//!
//! For CPU-bound work there is no server: the grader samples, every few
//! milliseconds, which of the submission's threads and processes are
//! runnable and how much CPU each has used (`sample.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use mock_server::{Gate, GateReport, Observation, Plan, SpawnedServer};

mod sample;
pub use sample::{CpuRecord, TaskCpu};

/// How long the grader waits, once the submission has exited and its
/// leftovers are killed, for the output pipes to close and for anything
/// late to show: a short grace, not a wait on the submission.
const GRACE: Duration = Duration::from_millis(300);

/// The most of each output stream kept.
const OUTPUT_CAP: usize = 1 << 20;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this status.
    Exited(i32),
    /// It was ended by this signal.
    Signalled(i32),
    /// It was still running at the time limit and was killed.
    TimedOut(Duration),
}

/// What one run left: its ending and output, what the server saw, and
/// the folder it saved into.
#[derive(Debug)]
pub struct Attempt {
    /// How it ended.
    pub ending: Ending,
    /// Its standard output, with the URL and folder written as `{url}` and
    /// `{dest}` so that no absolute path leaks into a report.
    pub stdout: String,
    /// Its standard error, likewise.
    pub stderr: String,
    /// From start to exit.
    pub wall: Duration,
    /// When it exited (or was stopped at the time limit), on the clock of
    /// the observations.
    pub exit_at: Duration,
    /// Every request the server saw up to the exit.
    pub observations: Vec<Observation>,
    /// Requests that arrived after the exit: a process left working.
    pub late_requests: Vec<Observation>,
    /// What the server served, in lanes, to draw (none without a server).
    pub served: Option<timeline::Timeline>,
    /// What the gate held back.
    pub gate: Option<GateReport>,
    /// The files in `{dest}` at the exit (name → bytes), and whether the
    /// folder existed.
    pub files: Option<BTreeMap<String, Vec<u8>>>,
    /// Files in `{dest}` that appeared, changed or went after the exit.
    pub late_files: Vec<String>,
    /// Processes still running when it exited (killed since), described.
    pub left_running: Vec<String>,
    /// Its output pipes stayed open after the exit and the kill: something
    /// the grader could not find held them.
    pub pipes_held: bool,
    /// GIF files it saved outside `{dest}`, in its working folder (paths
    /// relative to it).
    pub strays: Vec<PathBuf>,
    /// What the sampling of its threads and processes saw (CPU-bound work).
    pub cpu: Option<CpuRecord>,
}

/// A placeholder of the command line, what it stands for, and the
/// environment variable that carries it too: `{timeout}`, `FLAGS_TIMEOUT`, `3.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// As written in the command: `{workers}`.
    pub name: &'static str,
    /// The environment variable: `FLAGS_WORKERS`.
    pub env: &'static str,
    /// What it stands for: `4`.
    pub value: String,
}

/// Fills in `{url}`, `{dest}`, `{codes}` (an argument that is exactly
/// `{codes}` becomes one argument per code) and the other `values`.
pub fn fill(
    template: &[String],
    url: &str,
    dest: &Path,
    codes: &[String],
    values: &[Placeholder],
) -> Vec<String> {
    let dest = dest.to_string_lossy();
    let mut argv = Vec::new();
    for arg in template {
        if arg == "{codes}" {
            argv.extend(codes.iter().cloned());
        } else {
            let filled = arg
                .replace("{url}", url)
                .replace("{dest}", &dest)
                .replace("{codes}", &codes.join(" "));
            argv.push(
                values
                    .iter()
                    .fold(filled, |arg, p| arg.replace(p.name, &p.value)),
            );
        }
    }
    argv
}

/// What to run, against what, and where.
#[derive(Debug, Clone)]
pub struct Run<'a> {
    /// The server's plan (`None`: CPU-bound work, no server).
    pub plan: Option<&'a Plan>,
    /// Its gate, if the exercise is concurrent.
    pub gate: Option<Gate>,
    /// The command, with placeholders.
    pub command: &'a [String],
    /// What `{codes}` stands for.
    pub codes: &'a [String],
    /// What the other placeholders stand for.
    pub values: &'a [Placeholder],
    /// Sample its threads' and processes' CPU (CPU-bound work).
    pub sample_cpu: bool,
    /// The working folder (`None`: the grader's own).
    pub workdir: Option<&'a Path>,
    /// Killed after this long.
    pub time_limit: Duration,
}

/// The run could not be made, for a reason that is not the submission's.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The program could not be started at all.
    #[error(
        "could not start {program}: {source}: check the command (is its interpreter installed?)"
    )]
    NotStarted {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// The command is empty.
    #[error("the command is empty: give the submission's command after --")]
    Empty,
    /// The server or a folder could not be made.
    #[error("could not set up the run: {0}")]
    Setup(#[from] std::io::Error),
}

/// Sets up `cmd` as the grader runs a submission's process: in a process
/// group of its own, so that it ends with everything it started; no input;
/// its output piped; and none of the grader's own backtrace settings, which
/// would push a panic's message out of the report.
pub fn watched(cmd: &mut Command) {
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
}

/// Runs the command once against a fresh server (if it has a plan), in a
/// fresh empty `{dest}`.
pub fn run_once(run: &Run<'_>) -> Result<Attempt, RunError> {
    let server = match run.plan {
        Some(plan) => Some(SpawnedServer::recording(plan.clone(), run.gate.clone())?),
        None => None,
    };
    let url = server
        .as_ref()
        .map_or_else(String::new, |s| s.base_url().to_owned());
    // The destination's parent is ours: the folder itself is the
    // submission's to make, or not.
    let scratch = tempfile::tempdir()?;
    let dest = scratch.path().join("dest");
    std::fs::create_dir(&dest)?;
    let argv = fill(run.command, &url, &dest, run.codes, run.values);
    let (program, args) = argv.split_first().ok_or(RunError::Empty)?;
    let workdir = run
        .workdir
        .map_or_else(std::env::current_dir, |d| Ok(d.to_owned()))?;
    let gifs_before = gifs_in(&workdir);
    let marker = format!("{:016x}", random_seed());

    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(&workdir)
        .env("FLAGS_URL", &url)
        .env("FLAGS_DEST", &dest)
        .env("FLAGS_CODES", run.codes.join(" "))
        .envs(run.values.iter().map(|p| (p.env, &p.value)))
        .env(MARKER, &marker);
    watched(&mut cmd);
    let t0 = Instant::now();
    // The clock of the observations: the server's, or the run's own.
    let now = || {
        server
            .as_ref()
            .map_or_else(|| t0.elapsed(), SpawnedServer::now)
    };
    let mut child = cmd.spawn().map_err(|source| RunError::NotStarted {
        program: program.clone(),
        source,
    })?;
    let stdout = Output::read(child.stdout.take().expect("piped"));
    let stderr = Output::read(child.stderr.take().expect("piped"));

    let (exited, status) = mpsc::channel();
    let pid = child.id();
    let sampler = run.sample_cpu.then(|| sample::Sampler::start(pid, &marker));
    std::thread::spawn(move || {
        let _ = exited.send(child.wait());
    });
    let ending = match status.recv_timeout(run.time_limit) {
        Ok(Ok(status)) => ending_of(status),
        Ok(Err(err)) => return Err(RunError::Setup(err)),
        Err(_) => Ending::TimedOut(run.time_limit),
    };
    let wall = t0.elapsed();
    let exit_at = now();
    let cpu = sampler.map(sample::Sampler::finish);
    let files = snapshot(&dest);

    // Whatever it left running goes now: listed first, for the report.
    let left_running = leftovers(pid, &marker);
    kill_all(pid, &marker);
    let pipes_held = !(stdout.closed_within(GRACE) & stderr.closed_within(GRACE));
    if pipes_held {
        kill_all(pid, &marker);
    }
    let late_files = changes(files.as_ref(), snapshot(&dest).as_ref());
    let (observations, late_requests) = server
        .as_ref()
        .map(SpawnedServer::observations)
        .unwrap_or_default()
        .into_iter()
        .partition(|o| o.arrival <= exit_at);
    let served = server.as_ref().map(SpawnedServer::timeline);
    let strays = gifs_in(&workdir)
        .difference(&gifs_before)
        .map(|path| path.strip_prefix(&workdir).unwrap_or(path).to_owned())
        .collect();

    let sanitize = |text: String| {
        let text = match url.is_empty() {
            true => text,
            false => text.replace(&url, "{url}"),
        };
        text.replace(&*dest.to_string_lossy(), "{dest}")
    };
    Ok(Attempt {
        ending,
        stdout: sanitize(stdout.text()),
        stderr: sanitize(stderr.text()),
        wall,
        exit_at,
        observations,
        late_requests,
        served,
        gate: server.as_ref().and_then(SpawnedServer::gate_report),
        files,
        late_files,
        left_running,
        pipes_held,
        strays,
        cpu,
    })
}

/// The environment variable that marks a submission's processes, so that
/// one that left the process group is still found.
const MARKER: &str = "FLAGS_GRADING_RUN";

fn ending_of(status: std::process::ExitStatus) -> Ending {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Ending::Signalled(signal);
    }
    Ending::Exited(status.code().unwrap_or(-1))
}

/// One output stream, read on a thread of its own into a buffer that the
/// grader can take whether or not the stream has closed.
struct Output {
    buffer: Arc<Mutex<Vec<u8>>>,
    closed: mpsc::Receiver<()>,
}

impl Output {
    fn read(mut pipe: impl Read + Send + 'static) -> Output {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let (tx, closed) = mpsc::channel();
        let filling = Arc::clone(&buffer);
        std::thread::spawn(move || {
            let mut chunk = [0; 8192];
            // Read to the end, keeping at most OUTPUT_CAP bytes.
            loop {
                let n = match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let mut buffer = filling.lock().unwrap_or_else(|e| e.into_inner());
                let room = OUTPUT_CAP.saturating_sub(buffer.len()).min(n);
                buffer.extend_from_slice(&chunk[..room]);
            }
            let _ = tx.send(());
        });
        Output { buffer, closed }
    }

    fn closed_within(&self, grace: Duration) -> bool {
        self.closed.recv_timeout(grace).is_ok()
    }

    fn text(&self) -> String {
        let buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&buffer).into_owned()
    }
}

/// The files directly in `dir` (name → bytes); `None` if it is gone.
fn snapshot(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(
        entries
            .flatten()
            .map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(entry.path()).unwrap_or_default())
            })
            .collect(),
    )
}

/// The names that differ between two snapshots.
fn changes(
    before: Option<&BTreeMap<String, Vec<u8>>>,
    after: Option<&BTreeMap<String, Vec<u8>>>,
) -> Vec<String> {
    let empty = BTreeMap::new();
    let (before, after) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .cloned()
        .collect()
}

/// The `.gif` files in `dir` and the folders directly in it: where a
/// submission that ignored `{dest}` saved its flags.
fn gifs_in(dir: &Path) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Ok(inner) = std::fs::read_dir(&path) {
                found.extend(inner.flatten().map(|e| e.path()).filter(|p| is_gif(p)));
            }
        } else if is_gif(&path) {
            found.insert(path);
        }
    }
    found
}

fn is_gif(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gif"))
}

/// A seed no student can predict: from the operating system's randomness.
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok()
    {
        return u64::from_le_bytes(bytes);
    }
    // Elsewhere: std's hasher keys come from the OS's randomness too.
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// The processes of the submission still alive: in its process group, or
/// carrying its marker. Linux's `/proc` tells; elsewhere, only whether the
/// group is empty.
fn leftovers(group: u32, marker: &str) -> Vec<String> {
    #[cfg(target_os = "linux")]
    {
        procs::submission_processes(group, marker)
            .into_iter()
            .map(|p| format!("{}, pid {}", p.command, p.pid))
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = marker;
        #[cfg(unix)]
        if rustix::process::Pid::from_raw(group as i32)
            .is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
        {
            return vec![format!("processes of group {group}")];
        }
        Vec::new()
    }
}

/// Kills the submission's process group and every process carrying its
/// marker, until none is left (a forking process may start more).
fn kill_all(group: u32, marker: &str) {
    #[cfg(unix)]
    {
        use rustix::process::{Pid, Signal, kill_process, kill_process_group};
        for _ in 0..10 {
            if let Some(pid) = Pid::from_raw(group as i32) {
                let _ = kill_process_group(pid, Signal::KILL);
            }
            #[cfg(target_os = "linux")]
            {
                let found = procs::submission_processes(group, marker);
                if found.is_empty() {
                    return;
                }
                for p in found {
                    if let Some(pid) = Pid::from_raw(p.pid) {
                        let _ = kill_process(pid, Signal::KILL);
                    }
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            #[cfg(not(target_os = "linux"))]
            {
                let _ = (marker, kill_process);
                return;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (group, marker);
}

#[cfg(target_os = "linux")]
mod procs {
    //! The submission's processes, found in `/proc`.

    /// A live process.
    pub struct Proc {
        pub pid: i32,
        pub command: String,
    }

    /// Every live (not zombie) process in `group` or whose environment
    /// carries `marker`, but this one.
    pub fn submission_processes(group: u32, marker: &str) -> Vec<Proc> {
        let me = std::process::id() as i32;
        let needle = format!("{}={marker}", super::MARKER);
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&pid| pid != me)
            .filter_map(|pid| {
                let dir = std::path::PathBuf::from(format!("/proc/{pid}"));
                let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
                // pid (comm) state ppid pgrp …: comm may hold spaces.
                let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
                let (state, pgrp) = (fields.first()?, fields.get(2)?.parse::<u32>().ok()?);
                if *state == "Z" || *state == "X" {
                    return None;
                }
                let ours = pgrp == group
                    || std::fs::read(dir.join("environ")).is_ok_and(|env| {
                        env.split(|&b| b == 0).any(|var| var == needle.as_bytes())
                    });
                ours.then(|| Proc {
                    pid,
                    command: command_line(&dir),
                })
            })
            .collect()
    }

    /// The process's command line; its name alone while it is between a
    /// fork and an exec.
    fn command_line(dir: &std::path::Path) -> String {
        let words = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let line = String::from_utf8_lossy(&words)
            .split('\0')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if line.is_empty() {
            let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            name.trim().to_owned()
        } else {
            line
        }
    }
}
