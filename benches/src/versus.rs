//! # versus: the book's own Python scripts beside the Rust ports
//!
//! `versus-python` (`src/bin/versus-python.rs`) runs the reader's copy of
//! the book's scripts and our ports against the same seeded servers, turn
//! and turn about, and puts their medians in one table next to the ideal.
//! This module holds its parts: finding the scripts, checking the Python,
//! the cases, running one, reading a report, the table and the chart.
//!
//! The scripts are driven as they are, never copied or edited:
//! - the flags2 scripts take a server label (`-s ERROR`) that their
//!   `flags2_common.py` maps to a fixed port, so the driver reads that map
//!   and serves each scenario on the port the script will call;
//! - the chapter-1 scripts have no option at all, so the driver imports
//!   `flags`, sets `flags.BASE_URL`, then imports the variant and calls
//!   `main(download_many)`, as their `__main__` does.
//!
//! The cases ([`cases`]), each a Python script and its Rust port:
//!
//! | case | server (plan) | Python | Rust |
//! |---|---|---|---|
//! | `pop20 sequential`, `thread pool`, `asyncio` | DELAY port, [`pop20`](crate::pop20) (50 ms a flag) | `flags.py`, `flags_threadpool.py`, `flags_asyncio.py` | `flags-seq`, `flags-threadpool`, `flags-asyncio` |
//! | `errors A–D sequential`, `thread pool -m 30` | ERROR port, [`every676_errors`](crate::every676_errors) | `flags2_sequential.py A B C D`, `flags2_threadpool.py -m 30 A B C D` | `flags2-sequential`, `flags2-threadpool` |
//! | `errors every676 asyncio -m 64`, `-m 676` | the same | `flags2_asyncio.py -e -m 64` (and `-m 676`: past httpx's 100 connections) | `flags2-asyncio` |
//!
//! Each run happens in a fresh temporary folder (the scripts save to
//! `downloaded/` under the working directory), and is checked twice against
//! the plan's ground truth: the counts its report prints, and the files it
//! left on disk.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use flags_common::{Code, DownloadStatus, Tally, chapter1_count, flags2_counts};
use mock_server::{Plan, expected_files, folder_problems};

use crate::format_secs;

/// Where the 2nd edition keeps the scripts, under the clone of
/// `fluentpython/example-code-2e`.
pub const SECOND_EDITION: &str = "20-executors/getflags";
/// Where the 1st edition keeps them, under `fluentpython/example-code`.
pub const FIRST_EDITION: &str = "17-futures/countries";

/// The environment variable that makes `versus-python` run one of the Rust
/// ports instead (`flags-seq`, `flags2-threadpool`, …), with the rest of
/// its command line: the Rust side is timed as a whole process too, from
/// the very code of the ports' one-line `main`s.
pub const RUST_PORT_ENV: &str = "VERSUS_PYTHON_RUST_PORT";

/// Runs the Rust port `name` (the binary's name), as its `main.rs` does;
/// `None` for a name that is no port.
pub fn run_rust_port(name: &str) -> Option<ExitCode> {
    use flags2_progress::{asyncio, sequential, threadpool};
    Some(match name {
        "flags-seq" => flags_seq::main(flags_seq::download_many),
        "flags-threadpool" => flags_seq::main(flags_threadpool::download_many),
        "flags-asyncio" => flags_seq::main(flags_asyncio::download_many),
        "flags2-sequential" => flags2_progress::main(
            sequential::download_many,
            sequential::DEFAULT_CONCUR_REQ,
            sequential::MAX_CONCUR_REQ,
        ),
        "flags2-threadpool" => flags2_progress::main(
            threadpool::download_many,
            threadpool::DEFAULT_CONCUR_REQ,
            threadpool::MAX_CONCUR_REQ,
        ),
        "flags2-asyncio" => flags2_progress::main(
            asyncio::download_many,
            asyncio::DEFAULT_CONCUR_REQ,
            asyncio::MAX_CONCUR_REQ,
        ),
        _ => return None,
    })
}

/// The reader's scripts: the folder, and the ports its `flags2_common.py`
/// sends each server label to.
#[derive(Debug, Clone)]
pub struct Book {
    /// The folder holding `flags.py`, `flags2_common.py`, ….
    pub dir: PathBuf,
    /// `("LOCAL", 8000)`, `("DELAY", 8001)`, `("ERROR", 8002)` (the 1st
    /// edition's are 8001 to 8003).
    pub ports: Vec<(String, u16)>,
    /// Found under `17-futures/countries`: requests and aiohttp, and a
    /// chapter-1 pool of `MAX_WORKERS = 20`.
    pub first_edition: bool,
}

