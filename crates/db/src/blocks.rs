//! `user_blocks`: who blocked whom. Written by auth (a user's own choice), read by rooms
//! (direct chats, adding members) and the notifier (whom a message may notify).

use crate::DbError;
use crate::schema::user_blocks;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// `blocker` blocks `blocked`; blocking twice is blocking once.
pub async fn block(
    conn: &mut AsyncPgConnection,
    blocker: Uuid,
    blocked: Uuid,
) -> Result<(), DbError> {
    diesel::insert_into(user_blocks::table)
        .values((
            user_blocks::blocker_id.eq(blocker),
            user_blocks::blocked_id.eq(blocked),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Lifts a block; lifting one that is not there is fine.
pub async fn unblock(
    conn: &mut AsyncPgConnection,
    blocker: Uuid,
    blocked: Uuid,
) -> Result<(), DbError> {
    diesel::delete(user_blocks::table.find((blocker, blocked)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whom `blocker` blocked, newest first, with when.
pub async fn blocked_by(
    conn: &mut AsyncPgConnection,
    blocker: Uuid,
) -> Result<Vec<(Uuid, DateTime<Utc>)>, DbError> {
    Ok(user_blocks::table
        .filter(user_blocks::blocker_id.eq(blocker))
        .order(user_blocks::created_at.desc())
        .select((user_blocks::blocked_id, user_blocks::created_at))
        .load(conn)
        .await?)
}

/// How many people `blocker` blocked.
pub async fn count_blocked_by(conn: &mut AsyncPgConnection, blocker: Uuid) -> Result<i64, DbError> {
    Ok(user_blocks::table
        .filter(user_blocks::blocker_id.eq(blocker))
        .count()
        .get_result(conn)
        .await?)
}

/// Whether either of the two blocked the other.
pub async fn between(conn: &mut AsyncPgConnection, a: Uuid, b: Uuid) -> Result<bool, DbError> {
    let found: i64 = user_blocks::table
        .filter(
            user_blocks::blocker_id
                .eq(a)
                .and(user_blocks::blocked_id.eq(b))
                .or(user_blocks::blocker_id
                    .eq(b)
                    .and(user_blocks::blocked_id.eq(a))),
        )
        .count()
        .get_result(conn)
        .await?;
    Ok(found > 0)
}

/// Those of `users` who blocked `user`.
pub async fn who_blocked(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    users: &[Uuid],
) -> Result<Vec<Uuid>, DbError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user_blocks::table
        .filter(user_blocks::blocked_id.eq(user))
        .filter(user_blocks::blocker_id.eq_any(users))
        .select(user_blocks::blocker_id)
        .load(conn)
        .await?)
}
