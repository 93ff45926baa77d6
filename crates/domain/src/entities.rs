//! What the services send each other and their clients. These are plain data: the services
//! build them from their own rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as others see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    /// Whether the user has a live socket on any gateway.
    pub online: bool,
    /// When the user was last seen online; `None` if never.
    pub last_seen_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// A conversation between two users, unique per pair.
    Direct,
    /// "Saved messages": the direct room of a user with themself.
    Saved,
    /// A private group: members are added by its owner or admins.
    Group,
    /// A public room: listed, and anyone may join.
    Public,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Saved => "saved",
            Self::Group => "group",
            Self::Public => "public",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "direct" => Some(Self::Direct),
            "saved" => Some(Self::Saved),
            "group" => Some(Self::Group),
            "public" => Some(Self::Public),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Owner,
    Admin,
    Member,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// A stored message. `seq` is its gap-free position in its room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub room_id: Uuid,
    pub seq: i64,
    pub sender_id: Uuid,
    pub body: String,
    pub reply_to: Option<Uuid>,
    pub client_msg_id: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    /// Its reactions by emoji, in the order each was first used; `[]` for none and for a
    /// deleted message. Only in answers that read history or search (each reader gets their
    /// own `me`), never in events, acks or room previews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<Reaction>>,
    /// How many times its reactions changed (0: never): a summary applies over another only
    /// when its version is higher. Present with `reactions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions_version: Option<i64>,
    /// Set when the message is a forward: who wrote the original, and when (absent otherwise,
    /// and in room previews).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_from: Option<Forwarded>,
    /// Its file, if it carries one (then `body` is its caption and may be empty). Read it from
    /// `GET /api/rooms/{room_id}/messages/{seq}/attachment` (and `/thumbnail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Box<Attachment>>,
}

/// A file sent with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    /// Its file name as sent (without any directory).
    pub name: String,
    /// Checked against the file's bytes, never taken from the sender alone.
    pub content_type: String,
    /// In bytes (an image's after its metadata was removed).
    pub size: i64,
    /// An image's width and height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Whether a thumbnail (a JPEG at most 320 px wide and high) exists: images only.
    #[serde(default)]
    pub thumbnail: bool,
    /// Short-lived links to the file and its thumbnail for the reader they were made for (in
    /// history and search answers; absent in events: ask
    /// `GET /api/rooms/{room_id}/messages/{seq}/attachment/link`). A link works only with that
    /// reader's session, until it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
}

/// Where a forwarded message's text came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Forwarded {
    /// Who wrote the original (the first one, when a forward is forwarded again).
    pub sender_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// How many different emoji one message takes.
pub const MAX_REACTION_KINDS: usize = 20;
/// How many of an emoji's reactors a summary names.
pub const REACTION_USERS_SHOWN: usize = 10;

/// One emoji's reactions on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reaction {
    /// One emoji, in its canonical form (see the protocol's README).
    pub emoji: String,
    pub count: i64,
    /// The first reactors, oldest first: all of them when `count` is at most 10.
    pub user_ids: Vec<Uuid>,
    /// Whether I reacted with it: in REST answers only, never in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub me: Option<bool>,
}

/// A message's reactions as of `version`: what a reaction change answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageReactions {
    pub room_id: Uuid,
    pub seq: i64,
    pub message_id: Uuid,
    /// How many times the message's reactions changed: apply over a summary only when higher.
    pub version: i64,
    pub reactions: Vec<Reaction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoomMember {
    pub user_id: Uuid,
    pub role: MemberRole,
    /// The highest `seq` this member has read.
    pub last_read_seq: i64,
}

/// A room with its member count and its first members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Room {
    pub id: Uuid,
    pub kind: RoomKind,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub last_seq: i64,
    pub created_at: DateTime<Utc>,
    /// How many members the room has.
    pub member_count: i64,
    /// The first 100 members, oldest first: all of them when `member_count` is at most 100.
    /// The rest are read a page at a time from `GET /api/rooms/{id}/members`.
    pub members: Vec<RoomMember>,
}

/// One line of "my rooms".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoomSummary {
    pub id: Uuid,
    pub kind: RoomKind,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub last_seq: i64,
    pub last_read_seq: i64,
    pub unread: i64,
    /// How many of my unread messages mention me (or everyone).
    #[serde(default)]
    pub mentions: i64,
    pub member_count: i64,
    pub my_role: MemberRole,
    /// Whether I muted this room's Telegram notifications.
    pub muted: bool,
    /// For direct rooms, the other user (yourself for "Saved messages").
    pub peer_id: Option<Uuid>,
    pub last_message: Option<Message>,
    pub last_activity_at: DateTime<Utc>,
}

/// How many messages one room keeps pinned.
pub const MAX_PINS: usize = 50;

/// A pinned message: who pinned it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pin {
    pub message: Message,
    pub pinned_by: Uuid,
    pub pinned_at: DateTime<Utc>,
}

/// A room's pinned messages, the latest pin first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pins {
    pub room_id: Uuid,
    pub pins: Vec<Pin>,
}
