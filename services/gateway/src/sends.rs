//! The sends of every socket on this gateway, stored in batches: while one batch is on its way
//! to the rooms service, the sends that arrive queue up and leave together as the next one
//! (`POST /api/rooms/messages/batch`), so under load one round trip and one commit carry many
//! messages, and with little traffic a send leaves at once, alone. At most
//! `GATEWAY_SEND_BATCHES` batches are in flight, of at most `GATEWAY_SEND_BATCH_MAX` sends
//! each and at most `MAX_SEND_BATCH_BYTES` of JSON (what the rooms service reads). Each send is
//! answered only with its own result, after the batch that carried it was stored; a socket
//! waits for that answer before it queues its next send, so one socket's messages are still
//! stored in the order it sent them.

use crate::AppState;
use chat_domain::Message;
use chat_domain::api::{BatchedResult, BatchedSend, MAX_SEND_BATCH_BYTES};
use chat_http::client::CallError;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};

type Answer = oneshot::Sender<Result<Message, CallError>>;

/// Where sockets queue their sends.
pub type Queue = mpsc::UnboundedSender<(BatchedSend, Answer)>;

/// Queues a send and waits for its answer.
pub async fn send(queue: &Queue, send: BatchedSend) -> Result<Message, CallError> {
    let (answer, answered) = oneshot::channel();
    queue
        .send((send, answer))
        .map_err(|_| CallError::Unavailable("the gateway is shutting down".into()))?;
    answered
        .await
        .unwrap_or_else(|_| Err(CallError::Unavailable("the send was dropped".into())))
}

/// Takes what is queued, as batches, until shutdown; then sends what was already queued and
/// waits for the batches in flight.
pub async fn batcher(
    state: Arc<AppState>,
    mut queue: mpsc::UnboundedReceiver<(BatchedSend, Answer)>,
) {
    let in_flight = state.config.send_batches;
    let slots = Arc::new(Semaphore::new(in_flight));
    // A send taken from the queue that would have made its batch too large: the next batch's
    // first.
    let mut carried = None;
    loop {
        // A slot first: while every slot is busy, sends keep queueing for the next batch.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let first = match carried.take() {
            Some(first) => Some(first),
            None => tokio::select! {
                first = queue.recv() => first,
                () = state.cancel.cancelled() => queue.try_recv().ok(),
            },
        };
        let Some(first) = first else { break };
        let mut bytes = first.0.encoded_len_bound();
        let mut batch = vec![first];
        while batch.len() < state.config.send_batch_max {
            match queue.try_recv() {
                Ok(next) => {
                    bytes += next.0.encoded_len_bound();
                    if bytes > MAX_SEND_BATCH_BYTES {
                        carried = Some(next);
                        break;
                    }
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        let state = state.clone();
        tokio::spawn(async move {
            store(&state, batch).await;
            drop(slot);
        });
    }
    // Shutdown: wait for the batches in flight, so their answers are given.
    let _ = slots.acquire_many(in_flight as u32).await;
}

/// One batch: one call, then each send's own answer.
async fn store(state: &AppState, batch: Vec<(BatchedSend, Answer)>) {
    let (sends, answers): (Vec<BatchedSend>, Vec<Answer>) = batch.into_iter().unzip();
    match state.rooms.send_batch(sends).await {
        Ok(results) if results.len() == answers.len() => {
            for (result, answer) in results.into_iter().zip(answers) {
                let _ = answer.send(match result {
                    BatchedResult::Stored { message, .. } => Ok(message),
                    BatchedResult::Failed {
                        status,
                        code,
                        message,
                    } if status != 503 => Err(CallError::Api {
                        status,
                        code,
                        message,
                    }),
                    BatchedResult::Failed { message, .. } => Err(CallError::Unavailable(message)),
                });
            }
        }
        Ok(results) => {
            tracing::warn!(
                sends = answers.len(),
                results = results.len(),
                "the rooms service answered a batch with the wrong number of results"
            );
            fail(answers, "unreadable answer");
        }
        Err(e) => {
            tracing::warn!(error = %e, sends = answers.len(), "cannot store a batch of sends");
            fail(answers, &e.to_string());
        }
    }
}

fn fail(answers: Vec<Answer>, why: &str) {
    for answer in answers {
        let _ = answer.send(Err(CallError::Unavailable(why.to_owned())));
    }
}
