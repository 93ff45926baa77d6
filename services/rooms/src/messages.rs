//! Messages: sending (one or a batch), editing, deleting, read watermarks, and who read what.
//! The rules and the transactions live here; the handlers only parse and answer.

use crate::access::{member_of, rank, readable, room_not_found};
use crate::error::{Result, RoomsError};
use crate::events::emit;
use crate::store::Store;
use chat_db::messages::Page;
use chat_db::rooms::{self, MemberRow};
use chat_db::{AsyncPgConnection, blocks, messages, outbox, reactions};
use chat_domain::events::{Event, EventPayload};
use chat_domain::mentions;
use chat_domain::{ClientMsgId, Forwarded, MemberRole, Message, MessageBody, RoomKind};
use chat_http::RequestId;
use chat_http::limits::Limiter;
use uuid::Uuid;

/// The unique constraint that makes sends idempotent.
const SAME_CLIENT_MSG_ID: &str = "messages_sender_id_client_msg_id_key";

pub(crate) fn message_not_found() -> RoomsError {
    RoomsError::NotFound("message")
}

/// A send that parsed: who sends what where.
pub struct Outgoing {
    pub sender: Uuid,
    pub room_id: Uuid,
    pub client_msg_id: ClientMsgId,
    pub text: MessageBody,
    pub reply_to: Option<Uuid>,
    pub request_id: RequestId,
    /// Set for a forward: who wrote the original, and when.
    pub forwarded_from: Option<Forwarded>,
    /// Set for a message that carries a file.
    pub attachment: Option<chat_domain::Attachment>,
}

/// A send as the API takes it, before it is checked.
pub struct Draft<'a> {
    pub sender: Uuid,
    pub room_id: Uuid,
    pub client_msg_id: &'a str,
    pub body: &'a str,
    pub reply_to: Option<Uuid>,
    pub request_id: RequestId,
}

