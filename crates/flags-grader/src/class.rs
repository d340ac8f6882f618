//! A class in one command: every folder of a class folder graded as one
//! student's submission, in parallel where the machine allows, each in
//! isolation (its own server, port, `{dest}`, working copy and process
//! group), so that one failure never stops or touches the others. The
//! result is a gradebook (CSV: a row per student, a column per check), a
//! feedback file per student with, beside it, the picture of the run's
//! requests next to the ideal schedule (`STUDENT.timeline.svg`), and a
//! summary.
//!
//! The folder may be laid out as the platforms export a class:
//! - GitHub Classroom (`gh classroom clone student-repos`): a folder per
//!   repository, `<assignment>-<username>`; the common `<assignment>-`
//!   prefix is dropped from the names;
//! - Gradescope ("Export Submissions"): `submission_<id>` folders, named
//!   after their submitters from `submission_metadata.yml`;
//! - or any folder of folders, one per student, named after the student.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::grade::{Grade, Status};
use crate::manifest::Exercise;

/// The name of the feedback folder, beside the gradebook.
pub const FEEDBACK: &str = "feedback";

/// One student's submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    /// Who: from the export's metadata, or the folder's name.
    pub name: String,
    /// The submission's folder.
    pub dir: PathBuf,
}

/// How one student's grading came out.
#[derive(Debug)]
pub enum Outcome {
    /// Graded (a build that failed is graded too: every check 0).
    Graded(Box<Grade>),
    /// Not what the assignment asks for (a script where a Rust crate was
    /// expected, say): 0 points, and why.
    NotGraded(String),
    /// The grader could not grade it (not the student's fault): no points
    /// given or taken; grade it again.
    GraderError(String),
}

impl Outcome {
    fn score(&self) -> Option<u32> {
        match self {
            Outcome::Graded(grade) => Some(grade.score()),
            Outcome::NotGraded(_) => Some(0),
            Outcome::GraderError(_) => None,
        }
    }
}

/// The students of a class folder, sorted by name.
pub fn students(class: &Path) -> anyhow::Result<Vec<Student>> {
    if !class.is_dir() {
        bail!(
            "--class {} is not a folder: give the folder that holds one folder per student",
            class.display()
        );
    }
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(class).with_context(|| format!("--class {}", class.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') && name != FEEDBACK {
            dirs.push((name, entry.path()));
        }
    }
    if dirs.is_empty() {
        bail!(
            "--class {} holds no folder: put one folder per student's submission in it",
            class.display()
        );
    }
    let submitters = gradescope_submitters(&class.join("submission_metadata.yml"));
    let prefix = common_prefix(dirs.iter().map(|(name, _)| name.as_str()));
    let mut students: Vec<Student> = dirs
        .into_iter()
        .map(|(folder, dir)| Student {
            name: submitters
                .get(&folder)
                .cloned()
                .unwrap_or_else(|| folder[prefix.len()..].to_owned()),
            dir,
        })
        .collect();
    students.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.dir.cmp(&b.dir)));
    Ok(students)
}

/// The prefix every folder name shares, up to and with its last `-`
/// (`flags2-` of `flags2-ada` and `flags2-bob`), when there are two or more.
fn common_prefix<'a>(mut names: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = names.next() else {
        return String::new();
    };
    let mut prefix = first;
    let mut count = 1;
    for name in names {
        count += 1;
        let shared = prefix
            .char_indices()
            .zip(name.chars())
            .find(|((_, a), b)| a != b)
            .map_or(prefix.len().min(name.len()), |((i, _), _)| i);
        prefix = &prefix[..shared];
    }
    match prefix.rfind('-') {
        Some(dash) if count > 1 => prefix[..=dash].to_owned(),
        _ => String::new(),
    }
}

