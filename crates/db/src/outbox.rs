//! `outbox`: events written in the same transaction as the change they describe. It is also
//! the sync log: a row is pending (its id in `outbox_pending`) until the broker confirms it,
//! and stays until it is older than the retention, so clients can fetch what they missed
//! (`since`).

use crate::DbError;
use crate::schema::outbox;
use chat_domain::events::Event;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    /// The transaction that wrote it: with `id`, its place in the sync log ([`Cursor`]).
    pub xid: i64,
    pub event_id: Uuid,
    pub routing_key: String,
    /// The event's JSON as stored (checked on the way in), to publish as it is.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow<'a> {
    event_id: Uuid,
    routing_key: &'a str,
    payload: serde_json::Value,
    room_id: Option<Uuid>,
    user_id: Option<Uuid>,
}

/// Declares the transaction on `conn` a writer of sync events (migration 000018): call it first,
/// before the transaction writes anything. Sync waits for declared writers only, so an unrelated
/// long transaction never holds it back; the database refuses outbox rows from a transaction
/// that did not declare itself.
pub async fn declare_writer(conn: &mut AsyncPgConnection) -> Result<(), DbError> {
    diesel::sql_query("SELECT outbox_writer()")
        .execute(conn)
        .await?;
    Ok(())
}

/// Records an event; call inside the transaction that makes the change,
/// which declared itself first ([`declare_writer`]).
pub async fn push(conn: &mut AsyncPgConnection, event: &Event) -> Result<(), DbError> {
    let payload = serde_json::to_value(event)
        .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    diesel::insert_into(outbox::table)
        .values(NewOutboxRow {
            event_id: event.id,
            routing_key: event.payload.routing_key(),
            payload,
            room_id: Some(event.payload.room_id()),
            user_id: event.payload.subject_user(),
        })
        .execute(conn)
        .await?;
    Ok(())
}

/// The channel the leading relay `LISTEN`s on: a `NOTIFY` there wakes it.
pub const RELAY_CHANNEL: &str = "chat_outbox";

/// Records an event that belongs to no room and that sync never serves ([`push`] is for room
/// events): `session.revoked`, `user.renamed`. Same rules: inside the transaction that makes the
/// change, which declared itself first. The relay publishes it like any other row; these come
/// from auth, which runs no relay, so the leader (in rooms) is told at commit (`NOTIFY`,
/// delivered when the transaction commits) instead of finding the row at its next poll, up to a
/// second later: a revoked session's sockets end that much sooner.
pub async fn push_unsynced(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    routing_key: &str,
    event: &impl serde::Serialize,
) -> Result<(), DbError> {
    let payload = serde_json::to_value(event)
        .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    diesel::insert_into(outbox::table)
        .values(NewOutboxRow {
            event_id,
            routing_key,
            payload,
            room_id: None,
            user_id: None,
        })
        .execute(conn)
        .await?;
    announce(conn, RELAY_CHANNEL).await
}

/// Rewrites the message in every earlier event of the sync log that carries it
/// (`message_created`, `message_edited`) to `message` as it is now: after an edit, its new
/// text; after a delete, the tombstone without text. The log is what `GET /api/rooms/sync`
/// serves for days (to members who joined later too), so text that was deleted or replaced
/// must not stay in it. Call inside the transaction that edits or deletes. Reads the room's
/// retained log through its index: edits and deletes are rare next to sends.
pub async fn rewrite_message(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    seq: i64,
    message: &serde_json::Value,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "UPDATE outbox SET payload = jsonb_set(payload::jsonb, '{payload,message}', $3) \
         WHERE room_id = $1 \
           AND payload->'payload'->>'type' IN ('message_created', 'message_edited') \
           AND (payload->'payload'->'message'->>'seq')::bigint = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(room_id)
    .bind::<diesel::sql_types::BigInt, _>(seq)
    .bind::<diesel::sql_types::Jsonb, _>(message)
    .execute(conn)
    .await?)
}

