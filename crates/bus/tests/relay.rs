//! The outbox relay against real PostgreSQL and RabbitMQ, with two replicas on one database:
//! one leads and publishes everything in the order it was written, the other stands by and
//! takes over when the leader stops; a commit on the standby reaches the broker through the
//! leader.

use chat_bus::Publisher;
use chat_db::outbox;
use chat_testkit::{EventTap, TestDb, amqp_url, eventually, test_exchange};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(20);
/// Events per broker message, as rooms sends them by default.
const PACK_MAX: usize = 128;

struct Replica {
    wake: Arc<Notify>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

fn replica(db: &TestDb, exchange: &str) -> Replica {
    let pool = chat_db::pool(&db.url, 4, Duration::from_secs(5)).expect("pool");
    let publisher = Arc::new(Publisher::new(&amqp_url(), exchange));
    let (wake, cancel) = (Arc::new(Notify::new()), CancellationToken::new());
    let task = tokio::spawn(chat_bus::relay::run(
        pool,
        publisher,
        wake.clone(),
        PACK_MAX,
        cancel.clone(),
    ));
    Replica { wake, cancel, task }
}

/// Writes events numbered `from..to`, each in its own transaction, in order, as a replica's
/// own commits (no `NOTIFY`: its relay is woken in-process, or tells the leader).
async fn write(conn: &mut AsyncPgConnection, from: u32, to: u32) {
    for n in from..to {
        conn.transaction::<_, chat_db::DbError, _>(async |conn| {
            outbox::declare_writer(conn).await?;
            diesel::sql_query(
                "INSERT INTO outbox (event_id, routing_key, payload) \
                 VALUES (gen_random_uuid(), 'test.relay', jsonb_build_object('n', $1))",
            )
            .bind::<diesel::sql_types::Integer, _>(n as i32)
            .execute(conn)
            .await?;
            Ok(())
        })
        .await
        .expect("an outbox row");
    }
}

/// Whether `listener` hears a `NOTIFY` on the relay's channel within [`WAIT`].
async fn hears_the_relay_channel(listener: &mut AsyncPgConnection) -> bool {
    let heard = tokio::time::timeout(WAIT, async {
        let notifications = listener.notifications_stream();
        tokio::pin!(notifications);
        notifications.next().await
    })
    .await;
    matches!(heard, Ok(Some(Ok(ref n))) if n.channel == outbox::RELAY_CHANNEL)
}

#[derive(diesel::QueryableByName)]
struct Holders {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Sessions holding the relay's advisory lock ("chat-rel": its high and low 32 bits).
async fn leaders(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND objsubid = 1 AND classid = 1667785076 AND objid = 762471788",
    )
    .get_result::<Holders>(conn)
    .await
    .map_or(-1, |h| h.n)
}

async fn received(tap: &mut EventTap, count: u32) -> Vec<u32> {
    received_at(tap, count)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// Each event's number, with the sync cursor its header carries.
async fn received_at(tap: &mut EventTap, count: u32) -> Vec<(u32, Option<outbox::Cursor>)> {
    let mut seen = Vec::new();
    while seen.len() < count as usize {
        let Some(taken) = tap.next_taken(WAIT).await else {
            break;
        };
        let event: serde_json::Value = serde_json::from_slice(&taken.body).expect("JSON");
        let cursor = taken
            .headers
            .get(chat_bus::SYNC_CURSOR_HEADER)
            .and_then(|raw| outbox::Cursor::decode(raw));
        seen.push((event["n"].as_u64().expect("n") as u32, cursor));
    }
    seen
}

#[derive(diesel::QueryableByName)]
struct Place {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    xid: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Where the event numbered `n` stands in the sync log.
async fn place_of(conn: &mut AsyncPgConnection, n: u32) -> outbox::Cursor {
    let p: Place = diesel::sql_query(
        "SELECT xid, id FROM outbox WHERE routing_key = 'test.relay' AND (payload->>'n')::int = $1",
    )
    .bind::<diesel::sql_types::Integer, _>(n as i32)
    .get_result(conn)
    .await
    .expect("the row");
    outbox::Cursor {
        xid: p.xid,
        id: p.id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_relays_in_order_and_a_standby_takes_over() {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    let mut tap = EventTap::new(&exchange, "test.#").await;
    let mut conn = db.conn().await;
    let (a, b) = (replica(&db, &exchange), replica(&db, &exchange));
    let one = eventually(WAIT, async || (leaders(&mut conn).await == 1).then_some(())).await;
    assert!(one.is_some(), "exactly one relay leads");

    // Written in order, woken on both replicas: everything arrives once, in order; the standby
    // passed its wake on to the leader (heard here too).
    let mut listener = db.conn().await;
    outbox::listen(&mut listener, outbox::RELAY_CHANNEL)
        .await
        .unwrap();
    write(&mut conn, 0, 300).await;
    a.wake.notify_one();
    b.wake.notify_one();
    assert_eq!(received(&mut tap, 300).await, (0..300).collect::<Vec<_>>());
    assert!(
        hears_the_relay_channel(&mut listener).await,
        "the standby tells the leader"
    );

    // Whichever leads stops; the other takes over, and what is written next still arrives.
    a.cancel.cancel();
    a.task.await.unwrap();
    let taken = eventually(WAIT, async || (leaders(&mut conn).await == 1).then_some(())).await;
    assert!(taken.is_some(), "the other replica leads (or still does)");
    write(&mut conn, 300, 350).await;
    b.wake.notify_one();
    let last = received_at(&mut tap, 50).await;
    assert_eq!(
        last.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (300..350).collect::<Vec<_>>()
    );
    // Each carries its place in the sync log, so a gateway can tell what a sync will serve.
    for &(n, cursor) in &last {
        assert_eq!(cursor, Some(place_of(&mut conn, n).await), "event {n}");
    }
    assert!(
        tap.next(Duration::from_millis(500)).await.is_none(),
        "no copies"
    );
    b.cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_goes_out_in_packs_each_event_once_in_order_with_its_place() {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    let mut tap = EventTap::new(&exchange, "test.#").await;
    let mut conn = db.conn().await;
    // Written while no relay runs: the relay claims 256 rows, then the other 44.
    write(&mut conn, 0, 300).await;
    let relay = replica(&db, &exchange);
    let got = received_at(&mut tap, 300).await;
    assert_eq!(
        got.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (0..300).collect::<Vec<_>>()
    );
    for &(n, cursor) in got.iter().step_by(37) {
        assert_eq!(cursor, Some(place_of(&mut conn, n).await), "event {n}");
    }
    assert_eq!(tap.messages(), 3, "packs of 128, 128 and 44 events");
    assert!(
        tap.next(Duration::from_millis(500)).await.is_none(),
        "no copies"
    );
    relay.cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_written_where_no_relay_runs_wakes_the_leader_at_commit() {
    let db = TestDb::new().await;
    let mut listener = db.conn().await;
    outbox::listen(&mut listener, outbox::RELAY_CHANNEL)
        .await
        .unwrap();
    let mut conn = db.conn().await;
    // As auth writes a revocation or a rename: it runs no relay of its own.
    conn.transaction::<_, chat_db::DbError, _>(async |conn| {
        outbox::declare_writer(conn).await?;
        outbox::push_unsynced(
            conn,
            uuid::Uuid::now_v7(),
            "session.revoked",
            &serde_json::json!({}),
        )
        .await
    })
    .await
    .expect("an outbox row");
    assert!(
        hears_the_relay_channel(&mut listener).await,
        "the leader hears of it"
    );
}

/// A message the tap took: an event by its number, or a checkpoint; with its cursor header.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Seen {
    Event(u32, outbox::Cursor),
    Checkpoint(outbox::Cursor),
}

/// Takes messages until `done` holds of what was taken, or [`WAIT`] passes without one.
async fn take_until(tap: &mut EventTap, seen: &mut Vec<Seen>, done: impl Fn(&[Seen]) -> bool) {
    while !done(seen) {
        let Some(taken) = tap.next_taken(WAIT).await else {
            return;
        };
        let at = taken
            .headers
            .get(chat_bus::SYNC_CURSOR_HEADER)
            .and_then(|raw| outbox::Cursor::decode(raw))
            .expect("every message here has a cursor");
        let body: serde_json::Value = serde_json::from_slice(&taken.body).expect("JSON");
        seen.push(match body["n"].as_u64() {
            Some(n) => Seen::Event(n as u32, at),
            None => Seen::Checkpoint(at),
        });
    }
}

/// Every event before a checkpoint's cursor was taken before the checkpoint.
fn checkpoints_hold(seen: &[Seen]) {
    for (i, s) in seen.iter().enumerate() {
        if let Seen::Checkpoint(k) = s {
            for later in &seen[i..] {
                if let Seen::Event(n, at) = later {
                    assert!(
                        *at >= *k,
                        "event {n} at {at:?} came after the checkpoint {k:?}"
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_follows_every_event_before_it_and_stops_below_a_row_still_pending() {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    let mut tap = EventTap::new(&exchange, "#").await;
    let mut conn = db.conn().await;
    write(&mut conn, 0, 300).await;
    // Event 150 is claimed by "another relay" (its claim lock held here): it stays pending.
    let held = place_of(&mut conn, 150).await;
    let mut holder = db.conn().await;
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({}, ({} % 2147483647)::int)",
            0x006f_7574, held.id
        ))
        .await
        .unwrap();
    let relay = replica(&db, &exchange);
    let mut seen = Vec::new();
    let events = |s: &[Seen]| s.iter().filter(|s| matches!(s, Seen::Event(..))).count();
    let checkpoint_after = |s: &[Seen], count: usize| {
        s.iter()
            .enumerate()
            .any(|(i, x)| matches!(x, Seen::Checkpoint(_)) && events(&s[..i]) >= count)
    };
    take_until(&mut tap, &mut seen, |s| checkpoint_after(s, 299)).await;
    assert_eq!(events(&seen), 299, "all but the held one: {seen:?}");
    checkpoints_hold(&seen);
    for s in &seen {
        if let Seen::Checkpoint(k) = s {
            assert!(*k < held, "{k:?} passes the pending row at {held:?}");
        }
    }
    // Let go: the row goes out, and a checkpoint past it follows.
    holder.batch_execute("COMMIT").await.unwrap();
    relay.wake.notify_one();
    take_until(&mut tap, &mut seen, |s| {
        s.iter()
            .any(|x| matches!(x, Seen::Checkpoint(k) if *k > held))
    })
    .await;
    assert!(seen.contains(&Seen::Event(150, held)), "{seen:?}");
    assert!(
        seen.iter()
            .any(|x| matches!(x, Seen::Checkpoint(k) if *k > held)),
        "a checkpoint past the row once it was published: {seen:?}"
    );
    checkpoints_hold(&seen);
    relay.cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_held_back_by_an_open_transaction_follows_once_it_ends_with_no_new_event() {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    let mut tap = EventTap::new(&exchange, "#").await;
    // A writer of sync events that took its xid before the events were written and is still
    // open (as a send in flight may be, anywhere in the cluster): sync stops below it.
    let mut open = db.conn().await;
    open.batch_execute("BEGIN; SELECT outbox_writer(); SELECT pg_current_xact_id()")
        .await
        .unwrap();
    let mut conn = db.conn().await;
    write(&mut conn, 0, 3).await;
    let last = place_of(&mut conn, 2).await;
    let relay = replica(&db, &exchange);
    let mut seen = Vec::new();
    take_until(&mut tap, &mut seen, |s| {
        s.iter().any(|x| matches!(x, Seen::Checkpoint(_)))
    })
    .await;
    let events = seen.iter().filter(|s| matches!(s, Seen::Event(..))).count();
    assert_eq!(events, 3, "{seen:?}");
    for s in &seen {
        if let Seen::Checkpoint(k) = s {
            assert!(
                *k < last,
                "{k:?} passes an event written after the open xid"
            );
        }
    }
    // It ends. No event follows and nothing wakes the relay, yet a checkpoint past the last
    // event comes: the held-back one stayed owed.
    open.batch_execute("COMMIT").await.unwrap();
    take_until(&mut tap, &mut seen, |s| {
        s.iter()
            .any(|x| matches!(x, Seen::Checkpoint(k) if *k >= last))
    })
    .await;
    assert!(
        seen.iter()
            .any(|x| matches!(x, Seen::Checkpoint(k) if *k >= last)),
        "a checkpoint past the last event once the transaction ended: {seen:?}"
    );
    checkpoints_hold(&seen);
    relay.cancel.cancel();
}
