//! Sync: everything a user missed since a cursor, across all their rooms, in commit order,
//! from the outbox kept as the sync log; or a reset when the cursor is older than the log.

use crate::error::Result;
use crate::store::Store;
use chat_db::outbox::{self, Cursor, Synced};
use chat_domain::paging;
use uuid::Uuid;

/// One page of a sync.
pub struct Page {
    /// Each as stored: the JSON of an `Event`.
    pub events: Vec<Box<serde_json::value::RawValue>>,
    /// Where the next sync starts.
    pub next: Cursor,
    pub has_more: bool,
    /// The cursor was older than the log: reload, then sync from `next`.
    pub reset: bool,
}

/// The events after `cursor` in my rooms (and to my memberships), oldest first; without a
/// cursor, only where the log stands now.
pub async fn since(store: &Store, me: Uuid, cursor: Option<Cursor>, size: i64) -> Result<Page> {
    let mut conn = store.conn().await?;
    let Some(cursor) = cursor else {
        let head = outbox::head(&mut conn).await?;
        return Ok(Page {
            events: vec![],
            next: head,
            has_more: false,
            reset: false,
        });
    };
    let read = outbox::sync_since(&mut conn, me, cursor, paging::read_size(size)).await?;
    let mut rows = match read {
        Synced::Events(rows) => rows,
        Synced::Reset { head } => {
            return Ok(Page {
                events: vec![],
                next: head,
                has_more: false,
                reset: true,
            });
        }
    };
    let has_more = paging::has_more(&mut rows, size);
    let next = rows.last().map_or(cursor, |(c, _)| *c);
    Ok(Page {
        events: rows.into_iter().map(|(_, e)| e).collect(),
        next,
        has_more,
        reset: false,
    })
}
