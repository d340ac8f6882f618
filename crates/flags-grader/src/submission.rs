//! A student's folder, graded: a starter crate they filled in (only its
//! `src/` counts), or a folder that a command runs in.
//!
//! A Rust submission is built in the exercise's *build folder*: a pristine
//! starter workspace, kept between gradings, with one cargo target shared
//! by every exercise, so that a regrade compiles only the student's crate
//! and tokio and the rest are built once for all the exercises. Each
//! grading locks the folder, rewrites any pristine file that differs from
//! what the grader would write (the course's `Cargo.toml`, `shared/` and
//! tests, never the student's), puts the student's `src/` in place of the
//! starter's, and builds; the build, and the copy of the program out of
//! the shared target, happen under the target's lock, since two exercises
//! may build programs of one name.
//!
//! ```text
//! ~/.cache/flags-grader/          --build-dir, or FLAGS_GRADER_BUILD_DIR
//!   target/  target.lock          shared: the dependencies build once
//!   flags2-threadpool/            one per exercise
//!     Cargo.toml shared/ tests/   pristine, rewritten when they differ
//!     src/                        the student's, replaced on each grading
//!     bin/                        its program, copied out of the target
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use tempfile::TempDir;

use crate::grade::{Grade, Options, grade, not_built};
use crate::manifest::{Exercise, Kind};
use crate::starter::{Files, copy_dir, starter_files};

/// Why a folder was not graded.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    /// It is not what the exercise takes (a script where a crate was
    /// expected, say): the student's, for 0 points, and why.
    #[error("{0}")]
    NotSubmission(String),
    /// The grader could not grade it (no toolchain, a dependency missing
    /// offline, a full disk): not the student's; nothing was graded.
    #[error("{0}")]
    Grader(String),
}

/// Grades one student's folder `dir`: with `command`, the command run in a
/// copy of the folder; without, the starter crate in it, built in the
/// exercise's build folder under `build_dir` (`None`: [`default_build_root`])
/// and run as the exercise says, or judged by the kit's tests. A build that
/// fails is graded: every check 0, with the compiler's messages.
pub fn grade_folder(
    exercise: &Exercise,
    dir: &Path,
    command: Option<&[String]>,
    mut options: Options,
    build_dir: Option<&Path>,
) -> Result<Grade, GradeError> {
    let not_submission = |why: String| Err(GradeError::NotSubmission(why));
    if !dir.is_dir() {
        return not_submission(format!(
            "{} is not a folder: give the folder of the student's submission",
            dir.display()
        ));
    }
    let root = build_dir.map_or_else(default_build_root, Path::to_path_buf);
    let grader = |err: anyhow::Error| GradeError::Grader(format!("{err:#}"));
    match (command, exercise.kind) {
        (Some(_), Kind::Tests) => not_submission(format!(
            "{} is judged by the kit's tests on a Rust crate: give the folder of the \
             student's starter, without a command",
            exercise.name
        )),
        (Some(command), Kind::Command) => {
            // A copy, so that the submission cannot change the original and
            // two gradings of one folder never meet.
            let copy = working_copy(dir).map_err(grader)?;
            options.workdir = Some(copy.path().to_owned());
            grade(exercise, command, options).map_err(|err| GradeError::Grader(err.to_string()))
        }
        (None, _) if !is_rust_crate(dir) => not_submission(format!(
            "{} holds no Rust crate (Cargo.toml and src/): {}",
            dir.display(),
            match exercise.kind {
                Kind::Command => "give the submission's command after --, or a starter crate",
                Kind::Tests => "give the starter that `grade --init` wrote, filled in",
            }
        )),
        (None, Kind::Tests) => crate::kit::grade(exercise, dir, options, &root),
        (None, Kind::Command) => match build(exercise, dir, Some(&root)).map_err(grader)? {
            Build::Built(built) => {
                let mut command = vec![built.binary().to_string_lossy().into_owned()];
                command.extend(exercise.scenario.args.iter().cloned());
                grade(exercise, &command, options)
                    .map_err(|err| GradeError::Grader(err.to_string()))
            }
            Build::Failed(log) => Ok(not_built(exercise, &options, &log)),
            Build::NoToolchain(why) => Err(GradeError::Grader(why)),
        },
    }
}

