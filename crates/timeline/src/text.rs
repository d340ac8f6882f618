//! The timeline for a terminal: one row of Unicode blocks per lane, then
//! the in-flight count, within 80 columns.

use std::time::Duration;

use crate::{Outcome, Timeline};

/// The widest a text timeline gets: a terminal's 80 columns.
pub const WIDTH: usize = 80;

/// Each row starts with its lane number in this many columns, then `│`.
const PREFIX: usize = 4;

/// The in-flight row's blocks, from 1 request to the peak.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The block a request's bar is drawn with.
fn block(outcome: Outcome) -> char {
    match outcome {
        Outcome::Ok => '█',
        Outcome::NotFound => '▒',
        Outcome::Error => '▚',
        Outcome::Stall => '░',
        Outcome::Retried => '▞',
    }
}

/// Draws `actual`, and `ideal` under it on the same time scale if given,
/// in at most `width` columns (at most [`WIDTH`], at least 20):
///
/// ```text
/// actual: 5 requests, at most 2 in flight, 0.200s
///    1│████████████ ▚▚▚▚▚▚▚▚▚▚▚│
///    2│  ▒▒▒▒▒▒      ░░░░░ ▞▞▞▞│
///    #│▄▄██████▄▄▄▄▄▄██████████│
///      0s                 0.200s
/// █ 200  ▒ 404  ▚ error  ░ stall  ▞ retried  # in flight
/// ```
pub fn text(actual: &Timeline, ideal: Option<&Timeline>, width: usize) -> String {
    let width = width.clamp(20, WIDTH);
    let scale = actual
        .end()
        .max(ideal.map_or(Duration::ZERO, Timeline::end));
    // One height for both in-flight rows, so that 8 against 20 shows.
    let peak = actual.peak().max(ideal.map_or(0, Timeline::peak));
    let mut out = panel("actual", actual, scale, peak, width);
    if let Some(ideal) = ideal {
        out += &panel("ideal", ideal, scale, peak, width);
    }
    let legend: Vec<String> = (Outcome::ALL.iter())
        .map(|&o| format!("{} {}", block(o), o.name()))
        .collect();
    out += &format!("{}  # in flight\n", legend.join("  "));
    out
}