/// The advisory-lock class of a relay's claim on a pending row (the two-key form, apart from
/// every one-key lock of the services): "out" in ASCII.
const RELAY_CLAIM_CLASS: i32 = 0x006f_7574;

/// The oldest unpublished rows (those in `outbox_pending`) that no other relay holds, each
/// claimed with a transaction-scoped advisory lock so that relays of other instances skip it.
/// Call inside a transaction; mark what was published before committing.
///
/// Advisory locks, not `FOR UPDATE`: a row lock gives the transaction an xid, and the relay
/// holds its transaction while the broker confirms, so a slow or silent broker would keep an
/// xid running and hold back every client's sync (see `sync_safe_xid`); a row lock is also a
/// heap write and a WAL record per row. An advisory lock is neither. Between this statement's
/// snapshot and its locks, another relay may mark a row published and let go: the row then
/// goes out twice, which every consumer already expects (it drops the copy by event id).
pub async fn lock_batch(
    conn: &mut AsyncPgConnection,
    limit: i32,
) -> Result<Vec<OutboxRow>, DbError> {
    // The first 1,024 ids, in order; a lock is tried on each in that order until `limit` (at
    // most 256) are claimed (a CTE scan returns rows as they were stored), so a second relay
    // claims the next rows instead of none, and no row is locked and left unread. A PL/pgSQL
    // function (migration 000032), so its plan is kept for the session.
    Ok(diesel::sql_query(
        "SELECT id, xid, event_id, routing_key, payload, created_at FROM outbox_claim($1, $2)",
    )
    .bind::<diesel::sql_types::Integer, _>(limit)
    .bind::<diesel::sql_types::Integer, _>(RELAY_CLAIM_CLASS)
    .load(conn)
    .await?)
}

/// Marks rows the broker confirmed (they leave `outbox_pending`); they stay for sync until
/// pruned.
pub async fn mark_published(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<usize, DbError> {
    // A PL/pgSQL function (migration 000032), so its plan is kept for the session.
    let marked: Count = diesel::sql_query("SELECT outbox_published($1)::bigint AS n")
        .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(ids)
        .get_result(conn)
        .await?;
    Ok(marked.n as usize)
}

/// How many rows a statement changed, as `n`.
#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Vacuums `outbox_pending`. The relay deletes every row soon after it was written, and
/// autovacuum visits a database at most once a minute: in between, dead index entries pile up
/// at the front of the index every batch walks (62,000 of them made the relay a tenth of
/// PostgreSQL's time at 200 messages a second). A small table: this takes milliseconds.
/// Run outside a transaction.
pub async fn vacuum_pending(conn: &mut AsyncPgConnection) -> Result<(), DbError> {
    use diesel_async::SimpleAsyncConnection;
    // The simple query protocol: VACUUM may not run inside a transaction block.
    conn.batch_execute("VACUUM (SKIP_LOCKED) outbox_pending")
        .await?;
    Ok(())
}

/// Lets the current transaction commit without waiting for its WAL flush
/// (`synchronous_commit = off` for it alone). Only for bookkeeping whose loss in a crash is
/// harmless, never for a change a user was told about.
pub async fn commit_lazily(conn: &mut AsyncPgConnection) -> Result<(), DbError> {
    diesel::sql_query("SET LOCAL synchronous_commit = off")
        .execute(conn)
        .await?;
    Ok(())
}

/// `LISTEN`s on `channel` (a fixed identifier, never user input).
pub async fn listen(conn: &mut AsyncPgConnection, channel: &'static str) -> Result<(), DbError> {
    conn.batch_execute(&format!("LISTEN {channel}")).await?;
    Ok(())
}

/// `NOTIFY`s `channel` (a fixed identifier, never user input): the leading relay wakes.
pub async fn announce(conn: &mut AsyncPgConnection, channel: &'static str) -> Result<(), DbError> {
    conn.batch_execute(&format!("NOTIFY {channel}")).await?;
    Ok(())
}

/// Rows not yet confirmed by the broker.
pub async fn pending(conn: &mut AsyncPgConnection) -> Result<i64, DbError> {
    use crate::schema::outbox_pending;
    Ok(outbox_pending::table.count().get_result(conn).await?)
}

/// Rows not yet confirmed by the broker, and when the oldest of them was written.
pub async fn backlog(
    conn: &mut AsyncPgConnection,
) -> Result<(i64, Option<DateTime<Utc>>), DbError> {
    use crate::schema::{outbox, outbox_pending};
    Ok(outbox_pending::table
        .inner_join(outbox::table.on(outbox::id.eq(outbox_pending::id)))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(outbox::created_at),
        ))
        .get_result(conn)
        .await?)
}

