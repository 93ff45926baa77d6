//! `telegram_link_tokens`, owned by auth: one-time tokens that link a Telegram chat to an
//! account. Only their SHA-256 is stored.

use crate::DbError;
use crate::schema::telegram_link_tokens;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn insert(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(telegram_link_tokens::table)
        .values((
            telegram_link_tokens::id.eq(Uuid::now_v7()),
            telegram_link_tokens::user_id.eq(user_id),
            telegram_link_tokens::token_hash.eq(token_hash),
            telegram_link_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Spends the token if it is unused and unexpired, in one statement (so it is single use even
/// under concurrent redemptions), and returns the user it was issued to.
pub async fn redeem(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> Result<Option<Uuid>, DbError> {
    let now = Utc::now();
    Ok(diesel::update(
        telegram_link_tokens::table
            .filter(telegram_link_tokens::token_hash.eq(token_hash))
            .filter(telegram_link_tokens::used_at.is_null())
            .filter(telegram_link_tokens::expires_at.gt(now)),
    )
    .set(telegram_link_tokens::used_at.eq(now))
    .returning(telegram_link_tokens::user_id)
    .get_result(conn)
    .await
    .optional()?)
}

/// Drops every link token of the user: asking for a new link voids the earlier ones.
pub async fn delete_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> Result<usize, DbError> {
    Ok(diesel::delete(
        telegram_link_tokens::table.filter(telegram_link_tokens::user_id.eq(user_id)),
    )
    .execute(conn)
    .await?)
}

/// Deletes link tokens that expired or were used before `before` (at most `batch`; returns
/// how many).
pub async fn prune(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "DELETE FROM telegram_link_tokens WHERE id IN ( \
             SELECT id FROM telegram_link_tokens \
             WHERE expires_at < $1 OR used_at < $1 LIMIT $2)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .execute(conn)
    .await?)
}
