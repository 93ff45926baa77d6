//! `rooms` and `room_members`, owned by rooms.

use crate::DbError;
use crate::messages::MessageRow;
use crate::schema::{room_members, rooms};
use chat_domain::paging::TimeKey;
use chat_domain::{MemberRole, Message, RoomKind, RoomSummary};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rooms)]
pub struct RoomRow {
    pub id: Uuid,
    pub kind: String,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub owner_id: Option<Uuid>,
    pub direct_key: Option<String>,
    pub last_seq: i64,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl RoomRow {
    pub fn kind(&self) -> RoomKind {
        RoomKind::parse(&self.kind).unwrap_or(RoomKind::Group)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = rooms)]
pub struct NewRoom<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub owner_id: Option<Uuid>,
    pub direct_key: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = room_members)]
pub struct MemberRow {
    pub room_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub joined_at: DateTime<Utc>,
    pub last_read_seq: i64,
    pub muted: bool,
}

impl MemberRow {
    pub fn role(&self) -> MemberRole {
        MemberRole::parse(&self.role).unwrap_or(MemberRole::Member)
    }
}

/// The key that makes a direct room unique per pair, whatever the order of the two users.
pub fn direct_key(a: Uuid, b: Uuid) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    format!("{lo}:{hi}")
}

