//! The HTTP helpers against real servers on loopback: statuses, the body
//! cap, bodies cut short, trickled or not GIFs, timeouts, refused
//! connections and the stop switch, for the blocking and the async client
//! alike.

use std::net::TcpListener;
use std::time::Duration;

use bytes::Bytes;
use flags_common::http::{
    BlockingClient, Client, Expect, MAX_FLAG_BYTES, async_client, blocking_client,
};
use flags_common::testing::{Fault, Hostile, gif};
use flags_common::{FetchError, Stop, StopReason};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

const TIMEOUT: Duration = Duration::from_millis(300);

async fn serve(template: ResponseTemplate) -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

fn a_gif() -> Vec<u8> {
    gif("bd")
}

/// A GET as the variants write it: request, status, body.
async fn fetch(client: &Client, url: &str, expect: Expect) -> Result<Bytes, FetchError> {
    let resp = client.get(url).send().await?.error_for_status()?;
    resp.body_within_deadline(expect).await
}

/// The blocking twin of [`fetch`].
fn fetch_blocking(client: &BlockingClient, url: &str, expect: Expect) -> Result<Bytes, FetchError> {
    let resp = client.get(url).send()?.error_for_status()?;
    resp.body_within_deadline(expect)
}

/// Fetches `url` with both clients and checks they agree.
async fn fetch_both(url: String, expect: Expect) -> Result<Vec<u8>, FetchError> {
    let blocking_url = url.clone();
    let blocking = tokio::task::spawn_blocking(move || {
        let client = blocking_client(&blocking_url, TIMEOUT, &Stop::new()).unwrap();
        fetch_blocking(&client, &blocking_url, expect).map(|b| b.to_vec())
    })
    .await
    .unwrap();
    let client = async_client(&url, TIMEOUT, &Stop::new()).unwrap();
    let not_blocking = fetch(&client, &url, expect).await.map(|b| b.to_vec());
    match (&blocking, &not_blocking) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("the clients disagree: {blocking:?} vs {not_blocking:?}"),
    }
    not_blocking
}

