//! One message event in, pending digests out: for each member other than the sender who is
//! offline, has Telegram linked (when a bot sends), has notifications on and has not muted the
//! room, the message is folded into their digest for the room (`crate::digest` sends it when
//! its window ends). A redelivered event is dropped by its id, recorded in the same
//! transaction as the digests, so a failure leaves both undone and the event to be retried.

use crate::AppState;
use chat_bus::{Delivery, Handled};
use chat_db::digests::{self, Arrival};
use chat_db::{AsyncPgConnection, processed, rooms, users};
use chat_domain::Message;
use chat_domain::events::{Event, EventPayload};
use diesel_async::AsyncConnection;
use std::time::Duration;

pub const CONSUMER: &str = "notifier";

pub async fn handle(state: &AppState, delivery: Delivery) -> Handled {
    let event: Event = match serde_json::from_slice(&delivery.data) {
        Ok(e) => e,
        Err(e) => return Handled::DeadLetter(format!("unreadable event: {e}")),
    };
    let EventPayload::MessageCreated { room_id, message } = event.payload else {
        return Handled::Ack;
    };
    let span = tracing::info_span!("event", event.id = %event.id, request.id = ?event.request_id, room.id = %room_id);
    let _enter = span.enter();
    let mut conn = match chat_db::conn(&state.pool).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "database unavailable: will retry");
            return Handled::Retry;
        }
    };
    let result = conn
        .transaction::<_, chat_db::DbError, _>(async |conn| {
            if !processed::first_time(conn, CONSUMER, event.id).await? {
                tracing::info!("duplicate event dropped");
                return Ok(());
            }
            notify(state, conn, &message).await
        })
        .await;
    match result {
        Ok(()) => Handled::Ack,
        // Lost the database: not this event's fault.
        Err(e @ chat_db::DbError::Pool(_)) => {
            tracing::warn!(error = %e, "database unavailable: will retry");
            Handled::Retry
        }
        Err(e) => Handled::Failed(e.to_string()),
    }
}

async fn notify(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    message: &Message,
) -> Result<(), chat_db::DbError> {
    let members = rooms::members(conn, message.room_id).await?;
    let candidates: Vec<_> = members
        .iter()
        .filter(|m| m.user_id != message.sender_id && !m.muted)
        .map(|m| m.user_id)
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let status = state.presence_of(conn, &candidates).await?;
    let offline: Vec<_> = candidates
        .into_iter()
        .filter(|u| !status.get(u).is_some_and(|s| s.online))
        .collect();
    if offline.is_empty() {
        return Ok(());
    }
    let recipients: Vec<_> = users::active_among(conn, &offline)
        .await?
        .into_iter()
        .filter(|u| state.notifiable(u))
        .map(|u| u.id)
        .collect();
    if recipients.is_empty() {
        return Ok(());
    }
    let sender = users::find(conn, message.sender_id).await?;
    let sender_name = sender
        .as_ref()
        .map_or("someone", |s| s.display_name.as_str());
    let arrival = Arrival {
        room_id: message.room_id,
        seq: message.seq,
        sender_name,
    };
    let window = Duration::from_secs(state.config.digest_window_secs).as_secs_f64();
    digests::add(conn, &recipients, &arrival, window).await
}
