//! Mentions: recorded with the message for members other than the sender (not for those who
//! blocked the sender), counted apart from unread until read, gone with a deleted message;
//! everyone (`<@room>`) only from owners and admins, on every path a send takes.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// My room list's line for `room`.
async fn line(app: &TestApp, user: &User, room: &str) -> Value {
    let rooms = app.http.get("/api/rooms", Some(&user.token)).await;
    assert_eq!(rooms.status, 200, "{:?}", rooms.body);
    rooms.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .cloned()
        .expect("the room is listed")
}

async fn read(app: &TestApp, user: &User, room: &str, seq: i64) -> chat_testkit::Reply {
    app.call(
        user,
        Method::POST,
        &format!("/api/rooms/{room}/read"),
        Some(json!({"seq": seq})),
    )
    .await
}

#[tokio::test]
async fn a_mention_counts_apart_from_unread_until_read() {
    // Room for four mentions of 39 characters each.
    let db = chat_testkit::TestDb::new().await;
    let exchange = chat_testkit::test_exchange();
    let config = chat_rooms::Config {
        max_body_chars: 4000,
        ..config(&db, &exchange)
    };
    let app = spawn_with(config, db).await;
    let (a, b, c, d) = (
        app.user("mn_a").await,
        app.user("mn_b").await,
        app.user("mn_c").await,
        app.user("mn_d").await,
    );
    let room = app.group(&a, "group", "Mentions", &[&b, &c, &d]).await;
    let mut conn = app.db.conn().await;
    chat_db::blocks::block(&mut conn, c.id, a.id).await.unwrap();
    let outsider = app.user("mn_out").await;

    assert_eq!(app.send(&a, &room, &cid(), "hello all").await.status, 201);
    let text = format!(
        "<@{}> and <@{}> and <@{}> and <@{}>",
        b.id, c.id, outsider.id, a.id
    );
    assert_eq!(app.send(&a, &room, &cid(), &text).await.status, 201);
    let mine = line(&app, &b, &room).await;
    assert_eq!(
        (mine["unread"].clone(), mine["mentions"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(
        line(&app, &c, &room).await["mentions"],
        0,
        "c blocked the sender"
    );
    assert_eq!(
        line(&app, &d, &room).await["mentions"],
        0,
        "d was not mentioned"
    );
    assert_eq!(line(&app, &a, &room).await["mentions"], 0, "not by oneself");

    let first = read(&app, &b, &room, 1).await;
    assert_eq!(
        (first.body["unread"].clone(), first.body["mentions"].clone()),
        (json!(1), json!(1))
    );
    let all = read(&app, &b, &room, 2).await;
    assert_eq!(
        (all.body["unread"].clone(), all.body["mentions"].clone()),
        (json!(0), json!(0))
    );

    // A deleted mention no longer counts.
    assert_eq!(
        app.send(&a, &room, &cid(), &format!("<@{}> again", d.id))
            .await
            .status,
        201
    );
    assert_eq!(line(&app, &d, &room).await["mentions"], 1);
    let deleted = app
        .call(
            &a,
            Method::DELETE,
            &format!("/api/rooms/{room}/messages/3"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(line(&app, &d, &room).await["mentions"], 0);
}

#[tokio::test]
async fn everyone_is_for_owners_and_admins_on_every_path() {
    let app = spawn().await;
    let (owner, member, other) = (
        app.user("me_owner").await,
        app.user("me_member").await,
        app.user("me_other").await,
    );
    let room = app
        .group(&owner, "group", "All hands", &[&member, &other])
        .await;
    let refused = app.send(&member, &room, &cid(), "<@room> lunch?").await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(
        app.send(&owner, &room, &cid(), "<@room> all hands at 3")
            .await
            .status,
        201
    );
    for user in [&member, &other] {
        assert_eq!(line(&app, user, &room).await["mentions"], 1);
    }

    // Through the gateway's batch: the member's everyone is refused, the rest stored in order.
    let send = |user: &User, body: &str| json!({"user_id": user.id, "room_id": room, "client_msg_id": cid(), "body": body});
    let reply = app
        .http
        .send(
            app.http
                .client
                .post(app.http.url("/api/rooms/messages/batch"))
                .bearer_auth(chat_testkit::SERVICE_TOKEN)
                .json(&json!({"sends": [
                    send(&member, "before"),
                    send(&member, "<@room> me too"),
                    send(&member, "after"),
                    send(&owner, "<@room> again"),
                ]})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results[1]["failed"]["status"], 403, "{results:?}");
    let seq = |i: usize| results[i]["stored"]["message"]["seq"].as_i64().unwrap();
    assert_eq!(
        (seq(2), seq(3)),
        (seq(0) + 1, seq(0) + 2),
        "in order, no gap"
    );
    assert_eq!(line(&app, &other, &room).await["mentions"], 2);

    // Nor by an edit, a forward or a file's caption.
    let mine = app.send(&member, &room, &cid(), "plain").await.body;
    let edit = app
        .call(
            &member,
            Method::PATCH,
            &format!("/api/rooms/{room}/messages/{}", mine["seq"]),
            Some(json!({"body": "<@room> now"})),
        )
        .await;
    assert_eq!(edit.status, 403, "{:?}", edit.body);
    let everyone = app
        .send(&owner, &room, &cid(), "<@room> standup")
        .await
        .body;
    let forward = app
        .call(
            &member,
            Method::POST,
            &format!("/api/rooms/{room}/forward"),
            Some(json!({"client_msg_id": cid(), "message_id": everyone["id"]})),
        )
        .await;
    assert_eq!(forward.status, 403, "{:?}", forward.body);
    let caption = app
        .http
        .send(
            app.http
                .client
                .post(app.http.url(&format!("/api/rooms/{room}/attachments")))
                .bearer_auth(&member.token)
                .header("Content-Type", "text/plain")
                .header("X-Filename", "a.txt")
                .header("X-Client-Msg-Id", cid())
                .header("X-Caption", "%3C%40room%3E%20look")
                .body("hello"),
        )
        .await;
    assert_eq!(caption.status, 403, "{:?}", caption.body);
    assert_eq!(
        line(&app, &other, &room).await["mentions"],
        3,
        "only the owner's"
    );
}
