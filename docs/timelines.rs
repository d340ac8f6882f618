//! The book's timelines: each chapter's variant drawn as the ideal
//! schedule its concurrency allows on the book's DELAY server (the seeded
//! stand-in for `slow_server.py`), so the pictures are the same on every
//! machine. `cargo run -p book --bin pictures` writes them to
//! `docs/src/timelines/`; a test fails when a committed picture is no
//! longer what this code draws.

use std::path::{Path, PathBuf};
use std::time::Duration;

use flags_common::Code;
use mock_server::{Plan, Preset};
use timeline::Timeline;

/// Where the pictures live, beside the chapters that show them.
pub fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/timelines")
}

/// Each picture's file name and SVG.
pub fn pictures() -> Vec<(&'static str, String)> {
    // The chapter's codes, sorted as the scripts sort them.
    let mut pop20 = flags_common::pop20();
    pop20.sort();
    let delay = Plan::preset(Preset::Delay);
    let error = Plan::preset(Preset::Error);
    // No client timeout: the chapter-1 scripts wait as long as it takes.
    let wait = Duration::MAX;
    let first5: &[Code] = &pop20[..flags_threadpool::futures::MAX_FLAGS];
    let draw = |timeline: Timeline| timeline::ideal_svg(&timeline);
    vec![
        // flags.py: one request after the other, a staircase.
        ("flags-seq.svg", draw(delay.ideal_timeline(&pop20, 1, wait))),
        // flags_threadpool.py: 20 workers, the 20 requests side by side.
        (
            "flags-threadpool.svg",
            draw(delay.ideal_timeline(&pop20, flags_threadpool::MAX_WORKERS, wait)),
        ),
        // flags_threadpool_futures.py: 5 flags on 3 workers, in rounds.
        (
            "flags-threadpool-futures.svg",
            draw(delay.ideal_timeline(first5, flags_threadpool::futures::MAX_WORKERS, wait)),
        ),
        // flags2_asyncio.py -s ERROR -m 5: the semaphore keeps 5 lanes busy
        // and the ERROR server's 418s show red.
        (
            "flags2-asyncio-m5.svg",
            draw(error.ideal_timeline(
                &pop20,
                flags2_progress::asyncio::DEFAULT_CONCUR_REQ,
                flags_common::http::FLAGS2_TIMEOUT,
            )),
        ),
        // demo_executor_map.py: loiter(0) to loiter(4) on 3 workers, in
        // seconds; loiter(3) takes the worker loiter(0) freed at once.
        ("loiter.svg", draw(loiter::ideal(Duration::from_secs(1)))),
    ]
}

/// Writes every picture into `folder`; returns the paths written.
pub fn write_all(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(folder)?;
    (pictures().into_iter())
        .map(|(name, svg)| {
            let path = folder.join(name);
            std::fs::write(&path, svg)?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_pictures_are_what_the_code_draws() {
        for (name, drawn) in pictures() {
            let path = folder().join(name);
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == drawn,
                "docs/src/timelines/{name} is not what the code draws now: \
                 run `cargo run -p book --bin pictures` and commit the result"
            );
        }
    }

    #[test]
    fn each_picture_shows_its_lesson() {
        let lanes = |name: &str| {
            let (_, svg) = pictures().into_iter().find(|(n, _)| *n == name).unwrap();
            let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
            let bars = (doc.descendants())
                .filter(|n| n.attribute("class") == Some("bar"))
                .count();
            let lanes = (doc.descendants())
                .filter(|n| n.attribute("class") == Some("lane"))
                .count();
            (bars, lanes)
        };
        assert_eq!(lanes("flags-seq.svg"), (20, 1), "a staircase: one lane");
        assert_eq!(lanes("flags-threadpool.svg"), (20, 20), "side by side");
        assert_eq!(lanes("flags-threadpool-futures.svg"), (5, 3), "3 workers");
        assert_eq!(lanes("flags2-asyncio-m5.svg"), (20, 5), "5 lanes busy");
        assert_eq!(
            lanes("loiter.svg"),
            (5, 3),
            "loiter(3) takes the lane loiter(0) freed"
        );
    }
}
