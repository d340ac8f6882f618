//! `cargo bench`: every variant in every scenario, then the timing table,
//! and beside it a timeline of each pop20 variant and of the sweep at 16
//! and 256.
//!
//! ```text
//! $ cargo bench                 # the full run, about 5 minutes
//! $ cargo bench -- --quick      # the same table from a short run
//! $ cargo bench -- pop20        # one scenario (criterion's filter)
//! $ cargo test --benches        # each benchmark once, as a smoke test
//! ```
//!
//! Each scenario's group starts its own server (the `mock-server` binary's
//! hyper server, on a runtime of its own) and, for the async variants, its
//! own event loop, all outside the timed closures. The variants are called
//! as library functions, quietly (no codes printed, no progress bar).
//!
//! The timelines: after a variant's measurement, outside the timed
//! closures, it runs once more with its client noting each request (as
//! `--timeline` does), and that run is drawn above the ideal schedule of its
//! row in `target/timings/timeline-<scenario>-<variant>.svg`; the sweep,
//! which measures a variant at several concurrencies, adds it:
//! `timeline-sweep-flags2-asyncio-16.svg`. Each `cargo bench` first removes
//! the timelines of the run before, so those left are the table's.
//! `cargo test --benches` draws them too, into a temporary folder: the
//! smoke test tries the drawing of every variant, for about 3 s more.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use benches::{Estimate, Row, Scenario, read_estimate};
use criterion::{BenchmarkId, Criterion, SamplingMode};
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
    run: fn(&Env, &[Code], usize),
}

/// What a run needs, built once per scenario outside the timed closures.
struct Env {
    site: Site,
    dest: PathBuf,
    runtime: tokio::runtime::Runtime,
    /// Set for the run that is drawn: its clients note every request.
    timeline: Option<Recorder>,
}

impl Env {
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

const FLAGS_SEQ: Variant = Variant {
    name: "flags-seq",
    concurrency: |_| 1,
    codes: all,
    run: |env, codes, _| {
        flags_seq::download_many(&env.chapter1(), codes).expect("no faults in this scenario");
    },
};

const FLAGS_THREADPOOL: Variant = Variant {
    name: "flags-threadpool",
    concurrency: |n| flags_threadpool::MAX_WORKERS.min(n),
    codes: all,
    run: |env, codes, _| {
        flags_threadpool::download_many(&env.chapter1(), codes)
            .expect("no faults in this scenario");
    },
};

const FLAGS_THREADPOOL_FUTURES: Variant = Variant {
    name: "flags-threadpool-futures",
    concurrency: |n| flags_threadpool::futures::MAX_WORKERS.min(n),
    codes: |codes| &codes[..codes.len().min(flags_threadpool::futures::MAX_FLAGS)],
    run: |env, codes, _| {
        flags_threadpool::futures::download_many(&env.chapter1(), codes)
            .expect("no faults in this scenario");
    },
};

const FLAGS_ASYNCIO: Variant = Variant {
    name: "flags-asyncio",
    concurrency: |n| n,
    codes: all,
    run: |env, codes, _| {
        let config = env.chapter1();
        env.runtime
            .block_on(flags_asyncio::supervisor(&config, codes))
            .expect("no faults in this scenario");
    },
};

/// Runs a blocking flags2 strategy once, quietly.
fn run_flags2(
    download_many: fn(&flags2_progress::Config, &[Code], usize) -> Result<Tally, Flags2Error>,
    env: &Env,
    codes: &[Code],
    concur_req: usize,
) {
    download_many(&env.flags2(), codes, concur_req).expect("the client starts");
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
    run: |env, codes, c| {
        let config = env.flags2();
        env.runtime
            .block_on(flags2_progress::asyncio::supervisor(&config, codes, c))
            .expect("the client starts");
    },
};

/// Every group's settings. Runs take from milliseconds to seconds: a flat
/// sampling of few iterations keeps the long ones to ten runs.
fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .nresamples(10_000)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
}