impl Outgoing {
    /// Checks a send: the sender's send limit, then the body and the `client_msg_id` (both
    /// reported at once when both are wrong).
    pub async fn parse(draft: Draft<'_>, limit: &Limiter, max_chars: usize) -> Result<Self> {
        limit.check(&draft.sender.to_string()).await?;
        let text = MessageBody::parse(draft.body, max_chars);
        let client_msg_id = ClientMsgId::parse(draft.client_msg_id);
        match (text, client_msg_id) {
            (Ok(text), Ok(client_msg_id)) => Ok(Self {
                sender: draft.sender,
                room_id: draft.room_id,
                client_msg_id,
                text,
                reply_to: draft.reply_to,
                request_id: draft.request_id,
                forwarded_from: None,
                attachment: None,
            }),
            (t, c) => Err(RoomsError::Invalid(
                [t.err(), c.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

/// Stores a message (or finds the one a retry refers to). Returns it and whether it is new.
///
/// The common case is one statement, committed on its own (`chat_db::messages::store`): one
/// round trip and one durable flush. Only when it stores nothing does a second look tell why
/// (a retry, not a member, a bad `reply_to`).
pub async fn send(store: &Store, outgoing: &Outgoing) -> Result<(Message, bool)> {
    let mut conn = store.conn().await?;
    let stored = send_on(&mut conn, outgoing, moment()).await;
    if matches!(stored, Ok((_, true))) {
        store.committed();
    }
    stored
}

/// Stores one send on its own, after checking a mention of everyone.
async fn send_on(
    conn: &mut AsyncPgConnection,
    outgoing: &Outgoing,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Message, bool)> {
    check_everyone(conn, outgoing).await?;
    let (message, event) = prepare(outgoing, now);
    store_one(conn, message, &event, &outgoing.client_msg_id).await
}

/// `<@room>` (everyone) is for the room's owners and admins: refused in `text` from anyone
/// else, `member` being the writer's membership.
fn may_mention_everyone(member: &MemberRow, text: &str) -> Result<()> {
    if mentions::everyone(text) && rank(member.role()) < rank(MemberRole::Admin) {
        return Err(RoomsError::Forbidden(
            "only the room's owners and admins may mention everyone (@room)".into(),
        ));
    }
    Ok(())
}

/// [`may_mention_everyone`] for a writer whose membership is not read yet (read only when
/// the text mentions everyone, which is rare).
async fn check_everyone(conn: &mut AsyncPgConnection, outgoing: &Outgoing) -> Result<()> {
    if !mentions::everyone(outgoing.text.as_str()) {
        return Ok(());
    }
    let (_, member) = member_of(conn, outgoing.room_id, outgoing.sender).await?;
    may_mention_everyone(&member, outgoing.text.as_str())
}

/// Stores one send whose message carries more than a send's columns (a forward's origin, a
/// file), with them, in one transaction; answered as [`send`] answers.
pub(crate) async fn send_with_extras(
    store: &Store,
    outgoing: &Outgoing,
) -> Result<(Message, bool)> {
    let mut conn = store.conn().await?;
    // A caption or a forwarded text mentions everyone only from an owner or an admin too.
    check_everyone(&mut conn, outgoing).await?;
    let (mut message, event) = prepare(outgoing, moment());
    let (copy, announced) = (message.clone(), event.clone());
    let stored = store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let seq = messages::store(conn, &to_send(&copy, &announced)?).await?;
                if seq.is_some() {
                    let forwarded = copy
                        .forwarded_from
                        .as_ref()
                        .map(|f| (f.sender_id, f.created_at));
                    let file = copy
                        .attachment
                        .as_ref()
                        .map(serde_json::to_value)
                        .transpose()?;
                    messages::set_extras(conn, copy.id, forwarded, file).await?;
                }
                Ok(seq)
            })
        })
        .await;
    let (sender, room_id, cid) = (outgoing.sender, outgoing.room_id, &outgoing.client_msg_id);
    match stored {
        Ok(Some(seq)) => {
            message.seq = seq;
            log_stored(&message, &event);
            Ok((message, true))
        }
        Ok(None) => not_stored(&mut conn, sender, room_id, cid, outgoing.reply_to).await,
        // Two copies of one send raced: the loser returns what the winner stored.
        Err(RoomsError::Db(e)) if e.unique_violation() == Some(SAME_CLIENT_MSG_ID) => {
            let row = messages::find_by_client_id(&mut conn, sender, cid.as_str())
                .await?
                .ok_or(RoomsError::Bug("an idempotent send lost its message"))?;
            earlier(row, room_id)
        }
        Err(e) => Err(e),
    }
}

/// Stores the sends of a batch (`POST /api/rooms/messages/batch`), each answered as [`send`]
/// answers it. Their common case is one statement for all (`chat_db::messages::store_many`):
/// one round trip, one transaction, one durable flush, and every answer given only after it
/// committed. If that statement fails as a whole (two copies of one send raced in two
/// batches), the sends are stored one by one, in their order. The outer error fails them all
/// (no connection).
pub async fn send_many(store: &Store, sends: &[Outgoing]) -> Result<Vec<Result<(Message, bool)>>> {
    let mut conn = store.conn().await?;
    let now = moment();
    // A mention of everyone is checked per send (it is rare): such a batch goes one by one,
    // in its order.
    if sends.iter().any(|s| mentions::everyone(s.text.as_str())) {
        let mut results = Vec::with_capacity(sends.len());
        for s in sends {
            results.push(send_on(&mut conn, s, now).await);
        }
        if results.iter().any(|r| matches!(r, Ok((_, true)))) {
            store.committed();
        }
        return Ok(results);
    }
    let prepared: Vec<(Message, Event)> = sends.iter().map(|s| prepare(s, now)).collect();
    let batch = prepared
        .iter()
        .map(|(message, event)| to_send(message, event))
        .collect::<Result<Vec<_>, _>>()?;
    let stored = messages::store_many(&mut conn, &batch).await;
    let mut results = Vec::with_capacity(sends.len());
    match stored {
        Ok(seqs) => {
            for ((mut message, event), (seq, s)) in
                prepared.into_iter().zip(seqs.into_iter().zip(sends))
            {
                results.push(match seq {
                    Some(seq) => {
                        message.seq = seq;
                        log_stored(&message, &event);
                        Ok((message, true))
                    }
                    None => {
                        not_stored(&mut conn, s.sender, s.room_id, &s.client_msg_id, s.reply_to)
                            .await
                    }
                });
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, sends = sends.len(), "batch refused as a whole: storing its sends one by one");
            for ((message, event), s) in prepared.into_iter().zip(sends) {
                results.push(store_one(&mut conn, message, &event, &s.client_msg_id).await);
            }
        }
    }
    if results.iter().any(|r| matches!(r, Ok((_, true)))) {
        store.committed();
    }
    Ok(results)
}

/// Now, to the microsecond: PostgreSQL keeps microseconds, and the answer must say what a
/// later read will.
fn moment() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The message to store (its seq is taken when it is stored) and the event announcing it.
fn prepare(s: &Outgoing, created_at: chrono::DateTime<chrono::Utc>) -> (Message, Event) {
    let message = Message {
        id: Uuid::now_v7(),
        room_id: s.room_id,
        seq: 0,
        sender_id: s.sender,
        body: s.text.as_str().to_owned(),
        reply_to: s.reply_to,
        client_msg_id: s.client_msg_id.as_str().to_owned(),
        created_at,
        edited_at: None,
        deleted: false,
        reactions: None,
        reactions_version: None,
        forwarded_from: s.forwarded_from.clone(),
        attachment: s.attachment.clone().map(Box::new),
    };
    let event = Event::new(
        EventPayload::MessageCreated {
            room_id: s.room_id,
            message: message.clone(),
        },
        Some(s.request_id.0.clone()),
    )
    .traced(s.request_id.traceparent());
    (message, event)
}

/// Logs a stored message with its request id and trace: at info when its trace is sampled,
/// else at debug (one line per message would flood the log under load).
fn log_stored(message: &Message, event: &Event) {
    let request_id = event.request_id.as_deref().unwrap_or_default();
    let trace = event.trace();
    let trace_id = trace.as_ref().map_or("", |t| t.trace_id.as_str());
    if trace.as_ref().is_some_and(|t| t.sampled) {
        tracing::info!(request.id = request_id, trace.id = trace_id, event.id = %event.id, room.id = %message.room_id, message.seq = message.seq, user.id = %message.sender_id, "message stored");
    } else {
        tracing::debug!(request.id = request_id, trace.id = trace_id, event.id = %event.id, room.id = %message.room_id, message.seq = message.seq, user.id = %message.sender_id, "message stored");
    }
}

fn to_send<'a>(message: &'a Message, event: &'a Event) -> Result<messages::Send<'a>> {
    Ok(messages::Send {
        message,
        event_id: event.id,
        routing_key: event.payload.routing_key(),
        event: serde_json::to_value(event)?,
    })
}

/// Stores one prepared message in its own statement.
async fn store_one(
    conn: &mut AsyncPgConnection,
    mut message: Message,
    event: &Event,
    client_msg_id: &ClientMsgId,
) -> Result<(Message, bool)> {
    let send = to_send(&message, event)?;
    let stored = messages::store(conn, &send).await;
    match stored {
        Ok(Some(seq)) => {
            message.seq = seq;
            log_stored(&message, event);
            Ok((message, true))
        }
        Ok(None) => {
            not_stored(
                conn,
                message.sender_id,
                message.room_id,
                client_msg_id,
                message.reply_to,
            )
            .await
        }
        // Two copies of one send raced: the loser returns what the winner stored.
        Err(e) if e.unique_violation() == Some(SAME_CLIENT_MSG_ID) => {
            let row = messages::find_by_client_id(conn, message.sender_id, client_msg_id.as_str())
                .await?
                .ok_or(RoomsError::Bug("an idempotent send lost its message"))?;
            earlier(row, message.room_id)
        }
        Err(e) => Err(e.into()),
    }
}

/// A send stored nothing: the message a retry refers to, or the error that explains it.
async fn not_stored(
    conn: &mut AsyncPgConnection,
    sender: Uuid,
    room_id: Uuid,
    client_msg_id: &ClientMsgId,
    reply_to: Option<Uuid>,
) -> Result<(Message, bool)> {
    if let Some(existing) =
        messages::find_by_client_id(conn, sender, client_msg_id.as_str()).await?
    {
        return earlier(existing, room_id);
    }
    let (room, _) = member_of(conn, room_id, sender).await?;
    if room.kind == RoomKind::Direct.as_str() && direct_chat_closed(conn, room_id, sender).await? {
        return Err(blocked_chat());
    }
    if let Some(reply_to) = reply_to {
        let parent = messages::find(conn, reply_to).await?;
        if parent.is_none_or(|p| p.room_id != room_id) {
            return Err(RoomsError::invalid(
                "reply_to",
                "must be a message of the same room",
            ));
        }
    }
    // The room was deleted meanwhile.
    Err(room_not_found())
}

/// Whether one of the two people of a direct chat blocked the other (then `store_message`
/// stores nothing there, migration 000018).
pub(crate) async fn direct_chat_closed(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    me: Uuid,
) -> Result<bool> {
    for peer in rooms::members(conn, room_id).await? {
        if peer.user_id != me && blocks::between(conn, me, peer.user_id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(crate) fn blocked_chat() -> RoomsError {
    // Either one blocked the other; which one is not told.
    RoomsError::Forbidden("this chat is closed: one of you blocked the other".into())
}

/// The message a retry refers to, if it was sent to the same room.
pub(crate) fn earlier(row: messages::MessageRow, room_id: Uuid) -> Result<(Message, bool)> {
    if row.room_id != room_id {
        return Err(RoomsError::Conflict {
            field: "client_msg_id",
            message: "this client_msg_id was already used in another room",
        });
    }
    Ok((Message::from(row), false))
}

/// A message of the room that is not deleted, or 404.
async fn live_message(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    seq: i64,
) -> Result<messages::MessageRow> {
    messages::find_by_seq(conn, room_id, seq)
        .await?
        .filter(|m| m.deleted_at.is_none())
        .ok_or_else(message_not_found)
}

/// Edits one of my messages; it is marked edited and the members are told.
pub async fn edit(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    seq: i64,
    text: MessageBody,
) -> Result<Message> {
    let mut conn = store.conn().await?;
    let (_, member) = member_of(&mut conn, room_id, me).await?;
    may_mention_everyone(&member, text.as_str())?;
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let row = live_message(conn, room_id, seq).await?;
                if row.sender_id != me {
                    return Err(RoomsError::Forbidden(
                        "you can only edit your own messages".into(),
                    ));
                }
                if row.forwarded_from_sender.is_some() {
                    return Err(RoomsError::Forbidden(
                        "a forwarded message keeps its original text".into(),
                    ));
                }
                let row = messages::edit(conn, row.id, text.as_str())
                    .await?
                    .ok_or_else(message_not_found)?;
                let message = Message::from(row);
                // The earlier text leaves the sync log too.
                outbox::rewrite_message(conn, room_id, seq, &serde_json::to_value(&message)?)
                    .await?;
                let payload = EventPayload::MessageEdited {
                    room_id,
                    message: message.clone(),
                };
                emit(conn, &request_id, payload).await?;
                Ok(message)
            })
        })
        .await
}

/// Deletes a message: my own, or anyone's when I am the room's owner or an admin. Its place
/// in history stays as a tombstone without text. Returns the file it carried, to delete from
/// the store now that the message no longer shows it.
pub async fn delete(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    seq: i64,
) -> Result<Option<chat_domain::Attachment>> {
    let mut conn = store.conn().await?;
    let (_, member) = member_of(&mut conn, room_id, me).await?;
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let row = live_message(conn, room_id, seq).await?;
                if row.sender_id != me && rank(member.role()) < rank(MemberRole::Admin) {
                    return Err(RoomsError::Forbidden(
                        "only the sender, an admin or the owner may delete this message".into(),
                    ));
                }
                let tombstone = messages::soft_delete(conn, row.id)
                    .await?
                    .ok_or_else(message_not_found)?;
                // Its reactions go with it (clients clear them on `message_deleted`), and its pin.
                reactions::clear(conn, row.id).await?;
                chat_db::mentions::clear(conn, row.id).await?;
                crate::pins::unpin_deleted(conn, &request_id, room_id, row.id, seq, me).await?;
                // Its text leaves the sync log too: the log keeps the tombstone.
                let tombstone = serde_json::to_value(Message::from(tombstone))?;
                outbox::rewrite_message(conn, room_id, seq, &tombstone).await?;
                let payload = EventPayload::MessageDeleted {
                    room_id,
                    message_id: row.id,
                    seq,
                    deleted_by: me,
                };
                emit(conn, &request_id, payload).await?;
                // Its file goes once this commits (the caller deletes it).
                Ok(Message::from(row).attachment.map(|a| *a))
            })
        })
        .await
}

