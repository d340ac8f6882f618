//! The flags a server holds: generated ones, or a folder like the book's
//! `flags.zip`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use flags_common::Code;

use crate::countries::{COUNTRIES, Country};
use crate::flag_gif::flag_gif;

/// One flag: its GIF and its `metadata.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The image, `{cc}/{cc}.gif`.
    pub gif: Bytes,
    /// `{cc}/metadata.json`: `{"tld_cc": ".bd", "iso_cc": "BD", …}`.
    pub metadata: Bytes,
}

/// The flags a server can serve, by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagSet {
    flags: BTreeMap<Code, Flag>,
}

/// A flags folder that cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum FlagDirError {
    /// The folder could not be read.
    #[error("could not read the flags folder {}: {cause}", dir.display())]
    Read {
        /// The folder or file.
        dir: PathBuf,
        /// Why (part of the message, so not a `source()`).
        cause: std::io::Error,
    },
    /// A file of the folder leads out of it (a symbolic link): serving it
    /// would hand out whatever it points to.
    #[error(
        "refusing to serve {}: it leads to {}, outside the flags folder {}; copy the file into the folder instead of linking to it",
        file.display(), target.display(), dir.display()
    )]
    Outside {
        /// The file as named in the folder.
        file: PathBuf,
        /// Where it really is.
        target: PathBuf,
        /// The folder, resolved.
        dir: PathBuf,
    },
    /// The folder holds no flag.
    #[error(
        "no flags in {}: expected subfolders like bd/ holding bd.gif and metadata.json, as in the book's flags.zip",
        .0.display()
    )]
    Empty(PathBuf),
}

impl FlagSet {
    /// The 194 generated flags, made once per process and shared.
    /// They are drawn on every core: drawing takes most of a server's
    /// start-up.
    pub fn generated() -> Arc<FlagSet> {
        static GENERATED: OnceLock<Arc<FlagSet>> = OnceLock::new();
        let draw = |country: &Country| {
            let cc = Code::parse(country.iso_cc).expect("COUNTRIES holds valid codes");
            let flag = Flag {
                gif: Bytes::from(flag_gif(country.iso_cc)),
                metadata: metadata_json(country),
            };
            (cc, flag)
        };
        GENERATED
            .get_or_init(|| {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                let share = COUNTRIES.len().div_ceil(cores);
                let flags = std::thread::scope(|scope| {
                    let shares: Vec<_> = (COUNTRIES.chunks(share))
                        .map(|part| scope.spawn(move || part.iter().map(draw).collect::<Vec<_>>()))
                        .collect();
                    (shares.into_iter())
                        .flat_map(|part| part.join().expect("drawing a flag does not panic"))
                        .collect()
                });
                Arc::new(FlagSet { flags })
            })
            .clone()
    }

    /// Reads a folder laid out like the book's `flags.zip`: `bd/bd.gif` and
    /// `bd/metadata.json` for each code. Subfolders that are not two letters
    /// are skipped; a missing `metadata.json` is made from the country table.
    /// A file that leads out of the folder (a symbolic link to
    /// `../../secret.txt`) is refused, naming the file.
    pub fn from_dir(dir: &Path) -> Result<FlagSet, FlagDirError> {
        let read_err = |dir: &Path| {
            let dir = dir.to_owned();
            move |cause| FlagDirError::Read { dir, cause }
        };
        let root = dir.canonicalize().map_err(read_err(dir))?;
        let read = |file: &Path| {
            let target = file.canonicalize().map_err(read_err(file))?;
            if !target.starts_with(&root) {
                let (file, dir) = (file.to_owned(), root.clone());
                return Err(FlagDirError::Outside { file, target, dir });
            }
            std::fs::read(&target).map_err(read_err(file))
        };
        let mut flags = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(read_err(dir))? {
            let entry = entry.map_err(read_err(dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(cc) = Code::parse(&name) else { continue };
            let gif_path = entry.path().join(format!("{}.gif", cc.lower()));
            if !gif_path.is_file() {
                continue;
            }
            let gif = read(&gif_path)?;
            let meta_path = entry.path().join("metadata.json");
            let metadata = if meta_path.is_file() {
                Bytes::from(read(&meta_path)?)
            } else {
                let known = COUNTRIES.iter().find(|c| c.iso_cc == cc.as_str());
                known.map_or_else(|| unknown_metadata(cc), metadata_json)
            };
            let gif = Bytes::from(gif);
            flags.insert(cc, Flag { gif, metadata });
        }
        if flags.is_empty() {
            return Err(FlagDirError::Empty(dir.to_owned()));
        }
        Ok(FlagSet { flags })
    }

    /// The flag of a code, if the set holds one.
    pub fn get(&self, cc: Code) -> Option<&Flag> {
        self.flags.get(&cc)
    }

    /// Whether the set holds a flag for the code.
    pub fn contains(&self, cc: Code) -> bool {
        self.flags.contains_key(&cc)
    }

    /// The codes held, sorted.
    pub fn codes(&self) -> impl Iterator<Item = Code> + '_ {
        self.flags.keys().copied()
    }

    /// How many flags.
    pub fn len(&self) -> usize {
        self.flags.len()
    }

    /// Whether there are none (never, for a set that was built).
    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }
}

