//! One message event in, pending digests out: for each member other than the sender who is
//! offline, has Telegram linked (when a bot sends), has notifications on and has not muted the
//! room, the message is folded into their digest for the room (`crate::digest` sends it when
//! its window ends). A redelivered event is dropped by its id, recorded in the same
//! transaction as the digests, so a failure leaves both undone and the event to be retried.

use crate::AppState;
use chat_bus::{Delivery, Handled};
use chat_db::digests::{self, Arrival};
use chat_db::{AsyncPgConnection, blocks, mentions, presence, processed, users};
use chat_domain::Message;
use chat_domain::events::{Event, EventPayload};
use diesel_async::AsyncConnection;
use tracing::Instrument;

pub const CONSUMER: &str = "notifier";

/// Handles every event a delivery carries (one, or a pack's, see `chat_bus::pack`). The pack is
/// settled as its worst outcome: a retry brings it back whole at once (what was handled is
/// dropped the second time by its id, or was decided by reads alone); a failure is told after
/// the rest were handled, so only the failing event waits for the next attempt or ends in the
/// dead-letter queue.
pub async fn handle(state: &AppState, delivery: Delivery) -> Handled {
    let events = match chat_bus::carried(&delivery) {
        Ok(events) => events,
        Err(e) => return Handled::DeadLetter(e),
    };
    let events: Vec<Result<Event, String>> = events
        .iter()
        .map(|carried| {
            serde_json::from_slice(carried.body).map_err(|e| format!("unreadable event: {e}"))
        })
        .collect();
    // Whom each new message could notify, for the whole pack in one statement: most messages
    // have nobody (everyone online, muted or unlinked), and are then decided by that read alone.
    let messages: Vec<(uuid::Uuid, uuid::Uuid)> = events
        .iter()
        .filter_map(|event| match event {
            Ok(Event {
                payload: EventPayload::MessageCreated { room_id, message },
                ..
            }) => Some((*room_id, message.sender_id)),
            _ => None,
        })
        .collect();
    let mut conn = None;
    let mut offline = Vec::new().into_iter();
    if !messages.is_empty() {
        let mut c = match chat_db::conn(&state.pool).await {
            Ok(c) => c,
            Err(e) => return unavailable(&e),
        };
        match presence::offline_members_of_each(&mut c, &messages, state.fresh_after()).await {
            Ok(of) => offline = of.into_iter(),
            Err(e) => return settled(Err(e)),
        }
        conn = Some(c);
    }
    let mut worst = Handled::Ack;
    for event in events {
        let handled = match event {
            Err(why) => Handled::DeadLetter(why),
            Ok(event) => {
                // The reads are in the order of the pack's messages.
                let read = match (&event.payload, conn.as_mut()) {
                    (EventPayload::MessageCreated { .. }, Some(c)) => {
                        offline.next().map(|members| (&mut **c, members))
                    }
                    _ => None,
                };
                handle_event(state, event, read).await
            }
        };
        if handled == Handled::Retry {
            return handled;
        }
        worst = worse(worst, handled);
    }
    worst
}

/// The outcome a pack is settled with, of two of its events' (never `Retry`, which settles
/// it at once): a failure, which is tried again, before a dead letter; the first of a kind.
fn worse(so_far: Handled, next: Handled) -> Handled {
    match (so_far, next) {
        (Handled::Ack, other) | (other, Handled::Ack) => other,
        (Handled::DeadLetter(_), failed @ Handled::Failed(_)) => failed,
        (kept, _) => kept,
    }
}

/// Lost the database: not the event's fault, so it is tried again.
fn unavailable(e: &chat_db::DbError) -> Handled {
    tracing::warn!(error = %e, "database unavailable: will retry");
    Handled::Retry
}

fn settled(result: Result<(), chat_db::DbError>) -> Handled {
    match result {
        Ok(()) => Handled::Ack,
        Err(e @ chat_db::DbError::Pool(_)) => unavailable(&e),
        Err(e) => Handled::Failed(e.to_string()),
    }
}