/// Gradescope's `submission_metadata.yml`: each `submission_<id>` folder's
/// submitters, their names joined with " & " (a group). Read line by line:
/// the export's layout is fixed, and a missing or odd file only means the
/// folders keep their own names.
fn gradescope_submitters(path: &Path) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let mut current = None;
    for line in text.lines() {
        if !line.starts_with(' ') && line.trim_end().ends_with(':') {
            current = Some(line.trim_end().trim_end_matches(':').to_owned());
        } else if let (Some(folder), Some(name)) = (
            &current,
            line.trim_start()
                .trim_start_matches("- ")
                .strip_prefix(":name:"),
        ) {
            let name = name.trim().trim_matches(|c| c == '\'' || c == '"');
            names
                .entry(folder.clone())
                .or_default()
                .push(name.to_owned());
        }
    }
    names
        .into_iter()
        .map(|(folder, who)| (folder, who.join(" & ")))
        .collect()
}

/// Grades every student with `grade_one`, `jobs` at a time, and reports
/// each as it finishes on standard error. A panic in one grading is that
/// student's grader error; the others go on.
pub fn grade_all(
    students: &[Student],
    jobs: usize,
    grade_one: impl Fn(&Student) -> Outcome + Sync,
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new(students.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, students.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(student) = students.get(i) else {
                        break;
                    };
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        grade_one(student)
                    }))
                    .unwrap_or_else(|_| {
                        Outcome::GraderError("the grader panicked on this submission".into())
                    });
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    eprintln!(
                        "[{n}/{}] {}: {}",
                        students.len(),
                        student.name,
                        short(&outcome)
                    );
                    outcomes.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                }
            });
        }
    });
    outcomes
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::GraderError("not graded".into())))
        .collect()
}

/// One line for an outcome: `9/14, lost floor, pool`.
fn short(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Graded(grade) => {
            let lost: Vec<String> = grade
                .checks
                .iter()
                .filter(|c| c.status == Status::Failed)
                .map(|c| match c.kind {
                    // Several checks run the kit's tests: name each.
                    crate::manifest::CheckKind::Test => c.name.clone(),
                    kind => format!("{kind:?}").to_lowercase(),
                })
                .collect();
            let mut line = format!("{}/{}", grade.score(), grade.max_score());
            if grade.error.is_some() {
                line.push_str(", did not compile");
            } else if !lost.is_empty() {
                let _ = write!(line, ", lost {}", lost.join(", "));
            }
            line
        }
        Outcome::NotGraded(why) => format!("not graded: {}", first_line(why)),
        Outcome::GraderError(why) => format!("grader error: {}", first_line(why)),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// The gradebook: student, folder, score, max, status, then one column per
/// check (its points), in manifest order; then the seed, to reproduce.
pub fn gradebook(exercise: &Exercise, students: &[Student], outcomes: &[Outcome]) -> String {
    let names: Vec<String> = exercise
        .checks
        .iter()
        .map(|c| crate::grade::spec_name(c, exercise))
        .collect();
    let mut header = vec![
        "student".to_owned(),
        "folder".to_owned(),
        "score".to_owned(),
        "max".to_owned(),
        "status".to_owned(),
    ];
    header.extend(names.iter().cloned());
    header.push("seed".to_owned());
    let mut out = csv_row(&header);
    for (student, outcome) in students.iter().zip(outcomes) {
        let folder = student
            .dir
            .file_name()
            .map_or(String::new(), |f| f.to_string_lossy().into_owned());
        let mut row = vec![
            student.name.clone(),
            folder,
            outcome.score().map_or(String::new(), |s| s.to_string()),
            exercise.max_score().to_string(),
        ];
        match outcome {
            Outcome::Graded(grade) => {
                row.push(
                    if grade.error.is_some() {
                        "did not compile"
                    } else {
                        "graded"
                    }
                    .to_owned(),
                );
                row.extend(grade.checks.iter().map(|c| c.score.to_string()));
                row.push(grade.seed.to_string());
            }
            Outcome::NotGraded(why) => {
                row.push(format!("not graded: {}", first_line(why)));
                row.extend(names.iter().map(|_| "0".to_owned()));
                row.push(String::new());
            }
            Outcome::GraderError(why) => {
                row.push(format!("grader error: {}", first_line(why)));
                row.extend(names.iter().map(|_| String::new()));
                row.push(String::new());
            }
        }
        out.push_str(&csv_row(&row));
    }
    out
}

/// A CSV line (RFC 4180), with a cell that a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@` first) quoted as text.
fn csv_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .map(|cell| {
            let cell = if cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err() {
                format!("'{cell}")
            } else {
                cell.clone()
            };
            if cell.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell
            }
        })
        .collect();
    cells.join(",") + "\r\n"
}

