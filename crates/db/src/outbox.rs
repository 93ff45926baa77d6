//! `outbox`: events written in the same transaction as the change they describe.

use crate::DbError;
use crate::schema::outbox;
use chat_domain::events::Event;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub event_id: Uuid,
    pub routing_key: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow<'a> {
    event_id: Uuid,
    routing_key: &'a str,
    payload: serde_json::Value,
}

/// Records an event; call inside the transaction that makes the change.
pub async fn push(conn: &mut AsyncPgConnection, event: &Event) -> Result<(), DbError> {
    let payload = serde_json::to_value(event)
        .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    diesel::insert_into(outbox::table)
        .values(NewOutboxRow {
            event_id: event.id,
            routing_key: event.payload.routing_key(),
            payload,
        })
        .execute(conn)
        .await?;
    Ok(())
}

/// The oldest pending rows, locked so that relays of other instances skip them. Call inside a
/// transaction and delete what was published before committing.
pub async fn lock_batch(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> Result<Vec<OutboxRow>, DbError> {
    Ok(outbox::table
        .order(outbox::id)
        .limit(limit)
        .for_update()
        .skip_locked()
        .select(OutboxRow::as_select())
        .load(conn)
        .await?)
}

pub async fn delete(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<usize, DbError> {
    Ok(diesel::delete(outbox::table.filter(outbox::id.eq_any(ids)))
        .execute(conn)
        .await?)
}

pub async fn pending(conn: &mut AsyncPgConnection) -> Result<i64, DbError> {
    Ok(outbox::table.count().get_result(conn).await?)
}