/// Inserts a room unless one with the same direct key exists; returns it only if inserted.
pub async fn insert_unless_exists(
    conn: &mut AsyncPgConnection,
    new: &NewRoom<'_>,
) -> Result<Option<RoomRow>, DbError> {
    Ok(diesel::insert_into(rooms::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(RoomRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

pub async fn find_by_direct_key(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> Result<Option<RoomRow>, DbError> {
    Ok(rooms::table
        .filter(rooms::direct_key.eq(key))
        .filter(rooms::deleted_at.is_null())
        .select(RoomRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<RoomRow>, DbError> {
    Ok(rooms::table
        .find(id)
        .filter(rooms::deleted_at.is_null())
        .select(RoomRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn add_members(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    members: &[(Uuid, MemberRole)],
) -> Result<(), DbError> {
    let rows: Vec<_> = members
        .iter()
        .map(|(user, role)| {
            (
                room_members::room_id.eq(room_id),
                room_members::user_id.eq(*user),
                room_members::role.eq(role.as_str()),
            )
        })
        .collect();
    diesel::insert_into(room_members::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn member(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<Option<MemberRow>, DbError> {
    Ok(room_members::table
        .find((room_id, user_id))
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Every member of the room, oldest first. For the service's own work (events to each member);
/// what a client asks for goes through [`members_page`].
pub async fn members(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
) -> Result<Vec<MemberRow>, DbError> {
    Ok(room_members::table
        .filter(room_members::room_id.eq(room_id))
        .order((room_members::joined_at, room_members::user_id))
        .select(MemberRow::as_select())
        .load(conn)
        .await?)
}

/// Up to `limit` members of the room in the order of [`members`], after the member at
/// `after` (`joined_at`, `user_id`) when given; read through `room_members_joined_idx`.
pub async fn members_page(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    after: Option<TimeKey>,
    limit: i64,
) -> Result<Vec<MemberRow>, DbError> {
    let mut query = room_members::table
        .filter(room_members::room_id.eq(room_id))
        .order((room_members::joined_at, room_members::user_id))
        .select(MemberRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((joined_at, user_id)) = after {
        query = query.filter(
            room_members::joined_at
                .gt(joined_at)
                .or(room_members::joined_at
                    .eq(joined_at)
                    .and(room_members::user_id.gt(user_id))),
        );
    }
    Ok(query.load(conn).await?)
}

/// How many members the room has.
pub async fn member_count(conn: &mut AsyncPgConnection, room_id: Uuid) -> Result<i64, DbError> {
    Ok(room_members::table
        .filter(room_members::room_id.eq(room_id))
        .count()
        .get_result(conn)
        .await?)
}

/// `(user_id, room_id)` of the members among `$1` (a `uuid[]`), for rooms not deleted. The
/// room is checked with a scalar subquery, which PostgreSQL runs per membership through the
/// primary key whatever its statistics say: as a join, with tables never analysed (a bulk of
/// new rooms, or autovacuum off as on the CI machines), the planner hashed the whole `rooms`
/// table for every call (seen in the reconnect storm: 85,825 sequential scans of `rooms`
/// reading 1.1 billion rows, two thirds of the CPU).
pub const LIVE_ROOMS_OF_MEMBERS: &str = "SELECT m.user_id, m.room_id FROM room_members m \
     WHERE m.user_id = ANY($1) \
       AND (SELECT r.deleted_at FROM rooms r WHERE r.id = m.room_id) IS NULL";

/// The rooms (not deleted) `user` is a member of.
pub async fn room_ids_of(conn: &mut AsyncPgConnection, user: Uuid) -> Result<Vec<Uuid>, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        room_id: Uuid,
    }
    let rows: Vec<Row> = diesel::sql_query(LIVE_ROOMS_OF_MEMBERS)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&[user][..])
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.room_id).collect())
}

/// The room, locked until the transaction ends: membership changes of one room line up.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<RoomRow>, DbError> {
    Ok(rooms::table
        .find(id)
        .filter(rooms::deleted_at.is_null())
        .for_update()
        .select(RoomRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Changes the name and/or topic; `Some(None)` clears the topic.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: Option<&str>,
    topic: Option<Option<&str>>,
) -> Result<RoomRow, DbError> {
    #[derive(AsChangeset)]
    #[diesel(table_name = rooms)]
    struct Changes<'a> {
        name: Option<&'a str>,
        topic: Option<Option<&'a str>>,
    }
    Ok(diesel::update(rooms::table.find(id))
        .set(&Changes { name, topic })
        .returning(RoomRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Soft-deletes a room: it disappears from every list and operation.
pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), DbError> {
    diesel::update(rooms::table.find(id))
        .set(rooms::deleted_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a member; true if they were one.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<bool, DbError> {
    Ok(diesel::delete(room_members::table.find((room_id, user_id)))
        .execute(conn)
        .await?
        == 1)
}

pub async fn set_role(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
    role: MemberRole,
) -> Result<bool, DbError> {
    Ok(diesel::update(room_members::table.find((room_id, user_id)))
        .set(room_members::role.eq(role.as_str()))
        .execute(conn)
        .await?
        == 1)
}

/// The lowest read watermark of the room: every member has read up to it.
/// Turns Telegram notifications for one room on or off for a member. Returns false if they
/// are not a member.
pub async fn set_muted(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
    muted: bool,
) -> Result<bool, DbError> {
    let changed = diesel::update(room_members::table.find((room_id, user_id)))
        .set(room_members::muted.eq(muted))
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

pub async fn min_read_seq(conn: &mut AsyncPgConnection, room_id: Uuid) -> Result<i64, DbError> {
    Ok(room_members::table
        .filter(room_members::room_id.eq(room_id))
        .select(diesel::dsl::min(room_members::last_read_seq))
        .first::<Option<i64>>(conn)
        .await?
        .unwrap_or(0))
}

/// A public room in the directory.
#[derive(Debug, Clone, QueryableByName)]
pub struct PublicRoomRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub topic: Option<String>,
    #[diesel(sql_type = sql_types::BigInt)]
    pub member_count: i64,
    #[diesel(sql_type = sql_types::Bool)]
    pub joined: bool,
    #[diesel(sql_type = sql_types::Text)]
    pub sort_name: String,
}

/// Public rooms whose name or topic contains `q` anywhere (trigram index), by name, after the
/// cursor `(lower(name), id)`.
pub async fn public_rooms(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    q: Option<&str>,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<PublicRoomRow>, DbError> {
    let pattern = q.map(|q| format!("%{}%", crate::users::escape_like(q)));
    Ok(diesel::sql_query(
        "SELECT r.id, r.name, r.topic, lower(r.name) AS sort_name, \
                (SELECT count(*) FROM room_members c WHERE c.room_id = r.id) AS member_count, \
                EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = $1) AS joined \
         FROM rooms r \
         WHERE r.kind = 'public' AND r.deleted_at IS NULL \
           AND ($2::text IS NULL OR (coalesce(r.name, '') || ' ' || coalesce(r.topic, '')) ILIKE $2) \
           AND ($3::text IS NULL OR (lower(r.name), r.id) > ($3, $4)) \
         ORDER BY lower(r.name), r.id LIMIT $5",
    )
    .bind::<sql_types::Uuid, _>(viewer)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(pattern)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(after.map(|a| a.0))
    .bind::<sql_types::Uuid, _>(after.map_or(Uuid::nil(), |a| a.1))
    .bind::<sql_types::BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// Takes the room's next seq: the row lock this UPDATE holds until commit is what makes
/// concurrent sends to one room line up without gaps. `None` if the room is gone.
pub async fn take_next_seq(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
) -> Result<Option<i64>, DbError> {
    Ok(diesel::update(
        rooms::table
            .find(room_id)
            .filter(rooms::deleted_at.is_null()),
    )
    .set((
        rooms::last_seq.eq(rooms::last_seq + 1),
        rooms::last_activity_at.eq(Utc::now()),
    ))
    .returning(rooms::last_seq)
    .get_result(conn)
    .await
    .optional()?)
}

/// Moves a member's read watermark forward to `seq` (capped at the room's last seq). Returns
/// the new watermark if it moved, `None` if it was already there or beyond.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
    seq: i64,
) -> Result<Option<i64>, DbError> {
    Ok(diesel::update(
        room_members::table
            .filter(room_members::room_id.eq(room_id))
            .filter(room_members::user_id.eq(user_id))
            .filter(room_members::last_read_seq.lt(seq)),
    )
    .set(room_members::last_read_seq.eq(seq))
    .returning(room_members::last_read_seq)
    .get_result(conn)
    .await
    .optional()?)
}

#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    kind: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    name: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    topic: Option<String>,
    #[diesel(sql_type = sql_types::BigInt)]
    last_seq: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    last_read_seq: i64,
    #[diesel(sql_type = sql_types::Text)]
    my_role: String,
    #[diesel(sql_type = sql_types::Bool)]
    muted: bool,
    #[diesel(sql_type = sql_types::Timestamptz)]
    last_activity_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::BigInt)]
    member_count: i64,
    /// Unread messages from people I blocked: not shown, so not counted.
    #[diesel(sql_type = sql_types::BigInt)]
    hidden_unread: i64,
    /// Unread messages that mention me.
    #[diesel(sql_type = sql_types::BigInt)]
    mentions: i64,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    peer_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    lm_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    lm_sender_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    lm_body: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    lm_reply_to: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    lm_client_msg_id: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    lm_created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    lm_edited_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    lm_deleted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Jsonb>)]
    lm_attachment: Option<serde_json::Value>,
}

/// A page of "my rooms" in one query: newest activity first (after the room at `after`,
/// `(last_activity_at, id)`, when given), each with my unread count (the gap-free seq
/// makes it `last_seq - last_read_seq`, less the messages of people I blocked), member
/// count, the direct peer and the last message.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    after: Option<TimeKey>,
    limit: i64,
) -> Result<Vec<RoomSummary>, DbError> {
    let rows: Vec<SummaryRow> = diesel::sql_query(
        "SELECT r.id, r.kind, r.name, r.topic, r.last_seq, m.last_read_seq, m.role AS my_role, \
                m.muted, r.last_activity_at, \
                (SELECT count(*) FROM room_members c WHERE c.room_id = r.id) AS member_count, \
                (SELECT count(*) FROM user_blocks ub JOIN messages h \
                    ON h.sender_id = ub.blocked_id AND h.room_id = r.id AND h.seq > m.last_read_seq \
                 WHERE ub.blocker_id = m.user_id) AS hidden_unread, \
                (SELECT count(*) FROM message_mentions mm WHERE mm.user_id = m.user_id \
                    AND mm.room_id = r.id AND mm.seq > m.last_read_seq) AS mentions, \
                CASE WHEN r.kind = 'saved' THEN m.user_id \
                     WHEN r.kind = 'direct' THEN (SELECT p.user_id FROM room_members p \
                          WHERE p.room_id = r.id AND p.user_id <> m.user_id LIMIT 1) END AS peer_id, \
                lm.id AS lm_id, lm.sender_id AS lm_sender_id, lm.body AS lm_body, \
                lm.reply_to AS lm_reply_to, lm.client_msg_id AS lm_client_msg_id, \
                lm.created_at AS lm_created_at, lm.edited_at AS lm_edited_at, \
                lm.deleted_at AS lm_deleted_at, lm.attachment AS lm_attachment \
         FROM room_members m \
         JOIN rooms r ON r.id = m.room_id AND r.deleted_at IS NULL \
         LEFT JOIN messages lm ON lm.room_id = r.id AND lm.seq = r.last_seq \
         WHERE m.user_id = $1 \
           AND ($2::timestamptz IS NULL OR (r.last_activity_at, r.id) < ($2, $3)) \
         ORDER BY r.last_activity_at DESC, r.id DESC \
         LIMIT $4",
    )
    .bind::<sql_types::Uuid, _>(user_id)
    .bind::<sql_types::Nullable<sql_types::Timestamptz>, _>(after.map(|a| a.0))
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after.map(|a| a.1))
    .bind::<sql_types::BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(SummaryRow::into_summary).collect())
}

impl SummaryRow {
    fn into_summary(self) -> RoomSummary {
        let last_message = match (self.lm_id, self.lm_sender_id, self.lm_created_at) {
            (Some(id), Some(sender_id), Some(created_at)) => Some(Message::from(MessageRow {
                id,
                room_id: self.id,
                seq: self.last_seq,
                sender_id,
                body: self.lm_body.unwrap_or_default(),
                reply_to: self.lm_reply_to,
                client_msg_id: self.lm_client_msg_id.unwrap_or_default(),
                created_at,
                edited_at: self.lm_edited_at,
                deleted_at: self.lm_deleted_at,
                // A preview does not say it was forwarded.
                forwarded_from_sender: None,
                forwarded_from_at: None,
                attachment: self.lm_attachment,
            })),
            _ => None,
        };
        RoomSummary {
            id: self.id,
            kind: RoomKind::parse(&self.kind).unwrap_or(RoomKind::Group),
            name: self.name,
            topic: self.topic,
            last_seq: self.last_seq,
            last_read_seq: self.last_read_seq,
            unread: (self.last_seq - self.last_read_seq - self.hidden_unread).max(0),
            mentions: self.mentions,
            member_count: self.member_count,
            my_role: MemberRole::parse(&self.my_role).unwrap_or(MemberRole::Member),
            muted: self.muted,
            peer_id: self.peer_id,
            last_message,
            last_activity_at: self.last_activity_at,
        }
    }
}

/// Of the rooms `ids`, those that exist and are not deleted.
pub async fn live(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> Result<Vec<Uuid>, DbError> {
    Ok(rooms::table
        .filter(rooms::id.eq_any(ids))
        .filter(rooms::deleted_at.is_null())
        .select(rooms::id)
        .load(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_keys_ignore_order() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert_eq!(direct_key(a, b), direct_key(b, a));
        assert_ne!(direct_key(a, a), direct_key(a, b));
    }
}
