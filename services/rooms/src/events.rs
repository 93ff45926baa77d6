//! Writing events: every change records its event in the outbox inside its own transaction;
//! the relay publishes it right after commit, and the sync log keeps it for the retention.

use chat_db::rooms::{self, NewRoom, RoomRow};
use chat_db::{AsyncPgConnection, DbError, Pool, outbox};
use chat_domain::MemberRole;
use chat_domain::events::{Event, EventPayload};
use chat_http::RequestId;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Records an event; call inside the transaction that makes the change.
pub async fn emit(
    conn: &mut AsyncPgConnection,
    request_id: &RequestId,
    payload: EventPayload,
) -> Result<(), DbError> {
    let event = Event::new(payload, Some(request_id.0.clone())).traced(request_id.traceparent());
    outbox::push(conn, &event).await
}

/// Inserts a room with its members and records `room_created`, unless a room with the same
/// direct key exists (`None` then). Call inside a transaction.
pub async fn create_room(
    conn: &mut AsyncPgConnection,
    request_id: &RequestId,
    new: &NewRoom<'_>,
    members: &[(uuid::Uuid, MemberRole)],
) -> Result<Option<RoomRow>, DbError> {
    let Some(room) = rooms::insert_unless_exists(conn, new).await? else {
        return Ok(None);
    };
    rooms::add_members(conn, room.id, members).await?;
    emit(
        conn,
        request_id,
        EventPayload::RoomCreated {
            room_id: room.id,
            kind: room.kind(),
            member_ids: members.iter().map(|(u, _)| *u).collect(),
            by: new.owner_id,
        },
    )
    .await?;
    tracing::info!(room.id = %room.id, room.kind = new.kind, "room created");
    Ok(Some(room))
}

/// Drops published events older than the retention, every minute, a batch at a time, and
/// batch after batch while there are more: the sync log stays bounded at any message rate.
pub async fn prune_forever(pool: Pool, retention_secs: i64, cancel: CancellationToken) {
    const BATCH: i64 = 10_000;
    let every = Duration::from_secs(60);
    chat_http::housekeeping::prune_forever(
        pool,
        "sync log",
        every,
        BATCH as usize,
        cancel,
        |mut conn| async move {
            let cutoff = chrono::Utc::now() - chrono::Duration::seconds(retention_secs);
            outbox::prune(&mut conn, cutoff, BATCH).await
        },
    )
    .await;
}
