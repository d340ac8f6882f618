//! Checks of what a client left on disk, for tests and graders.

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use flags_common::{Code, flag_filename};

use crate::Plan;

/// The files a correct client saves for `codes`: `{cc}.gif` with the exact
/// bytes the plan serves, for every code that has a flag.
pub fn expected_files(plan: &Plan, codes: &[Code]) -> BTreeMap<String, Bytes> {
    codes
        .iter()
        .filter_map(|&cc| Some((flag_filename(cc), plan.flag_set().get(cc)?.gif.clone())))
        .collect()
}

/// Everything wrong with `dir` compared with `expected` (file name → bytes):
/// missing files, files whose bytes differ, and anything else in the folder
/// (a partial or temporary file, a stray download). Empty means right.
/// Names compare without regard to case: the book saves `BD.gif` in one
/// edition and `bd.gif` in the other.
pub fn folder_problems(dir: &Path, expected: &BTreeMap<String, Bytes>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut found = BTreeMap::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if found.insert(name.to_lowercase(), entry.path()).is_some() {
                    problems.push(format!("{name} saved twice, in different cases"));
                }
            }
        }
        Err(err) if expected.is_empty() && err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => problems.push(format!("cannot read {}: {err}", dir.display())),
    }
    for (name, bytes) in expected {
        match found.get(&name.to_lowercase()).map(std::fs::read) {
            None => problems.push(format!("missing {name}")),
            Some(Ok(saved)) if saved == bytes[..] => {}
            Some(Ok(saved)) => problems.push(format!(
                "{name} differs from what the server sent ({} bytes saved, {} served): \
                 a partial or altered file",
                saved.len(),
                bytes.len()
            )),
            Some(Err(err)) => problems.push(format!("cannot read {name}: {err}")),
        }
    }
    let expected_names: Vec<String> = expected.keys().map(|n| n.to_lowercase()).collect();
    for name in found.keys().filter(|name| !expected_names.contains(name)) {
        problems.push(format!(
            "unexpected file {name}: a partial or temporary file, or a flag the server did not send"
        ));
    }
    problems
}

/// A client program that could not start or did not exit 0, and what it
/// said on stderr. `Debug` prints the stderr as it is, so that a test's
/// `unwrap()` shows the client's own message, line breaks and all.
pub struct ClientFailed {
    /// How it ended: "could not start: …" or "exit status: 2".
    pub why: String,
    /// Its standard error.
    pub stderr: String,
}

impl std::fmt::Debug for ClientFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the client {}:\n{}", self.why, self.stderr)
    }
}

/// Runs a client program to the end and returns its standard output, or
/// how it failed: what every test that runs a flags binary needs first.
pub fn run_client(command: &mut std::process::Command) -> Result<String, ClientFailed> {
    let out = command.output().map_err(|err| ClientFailed {
        why: format!("could not start: {err}"),
        stderr: String::new(),
    })?;
    if !out.status.success() {
        return Err(ClientFailed {
            why: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;

    #[test]
    fn reports_missing_different_and_stray_files() {
        let plan = Plan::preset(Preset::Local);
        let codes: Vec<Code> = ["BD", "CN", "ZZ"].map(|c| Code::parse(c).unwrap()).to_vec();
        let expected = expected_files(&plan, &codes);
        assert_eq!(
            expected.keys().collect::<Vec<_>>(),
            ["bd.gif", "cn.gif"],
            "ZZ has no flag"
        );
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(folder_problems(tmp.path(), &expected).len(), 2);
        std::fs::write(tmp.path().join("bd.gif"), &expected["bd.gif"]).unwrap();
        std::fs::write(tmp.path().join("cn.gif"), b"GIF89a").unwrap();
        std::fs::write(tmp.path().join(".flag-x.part"), b"GIF").unwrap();
        let problems = folder_problems(tmp.path(), &expected);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("cn.gif differs"), "{problems:?}");
        assert!(
            problems[1].starts_with("unexpected file .flag-x.part: "),
            "{problems:?}"
        );
        std::fs::write(tmp.path().join("cn.gif"), &expected["cn.gif"]).unwrap();
        std::fs::remove_file(tmp.path().join(".flag-x.part")).unwrap();
        assert!(folder_problems(tmp.path(), &expected).is_empty());
    }
}
