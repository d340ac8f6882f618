//! The plan served over real HTTP on loopback: by the in-process wiremock
//! server and by the binary's hyper server.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use flags_common::Code;
use mock_server::{Fault, Plan, Preset, Resource, TestServer};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// What a client saw for one path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    status: u16,
    fault: Option<String>,
    body: Vec<u8>,
}

async fn get(client: &reqwest::Client, url: String) -> Seen {
    let resp = client.get(&url).send().await.expect(&url);
    let fault = resp
        .headers()
        .get("x-mock-fault")
        .map(|v| v.to_str().unwrap().to_owned());
    Seen {
        status: resp.status().as_u16(),
        fault,
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

/// GETs every code's flag at once; returns what was seen, by code.
async fn fetch_every(base_url: &str) -> BTreeMap<Code, Seen> {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for cc in Code::every() {
        let (client, url) = (client.clone(), flags_common::flag_url(base_url, cc));
        tasks.spawn(async move { (cc, get(&client, url).await) });
    }
    tasks.join_all().await.into_iter().collect()
}

fn served_delays(server: &TestServer) -> BTreeMap<String, Duration> {
    server
        .observations()
        .into_iter()
        .map(|o| (o.path, o.delay))
        .collect()
}

fn error_plan(seed: u64) -> Plan {
    // The ERROR preset scaled down so 676 requests take milliseconds.
    Plan::preset(Preset::Error)
        .seed(seed)
        .delay(MS(1))
        .jitter(MS(20))
}

#[tokio::test]
async fn the_same_seed_serves_the_same_statuses_delays_and_bytes() {
    let (a, b, c) = tokio::join!(
        TestServer::start(error_plan(7)),
        TestServer::start(error_plan(7)),
        TestServer::start(error_plan(8)),
    );
    let (url_a, url_b, url_c) = (a.base_url(), b.base_url(), c.base_url());
    let (seen_a, seen_b, seen_c) = tokio::join!(
        fetch_every(&url_a),
        fetch_every(&url_b),
        fetch_every(&url_c)
    );
    assert_eq!(seen_a.len(), 676);
    assert_eq!(seen_a, seen_b);
    assert_eq!(served_delays(&a), served_delays(&b));

    let statuses =
        |seen: &BTreeMap<Code, Seen>| -> Vec<u16> { seen.values().map(|s| s.status).collect() };
    assert_ne!(
        statuses(&seen_a),
        statuses(&seen_c),
        "another seed, other errors"
    );
    assert_ne!(
        served_delays(&a),
        served_delays(&c),
        "another seed, other delays"
    );
    // The flags themselves do not depend on the seed.
    let body = |seen: &BTreeMap<Code, Seen>| seen[&Code::parse("BD").unwrap()].body.clone();
    if seen_a[&Code::parse("BD").unwrap()].status == 200
        && seen_c[&Code::parse("BD").unwrap()].status == 200
    {
        assert_eq!(body(&seen_a), body(&seen_c));
    }
}

#[tokio::test]
async fn what_is_served_matches_the_ground_truth_for_every_code() {
    let plan = error_plan(3)
        .stall_rate(0.05)
        .stall(MS(50))
        .transient_rate(0.05);
    let server = TestServer::start(plan.clone()).await;
    let seen = fetch_every(&server.base_url()).await;
    let delays = served_delays(&server);
    let mut counts: BTreeMap<Option<Fault>, usize> = BTreeMap::new();
    for cc in Code::every() {
        let expected = plan.expected(cc);
        let got = &seen[&cc];
        assert_eq!(got.status, expected.status, "{cc}");
        assert_eq!(
            got.fault.as_deref(),
            expected.fault.map(Fault::as_str),
            "{cc}"
        );
        assert_eq!(delays[&Resource::Gif(cc).path()], expected.delay, "{cc}");
        if got.status == 200 {
            assert_eq!(got.body, plan.flag_set().get(cc).unwrap().gif, "{cc}");
        }
        *counts.entry(expected.fault).or_default() += 1;
    }
    assert_eq!(counts[&Some(Fault::NotFound)], 482);
    assert_eq!(counts[&Some(Fault::Error)], 49);
    assert_eq!(counts[&Some(Fault::Stall)], 10);
    assert_eq!(counts[&Some(Fault::Transient)], 10);
    assert_eq!(counts[&None], 194 - 49 - 10 - 10);
}

#[tokio::test]
async fn metadata_is_served_beside_each_flag() {
    let server = TestServer::start(Plan::preset(Preset::Local)).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let seen = get(&client, format!("{}/cd/metadata.json", server.base_url())).await;
    assert_eq!(seen.status, 200);
    let meta: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(meta["country"], "Congo (Kinshasa)");
    assert_eq!(meta["iso_cc"], "CD");
    let missing = get(&client, format!("{}/zz/metadata.json", server.base_url())).await;
    assert_eq!(
        (missing.status, missing.fault.as_deref()),
        (404, Some("not-found"))
    );
}

#[tokio::test]
async fn the_server_sees_peak_in_flight_and_duplicates() {
    let server = TestServer::start(Plan::preset(Preset::Local).delay(MS(500))).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = server.base_url();
    // Sequential: one at a time.
    for cc in ["AD", "AE", "AF"] {
        get(
            &client,
            flags_common::flag_url(&base, Code::parse(cc).unwrap()),
        )
        .await;
    }
    assert_eq!(server.peak_in_flight(), 1);
    // Eight at once, one of them asked twice.
    let codes = ["BA", "BB", "BD", "BE", "BF", "BG", "BH", "BD"];
    let mut requests = tokio::task::JoinSet::new();
    for cc in codes {
        let (client, url) = (
            client.clone(),
            flags_common::flag_url(&base, Code::parse(cc).unwrap()),
        );
        requests.spawn(async move { get(&client, url).await });
    }
    requests.join_all().await;
    assert_eq!(server.peak_in_flight(), 8);
    let counts = server.requests_per_path();
    assert_eq!(counts["/flags/bd/bd.gif"], 2);
    assert_eq!(counts["/flags/ad/ad.gif"], 1);
    assert_eq!(server.observations().len(), 11);
}

/// Sends raw bytes and returns the status line's code: the client crates
/// normalise `..` away, so bad paths need a socket.
fn raw_status(addr: SocketAddr, request: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"))
}

const BAD_REQUESTS: [&str; 8] = [
    "GET /flags/../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "GET /flags/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "GET /flags/BD/BD.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "GET /flags/bdd/bdd.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "GET /flags/bd/cn.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "POST /flags/bd/bd.gif HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    "DELETE /flags/bd/bd.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "GET /flags/%C3%A9%C3%A9/%C3%A9%C3%A9.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
];
const GOOD_REQUEST: &str = "GET /flags/bd/bd.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

fn assert_refuses_bad_requests_and_keeps_serving(addr: SocketAddr) {
    for request in BAD_REQUESTS {
        let status = raw_status(addr, request);
        assert!((400..500).contains(&status), "{status} for {request:?}");
        assert_eq!(
            raw_status(addr, GOOD_REQUEST),
            200,
            "still serving after {request:?}"
        );
    }
    // Garbage that is not HTTP at all.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(b"\x00\x01 not http\r\n\r\n").unwrap();
    drop(stream);
    assert_eq!(raw_status(addr, GOOD_REQUEST), 200);
}

#[test]
fn the_test_server_refuses_bad_requests_and_keeps_serving() {
    let server = TestServer::start_blocking(Plan::preset(Preset::Local));
    let addr = server
        .base_url()
        .trim_start_matches("http://")
        .trim_end_matches("/flags")
        .parse()
        .unwrap();
    assert_refuses_bad_requests_and_keeps_serving(addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_server_refuses_bad_requests_and_keeps_serving() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let plan = Arc::new(Plan::preset(Preset::Local));
    let server = tokio::spawn(mock_server::serve(listener, plan, true));
    tokio::task::spawn_blocking(move || assert_refuses_bad_requests_and_keeps_serving(addr))
        .await
        .unwrap();
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_server_serves_the_same_as_the_test_server() {
    let plan = error_plan(11).transient_rate(0.1);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/flags", listener.local_addr().unwrap());
    let server = tokio::spawn(mock_server::serve(listener, Arc::new(plan.clone()), true));
    let test_server = TestServer::start(plan).await;
    let test_base = test_server.base_url();
    let (from_binary, from_test) = tokio::join!(fetch_every(&base), fetch_every(&test_base));
    assert_eq!(from_binary, from_test);
    // A transient flag's retry gets the flag. The first pass's 503s may be
    // used up or, on a slow machine, expired (the retry window is 5 s): a
    // 503 now is a first request again, and the request right after it is
    // its retry.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let transient = (from_binary.iter()).filter(|(_, seen)| seen.status == 503);
    let mut retried = 0;
    for (&cc, _) in transient {
        let url = flags_common::flag_url(&base, cc);
        let mut seen = get(&client, url.clone()).await;
        if seen.status == 503 {
            seen = get(&client, url).await;
        }
        assert_eq!(seen.status, 200, "{cc}: the retry of a transient 503");
        retried += 1;
    }
    assert!(retried > 0, "the plan has transient flags");
    server.abort();
}
