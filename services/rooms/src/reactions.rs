//! Reactions: any member adds or removes an emoji on a live message, one per person and
//! emoji. Every change bumps the message's reaction version and publishes the message's whole
//! summary with it (`reactions_changed`), so a client applies a summary only over an older
//! one: a duplicate or a late event changes nothing, and the next change repairs a lost one.

use crate::access::member_of;
use crate::error::{Result, RoomsError};
use crate::events::emit;
use crate::messages::{blocked_chat, direct_chat_closed, message_not_found};
use crate::store::Store;
use chat_db::{AsyncPgConnection, reactions};
use chat_domain::events::EventPayload;
use chat_domain::{Emoji, MAX_REACTION_KINDS, Message, MessageReactions, Reaction, RoomKind};
use chat_http::RequestId;
use uuid::Uuid;

/// Whether a change adds or removes a reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Add,
    Remove,
}

/// Adds or removes my reaction `emoji` on the message at `seq`. Doing it twice is doing it
/// once: the second changes nothing, publishes nothing and answers the current summary.
pub async fn change(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    seq: i64,
    emoji: Emoji,
    change: Change,
) -> Result<MessageReactions> {
    let mut conn = store.conn().await?;
    let (room, _) = member_of(&mut conn, room_id, me).await?;
    if change == Change::Add
        && room.kind == RoomKind::Direct.as_str()
        && direct_chat_closed(&mut conn, room_id, me).await?
    {
        return Err(blocked_chat());
    }
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                // An edit or delete of the message waits for us, or we see it first.
                let message_id = reactions::lock_live(conn, room_id, seq)
                    .await?
                    .ok_or_else(message_not_found)?;
                let changed = match change {
                    Change::Add => reactions::add(conn, message_id, me, emoji.as_str()).await?,
                    Change::Remove => {
                        reactions::remove(conn, message_id, me, emoji.as_str()).await?
                    }
                };
                if changed {
                    // Taken before the summary is read, so it holds every change up to this
                    // version and none after.
                    reactions::bump(conn, message_id).await?;
                }
                let (version, list) = reactions::summary(conn, message_id, Some(me)).await?;
                if changed {
                    if list.len() > MAX_REACTION_KINDS {
                        return Err(RoomsError::invalid(
                            "emoji",
                            format!(
                                "a message takes at most {MAX_REACTION_KINDS} different reactions"
                            ),
                        ));
                    }
                    let payload = EventPayload::ReactionsChanged {
                        room_id,
                        message_id,
                        seq,
                        version,
                        user_id: me,
                        emoji: emoji.as_str().to_owned(),
                        added: change == Change::Add,
                        reactions: list
                            .iter()
                            .map(|r| Reaction {
                                me: None,
                                ..r.clone()
                            })
                            .collect(),
                    };
                    emit(conn, &request_id, payload).await?;
                }
                Ok(MessageReactions {
                    room_id,
                    seq,
                    message_id,
                    version,
                    reactions: list,
                })
            })
        })
        .await
}

/// Puts each message's reactions and their version, as `me` sees them, on a page read for
/// `me` (history, search): one statement for the whole page.
pub async fn attach(conn: &mut AsyncPgConnection, me: Uuid, page: &mut [Message]) -> Result<()> {
    let ids: Vec<Uuid> = page.iter().map(|m| m.id).collect();
    let mut found = reactions::summaries(conn, &ids, Some(me)).await?;
    for message in page {
        let (version, list) = found.remove(&message.id).unwrap_or((0, Vec::new()));
        message.reactions = Some(list);
        message.reactions_version = Some(version);
    }
    Ok(())
}
