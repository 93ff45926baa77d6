//! Ending sessions reaches every service at once: after a password change, "log out
//! everywhere" or a deactivation, the other sessions' sockets close on every gateway and their
//! access tokens are refused by rooms and auth, long before they expire.

use chat_e2e::stack::{Stack, WAIT, send_frame};
use chat_testkit::{TEST_ORIGIN, WsClient};
use serde_json::{Value, json};

async fn login(stack: &Stack, name: &str, password: &str) -> String {
    let reply = stack
        .auth
        .post(
            "/api/auth/login",
            None,
            &json!({"login": name, "password": password}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_closes_the_other_sessions_sockets_and_refuses_their_tokens() {
    let stack = Stack::start(2).await;
    let (_, here) = stack.user("sasha").await;
    let (peer, _) = stack.user("peer").await;
    let room = stack.direct(&here, peer).await;
    let phone = login(&stack, "sasha", "correct horse").await;
    let laptop = login(&stack, "sasha", "correct horse").await;
    let mut this_tab = stack.socket(0, &here).await;
    let mut on_phone = stack.socket(0, &phone).await;
    let mut on_laptop = stack.socket(1, &laptop).await;
    assert_eq!(
        stack.rooms.get("/api/rooms", Some(&phone)).await.status,
        200
    );

    let changed = stack
        .auth
        .post(
            "/api/users/me/password",
            Some(&here),
            &json!({"current_password": "correct horse", "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);

    // Both other sessions' sockets close, on either gateway, with "no valid credentials".
    for socket in [&mut on_phone, &mut on_laptop] {
        let closed = socket.expect_close(WAIT).await;
        assert_eq!(closed.code, 4003, "{closed:?}");
        assert!(closed.reason.contains("session was ended"), "{closed:?}");
    }
    // Their tokens are refused everywhere: rooms, auth, and a new socket.
    let refused = chat_testkit::eventually(WAIT, async || {
        let reply = stack.rooms.get("/api/rooms", Some(&phone)).await;
        (reply.status == 401).then_some(reply.body)
    })
    .await
    .expect("rooms refuses the revoked session's token");
    assert_eq!(
        refused["error"]["message"],
        "the session was ended: log in again"
    );
    assert_eq!(
        stack.auth.get("/api/users/me", Some(&laptop)).await.status,
        401
    );
    for gateway in &stack.gateways {
        let upgrade = WsClient::connect(gateway, Some(&phone), Some(TEST_ORIGIN)).await;
        assert_eq!(upgrade.err(), Some(401));
    }

    // The session that changed the password goes on: its socket still sends and receives.
    this_tab
        .send_json(&send_frame(&room, "after", "still here"))
        .await;
    let ack: Value = this_tab.expect("ack", WAIT, |_| true).await;
    assert_eq!(ack["client_msg_id"], "after");
    assert_eq!(stack.rooms.get("/api/rooms", Some(&here)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_everywhere_closes_every_socket_including_this_one() {
    let stack = Stack::start(1).await;
    let (_, first) = stack.user("lou").await;
    let second = login(&stack, "lou", "correct horse").await;
    let mut a = stack.socket(0, &first).await;
    let mut b = stack.socket(0, &second).await;
    let out = stack
        .auth
        .post("/api/auth/logout-all", Some(&first), &json!({}))
        .await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    assert_eq!(a.expect_close(WAIT).await.code, 4003);
    assert_eq!(b.expect_close(WAIT).await.code, 4003);
    let refused = chat_testkit::eventually(WAIT, async || {
        (stack.rooms.get("/api/rooms", Some(&first)).await.status == 401).then_some(())
    })
    .await;
    assert!(refused.is_some(), "rooms still takes the token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_accounts_sockets_close_and_its_tokens_are_refused() {
    use diesel_async::RunQueryDsl;
    let stack = Stack::start(2).await;
    let (boss, admin) = stack.user("boss").await;
    // Made an admin in the database: auth reads the role from there, not from the token.
    let mut conn = stack.db.conn().await;
    diesel::sql_query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(boss)
        .execute(&mut conn)
        .await
        .unwrap();
    let (dora, first) = stack.user("dora").await;
    let second = login(&stack, "dora", "correct horse").await;
    let mut a = stack.socket(0, &first).await;
    let mut b = stack.socket(1, &second).await;
    let off = stack
        .auth
        .post(
            &format!("/api/admin/users/{dora}/deactivate"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(off.status, 200, "{:?}", off.body);
    assert_eq!(a.expect_close(WAIT).await.code, 4003);
    assert_eq!(b.expect_close(WAIT).await.code, 4003);
    for token in [&first, &second] {
        let refused = chat_testkit::eventually(WAIT, async || {
            (stack.rooms.get("/api/rooms", Some(token)).await.status == 401).then_some(())
        })
        .await;
        assert!(
            refused.is_some(),
            "rooms still takes a deactivated account's token"
        );
    }
    // The admin's own session is not touched.
    assert_eq!(
        stack.rooms.get("/api/rooms", Some(&admin)).await.status,
        200
    );
}
