//! Indexes fit the queries: with sequential scans priced out (`enable_seqscan = off`), the
//! planner must find an index path for each read the services run often, or it falls back to
//! a sequential scan, which this test sees in `pg_stat_xact_user_tables`. The data is seeded
//! in bulk and analysed first, so the statistics look like a used system. The plans
//! themselves, on a larger data set, are explained in docs/QUERY_PLANS.md.

use chat_db::messages::{self, Page};
use chat_db::{outbox, rooms, users};
use chat_testkit::TestDb;
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// 500 users; 300 rooms (direct, group and public); every user in 10 rooms; 30,000
/// messages; an outbox row per message. One transaction (one simple query), declared a writer
/// of sync events first, as the outbox requires.
const SEED: &str = r"
SELECT outbox_writer();
INSERT INTO users (id, username, email, display_name, password_hash)
    SELECT gen_random_uuid(), 'user' || i, 'user' || i || '@example.com', 'User ' || i, 'x'
    FROM generate_series(1, 500) i;
INSERT INTO rooms (id, kind, name, topic, direct_key, last_seq)
    SELECT gen_random_uuid(),
           (ARRAY['direct', 'group', 'public'])[1 + i % 3],
           CASE WHEN i % 3 <> 0 THEN 'room ' || i END,
           CASE WHEN i % 3 = 2 THEN 'topic about things ' || i END,
           CASE WHEN i % 3 = 0 THEN 'key' || i END,
           100
    FROM generate_series(1, 300) i;
INSERT INTO room_members (room_id, user_id, role)
    SELECT r.id, u.id, 'member'
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM rooms) r
    JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users) u
      ON u.n % 30 = r.n % 30
    ON CONFLICT DO NOTHING;
INSERT INTO messages (id, room_id, seq, sender_id, body, client_msg_id)
    SELECT gen_random_uuid(), r.id, s, (SELECT user_id FROM room_members WHERE room_id = r.id LIMIT 1),
           'message number ' || s || ' about ' || md5(r.id::text || s), r.id::text || s
    FROM rooms r, generate_series(1, 100) s;
INSERT INTO outbox (id, event_id, routing_key, payload, room_id)
    SELECT nextval('outbox_id_seq'), gen_random_uuid(), 'room.message.created', '{}'::jsonb,
           room_id
    FROM messages;
INSERT INTO message_reactions (message_id, user_id, emoji)
    SELECT m.id, rm.user_id, (ARRAY['👍', '🎉', '😂'])[1 + (m.seq + n) % 3]
    FROM messages m
    JOIN LATERAL (SELECT user_id, row_number() OVER () AS n FROM room_members
                  WHERE room_id = m.room_id LIMIT 3) rm ON true
    WHERE m.seq % 3 = 0;
INSERT INTO message_reaction_versions (message_id, version)
    SELECT message_id, count(*) FROM message_reactions GROUP BY message_id;
TRUNCATE outbox_pending;
ANALYZE;
";

#[derive(QueryableByName, Debug)]
struct TableReads {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows_read: i64,
}

/// What a query did to the tables: sequential scans, and rows read by any scan.
#[derive(Debug, Default)]
struct Reads {
    seq_scans: Vec<String>,
    messages_read: i64,
    outbox_read: i64,
}

type Check<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs `query` in a transaction with sequential scans priced out and returns the tables it
/// scanned sequentially and how many message rows it read.
async fn reads<F>(conn: &mut AsyncPgConnection, query: F) -> Reads
where
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> Check<'c> + Send,
{
    reads_with(conn, "off", query).await
}

/// [`reads`], with sequential scans priced out or not (`enable_seqscan`).
async fn reads_with<F>(conn: &mut AsyncPgConnection, enable_seqscan: &str, query: F) -> Reads
where
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> Check<'c> + Send,
{
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        diesel::sql_query(format!("SET LOCAL enable_seqscan = {enable_seqscan}"))
            .execute(conn)
            .await?;
        // The counters also hold this session's earlier, not yet flushed, transactions.
        let count = "SELECT relname::text AS relname, seq_scan, \
                     seq_tup_read + coalesce(idx_tup_fetch, 0) AS rows_read \
                     FROM pg_stat_xact_user_tables";
        let before: Vec<TableReads> = diesel::sql_query(count).load(conn).await?;
        query(conn).await;
        let after: Vec<TableReads> = diesel::sql_query(count).load(conn).await?;
        let mut out = Reads::default();
        for a in after {
            let was = before.iter().find(|b| b.relname == a.relname);
            let scans = a.seq_scan - was.map_or(0, |b| b.seq_scan);
            // `sync_horizon` holds one row by construction (a singleton key): its scan is a
            // read of that row.
            if scans > 0 && a.relname != "sync_horizon" {
                out.seq_scans.push(format!("{} ({scans} scans)", a.relname));
            }
            let read = a.rows_read - was.map_or(0, |b| b.rows_read);
            match a.relname.as_str() {
                "messages" => out.messages_read = read,
                "outbox" => out.outbox_read = read,
                _ => {}
            }
        }
        Ok(out)
    })
    .await
    .expect("transaction")
}

