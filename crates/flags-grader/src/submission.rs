//! A student's Rust submission: the `src/` of a starter crate, built inside
//! a freshly written starter so that its `Cargo.toml` (dependencies and
//! their versions) is always the course's own.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use tempfile::TempDir;

use crate::manifest::Exercise;
use crate::starter::{copy_dir, write_starter};

/// A built submission: its binary, copied out of cargo's target folder
/// into a folder of its own, held while it is graded.
#[derive(Debug)]
pub struct Built {
    binary: PathBuf,
    _crate_dir: TempDir,
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
    /// Cargo could not be run at all (the grading machine's error).
    NoToolchain(String),
}

/// Whether `dir` holds a Rust crate (a starter the student filled in).
pub fn is_rust_crate(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("src").is_dir()
}

/// Builds the submission in `dir`: a fresh starter of `exercise` with the
/// submission's `src/` in place of its own. `target_dir` is cargo's target
/// folder (`None`: `CARGO_TARGET_DIR`, or one beside the build), so that a
/// grading machine builds the dependencies once.
pub fn build(exercise: &Exercise, dir: &Path, target_dir: Option<&Path>) -> anyhow::Result<Build> {
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
    let crate_dir = tempfile::tempdir()?;
    write_starter(exercise, crate_dir.path())?;
    std::fs::remove_dir_all(crate_dir.path().join("src"))?;
    copy_dir(&dir.join("src"), &crate_dir.path().join("src"))
        .with_context(|| format!("could not copy {}", dir.join("src").display()))?;
    let target = match target_dir {
        Some(dir) => dir.to_path_buf(),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| crate_dir.path().join("target"), PathBuf::from),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    std::fs::create_dir_all(&target)
        .with_context(|| format!("could not make cargo's target folder {}", target.display()))?;
    // Gradings that share a target folder build one at a time, and each
    // copies its binary out before the next build can replace it.
    let _lock = lock(&target.join(".grade-build.lock"))?;
    // Every starter is a package of the same name at the root of its own
    // workspace, so cargo keeps one fingerprint for all of them and judges
    // freshness by modification times: sources written before another
    // student's build would be taken for built. Newer than any build now.
    touch_all(&crate_dir.path().join("src"))
        .with_context(|| format!("could not touch {}", crate_dir.path().display()))?;
    let output = match Command::new(&cargo)
        .args(["build", "--quiet", "--bin", &exercise.solution.bin])
        .current_dir(crate_dir.path())
        .env("CARGO_TARGET_DIR", &target)
        .output()
    {
        Ok(output) => output,
        Err(err) => {
            return Ok(Build::NoToolchain(format!(
                "could not run {}: {err}: install Rust (https://rustup.rs) on the grading machine",
                cargo.to_string_lossy()
            )));
        }
    };
    if !output.status.success() {
        let log = String::from_utf8_lossy(&output.stderr)
            .replace(&*crate_dir.path().to_string_lossy(), "submission");
        return Ok(Build::Failed(log));
    }
    let built = target.join("debug").join(&exercise.solution.bin);
    let binary = crate_dir.path().join(&exercise.solution.bin);
    std::fs::copy(&built, &binary)
        .with_context(|| format!("could not copy the built {}", built.display()))?;
    Ok(Build::Built(Built {
        binary,
        _crate_dir: crate_dir,
    }))
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
fn lock(path: &Path) -> anyhow::Result<std::fs::File> {
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
