//! Message search: the most expensive read, so it is bounded twice. Each user has a rate
//! (`ROOMS_SEARCH_LIMIT_PER_MINUTE`), and searches run on a few slots of their own
//! (`ROOMS_SEARCH_CONCURRENCY`), so searching can never take every pooled connection from
//! sends: a search that finds no free slot within a few seconds is answered 503. A search in
//! one room the caller may not read is 404 before any search work.

use crate::access::readable;
use crate::error::{Result, RoomsError};
use crate::store::Store;
use chat_db::messages;
use chat_domain::{Message, paging};
use chat_http::limits::{Limiter, SharedLimits};
use std::time::Duration;
use tokio::sync::Semaphore;
use uuid::Uuid;

/// How long a search waits for a slot before it is refused.
const SLOT_WAIT: Duration = Duration::from_secs(5);

/// The bounds on searching.
pub struct Searches {
    per_user: Limiter,
    slots: Semaphore,
    slot_wait: Duration,
}

impl Searches {
    pub fn new(shared: &SharedLimits, per_minute: u32, concurrency: usize) -> Self {
        Self {
            per_user: Limiter::shared(shared, "searches", per_minute, Duration::from_secs(60)),
            slots: Semaphore::new(concurrency),
            slot_wait: SLOT_WAIT,
        }
    }
}

/// Full-text search over the messages of my rooms and of public rooms (or of one of them),
/// newest first: a page of hits and the cursor of the next one.
pub async fn search(
    store: &Store,
    searches: &Searches,
    me: Uuid,
    q: &str,
    room_id: Option<Uuid>,
    cursor: Option<Uuid>,
    size: i64,
) -> Result<(Vec<Message>, Option<Uuid>)> {
    let q = q.trim();
    if !(2..=100).contains(&q.chars().count()) {
        return Err(RoomsError::invalid("q", "must be 2 to 100 characters long"));
    }
    searches.per_user.check(&me.to_string()).await?;
    let _slot = tokio::time::timeout(searches.slot_wait, searches.slots.acquire())
        .await
        .map_err(|_| RoomsError::Busy("search is busy; retry shortly"))?
        .map_err(|_| RoomsError::Bug("the search slots were closed"))?;
    let mut conn = store.conn().await?;
    if let Some(room_id) = room_id {
        readable(&mut conn, room_id, me).await?;
    }
    let read = messages::search(&mut conn, me, q, room_id, cursor, paging::read_size(size)).await;
    let mut rows = read.map_err(|e| match e.is_timeout() {
        true => RoomsError::invalid(
            "q",
            "matches too many messages: add words or search one room",
        ),
        false => e.into(),
    })?;
    let next = paging::has_more(&mut rows, size)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let mut hits: Vec<Message> = rows.into_iter().map(Message::from).collect();
    crate::reactions::attach(&mut conn, me, &mut hits).await?;
    Ok((hits, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_search_that_finds_no_free_slot_in_time_is_refused_as_busy() {
        let mut searches = Searches::new(&SharedLimits::local(), 0, 1);
        searches.slot_wait = Duration::from_millis(50);
        let held = searches.slots.acquire().await.unwrap();
        // The store is never reached: the slot is refused first.
        let store = Store::new(
            chat_db::pool(
                "postgres://nobody@127.0.0.1:1/none",
                1,
                Duration::from_secs(1),
            )
            .unwrap(),
            Default::default(),
        );
        let refused = search(&store, &searches, Uuid::nil(), "hello", None, None, 20).await;
        assert!(matches!(refused, Err(RoomsError::Busy(_))), "{refused:?}");
        drop(held);
    }
}