fn metadata_json(country: &Country) -> Bytes {
    let json = serde_json::json!({
        "tld_cc": country.tld_cc,
        "iso_cc": country.iso_cc,
        "country": country.country,
        "gec_cc": country.gec_cc,
    });
    Bytes::from(json.to_string())
}

fn unknown_metadata(cc: Code) -> Bytes {
    let json = serde_json::json!({
        "tld_cc": format!(".{}", cc.lower()),
        "iso_cc": cc.as_str(),
        "country": cc.as_str(),
        "gec_cc": "",
    });
    Bytes::from(json.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_set_holds_the_194_flags_with_metadata() {
        let set = FlagSet::generated();
        assert_eq!(
            set.codes().map(|cc| cc.to_string()).collect::<Vec<_>>(),
            flags_common::ALL_CC
        );
        let bd = set.get(Code::parse("BD").unwrap()).unwrap();
        let meta: serde_json::Value = serde_json::from_slice(&bd.metadata).unwrap();
        assert_eq!(
            meta,
            serde_json::json!({"tld_cc": ".bd", "iso_cc": "BD", "country": "Bangladesh", "gec_cc": "BG"})
        );
        let cd = set.get(Code::parse("CD").unwrap()).unwrap();
        let meta: serde_json::Value = serde_json::from_slice(&cd.metadata).unwrap();
        assert_eq!(meta["country"], "Congo (Kinshasa)");
    }

    #[test]
    fn a_folder_like_flags_zip_is_served_as_is() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("bd")).unwrap();
        std::fs::write(tmp.path().join("bd/bd.gif"), b"GIF89a-bd").unwrap();
        std::fs::create_dir_all(tmp.path().join("xx")).unwrap();
        std::fs::write(tmp.path().join("xx/xx.gif"), b"GIF89a-xx").unwrap();
        std::fs::write(tmp.path().join("xx/metadata.json"), b"{\"country\": \"X\"}").unwrap();
        std::fs::create_dir_all(tmp.path().join("notes")).unwrap();
        std::fs::create_dir_all(tmp.path().join("cn")).unwrap(); // no gif: skipped
        let set = FlagSet::from_dir(tmp.path()).unwrap();
        assert_eq!(set.len(), 2);
        let bd = set.get(Code::parse("BD").unwrap()).unwrap();
        assert_eq!(&bd.gif[..], b"GIF89a-bd");
        assert!(
            std::str::from_utf8(&bd.metadata)
                .unwrap()
                .contains("Bangladesh")
        );
        let xx = set.get(Code::parse("XX").unwrap()).unwrap();
        assert_eq!(&xx.metadata[..], b"{\"country\": \"X\"}");
    }

    #[cfg(unix)]
    #[test]
    fn links_that_leave_the_folder_are_refused_and_links_inside_it_served() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let flags = tmp.path().join("flags");
        std::fs::create_dir_all(flags.join("bd")).unwrap();
        std::fs::create_dir_all(flags.join("cn")).unwrap();
        std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
        std::fs::write(flags.join("bd/bd.gif"), b"GIF89a-bd").unwrap();
        std::fs::write(tmp.path().join("outside/secret.txt"), b"secret").unwrap();
        // Inside the folder: fine.
        symlink("../bd/bd.gif", flags.join("cn/cn.gif")).unwrap();
        let set = FlagSet::from_dir(&flags).unwrap();
        assert_eq!(
            &set.get(Code::parse("CN").unwrap()).unwrap().gif[..],
            b"GIF89a-bd"
        );
        // Out of it: refused, naming the file.
        std::fs::remove_file(flags.join("cn/cn.gif")).unwrap();
        symlink("../../outside/secret.txt", flags.join("cn/cn.gif")).unwrap();
        let err = FlagSet::from_dir(&flags).unwrap_err().to_string();
        assert!(err.contains("refusing to serve"), "{err}");
        assert!(err.contains("cn/cn.gif"), "{err}");
        assert!(err.contains("secret.txt"), "{err}");
        // A whole subfolder that leads out: refused too.
        std::fs::remove_dir_all(flags.join("cn")).unwrap();
        std::fs::create_dir_all(tmp.path().join("outside/ar")).unwrap();
        std::fs::write(tmp.path().join("outside/ar/ar.gif"), b"GIF89a-ar").unwrap();
        symlink("../outside/ar", flags.join("ar")).unwrap();
        let err = FlagSet::from_dir(&flags).unwrap_err().to_string();
        assert!(err.contains("ar/ar.gif"), "{err}");
    }

    #[test]
    fn a_missing_or_empty_folder_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = FlagSet::from_dir(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("flags.zip"), "{err}");
        let err = FlagSet::from_dir(&tmp.path().join("nope")).unwrap_err();
        assert!(err.to_string().contains("could not read"), "{err}");
    }
}
