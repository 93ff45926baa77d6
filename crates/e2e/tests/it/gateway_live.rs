//! What the gateway keeps live beyond messages: presence with its grace period, unread counts
//! on every device, resync after a disconnect, membership changes, and slow clients.

use chat_e2e::stack::{Stack, WAIT, send_frame};
use chat_testkit::{EventTap, TEST_ORIGIN, WsClient, publish_pack};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

fn is_presence_of(user: Uuid, online: bool) -> impl Fn(&Value) -> bool {
    move |f| f["user_id"] == user.to_string().as_str() && f["online"] == online
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_reaches_who_shares_a_room_and_offline_waits_for_the_grace_period() {
    let stack = Stack::start(2).await;
    let (alice, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let (_, eve_token) = stack.user("eve").await;
    stack.direct(&alice_token, bob).await;
    let mut b = stack.socket(1, &bob_token).await;
    let mut e = stack.socket(1, &eve_token).await;

    let a = stack.socket(0, &alice_token).await;
    let online = b
        .expect("presence", WAIT, is_presence_of(alice, true))
        .await;
    assert!(online["last_seen_at"].is_null());
    drop(a);
    // The grace period (1 s in tests) passes before anyone hears she left.
    b.expect_none_where(
        "presence",
        Duration::from_millis(600),
        is_presence_of(alice, false),
    )
    .await;
    let offline = b
        .expect("presence", WAIT, is_presence_of(alice, false))
        .await;
    assert!(offline["last_seen_at"].is_string(), "{offline}");
    // Eve shares no room with Alice: she hears nothing of her.
    e.expect_none("presence", Duration::from_millis(200)).await;

    // A reload within the grace period never shows her offline.
    let a = stack.socket(0, &alice_token).await;
    b.expect("presence", WAIT, is_presence_of(alice, true))
        .await;
    drop(a);
    let _a = stack.socket(1, &alice_token).await;
    b.expect_none_where(
        "presence",
        Duration::from_millis(2500),
        is_presence_of(alice, false),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_of_a_reader_gets_its_unread_count_and_the_sender_hears_read_by_all() {
    let stack = Stack::start(2).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut a = stack.socket(0, &alice_token).await;
    let mut phone = stack.socket(0, &bob_token).await;
    let mut laptop = stack.socket(1, &bob_token).await;
    for n in 1..=3 {
        a.send_json(&send_frame(&room, &format!("u-{n}"), &format!("m{n}")))
            .await;
        a.expect("ack", WAIT, |_| true).await;
    }
    for device in [&mut phone, &mut laptop] {
        device
            .expect("message_created", WAIT, |f| f["seq"] == 3)
            .await;
    }
    phone
        .send_json(&json!({"type": "read", "room_id": room, "seq": 2}))
        .await;
    for device in [&mut phone, &mut laptop] {
        let unread = device.expect("unread", WAIT, |_| true).await;
        assert_eq!(unread["room_id"], room.as_str());
        assert_eq!(unread["last_read_seq"], 2);
        assert_eq!(unread["unread"], 1);
    }
    // Alice sees the receipt and, since everyone has now read up to 2, "read by all".
    let read = a
        .expect("read", WAIT, |f| f["user_id"] == bob.to_string().as_str())
        .await;
    assert_eq!(read["seq"], 2);
    let all = a.expect("read_by_all", WAIT, |_| true).await;
    assert_eq!(all["seq"], 2);
    // Alice gets no unread count for Bob's read.
    a.expect_none("unread", Duration::from_millis(300)).await;
}

/// A client's view: messages by seq, filled from live frames and from sync pages.
fn take_message(seen: &mut BTreeMap<i64, String>, duplicates: &mut usize, frame: &Value) {
    let seq = frame["seq"].as_i64().expect("seq");
    let body = frame["message"]["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if seen.insert(seq, body).is_some() {
        *duplicates += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reconnects_gets_everything_it_missed_in_order_once() {
    let stack = Stack::start(2).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut b = stack.socket(1, &bob_token).await;
    let (mut a, hello) = stack.socket_hello(0, &alice_token).await;
    let mut cursor = hello["cursor"]
        .as_str()
        .expect("hello carries a cursor")
        .to_owned();
    let mut seen = BTreeMap::new();
    let mut live_duplicates = 0;

    for n in 1..=2 {
        b.send_json(&send_frame(&room, &format!("b-{n}"), &format!("m{n}")))
            .await;
        let live = a.expect("message_created", WAIT, |f| f["seq"] == n).await;
        take_message(&mut seen, &mut live_duplicates, &live);
    }
    drop(a);
    for n in 3..=7 {
        b.send_json(&send_frame(&room, &format!("b-{n}"), &format!("m{n}")))
            .await;
        b.expect("ack", WAIT, |f| f["message"]["seq"] == n).await;
    }

    // Reconnect, then sync from the cursor of the first hello until the missed messages are
    // all there. `has_more: false` means nothing more *now*: a transaction still running
    // anywhere in the cluster (another test's) may hold the log's horizon back for a moment,
    // and a client that has not seen what it knows it missed (a gap in `seq`) syncs again.
    let (mut a, hello) = stack.socket_hello(1, &alice_token).await;
    assert_ne!(hello["instance_id"], Value::Null);
    let mut synced = 0;
    let caught_up = chat_testkit::eventually(WAIT, async || {
        loop {
            let page = stack
                .rooms
                .get(
                    &format!("/api/rooms/sync?cursor={cursor}&limit=3"),
                    Some(&alice_token),
                )
                .await;
            assert_eq!(page.status, 200, "{:?}", page.body);
            assert_eq!(page.body["reset"], false);
            for event in page.body["events"].as_array().unwrap() {
                if event["payload"]["type"] == "message_created" {
                    let frame = json!({"seq": event["payload"]["message"]["seq"], "message": event["payload"]["message"]});
                    // Sync may repeat what was seen live; a client keys messages by seq.
                    let mut ignored = 0;
                    take_message(&mut seen, &mut ignored, &frame);
                    synced += 1;
                }
            }
            cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
            if page.body["has_more"] == false {
                break;
            }
        }
        ((3..=7).all(|n| seen.contains_key(&n))).then_some(())
    })
    .await;
    assert!(
        caught_up.is_some() && synced >= 5,
        "the five missed messages came from sync ({synced})"
    );
    b.send_json(&send_frame(&room, "b-8", "m8")).await;
    let live = a.expect("message_created", WAIT, |f| f["seq"] == 8).await;
    take_message(&mut seen, &mut live_duplicates, &live);

    assert_eq!(live_duplicates, 0, "no message arrived live twice");
    let expected: BTreeMap<i64, String> = (1..=8).map(|n| (n, format!("m{n}"))).collect();
    assert_eq!(seen, expected, "every message, in order, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_changes_reach_the_members_and_move_subscriptions() {
    let stack = Stack::start(2).await;
    let (_, owner_token) = stack.user("olga").await;
    let (carl, carl_token) = stack.user("carl").await;
    let (dina, dina_token) = stack.user("dina").await;
    let created = stack
        .rooms
        .post(
            "/api/rooms",
            Some(&owner_token),
            &json!({"kind": "group", "name": "crew", "member_ids": [dina]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let room = created.body["id"].as_str().unwrap().to_owned();
    let mut o = stack.socket(0, &owner_token).await;
    let mut c = stack.socket(1, &carl_token).await;
    let mut d = stack.socket(1, &dina_token).await;

    // Carl is added: he and the members hear it, and he gets the room's messages from now on.
    let added = stack
        .rooms
        .post(
            &format!("/api/rooms/{room}/members"),
            Some(&owner_token),
            &json!({"user_id": carl}),
        )
        .await;
    assert!(added.status < 300, "{:?}", added.body);
    for socket in [&mut c, &mut d, &mut o] {
        let joined = socket.expect("member_joined", WAIT, |_| true).await;
        assert_eq!(joined["user_id"], carl.to_string().as_str());
    }
    o.send_json(&send_frame(&room, "o-1", "welcome")).await;
    let live = c.expect("message_created", WAIT, |_| true).await;
    assert_eq!(live["message"]["body"], "welcome");

    // Carl is kicked: he hears it once more, then nothing of the room.
    let kicked = stack
        .rooms
        .client
        .delete(
            stack
                .rooms
                .url(&format!("/api/rooms/{room}/members/{carl}")),
        )
        .bearer_auth(&owner_token);
    let kicked = stack.rooms.send(kicked).await;
    assert!(kicked.status < 300, "{:?}", kicked.body);
    c.expect("member_left", WAIT, |f| {
        f["user_id"] == carl.to_string().as_str()
    })
    .await;
    d.expect("member_left", WAIT, |f| {
        f["user_id"] == carl.to_string().as_str()
    })
    .await;
    o.send_json(&send_frame(&room, "o-2", "after carl")).await;
    d.expect("message_created", WAIT, |f| f["seq"] == 2).await;
    c.expect_none("message_created", Duration::from_millis(500))
        .await;
    c.send_json(&json!({"type": "typing", "room_id": room}))
        .await;
    assert_eq!(c.expect("error", WAIT, |_| true).await["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_cut_off_without_delaying_the_others() {
    // Big messages and a short queue, so the stalled socket backs up quickly.
    let stack = Stack::start_tuned(
        1,
        |rooms| rooms.max_body_chars = 60_000,
        |gw| gw.outbound_queue = 8,
    )
    .await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let (slow, slow_token) = stack.user("slow").await;
    let created = stack
        .rooms
        .post(
            "/api/rooms",
            Some(&alice_token),
            &json!({"kind": "group", "name": "busy", "member_ids": [bob, slow]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let room = created.body["id"].as_str().unwrap().to_owned();
    let mut b = stack.socket(0, &bob_token).await;
    let _stalled = WsClient::connect_stalled(&stack.gateways[0], &slow_token, TEST_ORIGIN).await;
    b.expect("presence", WAIT, is_presence_of(slow, true)).await;

    // 200 messages of 50 kB: 10 MB, far more than the socket buffers of the stalled client.
    let body = "x".repeat(50_000);
    let total = 200;
    let started = std::time::Instant::now();
    let sender = {
        let rooms = stack.rooms.clone();
        let (room, token, body) = (room.clone(), alice_token.clone(), body.clone());
        tokio::spawn(async move {
            for n in 0..total {
                let reply = rooms
                    .post(
                        &format!("/api/rooms/{room}/messages"),
                        Some(&token),
                        &json!({"client_msg_id": format!("big-{n}"), "body": body}),
                    )
                    .await;
                assert_eq!(reply.status, 201, "{:?}", reply.status);
            }
        })
    };
    // Bob gets every message, in order, while the stalled socket is cut off, and hears that
    // it went offline: that notice comes whenever the cut-off happens, so it is looked for
    // among the messages, not only after them (a frame read while waiting for another is
    // gone).
    let (mut next, mut offline) = (1, false);
    while next <= total || !offline {
        let frame = match b.next_json(WAIT).await {
            Some(Ok(frame)) => frame,
            other => panic!(
                "waiting for message {next} (offline seen: {offline}), got {:?}",
                other.map(|f| f.map(|_| ()))
            ),
        };
        if frame["type"] == "message_created" {
            assert_eq!(frame["seq"], next, "messages arrive in order, each once");
            assert_eq!(
                frame["message"]["body"].as_str().map(str::len),
                Some(50_000)
            );
            next += 1;
        } else if frame["type"] == "presence" && is_presence_of(slow, false)(&frame) {
            offline = true;
        }
    }
    sender.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_is_rate_limited_per_room() {
    let stack = Stack::start(1).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut a = stack.socket(0, &alice_token).await;
    let mut b = stack.socket(0, &bob_token).await;
    for _ in 0..5 {
        a.send_json(&json!({"type": "typing", "room_id": room}))
            .await;
    }
    b.expect("typing", WAIT, |_| true).await;
    // The other four fell within the 2 s window: no more notices for now.
    b.expect_none("typing", Duration::from_millis(1200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_is_throttled_per_user_and_room_not_per_socket() {
    let stack = Stack::start(1).await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut b = stack.socket(0, &bob_token).await;
    // Five tabs of alice's, each typing once: one notice, not five.
    let mut tabs = vec![];
    for _ in 0..5 {
        tabs.push(stack.socket(0, &alice_token).await);
    }
    for tab in &mut tabs {
        tab.send_json(&json!({"type": "typing", "room_id": room}))
            .await;
    }
    b.expect("typing", WAIT, |_| true).await;
    b.expect_none("typing", Duration::from_millis(1200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_reconnecting_within_the_grace_period_is_not_announced_online_again() {
    let stack = Stack::start_with(1, |gw| gw.presence_grace_secs = 30).await;
    let (alice, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    stack.direct(&alice_token, bob).await;
    let mut b = stack.socket(0, &bob_token).await;
    let a = stack.socket(0, &alice_token).await;
    b.expect("presence", WAIT, is_presence_of(alice, true))
        .await;
    drop(a);
    // A reconnect loop: every socket is alice's first here, but she never went offline.
    for _ in 0..3 {
        drop(stack.socket(0, &alice_token).await);
    }
    b.expect_none_where(
        "presence",
        Duration::from_secs(2),
        is_presence_of(alice, true),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_peers_are_dropped_and_live_idle_ones_are_kept() {
    let stack = Stack::start_with(1, |gw| {
        gw.ping_secs = 1;
        gw.idle_timeout_secs = 2;
    })
    .await;
    let (_, alice_token) = stack.user("alice").await;
    let (dead, dead_token) = stack.user("dead").await;
    stack.direct(&alice_token, dead).await;
    // A client that reads (and so answers pings) but sends nothing stays, well past the idle
    // timeout.
    let mut a = stack.socket(0, &alice_token).await;
    // A peer that never answers pings: its socket is dropped, and it goes offline.
    let _stalled = WsClient::connect_stalled(&stack.gateways[0], &dead_token, TEST_ORIGIN).await;
    a.expect("presence", WAIT, is_presence_of(dead, true)).await;
    a.expect("presence", WAIT, is_presence_of(dead, false))
        .await;
    a.expect_none("nothing", Duration::from_secs(3)).await;
    a.send_json(&json!({"type": "ping"})).await;
    a.expect("pong", WAIT, |_| true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_display_name_reaches_who_shares_a_room_and_my_other_devices_once() {
    let stack = Stack::start(2).await;
    let (alice, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let (_, eve_token) = stack.user("eve").await;
    // Bob shares two rooms with Alice: he still hears of it once per socket.
    stack.direct(&alice_token, bob).await;
    stack.group(&alice_token, "Two rooms", &[bob]).await;
    let mut b = stack.socket(1, &bob_token).await;
    let mut e = stack.socket(0, &eve_token).await;
    let mut other_device = stack.socket(0, &alice_token).await;

    let renamed = stack
        .auth
        .patch(
            "/api/users/me",
            Some(&alice_token),
            &json!({"display_name": "Alice Liddell"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let is_alice = move |f: &Value| f["user_id"] == alice.to_string().as_str();
    let frame = b.expect("user_renamed", WAIT, is_alice).await;
    assert_eq!(frame["display_name"], "Alice Liddell");
    b.expect_none("user_renamed", Duration::from_millis(500))
        .await;
    let mine = other_device.expect("user_renamed", WAIT, is_alice).await;
    assert_eq!(mine["display_name"], "Alice Liddell");
    e.expect_none("user_renamed", Duration::from_millis(200))
        .await;

    // Saving the same name again announces nothing.
    let same = stack
        .auth
        .patch(
            "/api/users/me",
            Some(&alice_token),
            &json!({"display_name": "Alice Liddell"}),
        )
        .await;
    assert_eq!(same.status, 200);
    b.expect_none("user_renamed", Duration::from_millis(1000))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_of_a_pack_reaches_the_sockets_in_order() {
    let stack = Stack::start(1).await;
    let exchange = stack.notifier_config.common.exchange.clone();
    let mut tap = EventTap::new(&exchange, "room.message.created").await;
    let (_, alice_token) = stack.user("alice").await;
    let (bob, bob_token) = stack.user("bob").await;
    let room = stack.direct(&alice_token, bob).await;
    let mut b = stack.socket(0, &bob_token).await;
    stack.send(&alice_token, &room, "first").await;
    let event = tap.next(WAIT).await.expect("the message event");
    b.expect("message_created", WAIT, |f| f["message"]["body"] == "first")
        .await;
    // Two more, as the relay sends a run of events: one broker message.
    let seq = event["payload"]["message"]["seq"].as_i64().expect("seq");
    let more = |n: i64, body: &str| {
        let mut e = event.clone();
        e["id"] = json!(Uuid::now_v7());
        e["payload"]["message"]["id"] = json!(Uuid::now_v7());
        e["payload"]["message"]["seq"] = json!(seq + n);
        e["payload"]["message"]["body"] = json!(body);
        e
    };
    let pack = [more(1, "second"), more(2, "third")];
    publish_pack(&exchange, "room.message.created", &pack).await;
    for (n, body) in [(1, "second"), (2, "third")] {
        let frame = b.expect("message_created", WAIT, |_| true).await;
        assert_eq!(
            (frame["seq"].as_i64(), frame["message"]["body"].as_str()),
            (Some(seq + n), Some(body)),
            "{frame}"
        );
    }
}
