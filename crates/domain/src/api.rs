//! REST bodies that two services share: the rooms service answers them and the gateway calls
//! with them. Defined once here so the two sides cannot drift.

use crate::Message;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The most sends one batch may carry.
pub const MAX_SEND_BATCH: usize = 256;

/// Sends made by users connected to a gateway, stored together (`POST /api/rooms/messages/batch`,
/// service credential only). Each is checked and answered as `POST /api/rooms/{id}/messages`
/// would answer it for that user; the batch only shares the round trip and the commit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBatch {
    /// At most 256.
    pub sends: Vec<BatchedSend>,
}

/// One send of a [`SendBatch`]: what a client's `send` frame said, and who sent it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchedSend {
    /// The user the gateway acts for (the socket's authenticated user).
    pub user_id: Uuid,
    pub room_id: Uuid,
    pub client_msg_id: String,
    pub body: String,
    pub reply_to: Option<Uuid>,
    /// The socket's request id, carried into the message's event and logs.
    pub request_id: Option<String>,
}

/// The answers to a [`SendBatch`], one per send, in its order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SendBatchResults {
    pub results: Vec<BatchedResult>,
}

/// What one send of a batch came to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchedResult {
    /// Stored (`created`), or a retry answered with the message stored the first time.
    Stored { message: Message, created: bool },
    /// Refused: the error code and message the single send would have answered with.
    Failed {
        status: u16,
        code: String,
        message: String,
    },
}
