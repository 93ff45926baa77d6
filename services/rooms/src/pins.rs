//! Pinned messages: a room's owners and admins pin and unpin its live messages (in a direct
//! chat or "Saved messages", either person), at most [`MAX_PINS`] at a time; the members are
//! told with `pins_changed`. Anyone who may read the room may read its pins.

use crate::access::{member_of, rank, readable};
use crate::error::{Result, RoomsError};
use crate::events::emit;
use crate::messages::message_not_found;
use crate::store::Store;
use chat_db::{AsyncPgConnection, messages, pins, reactions, rooms};
use chat_domain::events::EventPayload;
use chat_domain::{MAX_PINS, MemberRole, Message, Pin, Pins, RoomKind};
use chat_http::RequestId;
use uuid::Uuid;

/// The room's pinned messages, the latest pin first.
pub async fn list(store: &Store, me: Uuid, room_id: Uuid) -> Result<Pins> {
    let mut conn = store.conn().await?;
    readable(&mut conn, room_id, me).await?;
    read(&mut conn, room_id).await
}

async fn read(conn: &mut AsyncPgConnection, room_id: Uuid) -> Result<Pins> {
    let rows = pins::list(conn, room_id, MAX_PINS as i64).await?;
    Ok(Pins {
        room_id,
        pins: rows
            .into_iter()
            .map(|(row, pinned_by, pinned_at)| Pin {
                message: Message::from(row),
                pinned_by,
                pinned_at,
            })
            .collect(),
    })
}

/// Pins (`pinned`) or unpins the message at `seq`. Doing it twice is doing it once. Answers
/// the room's pins after the change.
pub async fn change(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    seq: i64,
    pinned: bool,
) -> Result<Pins> {
    let mut conn = store.conn().await?;
    let (room, member) = member_of(&mut conn, room_id, me).await?;
    let two_person = matches!(room.kind(), RoomKind::Direct | RoomKind::Saved);
    if !two_person && rank(member.role()) < rank(MemberRole::Admin) {
        return Err(RoomsError::Forbidden(
            "only the room's owners and admins may pin messages".into(),
        ));
    }
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                // Pins of one room line up on its row, so the count below is exact.
                rooms::lock(conn, room_id).await?;
                // A pin takes the live message's row (a delete waits, or is seen first); an
                // unpin also takes one left pinned by a deleted message.
                let message_id = match pinned {
                    true => reactions::lock_live(conn, room_id, seq).await?,
                    false => messages::find_by_seq(conn, room_id, seq)
                        .await?
                        .map(|m| m.id),
                }
                .ok_or_else(message_not_found)?;
                let changed = match pinned {
                    true => pins::pin(conn, room_id, message_id, me).await?,
                    false => pins::unpin(conn, message_id).await?,
                };
                if changed && pinned && pins::count(conn, room_id).await? > MAX_PINS as i64 {
                    return Err(RoomsError::invalid(
                        "seq",
                        format!("a room keeps at most {MAX_PINS} pinned messages: unpin one first"),
                    ));
                }
                if changed {
                    let payload = EventPayload::PinsChanged {
                        room_id,
                        message_id,
                        seq,
                        pinned,
                        by: me,
                    };
                    emit(conn, &request_id, payload).await?;
                }
                read(conn, room_id).await
            })
        })
        .await
}

/// Inside a message's delete: unpins it, and tells the members when it was pinned.
pub async fn unpin_deleted(
    conn: &mut AsyncPgConnection,
    request_id: &RequestId,
    room_id: Uuid,
    message_id: Uuid,
    seq: i64,
    by: Uuid,
) -> Result<()> {
    if pins::unpin(conn, message_id).await? {
        let payload = EventPayload::PinsChanged {
            room_id,
            message_id,
            seq,
            pinned: false,
            by,
        };
        emit(conn, request_id, payload).await?;
    }
    Ok(())
}
