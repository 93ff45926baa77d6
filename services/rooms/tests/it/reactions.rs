//! Reactions: one per person and emoji, counted with who, published with a growing version,
//! gone with their message, and refused where the person may not react.

use crate::common::*;
use chat_testkit::EventTap;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// The path of a reaction on message `seq`, the emoji percent-encoded as a browser does.
fn at(room: &str, seq: i64, emoji: &str) -> String {
    let encoded: String = emoji.bytes().map(|b| format!("%{b:02X}")).collect();
    format!("/api/rooms/{room}/messages/{seq}/reactions/{encoded}")
}

async fn react(
    app: &TestApp,
    user: &User,
    room: &str,
    seq: i64,
    emoji: &str,
) -> chat_testkit::Reply {
    app.call(user, Method::PUT, &at(room, seq, emoji), None)
        .await
}

async fn unreact(
    app: &TestApp,
    user: &User,
    room: &str,
    seq: i64,
    emoji: &str,
) -> chat_testkit::Reply {
    app.call(user, Method::DELETE, &at(room, seq, emoji), None)
        .await
}

/// Message `seq` of the room's latest page as `user` reads it.
async fn read(app: &TestApp, user: &User, room: &str, seq: i64) -> Value {
    let page = app
        .http
        .get(&format!("/api/rooms/{room}/messages"), Some(&user.token))
        .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    page.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["seq"] == seq)
        .cloned()
        .expect("the message is on the page")
}

#[tokio::test]
async fn one_reaction_per_person_and_emoji_counted_with_who_and_me() {
    let app = spawn().await;
    let (a, b, c) = (
        app.user("rx_a").await,
        app.user("rx_b").await,
        app.user("rx_c").await,
    );
    let room = app.group(&a, "group", "Reacts", &[&b, &c]).await;
    assert_eq!(app.send(&a, &room, &cid(), "ship it").await.status, 201);

    let first = react(&app, &a, &room, 1, "👍").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["version"], 1);
    assert_eq!(
        first.body["reactions"],
        json!([{"emoji": "👍", "count": 1, "user_ids": [a.id], "me": true}])
    );
    let again = react(&app, &a, &room, 1, "👍").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["version"], 1, "reacting twice is reacting once");
    assert_eq!(react(&app, &b, &room, 1, "👍").await.body["version"], 2);
    // ❤ and ❤️ are one emoji: c's second spelling changes nothing.
    assert_eq!(react(&app, &c, &room, 1, "❤").await.body["version"], 3);
    let same = react(&app, &c, &room, 1, "❤\u{FE0F}").await;
    assert_eq!(same.body["version"], 3);

    let seen = read(&app, &c, &room, 1).await;
    assert_eq!(seen["reactions_version"], 3);
    assert_eq!(
        seen["reactions"],
        json!([
            {"emoji": "👍", "count": 2, "user_ids": [a.id, b.id], "me": false},
            {"emoji": "❤\u{FE0F}", "count": 1, "user_ids": [c.id], "me": true},
        ])
    );
    let hits = app
        .http
        .get("/api/rooms/search?q=ship", Some(&a.token))
        .await;
    assert_eq!(hits.status, 200, "{:?}", hits.body);
    assert_eq!(hits.body["hits"][0]["reactions"][0]["count"], 2);
    assert_eq!(hits.body["hits"][0]["reactions"][0]["me"], true);

    let taken = unreact(&app, &a, &room, 1, "👍").await;
    assert_eq!(taken.status, 200, "{:?}", taken.body);
    assert_eq!(taken.body["version"], 4);
    assert_eq!(
        taken.body["reactions"][0],
        json!({"emoji": "👍", "count": 1, "user_ids": [b.id], "me": false})
    );
    let nothing = unreact(&app, &a, &room, 1, "👍").await;
    assert_eq!(
        (nothing.status, nothing.body["version"].clone()),
        (200, json!(4))
    );
    // A message nobody reacted to reads as version 0 with no reactions.
    assert_eq!(app.send(&b, &room, &cid(), "plain").await.status, 201);
    let plain = read(&app, &a, &room, 2).await;
    assert_eq!(
        (
            plain["reactions"].clone(),
            plain["reactions_version"].clone()
        ),
        (json!([]), json!(0))
    );
}