#[derive(QueryableByName)]
struct Pick {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    room: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    user: Uuid,
}

#[tokio::test]
async fn the_frequent_queries_never_scan_a_whole_table() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    conn.batch_execute(SEED).await.expect("seed");
    let pick: Pick = diesel::sql_query(
        "SELECT m.room_id AS room, m.user_id AS user FROM room_members m \
         JOIN rooms r ON r.id = m.room_id WHERE r.kind = 'group' LIMIT 1",
    )
    .get_result(&mut conn)
    .await
    .expect("a member of a group");
    let (room, user) = (pick.room, pick.user);

    // A sanity check of the probe itself: a query no index serves is caught.
    let caught = reads(&mut conn, |c| {
        Box::pin(async move {
            diesel::sql_query("SELECT 1 FROM messages WHERE length(body) = 3")
                .execute(c)
                .await
                .expect("unindexed query");
        })
    })
    .await;
    assert_eq!(
        caught.seq_scans.len(),
        1,
        "the probe sees a sequential scan: {caught:?}"
    );
    assert_eq!(caught.messages_read, 30_000, "and counts the rows it read");

    // A rare word must not walk the whole primary key looking for the newest hits (what an
    // ORDER BY id LIMIT plan does): it reads only what the text indexes match.
    let rare = reads(&mut conn, |c| {
        Box::pin(async move {
            let hits = messages::search(c, user, "qqqzz", None, None, 20)
                .await
                .unwrap();
            assert!(hits.is_empty());
        })
    })
    .await;
    assert!(
        rare.messages_read < 100,
        "a rare word read {} messages",
        rare.messages_read
    );

    let latest: Vec<Uuid> = messages::page(&mut conn, room, Page::Latest, 50)
        .await
        .unwrap()
        .rows
        .iter()
        .map(|m| m.id)
        .collect();
    let cases: Vec<(&str, Reads)> = vec![
        (
            "reactions of a page",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let found = chat_db::reactions::summaries(c, &latest, Some(user))
                        .await
                        .unwrap();
                    assert!(!found.is_empty(), "every third message has reactions");
                })
            })
            .await,
        ),
        (
            "history: latest page",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let page = messages::page(c, room, Page::Latest, 50).await.unwrap();
                    assert_eq!(page.rows.len(), 50);
                })
            })
            .await,
        ),
        (
            "history: around a seq",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let page = messages::page(c, room, Page::Around(40), 20).await.unwrap();
                    assert_eq!(page.rows.len(), 20);
                })
            })
            .await,
        ),
        (
            "my rooms",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let mine = rooms::summaries(c, user, None, 3).await.unwrap();
                    assert_eq!(mine.len(), 3);
                    assert!(mine.iter().all(|r| r.last_message.is_some()));
                    let last = mine.last().unwrap();
                    let after = Some((last.last_activity_at, last.id));
                    let rest = rooms::summaries(c, user, after, 100).await.unwrap();
                    assert!(rest.len() >= 2, "{} more rooms", rest.len());
                    assert!(rest.iter().all(|r| mine.iter().all(|m| m.id != r.id)));
                })
            })
            .await,
        ),
        (
            "a page of members",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let first = rooms::members_page(c, room, None, 1).await.unwrap();
                    assert_eq!(first.len(), 1);
                    let after = Some((first[0].joined_at, first[0].user_id));
                    let rest = rooms::members_page(c, room, after, 50).await.unwrap();
                    assert!(rest.iter().all(|m| m.user_id != first[0].user_id));
                })
            })
            .await,
        ),
        (
            "search: whole and partial words",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let hits = messages::search(c, user, "number 42", None, None, 20)
                        .await
                        .unwrap();
                    assert!(!hits.is_empty());
                })
            })
            .await,
        ),
        (
            "search: inside a word",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let hits = messages::search(c, user, "umber 7", None, None, 20)
                        .await
                        .unwrap();
                    assert!(!hits.is_empty());
                })
            })
            .await,
        ),
        (
            "public rooms, filtered",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let found = rooms::public_rooms(c, user, Some("about things 1"), None, 20)
                        .await
                        .unwrap();
                    assert!(!found.is_empty());
                })
            })
            .await,
        ),
        (
            "public rooms, all by name",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let found = rooms::public_rooms(c, user, None, None, 20).await.unwrap();
                    assert_eq!(found.len(), 20);
                })
            })
            .await,
        ),
        (
            "sync since a cursor",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let after = outbox::Cursor { xid: 0, id: 0 };
                    let events = outbox::sync_since(c, user, after, 100).await;
                    // The seeded payloads are not events; the plan is what counts here.
                    let _ = events;
                })
            })
            .await,
        ),
        (
            "the files sweep: which files messages carry, which rooms live",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let ids = vec![Uuid::new_v4().to_string(); 3];
                    let kept = messages::attachments_kept(c, &ids).await.unwrap();
                    assert!(kept.is_empty());
                    let live = chat_db::rooms::live(c, &[room, Uuid::new_v4()])
                        .await
                        .unwrap();
                    assert_eq!(live, vec![room]);
                })
            })
            .await,
        ),
        (
            "user directory by prefix",
            reads(&mut conn, |c| {
                Box::pin(async move {
                    let found = users::directory(
                        c,
                        Some("user1"),
                        None,
                        users::Order::Name,
                        None,
                        chrono::Utc::now(),
                        20,
                    )
                    .await
                    .unwrap();
                    assert_eq!(found.len(), 20);
                })
            })
            .await,
        ),
    ];
    let offenders: Vec<String> = cases
        .into_iter()
        .filter(|(_, r)| !r.seq_scans.is_empty())
        .map(|(name, r)| format!("{name}: {}", r.seq_scans.join(", ")))
        .collect();
    assert!(offenders.is_empty(), "sequential scans: {offenders:#?}");
}

