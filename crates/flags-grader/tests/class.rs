//! A class in one command: `grade EXERCISE --class DIR -- COMMAND` over a
//! folder of golden submissions, laid out as GitHub Classroom clones them,
//! writes the expected gradebook, a feedback file per student with the
//! picture of the run's timeline beside it, and a summary; one broken
//! submission never stops the others.

use std::path::Path;
use std::process::Command;

/// A student's folder: a script that runs the sh + curl client in `mode`
/// (the golden submissions of tests/grade.rs).
fn student(class: &Path, folder: &str, mode: Option<&str>) {
    let dir = class.join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(mode) = mode {
        let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flags2_curl.sh");
        std::fs::write(
            dir.join("flags2.sh"),
            format!("exec sh '{}' {mode} \"$@\"\n", client.display()),
        )
        .unwrap();
    }
}

/// The lane (`y`) of each bar of a panel (`actual` or `ideal`) of a
/// feedback's picture, parsed as a browser would.
fn bars(svg: &str, panel: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the picture is well-formed XML");
    let panel = (doc.descendants())
        .find(|n| n.attribute("id") == Some(panel))
        .unwrap_or_else(|| panic!("no #{panel} in {svg}"));
    (panel.descendants())
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
        .map(|bar| bar.attribute("y").unwrap_or_default().to_owned())
        .collect()
}

/// How many bars, in how many lanes.
fn bars_and_lanes(bars: &[String]) -> (usize, usize) {
    let lanes: std::collections::BTreeSet<&String> = bars.iter().collect();
    (bars.len(), lanes.len())
}

fn grade_class(class: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grade"))
        .args([
            "flags2-threadpool",
            "--seed",
            "2017",
            "--jobs",
            "2",
            "--class",
        ])
        .arg(class)
        .args(extra)
        .args(["--", "sh", "flags2.sh", "-s", "{url}", "--dest", "{dest}"])
        .args(["-m", "8", "{codes}"])
        .output()
        .unwrap()
}

#[test]
fn a_class_of_golden_submissions_gets_the_expected_gradebook() {
    let class = tempfile::tempdir().unwrap();
    let class = class.path();
    // As `gh classroom clone student-repos` lays them out.
    for (folder, mode) in [
        ("flags2-threadpool-ada", Some("correct")),
        ("flags2-threadpool-bob", Some("sequential")),
        ("flags2-threadpool-cy", Some("batching")),
        ("flags2-threadpool-di", Some("hardcoded")),
        ("flags2-threadpool-ed", Some("aborts")),
        ("flags2-threadpool-fay", None), // an empty repository
    ] {
        student(class, folder, mode);
    }
    let out = grade_class(class, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");

    let gradebook = std::fs::read_to_string(class.join("gradebook.csv")).unwrap();
    let rows: Vec<&str> = gradebook.lines().collect();
    assert_eq!(
        rows[0],
        "student,folder,score,max,status,exited 0 and left nothing running,\
         \"saved exactly the flags served, byte for byte, and nothing else\",\
         \"asked for each given flag exactly once, and nothing else\",\
         had 8 requests in flight at once,started a new request as soon as one finished,\
         never had more than 8 requests in flight,printed the counts the server's plan says,seed"
    );
    // The points of each check, in the manifest's order: exit 1, files 2,
    // once 2, floor 3, pool 2, ceiling 2, report 2.
    assert_eq!(
        rows[1..],
        [
            "ada,flags2-threadpool-ada,14,14,graded,1,2,2,3,2,2,2,2017",
            "bob,flags2-threadpool-bob,9,14,graded,1,2,2,0,0,2,2,2017",
            "cy,flags2-threadpool-cy,12,14,graded,1,2,2,3,0,2,2,2017",
            "di,flags2-threadpool-di,12,14,graded,1,2,2,3,2,2,0,2017",
            "ed,flags2-threadpool-ed,2,14,graded,0,0,0,0,0,2,0,2017",
            "fay,flags2-threadpool-fay,0,14,graded,0,0,0,0,0,0,0,2017",
        ],
        "{gradebook}"
    );

    // A feedback file per student: their own report, with their run's
    // timeline, and its picture beside it.
    let feedback = std::fs::read_to_string(class.join("feedback/bob.txt")).unwrap();
    assert!(
        feedback.starts_with("Graded flags2-threadpool (the book's flags2_threadpool.py) for bob")
            && feedback.contains("Score: 9/14")
            && feedback.contains("FAIL had 8 requests in flight at once")
            && feedback.contains("actual: 104 requests, at most 1 in flight, ")
            && feedback.contains("ideal: 104 requests, at most 8 in flight, ")
            && feedback.contains("The same as a picture, to open in a browser: bob.timeline.svg\n"),
        "{feedback}"
    );
    assert_eq!(
        std::fs::read_dir(class.join("feedback")).unwrap().count(),
        12
    );
    // The picture: a bar per request the server saw, a lane per request in
    // flight; beside the ideal's 104 requests on 8 lanes. Ada's pool of 8
    // keeps 8 lanes, Bob's loop one, and Fay's empty repository asked nothing.
    for (student, actual) in [("ada", (104, 8)), ("bob", (104, 1)), ("fay", (0, 0))] {
        let svg = std::fs::read_to_string(class.join(format!("feedback/{student}.timeline.svg")))
            .unwrap();
        assert_eq!(bars_and_lanes(&bars(&svg, "actual")), actual, "{student}");
        assert_eq!(bars_and_lanes(&bars(&svg, "ideal")), (104, 8), "{student}");
    }
    // The summary: a line per student, then the class's figures.
    assert!(
        stdout.starts_with("Graded 6 submissions of flags2-threadpool in ")
            && stdout.contains("  bob      9/14, lost floor, pool\n")
            && stdout.contains(
                "Full marks: 1 of 6; mean 8.2/14; did not compile: 0; not graded: 0; grader \
                 errors: 0."
            ),
        "{stdout}"
    );
    // Progress, a line per student as each is graded.
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with('[')).count(),
        6,
        "{stderr}"
    );
}

#[test]
fn a_gradescope_export_is_graded_under_the_submitters_names() {
    let class = tempfile::tempdir().unwrap();
    let class = class.path();
    student(class, "submission_101", Some("correct"));
    std::fs::write(
        class.join("submission_metadata.yml"),
        "---\nsubmission_101:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1'\n",
    )
    .unwrap();
    let gradebook = class.join("out").join("marks.csv");
    std::fs::create_dir(class.join("out")).unwrap();
    let out = grade_class(class, &["--gradebook", gradebook.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(&gradebook).unwrap();
    assert!(
        written
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("Ada Lovelace,submission_101,14,14,graded,"),
        "{written}"
    );
    assert!(class.join("out/feedback/Ada_Lovelace.txt").is_file());
}

#[test]
fn bad_class_folders_are_usage_errors() {
    let empty = tempfile::tempdir().unwrap();
    for (class, expected) in [
        (
            Path::new("/nonexistent/class"),
            "is not a folder: give the folder that holds one folder per student",
        ),
        (
            empty.path(),
            "holds no folder: put one folder per student's submission in it",
        ),
    ] {
        let out = grade_class(class, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}
