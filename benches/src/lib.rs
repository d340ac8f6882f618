//! # benches: the timing table next to the ideal bound
//!
//! `cargo bench` runs every variant against the deterministic server, in
//! four seeded scenarios, then prints one table (and writes it to
//! `target/timings/timings.md`, with a chart in `timings.svg`): each median
//! next to the best time the injected latency allows, so a student can see
//! how close each strategy comes to the bound.
//!
//! The book's chapter: *Benchmarks: reading the table* (`docs/src/benchmarks.md`; `just book` builds it).
//!
//! The scenarios (the plans are seeded, so every run serves the same):
//!
//! | scenario | codes | server |
//! |---|---|---|
//! | `pop20` | the 20 of `POP20_CC` | 50 ms a flag, no faults: the chapter's opening table |
//! | `all194-jitter` | the 194 flags | 20 ms plus a seeded 0 to 20 ms, no faults |
//! | `every676-errors` | AA to ZZ | ERROR preset at 10 ms plus 0 to 10 ms: 482 not found, 49 answer 418 |
//! | `sweep` | AA to ZZ | 10 ms a request, at concurrency 1, 4, 16, 64, 256 and 676 |
//!
//! The ideal time of a row is [`Plan::ideal_time`] for the codes the variant
//! fetches and the concurrency it uses: the makespan when each worker takes
//! the next code as soon as it is free and each request costs exactly its
//! injected delay. Efficiency is ideal ÷ median: 1.00 means no overhead at
//! all.
//!
//! The ideal counts only the latency; the machine costs something too. So
//! each cell is also run, in the same `cargo bench`, against a twin server
//! with no delay at all (same codes, same statuses, same variant at the
//! same concurrency, same saving): that median is the cell's *floor*, what
//! this machine needs for the work itself. The cell's [`bound`] is the
//! larger of the two, and *vs bound* (bound ÷ median) is how close the code
//! comes to what this machine allows.
//!
//! Beside the table, each pop20 and all194-jitter variant and the sweep at
//! 16, 64 and 256 have their picture: one more run, its requests as the client saw them, drawn
//! above the ideal schedule of that row ([`draw_timeline`], in
//! [`timeline_file`]).
#![deny(missing_docs)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use flags_common::Code;
use mock_server::{Plan, Preset};
use timeline::Timeline;

pub mod measure;
pub mod versus;

pub use measure::{Estimate, Sampling};

/// A named, seeded workload.
pub struct Scenario {
    /// Its name in the table: `pop20`.
    pub name: &'static str,
    /// The server's plan.
    pub plan: Plan,
    /// The codes fetched, sorted.
    pub codes: Vec<Code>,
}

/// The seed of every scenario's plan.
pub const SEED: u64 = 2017;

/// The concurrency levels of the sweep.
pub const SWEEP: [usize; 6] = [1, 4, 16, 64, 256, 676];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ANCHOR: pop20
/// The chapter's opening table: the 20 codes, 50 ms each, no faults.
pub fn pop20() -> Scenario {
    let mut codes = flags_common::pop20();
    codes.sort();
    Scenario {
        name: "pop20",
        plan: Plan::preset(Preset::Local).seed(SEED).delay(ms(50)),
        codes,
    }
}
// ANCHOR_END: pop20

/// The 194 flags, 20 ms plus a seeded jitter of 0 to 20 ms, no faults.
pub fn all194_jitter() -> Scenario {
    Scenario {
        name: "all194-jitter",
        plan: Plan::preset(Preset::Local)
            .seed(SEED)
            .delay(ms(20))
            .jitter(ms(20)),
        codes: flags_common::all(),
    }
}

/// The 676 codes on the ERROR preset at 10 ms plus 0 to 10 ms: 482 not
/// found, and a seeded quarter of the 194 flags answer 418.
pub fn every676_errors() -> Scenario {
    Scenario {
        name: "every676-errors",
        plan: Plan::preset(Preset::Error)
            .seed(SEED)
            .delay(ms(10))
            .jitter(ms(10)),
        codes: Code::every().collect(),
    }
}

