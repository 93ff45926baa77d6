//! Forwarding: a copy sent by the forwarder, marked with who wrote the original, only from
//! rooms the forwarder may read and only to rooms they belong to.

use crate::common::*;
use chat_testkit::EventTap;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// `user` forwards `message` to room `to`.
pub async fn forward(
    app: &TestApp,
    user: &User,
    to: &str,
    message: &Value,
    cid: &str,
) -> chat_testkit::Reply {
    app.call(
        user,
        Method::POST,
        &format!("/api/rooms/{to}/forward"),
        Some(json!({"client_msg_id": cid, "message_id": message["id"]})),
    )
    .await
}

#[tokio::test]
async fn a_forward_is_a_copy_that_names_who_wrote_the_original() {
    let app = spawn().await;
    let mut tap = EventTap::new(&app.exchange, "room.message.created").await;
    let (a, b, c) = (
        app.user("fw_a").await,
        app.user("fw_b").await,
        app.user("fw_c").await,
    );
    let group = app.group(&a, "group", "Kitchen", &[&b]).await;
    let original = app.send(&a, &group, &cid(), "the recipe").await.body;
    let dm = app.direct(&b, &c).await["id"].as_str().unwrap().to_owned();

    let id = cid();
    let copy = forward(&app, &b, &dm, &original, &id).await;
    assert_eq!(copy.status, 201, "{:?}", copy.body);
    assert_eq!(copy.body["body"], "the recipe");
    assert_eq!(copy.body["sender_id"], json!(b.id));
    assert_eq!(
        copy.body["forwarded_from"],
        json!({"sender_id": a.id, "created_at": original["created_at"]})
    );
    let retry = forward(&app, &b, &dm, &original, &id).await;
    assert_eq!(
        (retry.status, retry.body["id"].clone()),
        (200, copy.body["id"].clone())
    );

    // Members read it as forwarded, and were told so.
    let history = app
        .http
        .get(&format!("/api/rooms/{dm}/messages"), Some(&c.token))
        .await;
    assert_eq!(
        history.body["messages"][0]["forwarded_from"]["sender_id"],
        json!(a.id)
    );
    let mut told = None;
    while let Some(e) = tap.next(Duration::from_secs(10)).await {
        if e["payload"]["message"]["id"] == copy.body["id"] {
            told = Some(e);
            break;
        }
    }
    assert_eq!(
        told.expect("its message_created")["payload"]["message"]["forwarded_from"]["sender_id"],
        json!(a.id)
    );
    let plain = app
        .http
        .get(&format!("/api/rooms/{group}/messages"), Some(&a.token))
        .await;
    assert!(
        plain.body["messages"][0].get("forwarded_from").is_none(),
        "a plain message says nothing"
    );

    // Forwarded on, it still names the first writer; its text is not edited.
    let saved = app.direct(&c, &c).await["id"].as_str().unwrap().to_owned();
    let again = forward(&app, &c, &saved, &copy.body, &cid()).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    assert_eq!(again.body["forwarded_from"]["sender_id"], json!(a.id));
    let edit = app
        .call(
            &b,
            Method::PATCH,
            &format!("/api/rooms/{dm}/messages/1"),
            Some(json!({"body": "mine now"})),
        )
        .await;
    assert_eq!(edit.status, 403, "{:?}", edit.body);
}

#[tokio::test]
async fn only_what_i_may_read_goes_only_where_i_belong() {
    let app = spawn().await;
    let (a, b, o) = (
        app.user("fr_a").await,
        app.user("fr_b").await,
        app.user("fr_o").await,
    );
    let private = app.group(&a, "group", "Private", &[&b]).await;
    let secret = app.send(&a, &private, &cid(), "secret").await.body;
    let hall = app.group(&a, "public", "Hall", &[]).await;
    let open = app.send(&a, &hall, &cid(), "announcement").await.body;
    let mine = app.direct(&o, &o).await["id"].as_str().unwrap().to_owned();

    let leak = forward(&app, &o, &mine, &secret, &cid()).await;
    assert_eq!(
        leak.status, 404,
        "not a member of the source: {:?}",
        leak.body
    );
    let public = forward(&app, &o, &mine, &open, &cid()).await;
    assert_eq!(
        public.status, 201,
        "a public room's message: {:?}",
        public.body
    );
    let elsewhere = forward(&app, &o, &private, &open, &cid()).await;
    assert_eq!(
        elsewhere.status, 404,
        "not a member of the target: {:?}",
        elsewhere.body
    );
    let missing = forward(
        &app,
        &a,
        &private,
        &json!({"id": uuid::Uuid::now_v7()}),
        &cid(),
    )
    .await;
    assert_eq!(missing.status, 404);
    let bad = forward(&app, &a, &private, &open, "not ascii ✗").await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);

    let deleted = app
        .call(
            &a,
            Method::DELETE,
            &format!("/api/rooms/{private}/messages/1"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        forward(&app, &b, &private, &secret, &cid()).await.status,
        404,
        "a tombstone"
    );

    // Into a direct chat closed by a block: 403, as a send.
    let dm = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let mut conn = app.db.conn().await;
    chat_db::blocks::block(&mut conn, b.id, a.id).await.unwrap();
    assert_eq!(forward(&app, &a, &dm, &open, &cid()).await.status, 403);
}
