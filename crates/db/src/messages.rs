//! `messages`, owned by rooms. History is paged by `seq`, never by OFFSET.

use crate::DbError;
use crate::schema::messages;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: Uuid,
    pub room_id: Uuid,
    pub seq: i64,
    pub sender_id: Uuid,
    pub body: String,
    pub reply_to: Option<Uuid>,
    pub client_msg_id: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// For a forwarded message, who wrote the original, and when.
    pub forwarded_from_sender: Option<Uuid>,
    pub forwarded_from_at: Option<DateTime<Utc>>,
    /// Its file, as `chat_domain::Attachment` JSON.
    pub attachment: Option<serde_json::Value>,
}

impl From<MessageRow> for chat_domain::Message {
    fn from(row: MessageRow) -> Self {
        let deleted = row.deleted_at.is_some();
        Self {
            id: row.id,
            room_id: row.room_id,
            seq: row.seq,
            sender_id: row.sender_id,
            // A deleted message keeps its place in history but not its text.
            body: if deleted { String::new() } else { row.body },
            reply_to: row.reply_to,
            client_msg_id: row.client_msg_id,
            created_at: row.created_at,
            edited_at: row.edited_at,
            deleted,
            reactions: None,
            reactions_version: None,
            // A deleted message's file is gone too.
            attachment: row
                .attachment
                .filter(|_| !deleted)
                .and_then(|a| serde_json::from_value(a).ok())
                .map(Box::new),
            forwarded_from: row.forwarded_from_sender.zip(row.forwarded_from_at).map(
                |(sender_id, created_at)| chat_domain::Forwarded {
                    sender_id,
                    created_at,
                },
            ),
        }
    }
}

// No insert struct: a message only ever enters through `store` (the database function takes
// its seq, moves the watermark and writes its event in the same statement).

/// A message to store with [`store`] (its `seq` is taken there), and the event that announces
/// it.
#[derive(Debug)]
pub struct Send<'a> {
    /// `created_at` to the microsecond (what PostgreSQL keeps).
    pub message: &'a chat_domain::Message,
    pub event_id: Uuid,
    pub routing_key: &'a str,
    /// The event's JSON with any seq at `/payload/message/seq`: the stored seq replaces it.
    pub event: serde_json::Value,
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// The migration `store_message` function: see [`store`].
    #[expect(
        clippy::too_many_arguments,
        reason = "the database function takes every column of the send"
    )]
    fn store_message(
        id: diesel::sql_types::Uuid,
        room_id: diesel::sql_types::Uuid,
        sender_id: diesel::sql_types::Uuid,
        body: diesel::sql_types::Text,
        reply_to: diesel::sql_types::Nullable<diesel::sql_types::Uuid>,
        client_msg_id: diesel::sql_types::Text,
        created_at: diesel::sql_types::Timestamptz,
        event_id: diesel::sql_types::Uuid,
        routing_key: diesel::sql_types::Text,
        event: diesel::sql_types::Jsonb,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::BigInt>;
}

