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
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = messages)]
pub struct NewMessage<'a> {
    pub id: Uuid,
    pub room_id: Uuid,
    pub seq: i64,
    pub sender_id: Uuid,
    pub body: &'a str,
    pub reply_to: Option<Uuid>,
    pub client_msg_id: &'a str,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewMessage<'_>,
) -> Result<MessageRow, DbError> {
    Ok(diesel::insert_into(messages::table)
        .values(new)
        .returning(MessageRow::as_returning())
        .get_result(conn)
        .await?)
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

/// Which slice of history to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The newest `limit` messages.
    Latest,
    /// Messages with a seq lower than this one, newest first before reversing.
    Before(i64),
    /// Messages with a seq higher than this one.
    After(i64),
}

/// One page of a room's history in ascending `seq` order. Reads `limit + 1` rows to tell
/// whether more exist in the direction of travel.
pub async fn page(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    page: Page,
    limit: i64,
) -> Result<(Vec<MessageRow>, bool), DbError> {
    let base = messages::table
        .filter(messages::room_id.eq(room_id))
        .select(MessageRow::as_select())
        .limit(limit + 1)
        .into_boxed();
    let mut rows: Vec<MessageRow> = match page {
        Page::Latest => base.order(messages::seq.desc()).load(conn).await?,
        Page::Before(seq) => {
            base.filter(messages::seq.lt(seq))
                .order(messages::seq.desc())
                .load(conn)
                .await?
        }
        Page::After(seq) => {
            base.filter(messages::seq.gt(seq))
                .order(messages::seq.asc())
                .load(conn)
                .await?
        }
    };
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if !matches!(page, Page::After(_)) {
        rows.reverse();
    }
    Ok((rows, has_more))
}
