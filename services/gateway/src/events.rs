//! From the broker to the sockets: each instance reads every room event from its own
//! exclusive queue and offers it to the local sockets of that room's members.

use crate::AppState;
use crate::hub::Hub;
use chat_bus::{Delivery, Handled, Outgoing};
use chat_db::outbox::Cursor;
use chat_domain::events::{
    Event, EventPayload, PRESENCE_CHANGED, PresenceChanged, SESSION_REVOKED, SYNC_CHECKPOINT,
    USER_RENAMED, UserRenamed,
};
use chat_domain::trace::TraceParent;
use chat_domain::ws::ServerFrame;
use std::sync::Arc;
use uuid::Uuid;

/// What a delivery logs of the event it delivers.
struct Origin {
    id: Uuid,
    request_id: Option<String>,
    trace: Option<TraceParent>,
    /// Its place in the sync log, when the relay sent one.
    at: Option<Cursor>,
}

/// Turns one event into frames for the local sockets; `at` is its place in the sync log.
pub fn dispatch(hub: &Hub, event: Event, at: Option<Cursor>) {
    let origin = Origin {
        id: event.id,
        request_id: event.request_id.clone(),
        trace: event.trace(),
        at,
    };
    let (room_id, frame, skip) = match event.payload {
        EventPayload::MessageCreated { room_id, message } => (
            room_id,
            ServerFrame::MessageCreated {
                room_id,
                seq: message.seq,
                message,
            },
            None,
        ),
        EventPayload::RoomCreated {
            room_id,
            kind,
            member_ids,
            by,
        } => {
            hub.join_users(&member_ids, room_id);
            (
                room_id,
                ServerFrame::RoomCreated {
                    room_id,
                    kind,
                    member_ids,
                    by,
                },
                None,
            )
        }
        EventPayload::ReadUpTo {
            room_id,
            user_id,
            seq,
            unread,
            mentions,
        } => {
            // Every device of the reader learns its new unread count.
            let count = ServerFrame::Unread {
                room_id,
                last_read_seq: seq,
                unread,
                mentions,
            };
            if let Some(text) = encode(&count) {
                hub.deliver_user(user_id, &text, at);
            }
            (
                room_id,
                ServerFrame::Read {
                    room_id,
                    user_id,
                    seq,
                },
                None,
            )
        }
        EventPayload::Typing { room_id, user_id } => (
            room_id,
            ServerFrame::Typing { room_id, user_id },
            Some(user_id),
        ),
        EventPayload::ReadByAll { room_id, seq } => {
            (room_id, ServerFrame::ReadByAll { room_id, seq }, None)
        }
        EventPayload::MessageEdited { room_id, message } => (
            room_id,
            ServerFrame::MessageEdited {
                room_id,
                seq: message.seq,
                message,
            },
            None,
        ),
        EventPayload::MessageDeleted {
            room_id,
            message_id,
            seq,
            ..
        } => (
            room_id,
            ServerFrame::MessageDeleted {
                room_id,
                seq,
                message_id,
            },
            None,
        ),
        EventPayload::ReactionsChanged {
            room_id,
            message_id,
            seq,
            version,
            user_id,
            emoji,
            added,
            reactions,
        } => (
            room_id,
            ServerFrame::ReactionsChanged {
                room_id,
                seq,
                message_id,
                version,
                user_id,
                emoji,
                added,
                reactions,
            },
            None,
        ),
        EventPayload::PinsChanged {
            room_id,
            message_id,
            seq,
            pinned,
            by,
        } => (
            room_id,
            ServerFrame::PinsChanged {
                room_id,
                message_id,
                seq,
                pinned,
                by,
            },
            None,
        ),
        EventPayload::RoomUpdated {
            room_id,
            name,
            topic,
            ..
        } => (
            room_id,
            ServerFrame::RoomUpdated {
                room_id,
                name,
                topic,
            },
            None,
        ),
        EventPayload::RoomDeleted { room_id, .. } => {
            let frame = ServerFrame::RoomDeleted { room_id };
            // Sync never serves it (a deleted room is no one's any more): always live, even to
            // a socket told to resync.
            let origin = Origin { at: None, ..origin };
            deliver(hub, &origin, room_id, &frame, None);
            hub.leave_users(None, room_id);
            return;
        }
        EventPayload::MemberJoined {
            room_id,
            user_id,
            role,
            by,
        } => {
            hub.join_users(&[user_id], room_id);
            (
                room_id,
                ServerFrame::MemberJoined {
                    room_id,
                    user_id,
                    role,
                    by,
                },
                None,
            )
        }
        EventPayload::MemberLeft {
            room_id,
            user_id,
            by,
        } => {
            // The one who left hears it too, then stops getting the room's events.
            let frame = ServerFrame::MemberLeft {
                room_id,
                user_id,
                by,
            };
            deliver(hub, &origin, room_id, &frame, None);
            hub.leave_users(Some(&[user_id]), room_id);
            return;
        }
        EventPayload::MemberRoleChanged {
            room_id,
            user_id,
            role,
            ..
        } => (
            room_id,
            ServerFrame::MemberRoleChanged {
                room_id,
                user_id,
                role,
            },
            None,
        ),
    };
    deliver(hub, &origin, room_id, &frame, skip);
}