/// One event of a delivery; a new message comes with a connection and the members it could
/// notify (read for the whole delivery).
async fn handle_event(
    state: &AppState,
    event: Event,
    offline: Option<(&mut AsyncPgConnection, Vec<uuid::Uuid>)>,
) -> Handled {
    let trace = event.trace();
    let EventPayload::MessageCreated { room_id, message } = event.payload else {
        return Handled::Ack;
    };
    let Some((conn, offline)) = offline else {
        // Every new message of a delivery had its read: this is a bug, not the event's fault.
        return Handled::Failed("no offline members read for a message".to_owned());
    };
    // The span goes with the future: an entered guard held across awaits would leak into
    // whatever else runs on the thread.
    let span = tracing::info_span!(
        "event",
        event.id = %event.id,
        request.id = event.request_id.as_deref().unwrap_or_default(),
        trace.id = trace.as_ref().map_or("", |t| t.trace_id.as_str()),
        room.id = %room_id
    );
    let sampled = trace.is_some_and(|t| t.sampled);
    async {
        let handled = settled(handle_message(state, conn, event.id, message, offline).await);
        // One line per message would flood the log under load: only sampled traces get it.
        if sampled {
            tracing::info!(outcome = ?handled, "event handled");
        }
        handled
    }
    .instrument(span)
    .await
}

/// Folds a message into the digests of whom it notifies. Most messages have nobody (everyone
/// online, muted or unlinked): those are decided with reads alone, and cost no transaction and
/// no flush. Handling them twice would change nothing, so they need no dedupe record either.
async fn handle_message(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    event_id: uuid::Uuid,
    message: Message,
    offline: Vec<uuid::Uuid>,
) -> Result<(), chat_db::DbError> {
    let Some(arrival) = who_to_notify(state, conn, &message, offline).await? else {
        return Ok(());
    };
    conn.transaction::<_, chat_db::DbError, _>(async |conn| {
        if !processed::first_time(conn, CONSUMER, event_id).await? {
            tracing::info!("duplicate event dropped");
            return Ok(());
        }
        let fold = Arrival {
            room_id: message.room_id,
            seq: message.seq,
            sender_name: &arrival.sender_name,
        };
        // A mention is sent at once; the rest waits for the digest window.
        let (mentioned, others): (Vec<_>, Vec<_>) = arrival
            .recipients
            .iter()
            .partition(|r| arrival.mentioned.contains(r));
        digests::add(conn, &others, &fold, state.window_secs(), false).await?;
        digests::add(conn, &mentioned, &fold, 0.0, true).await
    })
    .await
}

/// Who gets this message in a digest, and the sender's name; `None` when nobody does.
struct Recipients {
    recipients: Vec<uuid::Uuid>,
    /// Those of them the message mentions.
    mentioned: Vec<uuid::Uuid>,
    sender_name: String,
}

/// `offline`: the members other than the sender, not muted, with no live socket (read for
/// the whole delivery).
async fn who_to_notify(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    message: &Message,
    mut offline: Vec<uuid::Uuid>,
) -> Result<Option<Recipients>, chat_db::DbError> {
    // Who it mentions (recorded with the message): they are told even from a muted room.
    let mentioned = if message.body.contains("<@") {
        mentions::of_message(conn, message.id).await?
    } else {
        Vec::new()
    };
    if !mentioned.is_empty() {
        let status = state.presence_of(conn, &mentioned).await?;
        for user in &mentioned {
            let online = status.get(user).is_some_and(|s| s.online);
            if !online && !offline.contains(user) {
                offline.push(*user);
            }
        }
    }
    if offline.is_empty() {
        return Ok(None);
    }
    let recipients: Vec<_> = users::active_among(conn, &offline)
        .await?
        .into_iter()
        .filter(|u| state.notifiable(u))
        .map(|u| u.id)
        .collect();
    if recipients.is_empty() {
        return Ok(None);
    }
    // Nobody is notified of a message from someone they blocked.
    let blocked_sender = blocks::who_blocked(conn, message.sender_id, &recipients).await?;
    let recipients: Vec<_> = recipients
        .into_iter()
        .filter(|r| !blocked_sender.contains(r))
        .collect();
    if recipients.is_empty() {
        return Ok(None);
    }
    let sender = users::find(conn, message.sender_id).await?;
    let sender_name = sender.map_or_else(|| "someone".to_owned(), |s| s.display_name);
    Ok(Some(Recipients {
        recipients,
        mentioned,
        sender_name,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pack_is_settled_as_its_worst_event_a_failure_before_a_dead_letter() {
        let fold = |outcomes: Vec<Handled>| outcomes.into_iter().fold(Handled::Ack, worse);
        let failed = |r: &str| Handled::Failed(r.to_owned());
        let dead = |r: &str| Handled::DeadLetter(r.to_owned());
        assert_eq!(fold(vec![Handled::Ack, Handled::Ack]), Handled::Ack);
        assert_eq!(fold(vec![Handled::Ack, dead("a"), Handled::Ack]), dead("a"));
        assert_eq!(fold(vec![dead("a"), failed("b"), dead("c")]), failed("b"));
        assert_eq!(fold(vec![failed("b"), dead("a")]), failed("b"));
        assert_eq!(fold(vec![failed("b"), failed("c")]), failed("b"));
    }
}
