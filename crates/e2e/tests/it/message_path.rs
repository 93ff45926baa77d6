//! The path of a message through every service.

use chat_e2e::stack::{Stack, WAIT, send_frame};
use diesel_async::RunQueryDsl;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_over_the_socket_is_acked_delivered_live_stored_and_seen_by_the_notifier() {
    let stack = Stack::start(1).await;
    let (_alice, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut a = stack.socket(0, &alice_token).await;
    let mut b = stack.socket(0, &bob_token).await;

    a.send_json(&send_frame(&room, "m-1", "hello bob")).await;
    let ack = a.expect("ack", WAIT, |f| f["client_msg_id"] == "m-1").await;
    assert_eq!(ack["message"]["seq"], 1);
    assert_eq!(ack["message"]["body"], "hello bob");
    let live = b.expect("message_created", WAIT, |_| true).await;
    assert_eq!(live["room_id"], room.as_str());
    assert_eq!(live["seq"], 1);
    assert_eq!(live["message"]["id"], ack["message"]["id"]);

    let history = stack
        .rooms
        .get(&format!("/api/rooms/{room}/messages"), Some(&bob_token))
        .await;
    assert_eq!(history.body["messages"][0]["body"], "hello bob");

    // Bob was online, so the notifier had nobody to tell (and needs no write for that). Once
    // his socket is closed (and the gateway's presence writer has recorded it), the next
    // message is folded into his digest, with the event id recorded in the same transaction.
    drop(b);
    let url = stack.db.url.clone();
    let count = |sql: &'static str| {
        let url = url.clone();
        async move {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn =
                <chat_db::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&url)
                    .await
                    .ok()?;
            let row: N = diesel::sql_query(sql).get_result(&mut conn).await.ok()?;
            Some(row.n)
        }
    };
    let gone = chat_testkit::eventually(WAIT, || async {
        (count("SELECT count(*) AS n FROM ws_sessions").await? == 1).then_some(())
    })
    .await;
    assert!(gone.is_some(), "bob's closed socket left presence");
    a.send_json(&send_frame(&room, "m-2", "are you there?"))
        .await;
    a.expect("ack", WAIT, |f| f["client_msg_id"] == "m-2").await;
    // It records the event id only in the transaction that folds a digest (sent and deleted
    // after the test config's 2 s window, so the lasting trace is the record).
    let acted = chat_testkit::eventually(WAIT, || async {
        let n = count("SELECT count(*) AS n FROM processed_events").await?;
        (n >= 1).then_some(n)
    })
    .await;
    assert!(
        acted.is_some(),
        "the notifier records the event it acted on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_client_msg_id_gets_the_same_ack_and_no_second_message() {
    let stack = Stack::start(1).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, _) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut a = stack.socket(0, &alice_token).await;
    a.send_json(&send_frame(&room, "dup", "once")).await;
    let first = a.expect("ack", WAIT, |_| true).await;
    a.send_json(&send_frame(&room, "dup", "once")).await;
    let second = a.expect("ack", WAIT, |_| true).await;
    assert_eq!(first["message"]["id"], second["message"]["id"]);
    let history = stack
        .rooms
        .get(&format!("/api/rooms/{room}/messages"), Some(&alice_token))
        .await;
    assert_eq!(history.body["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_created_while_connected_delivers_at_once() {
    let stack = Stack::start(1).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let mut a = stack.socket(0, &alice_token).await;
    let mut b = stack.socket(0, &bob_token).await;
    let room = stack.direct(&alice_token, bob).await;
    b.expect("room_created", WAIT, |f| f["room_id"] == room.as_str())
        .await;
    a.expect("room_created", WAIT, |f| f["room_id"] == room.as_str())
        .await;
    a.send_json(&send_frame(&room, "n-1", "new room")).await;
    let live = b.expect("message_created", WAIT, |_| true).await;
    assert_eq!(live["message"]["body"], "new room");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_two_gateway_instances_chat_and_see_typing_and_receipts() {
    let stack = Stack::start(2).await;
    let (alice, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut a = stack.socket(0, &alice_token).await;
    let mut b = stack.socket(1, &bob_token).await;
    a.send_json(&send_frame(&room, "x-1", "across instances"))
        .await;
    let live = b.expect("message_created", WAIT, |_| true).await;
    assert_eq!(live["message"]["body"], "across instances");
    b.send_json(&json!({"type": "typing", "room_id": room}))
        .await;
    let typing = a.expect("typing", WAIT, |_| true).await;
    assert_eq!(typing["user_id"], bob.to_string());
    b.send_json(&json!({"type": "read", "room_id": room, "seq": 1}))
        .await;
    let read = a
        .expect("read", WAIT, |f| f["user_id"] == bob.to_string().as_str())
        .await;
    assert_eq!(read["seq"], 1);
    let _ = alice;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_reaches_the_other_members_but_not_the_typist_or_outsiders() {
    let stack = Stack::start(1).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let (_, eve_token) = stack.user("eve").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut a = stack.socket(0, &alice_token).await;
    let mut b = stack.socket(0, &bob_token).await;
    let mut e = stack.socket(0, &eve_token).await;
    a.send_json(&json!({"type": "typing", "room_id": room}))
        .await;
    b.expect("typing", WAIT, |_| true).await;
    // The typist and outsiders are not told.
    a.expect_none("typing", Duration::from_millis(500)).await;
    e.expect_none("typing", Duration::from_millis(200)).await;
    e.send_json(&json!({"type": "typing", "room_id": room}))
        .await;
    let refused = e.expect("error", WAIT, |_| true).await;
    assert_eq!(refused["code"], "not_found");
    // Outsiders cannot type into a room.
    b.expect_none("typing", Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_to_a_room_one_is_not_in_fail_with_an_error_frame() {
    let stack = Stack::start(1).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, _) = stack.user("bob").await;
    let (_, eve_token) = stack.user("eve").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut e = stack.socket(0, &eve_token).await;
    e.send_json(&send_frame(&room, "sneaky", "let me in")).await;
    let err = e.expect("error", WAIT, |_| true).await;
    assert_eq!(err["code"], "not_found");
    assert_eq!(err["client_msg_id"], "sneaky");
}
