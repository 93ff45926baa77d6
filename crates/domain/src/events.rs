//! Domain events carried by RabbitMQ. One message per room event, never one per recipient.

use crate::entities::{MemberRole, Message, Reaction, RoomKind};
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
    /// The W3C `traceparent` of the hop that caused it (Trace Context, version 00). Absent in
    /// events written before it was carried, and in those nothing traced caused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
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
        /// Who created it (a group's owner); none for direct chats. Absent in events stored
        /// before it was recorded.
        #[serde(default)]
        by: Option<Uuid>,
    },
    /// A member is typing. Ephemeral: published directly by a gateway, never stored.
    Typing { room_id: Uuid, user_id: Uuid },
    /// A member's read watermark moved forward.
    ReadUpTo {
        room_id: Uuid,
        user_id: Uuid,
        seq: i64,
        /// Messages of the room the reader has still not read (newer than `seq`).
        #[serde(default)]
        unread: i64,
        /// Of those, the ones that mention the reader.
        #[serde(default)]
        mentions: i64,
    },
    /// Every member has now read the room up to `seq`: each sender's messages up to it are
    /// "read by all".
    ReadByAll { room_id: Uuid, seq: i64 },
    /// A message's text was edited by its sender.
    MessageEdited { room_id: Uuid, message: Message },
    /// A message was deleted; its place in history stays as a tombstone.
    MessageDeleted {
        room_id: Uuid,
        message_id: Uuid,
        seq: i64,
        deleted_by: Uuid,
    },
    /// A message's reactions changed: `user_id` added or removed `emoji`, and `reactions` is
    /// the message's whole summary (without `me`) as of `version`. A summary applies only over
    /// an older one, so a duplicate or a late event changes nothing.
    ReactionsChanged {
        room_id: Uuid,
        message_id: Uuid,
        seq: i64,
        version: i64,
        user_id: Uuid,
        emoji: String,
        added: bool,
        reactions: Vec<Reaction>,
    },
    /// A message was pinned (`pinned: true`) or unpinned (also when it was deleted) by `by`.
    PinsChanged {
        room_id: Uuid,
        message_id: Uuid,
        seq: i64,
        pinned: bool,
        by: Uuid,
    },
    /// The name or topic changed.
    RoomUpdated {
        room_id: Uuid,
        name: Option<String>,
        topic: Option<String>,
        by: Uuid,
    },
    /// The room was deleted; these were its members.
    RoomDeleted {
        room_id: Uuid,
        member_ids: Vec<Uuid>,
        by: Uuid,
    },
    /// Someone joined or was added (`by` is who added them; themself when they joined).
    MemberJoined {
        room_id: Uuid,
        user_id: Uuid,
        role: MemberRole,
        by: Uuid,
    },
    /// Someone left or was removed (`by` is who removed them; themself when they left).
    MemberLeft {
        room_id: Uuid,
        user_id: Uuid,
        by: Uuid,
    },
    /// A member's role changed (ownership handed over, admin granted or taken).
    MemberRoleChanged {
        room_id: Uuid,
        user_id: Uuid,
        role: MemberRole,
        by: Uuid,
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
            Self::ReadByAll { .. } => "room.read_by_all",
            Self::MessageEdited { .. } => "room.message.edited",
            Self::MessageDeleted { .. } => "room.message.deleted",
            Self::ReactionsChanged { .. } => "room.message.reactions_changed",
            Self::PinsChanged { .. } => "room.pins_changed",
            Self::RoomUpdated { .. } => "room.updated",
            Self::RoomDeleted { .. } => "room.deleted",
            Self::MemberJoined { .. } => "room.member.joined",
            Self::MemberLeft { .. } => "room.member.left",
            Self::MemberRoleChanged { .. } => "room.member.role_changed",
        }
    }

    /// The user a membership event is about, so it reaches them even after they are out.
    pub fn subject_user(&self) -> Option<Uuid> {
        match self {
            Self::MemberJoined { user_id, .. }
            | Self::MemberLeft { user_id, .. }
            | Self::MemberRoleChanged { user_id, .. } => Some(*user_id),
            _ => None,
        }
    }

    pub fn room_id(&self) -> Uuid {
        match self {
            Self::MessageCreated { room_id, .. }
            | Self::RoomCreated { room_id, .. }
            | Self::ReadUpTo { room_id, .. }
            | Self::Typing { room_id, .. }
            | Self::ReadByAll { room_id, .. }
            | Self::MessageEdited { room_id, .. }
            | Self::MessageDeleted { room_id, .. }
            | Self::ReactionsChanged { room_id, .. }
            | Self::PinsChanged { room_id, .. }
            | Self::RoomUpdated { room_id, .. }
            | Self::RoomDeleted { room_id, .. }
            | Self::MemberJoined { room_id, .. }
            | Self::MemberLeft { room_id, .. }
            | Self::MemberRoleChanged { room_id, .. } => *room_id,
        }
    }
}

/// Routing key of [`PresenceChanged`].
pub const PRESENCE_CHANGED: &str = "presence.changed";

/// A user came online or went offline. Ephemeral, published by gateways straight to the
/// exchange (never stored): `room_ids` are the user's rooms, whose members are told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PresenceChanged {
    pub user_id: Uuid,
    pub online: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub room_ids: Vec<Uuid>,
}

/// Routing key of the relay's checkpoints: a message with an empty JSON object as its body
/// and, in its `x-sync-cursor` header, a place K in the sync log such that every event before
/// K was published (and confirmed) before the checkpoint. Gateways turn it into `cursor`
/// frames for their sockets.
pub const SYNC_CHECKPOINT: &str = "sync.checkpoint";

/// Routing key of [`SessionsRevoked`].
pub const SESSION_REVOKED: &str = "session.revoked";

/// Sessions of a user were ended before their access tokens expired: a logout, "log out
/// everywhere", a password change (every session but the one that changed it), a deactivation,
/// or a refresh token used twice. Written by auth to the outbox in the transaction that revokes
/// them (never served by sync); every service refuses their tokens from then on and gateways
/// close their sockets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionsRevoked {
    /// The event id, for deduplication.
    pub id: Uuid,
    pub user_id: Uuid,
    /// The sessions (refresh-token families, the `sid` of their access tokens) ended.
    pub session_ids: Vec<Uuid>,
    pub revoked_at: DateTime<Utc>,
}

/// Routing key of [`UserRenamed`].
pub const USER_RENAMED: &str = "user.renamed";

/// A user changed their display name. Written by auth to the outbox with the change (never
/// served by sync); gateways tell the members of `room_ids`, the user's rooms when it was
/// written, and the user's own other devices, once per socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserRenamed {
    /// The event id, for deduplication.
    pub id: Uuid,
    pub user_id: Uuid,
    pub display_name: String,
    pub room_ids: Vec<Uuid>,
}

impl Event {
    pub fn new(payload: EventPayload, request_id: Option<String>) -> Self {
        Self {
            id: Uuid::now_v7(),
            occurred_at: Utc::now(),
            request_id,
            traceparent: None,
            payload,
        }
    }

    /// The same event, carrying the trace context of the hop that caused it.
    pub fn traced(mut self, traceparent: String) -> Self {
        self.traceparent = Some(traceparent);
        self
    }

    /// Its trace context, if it carries a valid one.
    pub fn trace(&self) -> Option<crate::trace::TraceParent> {
        self.traceparent
            .as_deref()
            .and_then(crate::trace::TraceParent::parse)
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
                unread: 2,
                mentions: 1,
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
