//! Reactions reach every member's sockets live, on every gateway, and a socket that was away
//! finds them in the sync log.

use chat_e2e::stack::{Stack, WAIT};
use reqwest::Method;
use serde_json::{Value, json};

async fn react(stack: &Stack, method: Method, token: &str, room: &str, seq: i64) -> Value {
    let req = stack
        .rooms
        .client
        .request(
            method,
            stack.rooms.url(&format!(
                "/api/rooms/{room}/messages/{seq}/reactions/%F0%9F%91%8D"
            )),
        )
        .bearer_auth(token);
    let reply = stack.rooms.send(req).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_reaches_every_member_live_and_after_a_reconnect() {
    let stack = Stack::start(2).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let room = stack.direct(&alice, bob_id).await;
    let message = stack.send(&alice, &room, "lunch?").await;
    let (mut a, hello) = stack.socket_hello(0, &alice).await;
    let mut b = stack.socket(1, &bob).await;

    react(&stack, Method::PUT, &bob, &room, 1).await;
    for ws in [&mut a, &mut b] {
        let f = ws
            .expect("reactions_changed", WAIT, |f| f["version"] == 1)
            .await;
        assert_eq!(f["message_id"], message["id"]);
        assert_eq!(
            (f["user_id"].clone(), f["added"].clone()),
            (json!(bob_id), json!(true))
        );
        assert_eq!(
            f["reactions"],
            json!([{"emoji": "👍", "count": 1, "user_ids": [bob_id]}]),
            "the whole summary, without me: {f}"
        );
    }

    // Alice is away while bob takes it back; her sync from where she was finds it.
    drop(a);
    react(&stack, Method::DELETE, &bob, &room, 1).await;
    b.expect("reactions_changed", WAIT, |f| f["version"] == 2)
        .await;
    let page = stack
        .rooms
        .get(
            &format!(
                "/api/rooms/sync?cursor={}",
                hello["cursor"].as_str().unwrap()
            ),
            Some(&alice),
        )
        .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let changes: Vec<&Value> = page.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["payload"])
        .filter(|p| p["type"] == "reactions_changed")
        .collect();
    assert_eq!(changes.len(), 2, "{:?}", page.body);
    assert_eq!(changes[1]["version"], 2);
    assert_eq!(changes[1]["added"], false);
    assert_eq!(changes[1]["reactions"], json!([]));
}
