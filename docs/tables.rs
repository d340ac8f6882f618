//! Every Markdown table in the repository is well formed.
//!
//! A GitHub-flavoured table is a header row, a delimiter row (`|---|---:|`)
//! with the same number of cells, and body rows up to the next blank line.
//! When the header and the delimiter disagree, neither GitHub nor mdBook
//! draws a table at all, and the page shows the raw pipes; a body row with
//! a cell too many loses it silently. [`table_problems`] finds both, and the
//! test at the end runs it on every `*.md` file of the repository.
//!
//! Cells are split at every `|` that is not escaped as `\|`, inside inline
//! code too, as GitHub and mdBook split them: `` `a|b` `` in a table is two
//! cells, and is reported, since `` `a\|b` `` is what was meant.

use std::path::{Path, PathBuf};

/// The problems of the tables in one Markdown text, each as
/// `line N: what is wrong`, with lines counted from 1. Tables inside fenced
/// code blocks are left alone.
pub fn table_problems(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let code = in_fenced_code(&lines);
    let mut problems = Vec::new();
    // Lines already read as part of a table.
    let mut in_table = vec![false; lines.len()];
    for (i, line) in lines.iter().enumerate() {
        if code[i] || !is_delimiter_row(line) {
            continue;
        }
        let n = i + 1; // the delimiter row's line number
        let header = i
            .checked_sub(1)
            .filter(|&h| !lines[h].is_empty() && !code[h]);
        let Some(h) = header else {
            problems.push(format!(
                "line {n}: a delimiter row with no header row above it"
            ));
            continue;
        };
        if h > 0 && !lines[h - 1].is_empty() && !lines[h].starts_with('|') {
            problems.push(format!(
                "line {}: mdBook reads a header row without a leading `|` as the \
                 paragraph's last line: start it with `|` or put a blank line above",
                h + 1
            ));
        }
        let width = cells(lines[h]);
        let delimiter = cells(line);
        if delimiter != width {
            problems.push(format!(
                "line {n}: the header row has {width} cells and the delimiter row {delimiter}: \
                 no table is drawn (make them equal)"
            ));
        }
        if let Some(bad) = split(line).iter().find(|c| !is_alignment(c.trim())) {
            problems.push(format!(
                "line {n}: the delimiter cell {:?} is not ---, :---, ---: or :---:",
                bad.trim()
            ));
        }
        in_table[h] = true;
        in_table[i] = true;
        for (j, row) in lines.iter().enumerate().skip(i + 1) {
            if row.is_empty() || code[j] || starts_block(row) {
                break;
            }
            in_table[j] = true;
            let count = cells(row);
            if count != width {
                problems.push(format!(
                    "line {}: a row of {count} cells in a table of {width} \
                     (escape a `|` inside a cell as `\\|`)",
                    j + 1
                ));
            }
        }
    }
    for (i, line) in lines.iter().enumerate() {
        if code[i] {
            continue;
        }
        if !in_table[i] && line.starts_with('|') {
            problems.push(format!(
                "line {}: a row that starts with `|` outside any table \
                 (is the delimiter row |---|---| missing?)",
                i + 1
            ));
        }
        if in_table[i] && pipe_in_code(line) {
            problems.push(format!(
                "line {}: a `|` inside inline code splits the cell: write it as `\\|`",
                i + 1
            ));
        }
    }
    problems
}

/// For each line, whether it is inside a fenced code block (the fences
/// included). A fence closes with a run of the same character at least as
/// long as the one that opened it.
fn in_fenced_code(lines: &[&str]) -> Vec<bool> {
    let fence = |line: &str| {
        let c = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let run = line.chars().take_while(|&x| x == c).count();
        (run >= 3).then_some((c, run))
    };
    let mut open: Option<(char, usize)> = None;
    lines
        .iter()
        .map(|line| {
            match (open, fence(line)) {
                (None, Some(f)) => open = Some(f),
                (Some((c, run)), Some((d, len)))
                    if c == d && len >= run && line.trim_start_matches(c).is_empty() =>
                {
                    open = None;
                    return true;
                }
                _ => {}
            }
            open.is_some()
        })
        .collect()
}

/// Whether a line starts another block, which ends a table in mdBook and on
/// GitHub: a heading, a quote, an HTML block (`<!-- ANCHOR_END: … -->`), a
/// list item or a rule. (Fences are found by [`in_fenced_code`].)
fn starts_block(line: &str) -> bool {
    let numbered = line
        .split_once(". ")
        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    let rule = line.chars().filter(|c| !c.is_whitespace()).count() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|&m| line.chars().all(|c| c == m || c == ' ' || c == '\t'));
    line.starts_with(['#', '>', '<'])
        || ["- ", "* ", "+ "].iter().any(|m| line.starts_with(m))
        || numbered
        || rule
}

