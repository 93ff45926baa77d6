//! The sync log: what `GET /api/rooms/sync` returns across rooms and when it resets, and its
//! one promise read at the database: a page never serves a row of a transaction that could
//! still commit below it. With a transaction open, neither its row nor any later one is
//! served; once it commits, both come, in log order, from the same cursor.

use crate::common::*;
use chat_db::outbox::{self, Cursor, Synced};
use chat_testkit::{TestDb, eventually};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// An outbox row of `room` or, with `user`, about that user (not of a room), written as the
/// services write one: by a transaction that declared itself a writer first. Run it as the
/// first statement of a transaction (or on its own: one simple query is one transaction).
fn event_row(room: Uuid, seq: i64) -> String {
    event_row_for(room, seq, None)
}

fn event_row_for(room: Uuid, seq: i64, user: Option<Uuid>) -> String {
    let payload = serde_json::json!({
        "id": Uuid::new_v4(),
        "occurred_at": "2026-12-03T00:00:00Z",
        "request_id": null,
        "payload": {"type": "read_by_all", "room_id": room, "seq": seq},
    });
    let (room_col, user_col) = match user {
        Some(u) => ("NULL".to_owned(), format!("'{u}'")),
        None => (format!("'{room}'"), "NULL".to_owned()),
    };
    format!(
        "SELECT outbox_writer(); \
         INSERT INTO outbox (event_id, routing_key, payload, room_id, user_id) \
         VALUES ('{}', 'room.read_by_all', '{payload}', {room_col}, {user_col})",
        Uuid::new_v4()
    )
}

async fn page(conn: &mut AsyncPgConnection, user: Uuid, after: Cursor) -> Vec<(Cursor, i64)> {
    match outbox::sync_since(conn, user, after, 100).await.unwrap() {
        Synced::Events(rows) => rows
            .into_iter()
            .map(|(c, raw)| {
                let e: chat_domain::events::Event =
                    serde_json::from_str(raw.get()).expect("a stored event");
                let seq = match e.payload {
                    chat_domain::events::EventPayload::ReadByAll { seq, .. } => seq,
                    other => panic!("unexpected event {other:?}"),
                };
                (c, seq)
            })
            .collect(),
        Synced::Reset { .. } => panic!("reset"),
    }
}

#[tokio::test]
async fn a_row_of_a_transaction_still_open_holds_back_every_later_row_until_it_commits() {
    let db = TestDb::new().await;
    let (user, room) = (Uuid::now_v7(), Uuid::now_v7());
    let mut setup = db.conn().await;
    setup
        .batch_execute(&format!(
            "INSERT INTO users (id, username, email, display_name, password_hash) \
                 VALUES ('{user}', 'ann', 'ann@example.com', 'Ann', 'x'); \
             INSERT INTO rooms (id, kind, name) VALUES ('{room}', 'group', 'g'); \
             INSERT INTO room_members (room_id, user_id, role) VALUES ('{room}', '{user}', 'owner'); \
             TRUNCATE outbox_pending;"
        ))
        .await
        .unwrap();
    let start = Cursor { xid: 0, id: 0 };
    let mut reader = db.conn().await;
    // Rows of this database's setup may be served; what follows must come after them.
    let before = page(&mut reader, user, start).await;
    let from = before.last().map_or(start, |(c, _)| *c);

    // An open transaction writes seq 1 and holds; a later one writes seq 2 and commits.
    let mut early = db.conn().await;
    early.batch_execute("BEGIN").await.unwrap();
    early.batch_execute(&event_row(room, 1)).await.unwrap();
    setup.batch_execute(&event_row(room, 2)).await.unwrap();
    assert_eq!(page(&mut reader, user, from).await, vec![]);

    early.batch_execute("COMMIT").await.unwrap();
    // Any transaction running in the cluster (another test's) holds the log back too: wait.
    let served = served_until(&mut reader, user, from, 2).await;
    let seqs: Vec<i64> = served.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs, vec![1, 2], "{served:?}");
    let from = served[1].0;

    // A deleted room's rows are no longer the member's to sync; rows about the user still are.
    setup
        .batch_execute(&format!(
            "UPDATE rooms SET deleted_at = now() WHERE id = '{room}'"
        ))
        .await
        .unwrap();
    setup.batch_execute(&event_row(room, 3)).await.unwrap();
    setup
        .batch_execute(&event_row_for(room, 4, Some(user)))
        .await
        .unwrap();
    let served = served_until(&mut reader, user, from, 1).await;
    let seqs: Vec<i64> = served.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs, vec![4], "{served:?}");
}