/// The 676 codes at a fixed 10 ms, for the concurrency sweep.
pub fn sweep() -> Scenario {
    Scenario {
        name: "sweep",
        plan: Plan::preset(Preset::Local).seed(SEED).delay(ms(10)),
        codes: Code::every().collect(),
    }
}

impl Scenario {
    /// The plan of the floor: the same answers, statuses and faults, with
    /// no injected delay.
    pub fn floor_plan(&self) -> Plan {
        self.plan
            .clone()
            .delay(Duration::ZERO)
            .jitter(Duration::ZERO)
    }
}

// ANCHOR: bound
/// The least time any run of a cell can take on this machine, in seconds:
/// the latency's ideal schedule, or the cell's floor (the same work with
/// no latency at all), whichever is longer. Neither can be beaten: the
/// delays are the server's, and with them the machine has the same work to
/// do and only more to wait for. Their sum would not be a bound: the work
/// of one request overlaps the wait of another.
pub fn bound(ideal: Duration, floor: f64) -> f64 {
    ideal.as_secs_f64().max(floor)
}
// ANCHOR_END: bound

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The scenario.
    pub scenario: &'static str,
    /// The variant: the crate (and strategy) measured.
    pub variant: &'static str,
    /// The concurrency the variant used.
    pub concurrency: usize,
    /// How many requests one run makes.
    pub requests: usize,
    /// The plan's ideal time for that concurrency.
    pub ideal: Duration,
    /// What was measured.
    pub estimate: Estimate,
    /// The median run of the same cell against the server with no delay,
    /// in seconds.
    pub floor: f64,
    /// The sequential time the speed-up is taken against, in seconds, and
    /// whether it was measured (`true`) or is the plan's ideal (`false`).
    pub sequential: (f64, bool),
}

impl Row {
    /// Ideal ÷ median.
    pub fn efficiency(&self) -> f64 {
        self.ideal.as_secs_f64() / self.estimate.median
    }

    /// The machine-aware bound, in seconds: see [`bound`].
    pub fn bound(&self) -> f64 {
        bound(self.ideal, self.floor)
    }

    /// Bound ÷ median: how close the run comes to what this machine allows.
    pub fn vs_bound(&self) -> f64 {
        self.bound() / self.estimate.median
    }

    /// Sequential time ÷ median.
    pub fn speed_up(&self) -> f64 {
        self.sequential.0 / self.estimate.median
    }

    /// The `vs bound` this row is expected to reach: 0.90 up to
    /// concurrency 256. At 676 connections at once the kernel and the
    /// server's accept loop set the pace, not the strategy: no goal.
    pub fn goal(&self) -> Option<f64> {
        (self.concurrency <= 256).then_some(0.90)
    }
}

/// `1.234 s` or `56.7 ms`.
pub fn format_secs(secs: f64) -> String {
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else {
        format!("{:.1} ms", secs * 1e3)
    }
}

/// `1.017 – 1.020 s`, or `98.1 ms – 1.002 s` where the units differ.
pub fn format_interval(lower: f64, upper: f64) -> String {
    let (lower, upper) = (format_secs(lower), format_secs(upper));
    match (lower.split_once(' '), upper.split_once(' ')) {
        (Some((l, unit)), Some((_, same))) if unit == same => format!("{l} – {upper}"),
        _ => format!("{lower} – {upper}"),
    }
}

/// The machine the table was measured on: cores, CPU, OS.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            release
                .lines()
                .find_map(|line| line.strip_prefix("PRETTY_NAME="))
                .map(|name| name.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!(", kernel {}", k.trim()))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {os}{kernel}")
}

/// The header of each scenario's table.
const HEADER: &str = "| variant | concurrency | median | 95% CI | ideal | floor | bound | efficiency | vs bound | speed-up |\n\
                      |---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n";

