//! Expensive or amplifying requests are bounded per user: searches, room creation and adding
//! members; a search in a room the caller may not read is 404.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_search_in_a_room_i_may_not_read_is_404_like_one_that_does_not_exist() {
    let app = spawn().await;
    let (a, b, c) = (
        app.user("alice").await,
        app.user("bob").await,
        app.user("carol").await,
    );
    let private = app.group(&a, "group", "secret plans", &[&b]).await;
    let sent = app.send(&a, &private, &cid(), "the secret plans").await;
    assert_eq!(sent.status, 201);
    let mine = app
        .http
        .get(
            &format!("/api/rooms/search?q=secret&room_id={private}"),
            Some(&b.token),
        )
        .await;
    assert_eq!(mine.status, 200, "{:?}", mine.body);
    assert_eq!(mine.body["hits"].as_array().unwrap().len(), 1);
    for room in [private, uuid::Uuid::new_v4().to_string()] {
        let outsider = app
            .http
            .get(
                &format!("/api/rooms/search?q=secret&room_id={room}"),
                Some(&c.token),
            )
            .await;
        assert_eq!(outsider.status, 404, "{:?}", outsider.body);
        assert_eq!(outsider.body["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn searches_rooms_and_member_additions_are_rate_limited_per_user() {
    let db = chat_testkit::TestDb::new().await;
    let mut cfg = config(&db, &chat_testkit::test_exchange());
    cfg.search_per_minute = 2;
    cfg.manage_per_minute = 3;
    let app = spawn_with(cfg, db).await;
    let (a, b, c) = (
        app.user("alice").await,
        app.user("bob").await,
        app.user("carol").await,
    );
    for _ in 0..2 {
        let ok = app
            .http
            .get("/api/rooms/search?q=hello", Some(&a.token))
            .await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
    }
    let limited = app
        .http
        .get("/api/rooms/search?q=hello", Some(&a.token))
        .await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert!(limited.header("retry-after").is_some());
    let other = app
        .http
        .get("/api/rooms/search?q=hello", Some(&b.token))
        .await;
    assert_eq!(other.status, 200, "each user has a budget of their own");

    // Creations and additions share one budget: two rooms and one addition, then 429.
    let first = app.group(&a, "group", "one", &[]).await;
    app.group(&a, "group", "two", &[]).await;
    let added = app
        .call(
            &a,
            Method::POST,
            &format!("/api/rooms/{first}/members"),
            Some(json!({"user_id": b.id})),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    let limited = app
        .call(
            &a,
            Method::POST,
            &format!("/api/rooms/{first}/members"),
            Some(json!({"user_id": c.id})),
        )
        .await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    let create = app
        .call(
            &a,
            Method::POST,
            "/api/rooms",
            Some(json!({"kind": "group", "name": "three"})),
        )
        .await;
    assert_eq!(create.status, 429, "{:?}", create.body);
    assert_eq!(app.group(&b, "group", "bob's", &[]).await.len(), 36);
}
