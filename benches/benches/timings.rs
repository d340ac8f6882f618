//! `cargo bench`: every variant in every scenario, each against the
//! latency's ideal and against its floor, then the timing table; and beside
//! it a timeline of each pop20 and all194-jitter variant and of the sweep
//! at 16, 64 and 256.
//!
//! ```text
//! $ cargo bench                 # the full run, about 4 minutes
//! $ cargo bench -- --quick      # the same table from a short run
//! $ cargo bench -- pop20        # the cells whose name has "pop20" in it
//! $ cargo test --benches        # each cell once, as a smoke test
//! ```
//!
//! A cell is a variant at a concurrency in a scenario. Each scenario starts
//! two servers (the `mock-server` binary's hyper server, on a runtime of
//! its own): the scenario's plan, and its twin with no delay. A cell is
//! timed against the first (see [`Sampling`]), then its *floor* against the
//! twin: the same variant, codes, concurrency and saving, with no latency.
//! The variants are called as library functions, each run its program's
//! `download_many` (its client, and its event loop if it has one, made in
//! the run), quietly: no codes printed, no progress bar. The flags are
//! saved in a fresh folder.
//!
//! The timelines: after a variant's measurement it runs once more with its
//! client noting each request (as `--timeline` does), and that run is drawn
//! above the ideal schedule of its row in
//! `target/timings/timeline-<scenario>-<variant>.svg`; the sweep, which
//! measures a variant at several concurrencies, adds it:
//! `timeline-sweep-flags2-asyncio-16.svg`. Each `cargo bench` first removes
//! the timelines of the run before, so those left are the table's.
//! `cargo test --benches` draws them too, into a temporary folder.

use std::io::Write as _;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use benches::{Estimate, Row, Sampling, Scenario};
use flags_common::{Code, Site, Tally};
use flags2_progress::Flags2Error;
use mock_server::SpawnedServer;
use timeline::Recorder;

/// A variant: how many requests in flight it keeps, which codes it fetches
/// of those given, and how to run it once.
struct Variant {
    name: &'static str,
    /// Its concurrency for `n` codes.
    concurrency: fn(usize) -> usize,
    /// The codes it actually fetches (the futures script takes five).
    codes: fn(&[Code]) -> &[Code],
    run: fn(&Env, &[Code], usize) -> Result<(), String>,
}

/// What a run needs, built once per server outside the timed runs. Each
/// run is the program's own: its client, and for the async variants its
/// event loop, are made and dropped in the run, as `cargo run` does.
struct Env {
    site: Site,
    dest: PathBuf,
    /// Set for the run that is drawn: its clients note every request.
    timeline: Option<Recorder>,
}

impl Env {
    fn new(name: &str, server: &SpawnedServer, dest: &Path) -> Env {
        Env {
            site: Site::new(name, server.base_url()),
            dest: dest.to_owned(),
            timeline: None,
        }
    }

    fn chapter1(&self) -> flags_seq::Config {
        let mut config = flags_seq::Config::new(self.site.clone(), &self.dest)
            .recording()
            .0;
        config.timeline = self.timeline.clone();
        config
    }

    fn flags2(&self) -> flags2_progress::Config {
        let mut config = flags2_progress::Config::new(self.site.clone(), &self.dest);
        config.timeline = self.timeline.clone();
        config
    }
}

fn all(codes: &[Code]) -> &[Code] {
    codes
}

/// A run's outcome: its error, said, if it failed. These scenarios have no
/// fault a chapter-1 script stops at, and flags2 counts the ones served;
/// only a client that could not start, or a crash, fails a run.
fn outcome<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<(), String> {
    result.map(drop).map_err(|err| err.to_string())
}

const FLAGS_SEQ: Variant = Variant {
    name: "flags-seq",
    concurrency: |_| 1,
    codes: all,
    run: |env, codes, _| outcome(flags_seq::download_many(&env.chapter1(), codes)),
};

