//! The `mock-server` binary, run as a process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use std::time::Duration;

use flags_common::{Code, expand_cc_args};
use mock_server::{Plan, Preset, Resource, run_client};

fn mock_server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mock-server"))
}

/// The `truth` lines the plan gives for `codes`: code, file, status and
/// delay in µs, for each first request a client sends.
fn truth_lines(plan: &Plan, codes: &[Code], names: bool) -> Vec<String> {
    let timeout = Duration::from_secs_f64(3.1);
    codes
        .iter()
        .flat_map(|&cc| plan.first_requests(cc, names, timeout))
        .map(|r| {
            let path = r.resource.path();
            let file = path.rsplit('/').next().unwrap().to_owned();
            let cc = r.resource.code();
            format!("{cc} {file} {} {}", r.status, r.delay.as_micros())
        })
        .collect()
}

fn truth(args: &[&str]) -> Vec<String> {
    let text = run_client(mock_server().arg("truth").args(args)).unwrap();
    text.lines().map(str::to_owned).collect()
}

#[test]
fn truth_prints_one_line_per_code_matching_the_plan() {
    let lines = truth(&[
        "error",
        "--every",
        "--seed",
        "7",
        "--delay-ms",
        "10",
        "--jitter-ms",
        "10",
    ]);
    let plan = Plan::preset(Preset::Error)
        .seed(7)
        .delay(Duration::from_millis(10))
        .jitter(Duration::from_millis(10));
    let every: Vec<Code> = Code::every().collect();
    assert_eq!(lines, truth_lines(&plan, &every, false));
    assert_eq!(lines.len(), 676);
    assert_eq!(lines.iter().filter(|l| l.contains(" 418 ")).count(), 49);
    assert_eq!(lines.iter().filter(|l| l.contains(" 404 ")).count(), 482);
}

#[test]
fn truth_covers_the_code_lists_a_client_takes() {
    let plan = Plan::preset(Preset::Delay);
    let codes = |every, all, cc: &[&str], limit| {
        let cc: Vec<String> = cc.iter().map(|s| s.to_string()).collect();
        expand_cc_args(every, all, &cc, limit).unwrap()
    };
    let cases: [(&[&str], Vec<Code>); 5] = [
        (&["delay"], codes(false, false, &[], None)),
        (&["delay", "-a"], codes(false, true, &[], None)),
        (
            &["delay", "--every", "-l", "30"],
            codes(true, false, &[], Some(30)),
        ),
        (
            &["delay", "b", "cn", "z"],
            codes(false, false, &["b", "cn", "z"], None),
        ),
        (
            &["delay", "B", "-l", "3"],
            codes(false, false, &["B"], Some(3)),
        ),
    ];
    for (args, codes) in cases {
        assert_eq!(truth(args), truth_lines(&plan, &codes, false), "{args:?}");
    }
    // The default is the book's 20 most populous countries, sorted.
    let pop20 = truth(&["delay"]);
    assert_eq!(pop20.len(), 20);
    assert!(pop20[0].starts_with("BD bd.gif 200 "), "{pop20:?}");
    assert_eq!(truth(&["delay", "-a"]).len(), 194);
    assert_eq!(truth(&["delay", "b", "cn", "z"]).len(), 26 + 1 + 26);
}

#[test]
fn truth_with_names_chains_metadata_then_the_flag() {
    let lines = truth(&["error", "--names", "--every"]);
    let plan = Plan::preset(Preset::Error);
    let every: Vec<Code> = Code::every().collect();
    assert_eq!(lines, truth_lines(&plan, &every, true));
    // Every code's metadata.json comes first; its flag follows exactly when
    // that answered 200 within the 3.1 s timeout.
    let metadata: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" metadata.json "))
        .collect();
    assert_eq!(metadata.len(), 676);
    for (i, line) in lines.iter().enumerate() {
        let [cc, file, status, us] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("{line}");
        };
        if file.ends_with(".gif") {
            let before: Vec<&str> = lines[i - 1].split(' ').collect();
            assert_eq!(before[..3], [cc, "metadata.json", "200"], "{line}");
            assert!(before[3].parse::<u64>().unwrap() < 3_100_000, "{line}");
        } else if status == "200" && us.parse::<u64>().unwrap() < 3_100_000 {
            assert!(lines[i + 1].starts_with(&format!("{cc} {} ", cc.to_lowercase() + ".gif")));
        }
    }
    let flags = lines.len() - 676;
    assert!(flags > 0 && flags < 194, "{flags} flag requests");
}

