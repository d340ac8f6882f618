//! # book: the listings of the book cannot drift from the code
//!
//! The book in `docs/src` includes its listings from the crates with
//! mdBook's `{{#include path:anchor}}`, which copies the lines between
//! `ANCHOR: anchor` and `ANCHOR_END: anchor` in that file. mdBook renders a
//! missing anchor as an empty listing, silently. [`check_book`] finds every
//! include, link and image in the book and reports the ones that point
//! nowhere; the tests run it, so `cargo test --workspace` fails on drift
//! without mdBook installed. [`tables`] checks every Markdown table of the
//! repository the same way.
#![deny(missing_docs)]

pub mod tables;
pub mod timelines;

use std::path::{Path, PathBuf};

/// One `{{#include …}}` (or `{{#rustdoc_include …}}`) in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The path as written, relative to the chapter's folder.
    pub path: String,
    /// What follows the path: an anchor name, a line range, or nothing.
    pub selector: Selector,
}

/// Which part of the file an include takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The whole file.
    Whole,
    /// The lines of an `ANCHOR:` region.
    Anchor(String),
    /// Lines `start..=end`, counted from 1; `None` is open-ended.
    Lines(Option<usize>, Option<usize>),
}

/// The includes in a chapter's text, in order.
pub fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let body = after[..end].trim();
        rest = &after[end + 2..];
        let Some(spec) = body
            .strip_prefix("include ")
            .or_else(|| body.strip_prefix("rustdoc_include "))
        else {
            continue;
        };
        let spec = spec.trim();
        let (path, selector) = match spec.split_once(':') {
            None => (spec, Selector::Whole),
            Some((path, sel)) => (path, selector(sel)),
        };
        found.push(Include {
            path: path.to_owned(),
            selector,
        });
    }
    found
}

fn selector(sel: &str) -> Selector {
    let number = |s: &str| s.trim().parse::<usize>().ok();
    match sel.split_once(':') {
        Some((a, b)) if a.trim().is_empty() || number(a).is_some() => {
            Selector::Lines(number(a), number(b))
        }
        None if number(sel).is_some() => Selector::Lines(number(sel), number(sel)),
        _ => Selector::Anchor(sel.trim().to_owned()),
    }
}

/// The lines an anchor selects from `text`, as mdBook takes them: after the
/// `ANCHOR: name` line, up to the `ANCHOR_END: name` line, leaving out every
/// line that holds an anchor marker. `None` if either marker is missing.
pub fn anchored<'a>(text: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let marks = |line: &str, kind: &str| {
        line.split(kind)
            .nth(1)
            .map(|after| {
                after
                    .trim_start()
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .next()
                    == Some(name)
            })
            .unwrap_or(false)
    };
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| marks(l, "ANCHOR:"))?;
    let end = start
        + lines[start..]
            .iter()
            .position(|l| marks(l, "ANCHOR_END:"))?;
    Some(
        lines[start + 1..end]
            .iter()
            .copied()
            .filter(|l| !l.contains("ANCHOR:") && !l.contains("ANCHOR_END:"))
            .collect(),
    )
}

/// Every problem in the book whose `SUMMARY.md` is in `src`: includes of
/// missing files, anchors or lines; empty regions; links and images to
/// files that do not exist; chapters missing from the summary.
pub fn check_book(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let summary = match std::fs::read_to_string(src.join("SUMMARY.md")) {
        Ok(text) => text,
        Err(err) => return vec![format!("{}: {err}", src.join("SUMMARY.md").display())],
    };
    let chapters: Vec<PathBuf> = links(&summary)
        .into_iter()
        .filter(|l| l.ends_with(".md"))
        .map(|l| src.join(l))
        .collect();
    for chapter in &chapters {
        let name = chapter.strip_prefix(src).unwrap_or(chapter).display();
        let Ok(text) = std::fs::read_to_string(chapter) else {
            problems.push(format!("SUMMARY.md lists {name}, which does not exist"));
            continue;
        };
        let dir = chapter.parent().unwrap_or(src);
        for include in includes(&text) {
            let file = dir.join(&include.path);
            let suffix = match &include.selector {
                Selector::Whole => String::new(),
                Selector::Anchor(anchor) => format!(":{anchor}"),
                Selector::Lines(a, b) => format!(
                    ":{}:{}",
                    a.map_or(String::new(), |n| n.to_string()),
                    b.map_or(String::new(), |n| n.to_string())
                ),
            };
            let what = format!("{name}: {{{{#include {}{suffix}}}}}", include.path);
            let Ok(target) = std::fs::read_to_string(&file) else {
                problems.push(format!("{what}: no file {}", file.display()));
                continue;
            };
            match &include.selector {
                Selector::Whole => {}
                Selector::Anchor(anchor) => match anchored(&target, anchor) {
                    None => problems.push(format!(
                        "{what}: no `ANCHOR: {anchor}` … `ANCHOR_END: {anchor}` region"
                    )),
                    Some(lines) if lines.iter().all(|l| l.trim().is_empty()) => {
                        problems.push(format!("{what}: the region {anchor} is empty"));
                    }
                    Some(_) => {}
                },
                Selector::Lines(start, end) => {
                    let len = target.lines().count();
                    if start.unwrap_or(1) > len || end.unwrap_or(len) > len {
                        problems.push(format!("{what}: the file has only {len} lines"));
                    }
                }
            }
        }
        for link in links(&text) {
            if link.contains("://") || link.starts_with('#') || link.starts_with("mailto:") {
                continue;
            }
            let target = link.split('#').next().unwrap_or(&link);
            if !dir.join(target).exists() {
                problems.push(format!("{name}: a link to {link}, which does not exist"));
            }
        }
    }
    problems
}

