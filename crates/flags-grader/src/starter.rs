//! Starters for students, made from the tested solutions: the solution's
//! crate, with the exercise's `// ANCHOR:` region emptied to a `todo!()`
//! that carries the hint. A starter never drifts from the solution.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use toml::{Table, Value};

use crate::manifest::Exercise;

/// The workspace this grader was built in.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Writes the starter of `exercise` into `dir`: a crate of its own, whose
/// dependencies point into this workspace.
pub fn write_starter(exercise: &Exercise, dir: &Path) -> anyhow::Result<()> {
    let root = workspace_root();
    let crate_dir = root.join("crates").join(&exercise.solution.krate);
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} is a file, not a folder: choose a new folder for the starter",
            dir.display()
        );
    }
    let entries = std::fs::read_dir(dir).map(|mut entries| entries.next().is_some());
    if entries.is_ok_and(|not_empty| not_empty) {
        bail!(
            "{} is not empty: choose a new folder for the starter",
            dir.display()
        );
    }
    copy_dir(&crate_dir.join("src"), &dir.join("src"))
        .with_context(|| format!("could not write the starter into {}", dir.display()))?;
    let manifest = standalone_manifest(&root, &crate_dir)?;
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    // The workspace's lock file: the starter builds with the same versions.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    let source = dir
        .join("src")
        .join(exercise.solution.source.trim_start_matches("src/"));
    let text = std::fs::read_to_string(&source)?;
    let emptied = empty_region(&text, &exercise.solution.anchor, &exercise.solution.hint)
        .with_context(|| {
            format!(
                "no `// ANCHOR: {}` region in {}",
                exercise.solution.anchor,
                source.display()
            )
        })?;
    std::fs::write(&source, emptied)?;
    std::fs::write(
        dir.join("README.md"),
        format!(
            "# Starter: {name}\n\nPorts the book's `{ports}`. Fill in `{anchor}` in `{source}` \
             (look for `todo!()`), then check it:\n\n```sh\ncargo build\ngrade {name} -- \
             target/debug/{bin} {args}\n```\n",
            name = exercise.name,
            ports = exercise.ports,
            anchor = exercise.solution.anchor,
            source = exercise.solution.source,
            bin = exercise.solution.bin,
            args = exercise.scenario.args.join(" "),
        ),
    )?;
    Ok(())
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The crate's `Cargo.toml` without the workspace: inherited fields and
/// dependencies written out, workspace crates as absolute paths.
fn standalone_manifest(root: &Path, crate_dir: &Path) -> anyhow::Result<String> {
    let workspace: Table = toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml"))?)?;
    let mut manifest: Table =
        toml::from_str(&std::fs::read_to_string(crate_dir.join("Cargo.toml"))?)?;
    let shared_package = &workspace["workspace"]["package"];
    let shared_deps = workspace["workspace"]["dependencies"]
        .as_table()
        .context("workspace dependencies")?;
    if let Some(package) = manifest.get_mut("package").and_then(Value::as_table_mut) {
        for (key, value) in package.iter_mut() {
            if value.get("workspace").and_then(Value::as_bool) == Some(true) {
                *value = shared_package[key.as_str()].clone();
            }
        }
    }
    if let Some(deps) = manifest
        .get_mut("dependencies")
        .and_then(Value::as_table_mut)
    {
        for (name, spec) in deps.iter_mut() {
            if spec.get("workspace").and_then(Value::as_bool) != Some(true) {
                continue;
            }
            let mut resolved = match &shared_deps[name.as_str()] {
                Value::String(version) => {
                    Table::from_iter([("version".to_owned(), Value::String(version.clone()))])
                }
                Value::Table(table) => table.clone(),
                other => bail!("unexpected workspace dependency {name} = {other}"),
            };
            if let Some(path) = resolved.get("path").and_then(Value::as_str) {
                let absolute = root.join(path).to_string_lossy().into_owned();
                resolved.insert("path".into(), Value::String(absolute));
            }
            if let Some(extra) = spec.get("features").and_then(Value::as_array) {
                let features = resolved
                    .entry("features")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = features.as_array_mut() {
                    list.extend(extra.iter().cloned());
                }
            }
            *spec = Value::Table(resolved);
        }
    }
    // The tests stay with the solution; the lints are the workspace's.
    manifest.remove("dev-dependencies");
    manifest.remove("lints");
    manifest.insert("workspace".into(), Value::Table(Table::new()));
    Ok(format!(
        "# A starter made by `grade --init` from this workspace's solution.\n{}",
        toml::to_string(&manifest)?
    ))
}

/// Replaces the body of the function in `// ANCHOR: anchor` … `// ANCHOR_END:
/// anchor` with `todo!("hint")`, keeping its docs and signature.
pub fn empty_region(source: &str, anchor: &str, hint: &str) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == format!("// ANCHOR: {anchor}"))?;
    let end = lines
        .iter()
        .position(|l| l.trim() == format!("// ANCHOR_END: {anchor}"))?;
    let is_fn = |l: &&str| {
        let l = l.trim_start();
        ["pub fn ", "pub async fn ", "fn ", "async fn "]
            .iter()
            .any(|p| l.starts_with(p))
    };
    let sig = start + lines[start..end].iter().position(is_fn)?;
    let open = sig
        + lines[sig..end]
            .iter()
            .position(|l| l.trim_end().ends_with('{'))?;
    let mut out: Vec<String> = lines[..=open].iter().map(|l| l.to_string()).collect();
    out.push(format!("    todo!({hint:?})"));
    out.push("}".to_owned());
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    Some(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_keeps_docs_and_signature_and_loses_the_body() {
        let source = "use x;\n// ANCHOR: download_many\n/// Docs.\npub fn download_many(\n    a: u8,\n) -> u8 {\n    a + 1\n}\n// ANCHOR_END: download_many\nfn other() {}\n";
        let emptied = empty_region(source, "download_many", "add one").unwrap();
        assert_eq!(
            emptied,
            "use x;\n// ANCHOR: download_many\n/// Docs.\npub fn download_many(\n    a: u8,\n) -> u8 {\n    todo!(\"add one\")\n}\n// ANCHOR_END: download_many\nfn other() {}\n"
        );
        assert!(empty_region(source, "nope", "x").is_none());
    }

    #[test]
    fn every_exercise_has_its_region() {
        let root = workspace_root();
        for e in crate::manifest::exercises() {
            let path = root
                .join("crates")
                .join(&e.solution.krate)
                .join(&e.solution.source);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                empty_region(&text, &e.solution.anchor, &e.solution.hint).is_some(),
                "{}",
                e.name
            );
        }
    }
}
