//! Forwarding: any member sends a copy of a message of another room they belong to (or of a
//! public room) to a room they belong to, shown as forwarded with who wrote it first. A retry
//! with the same `client_msg_id` returns the first copy, as a send does.

use crate::access::readable;
use crate::error::{Result, RoomsError};
use crate::messages::{
    Outgoing, SAME_CLIENT_MSG_ID, earlier, log_stored, message_not_found, moment, not_stored,
    prepare, to_send,
};
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
    if original.attachment.is_some() {
        return Err(RoomsError::invalid(
            "message_id",
            "a message with a file cannot be forwarded",
        ));
    }
    // A message of a room I may not read is as missing as one that does not exist.
    readable(&mut conn, original.room_id, me)
        .await
        .map_err(|_| message_not_found())?;
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
    let (mut message, event) = prepare(&outgoing, moment());
    let (copy, announced) = (message.clone(), event.clone());
    let stored = store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let seq = messages::store(conn, &to_send(&copy, &announced)?).await?;
                if seq.is_some() {
                    let from = copy
                        .forwarded_from
                        .as_ref()
                        .ok_or(RoomsError::Bug("a forward without its origin"))?;
                    messages::mark_forwarded(conn, copy.id, from.sender_id, from.created_at)
                        .await?;
                }
                Ok(seq)
            })
        })
        .await;
    match stored {
        Ok(Some(seq)) => {
            message.seq = seq;
            log_stored(&message, &event);
            Ok((message, true))
        }
        Ok(None) => {
            let cid = &outgoing.client_msg_id;
            not_stored(&mut conn, me, room_id, cid, None).await
        }
        // Two copies of one forward raced: the loser returns what the winner stored.
        Err(RoomsError::Db(e)) if e.unique_violation() == Some(SAME_CLIENT_MSG_ID) => {
            let row = messages::find_by_client_id(&mut conn, me, outgoing.client_msg_id.as_str())
                .await?
                .ok_or(RoomsError::Bug("an idempotent forward lost its message"))?;
            earlier(row, room_id)
        }
        Err(e) => Err(e),
    }
}
