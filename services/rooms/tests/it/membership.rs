//! Groups, public rooms and membership: who may see, join, leave, add, kick and change roles,
//! checked on every endpoint; the last owner and the last member leaving; joins beyond the
//! pool size.

use crate::common::*;
use chat_testkit::{TestDb, test_exchange};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn groups_are_private_and_public_rooms_are_listed_searchable_and_joinable() {
    let app = spawn().await;
    let (a, b, c) = (
        app.user("ada").await,
        app.user("bea").await,
        app.user("cyd").await,
    );
    let group = app.group(&a, "group", "Team", &[&b]).await;
    let seen = app
        .http
        .get(&format!("/api/rooms/{group}"), Some(&b.token))
        .await;
    assert_eq!(role_of(&seen.body, &a).as_deref(), Some("owner"));
    assert_eq!(role_of(&seen.body, &b).as_deref(), Some("member"));
    assert_eq!(
        app.http
            .get(&format!("/api/rooms/{group}"), Some(&c.token))
            .await
            .status,
        404
    );
    let join = app
        .call(
            &c,
            reqwest::Method::POST,
            &format!("/api/rooms/{group}/join"),
            None,
        )
        .await;
    assert_eq!(join.status, 404, "private groups cannot be joined");

    let bad = app
        .http
        .post(
            "/api/rooms",
            Some(&a.token),
            &json!({"kind": "group", "name": " "}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let ghost = app
        .http
        .post(
            "/api/rooms",
            Some(&a.token),
            &json!({"kind": "group", "name": "x", "member_ids": [Uuid::new_v4()]}),
        )
        .await;
    assert_eq!(ghost.status, 422);
    let direct_kind = app
        .http
        .post(
            "/api/rooms",
            Some(&a.token),
            &json!({"kind": "direct", "name": "x"}),
        )
        .await;
    assert_eq!(direct_kind.status, 422);

    let public = app.group(&a, "public", "Rustaceans", &[]).await;
    app.group(&a, "public", "Gardening", &[]).await;
    let found = app
        .http
        .get("/api/rooms/public?q=ACEAN", Some(&c.token))
        .await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(found.body["rooms"].as_array().unwrap().len(), 1);
    assert_eq!(found.body["rooms"][0]["id"], public.as_str());
    assert_eq!(found.body["rooms"][0]["joined"], false);
    let by_topic = app
        .http
        .get("/api/rooms/public?q=builds", Some(&c.token))
        .await;
    assert_eq!(by_topic.body["rooms"].as_array().unwrap().len(), 2);
    let page = app
        .http
        .get("/api/rooms/public?limit=1", Some(&c.token))
        .await;
    assert_eq!(page.body["rooms"][0]["name"], "Gardening");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let next = app
        .http
        .get(
            &format!("/api/rooms/public?limit=1&cursor={cursor}"),
            Some(&c.token),
        )
        .await;
    assert_eq!(next.body["rooms"][0]["name"], "Rustaceans");
    assert!(next.body["next_cursor"].is_null());

    let read_before_join = app
        .http
        .get(&format!("/api/rooms/{public}/messages"), Some(&c.token))
        .await;
    assert_eq!(read_before_join.status, 200, "public rooms can be read");
    assert_eq!(app.send(&c, &public, "x1", "not yet").await.status, 404);
    let joined = app
        .call(
            &c,
            reqwest::Method::POST,
            &format!("/api/rooms/{public}/join"),
            None,
        )
        .await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    assert_eq!(role_of(&joined.body, &c).as_deref(), Some("member"));
    assert_eq!(app.send(&c, &public, "x1", "hello all").await.status, 201);
    let mine = app.http.get("/api/rooms", Some(&c.token)).await;
    assert_eq!(mine.body["rooms"][0]["id"], public.as_str());
    assert_eq!(mine.body["rooms"][0]["member_count"], 2);
    assert_eq!(mine.body["rooms"][0]["my_role"], "member");
    let left = app
        .call(
            &c,
            reqwest::Method::POST,
            &format!("/api/rooms/{public}/leave"),
            None,
        )
        .await;
    assert_eq!(left.status, 200);
    assert_eq!(app.send(&c, &public, "x2", "gone").await.status, 404);
}

#[tokio::test]
async fn every_endpoint_checks_membership_and_role() {
    use reqwest::Method;
    let app = spawn().await;
    let owner = app.user("own").await;
    let admin = app.user("adm").await;
    let member = app.user("mem").await;
    let outsider = app.user("out").await;
    let extra = app.user("ext").await;
    let room = app.group(&owner, "group", "Walk", &[&admin, &member]).await;
    let promoted = app
        .call(
            &owner,
            Method::PUT,
            &format!("/api/rooms/{room}/members/{}/role", admin.id),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promoted.status, 200, "{:?}", promoted.body);
    assert_eq!(app.send(&owner, &room, "w1", "owner's").await.status, 201);
    assert_eq!(app.send(&member, &room, "w2", "member's").await.status, 201);
    let missing = Uuid::new_v4();
    let r = |p: &str| format!("/api/rooms/{room}{p}");

    // (who, method, path, body, expected status)
    let walk: Vec<(&User, Method, String, Option<Value>, u16)> = vec![
        (&outsider, Method::GET, r(""), None, 404),
        (
            &outsider,
            Method::GET,
            format!("/api/rooms/{missing}"),
            None,
            404,
        ),
        (
            &outsider,
            Method::PATCH,
            r(""),
            Some(json!({"name": "x"})),
            404,
        ),
        (&outsider, Method::DELETE, r(""), None, 404),
        (&outsider, Method::POST, r("/join"), None, 404),
        (&outsider, Method::POST, r("/leave"), None, 404),
        (
            &outsider,
            Method::POST,
            r("/members"),
            Some(json!({"user_id": extra.id})),
            404,
        ),
        (
            &outsider,
            Method::DELETE,
            r(&format!("/members/{}", member.id)),
            None,
            404,
        ),
        (
            &outsider,
            Method::PUT,
            r(&format!("/members/{}/role", member.id)),
            Some(json!({"role": "admin"})),
            404,
        ),
        (&outsider, Method::GET, r("/messages"), None, 404),
        (
            &outsider,
            Method::POST,
            r("/messages"),
            Some(json!({"client_msg_id": "o", "body": "x"})),
            404,
        ),
        (
            &outsider,
            Method::PATCH,
            r("/messages/1"),
            Some(json!({"body": "x"})),
            404,
        ),
        (&outsider, Method::DELETE, r("/messages/1"), None, 404),
        (&outsider, Method::GET, r("/messages/1/readers"), None, 404),
        (&outsider, Method::GET, r("/pins"), None, 404),
        (
            &outsider,
            Method::GET,
            r("/messages/1/attachment"),
            None,
            404,
        ),
        (
            &outsider,
            Method::GET,
            r("/messages/1/attachment/link"),
            None,
            404,
        ),
        (
            &outsider,
            Method::POST,
            r("/forward"),
            Some(json!({"client_msg_id": "of", "message_id": Uuid::now_v7()})),
            404,
        ),
        (&outsider, Method::PUT, r("/pins/1"), None, 404),
        (&outsider, Method::DELETE, r("/pins/1"), None, 404),
        (
            &outsider,
            Method::PUT,
            r("/messages/1/reactions/%F0%9F%91%8D"),
            None,
            404,
        ),
        (
            &outsider,
            Method::DELETE,
            r("/messages/1/reactions/%F0%9F%91%8D"),
            None,
            404,
        ),
        (
            &outsider,
            Method::POST,
            r("/read"),
            Some(json!({"seq": 1})),
            404,
        ),
        (
            &outsider,
            Method::PUT,
            r("/mute"),
            Some(json!({"muted": true})),
            404,
        ),
        (
            &member,
            Method::PUT,
            r("/mute"),
            Some(json!({"muted": "yes"})),
            422,
        ),
        (
            &member,
            Method::PUT,
            r("/mute"),
            Some(json!({"muted": true})),
            200,
        ),
        (&member, Method::GET, r(""), None, 200),
        (
            &member,
            Method::PATCH,
            r(""),
            Some(json!({"name": "x"})),
            403,
        ),
        (&member, Method::DELETE, r(""), None, 403),
        (
            &member,
            Method::POST,
            r("/members"),
            Some(json!({"user_id": extra.id})),
            403,
        ),
        (
            &member,
            Method::DELETE,
            r(&format!("/members/{}", admin.id)),
            None,
            403,
        ),
        (
            &member,
            Method::PUT,
            r(&format!("/members/{}/role", admin.id)),
            Some(json!({"role": "member"})),
            403,
        ),
        (&member, Method::GET, r("/messages"), None, 200),
        (
            &member,
            Method::PATCH,
            r("/messages/1"),
            Some(json!({"body": "not mine"})),
            403,
        ),
        (&member, Method::DELETE, r("/messages/1"), None, 403),
        (
            &member,
            Method::PATCH,
            r("/messages/2"),
            Some(json!({"body": "mine, edited"})),
            200,
        ),
        (&member, Method::GET, r("/messages/1/readers"), None, 200),
        (&member, Method::GET, r("/pins"), None, 200),
        (&member, Method::PUT, r("/pins/1"), None, 403),
        (&member, Method::DELETE, r("/pins/1"), None, 403),
        (
            &member,
            Method::PUT,
            r("/messages/1/reactions/%F0%9F%91%8D"),
            None,
            200,
        ),
        (
            &member,
            Method::DELETE,
            r("/messages/1/reactions/%F0%9F%91%8D"),
            None,
            200,
        ),
        (
            &member,
            Method::POST,
            r("/read"),
            Some(json!({"seq": 2})),
            200,
        ),
        (&admin, Method::PUT, r("/pins/1"), None, 200),
        (&admin, Method::DELETE, r("/pins/1"), None, 200),
        (
            &admin,
            Method::PATCH,
            r(""),
            Some(json!({"topic": "walked"})),
            200,
        ),
        (&admin, Method::DELETE, r(""), None, 403),
        (
            &admin,
            Method::PUT,
            r(&format!("/members/{}/role", member.id)),
            Some(json!({"role": "admin"})),
            403,
        ),
        (
            &admin,
            Method::DELETE,
            r(&format!("/members/{}", owner.id)),
            None,
            403,
        ),
        (
            &admin,
            Method::POST,
            r("/members"),
            Some(json!({"user_id": extra.id})),
            200,
        ),
        (
            &admin,
            Method::DELETE,
            r(&format!("/members/{}", extra.id)),
            None,
            204,
        ),
        (&admin, Method::DELETE, r("/messages/2"), None, 204),
        (
            &owner,
            Method::DELETE,
            r(&format!("/members/{}", admin.id)),
            None,
            204,
        ),
        (&owner, Method::DELETE, r(""), None, 204),
        (&member, Method::GET, r(""), None, 404),
    ];
    for (i, (who, method, path, body, expected)) in walk.into_iter().enumerate() {
        let reply = app.call(who, method.clone(), &path, body).await;
        assert_eq!(
            reply.status, expected,
            "step {i}: {method} {path}: {:?}",
            reply.body
        );
        if expected >= 400 {
            assert!(reply.body["error"]["code"].is_string(), "step {i}");
        }
    }
}

#[tokio::test]
async fn the_last_owner_leaving_hands_over_and_the_last_member_deletes_the_room() {
    let app = spawn().await;
    let (a, b, c) = (
        app.user("lo1").await,
        app.user("lo2").await,
        app.user("lo3").await,
    );
    let room = app.group(&a, "group", "Heirs", &[&b, &c]).await;
    app.call(
        &a,
        reqwest::Method::PUT,
        &format!("/api/rooms/{room}/members/{}/role", c.id),
        Some(json!({"role": "admin"})),
    )
    .await;
    let left = app
        .call(
            &a,
            reqwest::Method::POST,
            &format!("/api/rooms/{room}/leave"),
            None,
        )
        .await;
    assert_eq!(left.status, 200, "{:?}", left.body);
    assert_eq!(
        left.body["new_owner"],
        c.id.to_string(),
        "the admin inherits"
    );
    let view = app
        .http
        .get(&format!("/api/rooms/{room}"), Some(&b.token))
        .await;
    assert_eq!(role_of(&view.body, &c).as_deref(), Some("owner"));
    assert_eq!(role_of(&view.body, &a), None);
    app.call(
        &c,
        reqwest::Method::POST,
        &format!("/api/rooms/{room}/leave"),
        None,
    )
    .await;
    let last = app
        .call(
            &b,
            reqwest::Method::POST,
            &format!("/api/rooms/{room}/leave"),
            None,
        )
        .await;
    assert_eq!(last.body["room_deleted"], true);
    let direct = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let no = app
        .call(
            &a,
            reqwest::Method::POST,
            &format!("/api/rooms/{direct}/leave"),
            None,
        )
        .await;
    assert_eq!(no.status, 422);
}

/// A handler that takes a second pooled connection while holding its first deadlocks as soon
/// as as many requests as the pool has connections do so (each waits for the pool, then 503).
#[tokio::test]
async fn concurrent_joins_beyond_the_pool_size_all_succeed() {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    let mut cfg = config(&db, &exchange);
    cfg.common.database_pool_size = 2;
    let app = spawn_with(cfg, db).await;
    let owner = app.user("owner").await;
    let room = app.group(&owner, "public", "crowded", &[]).await;
    let mut joiners = Vec::new();
    for i in 0..12 {
        joiners.push(app.user(&format!("joiner{i}")).await);
    }
    let path = format!("/api/rooms/{room}/join");
    let replies = futures_util::future::join_all(
        joiners
            .iter()
            .map(|u| app.call(u, reqwest::Method::POST, &path, None)),
    )
    .await;
    for r in &replies {
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let last = replies.last().expect("replies");
    assert!(
        last.body["members"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    let room_now = app
        .call(
            &owner,
            reqwest::Method::GET,
            &format!("/api/rooms/{room}"),
            None,
        )
        .await;
    assert_eq!(room_now.body["members"].as_array().map(Vec::len), Some(13));
}
