//! The long-running server of the `mock-server` binary, on hyper.
//!
//! Unlike the wiremock [`TestServer`](crate::TestServer) it keeps no log, so
//! its memory stays bounded however many requests it serves.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::plan::{Answer, Plan, Resource};
use crate::record::Recorder;
use crate::timer;

/// The binary's server on a runtime of its own, for benchmarks: no log, no
/// recording, bounded memory; it stops when dropped.
pub struct SpawnedServer {
    base_url: String,
    // Dropping the runtime stops the server.
    _runtime: tokio::runtime::Runtime,
}

impl SpawnedServer {
    /// Serves `plan` on a free loopback port, on `threads` threads.
    pub fn start(plan: Plan, threads: usize) -> io::Result<SpawnedServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("mock-server")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let base_url = format!("http://{}/flags", listener.local_addr()?);
        runtime.spawn(serve(listener, Arc::new(plan), true));
        Ok(SpawnedServer {
            base_url,
            _runtime: runtime,
        })
    }

    /// The base URL of the flags: `http://127.0.0.1:PORT/flags`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// Serves `plan` on `listener` until the task is dropped. With `quiet`
/// false, logs a line per request in the spirit of the book's
/// `slow_server.py`: `BD delay: 0.96s 200`.
pub async fn serve(listener: TcpListener, plan: Arc<Plan>, quiet: bool) -> io::Result<()> {
    let recorder = Arc::new(Recorder::new(false));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors, say: wait a little and go on
                // serving the connections we have.
                eprintln!("mock-server: accept failed: {err}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small answers: send them now rather than wait for more to batch.
        stream.set_nodelay(true)?;
        let plan = Arc::clone(&plan);
        let recorder = Arc::clone(&recorder);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let plan = Arc::clone(&plan);
                let recorder = Arc::clone(&recorder);
                async move {
                    let arrival = Instant::now();
                    let path = request.uri().path();
                    let answer = recorder.answer(&plan, request.method().as_str(), path);
                    if !answer.delay.is_zero() {
                        // Not tokio::time::sleep: its millisecond ticks would
                        // add up to 2 ms to every delay.
                        timer::sleep_until(arrival + answer.delay).await;
                    }
                    if !quiet {
                        println!("{}", log_line(path, &answer));
                    }
                    Ok::<_, Infallible>(response(answer))
                }
            });
            // An error here is a client that went away: nothing to do.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn response(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    if let Some(fault) = answer.fault {
        headers.insert("x-mock-fault", HeaderValue::from_static(fault.as_str()));
    }
    if answer.status == 405 {
        headers.insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    response
}

/// `BD delay: 0.96s 200`, `BD metadata delay: 0.51s 200`, or the path and
/// status for anything that is not a flag.
fn log_line(path: &str, answer: &Answer) -> String {
    let delay = answer.delay.as_secs_f64();
    match Resource::parse(path) {
        Some(Resource::Gif(cc)) => format!("{cc} delay: {delay:.2}s {}", answer.status),
        Some(Resource::Metadata(cc)) => {
            format!("{cc} metadata delay: {delay:.2}s {}", answer.status)
        }
        None => format!("{path:?} {}", answer.status),
    }
}