/// A database whose transactions must commit sync events within `deadline`; its setup (a user,
/// a room) and a reader's cursor after whatever the setup wrote.
async fn deadline_db(deadline: &str) -> (TestDb, Uuid, Uuid, AsyncPgConnection, Cursor) {
    let db = TestDb::new().await;
    let mut admin = db.conn().await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET chat.sync_commit_deadline = '{deadline}'",
            db.name
        ))
        .await
        .unwrap();
    let (user, room) = (Uuid::now_v7(), Uuid::now_v7());
    let mut setup = db.conn().await;
    setup
        .batch_execute(&format!(
            "INSERT INTO users (id, username, email, display_name, password_hash) \
                 VALUES ('{user}', 'ann', 'ann@example.com', 'Ann', 'x'); \
             INSERT INTO rooms (id, kind, name) VALUES ('{room}', 'group', 'g'); \
             INSERT INTO room_members (room_id, user_id, role) VALUES ('{room}', '{user}', 'owner');"
        ))
        .await
        .unwrap();
    let mut reader = db.conn().await;
    let start = Cursor { xid: 0, id: 0 };
    let before = served_until(&mut reader, user, start, 0).await;
    let from = before.last().map_or(start, |(c, _)| *c);
    (db, user, room, reader, from)
}

/// Seen here: one 4-minute DELETE froze every client's sync for its whole run. Sync waits only
/// for transactions that declared themselves writers of sync events (`outbox_writer()`), so a
/// long transaction that writes none, in this database or any other, holds it back not at
/// all: here the commit deadline is 60 s, so a wait for the old limit (three deadlines) would
/// run far past `served_until`'s 60 s.
#[tokio::test]
async fn a_long_unrelated_transaction_does_not_hold_sync_back() {
    let (db, user, room, mut reader, from) = deadline_db("60s").await;
    let mut long = db.conn().await;
    long.batch_execute("BEGIN; SELECT pg_current_xact_id(); UPDATE users SET display_name = 'Ann' WHERE username = 'ann'")
        .await
        .unwrap();
    let mut writer = db.conn().await;
    writer.batch_execute(&event_row(room, 1)).await.unwrap();
    // Another commit, so the long transaction is below the snapshots' xmax and in their
    // running list, as on any busy database.
    writer.batch_execute(&event_row(room, 2)).await.unwrap();
    let served = served_until(&mut reader, user, from, 2).await;
    let seqs: Vec<i64> = served.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs, vec![1, 2], "{served:?}");
    long.batch_execute("COMMIT").await.unwrap();
}

/// What makes the rule above safe: the database refuses an outbox row from a transaction that
/// did not declare itself a writer, and refuses the declaration once the transaction has
/// written anything (it would come too late: its xid was already in others' snapshots).
#[tokio::test]
async fn only_a_declared_writer_writes_sync_events() {
    let (db, _user, room, _reader, _from) = deadline_db("5s").await;
    let mut conn = db.conn().await;
    let undeclared = event_row(room, 1).replace("SELECT outbox_writer(); ", "");
    let err = conn
        .batch_execute(&undeclared)
        .await
        .expect_err("an undeclared outbox row must be refused");
    assert!(err.to_string().contains("outbox_writer()"), "{err}");

    let late = format!(
        "BEGIN; UPDATE users SET display_name = 'Ann' WHERE username = 'ann'; {}",
        event_row(room, 1)
    );
    let err = conn
        .batch_execute(&late)
        .await
        .expect_err("a declaration after a write must be refused");
    assert!(
        err.to_string().contains("before the transaction writes"),
        "{err}"
    );
    conn.batch_execute("ROLLBACK").await.unwrap();
    conn.batch_execute(&event_row(room, 1)).await.unwrap();
}

/// The other half of the rule: a transaction that writes sync events and commits after the
/// deadline is refused (SQLSTATE 40001, which the services answer with 503 and which a retry
/// clears), so sync never has to wait for it.
#[tokio::test]
async fn sync_events_committed_after_the_deadline_are_refused() {
    let (db, user, room, mut reader, from) = deadline_db("1s").await;
    let mut late = db.conn().await;
    late.batch_execute("BEGIN").await.unwrap();
    late.batch_execute(&event_row(room, 1)).await.unwrap();
    late.batch_execute("SELECT pg_sleep(1.5)").await.unwrap();
    let refused = late.batch_execute("COMMIT").await;
    let err = refused.expect_err("a commit past the deadline must fail");
    assert!(err.to_string().contains("sync_commit_deadline"), "{err}");

    let mut writer = db.conn().await;
    writer.batch_execute(&event_row(room, 2)).await.unwrap();
    let served = served_until(&mut reader, user, from, 1).await;
    let seqs: Vec<i64> = served.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs, vec![2], "{served:?}");
}