/// A position in the sync log: everything at or before it has been seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub xid: i64,
    pub id: i64,
}

impl Cursor {
    /// Where a row stands in the log.
    pub fn of(row: &OutboxRow) -> Self {
        Self {
            xid: row.xid,
            id: row.id,
        }
    }

    /// `<xid>.<id>`, opaque to clients.
    pub fn encode(self) -> String {
        format!("{}.{}", self.xid, self.id)
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let (xid, id) = raw.split_once('.')?;
        Some(Self {
            xid: xid.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

#[derive(QueryableByName)]
struct Xmin {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    xmin: i64,
}

/// The oldest transaction still running that could yet commit outbox rows (the SQL function
/// `sync_safe_xid`): rows of older transactions are all committed or never will be, so sync
/// serves only those, in (xid, id) order. A transaction running longer than three times
/// `chat.sync_commit_deadline` is not waited for: a deferred trigger refuses outbox rows from
/// any transaction committing after the deadline (migration 000015).
async fn safe_xmin(conn: &mut AsyncPgConnection) -> Result<i64, DbError> {
    let row: Xmin = diesel::sql_query("SELECT sync_safe_xid() AS xmin")
        .get_result(conn)
        .await?;
    Ok(row.xmin)
}

/// Where a client that has seen everything up to now starts: no row of a later transaction
/// can sort before it.
pub async fn head(conn: &mut AsyncPgConnection) -> Result<Cursor, DbError> {
    Ok(Cursor {
        xid: safe_xmin(conn).await?,
        id: 0,
    })
}

/// What new sockets need, read in one statement and one snapshot (see [`rooms_at_head`]).
#[derive(Debug)]
pub struct RoomsAtHead {
    /// The rooms of each user asked for, in their order.
    pub rooms: Vec<Vec<Uuid>>,
    /// The sync cursor the rooms were read at: every event the rooms do not reflect yet is
    /// after it.
    pub cursor: Cursor,
    /// The first place in the log of a transaction that began after the rooms were read (the
    /// snapshot's `xmax`): every event at or after it was published after this answer, so a
    /// socket registered before the read gets it live. Between `cursor` and here lie the
    /// events of writers that were running during the read (none when `cursor` is here).
    pub live_from: Cursor,
}

/// The rooms of each of `users` (in their order; a user named twice gets them twice), the
/// sync cursor they were read at and where a socket's live stream is whole
/// ([`RoomsAtHead`]), in one statement: the cursor comes from the same snapshot as the rooms,
/// so every event the rooms do not reflect yet is after it. What new sockets need, in one
/// round trip however many connect at once.
pub async fn rooms_at_head(
    conn: &mut AsyncPgConnection,
    users: &[Uuid],
) -> Result<RoomsAtHead, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xmin: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xmax: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
        user_id: Option<Uuid>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
        room_id: Option<Uuid>,
    }
    // The outer join keeps one row (with the snapshot) when nobody has a room.
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT sync_safe_xid() AS xmin, \
                pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax, \
                x.user_id, x.room_id \
         FROM (VALUES (1)) AS one(n) LEFT JOIN ({}) AS x ON true",
        crate::rooms::LIVE_ROOMS_OF_MEMBERS
    ))
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(users)
    .load(conn)
    .await?;
    let (xmin, xmax) = rows.as_slice().first().map_or((0, 0), |r| (r.xmin, r.xmax));
    let mut of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        if let (Some(user), Some(room)) = (row.user_id, row.room_id) {
            of.entry(user).or_default().push(room);
        }
    }
    let rooms = users
        .iter()
        .map(|u| of.get(u).cloned().unwrap_or_default())
        .collect();
    let cursor = Cursor { xid: xmin, id: 0 };
    Ok(RoomsAtHead {
        rooms,
        cursor,
        live_from: Cursor { xid: xmax, id: 0 }.max(cursor),
    })
}

