//! Forwarding: any member sends a copy of a message of another room they belong to (or of a
//! public room) to a room they belong to, shown as forwarded with who wrote it first. A retry
//! with the same `client_msg_id` returns the first copy, as a send does. A message's file is
//! copied in the store (no bytes pass through rooms), so the copy outlives the original and is
//! deleted with the copy.

use crate::access::readable;
use crate::attachments::Files;
use crate::error::Result;
use crate::messages::{Outgoing, earlier, message_not_found, send_with_extras};
use crate::store::Store;
use chat_db::messages;
use chat_domain::{ClientMsgId, Forwarded, Message, MessageBody};
use chat_http::RequestId;
use uuid::Uuid;

/// Forwards the message `source` to `room_id` as `me`. Returns the copy and whether it is new.
pub async fn forward(
    store: &Store,
    files: &Files,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    client_msg_id: ClientMsgId,
    source: Uuid,
) -> Result<(Message, bool)> {
    let mut conn = store.conn().await?;
    // A retry returns the first copy, even if the original is gone by now.
    if let Some(row) = messages::find_by_client_id(&mut conn, me, client_msg_id.as_str()).await? {
        return earlier(row, room_id);
    }
    let original = messages::find(&mut conn, source)
        .await?
        .filter(|m| m.deleted_at.is_none())
        .ok_or_else(message_not_found)?;
    // A message of a room I may not read is as missing as one that does not exist.
    readable(&mut conn, original.room_id, me)
        .await
        .map_err(|_| message_not_found())?;
    drop(conn);
    let text = if original.body.is_empty() {
        MessageBody::empty()
    } else {
        MessageBody::parse(&original.body, usize::MAX)?
    };
    // Forwarding a forward names the first writer.
    let forwarded_from = Some(Forwarded {
        sender_id: original.forwarded_from_sender.unwrap_or(original.sender_id),
        created_at: original.forwarded_from_at.unwrap_or(original.created_at),
    });
    let source_room = original.room_id;
    let attachment = match Message::from(original).attachment {
        Some(file) => Some(files.copy(source_room, &file, room_id).await?),
        None => None,
    };
    let outgoing = Outgoing {
        sender: me,
        room_id,
        text,
        client_msg_id,
        reply_to: None,
        request_id,
        forwarded_from,
        attachment,
    };
    let stored = send_with_extras(store, &outgoing).await;
    if let Some(copy) = &outgoing.attachment
        && !matches!(stored, Ok((_, true)))
    {
        files.delete(room_id, copy).await;
    }
    stored
}
