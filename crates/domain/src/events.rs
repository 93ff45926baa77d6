//! Domain events carried by RabbitMQ. One message per room event, never one per recipient.

use crate::entities::{Message, RoomKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What travels on the broker: a unique id for deduplication, the request id that caused it
/// (so logs can follow a message from REST to the gateway and notifier), and the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub payload: EventPayload,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventPayload {
    /// A message was stored.
    MessageCreated { room_id: Uuid, message: Message },
    /// A room was created with these members.
    RoomCreated {
        room_id: Uuid,
        kind: RoomKind,
        member_ids: Vec<Uuid>,
    },
    /// A member is typing. Ephemeral: published directly by a gateway, never stored.
    Typing { room_id: Uuid, user_id: Uuid },
    /// A member's read watermark moved forward.
    ReadUpTo {
        room_id: Uuid,
        user_id: Uuid,
        seq: i64,
    },
}

impl EventPayload {
    /// The routing key on the topic exchange: `room.<event>`.
    pub fn routing_key(&self) -> &'static str {
        match self {
            Self::MessageCreated { .. } => "room.message.created",
            Self::RoomCreated { .. } => "room.created",
            Self::ReadUpTo { .. } => "room.read",
            Self::Typing { .. } => "room.typing",
        }
    }

    pub fn room_id(&self) -> Uuid {
        match self {
            Self::MessageCreated { room_id, .. }
            | Self::RoomCreated { room_id, .. }
            | Self::ReadUpTo { room_id, .. }
            | Self::Typing { room_id, .. } => *room_id,
        }
    }
}

impl Event {
    pub fn new(payload: EventPayload, request_id: Option<String>) -> Self {
        Self {
            id: Uuid::now_v7(),
            occurred_at: Utc::now(),
            request_id,
            payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_by_type_and_round_trip() {
        let event = Event::new(
            EventPayload::ReadUpTo {
                room_id: Uuid::nil(),
                user_id: Uuid::nil(),
                seq: 7,
            },
            Some("req-1".into()),
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["payload"]["type"], "read_up_to");
        assert_eq!(json["payload"]["seq"], 7);
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.payload.routing_key(), "room.read");
    }
}