/// The log's head and, from the same snapshot, where a live stream that began before this
/// read is whole (as [`RoomsAtHead::live_from`]): [`rooms_at_head`] of nobody.
pub async fn head_and_live_from(conn: &mut AsyncPgConnection) -> Result<(Cursor, Cursor), DbError> {
    let at = rooms_at_head(conn, &[]).await?;
    Ok((at.cursor, at.live_from))
}

/// The relay's checkpoint: a place K in the log such that every event before it has been
/// published and confirmed (its row left `outbox_pending`). The log's head, or just before the
/// first row below it that is still pending. Read after the relay's last batch committed: a
/// row committed before this statement with an xid below the head is visible to it, pending or
/// not; a row of a transaction still running has an xid at or above the head.
pub async fn checkpoint(conn: &mut AsyncPgConnection) -> Result<Cursor, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xmin: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        xid: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        id: Option<i64>,
    }
    let row: Row = diesel::sql_query(
        "WITH snap AS MATERIALIZED (SELECT sync_safe_xid() AS xmin) \
         SELECT snap.xmin, first.xid, first.id FROM snap LEFT JOIN LATERAL ( \
             SELECT o.xid, o.id FROM outbox_pending p JOIN outbox o ON o.id = p.id \
             WHERE o.xid < snap.xmin ORDER BY o.xid, o.id LIMIT 1) first ON true",
    )
    .get_result(conn)
    .await?;
    Ok(match (row.xid, row.id) {
        // Sync serves what is after a cursor: one below the pending row, so it is served.
        (Some(xid), Some(id)) => Cursor { xid, id: id - 1 },
        _ => Cursor {
            xid: row.xmin,
            id: 0,
        },
    })
}

/// What a sync from a cursor reads.
#[derive(Debug)]
pub enum Synced {
    /// The cursor is below the horizon (its rows were pruned) or beyond the head (no such
    /// cursor was ever handed out): start again from `head`.
    Reset { head: Cursor },
    /// Up to the limit of events after the cursor, in log order, each as the JSON text it was
    /// stored as (an [`Event`]): served as it is, never parsed and written again.
    Events(Vec<(Cursor, Box<serde_json::value::RawValue>)>),
}