/// A flag from a hostile server whose every flag has `fault`.
async fn fetch_fault(fault: Fault) -> FetchError {
    let server = Hostile::new(fault).start();
    let url = format!("{}/bd/bd.gif", server.base_url());
    fetch_both(url, Expect::Gif).await.unwrap_err()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_comes_back_whole() {
    let server = serve(ResponseTemplate::new(200).set_body_bytes(a_gif())).await;
    let body = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()), Expect::Gif)
        .await
        .unwrap();
    assert_eq!(body, a_gif());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_is_not_found_and_418_is_the_books_message() {
    let server = serve(ResponseTemplate::new(404)).await;
    let err = fetch_both(format!("{}/flags/zz/zz.gif", server.uri()), Expect::Gif)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let server = serve(ResponseTemplate::new(418)).await;
    let err = fetch_both(format!("{}/flags/aq/aq.gif", server.uri()), Expect::Gif)
        .await
        .unwrap_err();
    assert!(!err.is_not_found());
    assert_eq!(err.to_string(), "HTTP error 418 - I'm a Teapot");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_one_mib_is_refused() {
    let mut big = a_gif();
    big.resize(MAX_FLAG_BYTES + 1, 0);
    let server = serve(ResponseTemplate::new(200).set_body_bytes(big.clone())).await;
    let err = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()), Expect::Gif)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
    big.truncate(MAX_FLAG_BYTES);
    let server = serve(ResponseTemplate::new(200).set_body_bytes(big)).await;
    let body = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()), Expect::Gif)
        .await
        .unwrap();
    assert_eq!(body.len(), MAX_FLAG_BYTES, "exactly 1 MiB is fine");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chunked_body_over_one_mib_is_refused_while_reading() {
    // No Content-Length: the cap must hold while the bytes stream in.
    let err = fetch_fault(Fault::OversizedChunked).await;
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("refused a flag larger than 1 MiB from ")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_metadata_json_too_large_is_called_what_it_is() {
    let server = Hostile::new(Fault::None).huge_metadata().start();
    let url = format!("{}/bd/metadata.json", server.base_url());
    let err = fetch_both(url, Expect::Json).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("refused a metadata.json larger than 64 KiB from "),
        "{err}"
    );
    let fine = Hostile::new(Fault::None).start();
    let url = format!("{}/bd/metadata.json", fine.base_url());
    let json = fetch_both(url, Expect::Json).await.unwrap();
    assert!(json.starts_with(b"{"), "metadata is not checked for a GIF");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_cut_short_is_an_error() {
    let err = fetch_fault(Fault::CutShort).await;
    assert!(matches!(err, FetchError::Body { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_times_out() {
    let server = serve(ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).await;
    let err = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()), Expect::Gif)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    assert!(err.to_string().starts_with("timed out ("), "{err}");
}

// ANCHOR: trickle
#[tokio::test(flavor = "multi_thread")]
async fn a_trickled_body_times_out_though_each_byte_comes_in_time() {
    // A byte every 100 ms, about 100 bytes: every read is quick, the whole
    // answer takes 10 s. The 300 ms deadline covers the whole request.
    let err = fetch_fault(Fault::Trickle(Duration::from_millis(100))).await;
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
}
// ANCHOR_END: trickle

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_answer_times_out() {
    let err = fetch_fault(Fault::Stall).await;
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_200_that_is_not_a_gif_says_what_came() {
    for fault in [Fault::Html, Fault::Empty, Fault::NoContent] {
        let err = fetch_fault(fault).await;
        assert!(matches!(err, FetchError::NotGif { .. }), "{fault:?}: {err}");
        assert!(
            err.to_string().starts_with(fault.message()),
            "{fault:?}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encoded_body_is_refused_not_saved() {
    let err = fetch_fault(Fault::Gzip).await;
    assert!(matches!(err, FetchError::Encoded { .. }), "{err}");
    assert!(err.to_string().contains("Content-Encoding: gzip"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_ends() {
    let server = Hostile::new(Fault::RedirectLoop).start();
    let url = format!("{}/bd/bd.gif", server.base_url());
    let err = fetch_both(url, Expect::Gif).await.unwrap_err();
    assert!(matches!(err, FetchError::Redirects { .. }), "{err}");
    // reqwest follows 10, then gives up: both clients, 11 requests each.
    assert_eq!(server.requests(), 22);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_a_connection_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = fetch_both(
        format!("http://127.0.0.1:{port}/flags/bd/bd.gif"),
        Expect::Gif,
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_in_the_url_is_never_in_an_error() {
    let server = Hostile::new(Fault::Html).start();
    let url = server.base_url().replace("http://", "http://me:hunter2@") + "/bd/bd.gif";
    let err = fetch_both(url, Expect::Gif).await.unwrap_err();
    let FetchError::NotGif { url, .. } = &err else {
        panic!("{err}")
    };
    assert!(url.contains("me:***@") && !url.contains("hunter2"), "{url}");
}

#[test]
fn stopping_the_run_ends_a_blocking_request_in_flight() {
    // A stalled answer and a timeout of an hour: only the stop can end it.
    let server = Hostile::new(Fault::Stall).start();
    let url = format!("{}/bd/bd.gif", server.base_url());
    let stop = Stop::new();
    let client = blocking_client(&url, Duration::from_secs(3600), &stop).unwrap();
    let waiting = std::thread::spawn(move || fetch_blocking(&client, &url, Expect::Gif));
    server.wait_for_requests(1);
    stop.stop(StopReason::Terminate);
    let err = waiting.join().unwrap().unwrap_err();
    assert!(err.is_interrupted(), "{err}");
}

#[tokio::test]
async fn a_stopped_run_sends_no_request() {
    let server = Hostile::new(Fault::None).start();
    let stop = Stop::new();
    stop.stop(StopReason::Interrupt);
    let client = async_client(&server.base_url(), TIMEOUT, &stop).unwrap();
    let url = format!("{}/bd/bd.gif", server.base_url());
    let err = fetch(&client, &url, Expect::Gif).await.unwrap_err();
    assert!(err.is_interrupted(), "{err}");
    assert_eq!(server.requests(), 0);
}