/// A member's read watermark after [`mark_read`].
pub struct Watermark {
    pub room_id: Uuid,
    pub last_read_seq: i64,
    pub unread: i64,
    /// Of the unread messages, those that mention me.
    pub mentions: i64,
}

/// Moves my read watermark forward (never back); the members are told, and when this read
/// raised the room's lowest watermark, the senders learn that everyone has read up to it.
pub async fn mark_read(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    seq: i64,
) -> Result<Watermark> {
    if seq < 0 {
        return Err(RoomsError::invalid("seq", "must not be negative"));
    }
    let mut conn = store.conn().await?;
    let (room, member) = member_of(&mut conn, room_id, me).await?;
    let seq = seq.min(room.last_seq);
    let room_last_seq = room.last_seq;
    if seq <= member.last_read_seq {
        // Nothing moves: no transaction, and above all no wait on the room's row, which
        // every send to the room holds while it commits.
        let after = chat_db::mentions::unread(&mut conn, me, room_id, member.last_read_seq).await?;
        return Ok(Watermark {
            room_id,
            last_read_seq: member.last_read_seq,
            unread: (room_last_seq - member.last_read_seq - after.hidden).max(0),
            mentions: after.mentions,
        });
    }
    let (last_read_seq, unread, mentions) = store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                // Reads of one room line up on its row, so exactly one of two concurrent
                // readers sees the lowest watermark rise.
                let last_seq = rooms::lock(conn, room_id)
                    .await?
                    .map_or(room_last_seq, |r| r.last_seq);
                let all_before = rooms::min_read_seq(conn, room_id).await?;
                let moved = rooms::mark_read(conn, room_id, me, seq).await?;
                let read = moved.unwrap_or(member.last_read_seq.max(seq));
                // Messages of people I blocked are not shown to me, so they are not unread.
                let after = chat_db::mentions::unread(conn, me, room_id, read).await?;
                let unread = (last_seq - read - after.hidden).max(0);
                let mentions = after.mentions;
                let Some(moved) = moved else {
                    return Ok((read, unread, mentions));
                };
                let payload = EventPayload::ReadUpTo {
                    room_id,
                    user_id: me,
                    seq: moved,
                    unread,
                    mentions,
                };
                emit(conn, &request_id, payload).await?;
                let all_after = rooms::min_read_seq(conn, room_id).await?;
                if all_after > all_before {
                    let payload = EventPayload::ReadByAll {
                        room_id,
                        seq: all_after,
                    };
                    emit(conn, &request_id, payload).await?;
                }
                Ok((moved, unread, mentions))
            })
        })
        .await?;
    Ok(Watermark {
        room_id,
        last_read_seq,
        unread,
        mentions,
    })
}

