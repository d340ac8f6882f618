//! Starters for students, made from the tested solutions, so that a starter
//! never drifts from its solution.
//!
//! A starter is a small workspace that builds on its own, offline, far from
//! this one:
//!
//! ```text
//! my-flags2/
//!   Cargo.toml  src/        the exercise's crate: what the student edits
//!   tests/                  the kit's tests, for an exercise they judge
//!   shared/flags-common/    the course's crates it builds on: Cargo.toml and src/
//!   shared/mock-server/ …
//!   Cargo.lock  README.md   the course's versions; what to do
//! ```
//!
//! In every crate it holds, each region that is some exercise's solution
//! (its manifest's `// ANCHOR:` regions) is emptied to a `todo!()` with the
//! hint, keeping the docs and the signature. Only the exercises the
//! solution calls at run time (`builds_on`) come whole: the Executor, as
//! Python's standard library gives `concurrent.futures`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use toml::{Table, Value};

use crate::manifest::{Exercise, Kind, Region, exercises};

/// A starter's files: path inside the starter → contents.
pub type Files = BTreeMap<PathBuf, Vec<u8>>;

/// Where a starter keeps the course's crates it builds on.
pub const SHARED: &str = "shared";

/// The workspace this grader was built in.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Writes the starter of `exercise` into `dir`, a new or empty folder.
pub fn write_starter(exercise: &Exercise, dir: &Path) -> anyhow::Result<()> {
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
    write_files(dir, &starter_files(exercise)?)
        .with_context(|| format!("could not write the starter into {}", dir.display()))
}

