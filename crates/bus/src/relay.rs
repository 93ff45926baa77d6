//! The outbox relay: the only path from a committed change to the broker.

use crate::{BusError, Outgoing, Publisher};
use chat_db::{DbError, Pool, outbox};
use diesel_async::AsyncConnection;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

const BATCH: i32 = 256;
/// Rows published between two vacuums of `outbox_pending`, at most.
const VACUUM_EVERY_ROWS: usize = 5_000;
/// And at most one vacuum this often.
const VACUUM_AT_MOST_EVERY: Duration = Duration::from_secs(2);
/// At most one checkpoint this often, and only after events went out: each one is a `cursor`
/// frame for every socket that got events since the last (see [`checkpoint`]).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl From<diesel::result::Error> for RelayError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

/// The trace fields at an event's top level (absent in events with none).
#[derive(Default, serde::Deserialize)]
struct Traced {
    request_id: Option<String>,
    traceparent: Option<String>,
}

/// A claimed row as it is published: its stored JSON as the body, byte for byte (only the two
/// trace fields are read out of it, not the whole event built and written again).
fn outgoing(row: outbox::OutboxRow) -> Outgoing {
    let traced: Traced = serde_json::from_str(&row.payload).unwrap_or_default();
    Outgoing {
        sync_cursor: Some(outbox::Cursor::of(&row).encode()),
        pack: None,
        routing_key: row.routing_key,
        message_id: row.event_id.to_string(),
        request_id: traced.request_id,
        traceparent: traced.traceparent,
        body: row.payload.into_bytes(),
    }
}

