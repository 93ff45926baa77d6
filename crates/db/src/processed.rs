//! `processed_events`: how consumers drop redelivered events.

use crate::DbError;
use crate::schema::processed_events;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Records that `consumer` handled `event_id`. Returns false if it already had.
pub async fn first_time(
    conn: &mut AsyncPgConnection,
    consumer: &str,
    event_id: Uuid,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_into(processed_events::table)
        .values((
            processed_events::consumer.eq(consumer),
            processed_events::event_id.eq(event_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Forgets events handled before `before` (at most `batch` at once; returns how many): a
/// redelivery comes within minutes of the first delivery, so the record is needed for a while,
/// not forever.
pub async fn prune(
    conn: &mut AsyncPgConnection,
    before: chrono::DateTime<chrono::Utc>,
    batch: i64,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "DELETE FROM processed_events WHERE ctid = ANY(ARRAY( \
             SELECT ctid FROM processed_events WHERE processed_at < $1 LIMIT $2))",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .execute(conn)
    .await?)
}