/// A file name for a student's feedback: their name with anything but
/// letters, digits, `-`, `_` and `.` replaced, never hidden or empty.
pub fn feedback_file(student: &Student) -> String {
    let name: String = student
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = name.trim_start_matches('.');
    format!("{}.txt", if name.is_empty() { "student" } else { name })
}

/// The picture beside a feedback file: `Ada_Lovelace.timeline.svg` beside
/// `Ada_Lovelace.txt`.
pub fn timeline_file(feedback_file: &str) -> String {
    let stem = feedback_file.strip_suffix(".txt").unwrap_or(feedback_file);
    format!("{stem}.timeline.svg")
}

/// Writes each student's feedback into `folder`, and beside it the picture
/// of their run's timelines when the server saw the run. A picture left by
/// an earlier run of the class goes when this run has none (a build that
/// failed, say): no student reads an old run's picture as this one's.
pub fn write_feedback(
    folder: &Path,
    students: &[Student],
    outcomes: &[Outcome],
) -> anyhow::Result<()> {
    let write = |file: &str, contents: String| {
        let path = folder.join(file);
        std::fs::write(&path, contents)
            .with_context(|| format!("could not write {}", path.display()))
    };
    std::fs::create_dir_all(folder)
        .with_context(|| format!("could not make {}", folder.display()))?;
    let mut written = std::collections::BTreeSet::new();
    for (student, outcome) in students.iter().zip(outcomes) {
        // Two students of one name get two files.
        let mut file = feedback_file(student);
        while !written.insert(file.clone()) {
            file = format!("{}-{}", written.len(), file);
        }
        let picture = timeline_file(&file);
        let drawn = match outcome {
            Outcome::Graded(grade) => grade.timeline.as_ref(),
            _ => None,
        };
        if let Some(timelines) = drawn {
            write(&picture, timelines.svg())?;
        } else if let Err(err) = std::fs::remove_file(folder.join(&picture)) {
            if err.kind() != std::io::ErrorKind::NotFound {
                return Err(err).with_context(|| {
                    format!(
                        "could not remove {}, an earlier run's",
                        folder.join(&picture).display()
                    )
                });
            }
        }
        let picture = drawn.map(|_| picture.as_str());
        write(&file, feedback(student, outcome, picture))?;
    }
    Ok(())
}

/// What one student reads: the text report, or why there is none, and the
/// name of the picture beside it, if there is one.
fn feedback(student: &Student, outcome: &Outcome, picture: Option<&str>) -> String {
    match outcome {
        Outcome::Graded(grade) => crate::output::feedback(grade, picture),
        Outcome::NotGraded(why) => format!("{}: not graded, 0 points.\n\n{why}\n", student.name),
        Outcome::GraderError(why) => format!(
            "{}: not graded because of a grader error (not the submission's); it will be \
             graded again.\n\n{why}\n",
            student.name
        ),
    }
}

/// The summary an instructor reads at the end: a line per student, then
/// the class's figures.
pub fn summary(
    exercise: &Exercise,
    students: &[Student],
    outcomes: &[Outcome],
    wall: Duration,
    jobs: usize,
) -> String {
    let width = students
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!(
        "Graded {} submission{} of {} in {:.0} s ({jobs} at a time)\n\n  {:<width$}  result\n",
        students.len(),
        if students.len() == 1 { "" } else { "s" },
        exercise.name,
        wall.as_secs_f64(),
        "student",
    );
    for (student, outcome) in students.iter().zip(outcomes) {
        let _ = writeln!(out, "  {:<width$}  {}", student.name, short(outcome));
    }
    let max = exercise.max_score();
    let scores: Vec<u32> = outcomes.iter().filter_map(Outcome::score).collect();
    let full = scores.iter().filter(|&&s| s == max).count();
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let mean = if scores.is_empty() {
        0.0
    } else {
        f64::from(scores.iter().sum::<u32>()) / scores.len() as f64
    };
    let _ = writeln!(
        out,
        "\nFull marks: {full} of {}; mean {mean:.1}/{max}; did not compile: {}; not graded: {}; \
         grader errors: {}.",
        students.len(),
        count(|o| matches!(o, Outcome::Graded(g) if g.error.is_some())),
        count(|o| matches!(o, Outcome::NotGraded(_))),
        count(|o| matches!(o, Outcome::GraderError(_))),
    );
    out
}