/// A benchmark that ran, to be looked up in criterion's results.
struct Ran {
    scenario: &'static str,
    variant: &'static str,
    concurrency: usize,
    requests: usize,
    ideal: Duration,
    /// The plan's ideal time for one worker: the speed-up reference when
    /// no sequential variant was measured.
    ideal_sequential: Duration,
}

/// What the benchmarks add to as they run: criterion's measurements, the
/// rows to tabulate, and the timelines drawn in `timelines` (or not drawn,
/// for an error).
struct Bench {
    criterion: Criterion,
    ran: Vec<Ran>,
    timelines: PathBuf,
    drawn: usize,
    failed: usize,
}

/// Benchmarks `variants` in `scenario`, each at the concurrency it picks,
/// or at each of the levels given with it; then draws a timeline of each
/// run at a concurrency `draw` picks.
fn bench_scenario(
    bench: &mut Bench,
    scenario: &Scenario,
    variants: &[(&Variant, Option<&[usize]>)],
    draw: fn(usize) -> bool,
) {
    let server = SpawnedServer::start(scenario.plan.clone(), 2).expect("a loopback port is free");
    let dest = tempfile::tempdir().expect("a temporary folder");
    let mut env = Env {
        site: Site::new(scenario.name, server.base_url()),
        dest: dest.path().to_owned(),
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime"),
        timeline: None,
    };
    let mut group = bench.criterion.benchmark_group(scenario.name);
    configure(&mut group);
    for &(variant, levels) in variants {
        let codes = (variant.codes)(&scenario.codes);
        let default_level = [(variant.concurrency)(codes.len())];
        for &concurrency in levels.unwrap_or(&default_level) {
            let id = BenchmarkId::new(variant.name, concurrency);
            let mut measured = false;
            group.bench_function(id, |b| {
                measured = true;
                b.iter(|| (variant.run)(&env, codes, concurrency));
            });
            if measured {
                bench.ran.push(Ran {
                    scenario: scenario.name,
                    variant: variant.name,
                    concurrency,
                    requests: codes.len(),
                    ideal: scenario.plan.ideal_time(codes, concurrency),
                    ideal_sequential: scenario.plan.ideal_time(codes, 1),
                });
            }
            // Its picture: one more run, untimed, its requests noted by its
            // client. Named with the concurrency where there are levels.
            if measured && draw(concurrency) {
                let recorder = Recorder::new();
                env.timeline = Some(recorder.clone());
                (variant.run)(&env, codes, concurrency);
                env.timeline = None;
                let file = benches::timeline_file(
                    scenario.name,
                    variant.name,
                    levels.map(|_| concurrency),
                );
                let path = bench.timelines.join(file);
                let actual = recorder.timeline();
                match benches::draw_timeline(&path, &scenario.plan, codes, concurrency, &actual) {
                    Ok(()) => bench.drawn += 1,
                    Err(err) => {
                        eprintln!("error: {err}");
                        bench.failed += 1;
                    }
                }
            }
        }
    }
    group.finish();
}

