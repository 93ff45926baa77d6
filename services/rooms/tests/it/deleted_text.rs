//! Deleted and replaced text stays gone: no read path (the sync log, history, search, readers)
//! returns it afterwards, to members from before or to one who joined later.

use crate::common::*;
use chat_testkit::eventually;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Everything `user` can sync from `cursor` until the log holds `until` events for the room.
async fn sync_all(app: &TestApp, token: &str, cursor: &str, until: usize) -> Vec<Value> {
    eventually(Duration::from_secs(30), async || {
        let mut events = vec![];
        let mut cursor = cursor.to_owned();
        loop {
            let page = app
                .http
                .get(&format!("/api/rooms/sync?cursor={cursor}"), Some(token))
                .await;
            assert_eq!(page.status, 200, "{:?}", page.body);
            events.extend(page.body["events"].as_array().unwrap().iter().cloned());
            cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
            if page.body["has_more"] == false {
                break;
            }
        }
        (events.len() >= until).then_some(events)
    })
    .await
    .expect("the events reach the sync log")
}

#[tokio::test]
async fn deleted_and_edited_text_is_gone_from_every_read_path() {
    let app = spawn().await;
    let (a, b, c) = (
        app.user("alice").await,
        app.user("bob").await,
        app.user("carol").await,
    );
    let cursor_of = async |token: &str| {
        app.http.get("/api/rooms/sync", Some(token)).await.body["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (from_b, from_c) = (cursor_of(&b.token).await, cursor_of(&c.token).await);
    let room = app.group(&a, "group", "drafts", &[&b]).await;
    for (text, expected) in [
        ("first draft with a classified word", 1),
        ("classified: delete me", 2),
        ("harmless", 3),
    ] {
        let sent = app.send(&a, &room, &cid(), text).await;
        assert_eq!(sent.body["seq"], expected, "{:?}", sent.body);
    }
    let edited = app
        .call(
            &a,
            Method::PATCH,
            &format!("/api/rooms/{room}/messages/1"),
            Some(json!({"body": "the final text"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    let deleted = app
        .call(
            &a,
            Method::DELETE,
            &format!("/api/rooms/{room}/messages/2"),
            None,
        )
        .await;
    assert!(deleted.status < 300, "{:?}", deleted.body);
    // carol joins after all of it.
    let added = app
        .call(
            &a,
            Method::POST,
            &format!("/api/rooms/{room}/members"),
            Some(json!({"user_id": c.id})),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);

    // room_created, member_joined (bob), 3 created, 1 edited, 1 deleted at least.
    for (who, from) in [(&b, &from_b), (&c, &from_c)] {
        let log = serde_json::to_string(&sync_all(&app, &who.token, from, 7).await).unwrap();
        assert!(
            !log.contains("classified"),
            "old text in the sync log: {log}"
        );
        assert!(
            !log.contains("first draft"),
            "old text in the sync log: {log}"
        );
        assert!(log.contains("the final text"));
    }
    let history = app
        .http
        .get(&format!("/api/rooms/{room}/messages"), Some(&c.token))
        .await;
    let history = history.body.to_string();
    assert!(
        !history.contains("classified") && !history.contains("first draft"),
        "{history}"
    );
    for q in ["classified", "draft"] {
        let hits = app
            .http
            .get(&format!("/api/rooms/search?q={q}"), Some(&b.token))
            .await;
        assert_eq!(hits.body["hits"], json!([]), "{q}: {:?}", hits.body);
    }
    for seq in [1, 2] {
        let readers = app
            .http
            .get(
                &format!("/api/rooms/{room}/messages/{seq}/readers"),
                Some(&b.token),
            )
            .await
            .body
            .to_string();
        assert!(
            !readers.contains("classified") && !readers.contains("draft"),
            "{readers}"
        );
    }
}
