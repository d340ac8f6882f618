//! What the grader's tests share: the solutions' binaries, the golden
//! submissions, and grading options.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use flags_grader::Options;

/// The binary of a workspace solution, built beside `grade`. `cargo test -p
/// flags-grader` builds only the grader, so the solutions are built here,
/// once per test run (a no-op when they are up to date).
#[allow(dead_code)] // not every test file runs the solutions
pub fn solution(bin: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let dir = Path::new(env!("CARGO_BIN_EXE_grade"))
        .parent()
        .expect("grade is in a folder");
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = std::process::Command::new(cargo);
        build.args(["build", "--quiet", "--bins"]);
        for krate in [
            "flags-seq",
            "flags-threadpool",
            "flags-asyncio",
            "flags2-progress",
            "flags3",
            "primes",
        ] {
            build.args(["-p", krate]);
        }
        // The same profile and target folder as this test's own build.
        if dir.file_name().is_some_and(|name| name == "release") {
            build.arg("--release");
        }
        if let Some(target) = dir.parent() {
            build.env("CARGO_TARGET_DIR", target);
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "the solutions did not build");
    });
    let path = dir.join(bin);
    assert!(path.exists(), "{} is not built", path.display());
    path
}

/// Grading options with a fixed seed.
pub fn options(seed: u64) -> Options {
    Options {
        seed,
        ..Options::default()
    }
}

/// The sh + curl client in `mode`, run as flags2-threadpool asks.
pub fn curl_command(mode: &str) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flags2_curl.sh");
    let mut command = vec![script.to_string_lossy().into_owned(), mode.to_owned()];
    command.extend(["-s", "{url}", "--dest", "{dest}", "-m", "8", "{codes}"].map(String::from));
    command
}

/// `python3`, if this machine has one.
#[allow(dead_code)] // not every test file grades a Python client
pub fn python3() -> Option<String> {
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|_| "python3".to_owned())
}
