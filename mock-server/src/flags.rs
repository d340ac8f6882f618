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
    /// The folder holds no flag.
    #[error(
        "no flags in {}: expected subfolders like bd/ holding bd.gif and metadata.json, as in the book's flags.zip",
        .0.display()
    )]
    Empty(PathBuf),
}

impl FlagSet {
    /// The 194 generated flags, made once per process and shared.
    pub fn generated() -> Arc<FlagSet> {
        static GENERATED: OnceLock<Arc<FlagSet>> = OnceLock::new();
        GENERATED
            .get_or_init(|| {
                let flags = COUNTRIES
                    .iter()
                    .map(|country| {
                        let cc = Code::parse(country.iso_cc).expect("COUNTRIES holds valid codes");
                        let flag = Flag {
                            gif: Bytes::from(flag_gif(country.iso_cc)),
                            metadata: metadata_json(country),
                        };
                        (cc, flag)
                    })
                    .collect();
                Arc::new(FlagSet { flags })
            })
            .clone()
    }

    /// Reads a folder laid out like the book's `flags.zip`: `bd/bd.gif` and
    /// `bd/metadata.json` for each code. Subfolders that are not two letters
    /// are skipped; a missing `metadata.json` is made from the country table.
    pub fn from_dir(dir: &Path) -> Result<FlagSet, FlagDirError> {
        let read_err = |dir: &Path| {
            let dir = dir.to_owned();
            move |cause| FlagDirError::Read { dir, cause }
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
            let gif = std::fs::read(&gif_path).map_err(read_err(&gif_path))?;
            let meta_path = entry.path().join("metadata.json");
            let metadata = if meta_path.is_file() {
                Bytes::from(std::fs::read(&meta_path).map_err(read_err(&meta_path))?)
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

    #[test]
    fn a_missing_or_empty_folder_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = FlagSet::from_dir(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("flags.zip"), "{err}");
        let err = FlagSet::from_dir(&tmp.path().join("nope")).unwrap_err();
        assert!(err.to_string().contains("could not read"), "{err}");
    }
}
