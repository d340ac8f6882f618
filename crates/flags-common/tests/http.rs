//! The HTTP helpers against real servers on loopback: statuses, the body
//! cap, cut-short bodies, timeouts and refused connections, for the
//! blocking and the async client alike.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use flags_common::FetchError;
use flags_common::http::{MAX_FLAG_BYTES, async_client, blocking_client, fetch, fetch_blocking};
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

/// Fetches `url` with both clients and checks they agree.
async fn fetch_both(url: String) -> Result<Vec<u8>, FetchError> {
    let blocking_url = url.clone();
    let blocking = tokio::task::spawn_blocking(move || {
        let client = blocking_client(&blocking_url, TIMEOUT).unwrap();
        fetch_blocking(&client, &blocking_url).map(|b| b.to_vec())
    })
    .await
    .unwrap();
    let client = async_client(&url, TIMEOUT).unwrap();
    let not_blocking = fetch(&client, &url).await.map(|b| b.to_vec());
    match (&blocking, &not_blocking) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("the clients disagree: {blocking:?} vs {not_blocking:?}"),
    }
    not_blocking
}

/// A one-shot raw server that answers the first connection with `response`
/// and closes: for what a well-behaved server library will not send.
fn raw_server(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // One connection per client kind.
        for _ in 0..2 {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(&response);
        }
    });
    format!("http://{addr}/flags/bd/bd.gif")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_comes_back_whole() {
    let server = serve(ResponseTemplate::new(200).set_body_bytes(b"GIF89a flag".to_vec())).await;
    let body = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()))
        .await
        .unwrap();
    assert_eq!(body, b"GIF89a flag");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_is_not_found_and_418_is_the_books_message() {
    let server = serve(ResponseTemplate::new(404)).await;
    let err = fetch_both(format!("{}/flags/zz/zz.gif", server.uri()))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let server = serve(ResponseTemplate::new(418)).await;
    let err = fetch_both(format!("{}/flags/aq/aq.gif", server.uri()))
        .await
        .unwrap_err();
    assert!(!err.is_not_found());
    assert_eq!(err.to_string(), "HTTP error 418 - I'm a Teapot");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_one_mib_is_refused() {
    let server =
        serve(ResponseTemplate::new(200).set_body_bytes(vec![0; MAX_FLAG_BYTES + 1])).await;
    let err = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
    let server = serve(ResponseTemplate::new(200).set_body_bytes(vec![0; MAX_FLAG_BYTES])).await;
    let body = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()))
        .await
        .unwrap();
    assert_eq!(body.len(), MAX_FLAG_BYTES, "exactly 1 MiB is fine");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chunked_body_over_one_mib_is_refused_while_reading() {
    // No Content-Length: the cap must hold while the bytes stream in.
    let chunk = vec![b'x'; 64 * 1024];
    let mut response =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..20 {
        response.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        response.extend(&chunk);
        response.extend(b"\r\n");
    }
    response.extend(b"0\r\n\r\n");
    let err = fetch_both(raw_server(response)).await.unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_cut_short_is_an_error() {
    let response =
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nGIF89a".to_vec();
    let err = fetch_both(raw_server(response)).await.unwrap_err();
    assert!(matches!(err, FetchError::Body { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_times_out() {
    let server = serve(ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).await;
    let err = fetch_both(format!("{}/flags/bd/bd.gif", server.uri()))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    assert!(err.to_string().starts_with("timed out ("), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_a_connection_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = fetch_both(format!("http://127.0.0.1:{port}/flags/bd/bd.gif"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");
}
