//! `notification_digests`, owned by the notifier: pending Telegram digests, one per user and
//! room, folded from message events and sent when their window ends.

use crate::DbError;
use crate::schema::notification_digests;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// How many distinct sender names a digest keeps.
pub const MAX_SENDER_NAMES: i32 = 5;

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = notification_digests)]
pub struct DigestRow {
    pub user_id: Uuid,
    pub room_id: Uuid,
    pub message_count: i32,
    pub last_seq: i64,
    pub sender_names: Vec<String>,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
    /// It holds a message that mentions the user: sent at once, even from a muted room.
    pub mentioned: bool,
}

/// One message for the digests of `users`.
pub struct Arrival<'a> {
    pub room_id: Uuid,
    pub seq: i64,
    pub sender_name: &'a str,
}

/// Folds a message into each user's pending digest for its room, opening one that is due
/// `window_secs` from now where there is none. Redelivered events must be dropped before this
/// (the count would grow twice).
pub async fn add(
    conn: &mut AsyncPgConnection,
    users: &[Uuid],
    arrival: &Arrival<'_>,
    window_secs: f64,
    mentioned: bool,
) -> Result<(), DbError> {
    if users.is_empty() {
        return Ok(());
    }
    // A mention makes an open digest due at once; one being sent keeps its claim, and what
    // arrived meanwhile is due at once when the send ends (`remove`).
    diesel::sql_query(
        "INSERT INTO notification_digests AS d \
             (user_id, room_id, message_count, last_seq, sender_names, due_at, mentioned, \
              mention_seq) \
         SELECT u, $2, 1, $3, ARRAY[$4], now() + make_interval(secs => $5), $7, \
                CASE WHEN $7 THEN $3 ELSE 0 END \
         FROM unnest($1::uuid[]) AS u \
         ON CONFLICT (user_id, room_id) DO UPDATE SET \
             message_count = d.message_count + 1, \
             mentioned = d.mentioned OR excluded.mentioned, \
             mention_seq = CASE WHEN excluded.mentioned \
                                THEN GREATEST(d.mention_seq, excluded.last_seq) \
                                ELSE d.mention_seq END, \
             due_at = CASE WHEN excluded.mentioned \
                            AND (d.claimed_until IS NULL OR d.claimed_until <= now()) \
                           THEN LEAST(d.due_at, excluded.due_at) ELSE d.due_at END, \
             sender_names = CASE \
                 WHEN $4 = ANY (d.sender_names) \
                   OR cardinality(d.sender_names) >= $6 THEN d.sender_names \
                 ELSE d.sender_names || $4 END, \
             last_seq = GREATEST(d.last_seq, excluded.last_seq)",
    )
    .bind::<sql_types::Array<sql_types::Uuid>, _>(users)
    .bind::<sql_types::Uuid, _>(arrival.room_id)
    .bind::<sql_types::BigInt, _>(arrival.seq)
    .bind::<sql_types::Text, _>(arrival.sender_name)
    .bind::<sql_types::Double, _>(window_secs)
    .bind::<sql_types::Integer, _>(MAX_SENDER_NAMES)
    .bind::<sql_types::Bool, _>(mentioned)
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims one digest whose window has ended: in one statement of its own, it moves the digest's
/// `due_at` to `lease` from now, so no other sender takes it while this one sends, and a sender
/// that dies mid-send leaves it to be sent again once the lease ends. No transaction stays
/// open and no row stays locked while Telegram answers (it may take seconds, or a 429 wait).
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    lease: std::time::Duration,
) -> Result<Option<DigestRow>, DbError> {
    Ok(diesel::sql_query(
        "UPDATE notification_digests d SET due_at = now() + make_interval(secs => $1), \
             claimed_until = now() + make_interval(secs => $1) \
         FROM (SELECT user_id, room_id FROM notification_digests \
               WHERE due_at <= now() ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED) due \
         WHERE d.user_id = due.user_id AND d.room_id = due.room_id \
         RETURNING d.user_id, d.room_id, d.message_count, d.last_seq, d.sender_names, \
                   d.opened_at, d.due_at, d.attempts, d.mentioned",
    )
    .bind::<sql_types::Double, _>(lease.as_secs_f64())
    .get_result::<DigestRow>(conn)
    .await
    .optional()?)
}

/// Removes a digest once sent or dropped, as it was claimed: messages that arrived meanwhile
/// (`message_count` beyond `handled`) stay, as a digest of their own that is due `window_secs`
/// from now.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    claimed: &DigestRow,
    window_secs: f64,
) -> Result<(), DbError> {
    diesel::sql_query(
        "WITH gone AS ( \
             DELETE FROM notification_digests \
             WHERE user_id = $1 AND room_id = $2 AND message_count <= $3 RETURNING 1) \
         UPDATE notification_digests SET message_count = message_count - $3, attempts = 0, \
             opened_at = now(), claimed_until = NULL, \
             mentioned = mention_seq > $5, \
             due_at = CASE WHEN mention_seq > $5 THEN now() \
                           ELSE now() + make_interval(secs => $4) END \
         WHERE user_id = $1 AND room_id = $2 AND message_count > $3",
    )
    .bind::<sql_types::Uuid, _>(claimed.user_id)
    .bind::<sql_types::Uuid, _>(claimed.room_id)
    .bind::<sql_types::Integer, _>(claimed.message_count)
    .bind::<sql_types::Double, _>(window_secs)
    .bind::<sql_types::BigInt, _>(claimed.last_seq)
    .execute(conn)
    .await?;
    Ok(())
}

/// Tries a digest again at `at`, counting a failed attempt when `failed`.
pub async fn postpone(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    room_id: Uuid,
    at: DateTime<Utc>,
    failed: bool,
) -> Result<(), DbError> {
    diesel::update(notification_digests::table.find((user_id, room_id)))
        .set((
            notification_digests::due_at.eq(at),
            notification_digests::claimed_until.eq(None::<DateTime<Utc>>),
            notification_digests::attempts.eq(notification_digests::attempts + i32::from(failed)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Digests waiting for a user (tests and diagnostics).
pub async fn pending_for(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> Result<Vec<DigestRow>, DbError> {
    Ok(notification_digests::table
        .filter(notification_digests::user_id.eq(user_id))
        .select(DigestRow::as_select())
        .load(conn)
        .await?)
}
