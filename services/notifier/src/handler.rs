//! One message event in, notifications out: for each member other than the sender who is
//! offline, has notifications on and has not muted the room. A redelivered event is dropped by
//! its id; the id is recorded in the same transaction that covers the sends, so a failure
//! leaves it to be retried.

use crate::AppState;
use chat_bus::{Delivery, Handled};
use chat_db::{AsyncPgConnection, presence, processed, rooms, users};
use chat_domain::Message;
use chat_domain::events::{Event, EventPayload};
use diesel_async::AsyncConnection;
use std::collections::HashSet;

pub const CONSUMER: &str = "notifier";

#[derive(Debug, thiserror::Error)]
enum HandleError {
    #[error(transparent)]
    Db(#[from] chat_db::DbError),
    #[error(transparent)]
    Send(#[from] crate::transport::SendError),
}

impl From<diesel::result::Error> for HandleError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

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
        .transaction::<_, HandleError, _>(async |conn| {
            if !processed::first_time(conn, CONSUMER, event.id).await? {
                tracing::info!("duplicate event dropped");
                return Ok(());
            }
            notify(state, conn, &message).await
        })
        .await;
    match result {
        Ok(()) => Handled::Ack,
        Err(e) => {
            tracing::warn!(error = %e, "notification failed: will retry");
            Handled::Retry
        }
    }
}

async fn notify(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    message: &Message,
) -> Result<(), HandleError> {
    let members = rooms::members(conn, message.room_id).await?;
    let muted: HashSet<_> = members
        .iter()
        .filter(|m| m.muted)
        .map(|m| m.user_id)
        .collect();
    let others: Vec<_> = members
        .iter()
        .map(|m| m.user_id)
        .filter(|u| *u != message.sender_id)
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let fresh_after =
        chrono::Utc::now() - chrono::Duration::seconds(state.config.presence_fresh_secs);
    let status = presence::status_of(conn, &others, fresh_after).await?;
    let offline: Vec<_> = others
        .into_iter()
        .filter(|u| !status.get(u).is_some_and(|s| s.online) && !muted.contains(u))
        .collect();
    if offline.is_empty() {
        return Ok(());
    }
    let sender = users::find(conn, message.sender_id).await?;
    let sender_name = sender
        .as_ref()
        .map_or("someone", |s| s.display_name.as_str());
    for user in users::active_among(conn, &offline).await? {
        if !user.notifications_enabled {
            continue;
        }
        let text = format!(
            "New message from {sender_name}. Open {}/?room={} to read it.",
            state.config.public_url, message.room_id
        );
        state
            .transport
            .send(user.id, user.telegram_chat_id, &text)
            .await?;
    }
    Ok(())
}
