//! The gateway's handshake, frames and ways of closing.

use chat_e2e::stack::{Stack, WAIT, send_frame};
use chat_testkit::{TEST_ORIGIN, WsClient, mint_token};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_origins_and_bad_tokens_are_refused_at_the_upgrade() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let url = &stack.gateways[0];
    assert_eq!(
        WsClient::connect(url, Some(&token), Some("https://evil.example"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        WsClient::connect(url, Some("garbage"), Some(TEST_ORIGIN))
            .await
            .err(),
        Some(401)
    );
    let expired = mint_token(Uuid::new_v4(), "x", -60);
    assert_eq!(
        WsClient::connect(url, Some(&expired), Some(TEST_ORIGIN))
            .await
            .err(),
        Some(401)
    );
    // Non-browser clients send no Origin and are let in.
    let mut ws = WsClient::connect(url, Some(&token), None)
        .await
        .expect("no Origin is fine");
    ws.expect("hello", WAIT, |_| true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_may_authenticate_with_its_first_frame_or_is_closed() {
    let stack = Stack::start(1).await;
    let (alice, token) = stack.user("alice").await;
    let mut ws = WsClient::connect(&stack.gateways[0], None, Some(TEST_ORIGIN))
        .await
        .unwrap();
    ws.send_json(&json!({"type": "auth", "token": token})).await;
    let hello = ws.expect("hello", WAIT, |_| true).await;
    assert_eq!(hello["user_id"], alice.to_string());

    let mut silent = WsClient::connect(&stack.gateways[0], None, Some(TEST_ORIGIN))
        .await
        .unwrap();
    let closed = silent.expect_close(WAIT).await;
    assert_eq!(closed.code, 4003);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_token_closes_the_socket_with_4001() {
    let stack = Stack::start(1).await;
    let (alice, _) = stack.user("alice").await;
    let short = mint_token(alice, "alice", 2);
    let mut ws = stack.socket(0, &short).await;
    let closed = ws.expect_close(WAIT).await;
    assert_eq!(closed.code, 4001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_token_on_the_open_socket_keeps_it_alive() {
    let stack = Stack::start(1).await;
    let (alice, _) = stack.user("alice").await;
    let mut ws = stack.socket(0, &mint_token(alice, "alice", 2)).await;
    ws.send_json(&json!({"type": "auth", "token": mint_token(alice, "alice", 60)}))
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    ws.send_json(&json!({"type": "ping"})).await;
    ws.expect("pong", WAIT, |_| true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_error_frames_and_pings_get_pongs() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let mut ws = stack.socket(0, &token).await;
    ws.send_text("{not json").await;
    assert_eq!(
        ws.expect("error", WAIT, |_| true).await["code"],
        "bad_frame"
    );
    ws.send_json(&json!({"type": "launch_rockets"})).await;
    assert_eq!(
        ws.expect("error", WAIT, |_| true).await["code"],
        "bad_frame"
    );
    ws.send_json(&json!({"type": "ping"})).await;
    ws.expect("pong", WAIT, |_| true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_of_text_the_database_refuses_gets_a_validation_error_not_internal() {
    let stack = Stack::start(1).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, _) = stack.user("bob").await;
    let room = stack.direct(&alice, bob_id).await;
    let mut ws = stack.socket(0, &alice).await;
    for (cid, body) in [("nul", "a\u{0}b"), ("blank", "\u{200B} \u{2060}")] {
        ws.send_json(&send_frame(&room, cid, body)).await;
        let refused = ws
            .expect("error", WAIT, |f| f["client_msg_id"] == cid)
            .await;
        assert_eq!(refused["code"], "validation_failed", "{refused}");
    }
    // The socket still works.
    ws.send_json(&send_frame(&room, "ok", "fine")).await;
    ws.expect("ack", WAIT, |f| f["client_msg_id"] == "ok").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frames_close_the_socket() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let mut ws = stack.socket(0, &token).await;
    ws.send_text(&"x".repeat(64 * 1024)).await;
    let closed = ws.expect_close(WAIT).await;
    assert_eq!(closed.code, 1009);
}

/// A masked client text frame's header declaring `len` bytes (mask 0: the payload as is).
fn text_header(len: u64) -> Vec<u8> {
    let mut h = vec![0x81, 0x80 | 127];
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&[0, 0, 0, 0]);
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_declaring_more_than_the_limit_is_refused_on_its_header() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    for declared in [64u64 << 20, 1 << 40] {
        let mut ws = stack.socket(0, &token).await;
        // The header and a little of the payload; the rest never comes, so a server that
        // waited for the whole frame before checking its size would never close.
        let mut bytes = text_header(declared);
        bytes.extend(std::iter::repeat_n(b'x', 4096));
        ws.send_raw(&bytes).await;
        let closed = ws.expect_close(WAIT).await;
        assert_eq!(closed.code, 1009, "declared {declared}: {closed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_that_is_not_utf8_closes_with_1007_and_a_bad_opcode_with_1002() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let mut ws = stack.socket(0, &token).await;
    ws.send_raw(&[0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe]).await;
    assert_eq!(ws.expect_close(WAIT).await.code, 1007);
    let mut ws = stack.socket(0, &token).await;
    // Opcode 3 is reserved.
    ws.send_raw(&[0x83, 0x80, 0, 0, 0, 0]).await;
    assert_eq!(ws.expect_close(WAIT).await.code, 1002);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flooding_the_gateway_gets_refusals_then_closes_the_socket_with_4008() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let mut ws = stack.socket(0, &token).await;
    // The budget is 30 a second with bursts of 60; 60 more are refused one by one, then the
    // socket ends.
    for _ in 0..300 {
        ws.send_json(&json!({"type": "ping"})).await;
    }
    let mut refused = 0;
    let closed = loop {
        match ws.next_json(WAIT).await {
            Some(Ok(f)) if f["type"] == "error" => {
                assert_eq!(f["code"], "rate_limited", "{f}");
                refused += 1;
            }
            Some(Ok(_)) => {}
            Some(Err(closed)) => break closed,
            None => panic!("neither refused nor closed"),
        }
    };
    assert_eq!(closed.code, 4008);
    assert!(
        refused >= 1,
        "each refused frame is answered before the cut-off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_rate_loses_only_the_frames_sent_too_fast_and_names_each_send() {
    let stack = Stack::start_with(1, |gw| {
        gw.frames_per_sec = 5;
        gw.frame_burst = 10;
    })
    .await;
    let (_, alice) = stack.user("alice").await;
    let (bob, _) = stack.user("bob").await;
    let room = stack.direct(&alice, bob).await;
    let mut ws = stack.socket(0, &alice).await;
    let ids: Vec<String> = (0..14).map(|i| format!("m{i}")).collect();
    for id in &ids {
        ws.send_json(&send_frame(&room, id, "quick")).await;
    }
    // Every send is answered once: acked, or refused with its own id.
    let mut answers = std::collections::BTreeMap::new();
    while answers.len() < ids.len() {
        match ws.next_json(WAIT).await {
            Some(Ok(f)) if f["type"] == "ack" || f["type"] == "error" => {
                let id = f["client_msg_id"]
                    .as_str()
                    .expect("answers name their send");
                let kind = if f["type"] == "ack" {
                    "ack"
                } else {
                    f["code"].as_str().unwrap()
                };
                assert!(
                    answers.insert(id.to_owned(), kind.to_owned()).is_none(),
                    "{f}"
                );
            }
            Some(Ok(_)) => {}
            Some(Err(closed)) => panic!("cut off by a burst within twice the budget: {closed:?}"),
            None => panic!("not every send was answered: {answers:?}"),
        }
    }
    let refused = answers.values().filter(|k| *k == "rate_limited").count();
    assert!((1..=4).contains(&refused), "{answers:?}");
    assert!(
        answers.values().all(|k| k == "ack" || k == "rate_limited"),
        "{answers:?}"
    );
    // The socket stays: once the bucket refills, frames are handled again.
    let pong = chat_testkit::eventually(WAIT, async || {
        ws.send_json(&json!({"type": "ping"})).await;
        match ws.next_json(Duration::from_millis(500)).await {
            Some(Ok(f)) if f["type"] == "pong" => Some(()),
            _ => None,
        }
    })
    .await;
    assert!(pong.is_some(), "the socket works again after the burst");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_per_user_and_per_address_are_capped() {
    let stack = Stack::start_with(1, |gw| gw.max_sockets_per_user = 2).await;
    let (_, token) = stack.user("alice").await;
    let url = &stack.gateways[0];
    let first = stack.socket(0, &token).await;
    let _second = stack.socket(0, &token).await;
    assert_eq!(
        WsClient::connect(url, Some(&token), Some(TEST_ORIGIN))
            .await
            .err(),
        Some(429),
        "a third socket of one user is refused"
    );
    let (_, bob) = stack.user("bob").await;
    let _bob = stack.socket(0, &bob).await;
    drop(first);
    let again = chat_testkit::eventually(WAIT, async || {
        WsClient::connect(url, Some(&token), Some(TEST_ORIGIN))
            .await
            .ok()
    })
    .await;
    assert!(again.is_some(), "a closed socket gives its place back");

    let stack = Stack::start_with(1, |gw| gw.max_sockets_per_address = 2).await;
    let (_, carol) = stack.user("carol").await;
    let (_, dave) = stack.user("dave").await;
    let _one = stack.socket(0, &carol).await;
    let _two = stack.socket(0, &dave).await;
    assert_eq!(
        WsClient::connect(&stack.gateways[0], Some(&dave), Some(TEST_ORIGIN))
            .await
            .err(),
        Some(429),
        "a third socket from one address is refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_gateway_closes_its_sockets_with_1012() {
    let stack = Stack::start(1).await;
    let (_, token) = stack.user("alice").await;
    let mut ws = stack.socket(0, &token).await;
    stack.stop_gateway(0);
    let closed = ws.expect_close(WAIT).await;
    assert_eq!(closed.code, 1012);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_follows_the_sockets() {
    let stack = Stack::start(1).await;
    let (alice, token) = stack.user("alice").await;
    let (_, bob_token) = stack.user("bob").await;
    let online = |expected: bool| {
        let auth = stack.auth.clone();
        let bob_token = bob_token.clone();
        async move {
            chat_testkit::eventually(WAIT, || {
                let auth = auth.clone();
                let bob_token = bob_token.clone();
                async move {
                    let reply = auth
                        .get(&format!("/api/users/{alice}"), Some(&bob_token))
                        .await;
                    (reply.body["online"] == expected).then_some(reply.body)
                }
            })
            .await
        }
    };
    assert!(online(false).await.is_some());
    let ws = stack.socket(0, &token).await;
    assert!(
        online(true).await.is_some(),
        "online while a socket is open"
    );
    drop(ws);
    let after = online(false)
        .await
        .expect("offline after the socket closes");
    assert!(
        after["last_seen_at"].is_string(),
        "last seen is kept: {after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_died_without_closing_is_reaped_and_its_users_go_offline() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let stack = Stack::start(1).await;
    let (alice, alice_token) = stack.user("alice").await;
    let (bob_id, bob_token) = stack.user("bob").await;
    stack.direct(&alice_token, bob_id).await;
    let mut bob = stack.socket(0, &bob_token).await;
    let dead = Uuid::new_v4();
    let mut conn = stack.db.conn().await;
    chat_db::presence::register_instance(&mut conn, dead)
        .await
        .unwrap();
    chat_db::presence::add_session(&mut conn, Uuid::new_v4(), dead, alice)
        .await
        .unwrap();
    {
        use chat_db::schema::gateway_instances::dsl::*;
        diesel::update(gateway_instances.find(dead))
            .set(heartbeat_at.eq(chrono_like_now_minus_secs(600)))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    // The live gateway heartbeats every second in tests and removes the dead one.
    let reaped = chat_testkit::eventually(WAIT, || {
        let url = stack.db.url.clone();
        async move {
            use chat_db::schema::gateway_instances::dsl::*;
            let mut conn =
                <chat_db::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&url)
                    .await
                    .ok()?;
            let left: i64 = gateway_instances
                .filter(id.eq(dead))
                .count()
                .get_result(&mut conn)
                .await
                .ok()?;
            (left == 0).then_some(())
        }
    })
    .await;
    assert!(reaped.is_some(), "the dead instance is removed");
    let status = chat_db::presence::status_of(&mut conn, &[alice], chrono_like_now_minus_secs(5))
        .await
        .unwrap();
    assert!(!status[&alice].online);
    assert!(
        status[&alice].last_seen_at.is_some(),
        "its users get a last seen"
    );
    // Who shares a room with them is told.
    let offline = bob
        .expect("presence", WAIT, |f| {
            f["user_id"] == alice.to_string().as_str() && f["online"] == false
        })
        .await;
    assert!(offline["last_seen_at"].is_string(), "{offline}");
}

fn chrono_like_now_minus_secs(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::seconds(secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_back_to_back_on_one_socket_are_stored_in_the_order_they_were_sent() {
    let stack = Stack::start(1).await;
    let (_, alice) = stack.user("alice").await;
    let (bob, _) = stack.user("bob").await;
    let room = stack.direct(&alice, bob).await;
    let mut ws = stack.socket(0, &alice).await;
    const N: usize = 25;
    // All written before the first ack can come back: each frame used to be handled on a task
    // of its own, and they raced for the room's next seq.
    for i in 0..N {
        ws.send_json(&json!({
            "type": "send", "room_id": room, "client_msg_id": Uuid::new_v4().to_string(),
            "body": format!("in order {i}"),
        }))
        .await;
    }
    let mut stored = Vec::new();
    while stored.len() < N {
        let ack = ws.expect("ack", WAIT, |_| true).await;
        let m = &ack["message"];
        stored.push((
            m["seq"].as_i64().unwrap(),
            m["body"].as_str().unwrap().to_owned(),
        ));
    }
    stored.sort();
    let bodies: Vec<String> = stored.into_iter().map(|(_, b)| b).collect();
    let sent: Vec<String> = (0..N).map(|i| format!("in order {i}")).collect();
    assert_eq!(bodies, sent, "seq order must be send order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rooms_outage_reaches_the_client_as_unavailable_without_internal_detail() {
    let stack = Stack::start_cuttable(1).await;
    let (alice, token) = stack.user("alice").await;
    let room = stack.direct(&token, alice).await;
    let mut ws = stack.socket(0, &token).await;
    let link = stack.rooms_link.as_ref().expect("a cuttable stack");
    link.down();
    let cid = Uuid::new_v4().to_string();
    let send = json!({"type": "send", "room_id": room, "client_msg_id": cid, "body": "hi"});
    ws.send_json(&send).await;
    let error = ws
        .expect("error", WAIT, |f| f["client_msg_id"] == cid.as_str())
        .await;
    assert_eq!(error["code"], "unavailable", "{error}");
    let message = error["message"].as_str().unwrap();
    for internal in ["127.0.0.1", "http", "/api/", "error sending request"] {
        assert!(
            !message.contains(internal),
            "{internal:?} leaked: {message}"
        );
    }
    // Back up, the client's retry of the same send is stored once.
    link.up();
    ws.send_json(&send).await;
    let ack = ws
        .expect("ack", WAIT, |f| f["client_msg_id"] == cid.as_str())
        .await;
    assert_eq!(ack["message"]["body"], "hi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_broker_reconnect_every_socket_is_told_to_resync_and_stays_open() {
    // The gateway reaches RabbitMQ through a proxy the test can cut (the rooms service's relay
    // does not: it goes on publishing).
    let proxy = chat_testkit::TcpProxy::start("127.0.0.1:5672").await;
    let amqp = chat_testkit::amqp_url().replace("127.0.0.1:5672", &proxy.addr.to_string());
    assert_ne!(
        amqp,
        chat_testkit::amqp_url(),
        "the test broker URL names 127.0.0.1:5672"
    );
    let stack = Stack::start_with(1, move |gw| {
        gw.common.amqp_url = chat_http::config::Secret::new(amqp.clone());
    })
    .await;
    let (_, token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&token, bob).await;
    let (mut ws, hello) = stack.socket_hello(0, &token).await;
    assert_eq!(hello["protocol"], 3);
    let cursor = hello["cursor"].as_str().unwrap().to_owned();
    let readyz = stack.gateways[0]
        .replace("ws://", "http://")
        .replace("/ws", "/readyz");
    let ready = async |want: bool| {
        chat_testkit::eventually(Duration::from_secs(30), async || {
            let status = reqwest::get(&readyz).await.ok()?.status();
            (status.is_success() == want).then_some(())
        })
        .await
    };
    // The broker goes away (the event queue, exclusive to the connection, with it) and comes
    // back: what was published meanwhile never reached this socket, so it must resync.
    proxy.down();
    assert!(
        ready(false).await.is_some(),
        "the gateway noticed the broker was gone"
    );
    // Meanwhile it takes no new socket (one would miss events): nginx passes the upgrade on
    // to another gateway.
    let refused = WsClient::connect(&stack.gateways[0], Some(&token), Some(TEST_ORIGIN)).await;
    assert_eq!(
        refused.err(),
        Some(503),
        "no socket while events cannot flow"
    );
    let missed = stack.send(&bob_token, &room, "while you were away").await;
    proxy.up();
    // The socket stays open and is told to sync, instead of being closed (1012) with all the
    // others at once.
    ws.expect("resync", Duration::from_secs(30), |_| true).await;
    assert!(ready(true).await.is_some());
    ws.send_json(&json!({"type": "ping"})).await;
    ws.expect("pong", WAIT, |_| true).await;
    // The sync from the hello's cursor serves what was missed.
    let synced = chat_testkit::eventually(WAIT, async || {
        let page = stack
            .rooms
            .get(&format!("/api/rooms/sync?cursor={cursor}"), Some(&token))
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        page.body["events"]
            .as_array()?
            .iter()
            .any(|e| e["payload"]["message"]["id"] == missed["id"])
            .then_some(())
    })
    .await;
    assert!(synced.is_some(), "the missed message is in the sync");
    // Live events flow again on the same socket.
    let after = stack.send(&bob_token, &room, "and now").await;
    let live = ws
        .expect("message_created", WAIT, |f| {
            f["message"]["id"] == after["id"]
        })
        .await;
    assert_eq!(live["message"]["body"], "and now");
    // A socket opened after the reconnect gets no resync.
    let mut again = stack.socket(0, &token).await;
    again.send_json(&json!({"type": "ping"})).await;
    again.expect("pong", WAIT, |_| true).await;
}
