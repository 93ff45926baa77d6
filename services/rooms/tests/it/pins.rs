//! Pinned messages: who may pin, what the list holds, what the members are told, and that a
//! deleted message leaves the list.

use crate::common::*;
use chat_testkit::EventTap;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn pin(app: &TestApp, user: &User, room: &str, seq: i64, on: bool) -> chat_testkit::Reply {
    let method = if on { Method::PUT } else { Method::DELETE };
    app.call(user, method, &format!("/api/rooms/{room}/pins/{seq}"), None)
        .await
}

/// The seqs of the room's pins as `user` reads them, latest pin first.
async fn pinned(app: &TestApp, user: &User, room: &str) -> Vec<i64> {
    let list = app
        .http
        .get(&format!("/api/rooms/{room}/pins"), Some(&user.token))
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    seqs(&list.body)
}

fn seqs(pins: &Value) -> Vec<i64> {
    pins["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"]["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn owners_and_admins_pin_and_everyone_reads_the_pins_latest_first() {
    let app = spawn().await;
    let mut tap = EventTap::new(&app.exchange, "room.pins_changed").await;
    let (owner, admin, member) = (
        app.user("pn_owner").await,
        app.user("pn_admin").await,
        app.user("pn_member").await,
    );
    let room = app.group(&owner, "group", "Pins", &[&admin, &member]).await;
    let promoted = app
        .call(
            &owner,
            Method::PUT,
            &format!("/api/rooms/{room}/members/{}/role", admin.id),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promoted.status, 200);
    for text in ["rules", "agenda", "minutes"] {
        assert_eq!(app.send(&member, &room, &cid(), text).await.status, 201);
    }

    let refused = pin(&app, &member, &room, 1, true).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    let first = pin(&app, &owner, &room, 1, true).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["pins"][0]["pinned_by"], json!(owner.id));
    assert_eq!(first.body["pins"][0]["message"]["body"], "rules");
    assert_eq!(pin(&app, &admin, &room, 3, true).await.status, 200);
    let again = pin(&app, &admin, &room, 3, true).await;
    assert_eq!(
        (again.status, seqs(&again.body)),
        (200, vec![3, 1]),
        "pinning twice is pinning once"
    );
    assert_eq!(pinned(&app, &member, &room).await, [3, 1]);
    assert_eq!(pin(&app, &member, &room, 3, false).await.status, 403);
    let unpinned = pin(&app, &admin, &room, 1, false).await;
    assert_eq!((unpinned.status, seqs(&unpinned.body)), (200, vec![3]));
    assert_eq!(
        pin(&app, &owner, &room, 9, true).await.status,
        404,
        "no message 9"
    );

    let mut told = vec![];
    while told.len() < 3 {
        let e = tap
            .next(Duration::from_secs(10))
            .await
            .expect("a pins_changed event");
        let p = &e["payload"];
        assert_eq!(p["type"], "pins_changed");
        told.push((p["seq"].as_i64().unwrap(), p["pinned"].as_bool().unwrap()));
    }
    assert_eq!(told, [(1, true), (3, true), (1, false)]);
    assert!(
        tap.next(Duration::from_millis(500)).await.is_none(),
        "the repeat told nothing"
    );
}

#[tokio::test]
async fn either_person_pins_in_a_direct_chat_and_outsiders_get_404() {
    let app = spawn().await;
    let (a, b, o) = (
        app.user("pd_a").await,
        app.user("pd_b").await,
        app.user("pd_o").await,
    );
    let dm = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.send(&a, &dm, &cid(), "address").await.status, 201);
    assert_eq!(pin(&app, &b, &dm, 1, true).await.status, 200);
    assert_eq!(pinned(&app, &a, &dm).await, [1]);
    assert_eq!(pin(&app, &o, &dm, 1, false).await.status, 404);
    let outside = app
        .http
        .get(&format!("/api/rooms/{dm}/pins"), Some(&o.token))
        .await;
    assert_eq!(outside.status, 404);

    // A public room's pins are read like its history: by anyone.
    let hall = app.group(&a, "public", "Hall", &[]).await;
    assert_eq!(app.send(&a, &hall, &cid(), "welcome").await.status, 201);
    assert_eq!(pin(&app, &a, &hall, 1, true).await.status, 200);
    assert_eq!(pinned(&app, &o, &hall).await, [1]);
    assert_eq!(
        pin(&app, &o, &hall, 1, false).await.status,
        404,
        "not a member"
    );
}

#[tokio::test]
async fn a_deleted_message_leaves_the_pins_and_the_members_are_told() {
    let app = spawn().await;
    let mut tap = EventTap::new(&app.exchange, "room.#").await;
    let (a, b) = (app.user("px_a").await, app.user("px_b").await);
    let room = app.group(&a, "group", "Gone", &[&b]).await;
    assert_eq!(app.send(&b, &room, &cid(), "soon gone").await.status, 201);
    assert_eq!(pin(&app, &a, &room, 1, true).await.status, 200);
    let deleted = app
        .call(
            &b,
            Method::DELETE,
            &format!("/api/rooms/{room}/messages/1"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(pinned(&app, &a, &room).await, Vec::<i64>::new());
    assert_eq!(
        pin(&app, &a, &room, 1, true).await.status,
        404,
        "a tombstone is not pinned"
    );
    let mut unpinned = None;
    while let Some(e) = tap.next(Duration::from_secs(10)).await {
        if e["payload"]["type"] == "pins_changed" && e["payload"]["pinned"] == false {
            unpinned = Some(e["payload"].clone());
            break;
        }
    }
    let unpinned = unpinned.expect("a pins_changed with pinned: false");
    assert_eq!(unpinned["by"], json!(b.id));
}

#[tokio::test]
async fn a_room_keeps_fifty_pins() {
    let app = spawn().await;
    let (a, b) = (app.user("pm_a").await, app.user("pm_b").await);
    let room = app.group(&a, "group", "Board", &[&b]).await;
    for i in 0..51 {
        assert_eq!(
            app.send(&a, &room, &cid(), &format!("note {i}"))
                .await
                .status,
            201
        );
    }
    for seq in 1..=50 {
        assert_eq!(
            pin(&app, &a, &room, seq, true).await.status,
            200,
            "pin {seq}"
        );
    }
    let more = pin(&app, &a, &room, 51, true).await;
    assert_eq!(more.status, 422, "{:?}", more.body);
    assert!(
        more.body["error"]["fields"]["seq"].is_string(),
        "{:?}",
        more.body
    );
    assert_eq!(pinned(&app, &b, &room).await.len(), 50);
    assert_eq!(pin(&app, &a, &room, 1, false).await.status, 200);
    assert_eq!(
        pin(&app, &a, &room, 51, true).await.status,
        200,
        "room again after an unpin"
    );
}