/// Writes `files` under `dir`, making folders as needed.
pub fn write_files(dir: &Path, files: &Files) -> std::io::Result<()> {
    for (path, bytes) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// The files of the starter of `exercise`, made from this workspace.
pub fn starter_files(exercise: &Exercise) -> anyhow::Result<Files> {
    let workspace = Workspace::read()?;
    let root_crate = &exercise.solution.krate;
    let tests = exercise
        .tests
        .as_ref()
        .filter(|_| exercise.kind == Kind::Tests);
    let shared = workspace.needed(root_crate, tests.is_some())?;
    let emptied = emptied_regions(exercise)?;

    let mut files = Files::new();
    let mut add_crate = |name: &str, to: &Path, is_root: bool| -> anyhow::Result<()> {
        let from = workspace.dir(name)?;
        let paths = if is_root { "shared/" } else { "../" };
        let manifest = workspace.standalone_manifest(name, paths, is_root && tests.is_some())?;
        files.insert(to.join("Cargo.toml"), manifest.into_bytes());
        for file in files_under(&from.join("src"))? {
            let relative = file.strip_prefix(from).expect("under the crate");
            let mut bytes = std::fs::read(&file)?;
            let key = (name.to_owned(), relative.to_string_lossy().into_owned());
            for region in emptied.get(&key).into_iter().flatten() {
                let text = String::from_utf8(bytes)?;
                bytes = empty_region(&text, &region.anchor, &region.hint)
                    .with_context(|| {
                        format!(
                            "no `// ANCHOR: {}` region with a function in {}",
                            region.anchor,
                            file.display()
                        )
                    })?
                    .into_bytes();
            }
            files.insert(to.join(relative), bytes);
        }
        // A build script builds the crate too; tests and benches do not.
        if from.join("build.rs").is_file() {
            files.insert(to.join("build.rs"), std::fs::read(from.join("build.rs"))?);
        }
        Ok(())
    };
    add_crate(root_crate, Path::new(""), true)?;
    for name in &shared {
        add_crate(name, &Path::new(SHARED).join(name), false)?;
    }
    if let Some(tests) = tests {
        let from = workspace.dir(root_crate)?.join(&tests.file);
        files.insert(
            PathBuf::from(&tests.file),
            std::fs::read(&from).with_context(|| format!("the kit's tests {}", from.display()))?,
        );
    }
    // The workspace's lock file: the starter builds with the same versions.
    files.insert(
        "Cargo.lock".into(),
        std::fs::read(workspace.root.join("Cargo.lock"))?,
    );
    files.insert(".gitignore".into(), b"/target\n".to_vec());
    let with_todos: BTreeSet<&String> = emptied.keys().map(|(krate, _)| krate).collect();
    let shared_todos = shared.iter().any(|name| with_todos.contains(name));
    files.insert(
        "README.md".into(),
        readme(exercise, &shared, shared_todos)?.into_bytes(),
    );
    Ok(files)
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            found.extend(files_under(&entry.path())?);
        } else {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// The regions a starter of `exercise` empties, by crate and file: every
/// exercise's solution, its own always, but not those of the exercises its
/// solution builds on (nor theirs in turn).
pub fn emptied_regions(
    exercise: &Exercise,
) -> anyhow::Result<BTreeMap<(String, String), Vec<Region>>> {
    let all = exercises();
    let mut kept = BTreeSet::new();
    let mut next: Vec<&String> = exercise.builds_on.iter().collect();
    while let Some(name) = next.pop() {
        let Some(e) = all.iter().find(|e| &e.name == name) else {
            bail!("{}: builds_on names no exercise {name:?}", exercise.name);
        };
        if kept.insert(name.clone()) {
            next.extend(&e.builds_on);
        }
    }
    let mut regions: BTreeMap<(String, String), Vec<Region>> = BTreeMap::new();
    // Its own first, so that its hints win where two exercises share a region.
    let own = std::iter::once(exercise);
    for e in own.chain(
        all.iter()
            .filter(|e| e.name != exercise.name && !kept.contains(&e.name)),
    ) {
        let key = (e.solution.krate.clone(), e.solution.source.clone());
        let file = regions.entry(key).or_default();
        for region in e.solution.regions().map_err(anyhow::Error::msg)? {
            if !file.iter().any(|r| r.anchor == region.anchor) {
                file.push(region);
            }
        }
    }
    Ok(regions)
}

/// This workspace's manifest and its crates.
struct Workspace {
    root: PathBuf,
    manifest: Table,
    /// Each member crate's name → its folder.
    crates: BTreeMap<String, PathBuf>,
}

impl Workspace {
    fn read() -> anyhow::Result<Workspace> {
        let root = workspace_root();
        let manifest = read_toml(&root.join("Cargo.toml"))?;
        let mut crates = BTreeMap::new();
        let members = manifest["workspace"]["members"]
            .as_array()
            .context("the workspace lists its members")?;
        for member in members.iter().filter_map(Value::as_str) {
            let dir = root.join(member);
            let package = read_toml(&dir.join("Cargo.toml"))?;
            if let Some(name) = package
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
            {
                crates.insert(name.to_owned(), dir);
            }
        }
        Ok(Workspace {
            root,
            manifest,
            crates,
        })
    }

    fn dir(&self, name: &str) -> anyhow::Result<&PathBuf> {
        self.crates
            .get(name)
            .with_context(|| format!("no crate {name} in the workspace"))
    }

    /// The workspace crates that `name` needs, transitively, but itself;
    /// with its dev-dependencies when the starter runs its tests.
    fn needed(&self, name: &str, with_dev: bool) -> anyhow::Result<BTreeSet<String>> {
        let mut needed = BTreeSet::new();
        let mut next = vec![(name.to_owned(), with_dev)];
        while let Some((krate, dev)) = next.pop() {
            let manifest = read_toml(&self.dir(&krate)?.join("Cargo.toml"))?;
            for table in dependency_tables(&manifest, dev) {
                for dep in table.keys() {
                    if dep != name && self.crates.contains_key(dep) && needed.insert(dep.clone()) {
                        next.push((dep.clone(), false));
                    }
                }
            }
        }
        Ok(needed)
    }

    /// The crate's `Cargo.toml` on its own: the workspace's inherited fields,
    /// dependencies and lints written out, the course's crates as relative
    /// paths (`paths` + name), and no tests or benches (but the root's
    /// dev-dependencies, when `with_dev`: the kit's tests need them).
    fn standalone_manifest(
        &self,
        name: &str,
        paths: &str,
        with_dev: bool,
    ) -> anyhow::Result<String> {
        let mut manifest = read_toml(&self.dir(name)?.join("Cargo.toml"))?;
        let workspace = &self.manifest["workspace"];
        let shared_deps = workspace["dependencies"]
            .as_table()
            .context("workspace dependencies")?;
        if let Some(package) = manifest.get_mut("package").and_then(Value::as_table_mut) {
            for (key, value) in package.iter_mut() {
                if inherits(value) {
                    *value = workspace["package"][key.as_str()].clone();
                }
            }
        }
        if manifest.get("lints").is_some_and(inherits) {
            manifest.insert("lints".into(), workspace["lints"].clone());
        }
        for key in ["test", "bench", "example"] {
            manifest.remove(key);
        }
        if !with_dev {
            manifest.remove("dev-dependencies");
            if let Some(targets) = manifest.get_mut("target").and_then(Value::as_table_mut) {
                for (_, target) in targets.iter_mut() {
                    if let Some(target) = target.as_table_mut() {
                        target.remove("dev-dependencies");
                    }
                }
            }
        }
        for table in dependency_tables_mut(&mut manifest) {
            for (dep, spec) in table.iter_mut() {
                let base = if inherits(spec) {
                    &shared_deps[dep.as_str()]
                } else {
                    &*spec
                };
                let mut resolved = match base {
                    Value::String(version) => {
                        Table::from_iter([("version".to_owned(), Value::String(version.clone()))])
                    }
                    Value::Table(table) => table.clone(),
                    other => bail!("unexpected dependency {dep} = {other}"),
                };
                // An inheriting member's own keys: more features, `optional`.
                if inherits(spec) {
                    for (key, value) in spec.as_table().into_iter().flatten() {
                        match (key.as_str(), resolved.get_mut(key)) {
                            ("workspace", _) => {}
                            ("features", Some(Value::Array(features))) => {
                                features.extend(value.as_array().into_iter().flatten().cloned());
                            }
                            _ => {
                                resolved.insert(key.clone(), value.clone());
                            }
                        }
                    }
                }
                resolved.remove("workspace");
                if resolved.contains_key("path") {
                    resolved.insert("path".into(), Value::String(format!("{paths}{dep}")));
                }
                // `bytes = "1.10"` where a version is all there is.
                *spec = match resolved.get("version") {
                    Some(version) if resolved.len() == 1 => version.clone(),
                    _ => Value::Table(resolved),
                };
            }
        }
        let mut text = String::from("# Written by `grade --init` from the course's workspace.\n");
        if paths == "shared/" {
            // The starter's root is its workspace: the shared crates are
            // members as its path dependencies; the course's profiles apply.
            manifest.insert("workspace".into(), Value::Table(Table::new()));
            if let Some(profiles) = self.manifest.get("profile") {
                manifest.insert("profile".into(), self.profiles(profiles, name)?);
            }
        }
        text.push_str(&toml::to_string(&manifest)?);
        Ok(text)
    }

    /// The workspace's profiles, with the per-package settings of packages
    /// the starter has (a setting for one it lacks makes cargo warn).
    fn profiles(&self, profiles: &Value, root: &str) -> anyhow::Result<Value> {
        let lock = read_toml(&self.root.join("Cargo.lock"))?;
        let reachable = lock_closure(&lock, root);
        let mut profiles = profiles.clone();
        for (_, profile) in profiles.as_table_mut().into_iter().flatten() {
            let Some(profile) = profile.as_table_mut() else {
                continue;
            };
            if let Some(packages) = profile.get_mut("package").and_then(Value::as_table_mut) {
                packages.retain(|package, _| reachable.contains(package));
                if packages.is_empty() {
                    profile.remove("package");
                }
            }
        }
        if let Some(profiles) = profiles.as_table_mut() {
            profiles.retain(|_, profile| profile.as_table().is_none_or(|t| !t.is_empty()));
        }
        Ok(profiles)
    }
}

/// The packages that `root` may depend on, by the workspace's lock file
/// (its dependencies, theirs, and so on; more than a build may enable).
fn lock_closure(lock: &Table, root: &str) -> BTreeSet<String> {
    let packages: Vec<&Value> = lock
        .get("package")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let mut reached = BTreeSet::from([root.to_owned()]);
    let mut next = vec![root.to_owned()];
    while let Some(name) = next.pop() {
        let deps = packages
            .iter()
            .filter(|p| p.get("name").and_then(Value::as_str) == Some(&name))
            .filter_map(|p| p.get("dependencies").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str);
        for dep in deps {
            // "name" or "name version" (when two versions are locked).
            let dep = dep.split(' ').next().unwrap_or(dep);
            if reached.insert(dep.to_owned()) {
                next.push(dep.to_owned());
            }
        }
    }
    reached
}

/// `x.workspace = true`.
fn inherits(value: &Value) -> bool {
    value.get("workspace").and_then(Value::as_bool) == Some(true)
}

fn read_toml(path: &Path) -> anyhow::Result<Table> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))
}