/// A frame as the text sent to sockets. A frame that cannot be encoded is an error, logged
/// here, and is not sent (never an empty frame).
pub fn encode(frame: &ServerFrame) -> Option<Arc<str>> {
    match serde_json::to_string(frame) {
        Ok(text) => Some(Arc::from(text)),
        Err(e) => {
            tracing::error!(error = %e, "a frame could not be encoded");
            None
        }
    }
}

/// An ephemeral event's body; `None` (logged) when it cannot be encoded.
fn body_of(what: &'static str, value: &impl serde::Serialize) -> Option<Vec<u8>> {
    serde_json::to_vec(value)
        .inspect_err(|e| tracing::error!(error = %e, what, "an event could not be encoded"))
        .ok()
}

/// Offers an event's frame to the room's local sockets, and logs it with the event's request
/// id and trace: at info when the trace is sampled, else at debug.
fn deliver(hub: &Hub, origin: &Origin, room_id: Uuid, frame: &ServerFrame, skip: Option<Uuid>) {
    let Some(text) = encode(frame) else { return };
    let delivered = hub.deliver(room_id, &text, skip, origin.at);
    let request_id = origin.request_id.as_deref().unwrap_or_default();
    let trace_id = origin.trace.as_ref().map_or("", |t| t.trace_id.as_str());
    if origin.trace.as_ref().is_some_and(|t| t.sampled) {
        tracing::info!(event.id = %origin.id, request.id = request_id, trace.id = trace_id, room.id = %room_id, delivered, "event delivered");
    } else {
        tracing::debug!(event.id = %origin.id, request.id = request_id, trace.id = trace_id, room.id = %room_id, delivered, "event delivered");
    }
}

/// A `session.revoked` event: its sessions' tokens are refused from now on and their sockets
/// here end (close code 4003, so their clients find out the session is over).
fn sessions_revoked(state: &AppState, body: &[u8]) {
    if let Some(event) = chat_bus::revocations::apply(state.verifier.revocations(), body) {
        let ended = state.hub.end_sessions(event.user_id, &event.session_ids);
        tracing::info!(user.id = %event.user_id, sessions = event.session_ids.len(), sockets = ended, "sessions revoked");
    }
}

/// A `user.renamed` event: the members of the user's rooms and the user's own sockets get the
/// new name, once per socket.
fn user_renamed(hub: &Hub, body: &[u8]) {
    match serde_json::from_slice::<UserRenamed>(body) {
        Ok(renamed) => {
            let frame = ServerFrame::UserRenamed {
                user_id: renamed.user_id,
                display_name: renamed.display_name,
            };
            if let Some(text) = encode(&frame) {
                hub.deliver_rooms(&renamed.room_ids, &text, Some(renamed.user_id));
                // Never served by sync: always live.
                hub.deliver_user(renamed.user_id, &text, None);
            }
        }
        Err(e) => tracing::warn!(error = %e, "unreadable user.renamed dropped"),
    }
}

