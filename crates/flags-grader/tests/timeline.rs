//! The run's requests on a timeline beside the ideal schedule, in the
//! reports that can show them: the text after the checks, Gradescope's
//! top-level output in a `<pre>` block (and `--class`'s picture beside each
//! feedback file, in tests/class.rs). What is drawn is what the server
//! observed, never a clock: a pool of 8 shows 8 lanes, however fast or slow
//! the machine.

mod support;

use flags_grader::output;
use flags_grader::{CheckKind, Grade, Status, exercise, grade};
use support::{curl_command, options, solution};

/// The number of lane rows of a text panel (`actual` or `ideal`): the rows
/// numbered `   1│` … under its heading, before its in-flight row `#│`.
fn lanes(text: &str, panel: &str) -> usize {
    let heading = format!("{panel}: ");
    text.lines()
        .skip_while(|line| !line.starts_with(&heading))
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('#'))
        .filter(|line| {
            line.trim_start()
                .split('│')
                .next()
                .is_some_and(|n| n.parse::<usize>().is_ok())
        })
        .count()
}

fn failed(graded: &Grade) -> Vec<CheckKind> {
    (graded.checks.iter())
        .filter(|c| c.status == Status::Failed)
        .map(|c| c.kind)
        .collect()
}

#[test]
fn a_pool_of_8_where_20_are_expected_shows_8_lanes_against_20() {
    // The sh + curl client with -m 8, graded as flags-asyncio, which asks
    // for all 20 flags in flight at once: it loses the floor (and the
    // chapter-1 report, which it does not print).
    let e = exercise("flags-asyncio").unwrap();
    let graded = grade(&e, &curl_command("correct"), options(2017)).unwrap();
    assert_eq!(
        failed(&graded),
        [CheckKind::Floor, CheckKind::Report],
        "{}",
        graded.output
    );
    let floor = &graded.checks[3].message;
    assert!(
        floor.starts_with("the server saw at most 8 requests in flight"),
        "{floor}"
    );

    let timelines = graded.timeline.as_ref().expect("the server saw the run");
    assert_eq!(timelines.workers, 20);
    assert_eq!(
        (
            timelines.actual.requests.len(),
            timelines.actual.lane_count()
        ),
        (20, 8)
    );
    assert_eq!(
        (timelines.ideal.requests.len(), timelines.ideal.lane_count()),
        (20, 20)
    );
    // The clock starts at the first request, as the ideal's does.
    assert_eq!(
        timelines.actual.requests[0].start,
        std::time::Duration::ZERO
    );

    // The text: after the failures, 8 lanes against the ideal's 20, in 80 columns.
    let text = output::text(&graded);
    assert!(
        text.contains("actual: 20 requests, at most 8 in flight, "),
        "{text}"
    );
    assert!(
        text.contains("ideal: 20 requests, at most 20 in flight, "),
        "{text}"
    );
    assert_eq!(
        (lanes(&text, "actual"), lanes(&text, "ideal")),
        (8, 20),
        "{text}"
    );
    let at = |what: &str| {
        text.find(what)
            .unwrap_or_else(|| panic!("no {what:?} in {text}"))
    };
    assert!(at("FAIL had 20 requests in flight at once") < at("actual: 20 requests"));
    assert!(at("ideal: 20 requests") < at("The run's plan: "));
    // Each panel: its heading, lanes, in-flight row and time axis.
    let drawn = text.lines().skip_while(|l| !l.starts_with("actual: "));
    let drawn: Vec<&str> = drawn.take_while(|l| !l.starts_with("█ 200")).collect();
    assert_eq!(drawn.len(), (1 + 8 + 2) + (1 + 20 + 2), "{text}");
    assert!(drawn.iter().all(|l| l.chars().count() <= 80), "{text}");

    // Gradescope: the same drawing, whole, in a <pre> block of HTML output.
    let json = output::gradescope(&graded);
    assert_eq!(json["output_format"], "html");
    let shown = json["output"].as_str().unwrap();
    assert!(
        shown.contains(&format!("<pre>{}</pre>", timelines.text())),
        "{shown}"
    );
    assert!(
        shown.starts_with("<p>flags-asyncio, seed 2017. Server: "),
        "{shown}"
    );

    // Exercism (500 characters a test) and Classroom (a line a test) carry none.
    for json in [output::exercism(&graded), output::classroom(&graded)] {
        assert!(!json.to_string().contains("actual: 20 requests"), "{json}");
    }
}

#[test]
fn the_books_thread_pool_is_drawn_beside_its_pool_of_20() {
    let e = exercise("flags-threadpool").unwrap();
    let mut command = vec![solution("flags-threadpool").to_string_lossy().into_owned()];
    command.extend(e.scenario.args.iter().cloned());
    let graded = grade(&e, &command, options(7)).unwrap();
    assert_eq!(failed(&graded), [], "{}", graded.output);
    let timelines = graded.timeline.as_ref().expect("the server saw the run");
    // However many of its 20 threads were in flight at once (the gate asks
    // for 5), each is a lane, and the ideal keeps all 20 busy.
    let actual = &timelines.actual;
    assert_eq!(actual.requests.len(), 20);
    assert!((5..=20).contains(&actual.lane_count()), "{actual:?}");
    assert_eq!(timelines.ideal.lane_count(), 20);
    let text = output::text(&graded);
    let peak = format!(
        "actual: 20 requests, at most {} in flight, ",
        actual.lane_count()
    );
    assert!(text.contains(&peak), "{text}");
    assert_eq!(lanes(&text, "actual"), actual.lane_count(), "{text}");
    assert_eq!(lanes(&text, "ideal"), 20, "{text}");
}

#[test]
fn work_that_asks_no_server_draws_no_timeline_and_says_nothing_of_it() {
    // Primes has no server: a program that does nothing is graded, with no
    // timeline; nor has a kit's exercise, nor a build that failed.
    let e = exercise("primes").unwrap();
    let graded = grade(&e, &["true".to_owned()], options(1)).unwrap();
    let kit = flags_grader::not_built(&exercise("loiter").unwrap(), &options(1), "");
    let unbuilt = flags_grader::not_built(&exercise("flags2-threadpool").unwrap(), &options(1), "");
    for graded in [graded, kit, unbuilt] {
        assert!(graded.timeline.is_none(), "{}", graded.exercise);
        let text = output::text(&graded);
        assert!(
            !text.contains("in flight, as the server saw") && !text.contains('│'),
            "{text}"
        );
        let shown = output::gradescope(&graded)["output"].to_string();
        assert!(!shown.contains("<pre>actual"), "{shown}");
    }
}
