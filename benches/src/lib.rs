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
//! Beside the table, each pop20 variant and the sweep at 16 and 256 have
//! their picture: one more run, its requests as the client saw them, drawn
//! above the ideal schedule of that row ([`draw_timeline`], in
//! [`timeline_file`]).
#![deny(missing_docs)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use flags_common::Code;
use mock_server::{Plan, Preset};
use timeline::Timeline;

pub mod versus;

/// The 676 codes with no delay at all: what the requests themselves cost
/// on this machine (client, server, saving), the floor under every ideal.
pub fn floor() -> Scenario {
    Scenario {
        name: "floor",
        plan: Plan::preset(Preset::Local).seed(SEED),
        codes: Code::every().collect(),
    }
}

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

/// What criterion measured for one benchmark, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The median time of one run.
    pub median: f64,
    /// The lower bound of its 95 % confidence interval.
    pub lower: f64,
    /// The upper bound.
    pub upper: f64,
}

/// Reads criterion's estimate of the median for `group/variant/concurrency`
/// from `criterion_dir` (criterion writes it in `new/estimates.json`).
pub fn read_estimate(
    criterion_dir: &Path,
    group: &str,
    variant: &str,
    concurrency: usize,
) -> Option<Estimate> {
    let path = criterion_dir
        .join(group)
        .join(variant)
        .join(concurrency.to_string())
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let median = &json["median"];
    let secs = |v: &serde_json::Value| v.as_f64().map(|ns| ns / 1e9);
    Some(Estimate {
        median: secs(&median["point_estimate"])?,
        lower: secs(&median["confidence_interval"]["lower_bound"])?,
        upper: secs(&median["confidence_interval"]["upper_bound"])?,
    })
}

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
    /// What criterion measured.
    pub estimate: Estimate,
    /// The sequential time the speed-up is taken against, in seconds, and
    /// whether it was measured (`true`) or is the plan's ideal (`false`).
    pub sequential: (f64, bool),
}

impl Row {
    /// Ideal ÷ median.
    pub fn efficiency(&self) -> f64 {
        self.ideal.as_secs_f64() / self.estimate.median
    }

    /// Sequential time ÷ median.
    pub fn speed_up(&self) -> f64 {
        self.sequential.0 / self.estimate.median
    }

