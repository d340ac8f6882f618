//! Saving flags to disk, atomically, and the chapter-1 output helpers.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Code;

/// Where the examples save flags unless `--dest` says otherwise.
pub const DEST_DIR: &str = "downloaded";

/// What can go wrong when saving a flag. `Clone`, so that a future's error
/// can be handed to more than one reader.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SaveError {
    /// The file name would escape the folder or is not a plain name.
    #[error("refusing to save a flag as {0:?}: a file name must be a plain name, not a path")]
    BadName(String),
    /// The destination folder could not be created.
    #[error("could not create the folder {}: {cause}; choose another with --dest DIR", dir.display())]
    CreateDir {
        /// The folder.
        dir: PathBuf,
        /// Why (part of the message, so not a `source()`).
        cause: Arc<io::Error>,
    },
    /// The file could not be written.
    #[error("could not write {}: {cause}; check the folder is writable and the disk not full, or use --dest DIR", path.display())]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// Why (part of the message, so not a `source()`).
        cause: Arc<io::Error>,
    },
}

/// The book's file name for a flag: `bd.gif`.
pub fn flag_filename(cc: Code) -> String {
    format!("{}.gif", cc.lower())
}

// ANCHOR: save_flag
/// Saves `img` as `dest_dir/filename` (the book's `save_flag`), atomically.
///
/// The bytes go to a hidden temporary file in the same folder, which is then
/// renamed over the final name: a reader sees the whole flag or nothing, and
/// an error, a crash or Ctrl-C never leaves a partial `.gif` behind (the
/// temporary file is removed on error). The folder is created if missing.
/// There is no `fsync`: this guards against crashes of the process, not of
/// the machine, which is the right trade for a course's downloads.
pub fn save_flag(img: &[u8], dest_dir: &Path, filename: &str) -> Result<PathBuf, SaveError> {
    if !is_plain_file_name(filename) {
        return Err(SaveError::BadName(filename.to_owned()));
    }
    std::fs::create_dir_all(dest_dir).map_err(|cause| SaveError::CreateDir {
        dir: dest_dir.to_owned(),
        cause: Arc::new(cause),
    })?;
    let path = dest_dir.join(filename);
    let write_err = |cause| SaveError::Write {
        path: path.clone(),
        cause: Arc::new(cause),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".flag-")
        .suffix(".part")
        .tempfile_in(dest_dir)
        .map_err(write_err)?;
    tmp.write_all(img).map_err(write_err)?;
    tmp.persist(&path).map_err(|e| write_err(e.error))?;
    Ok(path)
}
// ANCHOR_END: save_flag

/// A name with no separators, not `.` or `..`, not hidden, no control chars.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// Prints `text` and a space, with no newline, and flushes at once, so each
/// code shows the moment its flag lands (the book's `show`).
pub fn show(text: &str) {
    let mut out = io::stdout().lock();
    // A closed stdout (`| head`) must not stop the downloads.
    let _ = write!(out, "{text} ").and_then(|()| out.flush());
}

/// The book's closing line: `\n20 flags downloaded in 2.04s`.
pub fn downloaded_in(count: usize, elapsed: Duration) -> String {
    format!(
        "\n{count} flags downloaded in {:.2}s",
        elapsed.as_secs_f64()
    )
}

/// The book's `main(download_many)`: times one call of `download_many` over
/// `cc_list` and prints the closing line. An error is handed back unprinted.
pub fn main<E>(
    cc_list: &[Code],
    download_many: impl FnOnce(&[Code]) -> Result<usize, E>,
) -> Result<usize, E> {
    let t0 = Instant::now();
    let count = download_many(cc_list)?;
    println!("{}", downloaded_in(count, t0.elapsed()));
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn saves_the_bytes_and_creates_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("a/b");
        let path = save_flag(b"GIF89a...", &dest, "bd.gif").unwrap();
        assert_eq!(path, dest.join("bd.gif"));
        assert_eq!(std::fs::read(&path).unwrap(), b"GIF89a...");
        assert_eq!(entries(&dest), ["bd.gif"]);
    }

    #[test]
    fn replaces_an_existing_flag_whole() {
        let tmp = tempfile::tempdir().unwrap();
        save_flag(&[1; 5000], tmp.path(), "bd.gif").unwrap();
        save_flag(&[2; 10], tmp.path(), "bd.gif").unwrap();
        assert_eq!(std::fs::read(tmp.path().join("bd.gif")).unwrap(), [2; 10]);
        assert_eq!(entries(tmp.path()), ["bd.gif"]);
    }

    #[test]
    fn refuses_names_that_are_paths() {
        let tmp = tempfile::tempdir().unwrap();
        for bad in [
            "", ".", "..", "../x.gif", "a/b.gif", "a\\b.gif", ".hidden", "a\nb",
        ] {
            let err = save_flag(b"x", tmp.path(), bad).unwrap_err();
            assert!(matches!(err, SaveError::BadName(_)), "{bad:?}: {err}");
        }
        assert!(entries(tmp.path()).is_empty());
    }

    #[test]
    fn a_failed_save_leaves_no_partial_or_temporary_file() {
        // The bytes are written to the temporary file, then the rename fails
        // because a non-empty folder holds the final name: the temporary file
        // must go, and nothing may be left under a flag's name.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("bd.gif/in-the-way")).unwrap();
        let err = save_flag(&[7; 20_000], tmp.path(), "bd.gif").unwrap_err();
        assert!(matches!(err, SaveError::Write { .. }), "{err}");
        assert!(err.to_string().contains("bd.gif"), "{err}");
        assert_eq!(entries(tmp.path()), ["bd.gif"]);
        assert!(tmp.path().join("bd.gif").is_dir());
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let not_a_dir = tmp.path().join("flags");
        std::fs::write(&not_a_dir, b"I am a file").unwrap();
        let err = save_flag(b"GIF89a", &not_a_dir, "bd.gif").unwrap_err();
        assert!(matches!(err, SaveError::CreateDir { .. }), "{err}");
        assert!(err.to_string().contains("--dest DIR"), "{err}");
        assert_eq!(entries(tmp.path()), ["flags"]);
    }

    #[test]
    fn the_closing_line_has_two_decimals() {
        assert_eq!(
            downloaded_in(20, Duration::from_millis(2043)),
            "\n20 flags downloaded in 2.04s"
        );
    }
}
