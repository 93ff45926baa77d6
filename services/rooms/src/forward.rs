//! Forwarding: any member sends a copy of a message of another room they belong to (or of a
//! public room) to a room they belong to, shown as forwarded with who wrote it first. A retry
//! with the same `client_msg_id` returns the first copy, as a send does.

use crate::access::readable;
use crate::error::{Result, RoomsError};
use crate::messages::{Outgoing, earlier, message_not_found, send_with_extras};
use crate::store::Store;
use chat_db::messages;
use chat_domain::{ClientMsgId, Forwarded, Message, MessageBody};
use chat_http::RequestId;
use uuid::Uuid;

/// Forwards the message `source` to `room_id` as `me`. Returns the copy and whether it is new.
pub async fn forward(
    store: &Store,
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
    if original.attachment.is_some() {
        return Err(RoomsError::invalid(
            "message_id",
            "a message with a file cannot be forwarded",
        ));
    }
    let outgoing = Outgoing {
        sender: me,
        room_id,
        text: MessageBody::parse(&original.body, usize::MAX)?,
        client_msg_id,
        reply_to: None,
        request_id,
        // Forwarding a forward names the first writer.
        forwarded_from: Some(Forwarded {
            sender_id: original.forwarded_from_sender.unwrap_or(original.sender_id),
            created_at: original.forwarded_from_at.unwrap_or(original.created_at),
        }),
        attachment: None,
    };
    send_with_extras(store, &outgoing).await
}