/// Where the build folders are kept: `FLAGS_GRADER_BUILD_DIR`, or
/// `$XDG_CACHE_HOME/flags-grader`, or `~/.cache/flags-grader`.
pub fn default_build_root() -> PathBuf {
    let set = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = set("FLAGS_GRADER_BUILD_DIR") {
        return dir;
    }
    set("XDG_CACHE_HOME")
        .filter(|dir| dir.is_absolute())
        .or_else(|| set("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("flags-grader")
}

/// A built submission: its binary, copied out of the build folder into a
/// folder of its own, held while it is graded.
#[derive(Debug)]
pub struct Built {
    binary: PathBuf,
    _dir: TempDir,
}

impl Built {
    /// The exercise's binary, built from the submission: it lives as long
    /// as this value.
    pub fn binary(&self) -> &Path {
        &self.binary
    }
}

/// How a build came out.
#[derive(Debug)]
pub enum Build {
    /// It compiled.
    Built(Built),
    /// It did not: the compiler's messages (the student's error).
    Failed(String),
    /// Cargo could not build, for a reason that is not the submission's
    /// (the grading machine's error): no toolchain, a dependency missing.
    NoToolchain(String),
}

/// Whether `dir` holds a Rust crate (a starter the student filled in).
pub fn is_rust_crate(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("src").is_dir()
}

/// Builds the exercise's binary from the starter crate in `dir`, in the
/// exercise's build folder under `build_dir` (`None`: the default).
pub fn build(exercise: &Exercise, dir: &Path, build_dir: Option<&Path>) -> anyhow::Result<Build> {
    if !dir.is_dir() {
        bail!(
            "{} is not a folder: give the folder of the student's submission",
            dir.display()
        );
    }
    if !is_rust_crate(dir) {
        bail!(
            "{} holds no Rust crate (Cargo.toml and src/): give the submission's command after --",
            dir.display()
        );
    }
    if exercise.kind == Kind::Tests {
        bail!(
            "{} is judged by the kit's tests, not by a program: grade it with grade_folder",
            exercise.name
        );
    }
    let root = build_dir.map_or_else(default_build_root, Path::to_path_buf);
    let folder = BuildFolder::open(exercise, &root)?;
    folder.put_src(dir)?;
    let bin = &exercise.solution.bin;
    let built = match folder.cargo(&["build", "--bin", bin], "bin", bin)? {
        Compiled::Executable(path) => path,
        Compiled::Failed(log) => return Ok(Build::Failed(log)),
        Compiled::NotBuilt(why) => return Ok(Build::NoToolchain(why)),
    };
    // Copied out while the folder is locked: the next grading replaces it.
    let out = tempfile::tempdir()?;
    let binary = out.path().join(bin);
    std::fs::copy(&built, &binary)
        .with_context(|| format!("could not copy the built {}", built.display()))?;
    Ok(Build::Built(Built { binary, _dir: out }))
}

/// One exercise's build folder, locked while this value lives: other
/// gradings of the exercise, in this process or another, wait.
pub struct BuildFolder {
    dir: PathBuf,
    krate: String,
    _lock: File,
}

/// What a cargo command in a build folder made.
#[derive(Debug)]
pub enum Compiled {
    /// The program or test binary, in the build folder's target.
    Executable(PathBuf),
    /// The student's crate did not compile: cargo's messages.
    Failed(String),
    /// Cargo failed for a reason that is not the student's.
    NotBuilt(String),
}

/// The lock file, inside the build folder.
const LOCK: &str = "grade.lock";

impl BuildFolder {
    /// Opens and locks the build folder of `exercise` under `root`, and
    /// makes its pristine part what the grader would write now.
    pub fn open(exercise: &Exercise, root: &Path) -> anyhow::Result<BuildFolder> {
        let dir = root.join(&exercise.name);
        std::fs::create_dir_all(&dir).with_context(|| {
            format!(
                "could not make the build folder {}: choose another with --build-dir",
                dir.display()
            )
        })?;
        let lock = lock(&dir.join(LOCK))?;
        let pristine = starter_files(exercise)?;
        sync(&dir, &pristine).with_context(|| format!("could not write {}", dir.display()))?;
        Ok(BuildFolder {
            dir,
            krate: exercise.solution.krate.clone(),
            _lock: lock,
        })
    }

    /// The folder: the starter workspace's root.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Puts the student's `src/` in place of the last one, every file newer
    /// than any build: cargo judges freshness by modification times.
    pub fn put_src(&self, student: &Path) -> anyhow::Result<()> {
        let src = self.dir.join("src");
        if src.exists() {
            std::fs::remove_dir_all(&src)
                .with_context(|| format!("could not clear {}", src.display()))?;
        }
        copy_dir(&student.join("src"), &src)
            .with_context(|| format!("could not copy {}", student.join("src").display()))?;
        touch_all(&src).with_context(|| format!("could not touch {}", src.display()))
    }

    /// Runs `cargo ARGS` here and finds the executable of the target
    /// `name` of `kind` (`bin`, `test`) that it made.
    pub fn cargo(&self, args: &[&str], kind: &str, name: &str) -> anyhow::Result<Compiled> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let root = self.dir.parent().unwrap_or(&self.dir);
        // Until the program is copied out: another exercise's build may
        // replace target/debug/<name>.
        let _target = lock(&root.join("target.lock"))?;
        let output = match Command::new(&cargo)
            .args(args)
            .args(["--quiet", "--message-format=json-render-diagnostics"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", root.join("target"))
            .output()
        {
            Ok(output) => output,
            Err(err) => {
                return Ok(Compiled::NotBuilt(format!(
                    "could not run {}: {err}: install Rust (https://rustup.rs) on the grading machine",
                    cargo.to_string_lossy()
                )));
            }
        };
        let log = String::from_utf8_lossy(&output.stderr)
            .replace(&*self.dir.to_string_lossy(), "submission");
        if !output.status.success() {
            // The student's crate, or a file of it, is at fault; anything
            // else (a dependency, the registry, the disk) is the machine's.
            let theirs = log.contains(&format!("could not compile `{}`", self.krate))
                || log.contains("can't find `");
            return Ok(if theirs {
                Compiled::Failed(log)
            } else {
                Compiled::NotBuilt(format!("cargo failed in the build folder:\n{log}"))
            });
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let executable = stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
            .filter(|m| {
                m["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k == kind))
            })
            .find_map(|m| m["executable"].as_str().map(PathBuf::from));
        let Some(executable) = executable else {
            return Ok(Compiled::NotBuilt(format!(
                "cargo built no {kind} target {name}"
            )));
        };
        // A test binary's name is hashed from its package's path, this
        // folder's own; a program's is not.
        if kind != "bin" {
            return Ok(Compiled::Executable(executable));
        }
        let copy = self.dir.join("bin").join(name);
        std::fs::create_dir_all(self.dir.join("bin"))?;
        std::fs::copy(&executable, &copy)
            .with_context(|| format!("could not copy the built {}", executable.display()))?;
        Ok(Compiled::Executable(copy))
    }
}

/// Makes `dir` hold `files` (but `src/`, the student's), rewriting a file
/// only when it differs, so that cargo rebuilds only what changed; removes
/// any other file but the target and the lock.
fn sync(dir: &Path, files: &Files) -> std::io::Result<()> {
    for (path, bytes) in files.iter().filter(|(path, _)| !path.starts_with("src")) {
        let path = dir.join(path);
        if std::fs::read(&path).ok().as_ref() != Some(bytes) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
        }
    }
    remove_others(dir, Path::new(""), files)
}

/// Removes what is under `dir/relative` but not in `files`.
fn remove_others(dir: &Path, relative: &Path, files: &Files) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if ["src", "bin", LOCK]
            .iter()
            .any(|keep| path == Path::new(keep))
        {
            continue;
        }
        if entry.file_type()?.is_dir() {
            if files.keys().any(|file| file.starts_with(&path)) {
                remove_others(dir, &path, files)?;
            } else {
                std::fs::remove_dir_all(entry.path())?;
            }
        } else if !files.contains_key(&path) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Sets the modification time of every file under `dir` to now.
fn touch_all(dir: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            touch_all(&entry.path())?;
        } else {
            std::fs::File::options()
                .write(true)
                .open(entry.path())?
                .set_modified(now)?;
        }
    }
    Ok(())
}

/// An exclusive lock on `path`, held until dropped (other processes wait).
fn lock(path: &Path) -> anyhow::Result<File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("could not open the build lock {}", path.display()))?;
    #[cfg(unix)]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .with_context(|| format!("could not lock {}", path.display()))?;
    Ok(file)
}

/// A copy of a submission's folder to run a command in: the submission
/// cannot change the original, and two gradings of it never meet.
pub fn working_copy(dir: &Path) -> anyhow::Result<TempDir> {
    if !dir.is_dir() {
        bail!(
            "{} is not a folder: give the folder of the student's submission",
            dir.display()
        );
    }
    let copy = tempfile::tempdir()?;
    let copied = std::fs::read_dir(dir).and_then(|entries| {
        for entry in entries {
            let entry = entry?;
            let to = copy.path().join(entry.file_name());
            // Build output and history are not the submission.
            if entry.file_name() == "target" || entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type()?.is_dir() {
                copy_dir(&entry.path(), &to)?;
            } else {
                std::fs::copy(entry.path(), to)?;
            }
        }
        Ok(())
    });
    copied.with_context(|| format!("could not copy {}", dir.display()))?;
    Ok(copy)
}
