//! A pin reaches every member's sockets live, and a deleted pinned message is unpinned for all.

use chat_e2e::stack::{Stack, WAIT};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_and_the_unpin_of_a_deleted_message_reach_every_member_live() {
    let stack = Stack::start(2).await;
    let (alice_id, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let room = stack.group(&alice, "plans", &[bob_id]).await;
    let message = stack.send(&bob, &room, "meet at 6").await;
    let mut a = stack.socket(0, &alice).await;
    let mut b = stack.socket(1, &bob).await;

    let call = |method: Method, path: String, token: &str| {
        let req = stack
            .rooms
            .client
            .request(method, stack.rooms.url(&path))
            .bearer_auth(token);
        stack.rooms.send(req)
    };
    let pinned = call(Method::PUT, format!("/api/rooms/{room}/pins/1"), &alice).await;
    assert_eq!(pinned.status, 200, "{:?}", pinned.body);
    for ws in [&mut a, &mut b] {
        let f = ws
            .expect("pins_changed", WAIT, |f| f["pinned"] == true)
            .await;
        assert_eq!(f["message_id"], message["id"]);
        assert_eq!(
            (f["seq"].clone(), f["by"].clone()),
            (json!(1), json!(alice_id))
        );
    }
    let deleted = call(
        Method::DELETE,
        format!("/api/rooms/{room}/messages/1"),
        &bob,
    )
    .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    for ws in [&mut a, &mut b] {
        let f = ws
            .expect("pins_changed", WAIT, |f| f["pinned"] == false)
            .await;
        assert_eq!(f["by"], json!(bob_id));
    }
    let list = stack
        .rooms
        .get(&format!("/api/rooms/{room}/pins"), Some(&alice))
        .await;
    assert_eq!(list.body["pins"], json!([]));
}