/// The dependency tables a build reads: `[dependencies]`,
/// `[build-dependencies]` and their `[target.'cfg(…)'.…]` forms (with
/// `dev`, the dev-dependencies too).
fn dependency_tables(manifest: &Table, dev: bool) -> Vec<&Table> {
    let kinds: &[&str] = if dev {
        &["dependencies", "build-dependencies", "dev-dependencies"]
    } else {
        &["dependencies", "build-dependencies"]
    };
    let targets = manifest
        .get("target")
        .and_then(Value::as_table)
        .into_iter()
        .flat_map(|t| t.values());
    std::iter::once(manifest)
        .chain(targets.filter_map(Value::as_table))
        .flat_map(|t| kinds.iter().filter_map(|k| t.get(*k)?.as_table()))
        .collect()
}

/// Every dependency table of the manifest, to rewrite.
fn dependency_tables_mut(manifest: &mut Table) -> Vec<&mut Table> {
    const KINDS: [&str; 3] = ["dependencies", "build-dependencies", "dev-dependencies"];
    let mut tables = Vec::new();
    let mut targets = None;
    for (key, value) in manifest.iter_mut() {
        if key == "target" {
            targets = value.as_table_mut();
        } else if KINDS.contains(&key.as_str()) {
            tables.extend(value.as_table_mut());
        }
    }
    for (_, target) in targets.into_iter().flatten() {
        for (key, value) in target.as_table_mut().into_iter().flatten() {
            if KINDS.contains(&key.as_str()) {
                tables.extend(value.as_table_mut());
            }
        }
    }
    tables
}

