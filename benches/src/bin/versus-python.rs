//! `versus-python`: the book's own Python scripts and the Rust ports, on
//! the same seeded servers, in one table.
//!
//! ```text
//! $ git clone https://github.com/fluentpython/example-code-2e /tmp/book2e
//! $ python3 -m pip install httpx tqdm
//! $ cargo run --release -p benches --bin versus-python -- --book /tmp/book2e --quick
//! Python 3.11.7 (python3), scripts in /tmp/book2e/20-executors/getflags; start-up 15.4 ms, with httpx and tqdm imported 108.8 ms (in every Python median)
//!
//! | scenario | Python median | Rust median | ideal | Python efficiency | Rust efficiency | Python ÷ Rust | counts (Python / Rust) |
//! |---|---:|---:|---:|---:|---:|---:|:---:|
//! | pop20 sequential | 2.010 s | 1.042 s | 1.000 s | 0.50 | 0.96 | 1.9× | ✓ / ✓ |
//! | pop20 thread pool | 1.069 s | 67.6 ms | 200.0 ms / 50.0 ms | 0.19 | 0.74 | 15.8× | ✓ / ✓ |
//! | errors every676 asyncio -m 676 | 10.896 s | 288.2 ms | 20.0 ms | 0.00 | 0.07 | 37.8× | ✗ / ✓ |
//!
//! - ✗ errors every676 asyncio -m 676 (Python, 2 of 2 runs): reported 0 downloaded, 0 not found, 676 errors, the server's plan says 145 downloaded, 482 not found, 49 errors
//! ```
//!
//! It checks the Python first (it runs, and imports what the scripts
//! import), serves the scenarios on the ports the book's `flags2_common.py`
//! names (DELAY on 8001, ERROR on 8002), runs each case's Python script and
//! Rust port turn and turn about, `--runs` times (two with `--quick`), each
//! as a whole process in a fresh folder, checks each run's report and files
//! against the plan (✗ and a note when wrong: a finding, not a failure of
//! the command, which exits 0), and writes the table to
//! `target/timings/versus-python.md` with a chart, `versus-python.svg`.
//! `just versus-python --book PATH` runs it too. The library part is
//! `benches::versus`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use benches::versus::{self, Book, Case, Runner, Side};
use clap::Parser;

