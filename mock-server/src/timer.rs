//! Sleeping to within a fraction of a millisecond.
//!
//! tokio's timer works in whole milliseconds: a 10 ms sleep ends 10 to 12 ms
//! later, which would add up to a fifth to every injected delay and blur the
//! ideal bound the benchmarks compare against. One thread keeps the
//! deadlines in a heap and waits on a condition variable, whose timeouts
//! the kernel honours to tens of microseconds; at each deadline it wakes
//! the waiting task.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Instant;

use tokio::sync::oneshot;

/// Waits until `deadline`, to within tens of microseconds.
pub async fn sleep_until(deadline: Instant) {
    if deadline <= Instant::now() {
        return;
    }
    let (tx, rx) = oneshot::channel();
    timer().add(deadline, tx);
    // An error means the timer thread is gone, which it never is.
    let _ = rx.await;
}

struct Timer {
    queue: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Entry>,
    next_id: u64,
}

/// A deadline and the task to wake; the heap's top is the earliest.
struct Entry {
    deadline: Instant,
    id: u64,
    wake: oneshot::Sender<()>,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap, we want the earliest first.
        (other.deadline, other.id).cmp(&(self.deadline, self.id))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.id) == (other.deadline, other.id)
    }
}

impl Eq for Entry {}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::new(Timer {
            queue: Mutex::default(),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("mock-server-timer".into())
            .spawn(move || timer.run())
            .expect("the timer thread starts");
        timer
    })
}

impl Timer {
    fn add(&self, deadline: Instant, wake: oneshot::Sender<()>) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let id = queue.next_id;
        queue.next_id += 1;
        let earliest = queue.heap.peek().is_none_or(|top| deadline < top.deadline);
        queue.heap.push(Entry { deadline, id, wake });
        if earliest {
            // The thread may be waiting for a later deadline: let it look again.
            self.changed.notify_one();
        }
    }

    fn run(&self) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            queue = match queue.heap.peek() {
                Some(top) if top.deadline <= now => {
                    let due = queue.heap.pop().expect("just peeked");
                    // The task may have gone (its client hung up): fine.
                    let _ = due.wake.send(());
                    queue
                }
                Some(top) => {
                    let wait = top.deadline - now;
                    self.changed
                        .wait_timeout(queue, wait)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.changed.wait(queue).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn never_wakes_a_sleeper_before_its_deadline() {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for ms in [30u64, 10, 20, 0] {
            let deadline = start + Duration::from_millis(ms);
            tasks.push(tokio::spawn(async move {
                sleep_until(deadline).await;
                assert!(Instant::now() >= deadline, "never early");
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    }

    #[test]
    fn the_queue_gives_the_earliest_deadline_first() {
        // The order of wake-ups is the heap's: tested without a clock, so a
        // busy machine that polls a task late cannot reorder it.
        let start = Instant::now();
        let mut queue = Queue::default();
        let mut receivers = Vec::new();
        for (id, ms) in [30u64, 10, 20, 0, 10].into_iter().enumerate() {
            let (wake, rx) = oneshot::channel();
            receivers.push(rx);
            queue.heap.push(Entry {
                deadline: start + Duration::from_millis(ms),
                id: id as u64,
                wake,
            });
        }
        let order: Vec<u64> = std::iter::from_fn(|| queue.heap.pop().map(|e| e.id)).collect();
        // Earliest first; equal deadlines in the order they were added.
        assert_eq!(order, [3, 1, 4, 2, 0]);
    }
}
