//! The WebSocket protocol of the gateway: JSON text frames tagged by `type`.
//! `proto/` documents these types; keep the two in step.

use crate::entities::{MemberRole, Message, Reaction, RoomKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The protocol version announced in `hello`.
pub const PROTOCOL_VERSION: u32 = 3;

/// Close codes the gateway uses besides the standard ones.
pub mod close {
    /// The access token expired: refresh it and reconnect.
    pub const TOKEN_EXPIRED: u16 = 4001;
    /// No valid credentials were given during the upgrade or in the first frame in time.
    pub const UNAUTHORIZED: u16 = 4003;
    /// The client did not read its frames fast enough, or sent too many.
    pub const POLICY: u16 = 4008;
    /// Standard: the service is restarting; reconnect.
    pub const SERVICE_RESTART: u16 = 1012;
}

/// Frames a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Authenticate with an access token when the upgrade carried none.
    Auth { token: String },
    /// Store a message; answered by `ack` or by `error` carrying the same `client_msg_id`.
    Send {
        room_id: Uuid,
        client_msg_id: String,
        body: String,
        #[serde(default)]
        reply_to: Option<Uuid>,
    },
    /// "I am typing" in a room; relayed, never stored.
    Typing { room_id: Uuid },
    /// "I have read up to `seq`" in a room.
    Read { room_id: Uuid, seq: i64 },
    /// Application-level ping, answered by `pong`.
    Ping {},
    /// "My sync ended at `cursor`": sent after each sync (the one after `hello`, and each one a
    /// `resync` asked for), so the gateway knows the client holds every event before it and
    /// may move its cursor on with `cursor` frames. Not answered.
    Synced { cursor: String },
}

/// Frames the gateway sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame after authentication, sent once the socket is subscribed to the user's
    /// rooms: every event after `cursor` is delivered live or found by
    /// `GET /api/rooms/sync?cursor=`.
    Hello {
        user_id: Uuid,
        session_id: Uuid,
        protocol: u32,
        /// A sync cursor; keep it, and after a reconnect sync from it (then from each
        /// `next_cursor`) to get what was missed.
        cursor: String,
        /// The gateway instance holding this socket (for diagnostics).
        instance_id: Uuid,
    },
    /// A `send` was stored.
    Ack {
        client_msg_id: String,
        message: Message,
    },
    /// Something went wrong. With `client_msg_id`, that send failed.
    Error {
        code: String,
        message: String,
        client_msg_id: Option<String>,
    },
    MessageCreated {
        room_id: Uuid,
        seq: i64,
        message: Message,
    },
    RoomCreated {
        room_id: Uuid,
        kind: RoomKind,
        member_ids: Vec<Uuid>,
        /// Who created it (a group's owner); absent for direct chats.
        by: Option<Uuid>,
    },
    Typing {
        room_id: Uuid,
        user_id: Uuid,
    },
    Read {
        room_id: Uuid,
        user_id: Uuid,
        seq: i64,
    },
    /// Every member has read the room up to `seq`: your messages up to it are read by all.
    ReadByAll {
        room_id: Uuid,
        seq: i64,
    },
    MessageEdited {
        room_id: Uuid,
        seq: i64,
        message: Message,
    },
    /// The message at `seq` is now a tombstone.
    MessageDeleted {
        room_id: Uuid,
        seq: i64,
        message_id: Uuid,
    },
    /// A message's reactions changed (see the event of the same name): apply `reactions`
    /// only over an older `version`.
    ReactionsChanged {
        room_id: Uuid,
        seq: i64,
        message_id: Uuid,
        version: i64,
        user_id: Uuid,
        emoji: String,
        added: bool,
        reactions: Vec<Reaction>,
    },
    /// A message was pinned or unpinned: read the room's pins again
    /// (`GET /api/rooms/{id}/pins`) if they are shown.
    PinsChanged {
        room_id: Uuid,
        message_id: Uuid,
        seq: i64,
        pinned: bool,
        by: Uuid,
    },
    RoomUpdated {
        room_id: Uuid,
        name: Option<String>,
        topic: Option<String>,
    },
    RoomDeleted {
        room_id: Uuid,
    },
    MemberJoined {
        room_id: Uuid,
        user_id: Uuid,
        role: MemberRole,
        /// Who added them; themself when they joined a public room.
        by: Uuid,
    },
    MemberLeft {
        room_id: Uuid,
        user_id: Uuid,
        /// Who removed them; themself when they left.
        by: Uuid,
    },
    MemberRoleChanged {
        room_id: Uuid,
        user_id: Uuid,
        role: MemberRole,
    },
    /// Someone who shares a room with you (or you, on another device) changed their display
    /// name: show the new one wherever they appear, old messages too.
    UserRenamed {
        user_id: Uuid,
        display_name: String,
    },
    /// Someone who shares a room with you came online or went offline (after a short grace
    /// period, so a page reload does not flicker).
    Presence {
        user_id: Uuid,
        online: bool,
        last_seen_at: Option<DateTime<Utc>>,
    },
    /// Your read watermark in a room moved (on this or another of your devices).
    Unread {
        room_id: Uuid,
        last_read_seq: i64,
        unread: i64,
        /// Of the unread messages, those that mention me.
        #[serde(default)]
        mentions: i64,
    },
    Pong,
    /// Events may have been missed (this gateway lost its broker connection and rebuilt its
    /// event queue); the socket stays open. Sync from your cursor as after a reconnect (then
    /// from each `next_cursor`, while `has_more`). Events that sync serves are not also sent
    /// live from now on, so finish it.
    Resync,
    /// Every event before `cursor` has reached this socket (live, or through a sync the client
    /// reported with `synced`): keep it as your sync cursor, unless a sync is running (its
    /// end is then your cursor). Sent every few seconds to a socket that got events.
    Cursor {
        cursor: String,
    },
}

impl ServerFrame {
    pub fn error(code: &str, message: impl Into<String>, client_msg_id: Option<String>) -> Self {
        Self::Error {
            code: code.to_owned(),
            message: message.into(),
            client_msg_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_parse_from_tagged_json() {
        let frame: ClientFrame = serde_json::from_str(
            r#"{"type":"send","room_id":"00000000-0000-0000-0000-000000000000","client_msg_id":"a","body":"hi"}"#,
        )
        .unwrap();
        assert!(matches!(frame, ClientFrame::Send { reply_to: None, .. }));
        assert_eq!(
            serde_json::from_str::<ClientFrame>(r#"{"type":"ping"}"#).unwrap(),
            ClientFrame::Ping {}
        );
    }

    #[test]
    fn unknown_frames_and_fields_are_rejected() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"launch"}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"ping","x":1}"#).is_err());
    }

    #[test]
    fn server_frames_carry_their_type() {
        let json = serde_json::to_value(ServerFrame::Pong).unwrap();
        assert_eq!(json, serde_json::json!({"type": "pong"}));
    }
}
