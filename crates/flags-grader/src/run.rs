//! Running a submission once against the seeded server.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mock_server::{Observation, Plan, TestServer};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this status (`None`: killed by a signal).
    Exited(Option<i32>),
    /// It was still running at the time limit and was killed.
    TimedOut,
    /// It could not be started at all.
    NotStarted(String),
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
    /// Every request the server saw.
    pub observations: Vec<Observation>,
    /// The folder given as `{dest}`.
    pub dest: tempfile::TempDir,
}

/// Fills in `{url}` and `{dest}`.
pub fn fill(template: &[String], url: &str, dest: &Path) -> Vec<String> {
    let dest = dest.to_string_lossy();
    template
        .iter()
        .map(|arg| arg.replace("{url}", url).replace("{dest}", &dest))
        .collect()
}

/// Runs `command` (placeholders filled in) against a fresh server with
/// `plan`, in a fresh empty folder, killing it at `time_limit`.
pub fn run_once(plan: &Plan, command: &[String], time_limit: Duration) -> std::io::Result<Attempt> {
    let server = TestServer::start_blocking(plan.clone());
    let url = server.base_url();
    let dest = tempfile::tempdir()?;
    let argv = fill(command, &url, dest.path());
    let sanitize = |text: String| {
        text.replace(&url, "{url}")
            .replace(&*dest.path().to_string_lossy(), "{dest}")
    };
    let Some((program, args)) = argv.split_first() else {
        return Err(std::io::Error::other("the command is empty"));
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("FLAGS_URL", &url)
        .env("FLAGS_DEST", dest.path())
        // The grader's own settings must not change what a submission
        // prints: a backtrace would push a panic's message out of the report.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that a time-out kills whatever it started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let t0 = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(err) => {
            return Ok(Attempt {
                ending: Ending::NotStarted(format!("could not start {program}: {err}")),
                stdout: String::new(),
                stderr: String::new(),
                wall: Duration::ZERO,
                observations: server.observations(),
                dest,
            });
        }
    };
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = reader(Box::new(child.stdout.take().expect("piped")));
    let stderr = reader(Box::new(child.stderr.take().expect("piped")));
    let ending = loop {
        if let Some(status) = child.try_wait()? {
            break Ending::Exited(status.code());
        }
        if t0.elapsed() >= time_limit {
            break Ending::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = t0.elapsed();
    // Whatever it left running (a timed-out program, stray background
    // jobs) goes now, or the pipes would never close.
    kill_group(&mut child);
    let _ = child.wait();
    let stdout = sanitize(stdout.join().unwrap_or_default());
    let stderr = sanitize(stderr.join().unwrap_or_default());
    Ok(Attempt {
        ending,
        stdout,
        stderr,
        wall,
        observations: server.observations(),
        dest,
    })
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}