impl Book {
    /// Finds the scripts under `path`: the clone of either edition's
    /// example code, or the scripts' folder itself.
    pub fn find(path: &Path) -> Result<Book, String> {
        if !path.is_dir() {
            return Err(format!(
                "--book {}: no such folder; give the path of your clone of \
                 https://github.com/fluentpython/example-code-2e",
                path.display()
            ));
        }
        let dir = [SECOND_EDITION, FIRST_EDITION, ""]
            .iter()
            .map(|sub| path.join(sub))
            .find(|dir| dir.join("flags.py").is_file() && dir.join("flags2_common.py").is_file())
            .ok_or_else(|| {
                format!(
                    "--book {}: found no flags.py and flags2_common.py in {SECOND_EDITION} \
                     (2nd edition), {FIRST_EDITION} (1st edition) or the folder itself; \
                     give the path of your clone of \
                     https://github.com/fluentpython/example-code-2e",
                    path.display()
                )
            })?;
        let common = dir.join("flags2_common.py");
        let text = std::fs::read_to_string(&common)
            .map_err(|err| format!("cannot read {}: {err}", common.display()))?;
        let ports = server_ports(&text);
        let first_edition = dir.ends_with(FIRST_EDITION);
        Ok(Book {
            dir,
            ports,
            first_edition,
        })
    }

    /// The port the flags2 scripts call for `label`.
    pub fn port(&self, label: &str) -> Result<u16, String> {
        self.ports
            .iter()
            .find(|(l, _)| l == label)
            .map(|&(_, port)| port)
            .ok_or_else(|| {
                format!(
                    "{}/flags2_common.py has no {label} server on localhost in its SERVERS \
                     table: is this the book's flags2_common.py?",
                    self.dir.display()
                )
            })
    }
}

/// The local servers of a `SERVERS` table: lines such as
/// `'DELAY':  'http://localhost:8001/flags',` give `("DELAY", 8001)`.
pub fn server_ports(flags2_common: &str) -> Vec<(String, u16)> {
    flags2_common
        .lines()
        .filter_map(|line| {
            // The quoted strings of the line: the label, then the URL.
            let mut quoted = line.split(['\'', '"']).skip(1).step_by(2);
            let label = quoted.next()?;
            let rest = quoted.next()?.strip_prefix("http://")?;
            let rest = ["localhost:", "127.0.0.1:"]
                .iter()
                .find_map(|host| rest.strip_prefix(host))?;
            let port = rest.split('/').next()?.parse().ok()?;
            Some((label.to_owned(), port))
        })
        .collect()
}

/// The top-level modules a script imports: `import httpx`, `from
/// concurrent import futures`, `import a, b as c`.
pub fn imports(script: &str) -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    for line in script.lines().map(str::trim) {
        let names = if let Some(rest) = line.strip_prefix("import ") {
            rest.split(',').collect()
        } else if let Some(rest) = line.strip_prefix("from ") {
            vec![rest.split(" import").next().unwrap_or("")]
        } else {
            continue;
        };
        for name in names {
            let module = name.split_whitespace().next().unwrap_or("");
            let top = module.split('.').next().unwrap_or("");
            if !top.is_empty() && top.chars().all(|c| c.is_alphanumeric() || c == '_') {
                modules.insert(top.to_owned());
            }
        }
    }
    modules
}

/// What the scripts need that is not theirs: every module imported by the
/// `scripts` or by the book's own modules they import, less the book's.
pub fn needed_modules(book: &Book, scripts: &[&str]) -> Result<BTreeSet<String>, String> {
    let mut to_read: Vec<String> = scripts.iter().map(|s| s.to_string()).collect();
    let (mut read, mut needed) = (BTreeSet::new(), BTreeSet::new());
    while let Some(module) = to_read.pop() {
        if !read.insert(module.clone()) {
            continue;
        }
        let path = book.dir.join(format!("{module}.py"));
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        for import in imports(&text) {
            if book.dir.join(format!("{import}.py")).is_file() {
                to_read.push(import);
            } else {
                needed.insert(import);
            }
        }
    }
    Ok(needed)
}

