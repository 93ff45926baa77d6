//! Telegram notifications against the fake Bot API: who gets one, digests per window, reading
//! or coming online in time, Telegram's 429 and blocks, redelivery, poison events, no token,
//! and shutdown with a send in flight.

use chat_e2e::stack::{Stack, WAIT};
use chat_testkit::{EventTap, FakeTelegram, publish_pack, publish_raw, take_from};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// The digest window of these tests, in seconds.
const WINDOW: u64 = 2;

/// Long enough for any digest of these tests to be due and sent.
fn after_window() -> Duration {
    Duration::from_secs(WINDOW * 2 + 2)
}

async fn pending_digests(stack: &Stack, user: Uuid) -> usize {
    let mut conn = stack.db.conn().await;
    chat_db::digests::pending_for(&mut conn, user)
        .await
        .expect("digests")
        .len()
}

/// Waits until the notifier has folded the events into `user`'s digests.
async fn digest_waits(stack: &Stack, user: Uuid) -> bool {
    chat_testkit::eventually(WAIT, || async move {
        (pending_digests(stack, user).await == 1).then_some(())
    })
    .await
    .is_some()
}

async fn bot_counters(stack: &Stack) -> Value {
    stack.notifier.get("/bot", None).await.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_members_get_one_escaped_digest_per_window_and_online_ones_none() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(1, &telegram, WINDOW).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let (carol_id, carol) = stack.user("carol").await;
    let (dave_id, _) = stack.user("dave").await;
    stack.link_telegram(&telegram, &alice, 100).await;
    stack.link_telegram(&telegram, &bob, 101).await;
    stack.link_telegram(&telegram, &carol, 102).await;
    let room = stack
        .group(&alice, "Team <1>", &[bob_id, carol_id, dave_id])
        .await;
    // Carol is online; Dave is offline but never linked Telegram.
    let _carol_socket = stack.socket(0, &carol).await;

    stack.send(&alice, &room, "first").await;
    stack.send(&alice, &room, "second").await;
    stack
        .send(&alice, &room, "<b>third</b> & <a href=\"x\">link</a>")
        .await;

    let got = telegram.wait_for(101, 2, after_window()).await;
    assert_eq!(got.len(), 2, "bob got exactly one digest: {got:?}");
    let digest = &got[1];
    assert_eq!(digest.parse_mode.as_deref(), Some("HTML"));
    assert!(
        digest
            .text
            .starts_with("3 new messages in <b>Team &lt;1&gt;</b> from <b>alice</b>"),
        "{}",
        digest.text
    );
    assert!(
        digest
            .text
            .contains("alice: &lt;b&gt;third&lt;/b&gt; &amp; &lt;a href=\"x\"&gt;link&lt;/a&gt;"),
        "the newest text, escaped: {}",
        digest.text
    );
    assert!(
        digest.text.ends_with(&format!(
            "<a href=\"http://localhost:8080/?room={room}\">Open the chat</a>"
        )),
        "{}",
        digest.text
    );
    tokio::time::sleep(after_window()).await;
    assert_eq!(telegram.sent_to(101).len(), 2, "one digest per window");
    assert_eq!(
        telegram.sent_to(102).len(),
        1,
        "carol was online: no digest"
    );
    assert_eq!(telegram.sent_to(100).len(), 1, "the sender is not notified");
    assert_eq!(
        pending_digests(&stack, dave_id).await,
        0,
        "dave has no chat to notify"
    );

    // A message after the digest opens the next window: one more digest, for one message.
    stack.send(&alice, &room, "fourth").await;
    let got = telegram.wait_for(101, 3, after_window()).await;
    assert_eq!(got.len(), 3);
    assert!(
        got[2].text.starts_with("1 new message in"),
        "{}",
        got[2].text
    );
    let counted = chat_testkit::eventually(WAIT, || async {
        (bot_counters(&stack).await["digests_sent"] == 2).then_some(())
    })
    .await;
    assert!(counted.is_some(), "{}", bot_counters(&stack).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_or_coming_online_within_the_window_cancels_the_digest() {
    let telegram = FakeTelegram::start().await;
    // A longer window: reading and reconnecting happen well inside it.
    let stack = Stack::start_with_bot(1, &telegram, 4).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let (carol_id, carol) = stack.user("carol").await;
    let (dave_id, dave) = stack.user("dave").await;
    for (token, chat) in [(&bob, 201), (&carol, 202), (&dave, 203)] {
        stack.link_telegram(&telegram, token, chat).await;
    }
    let room = stack
        .group(&alice, "Team", &[bob_id, carol_id, dave_id])
        .await;
    stack.send(&alice, &room, "one").await;
    let last = stack.send(&alice, &room, "two").await;
    assert!(digest_waits(&stack, bob_id).await);

    // Bob reads both; Carol opens the app for a moment; Dave does neither.
    let read = stack
        .rooms
        .post(
            &format!("/api/rooms/{room}/read"),
            Some(&bob),
            &json!({"seq": last["seq"]}),
        )
        .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    let socket = stack.socket(0, &carol).await;
    drop(socket);

    let dave_got = telegram.wait_for(203, 2, Duration::from_secs(12)).await;
    assert_eq!(dave_got.len(), 2, "dave, who did neither, got a digest");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        telegram.sent_to(201).len(),
        1,
        "bob read them: only the link reply"
    );
    assert_eq!(
        telegram.sent_to(202).len(),
        1,
        "carol came online: only the link reply"
    );
    assert_eq!(pending_digests(&stack, bob_id).await, 0);
    assert_eq!(pending_digests(&stack, carol_id).await, 0);
    let counters = bot_counters(&stack).await;
    assert_eq!(counters["digests_sent"], 1, "{counters}");
    assert_eq!(counters["digests_dropped"], 2, "{counters}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_then_the_digest_is_sent_once() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, WINDOW).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    stack.link_telegram(&telegram, &bob, 301).await;
    let room = stack.direct(&alice, bob_id).await;
    let attempts_before = telegram.send_attempts();
    telegram.throttle_next(1, 2);
    stack.send(&alice, &room, "hello").await;

    let got = telegram.wait_for(301, 2, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 2, "the digest arrived after the 429");
    assert!(
        got[1].text.starts_with("1 new message from <b>alice</b>"),
        "{}",
        got[1].text
    );
    assert_eq!(
        telegram.send_attempts() - attempts_before,
        2,
        "one refused attempt, one that worked"
    );
    let counters = bot_counters(&stack).await;
    assert_eq!(counters["digests_postponed"], 1, "{counters}");
    tokio::time::sleep(after_window()).await;
    assert_eq!(telegram.sent_to(301).len(), 2, "sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_that_blocked_the_bot_is_unlinked() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, WINDOW).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    stack.link_telegram(&telegram, &bob, 401).await;
    let room = stack.direct(&alice, bob_id).await;
    telegram.block(401);
    stack.send(&alice, &room, "are you there?").await;

    let unlinked = chat_testkit::eventually(after_window() * 2, || {
        let auth = stack.auth.clone();
        let bob = bob.clone();
        async move {
            let me = auth.get("/api/users/me", Some(&bob)).await;
            (me.body["telegram"]["linked"] == false).then_some(())
        }
    })
    .await;
    assert!(unlinked.is_some(), "the blocked chat was unlinked");
    assert_eq!(
        telegram.sent_to(401).len(),
        1,
        "only the link reply went through"
    );
    assert_eq!(pending_digests(&stack, bob_id).await, 0);
}

/// A stack with a bot, where Bob (linked as `chat`, no socket) has a direct chat with Alice,
/// who sent him `body`: the stack, its exchange, Bob's id and that message's event as
/// published.
async fn offline_bob_got(
    telegram: &FakeTelegram,
    chat: i64,
    body: &str,
) -> (Stack, String, uuid::Uuid, serde_json::Value) {
    let stack = Stack::start_with_bot(0, telegram, WINDOW).await;
    let exchange = stack.notifier_config.common.exchange.clone();
    let mut tap = EventTap::new(&exchange, "room.message.created").await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    stack.link_telegram(telegram, &bob, chat).await;
    let room = stack.direct(&alice, bob_id).await;
    stack.send(&alice, &room, body).await;
    let event = tap.next(WAIT).await.expect("the message event");
    (stack, exchange, bob_id, event)
}

/// A copy of a message event as a later message of its room: a new event id and the seq `n`
/// after its own (no such message is stored: the digest counts it all the same).
fn later(event: &Value, n: i64) -> Value {
    let mut e = event.clone();
    e["id"] = json!(Uuid::now_v7());
    e["payload"]["message"]["seq"] =
        json!(event["payload"]["message"]["seq"].as_i64().unwrap() + n);
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_event_gives_no_second_notification() {
    let telegram = FakeTelegram::start().await;
    let (stack, exchange, bob_id, event) = offline_bob_got(&telegram, 501, "only once").await;
    let bytes = serde_json::to_vec(&event).unwrap();
    // The broker hands the same event over again, before and after the digest went out.
    publish_raw(&exchange, "room.message.created", &bytes).await;
    publish_raw(&exchange, "room.message.created", &bytes).await;
    let got = telegram.wait_for(501, 2, after_window()).await;
    assert_eq!(got.len(), 2);
    assert!(
        got[1].text.starts_with("1 new message from"),
        "counted once: {}",
        got[1].text
    );
    publish_raw(&exchange, "room.message.created", &bytes).await;
    tokio::time::sleep(after_window()).await;
    assert_eq!(telegram.sent_to(501).len(), 2, "no second notification");
    assert_eq!(pending_digests(&stack, bob_id).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_of_a_pack_is_handled_once() {
    let telegram = FakeTelegram::start().await;
    let (stack, exchange, bob_id, event) = offline_bob_got(&telegram, 701, "first").await;
    assert_eq!(telegram.wait_for(701, 2, after_window()).await.len(), 2);
    // Two more messages, as the relay sends a run of them: one broker message, and a third
    // copy of the second (a redelivery) in the same pack.
    let (second, third) = (later(&event, 1), later(&event, 2));
    publish_pack(
        &exchange,
        "room.message.created",
        &[second, third.clone(), third],
    )
    .await;
    let got = telegram.wait_for(701, 3, after_window() * 2).await;
    assert_eq!(got.len(), 3);
    assert!(
        got[2].text.starts_with("2 new messages from"),
        "both, once each: {}",
        got[2].text
    );
    assert_eq!(pending_digests(&stack, bob_id).await, 0);
}

/// The notifier reads whom a pack's messages could notify with one statement for the whole
/// pack: each message must still be matched with its own room's members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_message_of_a_pack_notifies_its_own_rooms_members() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, WINDOW).await;
    let exchange = stack.notifier_config.common.exchange.clone();
    let mut tap = EventTap::new(&exchange, "room.message.created").await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let (carol_id, carol) = stack.user("carol").await;
    stack.link_telegram(&telegram, &bob, 911).await;
    stack.link_telegram(&telegram, &carol, 912).await;
    let to_bob = stack.direct(&alice, bob_id).await;
    let to_carol = stack.direct(&alice, carol_id).await;
    stack.send(&alice, &to_bob, "hi bob").await;
    let for_bob = tap.next(WAIT).await.expect("the message to Bob");
    stack.send(&alice, &to_carol, "hi carol").await;
    let for_carol = tap.next(WAIT).await.expect("the message to Carol");
    assert_eq!(telegram.wait_for(911, 2, after_window()).await.len(), 2);
    assert_eq!(telegram.wait_for(912, 2, after_window()).await.len(), 2);
    // One message to Carol, then two to Bob, in one broker message.
    publish_pack(
        &exchange,
        "room.message.created",
        &[later(&for_carol, 1), later(&for_bob, 1), later(&for_bob, 2)],
    )
    .await;
    let bobs = telegram.wait_for(911, 3, after_window() * 2).await;
    let carols = telegram.wait_for(912, 3, after_window() * 2).await;
    assert_eq!((bobs.len(), carols.len()), (3, 3));
    assert!(
        bobs[2].text.starts_with("2 new messages from"),
        "{}",
        bobs[2].text
    );
    assert!(
        carols[2].text.starts_with("1 new message from"),
        "{}",
        carols[2].text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_event_lands_in_the_dead_letter_queue_and_the_rest_flows() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, WINDOW).await;
    let exchange = stack.notifier_config.common.exchange.clone();
    let dead = format!("{}.dead", stack.notifier_config.queue);
    publish_raw(&exchange, "room.message.created", b"{\"not\": \"an event\"").await;

    let taken = take_from(&dead, WAIT).await.expect("dead-lettered");
    assert_eq!(taken.body, b"{\"not\": \"an event\"");
    let reason = taken.headers.get("x-dead-reason").expect("a reason");
    assert!(reason.contains("unreadable event"), "{reason}");

    // The consumer goes on with good events.
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    stack.link_telegram(&telegram, &bob, 601).await;
    let room = stack.direct(&alice, bob_id).await;
    stack.send(&alice, &room, "still working").await;
    assert_eq!(telegram.wait_for(601, 2, after_window()).await.len(), 2);
    assert!(take_from(&dead, Duration::from_millis(300)).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_notifications_are_logged_and_the_stack_works() {
    let mut stack = Stack::start(1).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, _) = stack.user("bob").await;
    let room = stack.direct(&alice, bob_id).await;
    let mut socket = stack.socket(0, &alice).await;
    socket
        .send_json(&chat_e2e::stack::send_frame(&room, "c-1", "hi bob"))
        .await;
    socket.expect("ack", WAIT, |_| true).await;
    assert!(
        digest_waits(&stack, bob_id).await,
        "bob is offline: a digest waits"
    );

    let logged = chat_testkit::eventually(after_window() * 2, || {
        let http = stack.notifier.clone();
        async move {
            let body = http.get("/bot", None).await.body;
            (body["digests_sent"] == 1).then_some(body)
        }
    })
    .await
    .expect("the digest was logged");
    assert_eq!(logged["telegram_bot"], false);
    assert_eq!(pending_digests(&stack, bob_id).await, 0);
    assert_eq!(stack.notifier.get("/readyz", None).await.status, 200);
    stack.stop_notifier().await;
}

/// While Telegram is slow to answer, the digest being sent holds no lock: a new message folds
/// in at once (before, it waited for the send, and the consumer with it), and is sent as a
/// digest of its own afterwards, not lost with the one sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_arriving_while_a_digest_is_sent_folds_in_at_once_and_is_sent_next() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, WINDOW).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    stack.link_telegram(&telegram, &bob, 801).await;
    let room = stack.direct(&alice, bob_id).await;
    telegram.slow_sends(Duration::from_secs(10));
    let attempts = telegram.send_attempts();
    stack.send(&alice, &room, "one").await;
    let started = chat_testkit::eventually(after_window(), || {
        let telegram = telegram.clone();
        async move { (telegram.send_attempts() > attempts).then_some(()) }
    })
    .await;
    assert!(started.is_some(), "the digest send started");

    stack.send(&alice, &room, "two").await;
    let folded = chat_testkit::eventually(Duration::from_secs(8), || async {
        let mut conn = stack.db.conn().await;
        let rows = chat_db::digests::pending_for(&mut conn, bob_id)
            .await
            .unwrap();
        rows.first()
            .filter(|d| d.message_count == 2)
            .map(|d| d.message_count)
    })
    .await;
    assert_eq!(folded, Some(2), "the new message folded in");
    assert_eq!(
        telegram.sent_to(801).len(),
        1,
        "while the first digest was still in flight"
    );

    let got = telegram.wait_for(801, 3, Duration::from_secs(40)).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[1].text.starts_with("1 new message"), "{}", got[1].text);
    assert!(
        got[2].text.starts_with("1 new message") && got[2].text.contains("two"),
        "the message that came meanwhile, on its own: {}",
        got[2].text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_shutdown_a_send_in_flight_finishes_before_the_notifier_exits() {
    let telegram = FakeTelegram::start().await;
    let mut stack = Stack::start_with_bot(0, &telegram, 1).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    stack.link_telegram(&telegram, &bob, 701).await;
    let room = stack.direct(&alice, bob_id).await;
    telegram.slow_sends(Duration::from_secs(2));
    let attempts = telegram.send_attempts();
    stack.send(&alice, &room, "in flight").await;
    let started = chat_testkit::eventually(after_window(), || {
        let telegram = telegram.clone();
        async move { (telegram.send_attempts() > attempts).then_some(()) }
    })
    .await;
    assert!(started.is_some(), "the digest send started");
    assert!(telegram.sent_to(701).len() == 1, "and is still in flight");

    stack.stop_notifier().await;
    assert_eq!(
        telegram.sent_to(701).len(),
        2,
        "the send finished before exit"
    );
    assert_eq!(
        pending_digests(&stack, bob_id).await,
        0,
        "and was committed"
    );
    let probe = reqwest::get(format!("{}/livez", stack.notifier.base)).await;
    assert!(probe.is_err(), "the notifier has exited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_room_or_notifications_off_send_nothing() {
    let telegram = FakeTelegram::start().await;
    let stack = Stack::start_with_bot(0, &telegram, WINDOW).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let (carol_id, carol) = stack.user("carol").await;
    let (dave_id, dave) = stack.user("dave").await;
    for (token, chat) in [(&bob, 801), (&carol, 802), (&dave, 803)] {
        stack.link_telegram(&telegram, token, chat).await;
    }
    let room = stack
        .group(&alice, "Quiet", &[bob_id, carol_id, dave_id])
        .await;
    // Bob mutes this room in the app; Carol turns notifications off from Telegram.
    let muted = stack
        .rooms
        .put(
            &format!("/api/rooms/{room}/mute"),
            Some(&bob),
            &json!({"muted": true}),
        )
        .await;
    assert_eq!(muted.status, 200, "{:?}", muted.body);
    let rooms = stack.rooms.get("/api/rooms", Some(&bob)).await;
    assert_eq!(rooms.body["rooms"][0]["muted"], true, "{:?}", rooms.body);
    telegram.user_says(802, "private", "/mute");
    assert_eq!(telegram.wait_for(802, 2, WAIT).await.len(), 2);

    stack.send(&alice, &room, "psst").await;
    assert_eq!(
        telegram.wait_for(803, 2, after_window()).await.len(),
        2,
        "dave is notified"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(telegram.sent_to(801).len(), 1, "bob muted the room");
    assert_eq!(
        telegram.sent_to(802).len(),
        2,
        "carol turned notifications off"
    );
    assert_eq!(pending_digests(&stack, bob_id).await, 0);
    assert_eq!(pending_digests(&stack, carol_id).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_is_sent_at_once_even_from_a_muted_room_with_names_shown() {
    let telegram = FakeTelegram::start().await;
    // A window no test waits out: only a mention is sent within it.
    let stack = Stack::start_with_bot(0, &telegram, 3600).await;
    let (_, alice) = stack.user("alice").await;
    let (bob_id, bob) = stack.user("bob").await;
    let (carol_id, carol) = stack.user("carol").await;
    stack.link_telegram(&telegram, &bob, 901).await;
    stack.link_telegram(&telegram, &carol, 902).await;
    let room = stack.group(&alice, "Standup", &[bob_id, carol_id]).await;
    let muted = stack
        .rooms
        .put(
            &format!("/api/rooms/{room}/mute"),
            Some(&bob),
            &json!({"muted": true}),
        )
        .await;
    assert_eq!(muted.status, 200, "{:?}", muted.body);

    stack.send(&alice, &room, "status please").await;
    stack
        .send(
            &alice,
            &room,
            &format!("<@{bob_id}> your turn, then <@{carol_id}>"),
        )
        .await;
    for chat in [901, 902] {
        let sent = telegram.wait_for(chat, 2, WAIT).await;
        assert_eq!(
            sent.len(),
            2,
            "chat {chat}: the link's welcome, then the mention"
        );
        let text = &sent[1].text;
        assert!(text.contains("You were mentioned"), "{text}");
        assert!(text.contains("@bob your turn, then @carol"), "{text}");
        assert!(!text.contains("<@"), "no raw token: {text}");
    }
    // Bob's muted room sent only the mention: the plain message waits in no digest of his.
    assert_eq!(pending_digests(&stack, bob_id).await, 0);
    let rooms = stack.rooms.get("/api/rooms", Some(&bob)).await;
    assert_eq!(rooms.body["rooms"][0]["mentions"], 1, "{:?}", rooms.body);
    assert_eq!(rooms.body["rooms"][0]["unread"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_during_a_send_keeps_the_claim_and_is_due_at_once_after_it() {
    use chat_db::digests::{self, Arrival};
    use diesel_async::SimpleAsyncConnection;
    let db = chat_testkit::TestDb::new().await;
    let mut conn = db.conn().await;
    let (user, room) = (Uuid::now_v7(), Uuid::now_v7());
    conn.batch_execute(&format!(
        "INSERT INTO users (id, username, email, display_name, password_hash) \
             VALUES ('{user}', 'nia', 'nia@example.com', 'Nia', 'x'); \
         INSERT INTO rooms (id, kind, name) VALUES ('{room}', 'group', 'g');"
    ))
    .await
    .unwrap();
    let arrival = |seq| Arrival {
        room_id: room,
        seq,
        sender_name: "Otto",
    };
    let lease = Duration::from_secs(60);
    digests::add(&mut conn, &[user], &arrival(1), 0.0, false)
        .await
        .unwrap();
    let claimed = digests::claim_due(&mut conn, lease)
        .await
        .unwrap()
        .expect("due");
    assert!(!claimed.mentioned);
    // A mention while it is sent: folded in, but not due again while the claim holds.
    digests::add(&mut conn, &[user], &arrival(2), 0.0, true)
        .await
        .unwrap();
    assert!(
        digests::claim_due(&mut conn, lease)
            .await
            .unwrap()
            .is_none(),
        "a claimed digest is not sent twice"
    );
    // The send ends: what came meanwhile is a digest of its own, due at once, a mention.
    digests::remove(&mut conn, &claimed, 3600.0).await.unwrap();
    let next = digests::claim_due(&mut conn, lease)
        .await
        .unwrap()
        .expect("the mention is due at once");
    assert_eq!(
        (next.message_count, next.last_seq, next.mentioned),
        (1, 2, true)
    );
    // Sent too: a plain message after it waits for the window again.
    digests::remove(&mut conn, &next, 3600.0).await.unwrap();
    digests::add(&mut conn, &[user], &arrival(3), 3600.0, false)
        .await
        .unwrap();
    assert!(
        digests::claim_due(&mut conn, lease)
            .await
            .unwrap()
            .is_none()
    );
}