/// Stores a message in one statement (one round trip, one commit when run outside a
/// transaction), through the database function `store_message`: it takes the room's next seq,
/// inserts the message, moves the sender's read watermark to it and records its event in the
/// outbox. Nothing is written, and `None` comes back, when the room is gone, the sender is not
/// a member, `reply_to` is not a message of the room, or the sender already used
/// `client_msg_id` (the caller tells which apart on that rare path). Two racing copies of one
/// send: the second fails with a unique violation on `(sender_id, client_msg_id)`, and its seq
/// is rolled back with it, so seqs stay gap-free. A query built with diesel's DSL, so its
/// prepared statement is cached per connection.
pub async fn store(conn: &mut AsyncPgConnection, send: &Send<'_>) -> Result<Option<i64>, DbError> {
    let m = send.message;
    Ok(diesel::select(store_message(
        m.id,
        m.room_id,
        m.sender_id,
        &m.body,
        m.reply_to,
        &m.client_msg_id,
        m.created_at,
        send.event_id,
        send.routing_key,
        &send.event,
    ))
    .get_result::<Option<i64>>(conn)
    .await?)
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// The migration `store_messages` function: see [`store_many`].
    #[expect(
        clippy::too_many_arguments,
        reason = "the database function takes every column of the sends"
    )]
    fn store_messages(
        ids: diesel::sql_types::Array<diesel::sql_types::Uuid>,
        room_ids: diesel::sql_types::Array<diesel::sql_types::Uuid>,
        sender_ids: diesel::sql_types::Array<diesel::sql_types::Uuid>,
        bodies: diesel::sql_types::Array<diesel::sql_types::Text>,
        reply_tos: diesel::sql_types::Array<diesel::sql_types::Nullable<diesel::sql_types::Uuid>>,
        client_msg_ids: diesel::sql_types::Array<diesel::sql_types::Text>,
        created_at: diesel::sql_types::Timestamptz,
        event_ids: diesel::sql_types::Array<diesel::sql_types::Uuid>,
        routing_keys: diesel::sql_types::Array<diesel::sql_types::Text>,
        events: diesel::sql_types::Array<diesel::sql_types::Jsonb>,
    ) -> diesel::sql_types::Array<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>;
}