/// The markdown table, with the machine and the notes: one table per
/// scenario, under its name, so each can be read (and quoted) alone.
pub fn render_table(rows: &[Row], machine: &str, notes: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Machine: {machine}");
    for (i, row) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].scenario != row.scenario {
            let _ = write!(out, "\n## {}\n\n{HEADER}", row.scenario);
        }
        let e = row.estimate;
        let vs_bound = match row.goal() {
            Some(goal) if row.vs_bound() < goal => format!("{:.2} ✗", row.vs_bound()),
            _ => format!("{:.2}", row.vs_bound()),
        };
        let speed_up = format!(
            "{:.1}×{}",
            row.speed_up(),
            if row.sequential.1 { "" } else { "†" }
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {:.2} | {vs_bound} | {speed_up} |",
            row.variant,
            row.concurrency,
            format_secs(e.median),
            format_interval(e.lower, e.upper),
            format_secs(row.ideal.as_secs_f64()),
            format_secs(row.floor),
            format_secs(row.bound()),
            row.efficiency(),
        );
    }
    if !notes.is_empty() {
        out.push_str("\nNotes:\n");
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

/// The rows of a table [`render_table`] printed, read back: to redraw the
/// book's chart (`docs/src/timings.svg`) from the book's table with
/// `cargo run -p benches --example redraw-timings`. A row's `requests` is
/// not in the table and reads as 0. The names are leaked to be `'static`,
/// as the rows of a run are: a table is read once in a process.
pub fn rows_from_table(markdown: &str) -> Result<Vec<Row>, String> {
    let secs = |cell: &str| -> Result<f64, String> {
        let value = |n: &str| {
            n.parse::<f64>()
                .map_err(|_| format!("not a time: {cell:?}"))
        };
        match cell.split_once(' ') {
            Some((n, "s")) => value(n),
            Some((n, "ms")) => Ok(value(n)? / 1e3),
            _ => Err(format!("not a time: {cell:?}")),
        }
    };
    let name = |cell: &str| -> &'static str { Box::leak(cell.to_owned().into_boxed_str()) };
    let mut rows = Vec::new();
    let mut scenario = None;
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            scenario = Some(name(heading.trim()));
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [
            _,
            variant,
            concurrency,
            median,
            ci,
            ideal,
            floor,
            _bound,
            _efficiency,
            _vs_bound,
            speed_up,
            _,
        ] = cells[..]
        else {
            continue;
        };
        let Ok(concurrency) = concurrency.parse() else {
            continue; // the header and the `---` line
        };
        let scenario = scenario.ok_or(format!("a row before any `## scenario`: {line:?}"))?;
        let (lower, upper) = ci
            .split_once(" – ")
            .ok_or(format!("not an interval: {ci:?}"))?;
        // `1.017 – 1.020 s`: the lower end takes the upper end's unit.
        let unit = upper.split_once(' ').map_or("", |(_, unit)| unit);
        let lower = if lower.contains(' ') {
            lower.to_owned()
        } else {
            format!("{lower} {unit}")
        };
        let median = secs(median)?;
        let measured = !speed_up.ends_with('†');
        let times = speed_up.trim_end_matches('†').trim_end_matches('×');
        let times: f64 = times
            .parse()
            .map_err(|_| format!("not a speed-up: {speed_up:?}"))?;
        rows.push(Row {
            scenario,
            variant: name(variant),
            concurrency,
            requests: 0,
            ideal: Duration::from_secs_f64(secs(ideal)?),
            estimate: Estimate {
                median,
                lower: secs(&lower)?,
                upper: secs(upper)?,
            },
            floor: secs(floor)?,
            sequential: (times * median, measured),
        });
    }
    Ok(rows)
}

/// The notes under the table: each row that misses its goal, with how far
/// it is over its bound, a request at a time.
pub fn goal_notes(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| {
            let goal = row.goal()?;
            if row.vs_bound() >= goal {
                return None;
            }
            let over = row.estimate.median - row.bound();
            let limit = if row.floor > row.ideal.as_secs_f64() {
                "the floor"
            } else {
                "the ideal"
            };
            Some(format!(
                "{} {} at {}: {:.2} of the bound < {goal:.2}: {} over it ({limit}), \
                 {:.0} µs for each of the {} requests.",
                row.scenario,
                row.variant,
                row.concurrency,
                row.vs_bound(),
                format_secs(over),
                over / row.requests.max(1) as f64 * 1e6,
                row.requests,
            ))
        })
        .collect()
}