/// Publishes one claimed batch and marks it published in the same transaction. Returns how
/// many rows went out; 0 means the outbox is empty (or another relay holds every row). The
/// transaction holds no xid and no row lock while the broker confirms (the claim is advisory
/// locks, see `outbox::lock_batch`); it writes only when marking, after the confirms.
async fn relay_batch(
    pool: &Pool,
    publisher: &Publisher,
    pack_max: usize,
) -> Result<Published, RelayError> {
    let mut conn = chat_db::conn(pool).await?;
    conn.transaction::<Published, RelayError, _>(async |conn| {
        let rows = outbox::lock_batch(conn, BATCH).await?;
        if rows.is_empty() {
            return Ok(Published::default());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let top = rows.iter().map(outbox::Cursor::of).max();
        let batch: Vec<Outgoing> = rows.into_iter().map(outgoing).collect();
        for out in &batch {
            log_if_sampled(out);
        }
        let messages = crate::pack::pack(batch, pack_max);
        let started = std::time::Instant::now();
        publisher.publish_all(&messages).await?;
        metrics::histogram!("outbox_publish_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::counter!("outbox_published_events_total").increment(ids.len() as u64);
        metrics::counter!("outbox_published_messages_total").increment(messages.len() as u64);
        // The mark needs no flush of its own: if it is lost in a crash, the rows are published
        // again and every consumer drops the copy by its event id. The change the event
        // describes was committed durably before the relay ever saw it.
        outbox::commit_lazily(conn).await?;
        outbox::mark_published(conn, &ids).await?;
        Ok(Published {
            count: ids.len(),
            top,
        })
    })
    .await
}

/// What one batch published: how many rows (0 when the outbox had none to claim), and the
/// highest place in the sync log among them.
#[derive(Default)]
struct Published {
    count: usize,
    top: Option<outbox::Cursor>,
}

/// Publishes a checkpoint ([`chat_domain::events::SYNC_CHECKPOINT`]): read after the last batch
/// committed, so every event before its cursor was confirmed by the broker before this message
/// was published, and (on one channel, into each queue) reaches every consumer before it. A
/// hint, not an event: unconfirmed, and a lost one only means the next.
async fn checkpoint(pool: &Pool, publisher: &Publisher) -> Result<outbox::Cursor, RelayError> {
    let at = {
        let mut conn = chat_db::conn(pool).await?;
        outbox::checkpoint(&mut conn).await?
    };
    publisher
        .publish_unconfirmed(&[Outgoing {
            routing_key: chat_domain::events::SYNC_CHECKPOINT.to_owned(),
            message_id: uuid::Uuid::now_v7().to_string(),
            request_id: None,
            traceparent: None,
            sync_cursor: Some(at.encode()),
            pack: None,
            body: b"{}".to_vec(),
        }])
        .await?;
    metrics::counter!("outbox_checkpoints_total").increment(1);
    Ok(at)
}

/// Logs a published event at info when its trace is sampled (the others are not logged one
/// by one).
fn log_if_sampled(out: &Outgoing) {
    let Some(trace) = out
        .traceparent
        .as_deref()
        .and_then(chat_domain::trace::TraceParent::parse)
    else {
        return;
    };
    if trace.sampled {
        tracing::info!(
            request.id = out.request_id.as_deref().unwrap_or_default(),
            trace.id = %trace.trace_id,
            event.id = %out.message_id,
            routing_key = %out.routing_key,
            "event published"
        );
    }
}

/// The session advisory lock the one publishing relay holds: "chat-rel" in ASCII.
const LEADER_LOCK: i64 = 0x6368_6174_2d72_656c;
/// The channel on which replicas that do not lead tell the leader they committed events.
const CHANNEL: &str = chat_db::outbox::RELAY_CHANNEL;
/// How often a replica that does not lead tries to.
pub const LEADER_RETRY: Duration = Duration::from_secs(2);

/// Runs until cancelled. Of all replicas on one database, one relays at a time (the holder of
/// a session advisory lock, see `chat_db::leader`), so a room's events reach the broker in
/// the order they were written: two relays would publish claimed batches side by side and
/// reorder them. The others wait as standbys and, when they commit, tell the leader through
/// `NOTIFY chat_outbox` (the leader `LISTEN`s), so a send stored on any replica is relayed at
/// once, not at the leader's next poll. A standby takes over within [`LEADER_RETRY`] of the
/// leader's connection ending.
///
/// Consecutive events of one routing key go to the broker in packs of up to `pack_max` (see
/// [`crate::pack`]; 1: one message per event).
pub async fn run(
    pool: Pool,
    publisher: Arc<Publisher>,
    wake: Arc<Notify>,
    pack_max: usize,
    cancel: CancellationToken,
) {
    metrics::describe_gauge!(
        "outbox_relay_leader",
        "1 on the replica whose relay publishes the outbox, 0 on standbys"
    );
    metrics::gauge!("outbox_relay_leader").set(0.0);
    // Out of the pool for good, and kept between tries: the lock and the LISTEN live and end
    // with this connection.
    let mut lock_conn: Option<chat_db::AsyncPgConnection> = None;
    while !cancel.is_cancelled() {
        if lock_conn.is_none() {
            match chat_db::conn(&pool).await {
                Ok(conn) => lock_conn = Some(chat_db::Conn::take(conn)),
                Err(e) => {
                    tracing::warn!(error = %e, "no database connection for the relay's lock");
                    tokio::select! {
                        () = tokio::time::sleep(LEADER_RETRY) => {}
                        () = cancel.cancelled() => {}
                    }
                    continue;
                }
            }
        }
        let Some(conn) = lock_conn.as_mut() else {
            continue;
        };
        match chat_db::leader::try_lock(conn, LEADER_LOCK).await {
            Ok(true) => {
                tracing::info!("this instance relays the outbox");
                metrics::gauge!("outbox_relay_leader").set(1.0);
                lead(&pool, &publisher, &wake, pack_max, conn, &cancel).await;
                metrics::gauge!("outbox_relay_leader").set(0.0);
                tracing::info!("this instance stopped relaying the outbox");
                // Closed: the lock goes with it (a standby takes over), and a new one is made.
                lock_conn = None;
            }
            Ok(false) => stand_by(&pool, &wake, &cancel).await,
            Err(e) => {
                tracing::warn!(error = %e, "the relay's lock connection failed");
                lock_conn = None;
            }
        }
    }
}

/// For [`LEADER_RETRY`]: passes each local commit on to the leader (one `NOTIFY` per burst:
/// commits that come while one is being sent are told by the next).
async fn stand_by(pool: &Pool, wake: &Notify, cancel: &CancellationToken) {
    let retry = tokio::time::sleep(LEADER_RETRY);
    tokio::pin!(retry);
    loop {
        tokio::select! {
            () = wake.notified() => {
                let told = async {
                    let mut conn = chat_db::conn(pool).await?;
                    chat_db::outbox::announce(&mut conn, CHANNEL).await
                }
                .await;
                if let Err(e) = told {
                    // The leader still polls every second.
                    tracing::debug!(error = %e, "cannot tell the leading relay");
                }
            }
            () = &mut retry => return,
            () = cancel.cancelled() => return,
        }
    }
}

/// Relays while `lock_conn` (which holds the lock) lives: drains the outbox whenever a local
/// commit or a standby's `NOTIFY` wakes it, and at least every second. After a failure it
/// backs off (up to 1 s) and tries again; rows stay until confirmed.
async fn lead(
    pool: &Pool,
    publisher: &Publisher,
    wake: &Notify,
    pack_max: usize,
    lock_conn: &mut chat_db::AsyncPgConnection,
    cancel: &CancellationToken,
) {
    if let Err(e) = chat_db::outbox::listen(lock_conn, CHANNEL).await {
        tracing::warn!(error = %e, "cannot listen for the other replicas' commits");
        return;
    }
    tokio::select! {
        () = pass_on(lock_conn.notifications_stream(), wake) => {
            tracing::warn!("lost the relay lock's connection: stepping down");
        }
        () = relay_until_cancelled(pool, publisher, wake, pack_max, cancel) => {}
    }
}

/// Turns every `NOTIFY` heard on the lock's connection into a wake of the relay (wakes that
/// come while one is pending merge into it), as it arrives, busy relay or not: the
/// connection queues what it hears without bound until it is read, so a leader that only
/// read while idle kept, under steady load, most of the standby's notifications (the soak's
/// leader grew by some 10 KB a second). Returns when the connection ends, and the lock with
/// it.
pub async fn pass_on<S, T>(heard: S, wake: &Notify)
where
    S: futures_util::Stream<Item = T>,
{
    tokio::pin!(heard);
    while heard.next().await.is_some() {
        wake.notify_one();
    }
}

/// Drains the outbox on every wake, and at least every second, until cancelled.
async fn relay_until_cancelled(
    pool: &Pool,
    publisher: &Publisher,
    wake: &Notify,
    pack_max: usize,
    cancel: &CancellationToken,
) {
    let mut backoff = Duration::from_millis(100);
    let mut failed_tries = 0u32;
    let mut published_since_vacuum = 0;
    let mut vacuumed_at = std::time::Instant::now();
    let vacuuming = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The highest place among the events published, and the last checkpoint's (and when it
    // was). A checkpoint is owed while the first is past the second: after events went out,
    // and also after a checkpoint held below one of them (by a transaction still open anywhere
    // in the cluster, or a row another relay holds), so the next one, two seconds on, passes
    // it once that ends, with no new event needed.
    let mut published_to: Option<outbox::Cursor> = None;
    let mut checkpointed_to: Option<outbox::Cursor> = None;
    let mut checkpointed_at = std::time::Instant::now();
    loop {
        if published_to > checkpointed_to && checkpointed_at.elapsed() >= CHECKPOINT_EVERY {
            checkpointed_at = std::time::Instant::now();
            match checkpoint(pool, publisher).await {
                Ok(at) => checkpointed_to = Some(at),
                Err(e) => tracing::debug!(error = %e, "no checkpoint this time"),
            }
        }
        if published_since_vacuum >= VACUUM_EVERY_ROWS
            && vacuumed_at.elapsed() >= VACUUM_AT_MOST_EVERY
        {
            // On a task of its own: the relay never waits for it. One at a time.
            if !vacuuming.swap(true, std::sync::atomic::Ordering::AcqRel) {
                let (pool, vacuuming) = (pool.clone(), vacuuming.clone());
                tokio::spawn(async move {
                    let vacuumed = async {
                        let mut conn = chat_db::conn(&pool).await?;
                        outbox::vacuum_pending(&mut conn).await
                    }
                    .await;
                    if let Err(e) = vacuumed {
                        tracing::debug!(error = %e, "vacuuming outbox_pending failed; autovacuum will");
                    }
                    vacuuming.store(false, std::sync::atomic::Ordering::Release);
                });
            }
            published_since_vacuum = 0;
            vacuumed_at = std::time::Instant::now();
        }
        match relay_batch(pool, publisher, pack_max).await {
            Ok(Published { count, top }) if count > 0 => {
                backoff = Duration::from_millis(100);
                failed_tries = 0;
                published_since_vacuum += count;
                published_to = published_to.max(top);
                continue;
            }
            Ok(_) => {
                backoff = Duration::from_millis(100);
                failed_tries = 0;
                if cancel.is_cancelled() {
                    return;
                }
                // Idle: a checkpoint still owed is due by the end of this wait at the latest.
                let wait = if published_to > checkpointed_to {
                    CHECKPOINT_EVERY
                        .saturating_sub(checkpointed_at.elapsed())
                        .min(Duration::from_secs(1))
                } else {
                    Duration::from_secs(1)
                };
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                    () = cancel.cancelled() => {}
                }
            }
            Err(e) => {
                failed_tries += 1;
                if crate::warn_on_try(failed_tries) {
                    tracing::warn!(error = %e, failed_tries, retry_in_ms = backoff.as_millis() as u64, "outbox relay failed");
                } else {
                    tracing::debug!(error = %e, failed_tries, "the outbox relay still fails");
                }
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = cancel.cancelled() => return,
                }
                // At most a second: the backlog waits for the broker's return, not for a long
                // sleep after it (a try while it is away costs one claim query).
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// How often [`watch_backlog`] looks.
const BACKLOG_EVERY: Duration = Duration::from_secs(5);

/// Until cancelled, sets `outbox_backlog_events` (rows the broker has not confirmed) and
/// `outbox_oldest_age_seconds` (how long the oldest of them has waited) every few seconds.
pub async fn watch_backlog(pool: Pool, cancel: CancellationToken) {
    metrics::describe_gauge!(
        "outbox_backlog_events",
        "Outbox rows the broker has not confirmed yet"
    );
    metrics::describe_gauge!(
        "outbox_oldest_age_seconds",
        metrics::Unit::Seconds,
        "How long the oldest unconfirmed outbox row has waited"
    );
    metrics::describe_histogram!(
        "outbox_publish_duration_seconds",
        metrics::Unit::Seconds,
        "Time to publish one batch of outbox rows and have the broker confirm it"
    );
    metrics::describe_counter!(
        "outbox_published_events_total",
        "Outbox rows published and confirmed"
    );
    metrics::counter!("outbox_published_events_total").increment(0);
    metrics::describe_counter!(
        "outbox_published_messages_total",
        "Broker messages the outbox rows went out in (packs count once)"
    );
    metrics::counter!("outbox_published_messages_total").increment(0);
    loop {
        let seen = async {
            let mut conn = chat_db::conn(&pool).await?;
            outbox::backlog(&mut conn).await
        }
        .await;
        match seen {
            Ok((rows, oldest)) => {
                metrics::gauge!("outbox_backlog_events").set(rows as f64);
                let age = oldest.map_or(0.0, |at| {
                    (chrono::Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0
                });
                metrics::gauge!("outbox_oldest_age_seconds").set(age);
            }
            Err(e) => tracing::debug!(error = %e, "cannot read the outbox backlog"),
        }
        tokio::select! {
            () = tokio::time::sleep(BACKLOG_EVERY) => {}
            () = cancel.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_published_as_stored_with_its_trace_fields_and_place_as_headers() {
        let row = |payload: &str| outbox::OutboxRow {
            id: 7,
            xid: 1234,
            event_id: uuid::Uuid::nil(),
            routing_key: "room.message.created".to_owned(),
            payload: payload.to_owned(),
            created_at: chrono::Utc::now(),
        };
        let stored = r#"{"id": "e", "payload": {"type": "typing"}, "request_id": "req-1", "traceparent": "00-aa-bb-01"}"#;
        let out = outgoing(row(stored));
        assert_eq!(out.body, stored.as_bytes(), "byte for byte");
        assert_eq!(out.request_id.as_deref(), Some("req-1"));
        assert_eq!(out.traceparent.as_deref(), Some("00-aa-bb-01"));
        assert_eq!(out.sync_cursor.as_deref(), Some("1234.7"));
        assert_eq!(out.routing_key, "room.message.created");
        let bare = outgoing(row(r#"{"id": "e", "request_id": null}"#));
        assert_eq!((bare.request_id, bare.traceparent), (None, None));
    }

    #[tokio::test]
    async fn every_notification_heard_becomes_one_merged_wake_and_the_end_is_noticed() {
        let wake = Notify::new();
        // A burst the connection has already queued: all of it is read, and it wakes once.
        pass_on(futures_util::stream::iter(0..10_000), &wake).await;
        let woken = tokio::time::timeout(Duration::from_secs(1), wake.notified()).await;
        assert!(woken.is_ok(), "the relay is woken");
        let again = tokio::time::timeout(Duration::from_millis(50), wake.notified()).await;
        assert!(again.is_err(), "a burst is one wake, not ten thousand");
    }

    #[tokio::test]
    async fn it_reads_while_the_relay_is_busy() {
        // The relay never idles here; the queue must still be read to its end.
        let wake = Notify::new();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        for n in 0..1_000 {
            tx.send(n).expect("open");
        }
        let heard =
            futures_util::stream::unfold(rx, |mut rx| async { rx.recv().await.map(|n| (n, rx)) });
        let read = std::sync::atomic::AtomicUsize::new(0);
        let counted = heard.inspect(|_| {
            read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let busy = async {
            while read.load(std::sync::atomic::Ordering::Relaxed) < 1_000 {
                tokio::task::yield_now().await;
            }
        };
        let finished = tokio::time::timeout(Duration::from_secs(5), async {
            tokio::select! {
                () = pass_on(counted, &wake) => panic!("the connection has not ended"),
                () = busy => {}
            }
        })
        .await;
        assert!(finished.is_ok(), "everything queued was read while busy");
        drop(tx);
    }
}
