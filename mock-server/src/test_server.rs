//! The in-process server for tests, benchmarks and grading, on wiremock.
//!
//! It starts on `127.0.0.1:0`, answers every request from a [`Plan`], and
//! records what it saw. wiremock keeps a copy of each matched request, so
//! use it for runs that end (a test, a benchmark, a grading run), and the
//! `mock-server` binary for a server that stays up.

use std::collections::BTreeMap;
use std::sync::Arc;

use flags_common::Site;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use crate::plan::{Answer, Plan};
use crate::record::{self, Observation, Recorder};

/// A running in-process server; it stops when dropped.
pub struct TestServer {
    server: MockServer,
    plan: Arc<Plan>,
    recorder: Arc<Recorder>,
}

struct PlanResponder {
    plan: Arc<Plan>,
    recorder: Arc<Recorder>,
}

impl Respond for PlanResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let answer = self
            .recorder
            .answer(&self.plan, request.method.as_str(), request.url.path());
        template(answer)
    }
}

fn template(answer: Answer) -> ResponseTemplate {
    let mut template = ResponseTemplate::new(answer.status)
        .set_body_raw(answer.body.to_vec(), answer.content_type)
        .set_delay(answer.delay);
    if let Some(fault) = answer.fault {
        template = template.insert_header("x-mock-fault", fault.as_str());
    }
    if answer.status == 405 {
        template = template.insert_header("allow", "GET, HEAD");
    }
    template
}

impl TestServer {
    /// Starts a server for `plan` on a free loopback port.
    pub async fn start(plan: Plan) -> TestServer {
        // wiremock runs the server on a thread of its own; recording is off
        // because the Recorder keeps what we need.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let plan = Arc::new(plan);
        let recorder = Arc::new(Recorder::new(true));
        Mock::given(any())
            .respond_with(PlanResponder {
                plan: Arc::clone(&plan),
                recorder: Arc::clone(&recorder),
            })
            .mount(&server)
            .await;
        TestServer {
            server,
            plan,
            recorder,
        }
    }

    /// Starts a server from synchronous code (a blocking client, a `main`
    /// without a runtime). Safe to call inside or outside a tokio runtime.
    pub fn start_blocking(plan: Plan) -> TestServer {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a current-thread runtime can always be built")
                        .block_on(TestServer::start(plan))
                })
                .join()
                .expect("starting the server does not panic")
        })
    }

    /// Starts an example's built-in server and says so on stderr, with what
    /// it injects: `Using the built-in test server at http://…/flags: …`.
    pub fn start_builtin(plan: Plan) -> TestServer {
        let server = TestServer::start_blocking(plan);
        eprintln!(
            "Using the built-in test server at {}: {}",
            server.base_url(),
            server.plan().describe()
        );
        server
    }

    /// The base URL of the flags: `http://127.0.0.1:PORT/flags`.
    pub fn base_url(&self) -> String {
        format!("{}/flags", self.server.uri())
    }

    /// The server as a site, labelled after its preset (`ERROR site: …`).
    pub fn site(&self) -> Site {
        Site::new(self.plan.preset_kind().to_string(), self.base_url())
    }

    /// The plan it serves.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Every request seen so far, in arrival order.
    pub fn observations(&self) -> Vec<Observation> {
        self.recorder.observations()
    }

    /// The number of requests per path (a duplicate shows as 2).
    pub fn requests_per_path(&self) -> BTreeMap<String, usize> {
        record::requests_per_path(&self.observations())
    }

    /// The peak number of requests in flight at once.
    pub fn peak_in_flight(&self) -> usize {
        record::peak_in_flight(&self.observations())
    }
}