const FLAGS_THREADPOOL: Variant = Variant {
    name: "flags-threadpool",
    concurrency: |n| flags_threadpool::MAX_WORKERS.min(n),
    codes: all,
    run: |env, codes, _| outcome(flags_threadpool::download_many(&env.chapter1(), codes)),
};

const FLAGS_THREADPOOL_FUTURES: Variant = Variant {
    name: "flags-threadpool-futures",
    concurrency: |n| flags_threadpool::futures::MAX_WORKERS.min(n),
    codes: |codes| &codes[..codes.len().min(flags_threadpool::futures::MAX_FLAGS)],
    run: |env, codes, _| {
        outcome(flags_threadpool::futures::download_many(
            &env.chapter1(),
            codes,
        ))
    },
};

const FLAGS_ASYNCIO: Variant = Variant {
    name: "flags-asyncio",
    concurrency: |n| n,
    codes: all,
    run: |env, codes, _| outcome(flags_asyncio::download_many(&env.chapter1(), codes)),
};

/// Runs a flags2 strategy's `download_many` once, quietly.
fn run_flags2(
    download_many: fn(&flags2_progress::Config, &[Code], usize) -> Result<Tally, Flags2Error>,
    env: &Env,
    codes: &[Code],
    concur_req: usize,
) -> Result<(), String> {
    outcome(download_many(&env.flags2(), codes, concur_req))
}

const FLAGS2_SEQUENTIAL: Variant = Variant {
    name: "flags2-sequential",
    concurrency: |_| 1,
    codes: all,
    run: |env, codes, c| run_flags2(flags2_progress::sequential::download_many, env, codes, c),
};

const FLAGS2_THREADPOOL: Variant = Variant {
    name: "flags2-threadpool",
    concurrency: |n| flags2_progress::threadpool::DEFAULT_CONCUR_REQ.min(n),
    codes: all,
    run: |env, codes, c| run_flags2(flags2_progress::threadpool::download_many, env, codes, c),
};

const FLAGS2_ASYNCIO: Variant = Variant {
    name: "flags2-asyncio",
    concurrency: |n| flags2_progress::asyncio::DEFAULT_CONCUR_REQ.min(n),
    codes: all,
    run: |env, codes, c| run_flags2(flags2_progress::asyncio::download_many, env, codes, c),
};

/// What the benchmarks add to as they run: the rows to tabulate, and the
/// timelines drawn in `timelines`.
struct Bench {
    sampling: Sampling,
    /// Criterion-style filters: a cell runs if its `scenario/variant/
    /// concurrency` contains one of them (or there are none).
    filters: Vec<String>,
    /// Where the flags are saved: a folder on a tmpfs where there is one.
    save_in: PathBuf,
    rows: Vec<Row>,
    timelines: PathBuf,
    drawn: usize,
}

impl Bench {
    fn selected(&self, id: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| id.contains(f.as_str()))
    }
}

