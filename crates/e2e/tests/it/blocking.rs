//! Blocking across the services: auth keeps the list, rooms refuses a direct chat between the
//! two and the blocked one adding the blocker to a group, and the notifier sends the blocker
//! nothing of the blocked one's messages.

use chat_e2e::stack::{Stack, WAIT};
use chat_testkit::FakeTelegram;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

async fn call(
    stack: &Stack,
    on_auth: bool,
    method: Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> chat_testkit::Reply {
    let http = if on_auth { &stack.auth } else { &stack.rooms };
    let mut req = http
        .client
        .request(method, http.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    http.send(req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_user_gets_no_direct_chat_cannot_add_the_blocker_and_notifies_nothing() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, 1).await;
    let (alice_id, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let (carol_id, carol) = stack.user("carol").await;
    stack.link_telegram(&telegram, &alice, 901).await;

    // Blocking: yourself is refused, an unknown user is 404, twice is once.
    let myself = call(
        &stack,
        true,
        Method::PUT,
        &format!("/api/users/{alice_id}/block"),
        &alice,
        None,
    )
    .await;
    assert_eq!(myself.status, 422, "{:?}", myself.body);
    let nobody = call(
        &stack,
        true,
        Method::PUT,
        &format!("/api/users/{}/block", Uuid::new_v4()),
        &alice,
        None,
    )
    .await;
    assert_eq!(nobody.status, 404, "{:?}", nobody.body);
    for _ in 0..2 {
        let blocked = call(
            &stack,
            true,
            Method::PUT,
            &format!("/api/users/{bob_id}/block"),
            &alice,
            None,
        )
        .await;
        assert_eq!(blocked.status, 204, "{:?}", blocked.body);
    }
    let list = call(
        &stack,
        true,
        Method::GET,
        "/api/users/me/blocks",
        &alice,
        None,
    )
    .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let listed: Vec<&str> = list.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [bob_id.to_string().as_str()]);

    // No direct chat, whoever asks.
    for (token, peer) in [(&bob, alice_id), (&alice, bob_id)] {
        let direct = call(
            &stack,
            false,
            Method::POST,
            "/api/rooms/direct",
            token,
            Some(json!({"user_id": peer})),
        )
        .await;
        assert_eq!(direct.status, 403, "{:?}", direct.body);
    }
    // Bob cannot put alice in a group, at creation or later; carol can, with bob in it.
    let with_alice = call(
        &stack,
        false,
        Method::POST,
        "/api/rooms",
        &bob,
        Some(json!({"kind": "group", "name": "bob's", "member_ids": [alice_id]})),
    )
    .await;
    assert_eq!(with_alice.status, 403, "{:?}", with_alice.body);
    let bobs = stack.group(&bob, "bob's", &[carol_id]).await;
    let add = call(
        &stack,
        false,
        Method::POST,
        &format!("/api/rooms/{bobs}/members"),
        &bob,
        Some(json!({"user_id": alice_id})),
    )
    .await;
    assert_eq!(add.status, 403, "{:?}", add.body);
    let carols = stack.group(&carol, "carol's", &[alice_id, bob_id]).await;

    // In carol's group: bob's message notifies alice of nothing, carol's does.
    stack.send(&bob, &carols, "from bob").await;
    stack.send(&carol, &carols, "from carol").await;
    let got = telegram.wait_for(901, 2, WAIT).await;
    assert_eq!(got.len(), 2, "alice got a digest: {got:?}");
    assert!(got[1].text.starts_with("1 new message"), "{}", got[1].text);
    assert!(
        got[1].text.contains("from carol") && !got[1].text.contains("bob"),
        "{}",
        got[1].text
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(telegram.sent_to(901).len(), 2, "and nothing of bob's");

    // Unblocked: the direct chat opens.
    let unblocked = call(
        &stack,
        true,
        Method::DELETE,
        &format!("/api/users/{bob_id}/block"),
        &alice,
        None,
    )
    .await;
    assert_eq!(unblocked.status, 204);
    let direct = call(
        &stack,
        false,
        Method::POST,
        "/api/rooms/direct",
        &bob,
        Some(json!({"user_id": alice_id})),
    )
    .await;
    assert_eq!(direct.status, 200, "{:?}", direct.body);
}

/// The unread count of `room` in `token`'s room list.
async fn unread(stack: &Stack, token: &str, room: &str) -> i64 {
    let list = call(stack, false, Method::GET, "/api/rooms", token, None).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .and_then(|r| r["unread"].as_i64())
        .unwrap_or_else(|| panic!("{room} not listed: {:?}", list.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_closes_an_open_direct_chat_and_hides_the_blocked_ones_messages_from_unread() {
    let stack = Stack::start(0).await;
    let (alice_id, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let (_, carol) = stack.user("carol").await;
    let direct = stack.direct(&alice, bob_id).await;
    stack.send(&bob, &direct, "before the block").await;
    let group = stack.group(&carol, "carol's", &[alice_id, bob_id]).await;
    let blocked = call(
        &stack,
        true,
        Method::PUT,
        &format!("/api/users/{bob_id}/block"),
        &alice,
        None,
    )
    .await;
    assert_eq!(blocked.status, 204, "{:?}", blocked.body);

    // The direct chat they already had takes nothing more, from either side.
    for (token, who) in [(&bob, "bob"), (&alice, "alice")] {
        let refused = call(
            &stack,
            false,
            Method::POST,
            &format!("/api/rooms/{direct}/messages"),
            token,
            Some(json!({"client_msg_id": Uuid::new_v4().to_string(), "body": who})),
        )
        .await;
        assert_eq!(refused.status, 403, "{who}: {:?}", refused.body);
        assert_eq!(
            refused.body["error"]["code"], "forbidden",
            "{:?}",
            refused.body
        );
    }
    // Nor a new reaction, from either side.
    for (token, who) in [(&bob, "bob"), (&alice, "alice")] {
        let refused = call(
            &stack,
            false,
            Method::PUT,
            &format!("/api/rooms/{direct}/messages/1/reactions/%F0%9F%91%8D"),
            token,
            None,
        )
        .await;
        assert_eq!(refused.status, 403, "{who}: {:?}", refused.body);
    }
    assert_eq!(
        unread(&stack, &alice, &direct).await,
        0,
        "bob's earlier message hidden too"
    );

    // In the group, bob's messages are not unread for alice; carol's are.
    let first = stack.send(&bob, &group, "bob one").await;
    stack.send(&bob, &group, "bob two").await;
    stack.send(&carol, &group, "carol").await;
    assert_eq!(unread(&stack, &alice, &group).await, 1);
    assert_eq!(unread(&stack, &bob, &group).await, 1, "bob blocked nobody");
    let read = call(
        &stack,
        false,
        Method::POST,
        &format!("/api/rooms/{group}/read"),
        &alice,
        Some(json!({"seq": first["seq"]})),
    )
    .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.body["unread"], 1, "{:?}", read.body);

    // Unblocked: the chat opens again and bob's messages count.
    let unblocked = call(
        &stack,
        true,
        Method::DELETE,
        &format!("/api/users/{bob_id}/block"),
        &alice,
        None,
    )
    .await;
    assert_eq!(unblocked.status, 204);
    stack.send(&alice, &direct, "after the block").await;
    assert_eq!(unread(&stack, &alice, &group).await, 2);
}
