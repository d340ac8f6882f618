//! The long-running server of the `mock-server` binary, on hyper, and the
//! recording, gated server the grader runs.
//!
//! Unlike the wiremock [`TestServer`](crate::TestServer), the binary's
//! server keeps no log (only the last requests, to draw them), so its
//! memory stays bounded however many requests
//! it serves; and it stays up whatever its clients do: idle connections
//! are closed after ten seconds and open ones are bounded
//! (`connections.rs`), and its log never holds up an answer (`log.rs`).
//!
//! It draws what it served: `GET /timeline.svg` and `GET /timeline.txt`
//! give the timeline of its last requests (at most [`timeline::KEPT`]),
//! each from its arrival to its answer, as the clients' `--timeline` does.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::ext::ReasonPhrase;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::connections::{AcceptErrors, Connections, MAX_CONNECTIONS};
use crate::gate::{Gate, GateReport, GateState};
use crate::plan::{Answer, Plan, Resource};
use crate::record::{Observation, Recorder};
use crate::{log, timer};

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
    /// What it served, for `/timeline.svg` and `/timeline.txt`.
    served: timeline::Recorder,
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
            served: timeline::Recorder::new(),
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

    /// What it served, as `/timeline.svg` draws it: each request from its
    /// arrival to its answer (or the client's hang-up), by outcome.
    pub fn timeline(&self) -> timeline::Timeline {
        self.shared.served.timeline()
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
/// false, logs a line per request as it arrives, in the spirit of the
/// book's `slow_server.py`: `BD delay: 0.96s 200`, and another if the
/// client leaves before the answer: `BD *** client closed after 3.10s,
/// before the answer`.
pub async fn serve(listener: TcpListener, plan: Arc<Plan>, quiet: bool) -> io::Result<()> {
    let shared = Arc::new(Shared {
        plan: Plan::clone(&plan),
        recorder: Recorder::new(false),
        gate: None,
        quiet,
        served: timeline::Recorder::new(),
    });
    serve_shared(listener, shared).await
}

async fn serve_shared(listener: TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let connections = Connections::new(MAX_CONNECTIONS);
    let never = tokio::select! {
        never = accept(listener, shared, &connections) => never,
        never = connections.sweep() => never,
    };
    match never {}
}

/// Accepts connections and serves each on a task of its own.
async fn accept(
    listener: TcpListener,
    shared: Arc<Shared>,
    connections: &Arc<Connections>,
) -> Infallible {
    let http = http1::Builder::new();
    let mut errors = AcceptErrors::new();
    loop {
        let room = connections.room().await;
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                errors.failed(err, connections).await;
                continue;
            }
        };
        errors.succeeded();
        // Small answers: send them now rather than wait for more to batch.
        // It fails only for a client already gone, which hyper will see.
        let _ = stream.set_nodelay(true);
        let slot = connections.enter(room);
        let connection = slot.connection();
        let shared = Arc::clone(&shared);
        let busy = Arc::clone(&connection);
        let service = service_fn(move |request: Request<Incoming>| {
            let (shared, busy) = (Arc::clone(&shared), busy.busy());
            async move {
                let _busy = busy;
                Ok::<_, Infallible>(shared.answer(&request).await)
            }
        });
        let serving = http.serve_connection(TokioIo::new(stream), service);
        let task = tokio::spawn(async move {
            let _slot = slot;
            // An error here is a client that went away: nothing to do.
            let _ = serving.await;
        });
        // Closing an idle connection aborts its task.
        connection.served_by(task.abort_handle());
    }
}

impl Shared {
    /// The plan's answer to one request, after its delay and the gate.
    async fn answer(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        let arrival = Instant::now();
        let (method, path) = (request.method().as_str(), request.uri().path());
        if let Some(drawn) = self.timeline(path) {
            return drawn;
        }
        let served_from = self.served.now();
        let (index, answer) = self.recorder.arrive(&self.plan, method, path);
        if !self.quiet {
            log::out(|| arrival_line(method, path, &answer));
        }
        if let Some(gate) = &self.gate {
            gate.arrive(path);
        }
        // Dropped with this future if the client hangs up first.
        let mut ending = Ending {
            shared: self,
            index,
            method,
            path,
            arrival,
            served_from,
            status: answer.status,
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
            match start.checked_add(answer.delay) {
                Some(due) => timer::sleep_until(due).await,
                None => std::future::pending().await,
            }
        }
        if let Some(gate) = &self.gate {
            gate.release(ramp_held).await;
        }
        ending.answered = true;
        response(answer)
    }

    /// `/timeline.svg` or `/timeline.txt`: what this server served, drawn.
    fn timeline(&self, path: &str) -> Option<Response<Full<Bytes>>> {
        let (drawn, content_type) = match path {
            "/timeline.svg" => (
                timeline::svg(&self.served.timeline(), None),
                "image/svg+xml",
            ),
            "/timeline.txt" => (
                timeline::text(&self.served.timeline(), None, timeline::WIDTH),
                "text/plain; charset=utf-8",
            ),
            _ => return None,
        };
        let mut response = Response::new(Full::new(Bytes::from(drawn)));
        (response.headers_mut()).insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        Some(response)
    }
}

/// Records the end of a request: answered, or abandoned when the client
/// hung up (the request's future is dropped before it is answered).
struct Ending<'a> {
    shared: &'a Shared,
    index: usize,
    method: &'a str,
    path: &'a str,
    arrival: Instant,
    /// Its arrival on the timeline's clock, and the status it gets.
    served_from: Duration,
    status: u16,
    answered: bool,
}

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        if !self.answered {
            if let Some(gate) = &self.shared.gate {
                gate.abandon();
            }
            if !self.shared.quiet {
                let held = self.arrival.elapsed().as_secs_f64();
                log::out(|| {
                    format!(
                        "{} *** client closed after {held:.2}s, before the answer",
                        label(self.method, self.path)
                    )
                });
            }
        }
        self.shared.recorder.end(self.index, !self.answered);
        let outcome = match (self.answered, self.status) {
            // The client gave up waiting: a stall, seen from here.
            (false, _) => timeline::Outcome::Stall,
            (true, 200) => timeline::Outcome::Ok,
            (true, 404) => timeline::Outcome::NotFound,
            (true, _) => timeline::Outcome::Error,
        };
        let label = self.path.strip_prefix("/flags/").unwrap_or(self.path);
        (self.shared.served).record(label, self.served_from, outcome);
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
    if answer.status == 418 {
        // hyper would send its own spelling, `I'm a teapot`; clients print
        // the book's.
        let teapot = ReasonPhrase::from_static(b"I'm a Teapot");
        response.extensions_mut().insert(teapot);
    }
    response
}

/// `BD delay: 0.96s 200`, `BD metadata delay: 0.51s 200`, or the path and
/// status for anything that is not a flag.
fn arrival_line(method: &str, path: &str, answer: &Answer) -> String {
    let delay = answer.delay.as_secs_f64();
    let label = label(method, path);
    match Resource::parse(path) {
        Some(_) => format!("{label} delay: {delay:.2}s {}", answer.status),
        None => format!("{label} {}", answer.status),
    }
}

/// What a log line calls a request: `BD`, `BD metadata`, or the path;
/// after the method if it is not GET (`HEAD BD`).
fn label(method: &str, path: &str) -> String {
    let what = match Resource::parse(path) {
        Some(Resource::Gif(cc)) => cc.to_string(),
        Some(Resource::Metadata(cc)) => format!("{cc} metadata"),
        None => format!("{path:?}"),
    };
    match method {
        "GET" => what,
        _ => format!("{method} {what}"),
    }
}
