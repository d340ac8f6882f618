//! The binary's server draws what it served: `/timeline.svg` and
//! `/timeline.txt`.

use std::time::Duration;

use mock_server::{Plan, Preset, SpawnedServer};

#[test]
fn the_server_draws_each_request_it_served() {
    let plan = Plan::preset(Preset::Local).delay(Duration::from_millis(5));
    let server = SpawnedServer::start(plan, 2).unwrap();
    let base = server.base_url();
    let root = base.strip_suffix("/flags").unwrap();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let get = |url: &str| client.get(url).send().unwrap();
    // Two flags and a code with no flag, one after another.
    for cc in ["bd", "cn", "xx"] {
        get(&format!("{base}/{cc}/{cc}.gif"));
    }
    let text = get(&format!("{root}/timeline.txt"));
    assert_eq!(text.status(), 200);
    let text = text.text().unwrap();
    assert!(
        text.starts_with("actual: 3 requests, at most 1 in flight, "),
        "{text}"
    );
    assert!(text.contains('▒'), "the 404 drawn as one: {text}");
    let svg = get(&format!("{root}/timeline.svg"));
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().unwrap();
    assert!(svg.starts_with("<svg "), "{svg}");
    // The drawings are not requests of their own.
    assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3, "{svg}");
    for label in ["bd/bd.gif: ", "cn/cn.gif: ", "xx/xx.gif: "] {
        assert!(svg.contains(label), "{label}");
    }
}