/// The primes benchmarks: CPU-bound, no server.
fn bench_primes(c: &mut Criterion, ran_primes: &mut Vec<(&'static str, usize)>) {
    let exe = std::env::current_exe().expect("the benchmark knows its own path");
    let mut group = c.benchmark_group("primes");
    configure(&mut group);
    let numbers = &primes::NUMBERS;
    let strategies: [(&'static str, usize); 5] = [
        ("sequential", 1),
        ("threads", 1),
        ("threads", 2),
        ("processes", 1),
        ("processes", 2),
    ];
    for (strategy, workers) in strategies {
        let n = NonZeroUsize::new(workers).expect("1 or 2");
        let mut measured = false;
        group.bench_function(BenchmarkId::new(strategy, workers), |b| {
            measured = true;
            b.iter(|| match strategy {
                "sequential" => primes::sequential(numbers, |_| {}),
                "threads" => primes::threads(numbers, n, |_| {}).expect("threads start"),
                _ => primes::processes(numbers, n, &exe, |_| {}).expect("workers start"),
            });
        });
        if measured {
            ran_primes.push((strategy, workers));
        }
    }
    group.finish();
}

/// Seconds to spawn and join `n` threads that do nothing.
fn thread_start_cost(n: usize) -> f64 {
    let t0 = std::time::Instant::now();
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

fn main() -> ExitCode {
    // The primes processes strategy re-runs this binary as its workers.
    if std::env::args().nth(1).as_deref() == Some("--worker") {
        let result = primes::worker(std::io::stdin().lock(), std::io::stdout().lock());
        return ExitCode::from(u8::from(result.is_err()));
    }
    // `cargo test --benches` runs each benchmark once: nothing to tabulate,
    // and its timelines go to a temporary folder.
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let out = target_dir().join("timings");
    let smoke = tempfile::tempdir().expect("a temporary folder");
    if benchmarking {
        // Only this run's timelines beside this run's table.
        let ready = std::fs::create_dir_all(&out).and_then(|()| benches::remove_timelines(&out));
        if let Err(err) = ready {
            eprintln!(
                "could not clear the old timelines in {}: {err}",
                out.display()
            );
        }
    }
    let criterion_dir = target_dir().join("criterion");
    let mut bench = Bench {
        criterion: Criterion::default()
            .output_directory(&criterion_dir)
            .configure_from_args(),
        ran: Vec::new(),
        timelines: if benchmarking { &out } else { smoke.path() }.to_owned(),
        drawn: 0,
        failed: 0,
    };
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
    // Which runs are drawn: every pop20 variant, the sweep at 16 and 256.
    let (every, none) = (|_: usize| true, |_: usize| false);
    bench_scenario(&mut bench, &benches::pop20(), &pop20, every);
    let all194 = at_default(&[
        &FLAGS_THREADPOOL,
        &FLAGS_THREADPOOL_FUTURES,
        &FLAGS_ASYNCIO,
        &FLAGS2_THREADPOOL,
        &FLAGS2_ASYNCIO,
    ]);
    bench_scenario(&mut bench, &benches::all194_jitter(), &all194, none);
    let every676 = at_default(&[&FLAGS2_THREADPOOL, &FLAGS2_ASYNCIO]);
    bench_scenario(&mut bench, &benches::every676_errors(), &every676, none);
    // At concurrency 1 every strategy is the sequential one: measured once,
    // as flags2-sequential, since ten runs of 7 s take over a minute.
    let sweep = [
        (&FLAGS2_SEQUENTIAL, None),
        (&FLAGS2_THREADPOOL, Some(&benches::SWEEP[1..])),
        (&FLAGS2_ASYNCIO, Some(&benches::SWEEP[1..])),
    ];
    let at_16_and_256 = |c: usize| c == 16 || c == 256;
    bench_scenario(&mut bench, &benches::sweep(), &sweep, at_16_and_256);
    let floor = [(&FLAGS2_ASYNCIO, Some(&[676][..]))];
    bench_scenario(&mut bench, &benches::floor(), &floor, none);
    let mut ran_primes = Vec::new();
    bench_primes(&mut bench.criterion, &mut ran_primes);
    bench.criterion.final_summary();

    if benchmarking {
        report(&criterion_dir, &out, &bench, &ran_primes);
    } else {
        println!("Drew {} timelines, in a temporary folder", bench.drawn);
    }
    if bench.failed > 0 {
        eprintln!("error: {} timelines could not be drawn", bench.failed);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Prints the table and writes `target/timings/timings.{md,svg}` to `out`,
/// saying where the timelines are.
fn report(criterion_dir: &Path, out: &Path, bench: &Bench, ran_primes: &[(&'static str, usize)]) {
    let ran = &bench.ran;
    let estimate = |group, variant, concurrency| {
        read_estimate(criterion_dir, group, variant, concurrency).unwrap_or(Estimate {
            median: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
        })
    };
    // The floor: 676 requests at zero latency, all at once.
    let floor = ran
        .iter()
        .find(|r| r.scenario == "floor")
        .map(|r| estimate(r.scenario, r.variant, r.concurrency).median / r.requests as f64);
    let rows: Vec<Row> = ran
        .iter()
        .filter(|r| r.scenario != "floor")
        .map(|r| {
            // Speed-up over the scenario's measured sequential run, else
            // over the plan's ideal sequential time (marked †).
            let sequential = ran
                .iter()
                .find(|s| {
                    s.scenario == r.scenario && s.concurrency == 1 && s.requests == r.requests
                })
                .map(|s| (estimate(s.scenario, s.variant, 1).median, true))
                .unwrap_or((r.ideal_sequential.as_secs_f64(), false));
            Row {
                scenario: r.scenario,
                variant: r.variant,
                concurrency: r.concurrency,
                requests: r.requests,
                ideal: r.ideal,
                estimate: estimate(r.scenario, r.variant, r.concurrency),
                sequential,
            }
        })
        .collect();
    let mut notes = vec![
        "Left out, as each run would take seconds and the benchmark minutes: the sequential \
         variants in all194-jitter (about 5.8 s a run) and every676-errors (about 10 s a run). \
         The chapter-1 variants stop at the first error, as the book's scripts do, so \
         every676-errors and the sweep (482 codes answer 404) measure the flags2 variants only. \
         In the sweep, concurrency 1 is measured once, as flags2-sequential: one worker or one \
         permit is the sequential strategy, and ten runs of 7 s each take over a minute."
            .to_owned(),
        "Speed-up is over the scenario's measured sequential run; † marks speed-ups over the \
         plan's ideal sequential time (the sum of the delays) where none was measured."
            .to_owned(),
    ];
    if let Some(floor) = floor {
        notes.push(format!(
            "The floor: the 676 requests with no injected delay at all take {} with \
             flags2-asyncio at 676 ({:.0} µs a request: client, server and saving, on {} cores). \
             Where concurrency makes the ideal shorter than that, no variant can reach it.",
            benches::format_secs(floor * 676.0),
            floor * 1e6,
            std::thread::available_parallelism().map_or(0, |n| n.get()),
        ));
    }
    notes.push(format!(
        "Threads cost to start: spawning and joining 256 threads took {}, 676 threads {} \
         (measured after the benchmarks); a thread pool pays it on every run.",
        benches::format_secs(thread_start_cost(256)),
        benches::format_secs(thread_start_cost(676)),
    ));
    if bench.drawn > 0 {
        notes.push(format!(
            "Timelines, beside this table: `timeline-<scenario>-<variant>.svg` (in the sweep \
             `-<concurrency>` ends the name), {} drawn: one more run of each pop20 variant and \
             of the sweep at 16 and 256 after its measurement, its requests as its client saw \
             them, above the ideal schedule of its row.",
            bench.drawn
        ));
    }
    notes.extend(benches::goal_notes(&rows, floor));
    let mut table = benches::render_table(&rows, &benches::machine(), &notes);
    if !ran_primes.is_empty() {
        let sequential = estimate("primes", "sequential", 1).median;
        table.push_str(
            "\n| primes (proc_pool.py's 20 numbers) | workers | median | 95% CI | speed-up |\n\
             |---|---:|---:|---|---:|\n",
        );
        for &(strategy, workers) in ran_primes {
            let e = estimate("primes", strategy, workers);
            table.push_str(&format!(
                "| {strategy} | {workers} | {} | {} – {} | {:.2}× |\n",
                benches::format_secs(e.median),
                benches::format_secs(e.lower),
                benches::format_secs(e.upper),
                sequential / e.median,
            ));
        }
    }
    println!("\n{table}");
    let written = std::fs::create_dir_all(out).and_then(|()| {
        std::fs::write(out.join("timings.md"), format!("# Timing table\n\n{table}"))
    });
    match written {
        Ok(()) => println!("Wrote {}", out.join("timings.md").display()),
        Err(err) => eprintln!("could not write {}: {err}", out.display()),
    }
    match benches::draw_svg(&rows, &out.join("timings.svg")) {
        Ok(()) => println!("Wrote {}", out.join("timings.svg").display()),
        Err(err) => eprintln!(
            "could not draw {}: {err}",
            out.join("timings.svg").display()
        ),
    }
    if bench.drawn > 0 {
        let pattern = out.join("timeline-*.svg");
        println!("Wrote {} timelines: {}", bench.drawn, pattern.display());
    }
}