/// The starter's README: what to fill in, how to run, test and grade it.
fn readme(
    exercise: &Exercise,
    shared: &BTreeSet<String>,
    shared_todos: bool,
) -> anyhow::Result<String> {
    let name = &exercise.name;
    let source = &exercise.solution.source;
    let mut text = format!(
        "# Starter: {name}\n\nThe exercise `{name}` (`{ports}`: {strategy}), written by \
         `grade --init` from the course's tested solution.\n\n## What to fill in\n\nIn \
         `{source}`, the body of each function below (each is a `todo!()` that says what to \
         do):\n\n",
        ports = exercise.ports,
        strategy = exercise.strategy,
    );
    for region in exercise.solution.regions().map_err(anyhow::Error::msg)? {
        text.push_str(&format!("- `{}`: {}\n", region.anchor, region.hint));
    }
    let course = match (shared.is_empty(), exercise.kind) {
        (true, Kind::Command) => "`Cargo.toml`",
        (true, Kind::Tests) => "`Cargo.toml` and tests",
        (false, Kind::Command) => "`Cargo.toml` and `shared/`",
        (false, Kind::Tests) => "`Cargo.toml`, `shared/` and tests",
    };
    text.push_str(&format!(
        "\nEdit only `src/`: the grader builds your `src/` with the course's own {course}.\n"
    ));
    if !shared.is_empty() {
        let list: Vec<String> = shared.iter().map(|s| format!("`{s}`")).collect();
        text.push_str(&format!(
            "\n`{SHARED}/` holds the course's crates this one builds on: {}.",
            list.join(", ")
        ));
        if shared_todos {
            text.push_str(
                " Other exercises' solutions in them are `todo!()` too: this one does not \
                 need them.",
            );
        }
        text.push('\n');
    }
    for given in &exercise.builds_on {
        text.push_str(&format!(
            "`{given}` comes whole, as Python's standard library gives \
             `concurrent.futures`: it is an exercise of its own (`grade --init {given} DIR`).\n"
        ));
    }
    let run = match (exercise.kind, exercise.solution.bin.as_str()) {
        (_, "") => "It is a library: its tests run it.".to_owned(),
        (Kind::Tests, bin) => format!("```sh\ncargo run --bin {bin}\n```"),
        (Kind::Command, bin) => format!(
            "```sh\ncargo run --bin {bin}            # against a built-in test server\n\
             cargo run --bin {bin} -- --help  # its options\n```"
        ),
    };
    let test = match (exercise.kind, &exercise.tests) {
        (Kind::Tests, Some(tests)) => format!(
            "```sh\ncargo test --test {stem}\n```\n\nThese are the tests the grader runs \
             (`{file}`); it runs its own copy, so changing them changes nothing.",
            stem = Path::new(&tests.file)
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
            file = tests.file,
        ),
        _ => "The grader is the test: it runs your program against a seeded test server \
              and judges what the server saw and what landed on disk."
            .to_owned(),
    };
    text.push_str(&format!(
        "\n## Run it\n\n{run}\n\n## Test it\n\n{test}\n\n## Grade it\n\nFrom this \
         folder, with the course's `grade`:\n\n```sh\ngrade {name} --submission .\n```\n\n\
         or, from the course's workspace: `cargo run -p flags-grader --bin grade -- {name} \
         --submission PATH/TO/THIS/FOLDER`. `grade --explain {name}` says what is checked.\n"
    ));
    Ok(text)
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

/// Replaces the body of the function in `// ANCHOR: anchor` … `// ANCHOR_END:
/// anchor` with `todo!("hint")`, keeping its docs and signature.
pub fn empty_region(source: &str, anchor: &str, hint: &str) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let (start, end) = region_bounds(&lines, anchor)?;
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
    // The body keeps the function's indentation (a method is indented).
    let indent = &lines[sig][..lines[sig].len() - lines[sig].trim_start().len()];
    let mut out: Vec<String> = lines[..=open].iter().map(|l| l.to_string()).collect();
    // todo!'s message is a format string: braces are written doubled.
    let message = format!("{hint:?}").replace('{', "{{").replace('}', "}}");
    out.push(format!("{indent}    todo!({message})"));
    out.push(format!("{indent}}}"));
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    Some(out.join("\n") + "\n")
}