    /// The efficiency this row is expected to reach: 0.90 for a concurrent
    /// variant of the main scenarios, 0.80 in the sweep up to 256.
    pub fn goal(&self) -> Option<f64> {
        match (self.scenario, self.concurrency) {
            (_, 1) => None,
            ("sweep", c) if c <= 256 => Some(0.80),
            ("sweep", _) => None,
            _ => Some(0.90),
        }
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

/// The markdown table, with the machine and the notes.
pub fn render_table(rows: &[Row], machine: &str, notes: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Machine: {machine}");
    for (i, row) in rows.iter().enumerate() {
        // One table per scenario, so each can be read (and quoted) alone.
        if i == 0 || rows[i - 1].scenario != row.scenario {
            out.push_str(
                "\n| scenario | variant | concurrency | median | 95% CI | ideal | efficiency | speed-up |\n\
                 |---|---|---:|---:|---|---:|---:|---:|\n",
            );
        }
        let e = row.estimate;
        let mark = |ok: bool| if ok { "" } else { " ✗" };
        let efficiency = match row.goal() {
            Some(goal) => format!("{:.2}{}", row.efficiency(), mark(row.efficiency() >= goal)),
            None => format!("{:.2}", row.efficiency()),
        };
        let speed_up = format!(
            "{:.1}×{}",
            row.speed_up(),
            if row.sequential.1 { "" } else { "†" }
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} – {} | {} | {} | {} |",
            row.scenario,
            row.variant,
            row.concurrency,
            format_secs(e.median),
            format_secs(e.lower),
            format_secs(e.upper),
            format_secs(row.ideal.as_secs_f64()),
            efficiency,
            speed_up,
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
    for line in markdown.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| scenario | variant | concurrency | median | CI | ideal | efficiency | speed-up |`
        let [
            _,
            scenario,
            variant,
            concurrency,
            median,
            ci,
            ideal,
            _,
            speed_up,
            _,
        ] = cells[..]
        else {
            continue;
        };
        let Ok(concurrency) = concurrency.parse() else {
            continue; // the header and the `---` line
        };
        let (lower, upper) = ci
            .split_once(" – ")
            .ok_or(format!("not an interval: {ci:?}"))?;
        let median = secs(median)?;
        let measured = !speed_up.ends_with('†');
        let times = speed_up.trim_end_matches('†').trim_end_matches('×');
        let times: f64 = times
            .parse()
            .map_err(|_| format!("not a speed-up: {speed_up:?}"))?;
        rows.push(Row {
            scenario: name(scenario),
            variant: name(variant),
            concurrency,
            requests: 0,
            ideal: Duration::from_secs_f64(secs(ideal)?),
            estimate: Estimate {
                median,
                lower: secs(lower)?,
                upper: secs(upper)?,
            },
            sequential: (times * median, measured),
        });
    }
    Ok(rows)
}

/// The notes under the table: the rows that miss their goal, with the
/// measured overhead per request that explains it, next to the `floor`:
/// the cost of one request at zero latency, in seconds.
pub fn goal_notes(rows: &[Row], floor: Option<f64>) -> Vec<String> {
    rows.iter()
        .filter_map(|row| {
            let goal = row.goal()?;
            if row.efficiency() >= goal {
                return None;
            }
            let overhead = row.estimate.median - row.ideal.as_secs_f64();
            // A burst pays the floor about twice on its critical path: every
            // request goes out before the last delay starts, and every
            // answer is read and saved after the first delay ends.
            let n = row.requests as f64;
            let floor = floor.map_or(String::new(), |f| {
                format!(
                    "; the floor for {2} requests is {0}, and a burst pays it about twice, \
                     going out and coming back: {1}",
                    format_secs(f * n),
                    format_secs(2.0 * f * n),
                    row.requests,
                )
            });
            Some(format!(
                "{} {} at {}: efficiency {:.2} < {goal:.2}: {} over the ideal for {} requests \
                 ({:.0} µs a request){floor}.",
                row.scenario,
                row.variant,
                row.concurrency,
                row.efficiency(),
                format_secs(overhead),
                row.requests,
                overhead / row.requests as f64 * 1e6,
            ))
        })
        .collect()
}

/// Draws the chart: efficiency of every variant in the main scenarios (bars)
/// and time against concurrency in the sweep (lines, log-log, with the
/// ideal).
pub fn draw_svg(rows: &[Row], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;

    let root = SVGBackend::new(path, (960, 1000)).into_drawing_area();
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
            "Efficiency (ideal ÷ median): 1.0 is the bound",
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(330)
        .build_cartesian_2d(0f64..1.1f64, rows_axis)?;
    bars.configure_mesh()
        .disable_y_mesh()
        .y_label_formatter(&|y| {
            main.get((y / 10) as usize)
                .map(|r| format!("{} {} ({})", r.scenario, r.variant, r.concurrency))
                .unwrap_or_default()
        })
        .x_desc("efficiency")
        .draw()?;
    bars.draw_series(main.iter().enumerate().map(|(i, row)| {
        let color = match row.goal() {
            Some(goal) if row.efficiency() < goal => RED.mix(0.7),
            _ => BLUE.mix(0.6),
        };
        let y = 10 * i as i32;
        Rectangle::new(
            [(0.0, y - 4), (row.efficiency().min(1.1), y + 4)],
            color.filled(),
        )
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
            "Sweep: 676 requests at 10 ms, time against concurrency",
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
    fn the_table_marks_missed_goals_and_explains_them() {
        let rows = [
            row("pop20", 5, 0.105),
            row("sweep", 256, 0.2),
            row("sweep", 1, 7.0),
        ];
        let table = render_table(&rows, "2 cores", &goal_notes(&rows, None));
        assert!(table.contains("| pop20 | flags2-asyncio | 5 | 105.0 ms | 104.0 ms – 106.0 ms | 100.0 ms | 0.95 | 64.4×† |"), "{table}");
        assert!(table.contains("| sweep | flags2-asyncio | 256 | 200.0 ms | 198.0 ms – 202.0 ms | 100.0 ms | 0.50 ✗ |"), "{table}");
        assert!(
            table.contains("| sweep | flags2-asyncio | 1 | 7.000 s |"),
            "{table}"
        );
        // A table of its own for each scenario.
        assert_eq!(
            table.matches("| scenario | variant |").count(),
            2,
            "{table}"
        );
        let notes = goal_notes(&rows, Some(100e-6));
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].ends_with(
                "(148 µs a request); the floor for 676 requests is 67.6 ms, and a burst pays \
                 it about twice, going out and coming back: 135.2 ms."
            ),
            "{notes:?}"
        );
    }

    #[test]
    fn estimates_are_read_from_criterions_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pop20/flags-seq/1/new");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("estimates.json"),
            r#"{"median": {"point_estimate": 1.5e9, "confidence_interval": {"lower_bound": 1.4e9, "upper_bound": 1.6e9}}}"#,
        )
        .unwrap();
        let e = read_estimate(tmp.path(), "pop20", "flags-seq", 1).unwrap();
        assert_eq!((e.median, e.lower, e.upper), (1.5, 1.4, 1.6));
        assert!(read_estimate(tmp.path(), "pop20", "flags-seq", 2).is_none());
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
        assert_eq!((read[1].scenario, read[1].concurrency), ("sweep", 256));
        assert_eq!(read[0].estimate.median, 0.105);
        assert_eq!(read[1].ideal, Duration::from_millis(100));
        // Printed to two decimals: efficiency 0.95 and 0.50.
        assert_eq!(format!("{:.2}", read[0].efficiency()), "0.95");
        assert_eq!(format!("{:.2}", read[1].efficiency()), "0.50");
        assert!(rows_from_table("| pop20 | v | 1 | fast | a – b | c | 1 | 1× |").is_err());
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
