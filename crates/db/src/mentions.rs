//! `message_mentions`, owned by rooms and written by a trigger when a message that mentions
//! someone is stored (migration 000026): who a message mentions.

use crate::DbError;
use crate::schema::message_mentions as mentions;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Of a room's messages after `after_seq`, as `user` counts them.
#[derive(Debug, QueryableByName)]
pub struct Unread {
    /// Sent by people `user` blocked: not shown to them, so not unread (they still take seqs).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub hidden: i64,
    /// Mentioning `user`.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub mentions: i64,
}

/// The messages of `room_id` after `after_seq` that `user` does not count as unread, and
/// those that mention them: one statement, for every read watermark that is answered.
pub async fn unread(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    room_id: Uuid,
    after_seq: i64,
) -> Result<Unread, DbError> {
    use diesel::sql_types::{BigInt, Uuid as SqlUuid};
    Ok(diesel::sql_query(
        "SELECT (SELECT count(*) FROM user_blocks ub JOIN messages h \
                     ON h.sender_id = ub.blocked_id AND h.room_id = $2 AND h.seq > $3 \
                  WHERE ub.blocker_id = $1) AS hidden, \
                (SELECT count(*) FROM message_mentions mm \
                  WHERE mm.user_id = $1 AND mm.room_id = $2 AND mm.seq > $3) AS mentions",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<SqlUuid, _>(room_id)
    .bind::<BigInt, _>(after_seq)
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