/// Whether any grading was the grader's error (the command's exit status).
pub fn any_grader_error(outcomes: &[Outcome]) -> bool {
    outcomes
        .iter()
        .any(|o| matches!(o, Outcome::GraderError(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assignment_prefix_is_dropped_only_when_shared() {
        let names = ["flags2-ada", "flags2-bob", "flags2-bo"];
        assert_eq!(common_prefix(names.into_iter()), "flags2-");
        assert_eq!(common_prefix(["ada", "bob"].into_iter()), "");
        assert_eq!(common_prefix(["flags2-ada"].into_iter()), "");
        assert_eq!(common_prefix(["a-b-c", "a-b-d"].into_iter()), "a-b-");
    }

    #[test]
    fn gradescope_metadata_names_the_submission_folders() {
        let dir = tempfile::tempdir().unwrap();
        let yml = dir.path().join("submission_metadata.yml");
        std::fs::write(
            &yml,
            "---\nsubmission_101:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1'\n    \
             :email: ada@example.org\n  :created_at: 2026-01-01\nsubmission_102:\n  \
             :submitters:\n  - :name: 'Bob'\n  - :name: Carol\n",
        )
        .unwrap();
        let names = gradescope_submitters(&yml);
        assert_eq!(names["submission_101"], "Ada Lovelace");
        assert_eq!(names["submission_102"], "Bob & Carol");
        assert!(gradescope_submitters(&dir.path().join("none.yml")).is_empty());
    }

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        let row = csv_row(&[
            "a,b".into(),
            "say \"hi\"".into(),
            "=cmd()".into(),
            "-1".into(),
            "plain".into(),
        ]);
        assert_eq!(row, "\"a,b\",\"say \"\"hi\"\"\",'=cmd(),-1,plain\r\n");
    }

    #[test]
    fn an_earlier_runs_picture_goes_when_the_new_run_has_none() {
        let folder = tempfile::tempdir().unwrap();
        let folder = folder.path();
        let ada = [Student {
            name: "Ada Lovelace".into(),
            dir: PathBuf::new(),
        }];
        let e = crate::exercise("flags2-threadpool").unwrap();
        let mut graded = crate::not_built(&e, &crate::Options::default(), "");
        graded.error = None;
        graded.timeline = Some(crate::Timelines {
            actual: timeline::Timeline::default(),
            ideal: timeline::Timeline::default(),
            workers: 8,
            gate: Some(8),
        });
        let picture = folder.join("Ada_Lovelace.timeline.svg");
        write_feedback(folder, &ada, &[Outcome::Graded(Box::new(graded))]).unwrap();
        assert!(
            std::fs::read_to_string(&picture)
                .unwrap()
                .starts_with("<svg")
        );
        let text = std::fs::read_to_string(folder.join("Ada_Lovelace.txt")).unwrap();
        assert!(
            text.contains("to open in a browser: Ada_Lovelace.timeline.svg"),
            "{text}"
        );
        // The gate's long first bars are explained.
        assert!(text.contains("held its first answers until 8"), "{text}");
        // Graded again, not built this time: no picture, and none named.
        let not_graded = Outcome::NotGraded("holds no Rust crate".into());
        write_feedback(folder, &ada, &[not_graded]).unwrap();
        assert!(!picture.exists());
        let text = std::fs::read_to_string(folder.join("Ada_Lovelace.txt")).unwrap();
        assert!(!text.contains("timeline.svg"), "{text}");
        assert_eq!(timeline_file("2-ada.txt"), "2-ada.timeline.svg");
    }

    #[test]
    fn feedback_files_are_safe_names() {
        let student = |name: &str| Student {
            name: name.into(),
            dir: PathBuf::new(),
        };
        assert_eq!(feedback_file(&student("Ada Lovelace")), "Ada_Lovelace.txt");
        assert_eq!(feedback_file(&student("../x/y")), "_x_y.txt");
        assert_eq!(feedback_file(&student("...")), "student.txt");
    }
}