/// The relay holds its claim while the broker confirms. A claim is advisory locks, not row
/// locks: it gives the transaction no xid, so a slow broker holds back nobody's sync, and a
/// second relay claims the rows after the first one's.
#[tokio::test]
async fn a_relay_claim_takes_no_xid_and_two_relays_claim_different_rows() {
    #[derive(diesel::QueryableByName)]
    struct Xid {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        xid: Option<String>,
    }
    async fn xid(conn: &mut AsyncPgConnection) -> Option<String> {
        let row: Xid = diesel_async::RunQueryDsl::get_result(
            diesel::sql_query("SELECT pg_current_xact_id_if_assigned()::text AS xid"),
            conn,
        )
        .await
        .unwrap();
        row.xid
    }
    let (db, _user, room, _reader, _from) = deadline_db("5s").await;
    let mut setup = db.conn().await;
    setup
        .batch_execute("TRUNCATE outbox_pending")
        .await
        .unwrap();
    for seq in 1..=6 {
        setup.batch_execute(&event_row(room, seq)).await.unwrap();
    }
    let (mut first, mut second) = (db.conn().await, db.conn().await);
    first.batch_execute("BEGIN").await.unwrap();
    second.batch_execute("BEGIN").await.unwrap();
    let mine = outbox::lock_batch(&mut first, 4).await.unwrap();
    assert_eq!(mine.len(), 4);
    assert_eq!(xid(&mut first).await, None, "a claim must not take an xid");
    let theirs = outbox::lock_batch(&mut second, 10).await.unwrap();
    assert_eq!(theirs.len(), 2, "the second relay gets the rest");
    assert!(mine.iter().all(|m| theirs.iter().all(|t| t.id != m.id)));
    assert!(
        mine.iter().all(|m| theirs.iter().all(|t| t.id > m.id)),
        "oldest first"
    );
    first.batch_execute("COMMIT").await.unwrap();
    second.batch_execute("COMMIT").await.unwrap();
}

/// Pages from `from` until at least `n` rows are served (60 s at most).
async fn served_until(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    from: Cursor,
    n: usize,
) -> Vec<(Cursor, i64)> {
    eventually(Duration::from_secs(60), async || {
        let served = page(conn, user, from).await;
        (served.len() >= n).then_some(served)
    })
    .await
    .unwrap_or_else(|| panic!("fewer than {n} rows served within 60 s"))
}

/// The services' pooled connections compile no query with LLVM (see `chat_db::pool`): an
/// estimate without statistics once made the sync's statement spend 200 ms compiling.
#[tokio::test]
async fn pooled_connections_run_without_jit() {
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        jit: String,
    }
    let db = TestDb::new().await;
    let pool = chat_db::pool(&db.url, 1, Duration::from_secs(10)).unwrap();
    let mut conn = chat_db::conn(&pool).await.unwrap();
    let setting: Setting =
        diesel_async::RunQueryDsl::get_result(diesel::sql_query("SHOW jit"), &mut *conn)
            .await
            .unwrap();
    assert_eq!(setting.jit, "off");
}