/// The targets of the Markdown links and images in `text`: `[x](target)`.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].trim();
            if !target.is_empty() {
                found.push(target.to_owned());
            }
            rest = &after[end + 1..];
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    #[test]
    fn every_include_link_and_chapter_of_the_book_exists() {
        let problems = check_book(&book());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_book_includes_listings_from_every_chapter_crate() {
        // A sanity check that the includes are found at all.
        let summary = std::fs::read_to_string(book().join("SUMMARY.md")).unwrap();
        let count: usize = links(&summary)
            .iter()
            .filter_map(|l| std::fs::read_to_string(book().join(l)).ok())
            .map(|text| includes(&text).len())
            .sum();
        assert!(count >= 30, "only {count} includes found");
    }

    #[test]
    fn every_crate_links_to_its_chapter() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
        let summary = std::fs::read_to_string(book().join("SUMMARY.md")).unwrap();
        let chapters = links(&summary);
        let members = manifest["workspace"]["members"].as_array().unwrap();
        for member in members.iter().filter_map(|m| m.as_str()) {
            if member == "docs" {
                continue;
            }
            // The crate's `//!` docs, and its README if it has one.
            let docs: String = ["src/lib.rs", "README.md"]
                .iter()
                .filter_map(|f| std::fs::read_to_string(root.join(member).join(f)).ok())
                .collect();
            let linked: Vec<&String> = chapters
                .iter()
                .filter(|c| docs.contains(&format!("docs/src/{c}")))
                .collect();
            assert!(
                !linked.is_empty(),
                "{member}: its //! docs or README should link to its chapter in docs/src/"
            );
        }
    }

    #[test]
    fn includes_are_parsed_as_mdbook_reads_them() {
        let text = "a {{#include ../x.rs:get_flag}} b {{#include y.md}}\n\
                    {{#include z.rs:3:5}} {{#include z.rs::5}} {{#include z.rs:7}} \
                    {{#rustdoc_include w.rs:main}} {{#title T}}";
        let found = includes(text);
        let selectors: Vec<Selector> = found.iter().map(|i| i.selector.clone()).collect();
        assert_eq!(
            selectors,
            [
                Selector::Anchor("get_flag".into()),
                Selector::Whole,
                Selector::Lines(Some(3), Some(5)),
                Selector::Lines(None, Some(5)),
                Selector::Lines(Some(7), Some(7)),
                Selector::Anchor("main".into()),
            ]
        );
        assert_eq!(found[0].path, "../x.rs");
    }

    #[test]
    fn an_anchor_takes_its_region_without_any_marker_lines() {
        let source = "x\n// ANCHOR: outer\n// ANCHOR: inner\nfn a() {}\n// ANCHOR_END: inner\nfn b() {}\n// ANCHOR_END: outer\n";
        assert_eq!(
            anchored(source, "outer").unwrap(),
            ["fn a() {}", "fn b() {}"]
        );
        assert_eq!(anchored(source, "inner").unwrap(), ["fn a() {}"]);
        // A prefix is not a match, and a region needs both ends.
        assert!(anchored(source, "inn").is_none());
        assert!(anchored("// ANCHOR: open\nfn a() {}\n", "open").is_none());
    }

    #[test]
    fn drift_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("SUMMARY.md"), "- [One](one.md)\n- [Two](two.md)\n").unwrap();
        std::fs::write(
            dir.join("code.rs"),
            "// ANCHOR: here\nfn f() {}\n// ANCHOR_END: here\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("one.md"),
            "{{#include code.rs:here}}\n{{#include code.rs:gone}}\n{{#include nope.rs}}\n\
             {{#include code.rs:2:9}}\nSee [two](two.md) and [none](none.md).\n",
        )
        .unwrap();
        let problems = check_book(dir);
        assert_eq!(problems.len(), 6, "{problems:#?}");
        let all = problems.join("\n");
        for expected in [
            "SUMMARY.md lists two.md, which does not exist",
            "no `ANCHOR: gone`",
            "no file",
            "the file has only 3 lines",
            "a link to two.md",
            "a link to none.md",
        ] {
            assert!(all.contains(expected), "{expected:?} in {all}");
        }
    }
}
