//! The gate makes concurrency seen, not timed: a pool reaches its floor
//! however slowly it starts and never waits on a refill, while a loop and a
//! batching client leave their holds to expire. A correct client's hold is
//! long (it must never run out); a wrong client's is short (it always does).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use flags_common::{Code, flag_url};
use mock_server::{Gate, Plan, Preset, SpawnedServer, peak_in_flight};

fn codes(n: usize) -> Vec<Code> {
    flags_common::pop20().into_iter().take(n).collect()
}

fn gate(floor: usize, codes: &[Code], hold: Duration) -> Gate {
    Gate {
        floor,
        ceiling: floor,
        expected: codes
            .iter()
            .map(|&cc| flag_url("/flags", cc))
            .collect::<BTreeSet<_>>(),
        hold,
        settle: Duration::from_millis(20),
        refill: floor > 1,
    }
}

fn get(client: &reqwest::blocking::Client, base: &str, cc: Code) {
    let response = client.get(flag_url(base, cc)).send().unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().unwrap();
}

fn server(gate: Gate) -> SpawnedServer {
    // Tiny delays: the gate, not the plan, decides who waits.
    let plan = Plan::preset(Preset::Local).delay(Duration::from_millis(1));
    SpawnedServer::recording(plan, Some(gate)).unwrap()
}

/// `workers` threads take the codes from one queue, each starting the next
/// as soon as its last is answered: a thread pool.
fn pool(server: &SpawnedServer, codes: &[Code], workers: usize) {
    let queue = Mutex::new(codes.to_vec());
    let client = reqwest::blocking::Client::new();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    // The lock is let go before the request.
                    let next = queue.lock().unwrap().pop();
                    let Some(cc) = next else { break };
                    get(&client, server.base_url(), cc);
                }
            });
        }
    });
}

#[test]
fn a_pool_reaches_its_floor_and_is_never_held_for_long() {
    let codes = codes(12);
    // A hold far longer than any run: a pool must never see it run out.
    let server = server(gate(4, &codes, Duration::from_secs(600)));
    pool(&server, &codes, 4);
    let report = server.gate_report().unwrap();
    assert_eq!(report.ramp_expired, None);
    assert_eq!(report.refill_expired, None);
    assert_eq!(peak_in_flight(&server.observations()), 4);
}

#[test]
fn a_loop_lets_both_holds_expire_and_shows_one_in_flight() {
    let codes = codes(3);
    let server = server(gate(4, &codes, Duration::from_millis(100)));
    let client = reqwest::blocking::Client::new();
    for &cc in &codes {
        get(&client, server.base_url(), cc);
    }
    let report = server.gate_report().unwrap();
    let ramp = report
        .ramp_expired
        .expect("the ramp waited for 4 in flight");
    assert_eq!((ramp.in_flight, ramp.unasked), (1, 2));
    // The ramp's first answer is spared the refill rule: the second waits.
    let refill = report.refill_expired.expect("the refill never came");
    assert_eq!((refill.in_flight, refill.unasked), (1, 1));
    assert_eq!(peak_in_flight(&server.observations()), 1);
}

#[test]
fn batches_reach_the_floor_but_never_refill() {
    let codes = codes(12);
    // Long enough for 4 threads to start on a busy machine: the ramp must
    // open; the refill runs out whatever its length.
    let server = server(gate(4, &codes, Duration::from_secs(2)));
    let client = reqwest::blocking::Client::new();
    for batch in codes.chunks(4) {
        std::thread::scope(|scope| {
            for &cc in batch {
                let client = &client;
                let server = &server;
                scope.spawn(move || get(client, server.base_url(), cc));
            }
        });
    }
    let report = server.gate_report().unwrap();
    assert_eq!(report.ramp_expired, None, "4 at once opens the ramp");
    let refill = report
        .refill_expired
        .expect("the batch waited for its last");
    assert_eq!((refill.in_flight, refill.unasked), (1, 4));
    assert_eq!(peak_in_flight(&server.observations()), 4);
}

#[test]
fn a_client_over_its_limit_opens_the_ramp_and_shows_it() {
    let codes = codes(10);
    let server = server(gate(4, &codes, Duration::from_secs(600)));
    pool(&server, &codes, 10);
    assert_eq!(server.gate_report().unwrap().ramp_expired, None);
    // The ramp held the first answers until more than the ceiling arrived.
    assert!(peak_in_flight(&server.observations()) > 4);
}

#[test]
fn a_client_that_hangs_up_is_recorded_as_abandoned() {
    let codes = codes(2);
    let server = server(gate(2, &codes, Duration::from_secs(600)));
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    // One request alone never opens a ramp of 2: the client gives up.
    assert!(
        client
            .get(flag_url(server.base_url(), codes[0]))
            .send()
            .is_err()
    );
    // The server notices the hang-up when it next polls the connection.
    let abandoned = (0..1000).find_map(|_| {
        std::thread::sleep(Duration::from_millis(10));
        let seen = server.observations();
        seen.first().filter(|o| o.abandoned).cloned()
    });
    assert!(abandoned.is_some(), "{:?}", server.observations());
}
