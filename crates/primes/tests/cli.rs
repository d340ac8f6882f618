//! The binary prints the book's lines; bad arguments are usage errors.

use std::process::{Command, Output};

fn primes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_primes"))
        .args(args)
        .output()
        .unwrap()
}

/// Small numbers, so each run takes no time: two primes, two composites.
const SMALL: &str = "12,97,2,9";

/// Splits the output into header, result lines and total line, checking the
/// book's format on the way; returns `(n, prime)` for each result line.
fn parse(output: &Output, header: &str) -> Vec<(u64, bool)> {
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let (first, rest) = lines.split_first().unwrap();
    let (last, results) = rest.split_last().unwrap();
    assert_eq!(*first, header);
    // `Total time: 0.00s`: two decimals.
    let total = last.strip_prefix("Total time: ").unwrap();
    let total = total.strip_suffix('s').unwrap();
    assert_eq!(total.split_once('.').unwrap().1.len(), 2, "{last}");
    total.parse::<f64>().unwrap();
    results
        .iter()
        .map(|line| {
            // `{n:16}  {P or blank} {elapsed:9.6f}s`
            assert_eq!(line.len(), 16 + 2 + 1 + 1 + 9 + 1, "{line:?}");
            let (n, rest) = line.split_at(16);
            let (label, elapsed) = rest.split_at(4);
            let prime = match label {
                "  P " => true,
                "    " => false,
                _ => panic!("bad label in {line:?}"),
            };
            let elapsed = elapsed.strip_suffix('s').unwrap();
            assert_eq!(
                elapsed.trim().split_once('.').unwrap().1.len(),
                6,
                "{line:?}"
            );
            elapsed.trim().parse::<f64>().unwrap();
            (n.trim().parse().unwrap(), prime)
        })
        .collect()
}

const IN_LIST_ORDER: [(u64, bool); 4] = [(12, false), (97, true), (2, true), (9, false)];
const LARGEST_FIRST: [(u64, bool); 4] = [(97, true), (12, false), (9, false), (2, true)];

#[test]
fn sequential_prints_in_list_order() {
    let output = primes(&["--strategy", "sequential", "--numbers", SMALL]);
    let header = "Checking 4 numbers sequentially:";
    assert_eq!(parse(&output, header), IN_LIST_ORDER);
}

#[test]
fn threads_print_largest_first() {
    let output = primes(&["2", "--strategy", "threads", "--numbers", SMALL]);
    let header = "Checking 4 numbers with 2 threads:";
    assert_eq!(parse(&output, header), LARGEST_FIRST);
}

#[test]
fn processes_print_largest_first() {
    let output = primes(&["2", "--strategy", "processes", "--numbers", SMALL]);
    let header = "Checking 4 numbers with 2 processes:";
    assert_eq!(parse(&output, header), LARGEST_FIRST);
}

#[test]
fn processes_are_the_default_and_one_is_singular() {
    let output = primes(&["1", "--numbers", SMALL]);
    let header = "Checking 4 numbers with 1 process:";
    assert_eq!(parse(&output, header), LARGEST_FIRST);
}

#[test]
fn workers_default_to_the_number_of_cpus() {
    let cpus = std::thread::available_parallelism().unwrap().get();
    let output = primes(&["--strategy", "threads", "--numbers", SMALL]);
    let thread_s = if cpus == 1 { "thread" } else { "threads" };
    let header = format!("Checking 4 numbers with {cpus} {thread_s}:");
    assert_eq!(parse(&output, &header), LARGEST_FIRST);
}

#[test]
fn the_worker_mode_answers_a_line_per_number() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_primes"))
        .arg("--worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"97\n12\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let fields: Vec<Vec<&str>> = stdout.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(fields.len(), 2, "{stdout}");
    assert_eq!(fields[0][..2], ["97", "true"]);
    assert_eq!(fields[1][..2], ["12", "false"]);
    for answer in &fields {
        answer[2].parse::<u64>().unwrap();
    }
}

#[test]
fn the_header_says_how_many_workers_are_started() {
    // Twenty numbers: 200 workers would leave 180 with nothing to do.
    for (strategy, word) in [("threads", "threads"), ("processes", "processes")] {
        let output = primes(&["200", "--strategy", strategy, "--numbers", SMALL]);
        let header = format!("Checking 4 numbers with 4 {word}:");
        assert_eq!(parse(&output, &header), LARGEST_FIRST);
    }
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    use std::process::Stdio;
    for strategy in ["sequential", "threads", "processes"] {
        // The reading end is closed before the binary starts, so that its
        // first write fails however soon it comes.
        let (reader, writer) = rustix::pipe::pipe().unwrap();
        drop(reader);
        let child = Command::new(env!("CARGO_BIN_EXE_primes"))
            .args(["2", "--strategy", strategy, "--numbers", SMALL])
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(141), "{strategy}: {output:?}");
        assert!(output.stderr.is_empty(), "{strategy}: {output:?}");
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["0"][..],
        &["257"],
        &["1000000"],
        &["two"],
        &["-1"],
        &["--strategy", "fibers"],
        &["--numbers", "1,x"],
        &["--numbers", "-3"],
    ] {
        let output = primes(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
