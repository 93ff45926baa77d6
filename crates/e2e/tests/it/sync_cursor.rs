//! A socket's sync cursor moves on while it stays open (`cursor` frames, from the relay's
//! checkpoints), but never past an event the socket may not have had.

use chat_e2e::stack::{Stack, WAIT};
use chat_testkit::WsClient;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};
use std::time::Duration;

/// Checkpoints come every two seconds at most; on a busy machine, allow for much more.
const CHECKPOINT_WAIT: Duration = Duration::from_secs(30);

/// Every event a sync from `cursor` serves (all pages), and where it ended.
async fn sync_all(stack: &Stack, token: &str, cursor: &str) -> (Vec<Value>, String) {
    let (mut events, mut cursor) = (Vec::new(), cursor.to_owned());
    loop {
        let page = stack
            .rooms
            .get(&format!("/api/rooms/sync?cursor={cursor}"), Some(token))
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert_eq!(page.body["reset"], false, "{:?}", page.body);
        events.extend(page.body["events"].as_array().cloned().unwrap_or_default());
        cursor = page.body["next_cursor"]
            .as_str()
            .expect("next_cursor")
            .to_owned();
        if page.body["has_more"] != true {
            return (events, cursor);
        }
    }
}

fn serves(events: &[Value], message: &Value) -> bool {
    events
        .iter()
        .any(|e| e["payload"]["message"]["id"] == message["id"])
}

/// The next `cursor` or `resync` frame.
async fn next_cursor_or_resync(ws: &mut WsClient) -> Value {
    let deadline = tokio::time::Instant::now() + CHECKPOINT_WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws.next_json(left).await {
            Some(Ok(f)) if f["type"] == "cursor" || f["type"] == "resync" => return f,
            Some(Ok(_)) => continue,
            other => panic!("no cursor or resync frame: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_s_cursor_moves_on_with_what_it_got_live() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&token, bob).await;
    let (mut ws, hello) = stack.socket_hello(0, &token).await;
    assert_eq!(hello["protocol"], 3);
    // As a client does after `hello`: sync from its cursor, and say where that ended.
    let (_, end) = sync_all(&stack, &token, hello["cursor"].as_str().unwrap()).await;
    ws.send_json(&json!({"type": "synced", "cursor": end}))
        .await;
    let mut synced_to = end;
    let one = stack.send(&bob_token, &room, "one").await;
    ws.expect("message_created", WAIT, |f| f["message"]["id"] == one["id"])
        .await;
    // A cursor frame comes that is past "one": a sync from it no longer serves it.
    let mut cursor = String::new();
    let (mut resyncs, deadline) = (0, tokio::time::Instant::now() + CHECKPOINT_WAIT);
    while tokio::time::Instant::now() < deadline {
        let f = next_cursor_or_resync(&mut ws).await;
        if f["type"] == "resync" {
            // The sync stopped short of where the socket's live stream is whole (a sync ends
            // below transactions still open anywhere in the cluster, as other tests' are on a
            // busy machine): as a client does, sync again and say where that ended.
            resyncs += 1;
            assert!(
                resyncs <= 5,
                "resync after resync: a sync never covers its band"
            );
            let (_, end) = sync_all(&stack, &token, &synced_to).await;
            ws.send_json(&json!({"type": "synced", "cursor": end}))
                .await;
            synced_to = end;
            // A resync leaves nothing for a cursor frame to report: the next event does.
            stack.send(&bob_token, &room, "more").await;
            continue;
        }
        cursor = f["cursor"].as_str().expect("a cursor").to_owned();
        if !serves(&sync_all(&stack, &token, &cursor).await.0, &one) {
            break;
        }
        // Not yet past it: the next event moves it again.
        stack.send(&bob_token, &room, "more").await;
    }
    assert!(!cursor.is_empty(), "no cursor frame came");
    assert!(
        !serves(&sync_all(&stack, &token, &cursor).await.0, &one),
        "no cursor frame got past what came live"
    );
    // Away for a while: a sync from the last cursor frame serves what was missed, and only that.
    drop(ws);
    let two = stack.send(&bob_token, &room, "two").await;
    let (events, _) = sync_all(&stack, &token, &cursor).await;
    assert!(serves(&events, &two));
    assert!(!serves(&events, &one));
    // A `synced` frame with a made-up cursor gets a clear error; the socket stays.
    let mut ws = stack.socket(0, &token).await;
    ws.send_json(&json!({"type": "synced", "cursor": "not-a-cursor"}))
        .await;
    ws.expect("error", WAIT, |f| f["code"] == "validation_failed")
        .await;
    ws.send_json(&json!({"type": "ping"})).await;
    ws.expect("pong", WAIT, |_| true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_published_before_a_socket_but_after_its_cursor_is_synced_not_skipped() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&token, bob).await;
    let mut bob_ws = stack.socket(0, &bob_token).await;
    // A writer of events is running (it has an xid): the log's head stays below it.
    let mut writer = stack.db.conn().await;
    writer
        .batch_execute("BEGIN; SELECT outbox_writer(); SELECT pg_current_xact_id();")
        .await
        .unwrap();
    // Bob's message commits after it began and is published (Bob has it live) before Alice's
    // socket opens: her `hello` cursor is below it, and it never comes live to her.
    let missed = stack.send(&bob_token, &room, "before your socket").await;
    bob_ws
        .expect("message_created", WAIT, |f| {
            f["message"]["id"] == missed["id"]
        })
        .await;
    let (mut ws, hello) = stack.socket_hello(0, &token).await;
    writer.batch_execute("COMMIT").await.unwrap();
    // Her client never says it synced. The next event makes her socket due a cursor frame: it
    // must first be asked to sync (a cursor past "before your socket" would lose it for good).
    stack.send(&bob_token, &room, "after").await;
    let first = next_cursor_or_resync(&mut ws).await;
    assert_eq!(first["type"], "resync", "{first}");
    let (events, end) = sync_all(&stack, &token, hello["cursor"].as_str().unwrap()).await;
    assert!(serves(&events, &missed), "the sync serves it");
    // From then on her cursor moves on.
    ws.send_json(&json!({"type": "synced", "cursor": end}))
        .await;
    stack.send(&bob_token, &room, "later").await;
    let next = next_cursor_or_resync(&mut ws).await;
    assert_eq!(next["type"], "cursor", "{next}");
}
