//! Asks that many sockets make at once, carried in batches: while one batch is on its way,
//! the asks that arrive queue up and leave together as the next one, so under load one round
//! trip carries many of them, and with little traffic an ask leaves at once, alone. Sends to
//! be stored, the room lists of new sockets and the presence of users who may have gone
//! offline all go this way (see `AppState`).
//!
//! Each ask is answered only with its own result, after the batch that carried it came back.

use std::future::Future;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Where asks queue; [`run`] drains it.
pub type Queue<T, R> = mpsc::UnboundedSender<(T, oneshot::Sender<R>)>;

/// The receiving end of a [`Queue`].
pub type Queued<T, R> = mpsc::UnboundedReceiver<(T, oneshot::Sender<R>)>;

/// How large batches grow and how many are in flight.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Batches on their way at once; while all are, asks queue for the next.
    pub in_flight: usize,
    /// The most asks in one batch.
    pub max_items: usize,
    /// The most total weight in one batch (for example bytes of JSON); a single ask heavier
    /// than this still leaves, alone.
    pub max_weight: usize,
}

impl Limits {
    /// Batches bounded by their count of asks alone.
    pub fn by_count(in_flight: usize, max_items: usize) -> Self {
        Self {
            in_flight,
            max_items,
            max_weight: usize::MAX,
        }
    }
}

/// Queues an ask and waits for its answer; `None` when the batcher has stopped or the batch
/// that carried it gave no answer for it.
pub async fn ask<T, R>(queue: &Queue<T, R>, item: T) -> Option<R> {
    let (answer, answered) = oneshot::channel();
    queue.send((item, answer)).ok()?;
    answered.await.ok()
}

/// Takes what is queued, as batches, until `cancel`; then carries what was already queued and
/// waits for the batches in flight, so their answers are given. `carry` gets a batch and must
/// answer with one result per ask, in order (a shorter answer leaves the rest unanswered).
pub async fn run<T, R, W, C, F>(
    mut queue: Queued<T, R>,
    cancel: CancellationToken,
    limits: Limits,
    weight: W,
    carry: C,
) where
    T: Send + 'static,
    R: Send + 'static,
    W: Fn(&T) -> usize,
    C: Fn(Vec<T>) -> F,
    F: Future<Output = Vec<R>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.in_flight));
    // An ask taken from the queue that would have made its batch too heavy: the next batch's
    // first.
    let mut carried = None;
    loop {
        // A slot first: while every slot is busy, asks keep queueing for the next batch.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let first = match carried.take() {
            Some(first) => Some(first),
            None => tokio::select! {
                first = queue.recv() => first,
                () = cancel.cancelled() => queue.try_recv().ok(),
            },
        };
        let Some(first) = first else { break };
        let mut total = weight(&first.0);
        let mut batch = vec![first];
        while batch.len() < limits.max_items {
            match queue.try_recv() {
                Ok(next) => {
                    total += weight(&next.0);
                    if total > limits.max_weight {
                        carried = Some(next);
                        break;
                    }
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        let (items, answers): (Vec<T>, Vec<oneshot::Sender<R>>) = batch.into_iter().unzip();
        let carrying = carry(items);
        tokio::spawn(async move {
            for (result, answer) in carrying.await.into_iter().zip(answers) {
                let _ = answer.send(result);
            }
            drop(slot);
        });
    }
    let _ = slots.acquire_many(limits.in_flight as u32).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn asks_queued_while_a_batch_is_in_flight_leave_together_and_each_gets_its_own_answer() {
        let (queue, queued) = mpsc::unbounded_channel::<(u32, oneshot::Sender<u32>)>();
        let sizes = Arc::new(Mutex::new(Vec::new()));
        // Every batch waits here until the test lets them all go.
        let gate = Arc::new(Semaphore::new(0));
        let cancel = CancellationToken::new();
        let runner = {
            let (sizes, gate) = (sizes.clone(), gate.clone());
            tokio::spawn(run(
                queued,
                cancel.clone(),
                Limits {
                    in_flight: 1,
                    max_items: 100,
                    max_weight: 25,
                },
                |n: &u32| *n as usize,
                move |items: Vec<u32>| {
                    sizes.lock().unwrap().push(items.len());
                    let gate = gate.clone();
                    async move {
                        let _pass = gate.acquire().await;
                        items.into_iter().map(|n| n * 10).collect()
                    }
                },
            ))
        };
        let first = tokio::spawn({
            let queue = queue.clone();
            async move { ask(&queue, 1).await }
        });
        while sizes.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        // Queued while the first batch is in flight.
        let rest: Vec<_> = [2, 3, 20, 4, 5]
            .into_iter()
            .map(|n| {
                let (answer, answered) = oneshot::channel();
                queue.send((n, answer)).unwrap();
                answered
            })
            .collect();
        gate.add_permits(100);
        assert_eq!(first.await.unwrap(), Some(10));
        let mut answers = Vec::new();
        for answered in rest {
            answers.push(answered.await.unwrap());
        }
        assert_eq!(answers, vec![20, 30, 200, 40, 50]);
        // 1 alone; then 2 + 3 + 20 = 25, the most weight a batch takes; then 4 + 5.
        assert_eq!(*sizes.lock().unwrap(), vec![1, 3, 2]);
        cancel.cancel();
        runner.await.unwrap();
    }
}