#[tokio::test]
async fn sync_returns_everything_missed_in_order_across_rooms_then_resets_when_too_old() {
    let app = spawn().await;
    let (a, b, c) = (
        app.user("sy1").await,
        app.user("sy2").await,
        app.user("sy3").await,
    );
    let dm = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let head = app.http.get("/api/rooms/sync", Some(&b.token)).await;
    assert_eq!(head.status, 200, "{:?}", head.body);
    let cursor = head.body["next_cursor"].as_str().unwrap().to_owned();
    // What b misses while away.
    app.send(&a, &dm, "s1", "one").await;
    app.send(&a, &dm, "s2", "two").await;
    app.call(
        &a,
        reqwest::Method::PATCH,
        &format!("/api/rooms/{dm}/messages/1"),
        Some(json!({"body": "uno"})),
    )
    .await;
    app.call(
        &a,
        reqwest::Method::DELETE,
        &format!("/api/rooms/{dm}/messages/2"),
        None,
    )
    .await;
    let group = app.group(&a, "group", "Sync", &[&b]).await;
    app.send(&a, &group, "s3", "in the group").await;
    // About b, in a room b is in: both parts of the query match it; served once.
    let promoted = app
        .call(
            &a,
            reqwest::Method::PUT,
            &format!("/api/rooms/{group}/members/{}/role", b.id),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promoted.status, 200, "{:?}", promoted.body);
    // Another device of b reads: a receipt, and everyone has now read the dm.
    app.http
        .post(
            &format!("/api/rooms/{dm}/read"),
            Some(&b.token),
            &json!({"seq": 2}),
        )
        .await;
    let hidden = app.group(&c, "group", "Not b's", &[]).await;
    app.send(&c, &hidden, "s4", "secret").await;
    // Removed from a room: b hears of it, and of nothing else in that room any more.
    let gone = app.group(&c, "group", "Left", &[&b]).await;
    app.send(&c, &gone, "s5", "before b is removed").await;
    app.call(
        &c,
        reqwest::Method::DELETE,
        &format!("/api/rooms/{gone}/members/{}", b.id),
        None,
    )
    .await;

    let mut events = vec![];
    let mut cursor_now = cursor.clone();
    eventually(Duration::from_secs(10), async || {
        let page = app
            .http
            .get(
                &format!("/api/rooms/sync?cursor={cursor_now}&limit=2"),
                Some(&b.token),
            )
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert_eq!(page.body["reset"], false);
        assert!(page.body["events"].as_array().unwrap().len() <= 2);
        // The cursor is conservative: a transaction still running anywhere in the cluster
        // (another test's) holds it back, so the page may repeat the dm's creation, which b
        // saw before taking the cursor. Clients drop repeats by event id; so does this test.
        events.extend(
            page.body["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| {
                    !(e["payload"]["type"] == "room_created"
                        && e["payload"]["room_id"] == dm.as_str())
                })
                .cloned(),
        );
        cursor_now = page.body["next_cursor"].as_str().unwrap().to_owned();
        (events.len() >= 10).then_some(())
    })
    .await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["payload"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "message_created",
            "message_created",
            "message_edited",
            "message_deleted",
            "room_created",
            "message_created",
            "member_role_changed",
            "read_up_to",
            "read_by_all",
            "member_left",
        ],
        "{events:#?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| e["payload"]["room_id"] == hidden.as_str()),
        "nothing from rooms b is not in"
    );
    // An event of one of b's rooms that is also about b (the receipt, the removal) is served
    // once, not by both the room's and the user's part of the query.
    let ids: std::collections::HashSet<&str> =
        events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len(), "each event once: {events:#?}");
    let done = app
        .http
        .get(
            &format!("/api/rooms/sync?cursor={cursor_now}"),
            Some(&b.token),
        )
        .await;
    assert_eq!(done.body["events"], json!([]));
    assert_eq!(done.body["has_more"], false);

    // Once the log is pruned past the cursor, it is too old: reset.
    all_published(&app).await;
    let mut conn = app.db.conn().await;
    let pruned = chat_db::outbox::prune(
        &mut conn,
        chrono::Utc::now() + chrono::Duration::seconds(1),
        1000,
    )
    .await
    .unwrap();
    assert!(pruned >= 9);
    let stale = app
        .http
        .get(&format!("/api/rooms/sync?cursor={cursor}"), Some(&b.token))
        .await;
    assert_eq!(stale.body["reset"], true);
    // A cursor from the future was never handed out: served as it is, it would skip every
    // event until the log reached it. It resets to the head instead.
    let head = stale.body["next_cursor"].as_str().unwrap().to_owned();
    let (xid, _) = head.split_once('.').unwrap();
    let future = format!("{}.0", xid.parse::<i64>().unwrap() + 1_000_000);
    let forged = app
        .http
        .get(&format!("/api/rooms/sync?cursor={future}"), Some(&b.token))
        .await;
    assert_eq!(forged.status, 200, "{:?}", forged.body);
    assert_eq!(forged.body["reset"], true, "{:?}", forged.body);
    let next: Vec<i64> = forged.body["next_cursor"]
        .as_str()
        .unwrap()
        .split('.')
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        next[0] < xid.parse::<i64>().unwrap() + 1_000_000,
        "{next:?}"
    );
    assert_eq!(
        app.http
            .get("/api/rooms/sync?cursor=nonsense", Some(&b.token))
            .await
            .status,
        400
    );
}