/// Up to `limit` events after `after` in `user`'s rooms (deleted ones left out) or about
/// `user`, in log order; only rows of transactions older than every one running when the
/// statement began, so none can commit later below a cursor this returns. Or `Reset` when
/// `after` is below the horizon of pruned rows.
///
/// One statement and one snapshot: the horizon, the user's rooms, the safe `xmin` and one
/// index range scan per room (before, four statements and round trips; in a reconnect storm
/// of 10,000 clients the syncs were most of the rooms service's work).
pub async fn sync_since(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    after: Cursor,
    limit: i64,
) -> Result<Synced, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xmin: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        stale: bool,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        xid: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        id: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        payload: Option<String>,
    }
    use diesel::sql_types::{Array, BigInt, Uuid as SqlUuid};
    // `$1` is `ARRAY[user]`, as the shared room-list query takes it. The outer join keeps one
    // row (with the snapshot's xmin and the horizon check) when there is nothing to serve.
    // Each room's page comes from `sync_room_page` (migration 000021), in index order.
    let rows: Vec<Row> = diesel::sql_query(format!(
        "WITH snap AS MATERIALIZED ( \
             SELECT sync_safe_xid() AS xmin, \
                    ($2::bigint, $3::bigint) < (h.xid, h.id) AS stale \
             FROM sync_horizon h LIMIT 1), \
         mine AS ({rooms}) \
         SELECT snap.xmin, snap.stale, ev.xid, ev.id, ev.payload::text AS payload \
         FROM snap LEFT JOIN LATERAL ( \
             SELECT s.xid, s.id, s.payload FROM ( \
                 SELECT e.xid, e.id, e.payload FROM mine \
                 CROSS JOIN LATERAL sync_room_page(mine.room_id, $2, $3, snap.xmin, $4) e \
                 UNION ALL \
                 SELECT o.xid, o.id, o.payload FROM outbox o \
                 WHERE o.user_id = ($1::uuid[])[1] AND (o.xid, o.id) > ($2, $3) \
                   AND o.xid < snap.xmin \
                   AND (o.room_id IS NULL OR o.room_id NOT IN (SELECT room_id FROM mine)) \
             ) s WHERE NOT snap.stale ORDER BY s.xid, s.id LIMIT $4) ev ON true \
         ORDER BY ev.xid, ev.id",
        rooms = crate::rooms::LIVE_ROOMS_OF_MEMBERS
    ))
    .bind::<Array<SqlUuid>, _>(&[user][..])
    .bind::<BigInt, _>(after.xid)
    .bind::<BigInt, _>(after.id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    let Some(first) = rows.as_slice().first() else {
        return Err(DbError::Query(diesel::result::Error::NotFound));
    };
    let head = Cursor {
        xid: first.xmin,
        id: 0,
    };
    // Below the horizon, or from the future: every cursor this log hands out is at or before
    // its head, and the head only moves forward, so a later one was made up; served as it is,
    // it would skip every event until the log caught up with it.
    if first.stale || after > head {
        return Ok(Synced::Reset { head });
    }
    rows.into_iter()
        .filter_map(|r| Some((r.xid?, r.id?, r.payload?)))
        .map(|(xid, id, payload)| {
            // The stored text is valid JSON (json checks it on the way in); this only checks it
            // again (a sync page serving many thousands of events spent a third of its time
            // parsing and writing them again).
            let event = serde_json::value::RawValue::from_string(payload).map_err(|e| {
                DbError::Query(diesel::result::Error::DeserializationError(Box::new(e)))
            })?;
            Ok((Cursor { xid, id }, event))
        })
        .collect::<Result<_, _>>()
        .map(Synced::Events)
}

/// Deletes published rows older than `older_than` (at most `batch` at once) and raises the
/// horizon past them. Returns how many went. Rows another replica is pruning are skipped, not
/// waited for.
pub async fn prune(
    conn: &mut AsyncPgConnection,
    older_than: DateTime<Utc>,
    batch: i64,
) -> Result<usize, DbError> {
    let done: Count = diesel::sql_query(
        "WITH gone AS (              DELETE FROM outbox WHERE id IN (                  SELECT id FROM outbox o WHERE o.created_at < $1 AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.id = o.id)                  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)              RETURNING xid, id),          top AS (SELECT xid, id FROM gone ORDER BY xid DESC, id DESC LIMIT 1),          moved AS (              UPDATE sync_horizon h SET xid = top.xid, id = top.id FROM top              WHERE (top.xid, top.id) > (h.xid, h.id) RETURNING 1)          SELECT count(*) AS n FROM gone",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(older_than)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .get_result(conn)
    .await?;
    Ok(done.n as usize)
}
