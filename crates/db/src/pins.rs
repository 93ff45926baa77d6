//! `pinned_messages`, owned by rooms: the messages a room keeps pinned.

use crate::DbError;
use crate::messages::MessageRow;
use crate::schema::{messages, pinned_messages as pins};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Pins a message of the room; whether it was not pinned before.
pub async fn pin(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    message_id: Uuid,
    by: Uuid,
) -> Result<bool, DbError> {
    let added = diesel::insert_into(pins::table)
        .values((
            pins::room_id.eq(room_id),
            pins::message_id.eq(message_id),
            pins::pinned_by.eq(by),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added == 1)
}

/// Unpins a message; whether it was pinned.
pub async fn unpin(conn: &mut AsyncPgConnection, message_id: Uuid) -> Result<bool, DbError> {
    let removed = diesel::delete(pins::table.filter(pins::message_id.eq(message_id)))
        .execute(conn)
        .await?;
    Ok(removed == 1)
}

/// How many messages the room keeps pinned.
pub async fn count(conn: &mut AsyncPgConnection, room_id: Uuid) -> Result<i64, DbError> {
    Ok(pins::table
        .filter(pins::room_id.eq(room_id))
        .count()
        .get_result(conn)
        .await?)
}

/// The room's pinned messages with who pinned each and when, the latest pin first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    limit: i64,
) -> Result<Vec<(MessageRow, Uuid, DateTime<Utc>)>, DbError> {
    Ok(pins::table
        .inner_join(messages::table)
        .filter(pins::room_id.eq(room_id))
        .filter(messages::deleted_at.is_null())
        .order((pins::pinned_at.desc(), pins::message_id.desc()))
        .limit(limit)
        .select((MessageRow::as_select(), pins::pinned_by, pins::pinned_at))
        .load(conn)
        .await?)
}