/// The line numbers of `// ANCHOR: anchor` and `// ANCHOR_END: anchor`.
pub fn region_bounds(lines: &[&str], anchor: &str) -> Option<(usize, usize)> {
    let start = lines
        .iter()
        .position(|l| l.trim() == format!("// ANCHOR: {anchor}"))?;
    let end = lines
        .iter()
        .position(|l| l.trim() == format!("// ANCHOR_END: {anchor}"))?;
    (start < end).then_some((start, end))
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
    fn a_method_keeps_its_indentation() {
        let source = "impl X {\n    // ANCHOR: go\n    /// Docs.\n    pub fn go(&self) -> u8 {\n        1\n    }\n    // ANCHOR_END: go\n}\n";
        assert_eq!(
            empty_region(source, "go", "one").unwrap(),
            "impl X {\n    // ANCHOR: go\n    /// Docs.\n    pub fn go(&self) -> u8 {\n        todo!(\"one\")\n    }\n    // ANCHOR_END: go\n}\n"
        );
    }

    #[test]
    fn every_exercise_has_its_regions_and_builds_on_exercises_that_exist() {
        let root = workspace_root();
        for e in exercises() {
            let path = root
                .join("crates")
                .join(&e.solution.krate)
                .join(&e.solution.source);
            let text = std::fs::read_to_string(&path).unwrap();
            for region in e.solution.regions().unwrap() {
                assert!(
                    empty_region(&text, &region.anchor, &region.hint).is_some(),
                    "{}: {}",
                    e.name,
                    region.anchor
                );
            }
            emptied_regions(&e).unwrap();
        }
    }
}