/// The Python, once checked.
#[derive(Debug, Clone)]
pub struct Python {
    /// The command.
    pub program: PathBuf,
    /// `3.11.7`.
    pub version: String,
    /// The workers of a `ThreadPoolExecutor()` with no `max_workers`.
    pub default_workers: usize,
    /// The modules checked that are not in its standard library: what
    /// `pip` installed (`httpx`, `tqdm`).
    pub third_party: Vec<String>,
}

/// Checks that `program` runs and can import every module in `modules`;
/// otherwise says what to install.
pub fn check_python(program: &Path, modules: &BTreeSet<String>) -> Result<Python, String> {
    // Prints its version and default pool size, the missing modules, then
    // those not in its standard library.
    let probe = "import importlib.util, os, sys\n\
                 cpus = getattr(os, 'process_cpu_count', os.cpu_count)() or 1\n\
                 print(sys.version.split()[0], min(32, cpus + 4))\n\
                 print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))\n\
                 std = getattr(sys, 'stdlib_module_names', ())\n\
                 print(' '.join(m for m in sys.argv[1:] if m not in std))";
    let out = Command::new(program)
        .arg("-c")
        .arg(probe)
        .args(modules)
        .output()
        .map_err(|err| {
            format!(
                "cannot run {} ({err}): install Python 3, or give its path with --python",
                program.display()
            )
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    let first: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    let (Some(version), Some(workers), true) = (
        first.first(),
        first.get(1).and_then(|n| n.parse().ok()),
        out.status.success(),
    ) else {
        return Err(format!(
            "{} does not run as Python 3 ({}): {}",
            program.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    };
    let missing: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    if !missing.is_empty() {
        return Err(format!(
            "the book's scripts import {}, which {} cannot find; install with:\n    \
             {} -m pip install {}",
            missing.join(" and "),
            program.display(),
            program.display(),
            missing.join(" ")
        ));
    }
    Ok(Python {
        program: program.to_owned(),
        version: version.to_string(),
        default_workers: workers,
        third_party: lines
            .next()
            .unwrap_or("")
            .split_whitespace()
            .map(String::from)
            .collect(),
    })
}

/// How a script is started, and which report it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// A chapter-1 module (`flags_threadpool`): `BASE_URL` set, then
    /// `main(download_many)`; it prints `20 downloads in 0.35s`.
    Chapter1(&'static str),
    /// A flags2 script (`flags2_threadpool`), run with `-s LABEL` and the
    /// case's arguments; it prints the flags2 final report.
    Flags2(&'static str),
}

impl Script {
    /// The module name.
    pub fn module(self) -> &'static str {
        match self {
            Script::Chapter1(m) | Script::Flags2(m) => m,
        }
    }
}

/// One row of the table: a Python script and its Rust port on one server.
#[derive(Debug, Clone)]
pub struct Case {
    /// `pop20 thread pool`.
    pub name: String,
    /// The server label it is served under (`DELAY`).
    pub label: &'static str,
    /// The book's script.
    pub python: Script,
    /// The port's binary name (`flags-threadpool`).
    pub rust: &'static str,
    /// The flags2 arguments, the same for both (`-m 30 A B C D`).
    pub args: Vec<String>,
    /// The codes fetched.
    pub codes: Vec<Code>,
    /// The client timeout of both: 6.1 s in chapter 1, 3.1 s in flags2.
    pub timeout: Duration,
    /// How many requests each side has in flight at most: Python, Rust.
    pub workers: (usize, usize),
}

/// The served scenarios: the chapter-1 cases on the DELAY port with the
/// pop20 plan (50 ms a flag), the flags2 cases on the ERROR port with the
/// every676-errors plan (10 to 20 ms, 404s and 418s).
pub fn plans() -> Vec<(&'static str, Plan)> {
    vec![
        ("DELAY", crate::pop20().plan),
        ("ERROR", crate::every676_errors().plan),
    ]
}

/// The cases, each sized so that one Python run takes seconds:
/// `python_workers` is the size of the chapter-1 script's thread pool
/// (the Python's default in the 2nd edition, 20 in the 1st).
pub fn cases(python_workers: usize) -> Vec<Case> {
    let pop20 = crate::pop20().codes;
    let n = pop20.len();
    let chapter1 = |name: &str, module, rust, workers| Case {
        name: format!("pop20 {name}"),
        label: "DELAY",
        python: Script::Chapter1(module),
        rust,
        args: Vec::new(),
        codes: pop20.clone(),
        timeout: Duration::from_millis(6100),
        workers,
    };
    let flags2 = |name: &str, module, rust, args: &str, max_req: usize| {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        // The CC arguments: what follows the options.
        let ccs: Vec<String> = args.iter().filter(|a| a.len() == 1).cloned().collect();
        let every = args.iter().any(|a| a == "-e");
        let codes = flags_common::expand_cc_args(every, false, &ccs, None)
            .expect("the cases' codes are valid");
        let workers = max_req.min(codes.len());
        Case {
            name: name.to_owned(),
            label: "ERROR",
            python: Script::Flags2(module),
            rust,
            args,
            codes,
            timeout: Duration::from_millis(3100),
            workers: (workers, workers),
        }
    };
    let threads = flags_threadpool::MAX_WORKERS.min(n);
    vec![
        chapter1("sequential", "flags", "flags-seq", (1, 1)),
        chapter1(
            "thread pool",
            "flags_threadpool",
            "flags-threadpool",
            (python_workers.min(n), threads),
        ),
        chapter1("asyncio", "flags_asyncio", "flags-asyncio", (n, n)),
        flags2(
            "errors A–D sequential",
            "flags2_sequential",
            "flags2-sequential",
            "A B C D",
            1,
        ),
        flags2(
            "errors A–D thread pool -m 30",
            "flags2_threadpool",
            "flags2-threadpool",
            "-m 30 A B C D",
            30,
        ),
        flags2(
            "errors every676 asyncio -m 64",
            "flags2_asyncio",
            "flags2-asyncio",
            "-m 64 -e",
            64,
        ),
        // Past httpx's pool of 100 connections: where the book's asyncio
        // script stops coping (the Rust port has no such cap).
        flags2(
            "errors every676 asyncio -m 676",
            "flags2_asyncio",
            "flags2-asyncio",
            "-m 676 -e",
            676,
        ),
    ]
}

/// Which side of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The book's script.
    Python,
    /// Our port.
    Rust,
}

/// How to run a case on one side.
pub struct Runner<'a> {
    /// The checked Python.
    pub python: &'a Python,
    /// The book.
    pub book: &'a Book,
    /// This very program, which runs the Rust ports ([`RUST_PORT_ENV`]).
    pub rust: PathBuf,
    /// The base URL of each label's server: `("DELAY", "http://127.0.0.1:8001/flags")`.
    pub urls: Vec<(&'static str, String)>,
}

/// One timed run: its wall time and what it got right or wrong.
#[derive(Debug, Clone)]
pub struct Run {
    /// Wall time from spawn to exit, in seconds.
    pub secs: f64,
    /// `Ok` when its report and its files match the ground truth;
    /// otherwise what did not.
    pub check: Result<(), String>,
}

impl Runner<'_> {
    fn url(&self, label: &str) -> &str {
        self.urls
            .iter()
            .find(|(l, _)| *l == label)
            .map_or("", |(_, url)| url)
    }

    /// The command that runs `case` on `side`.
    pub fn command(&self, case: &Case, side: Side) -> Command {
        let url = self.url(case.label);
        match (side, case.python) {
            (Side::Python, Script::Chapter1(module)) => {
                // flags_threadpool and flags_asyncio import from flags:
                // BASE_URL is set on flags before they are imported.
                let code = format!(
                    "import sys; sys.path.insert(0, sys.argv[1]); import flags; \
                     flags.BASE_URL = sys.argv[2]; \
                     from {module} import main, download_many; main(download_many)"
                );
                let mut command = Command::new(&self.python.program);
                command.arg("-c").arg(code).arg(&self.book.dir).arg(url);
                command
            }
            (Side::Python, Script::Flags2(module)) => {
                let mut command = Command::new(&self.python.program);
                command
                    .arg(self.book.dir.join(format!("{module}.py")))
                    .args(["-s", case.label])
                    .args(&case.args);
                command
            }
            (Side::Rust, _) => {
                let mut command = Command::new(&self.rust);
                command
                    .env(RUST_PORT_ENV, case.rust)
                    .args(["--server", url])
                    .args(&case.args);
                command
            }
        }
    }

    /// Runs `case` once on `side` in a fresh folder, times it, and checks
    /// it against `plan`'s ground truth.
    pub fn run(&self, case: &Case, side: Side, plan: &Plan) -> Result<Run, String> {
        let dir = tempfile::tempdir().map_err(|err| format!("no temporary folder: {err}"))?;
        let mut command = self.command(case, side);
        command
            .current_dir(dir.path())
            // No __pycache__ written into the reader's clone.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let out = command
            .output()
            .map_err(|err| format!("cannot run {command:?}: {err}"))?;
        let secs = start.elapsed().as_secs_f64();
        let check = if out.status.success() {
            let stdout = String::from_utf8_lossy(&out.stdout);
            check_run(case, plan, &stdout, &dest_dir(dir.path()))
        } else {
            // The last line of a traceback says what went wrong.
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            Err(format!("{} ({})", out.status, last.unwrap_or("").trim()))
        };
        Ok(Run { secs, check })
    }
}

/// The folder a run saved its flags in, under its working folder: the
/// one it created (`downloaded/`; the 1st edition's `downloads/`), or
/// `downloaded/` if none.
fn dest_dir(cwd: &Path) -> PathBuf {
    let made = std::fs::read_dir(cwd)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.is_dir());
    made.unwrap_or_else(|| cwd.join("downloaded"))
}

/// What a correct client counts for `case`: each code's outcome in `plan`.
pub fn truth(case: &Case, plan: &Plan) -> Tally {
    case.codes
        .iter()
        .map(|&cc| plan.outcome(cc, case.timeout, 0))
        .collect()
}

/// Checks a run's report and saved files against the plan.
pub fn check_run(case: &Case, plan: &Plan, stdout: &str, dest: &Path) -> Result<(), String> {
    let expected = truth(case, plan);
    let got = match case.python {
        Script::Chapter1(_) => chapter1_count(stdout).map(|ok| Tally {
            ok,
            ..Tally::default()
        }),
        Script::Flags2(_) => flags2_counts(stdout),
    }
    .ok_or_else(|| format!("no report found in its output: {:?}", tail(stdout)))?;
    if got != expected {
        return Err(format!(
            "reported {}, the server's plan says {}",
            got.summary(),
            expected.summary()
        ));
    }
    // The flags it should have saved: those the plan answers 200.
    let saved: Vec<Code> = (case.codes.iter().copied())
        .filter(|&cc| plan.outcome(cc, case.timeout, 0) == DownloadStatus::Ok)
        .collect();
    match folder_problems(dest, &expected_files(plan, &saved)).first() {
        None => Ok(()),
        Some(problem) => Err(format!("its files: {problem}")),
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(3)..].join("\n")
}

/// A case's runs on both sides, for the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The case.
    pub case: Case,
    /// The plan's ideal time at each side's concurrency: Python, Rust.
    pub ideal: (Duration, Duration),
    /// The Python runs.
    pub python: Vec<Run>,
    /// The Rust runs.
    pub rust: Vec<Run>,
}