/// Who has read a message: the members other than its sender whose watermark reached it, and
/// whether that is all of them.
pub async fn readers(
    store: &Store,
    me: Uuid,
    room_id: Uuid,
    seq: i64,
) -> Result<(Vec<Uuid>, bool)> {
    let mut conn = store.conn().await?;
    member_of(&mut conn, room_id, me).await?;
    let message = messages::find_by_seq(&mut conn, room_id, seq)
        .await?
        .ok_or_else(message_not_found)?;
    let others: Vec<_> = rooms::members(&mut conn, room_id)
        .await?
        .into_iter()
        .filter(|m| m.user_id != message.sender_id)
        .collect();
    let read_by: Vec<Uuid> = others
        .iter()
        .filter(|m| m.last_read_seq >= seq)
        .map(|m| m.user_id)
        .collect();
    let all = read_by.len() == others.len();
    Ok((read_by, all))
}

/// A page of history, and what lies around it.
pub struct History {
    /// By seq, oldest first.
    pub messages: Vec<Message>,
    /// Older messages exist before this page.
    pub has_older: bool,
    /// Newer messages exist after this page.
    pub has_newer: bool,
}

/// A page of history by seq cursor (never OFFSET), for a member, or for anyone in a public
/// room.
pub async fn history(
    store: &Store,
    me: Uuid,
    room_id: Uuid,
    page: Page,
    size: i64,
) -> Result<History> {
    let mut conn = store.conn().await?;
    let (room, _) = readable(&mut conn, room_id, me).await?;
    let read = messages::page(&mut conn, room.id, page, size).await?;
    let first = read.rows.first().map(|m| m.seq);
    let last = read.rows.last().map(|m| m.seq);
    // Known from the read itself in the direction(s) read; otherwise from the room's bounds.
    let has_older = match page {
        Page::After(seq) => first.map_or(seq > 0, |f| f > 1),
        _ => read.more_before,
    };
    let has_newer = match page {
        Page::After(_) | Page::Around(_) => read.more_after,
        _ => {
            last.is_some_and(|l| l < room.last_seq)
                || matches!(page, Page::Before(seq) if last.is_none() && seq <= room.last_seq)
        }
    };
    let mut page: Vec<Message> = read.rows.into_iter().map(Message::from).collect();
    crate::reactions::attach(&mut conn, me, &mut page).await?;
    Ok(History {
        messages: page,
        has_older,
        has_newer,
    })
}
