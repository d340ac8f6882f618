//! Saving flags to disk, atomically, and the chapter-1 output helpers.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{Code, Stop};

/// Where the examples save flags unless `--dest` says otherwise.
pub const DEST_DIR: &str = "downloaded";

/// The temporary files of a save are `.flag-XXXXXX.part`: hidden, and
/// recognisable, so that a run can remove those a killed run left behind.
const TEMP_PREFIX: &str = ".flag-";
const TEMP_SUFFIX: &str = ".part";

/// What can go wrong when saving a flag. `Clone`, so that a future's error
/// can be handed to more than one reader.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SaveError {
    /// The file name would escape the folder or is not a plain name.
    #[error("refusing to save a flag as {0:?}: a file name must be a plain name, not a path")]
    BadName(String),
    /// The destination folder could not be created.
    #[error("could not create the folder {}: {}; {}", dir.display(), problem(cause), advice(cause))]
    CreateDir {
        /// The folder.
        dir: PathBuf,
        /// Why (part of the message, so not a `source()`).
        cause: Arc<io::Error>,
    },
    /// The file could not be written.
    #[error("could not write {}: {}; {}", path.display(), problem(cause), advice(cause))]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// Why (part of the message, so not a `source()`).
        cause: Arc<io::Error>,
    },
    /// The folder cannot take flags: found before any download (see
    /// [`prepare_dest`]).
    #[error("cannot save flags in {}: {}; {}", dir.display(), problem(cause), advice(cause))]
    Unwritable {
        /// The folder.
        dir: PathBuf,
        /// Why (part of the message, so not a `source()`).
        cause: Arc<io::Error>,
    },
}

impl SaveError {
    /// Whether every other flag would fail the same way: the folder cannot
    /// be made or written, the disk is full. A bad name, or a folder in the
    /// way of one file, is that flag's problem only.
    pub fn is_fatal(&self) -> bool {
        use io::ErrorKind::*;
        match self {
            SaveError::BadName(_) => false,
            SaveError::CreateDir { .. } | SaveError::Unwritable { .. } => true,
            SaveError::Write { cause, .. } => matches!(
                cause.kind(),
                PermissionDenied | ReadOnlyFilesystem | StorageFull | QuotaExceeded | NotADirectory
            ),
        }
    }
}

/// The error, in words: "a file is in the way" for the usual mistake. The
/// system's own words, without the temporary file's name that tempfile
/// adds to them (`… at path "/dest/.flag-x1.part"`): that file is gone.
fn problem(cause: &io::Error) -> String {
    let text = cause.to_string();
    let os_error = text.split(" at path \"").next().unwrap_or(&text);
    match cause.kind() {
        io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => {
            format!("a file is in the way, not a folder ({os_error})")
        }
        _ => os_error.to_string(),
    }
}

/// What to do about it.
fn advice(cause: &io::Error) -> &'static str {
    match cause.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            "choose a folder you can write to with --dest DIR"
        }
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "free some space, or choose a folder on another disk with --dest DIR"
        }
        io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => {
            "choose a folder with --dest DIR"
        }
        _ => "check the folder, or choose another with --dest DIR",
    }
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
/// an error or Ctrl-C never leaves a partial `.gif` behind (the temporary
/// file is removed on error). A process killed outright can leave the
/// temporary file: the next run removes it ([`prepare_dest`]). The folder
/// is created if missing; the flag's mode follows the umask, as any new
/// file's does. There is no `fsync`: this guards against crashes of the
/// process, not of the machine, which is the right trade for a course's
/// downloads.
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
    let mut tmp = temp_file_in(dest_dir).map_err(write_err)?;
    tmp.as_file_mut().write_all(img).map_err(write_err)?;
    tmp.persist(&path).map_err(|e| write_err(e.error))?;
    Ok(path)
}
// ANCHOR_END: save_flag

/// A new `.flag-XXXXXX.part` in `dir`, locked while it is ours, created
/// with mode 0666 less the umask (tempfile's own default is 0600, which the
/// rename would carry over to the flag).
fn temp_file_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir)?;
    lock_as_ours(tmp.as_file());
    Ok(tmp)
}

/// Marks a temporary file as in use for as long as it is open: a lock the
/// system drops when the process ends, however it ends.
fn lock_as_ours(file: &File) {
    #[cfg(unix)]
    {
        // Best effort: on a file system without locks, the file is simply
        // not told apart from a leftover (see `is_leftover`).
        let _ = rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive);
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// Whether `path`, one of our temporary files, was left by a process that
/// is gone: nobody holds its lock. (Elsewhere than Unix: older than an hour.)
fn is_leftover(path: &Path) -> bool {
    #[cfg(unix)]
    {
        let Ok(file) = File::open(path) else {
            return false;
        };
        rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > Duration::from_secs(3600)))
    }
}

