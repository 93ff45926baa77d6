//! `message_mentions`, owned by rooms and written by a trigger when a message that mentions
//! someone is stored (migration 000026): who a message mentions.

use crate::DbError;
use crate::schema::message_mentions as mentions;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// How many messages of the room after `after_seq` mention `user`.
pub async fn unread(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    room_id: Uuid,
    after_seq: i64,
) -> Result<i64, DbError> {
    Ok(mentions::table
        .filter(mentions::user_id.eq(user))
        .filter(mentions::room_id.eq(room_id))
        .filter(mentions::seq.gt(after_seq))
        .count()
        .get_result(conn)
        .await?)
}

/// Who a message mentions (members other than its sender, as recorded when it was stored).
pub async fn of_message(
    conn: &mut AsyncPgConnection,
    message_id: Uuid,
) -> Result<Vec<Uuid>, DbError> {
    Ok(mentions::table
        .filter(mentions::message_id.eq(message_id))
        .select(mentions::user_id)
        .load(conn)
        .await?)
}

/// Forgets a deleted message's mentions.
pub async fn clear(conn: &mut AsyncPgConnection, message_id: Uuid) -> Result<(), DbError> {
    diesel::delete(mentions::table.filter(mentions::message_id.eq(message_id)))
        .execute(conn)
        .await?;
    Ok(())
}
