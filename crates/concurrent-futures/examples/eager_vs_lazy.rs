//! Where are the futures? A Python future (and this crate's) is scheduled
//! when it is submitted; a Rust `async` future does nothing until polled.
//!
//! ```text
//! $ cargo run -p concurrent-futures --example eager_vs_lazy
//! eager: the call ran, and nobody asked for its result
//! lazy: built, not yet run
//! lazy: ran when polled, and returned 42
//! ```

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};

use concurrent_futures::Executor;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: eager
    let executor = Executor::new(1)?;
    let (tx, rx) = mpsc::channel();
    let future = executor.submit(move || tx.send("ran").map(|()| 42));
    drop(future); // nobody will ever ask for the result...
    assert_eq!(rx.recv()?, "ran"); // ...yet the call ran: submit scheduled it
    println!("eager: the call ran, and nobody asked for its result");
    // ANCHOR_END: eager

    // ANCHOR: lazy
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let future = async move {
        flag.store(true, Ordering::SeqCst);
        42
    };
    // Building the future ran none of its body.
    assert!(!ran.load(Ordering::SeqCst));
    println!("lazy: built, not yet run");
    // An executor (tokio, in flags-asyncio) would poll it; here, by hand.
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready(answer) = future.as_mut().poll(&mut cx) else {
        unreachable!("the body never waits")
    };
    assert!(ran.load(Ordering::SeqCst));
    println!("lazy: ran when polled, and returned {answer}");
    // ANCHOR_END: lazy
    Ok(())
}