/// Times the book's Python scripts and the Rust ports on the same servers.
#[derive(Parser)]
#[command(name = "versus-python")]
struct Args {
    /// Your clone of the book's example code (example-code-2e), or its
    /// folder of flags scripts
    #[arg(long, value_name = "PATH")]
    book: PathBuf,
    /// The Python to run the scripts with
    #[arg(long, value_name = "PYTHON", default_value = "python3")]
    python: PathBuf,
    /// Runs of each case on each side: the table shows the medians
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,
    /// Two runs of each case instead of --runs
    #[arg(long, conflicts_with = "runs")]
    quick: bool,
    /// Only the cases whose name contains this (`pop20`, `asyncio`)
    #[arg(long, value_name = "TEXT")]
    only: Option<String>,
    /// Where to write versus-python.md and .svg [default: target/timings]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    // This program is also the Rust side of each case (see RUST_PORT_ENV).
    if let Ok(port) = std::env::var(versus::RUST_PORT_ENV) {
        return versus::run_rust_port(&port).unwrap_or_else(|| {
            eprintln!("{}={port}: no such Rust port", versus::RUST_PORT_ENV);
            ExitCode::FAILURE
        });
    }
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("versus-python: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let book = Book::find(&args.book)?;
    // A case's name and script do not depend on the Python's pool size:
    // choose the cases, check the Python for their scripts, then size them.
    let chosen = |c: &Case| {
        args.only
            .as_ref()
            .is_none_or(|only| c.name.contains(only.as_str()))
    };
    let scripts: Vec<&str> = versus::cases(1)
        .iter()
        .filter(|c| chosen(c))
        .map(|c| c.python.module())
        .collect();
    if scripts.is_empty() {
        return Err(format!(
            "--only {:?} matches no case; the cases are: {}",
            args.only.clone().unwrap_or_default(),
            names(&versus::cases(1))
        ));
    }
    let modules = versus::needed_modules(&book, &scripts)?;
    let python = versus::check_python(&args.python, &modules)?;
    let pool = if book.first_edition {
        20
    } else {
        python.default_workers
    };
    let cases: Vec<Case> = versus::cases(pool).into_iter().filter(chosen).collect();
    let startup = startup_cost(&python)?;

    // The servers, on the ports the scripts call, for the whole session.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the servers' runtime: {err}"))?;
    let plans = versus::plans();
    let mut urls = Vec::new();
    for (label, plan) in &plans {
        let port = book.port(label)?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
            .map_err(|err| {
                format!(
                    "cannot serve the {label} scenario on 127.0.0.1:{port} ({err}): the book's \
                     flags2 scripts call http://localhost:{port}/flags for -s {label}, so that \
                     port must be free; stop what holds it (`just serve`?) and retry"
                )
            })?;
        runtime.spawn(mock_server::serve(listener, Arc::new(plan.clone()), true));
        urls.push((*label, format!("http://127.0.0.1:{port}/flags")));
    }
    let rust = std::env::current_exe().map_err(|err| format!("cannot find myself: {err}"))?;
    let runner = Runner {
        python: &python,
        book: &book,
        rust,
        urls,
    };
    let plan = |case: &Case| {
        let (_, plan) = plans
            .iter()
            .find(|(l, _)| *l == case.label)
            .expect("a served label");
        plan
    };

    let mut rows: Vec<versus::Row> = cases
        .into_iter()
        .map(|case| {
            let p = plan(&case);
            let ideal = |workers| p.ideal_time_within(&case.codes, workers, case.timeout);
            versus::Row {
                ideal: (ideal(case.workers.0), ideal(case.workers.1)),
                case,
                python: Vec::new(),
                rust: Vec::new(),
            }
        })
        .collect();
    let runs = if args.quick { 2 } else { args.runs };
    for round in 0..runs {
        for row in &mut rows {
            // Turn and turn about: whoever goes first alternates, so that
            // neither side always meets a warmer (or busier) machine.
            let sides = if round % 2 == 0 {
                [Side::Python, Side::Rust]
            } else {
                [Side::Rust, Side::Python]
            };
            for side in sides {
                let run = runner.run(&row.case, side, plan(&row.case))?;
                let mark = if run.check.is_ok() { "✓" } else { "✗" };
                eprintln!(
                    "run {}/{runs} {} {side:?}: {:.3} s {mark}",
                    round + 1,
                    row.case.name,
                    run.secs
                );
                match side {
                    Side::Python => row.python.push(run),
                    Side::Rust => row.rust.push(run),
                }
            }
        }
    }

    let header = [
        format!("Machine: {}", benches::machine()),
        format!(
            "Python {} ({}), scripts in {}; start-up {}{} (in every Python median)",
            python.version,
            python.program.display(),
            book.dir.display(),
            benches::format_secs(startup.0),
            match startup.1 {
                Some(secs) => format!(
                    ", with {} imported {}",
                    python.third_party.join(" and "),
                    benches::format_secs(secs)
                ),
                None => String::new(),
            },
        ),
        format!(
            "Medians of {runs} run{} each, Python and Rust in turn, whole processes; each \
             ideal is at the side's own concurrency (Python / Rust when they differ).",
            if runs == 1 { "" } else { "s" }
        ),
    ];
    let table = versus::render_table(&rows, &header);
    println!("{table}");
    let out = match args.out {
        Some(out) => out,
        None => target_dir()?.join("timings"),
    };
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        std::fs::create_dir_all(&out)
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|err| format!("cannot write {}: {err}", path.display()))
    };
    write("versus-python.md", &table)?;
    write("versus-python.svg", &versus::draw_svg(&rows))?;
    eprintln!(
        "wrote {0}/versus-python.md and {0}/versus-python.svg",
        out.display()
    );
    Ok(())
}

/// The median time of a bare `python -c pass`, and of one that imports
/// the scripts' third-party modules if they have any, over five runs each.
fn startup_cost(python: &versus::Python) -> Result<(f64, Option<f64>), String> {
    let time = |code: &str| -> Result<f64, String> {
        let mut runs = Vec::new();
        for _ in 0..5 {
            let start = std::time::Instant::now();
            let status = std::process::Command::new(&python.program)
                .args(["-c", code])
                .status()
                .map_err(|err| format!("cannot run {}: {err}", python.program.display()))?;
            if !status.success() {
                return Err(format!(
                    "{} -c {code:?}: {status}",
                    python.program.display()
                ));
            }
            runs.push(start.elapsed().as_secs_f64());
        }
        Ok(benches::Estimate::from_runs(&runs).median)
    };
    let imports = match python.third_party.join(", ") {
        none if none.is_empty() => None,
        modules => Some(time(&format!("import {modules}"))?),
    };
    Ok((time("pass")?, imports))
}

fn names(cases: &[Case]) -> String {
    cases
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `target/` of the workspace: this program is `target/release/versus-python`.
fn target_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|err| format!("cannot find myself: {err}"))?;
    exe.parent()
        .and_then(|profile| profile.parent())
        .map(PathBuf::from)
        .ok_or_else(|| format!("{} is not in target/<profile>/: give --out", exe.display()))
}