/// Measures `variants` in `scenario`, each at the concurrency it picks, or
/// at each of the levels given with it, and each one's floor; then draws a
/// timeline of each run at a concurrency `draw` picks. One line on stderr.
fn bench_scenario(
    bench: &mut Bench,
    scenario: &Scenario,
    variants: &[(&Variant, Option<&[usize]>)],
    draw: fn(usize) -> bool,
) -> Result<(), String> {
    // The cells this run measures.
    let mut cells = Vec::new();
    for &(variant, levels) in variants {
        let codes = (variant.codes)(&scenario.codes);
        let default_level = [(variant.concurrency)(codes.len())];
        for &concurrency in levels.unwrap_or(&default_level) {
            let id = format!("{}/{}/{concurrency}", scenario.name, variant.name);
            if bench.selected(&id) {
                cells.push((variant, codes, concurrency, levels.is_some()));
            }
        }
    }
    if cells.is_empty() {
        return Ok(());
    }
    eprint!(
        "{:<16} {:>2} cells and their floors... ",
        scenario.name,
        cells.len()
    );
    let start = Instant::now();
    let server = SpawnedServer::start(scenario.plan.clone(), 2)
        .map_err(|err| format!("could not start the server: {err}"))?;
    let twin = SpawnedServer::start(scenario.floor_plan(), 2)
        .map_err(|err| format!("could not start the server: {err}"))?;
    let dest = tempfile::tempdir_in(&bench.save_in).map_err(|err| {
        format!(
            "could not make a folder in {}: {err}",
            bench.save_in.display()
        )
    })?;
    let mut env = Env::new(scenario.name, &server, dest.path());
    let floor_env = Env::new(scenario.name, &twin, dest.path());
    for (variant, codes, concurrency, levels) in cells {
        let failed = |err| format!("{} {} at {concurrency}: {err}", scenario.name, variant.name);
        let run = |env: &Env| (variant.run)(env, codes, concurrency);
        // The cell and its floor in turns: the machine's mood weighs on both.
        // The floor's median must be as precise as the cell's where it may
        // be the bound.
        let ideal = scenario.plan.ideal_time(codes, concurrency);
        let floor_may_bound = |[_, floor]: &[Estimate; 2]| floor.upper > ideal.as_secs_f64() / 2.0;
        let [estimate, floor] = bench
            .sampling
            .measure_in_turns(
                [&mut || run(&env), &mut || run(&floor_env)],
                floor_may_bound,
            )
            .map_err(failed)?;
        bench.rows.push(Row {
            scenario: scenario.name,
            variant: variant.name,
            concurrency,
            requests: codes.len(),
            ideal,
            estimate,
            floor: floor.median,
            // Set in `report`, once every row of the scenario is in.
            sequential: (scenario.plan.ideal_time(codes, 1).as_secs_f64(), false),
        });
        // Its picture: one more run, untimed, its requests noted by its
        // client. Named with the concurrency where there are levels.
        if draw(concurrency) {
            let recorder = Recorder::new();
            env.timeline = Some(recorder.clone());
            run(&env).map_err(failed)?;
            env.timeline = None;
            let file =
                benches::timeline_file(scenario.name, variant.name, levels.then_some(concurrency));
            let path = bench.timelines.join(file);
            let actual = recorder.timeline();
            benches::draw_timeline(&path, &scenario.plan, codes, concurrency, &actual)?;
            bench.drawn += 1;
        }
    }
    eprintln!("{:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// The primes benchmarks: CPU-bound, no server. Returns the rows measured:
/// strategy, workers and estimate.
fn bench_primes(bench: &Bench) -> Result<Vec<(&'static str, usize, Estimate)>, String> {
    let exe = std::env::current_exe()
        .map_err(|err| format!("the benchmark does not know its own path: {err}"))?;
    let numbers = &primes::NUMBERS;
    let strategies: [(&'static str, usize); 5] = [
        ("sequential", 1),
        ("threads", 1),
        ("threads", 2),
        ("processes", 1),
        ("processes", 2),
    ];
    let selected: Vec<_> = strategies
        .into_iter()
        .filter(|(strategy, workers)| bench.selected(&format!("primes/{strategy}/{workers}")))
        .collect();
    if selected.is_empty() {
        return Ok(Vec::new());
    }
    eprint!("{:<16} {:>2} cells... ", "primes", selected.len());
    let start = Instant::now();
    let mut rows = Vec::new();
    for (strategy, workers) in selected {
        let n = NonZeroUsize::new(workers).expect("1 or 2");
        let estimate = bench
            .sampling
            .measure(|| match strategy {
                "sequential" => {
                    primes::sequential(numbers, |_| {});
                    Ok(())
                }
                "threads" => primes::threads(numbers, n, |_| {})
                    .map(drop)
                    .map_err(|e| e.to_string()),
                _ => primes::processes(numbers, n, &exe, |_| {})
                    .map(drop)
                    .map_err(|e| e.to_string()),
            })
            .map_err(|err| format!("primes {strategy} with {workers}: {err}"))?;
        rows.push((strategy, workers, estimate));
    }
    eprintln!("{:.1} s", start.elapsed().as_secs_f64());
    Ok(rows)
}

/// Seconds to spawn and join `n` threads that do nothing.
fn thread_start_cost(n: usize) -> f64 {
    let t0 = Instant::now();
    let threads: Vec<_> = (0..n).map(|_| std::thread::spawn(|| ())).collect();
    for thread in threads {
        thread.join().expect("an empty thread does not panic");
    }
    t0.elapsed().as_secs_f64()
}

/// `target/` of the workspace: the parent of cargo's temporary folder.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .to_owned()
}

/// Where the flags are saved: a tmpfs if the machine has one (`/dev/shm`),
/// as the table measures the strategies, not the disk; else the temporary
/// folder.
fn save_in() -> PathBuf {
    let shm = Path::new("/dev/shm");
    match tempfile::tempdir_in(shm) {
        Ok(_) => shm.to_owned(),
        Err(_) => std::env::temp_dir(),
    }
}

/// Times every variant in every scenario against the seeded server, and
/// its floor against the same server with no delay, then prints the timing
/// table (and writes target/timings/timings.md, timings.svg and the
/// timelines).
#[derive(clap::Parser)]
#[command(bin_name = "cargo bench --")]
struct Args {
    /// One run of a long cell, up to 10 of a short one (under a minute)
    #[arg(long)]
    quick: bool,
    /// Only the cells whose scenario/variant/concurrency contains one of
    /// these, such as pop20, sweep/flags2-asyncio or primes
    filters: Vec<String>,
    /// Passed by `cargo bench`, not by `cargo test --benches`
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> ExitCode {
    // The primes processes strategy re-runs this binary as its workers.
    if std::env::args().nth(1).as_deref() == Some("--worker") {
        let result = primes::worker(std::io::stdin().lock(), std::io::stdout().lock());
        return ExitCode::from(u8::from(result.is_err()));
    }
    let Args {
        quick,
        filters,
        bench: benchmarking,
    } = clap::Parser::parse();
    // `cargo test --benches` runs each cell once: nothing to tabulate, and
    // its timelines go to a temporary folder.
    let out = target_dir().join("timings");
    let smoke = tempfile::tempdir().expect("a temporary folder");
    if benchmarking {
        // Only this run's timelines beside this run's table.
        let ready = std::fs::create_dir_all(&out).and_then(|()| benches::remove_timelines(&out));
        if let Err(err) = ready {
            eprintln!(
                "error: could not clear the old timelines in {}: {err}",
                out.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let mut bench = Bench {
        sampling: match (benchmarking, quick) {
            (false, _) => Sampling::ONCE,
            (true, true) => Sampling::QUICK,
            (true, false) => Sampling::FULL,
        },
        filters,
        save_in: save_in(),
        rows: Vec::new(),
        timelines: if benchmarking { &out } else { smoke.path() }.to_owned(),
        drawn: 0,
    };
    let start = Instant::now();
    match run_all(&mut bench) {
        Ok(primes) if bench.rows.is_empty() && primes.is_empty() => {
            eprintln!(
                "error: no cell matches {}: a cell is scenario/variant/concurrency, such as \
                 pop20/flags-asyncio/20 (try pop20, sweep, flags2-asyncio or primes)",
                bench.filters.join(" or ")
            );
            ExitCode::from(2)
        }
        Ok(primes) if benchmarking => {
            let took = start.elapsed().as_secs_f64();
            eprintln!("Measured in {:.0} s", took);
            report(&out, &bench, &primes)
        }
        Ok(primes) => {
            println!(
                "Ran {} cells, their floors and {} primes strategies once; drew {} timelines, \
                 in a temporary folder",
                bench.rows.len(),
                primes.len(),
                bench.drawn
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("\nerror: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Every scenario, then the primes.
fn run_all(bench: &mut Bench) -> Result<Vec<(&'static str, usize, Estimate)>, String> {
    let at_default =
        |variants: &[&'static Variant]| -> Vec<(&'static Variant, Option<&'static [usize]>)> {
            variants.iter().map(|&v| (v, None)).collect()
        };
    let pop20 = at_default(&[
        &FLAGS_SEQ,
        &FLAGS_THREADPOOL,
        &FLAGS_THREADPOOL_FUTURES,
        &FLAGS_ASYNCIO,
        &FLAGS2_SEQUENTIAL,
        &FLAGS2_THREADPOOL,
        &FLAGS2_ASYNCIO,
    ]);
    // Which runs are drawn: every pop20 and all194-jitter variant, the sweep
    // at 16, 64 and 256.
    let (every, none) = (|_: usize| true, |_: usize| false);
    bench_scenario(bench, &benches::pop20(), &pop20, every)?;
    let all194 = at_default(&[
        &FLAGS_THREADPOOL,
        &FLAGS_THREADPOOL_FUTURES,
        &FLAGS_ASYNCIO,
        &FLAGS2_THREADPOOL,
        &FLAGS2_ASYNCIO,
    ]);
    bench_scenario(bench, &benches::all194_jitter(), &all194, every)?;
    let every676 = at_default(&[&FLAGS2_THREADPOOL, &FLAGS2_ASYNCIO]);
    bench_scenario(bench, &benches::every676_errors(), &every676, none)?;
    // At concurrency 1 every strategy is the sequential one: measured once,
    // as flags2-sequential, since each run takes 7 s.
    let sweep = [
        (&FLAGS2_SEQUENTIAL, None),
        (&FLAGS2_THREADPOOL, Some(&benches::SWEEP[1..])),
        (&FLAGS2_ASYNCIO, Some(&benches::SWEEP[1..])),
    ];
    let at_16_64_and_256 = |c: usize| [16, 64, 256].contains(&c);
    bench_scenario(bench, &benches::sweep(), &sweep, at_16_64_and_256)?;
    bench_primes(bench)
}

/// Writes `timings.md` and `timings.svg` to `out`, says where they and the
/// timelines are, and prints the table last.
fn report(out: &Path, bench: &Bench, primes: &[(&'static str, usize, Estimate)]) -> ExitCode {
    // Speed-up over the scenario's measured sequential run, where there is
    // one; else it stays over the plan's ideal sequential time (†).
    let rows: Vec<Row> = bench
        .rows
        .iter()
        .map(|r| {
            let sequential = bench.rows.iter().find(|s| {
                s.scenario == r.scenario && s.concurrency == 1 && s.requests == r.requests
            });
            Row {
                sequential: sequential.map_or(r.sequential, |s| (s.estimate.median, true)),
                ..r.clone()
            }
        })
        .collect();
    let sampling = bench.sampling;
    let mut notes = vec![
        "floor: the same cell (variant, codes, concurrency, client and saving) against a \
         twin of the scenario's server that answers the same with no delay at all: what this \
         machine needs for the work itself. bound: the ideal or the floor, whichever is longer; \
         neither can be beaten, and their sum would not be a bound, since one request's work \
         overlaps another's wait. vs bound is bound ÷ median; efficiency is ideal ÷ median. A ✗ \
         marks a cell under 0.90 of its bound, the goal up to concurrency 256. Where the floor \
         is the bound and vs bound reads about 1.00, the machine is the limit: the cell runs as \
         fast with the latency as without it."
            .to_owned(),
        format!(
            "Each cell: {}at least {} runs and {:.1} s of them, on to {:.1} s while the median's \
             95% CI is wider than ±{:.0}%, at most {} runs; each run followed by one of its \
             floor. The 95% CI of the median is two order statistics of the runs (under 6 runs, \
             the fastest and the slowest).",
            if sampling.warm_up {
                "a warm-up run, then "
            } else {
                ""
            },
            sampling.min_runs,
            sampling.target.as_secs_f64(),
            sampling.cap.as_secs_f64(),
            sampling.precision * 100.0,
            sampling.max_runs,
        ),
        format!(
            "Flags are saved in a fresh folder in {}{}.",
            bench.save_in.display(),
            if bench.save_in == Path::new("/dev/shm") {
                " (memory): the table measures the strategies, not the disk"
            } else {
                ""
            }
        ),
        "Left out, as each run would take seconds and the benchmark minutes: the sequential \
         variants in all194-jitter (about 5.8 s a run) and every676-errors (about 10 s a run). \
         The chapter-1 variants stop at the first error, as the book's scripts do, so \
         every676-errors and the sweep (482 codes answer 404) measure the flags2 variants only. \
         In the sweep, concurrency 1 is measured once, as flags2-sequential: one worker or one \
         permit is the sequential strategy."
            .to_owned(),
        "Speed-up is over the scenario's measured sequential run; † marks speed-ups over the \
         plan's ideal sequential time (the sum of the delays) where none was measured."
            .to_owned(),
        format!(
            "Threads cost to start: spawning and joining 256 threads took {}, 676 threads {} \
             (measured after the benchmarks). A thread pool starts its threads on every run; \
             the pools here start them while the first ones already work, as Python's \
             executor does.",
            benches::format_secs(thread_start_cost(256)),
            benches::format_secs(thread_start_cost(676)),
        ),
    ];
    if bench.drawn > 0 {
        notes.push(format!(
            "Timelines, beside this table: `timeline-<scenario>-<variant>.svg` (in the sweep \
             `-<concurrency>` ends the name), {} drawn: one more run of each pop20 and \
             all194-jitter variant and of the sweep at 16, 64 and 256 after its measurement, its requests as its client saw \
             them, above the ideal schedule of its row.",
            bench.drawn
        ));
    }
    notes.extend(benches::goal_notes(&rows));
    let mut table = benches::render_table(&rows, &benches::machine(), &notes);
    if !primes.is_empty() {
        let sequential = primes
            .iter()
            .find(|(strategy, _, _)| *strategy == "sequential")
            .map(|(_, _, e)| e.median);
        table.push_str(
            "\n## primes\n\n\
             | proc_pool.py's 20 numbers | workers | median | 95% CI | speed-up |\n\
             |---|---:|---:|---|---:|\n",
        );
        for &(strategy, workers, e) in primes {
            table.push_str(&format!(
                "| {strategy} | {workers} | {} | {} | {} |\n",
                benches::format_secs(e.median),
                benches::format_interval(e.lower, e.upper),
                sequential.map_or("".to_owned(), |s| format!("{:.2}×", s / e.median)),
            ));
        }
    }
    let mut failed = false;
    let md = out.join("timings.md");
    let written = std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(&md, format!("# Timing table\n\n{table}")));
    match written {
        Ok(()) => eprintln!("Wrote {}", md.display()),
        Err(err) => {
            eprintln!("error: could not write {}: {err}", md.display());
            failed = true;
        }
    }
    let svg = out.join("timings.svg");
    match benches::draw_svg(&rows, &svg) {
        Ok(()) => eprintln!("Wrote {}", svg.display()),
        Err(err) => {
            eprintln!("error: could not draw {}: {err}", svg.display());
            failed = true;
        }
    }
    if bench.drawn > 0 {
        let pattern = out.join("timeline-*.svg");
        eprintln!("Wrote {} timelines: {}", bench.drawn, pattern.display());
    }
    // A closed pipe (`| head`) is not an error of ours.
    let _ = writeln!(std::io::stdout(), "\n{table}");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
