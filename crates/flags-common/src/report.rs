//! Outcomes of a flags2 download and the book's two reports.

use std::fmt::Write;
use std::time::Duration;

use crate::{Code, Site};

/// What happened to one flag: data, not an error (the book's `DownloadStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DownloadStatus {
    /// Downloaded and saved.
    Ok,
    /// The server answered 404.
    NotFound,
    /// Any other HTTP error, a timeout, a refused connection, a bad body.
    Error,
}

/// Counts of each [`DownloadStatus`] (the book's `Counter`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Flags downloaded.
    pub ok: usize,
    /// Flags not found.
    pub not_found: usize,
    /// Flags that failed.
    pub error: usize,
}

impl Tally {
    /// One line: `12 downloaded, 3 not found, 1 error`.
    pub fn summary(&self) -> String {
        let s = if self.error == 1 { "" } else { "s" };
        format!(
            "{} downloaded, {} not found, {} error{s}",
            self.ok, self.not_found, self.error
        )
    }

    /// Counts one more outcome.
    pub fn add(&mut self, status: DownloadStatus) {
        match status {
            DownloadStatus::Ok => self.ok += 1,
            DownloadStatus::NotFound => self.not_found += 1,
            DownloadStatus::Error => self.error += 1,
        }
    }

    /// How many outcomes were counted.
    pub fn total(&self) -> usize {
        self.ok + self.not_found + self.error
    }
}