/// A delimiter row: only `|`, `-`, `:` and spaces, with at least one `|`
/// and one `-` (a line of dashes alone is a rule or a heading's underline).
fn is_delimiter_row(line: &str) -> bool {
    line.contains('|')
        && line.contains('-')
        && line
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

fn is_alignment(cell: &str) -> bool {
    let dashes = cell.strip_prefix(':').unwrap_or(cell);
    let dashes = dashes.strip_suffix(':').unwrap_or(dashes);
    !dashes.is_empty() && dashes.chars().all(|c| c == '-')
}

/// The cells of a row, split at each `|` not escaped by a backslash; a
/// leading and a trailing `|` are borders, not separators.
fn split(row: &str) -> Vec<&str> {
    let mut cells = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (at, c) in row.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '|' => {
                cells.push(&row[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    cells.push(&row[start..]);
    if row.starts_with('|') {
        cells.remove(0);
    }
    if cells.len() > 1 && cells.last().is_some_and(|c| c.is_empty()) {
        cells.pop();
    }
    cells
}

fn cells(row: &str) -> usize {
    split(row).len()
}

/// Whether a code span (`` `…` ``, or ``` `` … `` ``` with longer runs)
/// holds a `|` that is not escaped.
fn pipe_in_code(row: &str) -> bool {
    let bytes = row.as_bytes();
    let run_at = |at: usize| bytes[at..].iter().take_while(|&&b| b == b'`').count();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'`' => {
                let open = run_at(at);
                let body = at + open;
                // The span closes at the next run of exactly as many backticks.
                let mut end = body;
                while end < bytes.len() && !(bytes[end] == b'`' && run_at(end) == open) {
                    end += if bytes[end] == b'`' { run_at(end) } else { 1 };
                }
                if end >= bytes.len() {
                    return false; // an unclosed run is literal backticks
                }
                let span = &row[body..end];
                if split(&format!("x{span}x")).len() > 1 {
                    return true;
                }
                at = end + open;
            }
            _ => at += 1,
        }
    }
    false
}

/// Every `*.md` file under `root`, sorted, leaving out build output
/// (`target/`) and git's own folder.
pub fn markdown_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    folders.push(path);
                }
            } else if name.ends_with(".md") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_markdown_table_in_the_repository_is_well_formed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let files = markdown_files(&root).unwrap();
        // A sanity check that the walk finds the READMEs and the book.
        assert!(
            files.len() >= 15,
            "only {} Markdown files found",
            files.len()
        );
        let mut problems = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let name = file.strip_prefix(&root).unwrap_or(file).display();
            problems.extend(table_problems(&text).iter().map(|p| format!("{name}: {p}")));
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn a_well_formed_table_has_no_problems() {
        let text = "Text.\n\n| a | b `x\\|y` | c \\| d |\n|---|:---:|--:|\n| 1 | 2 | 3 |\n\
                    no | pipes | needed\n\nAfter.\n";
        assert_eq!(table_problems(text), Vec::<String>::new());
    }

    #[test]
    fn a_delimiter_row_wider_than_its_header_is_reported() {
        // The README's server table as it was: 3 header cells, 4 delimiters.
        let text = "\n| label | URL | what it does |\n|---|---|---|---|\n| LOCAL | x | y |\n";
        let problems = table_problems(text);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with("line 3: the header row has 3 cells and the delimiter row 4")
        );
    }

    #[test]
    fn rows_of_the_wrong_width_are_reported_with_their_line() {
        let text = "| a | b |\n|---|---|\n| 1 | 2 | 3 |\n| 1 |\n| `a|b` | c |\nText after, no blank line.\n";
        let problems = table_problems(text);
        let all = problems.join("\n");
        for expected in [
            "line 3: a row of 3 cells in a table of 2",
            "line 4: a row of 1 cells in a table of 2",
            "line 5: a row of 3 cells",
            "line 5: a `|` inside inline code splits the cell",
            "line 6: a row of 1 cells",
        ] {
            assert!(all.contains(expected), "{expected:?} in {all}");
        }
        assert_eq!(problems.len(), 5, "{all}");
    }

    #[test]
    fn a_table_without_its_delimiter_row_or_blank_line_is_reported() {
        let problems = table_problems("| a | b |\n| 1 | 2 |\n");
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("outside any table"));
        // mdBook lets a table interrupt a paragraph only if its header starts with `|`.
        assert!(table_problems("A paragraph\n| a | b |\n|---|---|\n").is_empty());
        let problems = table_problems("A paragraph\na | b\n|---|---|\n");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].starts_with("line 2: mdBook reads a header row without"));
        let problems = table_problems("|---|---|\n");
        assert!(problems[0].contains("no header row"), "{problems:#?}");
        let problems = table_problems("\n| a | b |\n|---| - - |\n");
        assert!(problems[0].contains("\"- -\" is not"), "{problems:#?}");
    }

    #[test]
    fn a_table_ends_where_another_block_starts() {
        for after in [
            "<!-- ANCHOR_END: t -->",
            "# Heading",
            "> quote",
            "- item",
            "1. item",
            "---",
        ] {
            let text = format!("| a | b |\n|---|---|\n| 1 | 2 |\n{after}\n");
            assert_eq!(table_problems(&text), Vec::<String>::new(), "{after}");
        }
    }

    #[test]
    fn tables_in_fenced_code_are_left_alone() {
        let text = "```text\n| a | b |\n|---|---|---|\n```\n~~~~\n| x\n```\n| y\n~~~~\n";
        assert_eq!(table_problems(text), Vec::<String>::new());
    }

    #[test]
    fn cells_are_split_as_github_splits_them() {
        assert_eq!(split("| a | b |"), [" a ", " b "]);
        assert_eq!(split("a | b"), ["a ", " b"]);
        assert_eq!(split(r"| a \| b | c |"), [r" a \| b ", " c "]);
        assert_eq!(split("| a | |"), [" a ", " "]);
        assert!(pipe_in_code("| `a|b` |"));
        assert!(pipe_in_code("| `` a | b `` |"));
        assert!(!pipe_in_code(r"| `a\|b` | c |"));
        assert!(!pipe_in_code("| `a` | `b` |"));
        assert!(!pipe_in_code("| `` ` `` | x |"));
    }
}