/// Draws the chart: how close every variant of the main scenarios comes to
/// its bound (bars; a tick marks ideal ÷ median) and time against
/// concurrency in the sweep (lines, log-log, with the ideal, and each
/// variant's bound as a thin line of its colour).
pub fn draw_svg(rows: &[Row], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;

    let root = SVGBackend::new(path, (750, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(520);

    let main: Vec<&Row> = rows.iter().filter(|r| r.scenario != "sweep").collect();
    // Rows are ten units tall and row i is centred on y = 10 i: its
    // label is drawn there (the rows are the only key points), and its bar
    // spans 10 i ± 4. Whole units, as plotters formats labels of integers.
    let n = main.len().max(1) as i32;
    let rows_axis =
        (-5..10 * n - 5).with_key_points((0..main.len() as i32).map(|i| 10 * i).collect());
    let mut bars = ChartBuilder::on(&top)
        .caption(
            "bound ÷ median (bars), ideal ÷ median (ticks)",
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(300)
        .build_cartesian_2d(0f64..1.1f64, rows_axis)?;
    bars.configure_mesh()
        .disable_y_mesh()
        .y_label_formatter(&|y| {
            main.get((y / 10) as usize)
                .map(|r| format!("{} {} ({})", r.scenario, r.variant, r.concurrency))
                .unwrap_or_default()
        })
        .x_desc("vs bound; the line is the goal, 0.90")
        .draw()?;
    bars.draw_series(main.iter().enumerate().map(|(i, row)| {
        let color = match row.goal() {
            Some(goal) if row.vs_bound() < goal => RED.mix(0.7),
            _ => BLUE.mix(0.6),
        };
        let y = 10 * i as i32;
        Rectangle::new(
            [(0.0, y - 4), (row.vs_bound().min(1.1), y + 4)],
            color.filled(),
        )
    }))?;
    bars.draw_series(main.iter().enumerate().map(|(i, row)| {
        let (x, y) = (row.efficiency().min(1.1), 10 * i as i32);
        PathElement::new(vec![(x, y - 4), (x, y + 4)], BLACK.stroke_width(2))
    }))?;
    bars.draw_series(std::iter::once(PathElement::new(
        vec![(0.9, -5), (0.9, 10 * n - 5)],
        BLACK.stroke_width(1),
    )))?;

    let sweep: Vec<&Row> = rows.iter().filter(|r| r.scenario == "sweep").collect();
    if sweep.is_empty() {
        root.present()?;
        return Ok(());
    }
    let max = sweep
        .iter()
        .map(|r| r.estimate.median.max(r.ideal.as_secs_f64()))
        .fold(0.0, f64::max);
    let mut lines = ChartBuilder::on(&bottom)
        .caption(
            "Sweep: 676 requests at 10 ms (thin lines: each bound)",
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (1f64..700f64).log_scale(),
            (0.005f64..max * 1.5).log_scale(),
        )?;
    lines
        .configure_mesh()
        .x_desc("concurrency")
        .y_desc("seconds")
        .draw()?;
    // Concurrency 1 is the sequential run: every line starts from it.
    let sequential: Vec<(f64, f64)> = sweep
        .iter()
        .filter(|r| r.concurrency == 1)
        .map(|r| (1.0, r.estimate.median))
        .collect();
    let mut variants: Vec<&str> = sweep
        .iter()
        .filter(|r| r.concurrency > 1)
        .map(|r| r.variant)
        .collect();
    variants.dedup();
    for (i, variant) in variants.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points: Vec<(f64, f64)> = sequential
            .iter()
            .copied()
            .chain(
                sweep
                    .iter()
                    .filter(|r| r.variant == *variant)
                    .map(|r| (r.concurrency as f64, r.estimate.median)),
            )
            .collect();
        lines
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(*variant)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        let bound = sweep
            .iter()
            .filter(|r| r.variant == *variant)
            .map(|r| (r.concurrency as f64, r.bound()));
        lines.draw_series(LineSeries::new(bound, color.stroke_width(1)))?;
    }
    let mut ideal: Vec<(f64, f64)> = sweep
        .iter()
        .map(|r| (r.concurrency as f64, r.ideal.as_secs_f64()))
        .collect();
    ideal.sort_by(|a, b| a.0.total_cmp(&b.0));
    ideal.dedup_by(|a, b| a.0 == b.0);
    lines
        .draw_series(LineSeries::new(ideal, BLACK.stroke_width(1)))?
        .label("ideal")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    lines
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The file a run's timeline is drawn in: `timeline-<scenario>-<variant>.svg`,
/// the names as the table prints them, in lower case; with a concurrency,
/// for a scenario that measures a variant at several (the sweep),
/// `timeline-sweep-flags2-asyncio-16.svg`.
pub fn timeline_file(scenario: &str, variant: &str, concurrency: Option<usize>) -> String {
    let name = match concurrency {
        Some(c) => format!("timeline-{scenario}-{variant}-{c}"),
        None => format!("timeline-{scenario}-{variant}"),
    };
    format!("{}.svg", name.to_lowercase())
}

/// Draws `actual`, a run's requests as its client noted them, above the
/// plan's ideal schedule for `codes` at `concurrency` (the schedule whose
/// length is the table's *ideal*), and writes the SVG to `path`.
///
/// The scenarios drawn have no faults, so a run makes one request a code:
/// a timeline with any other count is refused, as it would mean the client
/// did not note its requests, and the picture would mislead.
pub fn draw_timeline(
    path: &Path,
    plan: &Plan,
    codes: &[Code],
    concurrency: usize,
    actual: &Timeline,
) -> Result<(), String> {
    if actual.requests.len() != codes.len() {
        return Err(format!(
            "not drawing {}: the run noted {} requests for {} codes, where each code is one \
             request; check that the variant's client records with the config's timeline",
            path.display(),
            actual.requests.len(),
            codes.len()
        ));
    }
    // No timeout: the table's ideal ([`Plan::ideal_time`]) has none either.
    let ideal = plan.ideal_timeline(codes, concurrency, Duration::MAX);
    std::fs::write(path, timeline::svg(actual, Some(&ideal)))
        .map_err(|err| format!("could not write {}: {err}", path.display()))
}

/// Removes the `timeline-*.svg` files in `dir`, so that none from an
/// earlier run is left beside a new table; a missing `dir` has none.
/// Returns how many were removed.
pub fn remove_timelines(dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        entries => entries?,
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("timeline-") && name.ends_with(".svg") {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: &'static str, concurrency: usize, median: f64) -> Row {
        Row {
            scenario,
            variant: "flags2-asyncio",
            concurrency,
            requests: 676,
            ideal: Duration::from_millis(100),
            estimate: Estimate {
                median,
                lower: median * 0.99,
                upper: median * 1.01,
            },
            floor: 0.08,
            sequential: (6.76, false),
        }
    }

    #[test]
    fn the_scenarios_have_the_ideals_and_counts_the_book_quotes() {
        let ideal = |s: Scenario, c| s.plan.ideal_time(&s.codes, c);
        assert_eq!(ideal(pop20(), 1), ms(1000));
        assert_eq!(ideal(pop20(), 20), ms(50));
        assert_eq!(ideal(sweep(), 1), ms(6760));
        assert_eq!(ideal(sweep(), 676), ms(10));
        let s = every676_errors();
        let errors = s
            .codes
            .iter()
            .filter(|&&cc| s.plan.expected(cc).status == 418)
            .count();
        let not_found = s
            .codes
            .iter()
            .filter(|&&cc| s.plan.expected(cc).status == 404)
            .count();
        assert_eq!((not_found, errors), (482, 49));
        let jitter = all194_jitter();
        assert!(jitter.codes.iter().all(|&cc| {
            let d = jitter.plan.expected(cc).delay;
            d >= ms(20) && d <= ms(40)
        }));
    }

    #[test]
    fn the_bound_is_the_ideal_schedule_or_the_floor_whichever_is_longer() {
        // A known schedule: 30, 20 and 10 ms on two workers. The first
        // worker takes AA (30 ms); the second BB (20 ms), then CC (10 ms):
        // both are free at 30 ms.
        let [aa, bb, cc] = ["AA", "BB", "CC"].map(|c| c.parse::<Code>().unwrap());
        let plan = Plan::preset(Preset::Local)
            .delay_for_code(aa, ms(30))
            .delay_for_code(bb, ms(20))
            .delay_for_code(cc, ms(10));
        let ideal = plan.ideal_time(&[aa, bb, cc], 2);
        assert_eq!(ideal, ms(30));
        assert_eq!(plan.ideal_time(&[aa, bb, cc], 1), ms(60));
        // A floor under the ideal leaves the ideal; one over it is the bound.
        assert_eq!(bound(ideal, 0.012), 0.030);
        assert_eq!(bound(ideal, 0.045), 0.045);
        // In a row: 60 ms measured against a 45 ms floor is 0.75 of the
        // bound, and 0.50 of the ideal.
        let mut r = row("pop20", 2, 0.060);
        (r.ideal, r.floor) = (ideal, 0.045);
        assert_eq!(r.bound(), 0.045);
        assert!((r.vs_bound() - 0.75).abs() < 1e-12);
        assert!((r.efficiency() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_floor_is_served_the_same_answers_with_no_delay() {
        for scenario in [pop20(), all194_jitter(), every676_errors(), sweep()] {
            let twin = scenario.floor_plan();
            assert!(scenario.codes.iter().all(|&cc| {
                let (a, b) = (scenario.plan.expected(cc), twin.expected(cc));
                (a.status, a.fault) == (b.status, b.fault) && b.delay.is_zero()
            }));
            assert!(twin.ideal_time(&scenario.codes, 1).is_zero());
        }
    }

    #[test]
    fn the_table_marks_missed_goals_and_explains_them() {
        let rows = [
            row("pop20", 5, 0.105),
            row("sweep", 256, 0.2),
            row("sweep", 676, 0.4),
            row("sweep", 1, 7.0),
        ];
        let table = render_table(&rows, "2 cores", &goal_notes(&rows));
        // The ideal (100 ms) is over the floor (80 ms): the bound.
        assert!(
            table.contains("| flags2-asyncio | 5 | 105.0 ms | 104.0 – 106.0 ms | 100.0 ms | 80.0 ms | 100.0 ms | 0.95 | 0.95 | 64.4×† |"),
            "{table}"
        );
        assert!(
            table.contains("| flags2-asyncio | 256 | 200.0 ms | 198.0 – 202.0 ms | 100.0 ms | 80.0 ms | 100.0 ms | 0.50 | 0.50 ✗ |"),
            "{table}"
        );
        // No goal at 676.
        assert!(table.contains("| 0.25 | 0.25 | 16.9×† |"), "{table}");
        assert!(
            table.contains("| flags2-asyncio | 1 | 7.000 s |"),
            "{table}"
        );
        // A table of its own for each scenario, under its name.
        assert_eq!(table.matches("| variant | concurrency |").count(), 2);
        assert!(table.contains("\n## pop20\n\n| variant"), "{table}");
        let notes = goal_notes(&rows);
        // At 256, and the 7 s at concurrency 1 against the 100 ms ideal.
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(
            notes[0],
            "sweep flags2-asyncio at 256: 0.50 of the bound < 0.90: 100.0 ms over it (the \
             ideal), 148 µs for each of the 676 requests."
        );
    }

    #[test]
    fn the_chart_is_drawn() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.svg");
        draw_svg(
            &[
                row("pop20", 5, 0.105),
                row("sweep", 4, 1.8),
                row("sweep", 16, 0.5),
            ],
            &path,
        )
        .unwrap();
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100]);
        assert!(svg.contains("pop20 flags2-asyncio (5)"));
    }

    /// The value of attribute `name` in the SVG tag `tag`.
    fn attr(tag: &str, name: &str) -> f64 {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let len = tag[start..].find('"').unwrap();
        tag[start..start + len].parse().unwrap()
    }

    #[test]
    fn each_efficiency_bar_is_centred_on_its_label() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.svg");
        let rows = [
            row("pop20", 5, 0.105),
            row("pop20", 20, 0.3),
            row("pop20", 64, 0.12),
        ];
        draw_svg(&rows, &path).unwrap();
        let svg = std::fs::read_to_string(path).unwrap();
        // The labels' vertical centres: plotters centres a label on its y
        // (dy="0.5ex").
        let mut labels: Vec<f64> = svg
            .split("<text")
            .skip(1)
            .filter(|text| text.contains("pop20 flags2-asyncio ("))
            .map(|text| attr(text, "y"))
            .collect();
        // The bars: the filled blue and red rectangles.
        let mut bars: Vec<f64> = svg
            .split("<rect")
            .skip(1)
            .filter(|rect| rect.contains("fill=\"#0000FF\"") || rect.contains("fill=\"#FF0000\""))
            .map(|rect| attr(rect, "y") + attr(rect, "height") / 2.0)
            .collect();
        assert_eq!((labels.len(), bars.len()), (3, 3), "{svg}");
        labels.sort_by(f64::total_cmp);
        bars.sort_by(f64::total_cmp);
        for (label, bar) in labels.iter().zip(&bars) {
            // Within the half pixel of rounding each end to whole pixels.
            assert!(
                (label - bar).abs() <= 0.5,
                "label at {label}, bar centred at {bar}"
            );
        }
    }

    #[test]
    fn a_table_reads_back_as_its_rows() {
        let rows = [row("pop20", 5, 0.105), row("sweep", 256, 0.2)];
        let table = render_table(&rows, "2 cores", &[]);
        let read = rows_from_table(&table).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            (read[0].scenario, read[0].variant),
            ("pop20", "flags2-asyncio")
        );
        assert_eq!(read[1].floor, 0.08);
        assert_eq!(read[1].estimate.lower, 0.198);
        assert_eq!(format_interval(0.0981, 1.002), "98.1 ms – 1.002 s");
        assert_eq!(format_interval(1.017, 1.02), "1.017 – 1.020 s");
        assert_eq!((read[1].scenario, read[1].concurrency), ("sweep", 256));
        assert_eq!(read[0].estimate.median, 0.105);
        assert_eq!(read[1].ideal, Duration::from_millis(100));
        // Printed to two decimals: efficiency 0.95 and 0.50.
        assert_eq!(format!("{:.2}", read[0].efficiency()), "0.95");
        assert_eq!(format!("{:.2}", read[1].efficiency()), "0.50");
        let bad = "## pop20\n| v | 1 | fast | a – b | c | d | e | 1 | 1 | 1× |";
        assert!(rows_from_table(bad).is_err());
        // A row needs its scenario's heading.
        assert!(rows_from_table(&table.replace("## ", "")).is_err());
    }

    #[test]
    fn the_books_chart_is_what_the_code_draws_from_the_books_table() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/src");
        let table = std::fs::read_to_string(docs.join("timings.md")).unwrap();
        let rows = rows_from_table(&table).unwrap();
        assert_eq!(rows.len(), 25, "the book's table has 25 rows");
        let tmp = tempfile::tempdir().unwrap();
        draw_svg(&rows, &tmp.path().join("t.svg")).unwrap();
        let drawn = std::fs::read_to_string(tmp.path().join("t.svg")).unwrap();
        let committed = std::fs::read_to_string(docs.join("timings.svg")).unwrap();
        assert!(
            drawn == committed,
            "docs/src/timings.svg is not what the code draws: \
             run `cargo run -p benches --example redraw-timings`"
        );
    }
}