impl FromIterator<DownloadStatus> for Tally {
    fn from_iter<I: IntoIterator<Item = DownloadStatus>>(iter: I) -> Tally {
        let mut tally = Tally::default();
        iter.into_iter().for_each(|status| tally.add(status));
        tally
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The report printed before downloading (the book's `initial_report`):
///
/// ```text
/// LOCAL site: http://localhost:8000/flags
/// Searching for 26 flags: from BA to BZ
/// 26 concurrent connections will be used.
/// ```
pub fn initial_report(site: &Site, cc_list: &[Code], actual_req: usize) -> String {
    let cc_msg = match cc_list {
        [first, .., last] if cc_list.len() > 10 => format!("from {first} to {last}"),
        _ => cc_list
            .iter()
            .map(Code::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut out = String::new();
    let n = cc_list.len();
    writeln!(out, "{} site: {}", site.label, site.shown_url()).expect("writing to a String");
    writeln!(out, "Searching for {n} flag{}: {cc_msg}", plural(n)).expect("writing to a String");
    if actual_req == 1 {
        out.push_str("1 connection will be used.\n");
    } else {
        writeln!(out, "{actual_req} concurrent connections will be used.")
            .expect("writing to a String");
    }
    out
}

/// The report printed after downloading (the book's `final_report`):
///
/// ```text
/// --------------------
///  17 flags downloaded.
///   9 not found.
///  14 errors.
/// Elapsed time: 0.77s
/// ```
///
/// The not-found and error lines appear only when their count is not zero.
pub fn final_report(tally: &Tally, elapsed: Duration) -> String {
    let mut out = format!("{}\n", "-".repeat(20));
    let Tally {
        ok,
        not_found,
        error,
    } = *tally;
    writeln!(out, "{ok:3} flag{} downloaded.", plural(ok)).expect("writing to a String");
    if not_found > 0 {
        writeln!(out, "{not_found:3} not found.").expect("writing to a String");
    }
    if error > 0 {
        writeln!(out, "{error:3} error{}.", plural(error)).expect("writing to a String");
    }
    writeln!(out, "Elapsed time: {:.2}s", elapsed.as_secs_f64()).expect("writing to a String");
    out
}

/// The count of a chapter-1 script's closing line, as a grader or a driver
/// reads it from a run's stdout: `20 downloads in 0.35s` (the book's 2nd
/// edition) or `20 flags downloaded in 2.04s` (1st edition, and ours) → 20.
pub fn chapter1_count(stdout: &str) -> Option<usize> {
    stdout.lines().rev().find_map(|line| {
        let (n, rest) = line.trim().split_once(' ')?;
        let closing = rest.starts_with("downloads in ") || rest.starts_with("flags downloaded in ");
        closing.then(|| n.parse().ok())?
    })
}

/// The counts of a flags2 final report read from a run's stdout: ` 17 flags
/// downloaded.`, `  9 not found.`, ` 14 errors.` (the last two only when not
/// zero; `1 flag downloaded.` and `1 error.` in the singular). `None`
/// without a downloaded line.
pub fn flags2_counts(stdout: &str) -> Option<Tally> {
    let count = |suffixes: &[&str]| {
        stdout.lines().rev().find_map(|line| {
            let line = line.trim();
            (suffixes.iter())
                .find_map(|suffix| line.strip_suffix(suffix))
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
    };
    let ok = count(&[" flags downloaded.", " flag downloaded."])?;
    Some(Tally {
        ok,
        not_found: count(&[" not found."]).unwrap_or(0),
        error: count(&[" errors.", " error."]).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Server, expand_cc_args};

    fn codes(args: &[&str]) -> Vec<Code> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        expand_cc_args(false, false, &args, None).unwrap()
    }

    #[test]
    fn initial_report_for_many_codes_gives_the_range() {
        let site = Site::from(Server::Local);
        assert_eq!(
            initial_report(&site, &codes(&["B"]), 26),
            "LOCAL site: http://localhost:8000/flags\n\
             Searching for 26 flags: from BA to BZ\n\
             26 concurrent connections will be used.\n"
        );
    }

    #[test]
    fn initial_report_lists_ten_codes_or_fewer() {
        let site = Site::from(Server::Delay);
        let five = codes(&["AD", "AE", "AF", "AG", "AL"]);
        assert_eq!(
            initial_report(&site, &five, 5),
            "DELAY site: http://localhost:8001/flags\n\
             Searching for 5 flags: AD, AE, AF, AG, AL\n\
             5 concurrent connections will be used.\n"
        );
        let ten = codes(&["AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ"]);
        let report = initial_report(&site, &ten, 10);
        assert!(
            report.contains("Searching for 10 flags: AA, AB, AC, AD, AE, AF, AG, AH, AI, AJ\n")
        );
        let eleven = codes(&[
            "AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK",
        ]);
        assert!(
            initial_report(&site, &eleven, 3).contains("Searching for 11 flags: from AA to AK\n")
        );
    }

    #[test]
    fn initial_report_singulars() {
        let site = Site::from(Server::Error);
        assert_eq!(
            initial_report(&site, &codes(&["bd"]), 1),
            "ERROR site: http://localhost:8002/flags\n\
             Searching for 1 flag: BD\n\
             1 connection will be used.\n"
        );
    }

    #[test]
    fn final_report_pads_counts_to_three() {
        let tally = Tally {
            ok: 17,
            not_found: 9,
            error: 14,
        };
        assert_eq!(
            final_report(&tally, Duration::from_millis(770)),
            "--------------------\n \
             17 flags downloaded.\n  \
             9 not found.\n \
             14 errors.\n\
             Elapsed time: 0.77s\n"
        );
    }

    #[test]
    fn final_report_hides_zero_counts_and_uses_singulars() {
        let tally = Tally {
            ok: 1,
            not_found: 0,
            error: 1,
        };
        assert_eq!(
            final_report(&tally, Duration::from_millis(1234)),
            "--------------------\n  1 flag downloaded.\n  1 error.\nElapsed time: 1.23s\n"
        );
        let none = Tally::default();
        assert_eq!(
            final_report(&none, Duration::ZERO),
            "--------------------\n  0 flags downloaded.\nElapsed time: 0.00s\n"
        );
        let big = Tally {
            ok: 1000,
            not_found: 0,
            error: 0,
        };
        assert!(final_report(&big, Duration::ZERO).contains("\n1000 flags downloaded.\n"));
    }

    #[test]
    fn tally_counts_each_status() {
        use DownloadStatus::*;
        let tally: Tally = [Ok, NotFound, Error, Ok, Error, Error]
            .into_iter()
            .collect();
        assert_eq!(
            (tally.ok, tally.not_found, tally.error, tally.total()),
            (2, 1, 3, 6)
        );
    }
    #[test]
    fn reports_are_read_as_the_book_prints_them() {
        let report = "LOCAL site: x\n--------------------\n 17 flags downloaded.\n  9 not found.\n  1 error.\nElapsed time: 0.77s\n";
        let read = flags2_counts(report).unwrap();
        assert_eq!((read.ok, read.not_found, read.error), (17, 9, 1));
        assert_eq!(read.summary(), "17 downloaded, 9 not found, 1 error");
        let one = flags2_counts("  1 flag downloaded.\n").unwrap();
        assert_eq!((one.ok, one.not_found, one.error), (1, 0, 0));
        assert_eq!(flags2_counts("nothing"), None);
        assert_eq!(
            chapter1_count("BD BR \n20 flags downloaded in 2.04s\n"),
            Some(20)
        );
        // The 2nd edition's wording.
        assert_eq!(chapter1_count("BD BR \n20 downloads in 2.38s\n"), Some(20));
        assert_eq!(chapter1_count("20 flags"), None);
    }
}
