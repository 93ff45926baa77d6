//! A socket's calls to the rooms service: sends and read marks, queued off the read loop and
//! run one after the other in the order the frames came, so messages sent back to back are
//! stored in the order they were sent. Sends go through the gateway's batcher
//! ([`crate::sends`]) into the same store function as `POST /api/rooms/{id}/messages`.

use crate::AppState;
use crate::error::FrameError;
use crate::frames::push;
use chat_domain::api::BatchedSend;
use chat_domain::ws::ServerFrame;
use chat_http::RequestId;
use chat_http::client::CallError;
use std::sync::Arc;
use tokio::sync::mpsc;
use tracing::Instrument;
use uuid::Uuid;

/// Calls one socket may have waiting before it gets `busy` errors.
const MAX_PENDING_CALLS: usize = 64;

/// A call to the rooms service that a client frame asked for.
pub enum Call {
    Send {
        room_id: Uuid,
        client_msg_id: String,
        body: String,
        reply_to: Option<Uuid>,
    },
    Read {
        room_id: Uuid,
        seq: i64,
    },
}

impl Call {
    fn client_msg_id(self) -> Option<String> {
        match self {
            Self::Send { client_msg_id, .. } => Some(client_msg_id),
            Self::Read { .. } => None,
        }
    }
}

/// One socket's queue of calls, started on its first call.
pub struct Calls {
    user_id: Uuid,
    /// The socket's request id and trace: each send is a hop of that trace.
    request_id: RequestId,
    tx: mpsc::Sender<Arc<str>>,
    queue: Option<mpsc::Sender<Call>>,
}

impl Calls {
    /// Calls for `user_id` (and only them), answered on `tx`.
    pub fn new(user_id: Uuid, request_id: &RequestId, tx: mpsc::Sender<Arc<str>>) -> Self {
        Self {
            user_id,
            request_id: request_id.clone(),
            tx,
            queue: None,
        }
    }

    /// Queues a call; when too many are waiting, the client gets `busy` for this one.
    pub fn queue(&mut self, state: &Arc<AppState>, call: Call) {
        let queue = self.queue.get_or_insert_with(|| {
            let (queue, calls) = mpsc::channel(MAX_PENDING_CALLS);
            // With the socket's span: its calls log with its request id and trace.
            actix_web::rt::spawn(
                run(
                    state.clone(),
                    self.tx.clone(),
                    self.user_id,
                    self.request_id.clone(),
                    calls,
                )
                .in_current_span(),
            );
            queue
        });
        if let Err(mpsc::error::TrySendError::Full(call)) = queue.try_send(call) {
            push(&self.tx, &FrameError::Busy.frame(call.client_msg_id()));
        }
    }
}

/// Runs a socket's calls in order, and queues the frame each answers with, if any.
async fn run(
    state: Arc<AppState>,
    tx: mpsc::Sender<Arc<str>>,
    user: Uuid,
    request_id: RequestId,
    mut calls: mpsc::Receiver<Call>,
) {
    let sampled = request_id.1.sampled;
    while let Some(call) = calls.recv().await {
        let answer = match call {
            Call::Send {
                room_id,
                client_msg_id,
                body,
                reply_to,
            } => Some(
                match crate::sends::send(
                    &state.sends,
                    BatchedSend {
                        user_id: user,
                        room_id,
                        client_msg_id: client_msg_id.clone(),
                        body,
                        reply_to,
                        request_id: Some(request_id.0.clone()),
                        traceparent: Some(request_id.1.child().header()),
                    },
                )
                .await
                {
                    Ok(message) => {
                        if sampled {
                            tracing::info!(room.id = %message.room_id, message.id = %message.id, message.seq = message.seq, "message acknowledged");
                        }
                        ServerFrame::Ack {
                            client_msg_id,
                            message,
                        }
                    }
                    Err(e) => FrameError::from(e).frame(Some(client_msg_id)),
                },
            ),
            Call::Read { room_id, seq } => state
                .rooms
                .read(user, &request_id.0, room_id, seq)
                .await
                .err()
                .map(|e| {
                    if let CallError::Unavailable(_) = e {
                        tracing::warn!(error = %e, "cannot mark a room read");
                    }
                    FrameError::from(e).frame(None)
                }),
        };
        if let Some(frame) = answer {
            push(&tx, &frame);
        }
    }
}