/// Stores several messages in one statement (one round trip, one transaction, one durable
/// flush), through the database function `store_messages`, which does for each what [`store`]
/// does for one, in the order of their rooms (so concurrent batches cannot deadlock). The
/// answer has one entry per send, in the order given: its seq, or `None` where [`store`] would
/// have answered `None`. An error (a unique violation when two copies of one send race in two
/// batches) rolls back the whole batch: the caller then stores the sends one by one. Every
/// message of a batch must have the same `created_at` (the batch's moment), which is taken from
/// the first.
pub async fn store_many(
    conn: &mut AsyncPgConnection,
    sends: &[Send<'_>],
) -> Result<Vec<Option<i64>>, DbError> {
    let Some(first) = sends.first() else {
        return Ok(Vec::new());
    };
    let column = |f: &dyn Fn(&Send<'_>) -> Uuid| sends.iter().map(f).collect::<Vec<_>>();
    let ids = column(&|s| s.message.id);
    let room_ids = column(&|s| s.message.room_id);
    let sender_ids = column(&|s| s.message.sender_id);
    let event_ids = column(&|s| s.event_id);
    let bodies: Vec<&str> = sends.iter().map(|s| s.message.body.as_str()).collect();
    let reply_tos: Vec<Option<Uuid>> = sends.iter().map(|s| s.message.reply_to).collect();
    let client_msg_ids: Vec<&str> = sends
        .iter()
        .map(|s| s.message.client_msg_id.as_str())
        .collect();
    let routing_keys: Vec<&str> = sends.iter().map(|s| s.routing_key).collect();
    let events: Vec<&serde_json::Value> = sends.iter().map(|s| &s.event).collect();
    let seqs = diesel::select(store_messages(
        ids,
        room_ids,
        sender_ids,
        bodies,
        reply_tos,
        client_msg_ids,
        first.message.created_at,
        event_ids,
        routing_keys,
        events,
    ))
    .get_result::<Vec<Option<i64>>>(conn)
    .await?;
    Ok(seqs)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<MessageRow>, DbError> {
    Ok(messages::table
        .find(id)
        .select(MessageRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The message a sender stored under `client_msg_id`, if any: what a retried send returns.
pub async fn find_by_client_id(
    conn: &mut AsyncPgConnection,
    sender_id: Uuid,
    client_msg_id: &str,
) -> Result<Option<MessageRow>, DbError> {
    Ok(messages::table
        .filter(messages::sender_id.eq(sender_id))
        .filter(messages::client_msg_id.eq(client_msg_id))
        .select(MessageRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_by_seq(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    seq: i64,
) -> Result<Option<MessageRow>, DbError> {
    Ok(messages::table
        .filter(messages::room_id.eq(room_id))
        .filter(messages::seq.eq(seq))
        .select(MessageRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Replaces the text of a message that is not deleted and marks it edited.
pub async fn edit(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    body: &str,
) -> Result<Option<MessageRow>, DbError> {
    Ok(diesel::update(
        messages::table
            .find(id)
            .filter(messages::deleted_at.is_null()),
    )
    .set((messages::body.eq(body), messages::edited_at.eq(Utc::now())))
    .returning(MessageRow::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Turns a message into a tombstone: it keeps its seq, loses its text.
pub async fn soft_delete(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<MessageRow>, DbError> {
    Ok(diesel::update(
        messages::table
            .find(id)
            .filter(messages::deleted_at.is_null()),
    )
    .set((
        messages::body.eq(""),
        messages::deleted_at.eq(Utc::now()),
        messages::attachment.eq(None::<serde_json::Value>),
    ))
    .returning(MessageRow::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Which slice of history to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The newest `limit` messages.
    Latest,
    /// Messages with a seq lower than this one.
    Before(i64),
    /// Messages with a seq higher than this one.
    After(i64),
    /// Up to `limit` messages centred on this seq (it included, when it exists).
    Around(i64),
}

/// A page of history in ascending `seq`, and whether more exist before and after it (each
/// known only in the directions the page was read: `Before` and `Latest` read backwards).
#[derive(Debug, Clone)]
pub struct History {
    pub rows: Vec<MessageRow>,
    pub more_before: bool,
    pub more_after: bool,
}

async fn slice(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    below: Option<i64>,
    from: Option<i64>,
    limit: i64,
) -> Result<Vec<MessageRow>, DbError> {
    let mut q = messages::table
        .filter(messages::room_id.eq(room_id))
        .select(MessageRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(below) = below {
        q = q
            .filter(messages::seq.lt(below))
            .order(messages::seq.desc());
    } else if let Some(from) = from {
        q = q.filter(messages::seq.ge(from)).order(messages::seq.asc());
    } else {
        q = q.order(messages::seq.desc());
    }
    Ok(q.load(conn).await?)
}

/// One page of a room's history: index range scans on `(room_id, seq)`, never OFFSET. Reads
/// one row more than asked in each direction of travel to tell whether more exist.
pub async fn page(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    page: Page,
    limit: i64,
) -> Result<History, DbError> {
    let (mut before, mut after) = match page {
        Page::Latest => (slice(conn, room_id, None, None, limit + 1).await?, vec![]),
        Page::Before(seq) => (
            slice(conn, room_id, Some(seq), None, limit + 1).await?,
            vec![],
        ),
        Page::After(seq) => (
            vec![],
            slice(conn, room_id, None, Some(seq + 1), limit + 1).await?,
        ),
        // Both sides in full, so a window near either end is filled from the other side.
        Page::Around(seq) => (
            slice(conn, room_id, Some(seq), None, limit + 1).await?,
            slice(conn, room_id, None, Some(seq), limit + 1).await?,
        ),
    };
    let (take_before, take_after) = match page {
        Page::Latest | Page::Before(_) => (before.len().min(limit as usize), 0),
        Page::After(_) => (0, after.len().min(limit as usize)),
        Page::Around(_) => {
            let limit = limit as usize;
            let half = limit / 2;
            let take_after = after.len().min(limit - before.len().min(half));
            (before.len().min(limit - take_after), take_after)
        }
    };
    let more_before = before.len() > take_before;
    let more_after = after.len() > take_after;
    before.truncate(take_before);
    after.truncate(take_after);
    before.reverse();
    before.append(&mut after);
    Ok(History {
        rows: before,
        more_before,
        more_after,
    })
}

/// Splits a query into words safe for `to_tsquery` (letters and digits only), each matched as
/// a prefix: "hel wor" finds "hello world".
pub fn prefix_tsquery(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

/// How long one search may run before it is called too broad.
pub const SEARCH_TIMEOUT_MS: u32 = 3000;

/// Messages (not deleted) in rooms `user` belongs to or in public rooms, whose words start
/// with the query's words (full text) or, for queries of 3 characters or more, whose text
/// contains the query (trigrams); newest first, after the `before` message id.
///
/// The matches are gathered from the two GIN indexes first (a materialised CTE), then
/// filtered by access and sorted: the cost follows the number of matches, never the size of
/// the table (ordering by id with a LIMIT would let the planner walk the whole primary key for
/// a rare word). A query matching a large share of all messages runs into
/// [`SEARCH_TIMEOUT_MS`] and fails with [`DbError::is_timeout`].
pub async fn search(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    q: &str,
    room: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<MessageRow>, DbError> {
    use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
    use diesel_async::AsyncConnection;
    let tsquery = prefix_tsquery(q);
    let pattern = (q.chars().count() >= 3).then(|| format!("%{}%", crate::users::escape_like(q)));
    conn.transaction::<_, DbError, _>(async |conn| {
        diesel::sql_query(format!("SET LOCAL statement_timeout = {SEARCH_TIMEOUT_MS}"))
            .execute(conn)
            .await?;
        Ok(diesel::sql_query(
            "WITH hits AS MATERIALIZED ( \
                 SELECT m.id, m.room_id, m.seq, m.sender_id, m.body, m.reply_to, \
                        m.client_msg_id, m.created_at, m.edited_at, m.deleted_at, \
                        m.forwarded_from_sender, m.forwarded_from_at, m.attachment \
                 FROM messages m \
                 WHERE m.deleted_at IS NULL \
                   AND ($4::uuid IS NULL OR m.room_id = $4) \
                   AND ($5::uuid IS NULL OR m.id < $5) \
                   AND (($2::text IS NOT NULL \
                         AND to_tsvector('simple', m.body) @@ to_tsquery('simple', $2)) \
                        OR m.body ILIKE $3)) \
             SELECT h.* FROM hits h \
             JOIN rooms r ON r.id = h.room_id AND r.deleted_at IS NULL \
             WHERE r.kind = 'public' OR EXISTS ( \
                   SELECT 1 FROM room_members rm WHERE rm.room_id = h.room_id AND rm.user_id = $1) \
             ORDER BY h.id DESC LIMIT $6",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Nullable<Text>, _>(tsquery)
        .bind::<Nullable<Text>, _>(pattern)
        .bind::<Nullable<SqlUuid>, _>(room)
        .bind::<Nullable<SqlUuid>, _>(before)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?)
    })
    .await
}

/// Records what a message stored in this transaction carries beyond a send's columns: the
/// writer and time of the original it forwards, and its file (`chat_domain::Attachment` JSON).
pub async fn set_extras(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    forwarded_from: Option<(Uuid, DateTime<Utc>)>,
    attachment: Option<serde_json::Value>,
) -> Result<(), DbError> {
    diesel::update(messages::table.find(id))
        .set((
            messages::forwarded_from_sender.eq(forwarded_from.map(|f| f.0)),
            messages::forwarded_from_at.eq(forwarded_from.map(|f| f.1)),
            messages::attachment.eq(attachment),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct Kept {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// Of the file ids `ids`, those a message still carries (`messages_attachment_id`).
pub async fn attachments_kept(
    conn: &mut AsyncPgConnection,
    ids: &[String],
) -> Result<Vec<String>, DbError> {
    let kept: Vec<Kept> = diesel::sql_query(
        "SELECT attachment ->> 'id' AS id FROM messages \
         WHERE attachment IS NOT NULL AND attachment ->> 'id' = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(ids)
    .load(conn)
    .await?;
    Ok(kept.into_iter().map(|k| k.id).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_words_become_safe_prefix_queries() {
        assert_eq!(
            super::prefix_tsquery("Hel wor!").as_deref(),
            Some("hel:* & wor:*")
        );
        assert_eq!(
            super::prefix_tsquery("a' | b:* & !c").as_deref(),
            Some("a:* & b:* & c:*")
        );
        assert_eq!(super::prefix_tsquery("  ...  "), None);
    }
}
