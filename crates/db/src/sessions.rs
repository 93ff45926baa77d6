//! `refresh_tokens`, owned by auth. Tokens are opaque; only their SHA-256 is stored.

use crate::DbError;
use crate::schema::refresh_tokens;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
}

/// Inside a transaction: waits for, then holds until it ends, the lock on `user`'s sessions.
/// Every change to them takes it (refresh, logout, logout everywhere, password change,
/// deactivation), so they run one after the other: a logout cannot miss the token a refresh
/// racing it issues in the family it revokes.
pub async fn lock_user(conn: &mut AsyncPgConnection, user: Uuid) -> Result<(), DbError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7325))")
        .bind::<diesel::sql_types::Uuid, _>(user)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewRefreshToken<'_>,
) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values(new)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_by_hash(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> Result<Option<RefreshTokenRow>, DbError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Marks a token used if it still is usable. Returns false when another request used or
/// revoked it first, which the caller treats as reuse.
pub async fn consume(conn: &mut AsyncPgConnection, id: Uuid) -> Result<bool, DbError> {
    let updated = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Revokes a session (a refresh-token family); returns its id when it was still live.
pub async fn revoke_family(
    conn: &mut AsyncPgConnection,
    family_id: Uuid,
) -> Result<Vec<Uuid>, DbError> {
    let rows = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Utc::now()))
    .returning(refresh_tokens::family_id)
    .get_results(conn)
    .await?;
    Ok(distinct(rows))
}

/// Revokes every session of the user; returns the sessions that were still live.
pub async fn revoke_all_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> Result<Vec<Uuid>, DbError> {
    revoke_others(conn, user_id, None).await
}

/// Revokes every session of the user but `keep` (a family id), e.g. after a password change;
/// returns the sessions that were still live.
pub async fn revoke_others(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<Vec<Uuid>, DbError> {
    let mut query = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(refresh_tokens::family_id.ne(keep));
    }
    let rows = query
        .set(refresh_tokens::revoked_at.eq(Utc::now()))
        .returning(refresh_tokens::family_id)
        .get_results(conn)
        .await?;
    Ok(distinct(rows))
}

fn distinct(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The sessions revoked after `since`, with when: what a service reloads when its event queue
/// is (re)made, so that revocations published while it was away still count.
pub async fn revoked_since(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
) -> Result<Vec<(Uuid, DateTime<Utc>)>, DbError> {
    use diesel::dsl::max;
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = refresh_tokens::table
        .filter(refresh_tokens::revoked_at.gt(since))
        .group_by(refresh_tokens::family_id)
        .select((refresh_tokens::family_id, max(refresh_tokens::revoked_at)))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id, at?)))
        .collect())
}

/// Deletes refresh tokens that can no longer do anything (at most `batch`; returns how many):
/// those expired before `now`, and those revoked before `revoked_before`. A spent token that
/// has not expired is kept: presented again, it is how a theft is noticed (its family is then
/// revoked).
pub async fn prune(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    revoked_before: DateTime<Utc>,
    batch: i64,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "DELETE FROM refresh_tokens WHERE id IN ( \
             SELECT id FROM refresh_tokens \
             WHERE expires_at < $1 OR revoked_at < $2 LIMIT $3)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::Timestamptz, _>(revoked_before)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .execute(conn)
    .await?)
}