/// The median of the runs' times (0 for none).
pub fn median(runs: &[Run]) -> f64 {
    let secs: Vec<f64> = runs.iter().map(|r| r.secs).collect();
    if secs.is_empty() {
        return 0.0;
    }
    crate::Estimate::from_runs(&secs).median
}

/// The first thing a side got wrong, if any.
fn first_problem(runs: &[Run]) -> Option<&str> {
    runs.iter()
        .find_map(|r| r.check.as_ref().err().map(String::as_str))
}

fn mark(runs: &[Run]) -> &'static str {
    if first_problem(runs).is_none() {
        "✓"
    } else {
        "✗"
    }
}

/// The markdown table, the start-up cost and the notes on what was wrong.
pub fn render_table(rows: &[Row], header: &[String]) -> String {
    let mut out = String::new();
    for line in header {
        let _ = writeln!(out, "{line}");
    }
    out.push_str(
        "\n| scenario | Python median | Rust median | ideal | Python efficiency \
         | Rust efficiency | Python ÷ Rust | counts (Python / Rust) |\n\
         |---|---:|---:|---:|---:|---:|---:|:---:|\n",
    );
    for row in rows {
        let (py, rs) = (median(&row.python), median(&row.rust));
        let (ideal_py, ideal_rs) = (row.ideal.0.as_secs_f64(), row.ideal.1.as_secs_f64());
        // Each side's ideal at its own concurrency; one figure when equal.
        let ideal = if row.ideal.0 == row.ideal.1 {
            format_secs(ideal_py)
        } else {
            format!("{} / {}", format_secs(ideal_py), format_secs(ideal_rs))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.1}× | {} / {} |",
            row.case.name,
            format_secs(py),
            format_secs(rs),
            ideal,
            ideal_py / py,
            ideal_rs / rs,
            py / rs,
            mark(&row.python),
            mark(&row.rust),
        );
    }
    let mut notes = String::new();
    for row in rows {
        for (side, runs) in [("Python", &row.python), ("Rust", &row.rust)] {
            if let Some(problem) = first_problem(runs) {
                let wrong = runs.iter().filter(|r| r.check.is_err()).count();
                let _ = writeln!(
                    notes,
                    "- ✗ {} ({side}, {wrong} of {} runs): {problem}",
                    row.case.name,
                    runs.len()
                );
            }
        }
    }
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out
}

