//! The room lists a gateway asks for when sockets connect: one user's
//! (`GET /api/rooms/ids`), or many users' at once (`POST /api/rooms/ids/batch`, service
//! credential only), each with a sync cursor taken before the rooms were read.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::HashSet;

fn ids(v: &Value) -> HashSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn many_users_rooms_come_in_one_call_in_the_order_asked_without_deleted_rooms() {
    let app = spawn().await;
    let (a, b, c, loner) = (
        app.user("ann").await,
        app.user("ben").await,
        app.user("cid").await,
        app.user("lon").await,
    );
    let ab = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let ac = app.direct(&a, &c).await["id"].as_str().unwrap().to_owned();
    let group = app.group(&a, "group", "gone soon", &[&b]).await;
    let deleted = app
        .call(
            &a,
            reqwest::Method::DELETE,
            &format!("/api/rooms/{group}"),
            None,
        )
        .await;
    assert!(deleted.status < 300, "{deleted:?}");

    let reply = app
        .http
        .post(
            "/api/rooms/ids/batch",
            Some(chat_testkit::SERVICE_TOKEN),
            &json!({"user_ids": [b.id, a.id, loner.id, b.id]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let rooms = reply.body["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 4, "{rooms:?}");
    assert_eq!(ids(&rooms[0]), HashSet::from([ab.clone()]));
    assert_eq!(ids(&rooms[1]), HashSet::from([ab.clone(), ac.clone()]));
    assert!(ids(&rooms[2]).is_empty());
    assert_eq!(ids(&rooms[3]), HashSet::from([ab.clone()]));

    // The cursor is a sync cursor of that moment: what happens after it is synced from it.
    let cursor = reply.body["cursor"].as_str().unwrap().to_owned();
    assert_eq!(app.send(&b, &ab, &cid(), "after").await.status, 201);
    // A transaction still running anywhere in the cluster (another test's) holds the log
    // back: wait for the message to be served.
    let bodies = chat_testkit::eventually(std::time::Duration::from_secs(30), || async {
        let synced = app
            .http
            .get(&format!("/api/rooms/sync?cursor={cursor}"), Some(&a.token))
            .await;
        assert_eq!(synced.status, 200, "{:?}", synced.body);
        let bodies: Vec<String> = synced.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["payload"]["message"]["body"].as_str().map(str::to_owned))
            .collect();
        (!bodies.is_empty()).then_some(bodies)
    })
    .await;
    assert_eq!(bodies, Some(vec!["after".to_owned()]));

    // One user's list, as the user asks for it, is the same.
    let mine = app.http.get("/api/rooms/ids", Some(&a.token)).await;
    assert_eq!(mine.status, 200, "{:?}", mine.body);
    assert_eq!(ids(&mine.body["room_ids"]), HashSet::from([ab, ac]));
    assert!(mine.body["cursor"].as_str().is_some_and(|c| !c.is_empty()));
}

#[tokio::test]
async fn the_batch_takes_only_the_service_credential_and_one_to_a_thousand_users() {
    let app = spawn().await;
    let a = app.user("ann").await;
    let asks = |users: Vec<uuid::Uuid>| json!({ "user_ids": users });
    let reply = app
        .http
        .post("/api/rooms/ids/batch", Some(&a.token), &asks(vec![a.id]))
        .await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    let reply = app
        .http
        .post("/api/rooms/ids/batch", None, &asks(vec![a.id]))
        .await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    for (users, status) in [(0, 422), (1000, 200), (1001, 422)] {
        let reply = app
            .http
            .post(
                "/api/rooms/ids/batch",
                Some(chat_testkit::SERVICE_TOKEN),
                &asks(vec![a.id; users]),
            )
            .await;
        assert_eq!(reply.status, status, "{users} users: {:?}", reply.body);
        if status == 422 {
            assert_eq!(
                reply.body["error"]["code"], "validation_failed",
                "{:?}",
                reply.body
            );
        } else {
            assert_eq!(reply.body["rooms"].as_array().unwrap().len(), users);
        }
    }
}