/// The consumer's handler: unreadable events are dropped (the gateway's queue has no
/// dead-letter queue; the rooms service is the source of truth and clients resync).
pub fn handle(state: &AppState, delivery: &Delivery) -> Handled {
    let hub = &state.hub;
    let key = delivery.routing_key.as_str();
    if key == SYNC_CHECKPOINT {
        match chat_bus::sync_cursor(delivery) {
            Some(at) => {
                hub.checkpoint(at);
            }
            None => tracing::warn!("a checkpoint without a cursor dropped"),
        }
        return Handled::Ack;
    }
    if key == PRESENCE_CHANGED {
        match serde_json::from_slice::<PresenceChanged>(&delivery.data) {
            Ok(change) => {
                let frame = ServerFrame::Presence {
                    user_id: change.user_id,
                    online: change.online,
                    last_seen_at: change.last_seen_at,
                };
                if let Some(text) = encode(&frame) {
                    hub.deliver_rooms(&change.room_ids, &text, Some(change.user_id));
                }
            }
            Err(e) => tracing::warn!(error = %e, "unreadable presence change dropped"),
        }
        return Handled::Ack;
    }
    // Outbox events come alone or in packs of one routing key.
    let events = match chat_bus::carried(delivery) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, routing_key = key, "unreadable events dropped");
            return Handled::Ack;
        }
    };
    for carried in events {
        if key == SESSION_REVOKED {
            sessions_revoked(state, carried.body);
        } else if key == USER_RENAMED {
            user_renamed(hub, carried.body);
        } else {
            match serde_json::from_slice::<Event>(carried.body) {
                Ok(event) => dispatch(hub, event, carried.sync_cursor),
                Err(e) => tracing::warn!(error = %e, "unreadable event dropped"),
            }
        }
    }
    Handled::Ack
}

/// Typing is ephemeral: published straight to the exchange for every gateway, never stored.
pub async fn publish_typing(state: &AppState, room_id: Uuid, user_id: Uuid) {
    let event = Event::new(EventPayload::Typing { room_id, user_id }, None);
    if let Some(body) = body_of("typing", &event) {
        publish_ephemeral(state, event.payload.routing_key(), event.id, body).await;
    }
}

/// Presence is ephemeral too: every gateway tells its sockets in the user's rooms.
pub async fn publish_presence(state: &AppState, change: &PresenceChanged) {
    if let Some(body) = body_of("presence", change) {
        publish_ephemeral(state, PRESENCE_CHANGED, Uuid::now_v7(), body).await;
    }
}

async fn publish_ephemeral(state: &AppState, routing_key: &str, id: Uuid, body: Vec<u8>) {
    let out = Outgoing {
        routing_key: routing_key.to_owned(),
        message_id: id.to_string(),
        request_id: None,
        traceparent: None,
        sync_cursor: None,
        pack: None,
        body,
    };
    if let Err(e) = state.publisher.publish_unconfirmed(&[out]).await {
        tracing::debug!(error = %e, routing_key, "ephemeral notice not published");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn after_a_resync_a_room_deletion_still_goes_live_and_a_message_before_the_head_does_not() {
        let hub = Hub::default();
        let (alice, room, conn) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (tx, mut rx) = mpsc::channel(8);
        hub.add(
            conn,
            crate::hub::Entry {
                user_id: alice,
                session: None,
                tx,
                kick: CancellationToken::new(),
                end: CancellationToken::new(),
            },
        );
        hub.join_conn(conn, &[room]);
        let head = Cursor { xid: 100, id: 0 };
        hub.resync_all(Some((head, head)));
        let before = Some(Cursor { xid: 99, id: 1 });
        let edit = Event::new(
            EventPayload::RoomUpdated {
                room_id: room,
                name: Some("renamed".to_owned()),
                topic: None,
                by: alice,
            },
            None,
        );
        dispatch(&hub, edit, before);
        assert!(rx.try_recv().is_err(), "the sync serves the rename");
        let deleted = Event::new(
            EventPayload::RoomDeleted {
                room_id: room,
                member_ids: vec![alice],
                by: alice,
            },
            None,
        );
        dispatch(&hub, deleted, before);
        let frame = rx.try_recv().expect("the deletion, live");
        assert!(frame.contains("room_deleted"), "{frame}");
        assert!(hub.rooms_of(conn).is_empty());
    }
}
