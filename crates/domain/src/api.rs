//! REST bodies that two services share: the rooms service answers them and the gateway calls
//! with them. Defined once here so the two sides cannot drift.

use crate::Message;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The most sends one batch may carry.
pub const MAX_SEND_BATCH: usize = 256;

/// The largest body of a [`SendBatch`] the rooms service reads, in bytes. The gateway closes a
/// batch before its sends' [`BatchedSend::encoded_len_bound`] add up to more (a batch always
/// holds at least one send, and one send's bound stays far below this with the gateway's frame
/// limit of 64 KiB).
pub const MAX_SEND_BATCH_BYTES: usize = 1 << 20;

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
    /// This send's W3C `traceparent` (a hop of the socket's trace), carried into the
    /// message's event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

impl BatchedSend {
    /// At least the length of this send in a batch's JSON: two UUIDs, an optional third, the
    /// field names and punctuation, and its strings with every byte escaped at worst
    /// (`\u00XX`, six bytes).
    pub fn encoded_len_bound(&self) -> usize {
        let strings = self.client_msg_id.len()
            + self.body.len()
            + self.request_id.as_ref().map_or(0, String::len)
            + self.traceparent.as_ref().map_or(0, String::len);
        256 + 6 * strings
    }
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

/// A user's rooms and the sync cursor taken before they were read (`GET /api/rooms/ids`): a
/// gateway subscribes a new socket to them and hands the cursor to the client in `hello`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoomIds {
    pub room_ids: Vec<Uuid>,
    /// A sync cursor taken before the rooms were read: every event after it is in the sync
    /// log (`GET /api/rooms/sync?cursor=`).
    pub cursor: String,
    /// Where events published after this answer begin: every event at or after it is
    /// published after the rooms were read (those between `cursor` and here belong to writers
    /// that were running meanwhile; equal to `cursor` when there were none).
    pub live_from: String,
}

/// The most users one [`RoomIdsBatch`] may name.
pub const MAX_ROOM_IDS_BATCH: usize = 1000;

/// The rooms of several users at once (`POST /api/rooms/ids/batch`, service credential only):
/// a gateway asks for the users of the sockets that connected while its previous ask was on
/// its way, so a burst of connects costs a few round trips, not one each.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomIdsBatch {
    /// 1 to 1,000 users; one may appear more than once.
    pub user_ids: Vec<Uuid>,
}

/// The answer to a [`RoomIdsBatch`]: one cursor, taken before any room was read, and each
/// user's rooms in the order the users were named.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoomIdsBatchAnswer {
    pub cursor: String,
    /// As [`RoomIds::live_from`], for all of them.
    pub live_from: String,
    pub rooms: Vec<Vec<Uuid>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sends_encoded_length_is_never_above_its_bound() {
        let worst = "\u{1}\"\\é\u{1F600}x".repeat(500);
        for (body, request_id) in [
            (String::new(), None),
            (
                "hello".to_owned(),
                Some("0123456789abcdef0123456789abcdef".to_owned()),
            ),
            (worst.clone(), Some(worst.clone())),
        ] {
            let send = BatchedSend {
                user_id: Uuid::new_v4(),
                room_id: Uuid::new_v4(),
                client_msg_id: worst.chars().take(64).collect(),
                body,
                reply_to: Some(Uuid::new_v4()),
                traceparent: request_id.clone(),
                request_id,
            };
            let encoded = serde_json::to_vec(&send).unwrap().len();
            assert!(
                encoded <= send.encoded_len_bound(),
                "{encoded} > {}",
                send.encoded_len_bound()
            );
        }
    }
}