/// The room lists of the connect and sync paths run for every socket that connects and every
/// client that resyncs, often right after many rooms were made (nothing analysed yet, and
/// autovacuum is off on the CI machines): their plan must not depend on statistics. A join of
/// `room_members` and `rooms` hashed the whole `rooms` table on every call there.
#[tokio::test]
async fn the_room_lists_of_connects_and_syncs_probe_by_key_without_statistics() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    conn.batch_execute(&SEED.replace("ANALYZE;", ""))
        .await
        .expect("seed");
    let pick: Pick = diesel::sql_query(
        "SELECT m.room_id AS room, m.user_id AS user FROM room_members m LIMIT 1",
    )
    .get_result(&mut conn)
    .await
    .expect("a member");
    let user = pick.user;

    // The probe sees the trap: the plain join scans `rooms` with no statistics.
    let joined = reads_with(&mut conn, "on", |c| {
        Box::pin(async move {
            diesel::sql_query(
                "SELECT m.room_id FROM room_members m JOIN rooms r ON r.id = m.room_id \
                 WHERE m.user_id = $1 AND r.deleted_at IS NULL",
            )
            .bind::<diesel::sql_types::Uuid, _>(user)
            .execute(c)
            .await
            .unwrap();
        })
    })
    .await;
    assert!(
        joined.seq_scans.iter().any(|t| t.starts_with("rooms ")),
        "{joined:?}"
    );

    let lists = reads_with(&mut conn, "on", |c| {
        Box::pin(async move {
            let many = outbox::rooms_at_head(c, &[user, user]).await.unwrap().rooms;
            assert_eq!(many[0].len(), 10);
            assert_eq!(many[0], many[1]);
            // The sync reads the same list (the seeded payloads are not events: the plan is
            // what counts).
            let _ = outbox::sync_since(c, user, outbox::Cursor { xid: 0, id: 0 }, 100).await;
        })
    })
    .await;
    assert!(lists.seq_scans.is_empty(), "{lists:?}");
}

#[derive(QueryableByName, Debug)]
struct UnindexedKey {
    #[diesel(sql_type = diesel::sql_types::Text)]
    key_name: String,
}

