//! For readers who run the book's own scripts: the binary takes the book's
//! command lines and answers as the book's servers do, and refuses a bad
//! option with one line that says what to do.

mod support;

use std::process::Command;

use mock_server::{Fault, Plan, Preset};
use support::{BIN, Server, client, get_request, raw, status_line};

#[test]
fn head_is_not_delayed() {
    // Two minutes a flag, past the client's hang guard: a delayed HEAD
    // would time out.
    let server = Server::start(&[
        "--preset",
        "error",
        "--port",
        "0",
        "--delay-ms",
        "120000",
        "--quiet",
    ]);
    let plan = Plan::preset(Preset::Error);
    let client = client();
    for cc in flags_common::all().into_iter().take(20) {
        let url = flags_common::flag_url(&server.base_url(), cc);
        let response = client.head(&url).send().unwrap();
        // slow_server.py slows down and fails GET only.
        assert_eq!(response.status(), 200, "{cc}");
        let length = plan.flag_set().get(cc).unwrap().gif.len();
        let header = &response.headers()["content-length"];
        assert_eq!(header.to_str().unwrap(), length.to_string(), "{cc}");
    }
}

#[test]
fn an_error_flag_answers_418_im_a_teapot_as_in_the_book() {
    let server = Server::start(&["--preset", "error", "--port", "0", "--delay-ms", "0"]);
    let plan = Plan::preset(Preset::Error);
    let cc = flags_common::all()
        .into_iter()
        .find(|&cc| plan.fault(cc) == Some(Fault::Error))
        .unwrap();
    let response = raw(
        server.addr,
        &get_request(&flags_common::flag_url("/flags", cc)),
    );
    assert_eq!(status_line(&response), "HTTP/1.1 418 I'm a Teapot");
}

#[test]
fn the_flags_folder_can_be_browsed() {
    let server = Server::start(&["--preset", "delay", "--port", "0", "--quiet"]);
    let response = client().get(format!("{}/", server.base_url())).send();
    let response = response.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().unwrap();
    assert_eq!(html.matches("<a href=\"/flags/").count(), 2 * 194);
    assert!(html.contains("<a href=\"/flags/bd/bd.gif\">"), "{html}");
}

#[test]
fn the_books_command_lines_are_taken() {
    // slow_server.py 8001: the DELAY server (port 0: any free one).
    let server = Server::start(&["0", "--quiet"]);
    assert!(server.banner.starts_with("DELAY "), "{}", server.banner);
    assert!(server.banner.contains("no faults"), "{}", server.banner);
    // slow_server.py 8002 -e .25 -b ADDRESS: the ERROR server.
    let server = Server::start(&["0", "-e", ".25", "-b", "127.0.0.1", "--quiet"]);
    assert!(
        server.banner.contains("25% of flags answer 418"),
        "{}",
        server.banner
    );
    // --preset and a port.
    let server = Server::start(&["--preset", "local", "0", "--quiet"]);
    assert!(server.banner.starts_with("LOCAL "), "{}", server.banner);
    let response = raw(server.addr, &get_request("/flags/bd/bd.gif"));
    assert_eq!(status_line(&response), "HTTP/1.1 200 OK");
    // -d DIRECTORY
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("bd")).unwrap();
    std::fs::write(tmp.path().join("bd/bd.gif"), b"GIF89a-bd").unwrap();
    let dir = tmp.path().to_str().unwrap();
    let server = Server::start(&["0", "-d", dir, "--delay-ms", "0", "--jitter-ms", "0"]);
    let response = raw(server.addr, &get_request("/flags/bd/bd.gif"));
    assert!(response.ends_with(b"\r\n\r\nGIF89a-bd"), "{response:?}");
}

#[test]
fn the_books_error_scope_fails_codes_without_a_flag_too() {
    let out = Command::new(BIN)
        .args(["truth", "error", "--every", "--error-scope", "any"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let with = |status: &str| text.lines().filter(|l| l.contains(status)).count();
    assert_eq!(with(" 418 "), 169, "a quarter of the 676 codes");
    assert!(with(" 404 ") < 482, "some codes without a flag answer 418");
    assert_eq!(with(" 200 ") + with(" 404 ") + with(" 418 "), 676);
}

#[test]
fn bad_numbers_and_addresses_are_refused_in_one_line_that_says_what_to_do() {
    let cases: [(&[&str], i32, &str); 10] = [
        (&["truth", "local", "--ideal-workers", "0"], 2, "from 1"),
        (&["truth", "local", "-l", "-1"], 2, "give 0 or more"),
        (
            &["truth", "local", "cn", "usa"],
            1,
            "must be A to Z or AA to ZZ",
        ),
        (&["truth", "local", "--timeout=-1"], 2, "above 0"),
        (&["--delay-ms", "600001"], 2, "from 0 to 600000"),
        (&["--jitter-ms=-5"], 2, "from 0 to 600000"),
        (&["--stall-ms", "1e9"], 2, "from 0 to 600000"),
        (&["--preset", "local", "70000"], 2, "65535"),
        (
            &["--preset", "local", "1", "--port", "2"],
            2,
            "cannot be used",
        ),
        (
            &["--preset", "local", "--port", "0", "--bind", "192.0.2.1"],
            1,
            "not an address of this machine",
        ),
    ];
    for (args, code, hint) in cases {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {err}");
        assert!(first.contains(hint), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