/// A bar chart of the medians, two bars a scenario on a log scale (the
/// sides differ by up to a hundred times), the ideal as a tick.
pub fn draw_svg(rows: &[Row]) -> String {
    let (left, width, bar, gap) = (260.0, 560.0, 14.0, 18.0);
    let height = 60.0 + rows.len() as f64 * (2.0 * bar + gap);
    let all = rows
        .iter()
        .flat_map(|r| [median(&r.python), median(&r.rust)]);
    // Room right of the longest bar for its label.
    let hi = all.fold(1.0_f64, f64::max).log10() + 0.3;
    let lo = -2.0; // 10 ms
    let x = |secs: f64| left + width * ((secs.max(1e-2).log10() - lo) / (hi - lo));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"18\" font-size=\"14\">The book's Python (orange) and the Rust ports \
         (blue): median wall time, log scale; | the ideal</text>\n",
        w = left + width + 120.0
    );
    let axis = height - 24.0;
    for p in (lo as i32)..=(hi.floor() as i32) {
        let secs = 10f64.powi(p);
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"30\" x2=\"{x:.1}\" y2=\"{axis}\" stroke=\"#ddd\"/>\
             <text x=\"{x:.1}\" y=\"{y}\" text-anchor=\"middle\">{label}</text>",
            x = x(secs),
            y = axis + 16.0,
            label = if p < 0 {
                format!("{} ms", 10i32.pow((p + 3) as u32))
            } else {
                format!("{} s", 10i32.pow(p as u32))
            }
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let top = 36.0 + i as f64 * (2.0 * bar + gap);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            top + bar + 4.0,
            row.case.name
        );
        let sides = [
            (&row.python, row.ideal.0, "#e8871e", top),
            (&row.rust, row.ideal.1, "#3572a5", top + bar),
        ];
        for (runs, ideal, colour, y) in sides {
            let secs = median(runs);
            // A side whose counts were wrong says so beside its time.
            let wrong = if first_problem(runs).is_some() {
                " ✗ counts"
            } else {
                ""
            };
            let _ = writeln!(
                svg,
                "<rect x=\"{left}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{}\" fill=\"{colour}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{}{wrong}</text>\
                 <line x1=\"{i:.1}\" y1=\"{y:.1}\" x2=\"{i:.1}\" y2=\"{:.1}\" stroke=\"black\" stroke-width=\"2\"/>",
                x(secs) - left,
                bar - 2.0,
                x(secs) + 4.0,
                y + bar - 4.0,
                format_secs(secs),
                y + bar - 2.0,
                i = x(ideal.as_secs_f64()),
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_ports_come_from_the_servers_table() {
        let table = "SERVERS = {\n    'REMOTE': 'https://www.fluentpython.com/data/flags',\n    \
                     'LOCAL':  'http://localhost:8000/flags',\n    \"ERROR\": \"http://127.0.0.1:8002/flags\",\n}";
        assert_eq!(
            server_ports(table),
            vec![("LOCAL".to_owned(), 8000), ("ERROR".to_owned(), 8002)]
        );
    }

    #[test]
    fn imports_name_each_top_level_module() {
        let script = "import httpx\nfrom concurrent import futures\nimport os.path, sys as s\n\
                      from flags import main\n    import tqdm  # type: ignore\nx = 'import'";
        let got: Vec<String> = imports(script).into_iter().collect();
        assert_eq!(got, ["concurrent", "flags", "httpx", "os", "sys", "tqdm"]);
    }
}
