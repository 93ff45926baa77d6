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

#[derive(Debug, Clone, Queryable, Selectable)]
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
) -> Result<(), DbError> {
    if users.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO notification_digests AS d \
             (user_id, room_id, message_count, last_seq, sender_names, due_at) \
         SELECT u, $2, 1, $3, ARRAY[$4], now() + make_interval(secs => $5) \
         FROM unnest($1::uuid[]) AS u \
         ON CONFLICT (user_id, room_id) DO UPDATE SET \
             message_count = d.message_count + 1, \
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
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks one digest whose window has ended, skipping those another sender holds. Call inside a
/// transaction; the lock lasts until it ends.
pub async fn claim_due(conn: &mut AsyncPgConnection) -> Result<Option<DigestRow>, DbError> {
    Ok(notification_digests::table
        .filter(notification_digests::due_at.le(diesel::dsl::now))
        .order(notification_digests::due_at)
        .select(DigestRow::as_select())
        .limit(1)
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()?)
}

/// Removes a digest: sent, or nothing to send.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    room_id: Uuid,
) -> Result<(), DbError> {
    diesel::delete(notification_digests::table.find((user_id, room_id)))
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