#[test]
fn truth_gives_delays_to_the_microsecond_as_served() {
    let lines = truth(&["delay", "--every"]);
    let plan = Plan::preset(Preset::Delay);
    let mut fractional = 0;
    for (line, cc) in lines.iter().zip(Code::every()) {
        let us: u128 = line.rsplit(' ').next().unwrap().parse().unwrap();
        // The delay the server holds the request for.
        let served = plan.answer("GET", &Resource::Gif(cc).path(), 0).delay;
        assert_eq!(us, served.as_micros(), "{line}");
        fractional += usize::from(us % 1000 != 0);
    }
    // Whole milliseconds would lose about half a millisecond a request.
    assert!(
        fractional > 600,
        "{fractional} delays with a fraction of a ms"
    );
}

#[test]
fn the_ideal_time_is_for_the_codes_and_requests_given() {
    let timeout = Duration::from_secs_f64(3.1);
    let plan = Plan::preset(Preset::Error);
    let ideal = |args: &[&str]| {
        let out = mock_server().arg("truth").args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let pop20 = expand_cc_args(false, false, &[], None).unwrap();
    let expected = plan.ideal_time_for(&pop20, 3, timeout, false);
    assert_eq!(
        ideal(&["error", "--ideal-workers", "3"]),
        format!(
            "ideal time for the 20 codes with 3 workers and a 3.1s timeout: {:.3}s\n",
            expected.as_secs_f64()
        )
    );
    let names = plan.ideal_time_for(&pop20, 3, timeout, true);
    assert!(names > expected, "two requests a code take longer");
    assert!(
        ideal(&["error", "--ideal-workers", "3", "--names"])
            .ends_with(&format!(": {:.3}s\n", names.as_secs_f64()))
    );
    // Workers beyond the codes change nothing: every code at once.
    let every = ideal(&["error", "--every", "--ideal-workers", "5000"]);
    let longest = Code::every()
        .map(|cc| plan.expected(cc).delay.min(timeout))
        .max()
        .unwrap();
    assert_eq!(
        every,
        format!(
            "ideal time for the 676 codes with 5000 workers and a 3.1s timeout: {:.3}s\n",
            longest.as_secs_f64()
        )
    );
}

#[test]
fn bad_options_are_refused_with_a_hint() {
    for args in [
        vec!["truth", "nginx"],
        vec!["truth", "delay", "-l", "-1"],
        vec!["--error-rate", "1.5"],
        vec!["--port", "9000"],
        vec!["--error-status", "200"],
    ] {
        let out = mock_server().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = mock_server()
        .args([
            "--preset",
            "local",
            "--port",
            "0",
            "--dir",
            "/nonexistent/flags",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not read the flags folder"), "{err}");
}

#[test]
fn serves_a_preset_on_a_chosen_port_and_logs_each_request() {
    let mut child = mock_server()
        .args([
            "--preset",
            "delay",
            "--port",
            "0",
            "--delay-ms",
            "5",
            "--jitter-ms",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    stderr.read_line(&mut banner).unwrap();
    // DELAY  http://127.0.0.1:PORT/flags  DELAY preset, seed 1: ...
    let base = banner.split_whitespace().nth(1).unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{banner}");
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let resp = client.get(format!("{base}/bd/bd.gif")).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().unwrap().starts_with(b"GIF89a"));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut log = String::new();
    stdout.read_line(&mut log).unwrap();
    assert_eq!(log, "BD delay: 0.01s 200\n");
    child.kill().unwrap();
    child.wait().unwrap();
}