/// One timeline: a heading, its lanes, its in-flight row (a full block is
/// `peak` in flight) and a time axis.
fn panel(name: &str, timeline: &Timeline, scale: Duration, peak: usize, width: usize) -> String {
    let columns = width - PREFIX - 2;
    // The columns from `start` to `end`: at least one, never past the edge.
    let span = |start: Duration, end: Duration| {
        let at = |t: Duration, round_up: bool| {
            let (t, scale) = (t.as_nanos(), scale.as_nanos().max(1));
            let scaled = t * columns as u128;
            let column = scaled / scale + u128::from(round_up && scaled % scale != 0);
            (column as usize).min(columns)
        };
        let first = at(start, false).min(columns - 1);
        first..at(end, true).max(first + 1)
    };
    let mut rows = vec![vec![' '; columns]; timeline.lane_count()];
    for (request, &lane) in timeline.requests.iter().zip(&timeline.lanes) {
        let mut columns = span(request.start, request.end);
        let row = &mut rows[lane];
        // One request right after another starts with a blank, where it
        // has the room, so that they show as separate bars. The blank may
        // take the last column of the bar before, never its only one.
        let taken = row[columns.start] != ' ';
        let touches = columns.start > 0 && row[columns.start - 1] != ' ';
        if columns.len() > 1 && touches {
            row[columns.start] = ' ';
            columns.start += 1;
        } else if taken {
            columns.start += 1;
        }
        for column in columns {
            row[column] = block(request.outcome);
        }
    }
    // The in-flight row: in each column, the most in flight during it.
    let mut busy = vec![0; columns];
    let steps = timeline.in_flight();
    for (i, &(at, n)) in steps.iter().enumerate() {
        let until = steps.get(i + 1).map_or(at, |&(next, _)| next);
        if n > 0 {
            for column in span(at, until) {
                busy[column] = busy[column].max(n);
            }
        }
    }
    let peak = peak.max(1);
    let level = |n: usize| match n {
        0 => ' ',
        n => LEVELS[(n * LEVELS.len()).div_ceil(peak) - 1],
    };
    let mut out = format!("{name}: {}\n", timeline.summary());
    for (lane, row) in rows.iter().enumerate() {
        let row: String = row.iter().collect();
        out += &format!("{:>PREFIX$}│{row}│\n", lane + 1);
    }
    let busy: String = busy.into_iter().map(level).collect();
    out += &format!("{:>PREFIX$}│{busy}│\n", "#");
    let end = crate::seconds(scale);
    out += &format!("{:PREFIX$} 0s{end:>w$}\n", "", w = columns - 1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request;

    /// The rows of a panel's lanes and in-flight count, without the frame.
    fn rows(drawn: &str) -> Vec<String> {
        (drawn.lines())
            .filter_map(|line| line.split_once('│'))
            .map(|(_, row)| row.trim_end_matches('│').to_owned())
            .collect()
    }

    #[test]
    fn a_busy_lane_of_short_requests_reads_busy() {
        // 100 requests of 1 ms, one after the other, in 24 columns of 100 ms:
        // several requests to a column, none may wipe out the one before.
        let busy = Timeline::new(
            (0..100)
                .map(|i| request("x", i, i + 1, Outcome::Ok))
                .collect(),
        );
        let drawn = text(&busy, None, 30);
        let lane = &rows(&drawn)[0];
        let blank = lane.chars().filter(|&c| c == ' ').count();
        assert!(blank <= lane.chars().count() / 2, "\n{drawn}");
    }

    #[test]
    fn both_in_flight_rows_share_one_height() {
        // 2 in flight against an ideal of 4: the run's row is half as tall.
        let actual = Timeline::new(vec![
            request("a", 0, 100, Outcome::Ok),
            request("b", 0, 100, Outcome::Ok),
        ]);
        let jobs = [("a", 50), ("b", 50), ("c", 50), ("d", 50)]
            .map(|(l, ms)| (l.to_owned(), Duration::from_millis(ms), Outcome::Ok));
        let ideal = Timeline::ideal(&jobs, 4);
        let drawn = text(&actual, Some(&ideal), 30);
        let rows = rows(&drawn);
        assert!(rows[2].starts_with('▄'), "\n{drawn}");
        assert!(rows[7].starts_with('█'), "\n{drawn}");
    }

    #[test]
    fn a_fixed_schedule_draws_exactly_so() {
        let actual = Timeline::new(vec![
            request("a", 0, 100, Outcome::Ok),
            request("b", 20, 60, Outcome::NotFound),
            request("c", 100, 200, Outcome::Error),
            request("d", 120, 160, Outcome::Stall),
            request("e", 160, 200, Outcome::Retried),
        ]);
        let jobs = [("a", 100), ("b", 40), ("c", 100), ("d", 40), ("e", 40)]
            .map(|(l, ms)| (l.to_owned(), Duration::from_millis(ms), Outcome::Ok));
        let ideal = Timeline::ideal(&jobs, 2);
        let drawn = text(&actual, Some(&ideal), 30);
        let expected = "\
actual: 5 requests, at most 2 in flight, 0.200s
   1│████████████ ▚▚▚▚▚▚▚▚▚▚▚│
   2│  ▒▒▒▒▒▒      ░░░░░ ▞▞▞▞│
   #│▄▄██████▄▄▄▄▄▄██████████│
     0s                 0.200s
ideal: 5 requests, at most 2 in flight, 0.180s
   1│████ ███████████ █████  │
   2│████████████ ████       │
   #│█████████████████▄▄▄▄▄  │
     0s                 0.200s
█ 200  ▒ 404  ▚ error  ░ stall  ▞ retried  # in flight
";
        assert_eq!(drawn, expected, "\n{drawn}");
    }

    #[test]
    fn every_line_fits_the_terminal() {
        // 676 requests of all lengths, on 100 lanes, over 1.2 s.
        let requests = (0..676u64)
            .map(|i| request("x", i * 13 % 1000, i * 13 % 1000 + i % 200, Outcome::Ok))
            .collect();
        let drawn = text(&Timeline::new(requests), None, WIDTH);
        assert!(drawn.lines().count() > 10);
        for line in drawn.lines() {
            assert!(
                line.chars().count() <= WIDTH,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        // Asked for more, it still fits.
        let wide = text(&Timeline::default(), None, 500);
        assert!(
            wide.lines().all(|line| line.chars().count() <= WIDTH),
            "{wide}"
        );
    }
}