/// Gets `dest_dir` ready before any request: creates it, removes the
/// temporary files a killed run left there, and writes and removes a small
/// file, so that a folder that cannot take flags (a file in the way, no
/// permission, a full disk) is an error now, not 194 errors later. Returns
/// how many leftovers it removed.
pub fn prepare_dest(dest_dir: &Path) -> Result<usize, SaveError> {
    let unwritable = |cause| SaveError::Unwritable {
        dir: dest_dir.to_owned(),
        cause: Arc::new(cause),
    };
    std::fs::create_dir_all(dest_dir).map_err(unwritable)?;
    let removed = remove_leftovers(dest_dir).map_err(unwritable)?;
    let mut probe = temp_file_in(dest_dir).map_err(unwritable)?;
    // A block's worth: on a full disk, the write is what fails.
    probe
        .as_file_mut()
        .write_all(&[0; 4096])
        .map_err(unwritable)?;
    probe.close().map_err(unwritable)?;
    Ok(removed)
}

/// Removes the `.flag-*.part` files in `dir` that no live process holds.
/// An entry that vanishes meanwhile (another run's save, renamed into its
/// flag) is no error.
fn remove_leftovers(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX);
        let path = entry.path();
        if ours
            && entry.file_type().is_ok_and(|t| t.is_file())
            && is_leftover(&path)
            && std::fs::remove_file(&path).is_ok()
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// A name with no separators, not `.` or `..`, not hidden, no control chars.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// Prints `text` and a space, with no newline, and flushes at once, so each
/// code shows the moment its flag lands (the book's `show`). A closed
/// stdout stops the run (see [`Stop::print`]).
pub fn show(stop: &Stop, text: &str) {
    stop.print(&format!("{text} "));
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
    stop: &Stop,
    cc_list: &[Code],
    download_many: impl FnOnce(&[Code]) -> Result<usize, E>,
) -> Result<usize, E> {
    let t0 = Instant::now();
    let count = download_many(cc_list)?;
    stop.print(&format!("{}\n", downloaded_in(count, t0.elapsed())));
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
    fn a_file_in_the_way_of_the_folder_is_found_before_any_download() {
        let tmp = tempfile::tempdir().unwrap();
        let not_a_dir = tmp.path().join("flags");
        std::fs::write(&not_a_dir, b"I am a file").unwrap();
        let err = prepare_dest(&not_a_dir).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("cannot save flags in "), "{msg}");
        assert!(
            msg.contains("flags: a file is in the way, not a folder"),
            "{msg}"
        );
        assert!(msg.ends_with("; choose a folder with --dest DIR"), "{msg}");
        assert!(err.is_fatal());
    }

    #[test]
    fn preparing_creates_the_folder_and_leaves_nothing_in_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("new/flags");
        assert_eq!(prepare_dest(&dest).unwrap(), 0);
        assert!(entries(&dest).is_empty(), "the probe is gone");
    }

    #[test]
    fn leftovers_of_a_killed_run_are_removed_and_live_saves_kept() {
        let tmp = tempfile::tempdir().unwrap();
        // What a process killed mid-save leaves: nobody holds its lock.
        std::fs::write(tmp.path().join(".flag-AbC123.part"), b"GIF8").unwrap();
        // A save in progress, in this very process: locked.
        let live = temp_file_in(tmp.path()).unwrap();
        // Not ours: kept whatever it is.
        std::fs::write(tmp.path().join(".other.part"), b"x").unwrap();
        std::fs::write(tmp.path().join("bd.gif"), b"GIF89a").unwrap();
        assert_eq!(prepare_dest(tmp.path()).unwrap(), 1);
        let live_name = live
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let mut expected = vec![".other.part".to_owned(), "bd.gif".to_owned(), live_name];
        expected.sort();
        assert_eq!(entries(tmp.path()), expected);
    }

    #[test]
    fn only_errors_every_flag_would_meet_are_fatal() {
        let write = |kind| SaveError::Write {
            path: "x.gif".into(),
            cause: Arc::new(io::Error::from(kind)),
        };
        assert!(write(io::ErrorKind::StorageFull).is_fatal());
        assert!(write(io::ErrorKind::PermissionDenied).is_fatal());
        assert!(!write(io::ErrorKind::DirectoryNotEmpty).is_fatal());
        assert!(!SaveError::BadName("../x".into()).is_fatal());
        let full = write(io::ErrorKind::StorageFull).to_string();
        assert!(full.contains("free some space"), "{full}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_saved_flag_follows_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        // The umask as the kernel reports it, without changing it (it is
        // the whole process's, and other tests run alongside).
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
            .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let path = save_flag(b"GIF89a", tmp.path(), "bd.gif").unwrap();
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask, "mode {mode:o}, umask {umask:o}");
    }

    #[test]
    fn the_closing_line_has_two_decimals() {
        assert_eq!(
            downloaded_in(20, Duration::from_millis(2043)),
            "\n20 flags downloaded in 2.04s"
        );
    }
}
