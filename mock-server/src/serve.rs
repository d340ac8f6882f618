//! The long-running server of the `mock-server` binary, on hyper, and the
//! recording, gated server the grader runs.
//!
//! Unlike the wiremock [`TestServer`](crate::TestServer), the binary's
//! server keeps no log, so its memory stays bounded however many requests
//! it serves.

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

use crate::gate::{Gate, GateReport, GateState};
use crate::plan::{Answer, Plan, Resource};
use crate::record::{Observation, Recorder};
use crate::timer;

/// The binary's server on a runtime of its own, for benchmarks and
/// grading; it stops when dropped.
///
/// [`SpawnedServer::start`] keeps no log, so its memory stays bounded (the
/// benchmarks). [`SpawnedServer::recording`] keeps every request with the
/// moment its answer really left, and can hold answers behind a [`Gate`]
/// (the grader: a run that ends).
pub struct SpawnedServer {
    base_url: String,
    shared: Arc<Shared>,
    // Dropping the runtime stops the server.
    _runtime: tokio::runtime::Runtime,
}

/// What every connection of a server shares.
struct Shared {
    plan: Plan,
    recorder: Recorder,
    gate: Option<GateState>,
    quiet: bool,
}

impl SpawnedServer {
    /// Serves `plan` on a free loopback port, on `threads` threads.
    pub fn start(plan: Plan, threads: usize) -> io::Result<SpawnedServer> {
        SpawnedServer::spawn(plan, threads, Recorder::new(false), None)
    }

    /// Serves `plan` on a free loopback port, recording every request and
    /// when it really ended, with answers held behind `gate` if given.
    pub fn recording(plan: Plan, gate: Option<Gate>) -> io::Result<SpawnedServer> {
        let recorder = Recorder::with_real_ends();
        let gate = gate.map(|g| GateState::new(g, recorder.start()));
        SpawnedServer::spawn(plan, 2, recorder, gate)
    }

    fn spawn(
        plan: Plan,
        threads: usize,
        recorder: Recorder,
        gate: Option<GateState>,
    ) -> io::Result<SpawnedServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("mock-server")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let base_url = format!("http://{}/flags", listener.local_addr()?);
        let shared = Arc::new(Shared {
            plan,
            recorder,
            gate,
            quiet: true,
        });
        runtime.spawn(serve_shared(listener, Arc::clone(&shared)));
        Ok(SpawnedServer {
            base_url,
            shared,
            _runtime: runtime,
        })
    }

    /// The base URL of the flags: `http://127.0.0.1:PORT/flags`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The time on the clock of the observations (since the server started).
    pub fn now(&self) -> Duration {
        self.shared.recorder.start().elapsed()
    }

    /// Every request seen so far, in arrival order (only when recording).
    pub fn observations(&self) -> Vec<Observation> {
        self.shared.recorder.observations()
    }

    /// What the gate held back, if there is one.
    pub fn gate_report(&self) -> Option<GateReport> {
        self.shared.gate.as_ref().map(GateState::report)
    }

    /// The plan it serves.
    pub fn plan(&self) -> &Plan {
        &self.shared.plan
    }

    /// The server as a site, labelled after its preset (`LOCAL site: …`).
    pub fn site(&self) -> flags_common::Site {
        flags_common::Site::new(self.shared.plan.preset_kind().to_string(), self.base_url())
    }

    /// The number of requests per path (only when recording).
    pub fn requests_per_path(&self) -> std::collections::BTreeMap<String, usize> {
        crate::record::requests_per_path(&self.observations())
    }

    /// The peak number of requests in flight at once (only when recording).
    pub fn peak_in_flight(&self) -> usize {
        crate::record::peak_in_flight(&self.observations())
    }
}

/// Serves `plan` on `listener` until the task is dropped. With `quiet`
/// false, logs a line per request in the spirit of the book's
/// `slow_server.py`: `BD delay: 0.96s 200`.
pub async fn serve(listener: TcpListener, plan: Arc<Plan>, quiet: bool) -> io::Result<()> {
    let shared = Arc::new(Shared {
        plan: Plan::clone(&plan),
        recorder: Recorder::new(false),
        gate: None,
        quiet,
    });
    serve_shared(listener, shared).await
}

async fn serve_shared(listener: TcpListener, shared: Arc<Shared>) -> io::Result<()> {
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
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(shared.answer(&request).await) }
            });
            // An error here is a client that went away: nothing to do.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Shared {
    /// The plan's answer to one request, after its delay and the gate.
    async fn answer(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        let arrival = Instant::now();
        let path = request.uri().path();
        let (index, answer) = self
            .recorder
            .arrive(&self.plan, request.method().as_str(), path);
        if let Some(gate) = &self.gate {
            gate.arrive(path);
        }
        // Dropped with this future if the client hangs up first.
        let mut ending = Ending {
            shared: self,
            index,
            answered: false,
        };
        // A gate's ramp is a starting gun: the plan's delays run from the
        // moment it opens, so holding the first answers never bunches them.
        let (start, ramp_held) = match &self.gate {
            Some(gate) => gate.start(arrival).await,
            None => (arrival, false),
        };
        if !answer.delay.is_zero() {
            // Not tokio::time::sleep: its millisecond ticks would add up to
            // 2 ms to every delay.
            timer::sleep_until(start + answer.delay).await;
        }
        if let Some(gate) = &self.gate {
            gate.release(ramp_held).await;
        }
        ending.answered = true;
        if !self.quiet {
            println!("{}", log_line(path, &answer));
        }
        response(answer)
    }
}

/// Records the end of a request: answered, or abandoned when the client
/// hung up (the request's future is dropped before it is answered).
struct Ending<'a> {
    shared: &'a Shared,
    index: usize,
    answered: bool,
}

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        if !self.answered {
            if let Some(gate) = &self.shared.gate {
                gate.abandon();
            }
        }
        self.shared.recorder.end(self.index, !self.answered);
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