#[tokio::test]
async fn keycaps_flags_families_and_skin_tones_survive_the_path_and_the_rest_is_422() {
    let app = spawn().await;
    let (a, b) = (app.user("rk_a").await, app.user("rk_b").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.send(&a, &room, &cid(), "hi").await.status, 201);
    for emoji in ["#\u{FE0F}\u{20E3}", "🇫🇷", "👨\u{200D}👩\u{200D}👧", "👍🏽"] {
        let r = react(&app, &b, &room, 1, emoji).await;
        assert_eq!(r.status, 200, "{emoji}: {:?}", r.body);
        let last = r.body["reactions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["emoji"], emoji);
    }
    for bad in ["a", ":)", "👍👍", "👍 ", "\u{200D}", "<script>"] {
        let r = react(&app, &b, &room, 1, bad).await;
        assert_eq!(r.status, 422, "{bad:?}: {:?}", r.body);
        assert!(
            r.body["error"]["fields"]["emoji"].is_string(),
            "{:?}",
            r.body
        );
    }
    let r = app
        .call(
            &b,
            Method::PUT,
            &format!("/api/rooms/{room}/messages/9/reactions/%F0%9F%91%8D"),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "no message 9: {:?}", r.body);
    let r = app
        .call(
            &b,
            Method::PUT,
            &format!("/api/rooms/{room}/messages/x/reactions/%F0%9F%91%8D"),
            None,
        )
        .await;
    assert!(
        r.status == 400 || r.status == 404,
        "a seq that is no number: {}",
        r.status
    );
    assert!(r.body["error"].is_object(), "a JSON error: {:?}", r.body);
}

#[tokio::test]
async fn a_deleted_message_loses_its_reactions_and_takes_no_more() {
    let app = spawn().await;
    let (a, b) = (app.user("rd_a").await, app.user("rd_b").await);
    let room = app.group(&a, "group", "Gone", &[&b]).await;
    assert_eq!(app.send(&a, &room, &cid(), "soon gone").await.status, 201);
    assert_eq!(react(&app, &b, &room, 1, "🎉").await.status, 200);
    assert_eq!(react(&app, &a, &room, 1, "🔥").await.status, 200);
    let deleted = app
        .call(
            &a,
            Method::DELETE,
            &format!("/api/rooms/{room}/messages/1"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let tombstone = read(&app, &b, &room, 1).await;
    assert_eq!(tombstone["deleted"], true);
    assert_eq!(tombstone["reactions"], json!([]));
    let mut conn = app.db.conn().await;
    let left: i64 = diesel_async::RunQueryDsl::get_result(
        diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM message_reactions)",
        )),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(left, 0, "the rows went with the message");
    assert_eq!(react(&app, &b, &room, 1, "🎉").await.status, 404);
    assert_eq!(unreact(&app, &b, &room, 1, "🎉").await.status, 404);
}

#[tokio::test]
async fn a_message_takes_twenty_different_emoji() {
    let app = spawn().await;
    let (a, b) = (app.user("rt_a").await, app.user("rt_b").await);
    let room = app.group(&a, "group", "Many", &[&b]).await;
    assert_eq!(app.send(&a, &room, &cid(), "vote").await.status, 201);
    let twenty: Vec<String> = (0..20)
        .map(|i| char::from_u32(0x1F600 + i).unwrap().to_string())
        .collect();
    for emoji in &twenty {
        assert_eq!(
            react(&app, &a, &room, 1, emoji).await.status,
            200,
            "{emoji}"
        );
    }
    let more = react(&app, &b, &room, 1, "🎉").await;
    assert_eq!(more.status, 422, "{:?}", more.body);
    assert!(
        more.body["error"]["fields"]["emoji"].is_string(),
        "{:?}",
        more.body
    );
    let joined = react(&app, &b, &room, 1, &twenty[3]).await;
    assert_eq!(
        joined.status, 200,
        "an emoji already there still takes more people"
    );
    assert_eq!(joined.body["reactions"].as_array().unwrap().len(), 20);
    assert_eq!(
        joined.body["version"], 21,
        "the refused one changed nothing"
    );
}

#[tokio::test]
async fn outsiders_get_404_and_a_closed_direct_chat_takes_no_new_reactions() {
    let app = spawn().await;
    let (a, b, o) = (
        app.user("rb_a").await,
        app.user("rb_b").await,
        app.user("rb_o").await,
    );
    let public = app.group(&a, "public", "Open hall", &[]).await;
    assert_eq!(app.send(&a, &public, &cid(), "welcome").await.status, 201);
    assert_eq!(
        react(&app, &o, &public, 1, "👋").await.status,
        404,
        "read it, but not a member"
    );
    let join = app
        .call(&o, Method::POST, &format!("/api/rooms/{public}/join"), None)
        .await;
    assert_eq!(join.status, 200, "{:?}", join.body);
    assert_eq!(react(&app, &o, &public, 1, "👋").await.status, 200);

    let dm = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.send(&a, &dm, &cid(), "hey").await.status, 201);
    assert_eq!(react(&app, &o, &dm, 1, "👍").await.status, 404);
    assert_eq!(react(&app, &b, &dm, 1, "👍").await.status, 200);
    let mut conn = app.db.conn().await;
    chat_db::blocks::block(&mut conn, a.id, b.id).await.unwrap();
    let refused = react(&app, &b, &dm, 1, "😂").await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(
        react(&app, &a, &dm, 1, "😂").await.status,
        403,
        "either way"
    );
    let taken = unreact(&app, &b, &dm, 1, "👍").await;
    assert_eq!(
        taken.status, 200,
        "taking one back is still allowed: {:?}",
        taken.body
    );
    assert_eq!(taken.body["reactions"], json!([]));
}

