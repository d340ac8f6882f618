//! Tasks against futures, as the server sees them: a spawned task sends its
//! request with nobody awaiting it, a future handed to `try_join_all` sends
//! nothing until the join is awaited, and dropping a `JoinSet` hangs up on
//! the requests still out.
//!
//! Every wait here is for something the server saw, with a hang guard far
//! above any real run; no test reads the clock to decide.

use std::time::{Duration, Instant};

use flags_asyncio::spawn::{spawn_all, supervisor};
use flags_common::{Code, flag_url};
use flags_seq::Config;
use futures::future::try_join_all;
use mock_server::{Gate, Observation, Plan, Preset, SpawnedServer};

fn codes(list: &[&str]) -> Vec<Code> {
    list.iter().map(|c| Code::parse(c).unwrap()).collect()
}

fn paths(list: &[&str]) -> Vec<String> {
    codes(list)
        .iter()
        .map(|&cc| flag_url("/flags", cc))
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Waits until the server's observations satisfy `done`, and returns them.
/// A hang guard, not a measure: a minute is far above any real run.
fn wait_until(server: &SpawnedServer, done: impl Fn(&[Observation]) -> bool) -> Vec<Observation> {
    let guard = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = server.observations();
        if done(&seen) {
            return seen;
        }
        assert!(
            Instant::now() < guard,
            "hang guard: the server saw only {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn sorted_paths(seen: &[Observation]) -> Vec<String> {
    let mut paths: Vec<String> = seen.iter().map(|o| o.path.clone()).collect();
    paths.sort();
    paths
}

// ANCHOR: eager_lazy
#[test]
fn tasks_run_unawaited_while_joined_futures_wait_to_be_polled() {
    let server = SpawnedServer::recording(Plan::preset(Preset::Local), None).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let (config, _) = Config::new(server.site(), dest.path()).recording();
    let runtime = runtime();
    let _inside = runtime.enter(); // `spawn` hands its tasks to this runtime
    let client = config.async_client().unwrap();

    // Lazy: BR and CN, two futures joined, and not awaited.
    let lazy = try_join_all(
        codes(&["BR", "CN"])
            .into_iter()
            .map(|cc| flags_asyncio::download_one(&config, &client, cc)),
    );
    // Eager: ID and IN, two tasks spawned, and not awaited either.
    let tasks = spawn_all(&config, &client, &codes(&["ID", "IN"]));

    // This thread awaits nothing: it watches the server until two requests
    // have come. They are the tasks'; the joined futures sent nothing.
    let seen = wait_until(&server, |seen| seen.len() >= 2);
    assert_eq!(sorted_paths(&seen), paths(&["ID", "IN"]));

    // Awaited at last, the join sends its requests.
    assert_eq!(runtime.block_on(lazy).unwrap(), codes(&["BR", "CN"]));
    assert_eq!(
        sorted_paths(&server.observations()),
        paths(&["BR", "CN", "ID", "IN"])
    );
    let finished = runtime.block_on(tasks.join_all());
    assert!(finished.iter().all(Result::is_ok), "{finished:?}");
}
// ANCHOR_END: eager_lazy

#[test]
fn the_supervisor_takes_each_result_as_its_task_ends() {
    // CN IN US ID BR: the book's population order, which is neither the
    // sorted order nor its reverse. Answers 200 ms apart, all five held
    // until all five are in flight.
    let five = codes(&["BR", "CN", "ID", "IN", "US"]);
    let plan = [
        ("CN", 100),
        ("IN", 300),
        ("US", 500),
        ("ID", 700),
        ("BR", 900),
    ]
    .into_iter()
    .fold(Plan::preset(Preset::Local), |plan, (cc, ms)| {
        plan.delay_for_code(Code::parse(cc).unwrap(), Duration::from_millis(ms))
    });
    let server = SpawnedServer::recording(plan, Some(Gate::for_limit(5, &five))).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let (config, shown) = Config::new(server.site(), dest.path()).recording();

    let done = runtime().block_on(supervisor(&config, &five)).unwrap();

    let by_population = codes(&["CN", "IN", "US", "ID", "BR"]);
    assert_eq!(done, by_population, "completion order");
    assert_eq!(*shown.lock().unwrap(), by_population);
    assert_eq!(server.peak_in_flight(), 5, "all spawned at once");
}

#[test]
fn the_first_error_drops_the_set_and_hangs_up_on_the_rest() {
    // ZZ has no flag and answers 404 at once; BR and CN would take minutes.
    // The gate holds ZZ's answer until all three are in flight, so the
    // error cannot come before BR and CN are asked.
    let plan = Plan::preset(Preset::Local)
        .delay(Duration::from_secs(600))
        .delay_for_code(Code::parse("ZZ").unwrap(), Duration::ZERO);
    let three = codes(&["BR", "CN", "ZZ"]);
    let server = SpawnedServer::recording(plan, Some(Gate::for_limit(3, &three))).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let (config, _) = Config::new(server.site(), dest.path()).recording();
    // The runtime lives on after the error: only the JoinSet's drop can
    // stop the two tasks still waiting.
    let runtime = runtime();

    let err = runtime.block_on(supervisor(&config, &three)).unwrap_err();

    assert_eq!(err.to_string(), "ZZ: HTTP error 404 - Not Found");
    let seen = wait_until(&server, |seen| {
        seen.iter().filter(|o| o.abandoned).count() == 2
    });
    let abandoned: Vec<&str> = seen
        .iter()
        .filter(|o| o.abandoned)
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(abandoned.len(), 2, "{seen:?}");
    assert!(!abandoned.contains(&"/flags/zz/zz.gif"), "{seen:?}");
}