/// Deleting a referenced row looks up the referencing rows by the key's columns: without an
/// index that starts with them, every delete scans the whole referencing table.
#[tokio::test]
async fn every_foreign_key_has_an_index_that_starts_with_its_columns() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let unindexed: Vec<UnindexedKey> = diesel::sql_query(
        "SELECT c.conrelid::regclass || '.' || c.conname AS key_name \
         FROM pg_constraint c \
         WHERE c.contype = 'f' AND NOT EXISTS ( \
             SELECT 1 FROM pg_index i \
             WHERE i.indrelid = c.conrelid \
               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey \
               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey) \
         ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let names: Vec<String> = unindexed.into_iter().map(|u| u.key_name).collect();
    assert!(names.is_empty(), "foreign keys without an index: {names:?}");
}

/// A client that missed much of a busy room catches up a page at a time: each page must read
/// about a page of each room in index order, not every row after its cursor. The planner
/// estimates a room's rows from the average room (the room is a lateral parameter), and for a
/// busy room among quiet ones chose a bitmap scan and a sort: reading all 5,000 rows for the
/// first page, nearly all for the second, and so on.
#[tokio::test]
async fn a_sync_page_reads_about_a_page_of_each_room_not_everything_after_the_cursor() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    conn.batch_execute(SEED).await.expect("seed");
    let pick: Pick = diesel::sql_query(
        "SELECT m.room_id AS room, m.user_id AS user FROM room_members m LIMIT 1",
    )
    .get_result(&mut conn)
    .await
    .expect("a member");
    let (room, user) = (pick.room, pick.user);
    conn.batch_execute(&format!(
        "SELECT outbox_writer(); \
         INSERT INTO outbox (id, event_id, routing_key, payload, room_id) \
             SELECT nextval('outbox_id_seq'), gen_random_uuid(), 'room.message.created', \
                    '{{}}'::jsonb, '{room}' FROM generate_series(1, 5000); \
         TRUNCATE outbox_pending; ANALYZE outbox;"
    ))
    .await
    .expect("a busy room");
    // A sync serves rows once every transaction older than theirs has ended, in any database of
    // the cluster: the other tests' seeds, running at the same time, can hold them back a while.
    let served = chat_testkit::eventually(std::time::Duration::from_secs(120), async || {
        let page = outbox::sync_since(&mut conn, user, outbox::Cursor { xid: 0, id: 0 }, 501).await;
        matches!(page, Ok(outbox::Synced::Events(ref e)) if e.len() == 501).then_some(())
    })
    .await;
    assert!(served.is_some(), "the busy room's events were never served");
    // With sequential scans allowed, as in production: the planner's own choice.
    let r = reads_with(&mut conn, "on", |c| {
        Box::pin(async move {
            let page = outbox::sync_since(c, user, outbox::Cursor { xid: 0, id: 0 }, 501)
                .await
                .expect("a page");
            assert!(matches!(page, outbox::Synced::Events(ref e) if e.len() == 501));
        })
    })
    .await;
    // Nine quiet rooms of 100 events (all of them) and at most a page of the busy one's 5,100.
    assert!(
        r.outbox_read <= 1_500,
        "{} outbox rows read for a page of 501",
        r.outbox_read
    );
}

/// Every send of the direct and big-room benchmarks goes through `store_messages`' set-wise
/// statement (migration 000030): its checks, seq updates and inserts must probe by key, never
/// scan `messages`, `room_members` or `outbox` whole, however big they grow.
#[tokio::test]
async fn a_set_wise_batch_of_sends_probes_by_key() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    conn.batch_execute(SEED).await.expect("seed");
    // One member of each of three group rooms: three sends without repeats or replies, the
    // batches that take the set-wise path.
    let picks: Vec<Pick> = diesel::sql_query(
        "SELECT DISTINCT ON (m.room_id) m.room_id AS room, m.user_id AS user \
         FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE r.kind = 'group' \
         ORDER BY m.room_id, m.user_id LIMIT 3",
    )
    .load(&mut conn)
    .await
    .expect("members of groups");
    assert_eq!(picks.len(), 3);
    let now = chrono::DateTime::from_timestamp_micros(chrono::Utc::now().timestamp_micros())
        .expect("now");
    let messages: Vec<chat_domain::Message> = picks
        .iter()
        .enumerate()
        .map(|(i, p)| chat_domain::Message {
            id: Uuid::now_v7(),
            room_id: p.room,
            seq: 0,
            sender_id: p.user,
            body: format!("set-wise {i}"),
            reply_to: None,
            client_msg_id: format!("plan-{i}"),
            created_at: now,
            edited_at: None,
            deleted: false,
            reactions: None,
            reactions_version: None,
            forwarded_from: None,
            attachment: None,
        })
        .collect();
    let r = reads(&mut conn, |c| {
        Box::pin(async move {
            let sends: Vec<messages::Send<'_>> = messages
                .iter()
                .map(|m| messages::Send {
                    message: m,
                    event_id: Uuid::new_v4(),
                    routing_key: "room.message.created",
                    event: serde_json::json!({"payload": {"message": {"seq": 0}}}),
                })
                .collect();
            let seqs = messages::store_many(c, &sends).await.expect("stored");
            // Each seeded room holds seqs 1 to 100: every send is the 101st of its room.
            assert_eq!(seqs, vec![Some(101); 3]);
        })
    })
    .await;
    assert!(
        r.seq_scans.is_empty(),
        "sequential scans: {:?}",
        r.seq_scans
    );
    assert!(
        r.messages_read < 20,
        "{} message rows read to store three",
        r.messages_read
    );
}

