//! Text PostgreSQL cannot store (NUL) and text that shows nothing: a 422 with the error
//! envelope on every path, never a 500.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn nul_in_any_text_is_a_422_never_a_500() {
    let app = spawn().await;
    let (a, b) = (app.user("alice").await, app.user("bob").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let sent = app.send(&a, &room, &cid(), "hello there").await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);

    let cases: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, "/api/rooms/public?q=ab%00cd".into(), None),
        (Method::GET, "/api/rooms/public?cursor=ab%00cd".into(), None),
        (Method::GET, "/api/rooms/search?q=hel%00lo".into(), None),
        (Method::GET, "/api/rooms/sync?cursor=%00".into(), None),
        (
            Method::POST,
            format!("/api/rooms/{room}/messages"),
            Some(json!({"client_msg_id": cid(), "body": "a\u{0}b"})),
        ),
        (
            Method::PATCH,
            format!("/api/rooms/{room}/messages/1"),
            Some(json!({"body": "a\u{0}b"})),
        ),
        (
            Method::POST,
            "/api/rooms".into(),
            Some(json!({"kind": "group", "name": "a\u{0}b"})),
        ),
    ];
    for (method, path, body) in cases {
        let reply = app.call(&a, method.clone(), &path, body).await;
        assert!(
            reply.status == 422 || (path.contains("cursor=") && reply.status == 400),
            "{method} {path}: {} {:?}",
            reply.status,
            reply.body
        );
        assert!(
            reply.body["error"]["code"].is_string(),
            "{method} {path}: {:?}",
            reply.body
        );
    }
    // Nothing of it was stored: the one message is still the first.
    let history = app
        .call(
            &a,
            Method::GET,
            &format!("/api/rooms/{room}/messages"),
            None,
        )
        .await;
    let bodies: Vec<&str> = history.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["hello there"]);
}

#[tokio::test]
async fn names_and_messages_that_show_nothing_are_refused() {
    let app = spawn().await;
    let (a, b) = (app.user("alice").await, app.user("bob").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();

    let blank = app
        .send(&a, &room, &cid(), " \u{200B}\u{2060} \u{FEFF}")
        .await;
    assert_eq!(blank.status, 422, "{:?}", blank.body);
    assert!(
        blank.body["error"]["fields"]["body"].is_string(),
        "{:?}",
        blank.body
    );

    let group = app
        .call(
            &a,
            Method::POST,
            "/api/rooms",
            Some(json!({"kind": "group", "name": "\u{202E}\u{200F}"})),
        )
        .await;
    assert_eq!(group.status, 422, "{:?}", group.body);
    assert!(
        group.body["error"]["fields"]["name"].is_string(),
        "{:?}",
        group.body
    );
}
