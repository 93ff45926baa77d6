//! The sends of every socket on this gateway, stored in batches (see [`crate::batch`]): one
//! round trip and one commit carry the sends that queued while the previous batch was being
//! stored (`POST /api/rooms/messages/batch`). At most `GATEWAY_SEND_BATCHES` batches are in
//! flight, of at most `GATEWAY_SEND_BATCH_MAX` sends each and at most `MAX_SEND_BATCH_BYTES`
//! of JSON (what the rooms service reads). Each send is answered only with its own result,
//! after the batch that carried it was stored; a socket waits for that answer before it
//! queues its next send, so one socket's messages are still stored in the order it sent them.

use crate::AppState;
use crate::batch::{self, Limits};
use chat_domain::Message;
use chat_domain::api::{BatchedResult, BatchedSend, MAX_SEND_BATCH_BYTES};
use chat_http::client::CallError;
use std::sync::Arc;

type Answer = Result<Message, CallError>;

/// Where sockets queue their sends.
pub type Queue = batch::Queue<BatchedSend, Answer>;

/// Queues a send and waits for its answer.
pub async fn send(queue: &Queue, send: BatchedSend) -> Answer {
    batch::ask(queue, send).await.unwrap_or_else(|| {
        Err(CallError::unavailable(anyhow::anyhow!(
            "the send was dropped"
        )))
    })
}

/// Stores what is queued, as batches, until shutdown; then what was already queued.
pub async fn batcher(state: Arc<AppState>, queue: batch::Queued<BatchedSend, Answer>) {
    let limits = Limits {
        in_flight: state.config.send_batches,
        max_items: state.config.send_batch_max,
        max_weight: MAX_SEND_BATCH_BYTES,
    };
    batch::run(
        queue,
        state.cancel.clone(),
        limits,
        BatchedSend::encoded_len_bound,
        |sends| store(state.clone(), sends),
    )
    .await;
}

/// One batch: one call, then each send's own answer.
async fn store(state: Arc<AppState>, sends: Vec<BatchedSend>) -> Vec<Answer> {
    let count = sends.len();
    let failed = |why: &'static str| vec![Err(CallError::unavailable(anyhow::anyhow!(why))); count];
    match state.rooms.send_batch(sends).await {
        Ok(results) if results.len() == count => results
            .into_iter()
            .map(|result| match result {
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
                BatchedResult::Failed { message, .. } => {
                    Err(CallError::unavailable(anyhow::anyhow!(message)))
                }
            })
            .collect(),
        Ok(results) => {
            tracing::warn!(
                sends = count,
                results = results.len(),
                "the rooms service answered a batch with the wrong number of results"
            );
            failed("a batch answer of the wrong length")
        }
        Err(e) => {
            tracing::warn!(error = %e, sends = count, "cannot store a batch of sends");
            vec![Err(e); count]
        }
    }
}