/// The relay's claim and mark, the notifier's read and a history page's reactions run many
/// times a second, each on a few rows: their plans are kept for the session (migrations 000032
/// and 000033), not made again on every call, which cost more than running them. (On this
/// small database PostgreSQL keeps the reactions' generic plan even unforced: the force is for
/// larger ones, where a custom plan sees the page's 50 ids and may look cheaper.)
/// `auto_explain` shows the plan each statement inside the functions ran with: a kept
/// (generic) plan names its parameters (`$2`), a plan made for the call shows their values.
/// Run through `psql`, which prints the notices.
#[tokio::test]
async fn the_relays_the_notifiers_and_the_history_pages_statements_keep_their_plans() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    conn.batch_execute(SEED).await.expect("seed");
    let pick: Pick = diesel::sql_query(
        "SELECT room_id AS room, user_id AS user FROM room_members ORDER BY room_id LIMIT 1",
    )
    .get_result(&mut conn)
    .await
    .expect("a member");
    let calls = format!(
        "SELECT count(*) FROM offline_members_each(ARRAY['{}']::uuid[], ARRAY['{}']::uuid[], \
         now() - interval '1 minute');\n\
         BEGIN;\nSELECT count(*) FROM outbox_claim(4, 7);\n\
         SELECT outbox_published(ARRAY[1, 2]::bigint[]);\nROLLBACK;\n\
         SELECT count(*) FROM reaction_summaries(\
         ARRAY(SELECT id FROM messages WHERE room_id = '{}' LIMIT 50), '{}', 3);\n",
        pick.room, pick.user, pick.room, pick.user
    );
    // Past the plan cache's five custom plans, then once more to look at.
    let script = format!(
        "LOAD 'auto_explain';\nSET auto_explain.log_min_duration = 0;\n\
         SET auto_explain.log_nested_statements = on;\nSET auto_explain.log_level = notice;\n\
         {}SELECT 'the last calls';\n{calls}",
        calls.repeat(6)
    );
    let mut psql = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &db.url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("psql runs");
    use std::io::Write;
    psql.stdin
        .take()
        .expect("psql's stdin")
        .write_all(script.as_bytes())
        .expect("the script is written");
    let out = psql.wait_with_output().expect("psql ends");
    let notices = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "psql failed: {notices}");
    let last = notices
        .split_once("the last calls")
        .expect("the marker statement is explained")
        .1;
    // Each explained statement is one notice, from its query text to the next notice.
    let plan_of = |text: &str| {
        last.split("NOTICE:")
            .find(|n| n.contains(&format!("Query Text: {text}")))
            .unwrap_or_else(|| panic!("no plan for `{text}` in:\n{last}"))
            .to_owned()
    };
    let read = plan_of("SELECT t.i::INT, m.user_id");
    assert!(
        read.contains("heartbeat_at > $3"),
        "the notifier's read was planned for its values:\n{read}"
    );
    let claim = plan_of("WITH first AS MATERIALIZED");
    assert!(
        claim.contains("pg_try_advisory_xact_lock($2"),
        "the relay's claim was planned for its values:\n{claim}"
    );
    let mark = plan_of("DELETE FROM outbox_pending");
    assert!(
        mark.contains("ANY ($1)"),
        "the relay's mark was planned for its values:\n{mark}"
    );
    let reactions = plan_of("SELECT v.message_id, v.version");
    assert!(
        reactions.contains("ANY ($1)"),
        "a history page's reactions were planned for its values:\n{reactions}"
    );
}