#[tokio::test]
async fn every_change_is_published_and_synced_with_a_growing_version() {
    let app = spawn().await;
    let mut tap = EventTap::new(&app.exchange, "room.message.reactions_changed").await;
    let (a, b) = (app.user("rp_a").await, app.user("rp_b").await);
    let room = app.group(&a, "group", "Told", &[&b]).await;
    assert_eq!(app.send(&a, &room, &cid(), "news").await.status, 201);
    let before = app.http.get("/api/rooms/sync", Some(&b.token)).await;
    assert_eq!(before.status, 200, "{:?}", before.body);
    let cursor = before.body["next_cursor"].as_str().unwrap().to_owned();

    assert_eq!(react(&app, &a, &room, 1, "👀").await.status, 200);
    assert_eq!(
        react(&app, &a, &room, 1, "👀").await.status,
        200,
        "no change, no event"
    );
    assert_eq!(react(&app, &b, &room, 1, "👀").await.status, 200);
    assert_eq!(unreact(&app, &a, &room, 1, "👀").await.status, 200);

    let mut seen = vec![];
    while seen.len() < 3 {
        let e = tap
            .next(Duration::from_secs(10))
            .await
            .expect("a reactions_changed event");
        let p = &e["payload"];
        assert_eq!(p["type"], "reactions_changed");
        assert!(
            p["reactions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r.get("me").is_none()),
            "no me in events: {p}"
        );
        seen.push((
            p["version"].as_i64().unwrap(),
            p["user_id"].clone(),
            p["added"].clone(),
            p["reactions"][0]["count"].clone(),
        ));
    }
    seen.sort_by_key(|s| s.0);
    assert_eq!(
        seen,
        [
            (1, json!(a.id), json!(true), json!(1)),
            (2, json!(b.id), json!(true), json!(2)),
            (3, json!(a.id), json!(false), json!(1)),
        ]
    );
    assert!(
        tap.next(Duration::from_millis(500)).await.is_none(),
        "the repeat published nothing"
    );
    let synced = app
        .http
        .get(&format!("/api/rooms/sync?cursor={cursor}"), Some(&b.token))
        .await;
    let versions: Vec<i64> = synced.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["type"] == "reactions_changed")
        .map(|e| e["payload"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3], "{:?}", synced.body);
}

#[tokio::test]
async fn concurrent_reactions_line_up_on_the_message() {
    let app = spawn().await;
    let owner = app.user("rc_owner").await;
    let mut people = vec![];
    for i in 0..16 {
        people.push(app.user(&format!("rc_{i}")).await);
    }
    let refs: Vec<&User> = people.iter().collect();
    let room = app.group(&owner, "group", "Rush", &refs).await;
    assert_eq!(app.send(&owner, &room, &cid(), "go").await.status, 201);
    let answers =
        futures_util::future::join_all(people.iter().map(|p| react(&app, p, &room, 1, "🚀"))).await;
    let mut versions: Vec<i64> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{:?}", r.body);
            // Each answer is the summary as of its own version: its count is its version.
            assert_eq!(r.body["reactions"][0]["count"], r.body["version"]);
            r.body["version"].as_i64().unwrap()
        })
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, (1..=16).collect::<Vec<_>>());
    let seen = read(&app, &owner, &room, 1).await;
    assert_eq!(seen["reactions"][0]["count"], 16);
    assert_eq!(
        seen["reactions"][0]["user_ids"].as_array().unwrap().len(),
        10,
        "ten named"
    );
}

#[tokio::test]
async fn reactions_are_rate_limited_per_user_apart_from_sends() {
    let db = chat_testkit::TestDb::new().await;
    let exchange = chat_testkit::test_exchange();
    let app = spawn_with(
        chat_rooms::Config {
            reaction_per_minute: 2,
            ..config(&db, &exchange)
        },
        db,
    )
    .await;
    let (a, b) = (app.user("rl_a").await, app.user("rl_b").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.send(&a, &room, &cid(), "hi").await.status, 201);
    assert_eq!(react(&app, &a, &room, 1, "👍").await.status, 200);
    assert_eq!(unreact(&app, &a, &room, 1, "👍").await.status, 200);
    let limited = react(&app, &a, &room, 1, "👍").await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert!(limited.header("retry-after").is_some());
    assert_eq!(
        react(&app, &b, &room, 1, "👍").await.status,
        200,
        "per user"
    );
    assert_eq!(
        app.send(&a, &room, &cid(), "still talking").await.status,
        201
    );
}
