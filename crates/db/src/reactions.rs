//! `message_reactions` and `message_reaction_versions`, owned by rooms: one reaction per
//! person, emoji and message, and per message the version of its reactions.
//!
//! Every change of a message's reactions takes its version row ([`bump`]) in the transaction
//! that makes it, so changes of one message line up there: a summary read after the bump holds
//! every change up to that version and none after it.

use crate::DbError;
use crate::schema::{message_reaction_versions as versions, message_reactions as reactions};
use chat_domain::{REACTION_USERS_SHOWN, Reaction};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

/// The id of the live (not deleted) message at `seq`, locked so that an edit or a delete of
/// it waits for this transaction (and one that came first is seen: the row is read again).
pub async fn lock_live(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    seq: i64,
) -> Result<Option<Uuid>, DbError> {
    use crate::schema::messages;
    Ok(messages::table
        .filter(messages::room_id.eq(room_id))
        .filter(messages::seq.eq(seq))
        .filter(messages::deleted_at.is_null())
        .select(messages::id)
        .for_share()
        .first(conn)
        .await
        .optional()?)
}

/// Adds a reaction; whether it was not there before.
pub async fn add(
    conn: &mut AsyncPgConnection,
    message_id: Uuid,
    user_id: Uuid,
    emoji: &str,
) -> Result<bool, DbError> {
    let added = diesel::insert_into(reactions::table)
        .values((
            reactions::message_id.eq(message_id),
            reactions::user_id.eq(user_id),
            reactions::emoji.eq(emoji),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added == 1)
}

/// Removes a reaction; whether it was there.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    message_id: Uuid,
    user_id: Uuid,
    emoji: &str,
) -> Result<bool, DbError> {
    let removed = diesel::delete(reactions::table.find((message_id, user_id, emoji)))
        .execute(conn)
        .await?;
    Ok(removed == 1)
}

/// Removes every reaction of a message (it was deleted). Its version stays: a summary of it
/// from before cannot apply over the empty one that follows.
pub async fn clear(conn: &mut AsyncPgConnection, message_id: Uuid) -> Result<bool, DbError> {
    let removed = diesel::delete(reactions::table.filter(reactions::message_id.eq(message_id)))
        .execute(conn)
        .await?;
    if removed > 0 {
        bump(conn, message_id).await?;
    }
    Ok(removed > 0)
}

/// Counts one change of the message's reactions and returns its new version. Holds the
/// version row until the transaction ends.
pub async fn bump(conn: &mut AsyncPgConnection, message_id: Uuid) -> Result<i64, DbError> {
    Ok(diesel::insert_into(versions::table)
        .values((versions::message_id.eq(message_id), versions::version.eq(1)))
        .on_conflict(versions::message_id)
        .do_update()
        .set(versions::version.eq(versions::version + 1))
        .returning(versions::version)
        .get_result(conn)
        .await?)
}

#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    message_id: Uuid,
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = Nullable<Text>)]
    emoji: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    n: Option<i64>,
    #[diesel(sql_type = Nullable<Array<diesel::sql_types::Uuid>>)]
    first_users: Option<Vec<Uuid>>,
    #[diesel(sql_type = Nullable<Bool>)]
    mine: Option<bool>,
}

/// The reactions of these messages with their versions, as `viewer` sees them (`me` set when
/// there is a viewer), read in one statement: one snapshot, so each summary is its version's.
/// By emoji in the order each was first used. Messages never reacted to are left out.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    message_ids: &[Uuid],
    viewer: Option<Uuid>,
) -> Result<HashMap<Uuid, (i64, Vec<Reaction>)>, DbError> {
    let mut out = HashMap::new();
    if message_ids.is_empty() {
        return Ok(out);
    }
    // A function, so its plan is kept for the session (migration 000033).
    let rows: Vec<SummaryRow> = diesel::sql_query(
        "SELECT message_id, version, emoji, n, first_users, mine \
         FROM reaction_summaries($1, $2, $3)",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(message_ids)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(viewer)
    .bind::<Integer, _>(REACTION_USERS_SHOWN as i32)
    .load(conn)
    .await?;
    for row in rows {
        let entry = out
            .entry(row.message_id)
            .or_insert_with(|| (row.version, Vec::new()));
        if let (Some(emoji), Some(count)) = (row.emoji, row.n) {
            entry.1.push(Reaction {
                emoji,
                count,
                user_ids: row.first_users.unwrap_or_default(),
                me: viewer.map(|_| row.mine.unwrap_or(false)),
            });
        }
    }
    Ok(out)
}

/// One message's reactions and version as `viewer` sees them; version 0 when never reacted to.
pub async fn summary(
    conn: &mut AsyncPgConnection,
    message_id: Uuid,
    viewer: Option<Uuid>,
) -> Result<(i64, Vec<Reaction>), DbError> {
    let mut all = summaries(conn, &[message_id], viewer).await?;
    Ok(all.remove(&message_id).unwrap_or((0, Vec::new())))
}
