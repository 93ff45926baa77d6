//! Lists a client reads are paged: my rooms and a room's members; and a read receipt that
//! moves nothing waits for nothing.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

/// Every page of `path` (which takes `cursor` and `limit`), the items under `key` of each.
async fn all_pages(
    app: &TestApp,
    user: &User,
    path: &str,
    key: &str,
    limit: usize,
) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", urlencoding(c)));
        }
        let page = app.http.get(&url, Some(&user.token)).await;
        assert_eq!(page.status, 200, "{url}: {:?}", page.body);
        pages.push(page.body[key].as_array().unwrap().clone());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
        assert!(pages.len() < 100, "paging never ends");
    }
}

/// A cursor as a query value: its `:` and `|` percent-encoded.
fn urlencoding(s: &str) -> String {
    s.replace(':', "%3A").replace('|', "%7C")
}

#[tokio::test]
async fn my_rooms_come_a_page_at_a_time_newest_first_each_once() {
    let app = spawn().await;
    let me = app.user("alice").await;
    let mut made = Vec::new();
    for i in 0..7 {
        let peer = app.user(&format!("peer{i}")).await;
        let room = app.direct(&me, &peer).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let sent = app.send(&peer, &room, &cid(), &format!("hello {i}")).await;
        assert_eq!(sent.status, 201, "{:?}", sent.body);
        made.push(room);
    }
    let pages = all_pages(&app, &me, "/api/rooms", "rooms", 3).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    let ids: Vec<String> = pages
        .iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    // Newest activity first: the reverse of the order the messages were sent in.
    made.reverse();
    assert_eq!(ids, made);

    let default = app.http.get("/api/rooms", Some(&me.token)).await;
    assert_eq!(default.body["rooms"].as_array().unwrap().len(), 7);
    assert!(default.body["next_cursor"].is_null());
    let bad = app
        .http
        .get("/api/rooms?cursor=not-a-cursor", Some(&me.token))
        .await;
    assert_eq!(bad.status, 400, "{:?}", bad.body);
}

#[tokio::test]
async fn a_big_room_carries_its_first_members_and_pages_the_rest() {
    let app = spawn().await;
    let owner = app.user("owner").await;
    let mut others = Vec::new();
    for i in 0..150 {
        others.push(app.user(&format!("member{i}")).await);
    }
    let refs: Vec<&User> = others.iter().take(10).collect();
    let room = app.group(&owner, "group", "crowd", &refs).await;
    // The rest straight into the table: the API adds them one request at a time.
    let rest: Vec<_> = others[10..]
        .iter()
        .map(|u| (u.id, chat_domain::MemberRole::Member))
        .collect();
    let mut conn = app.db.conn().await;
    chat_db::rooms::add_members(&mut conn, room.parse().unwrap(), &rest)
        .await
        .unwrap();

    let got = app
        .http
        .get(&format!("/api/rooms/{room}"), Some(&owner.token))
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["member_count"], 151);
    assert_eq!(got.body["members"].as_array().unwrap().len(), 100);

    let pages = all_pages(
        &app,
        &owner,
        &format!("/api/rooms/{room}/members"),
        "members",
        40,
    )
    .await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [40, 40, 40, 31]
    );
    let ids: Vec<&str> = pages
        .iter()
        .flatten()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 151, "each member once");
    assert_eq!(ids[0], owner.id.to_string(), "oldest member first");

    let outsider = app.user("outsider").await;
    let refused = app
        .http
        .get(&format!("/api/rooms/{room}/members"), Some(&outsider.token))
        .await;
    assert_eq!(refused.status, 404, "{:?}", refused.body);
}

#[tokio::test]
async fn a_read_receipt_that_moves_nothing_does_not_wait_for_the_room() {
    let app = spawn().await;
    let (a, b) = (app.user("alice").await, app.user("bob").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    for i in 0..3 {
        assert_eq!(
            app.send(&a, &room, &cid(), &format!("m{i}")).await.status,
            201
        );
    }
    let read = app
        .http
        .post(
            &format!("/api/rooms/{room}/read"),
            Some(&b.token),
            &json!({"seq": 3}),
        )
        .await;
    assert_eq!(read.status, 200, "{:?}", read.body);

    // Someone holds the room's row (as a send does while it commits), for as long as this
    // test runs. Reading up to where bob already is must answer regardless.
    let mut holder = app.db.conn().await;
    let room_id: uuid::Uuid = room.parse().unwrap();
    let (locked_tx, locked) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let held = tokio::spawn(async move {
        use diesel_async::SimpleAsyncConnection;
        holder
            .batch_execute(&format!(
                "BEGIN; SELECT 1 FROM rooms WHERE id = '{room_id}' FOR UPDATE"
            ))
            .await
            .unwrap();
        let _ = locked_tx.send(());
        let _ = released.await;
        holder.batch_execute("COMMIT").await.unwrap();
    });
    locked.await.unwrap();
    for seq in [2, 3] {
        let again = tokio::time::timeout(
            Duration::from_secs(20),
            app.http.post(
                &format!("/api/rooms/{room}/read"),
                Some(&b.token),
                &json!({"seq": seq}),
            ),
        )
        .await
        .expect("a read receipt that moves nothing must not wait for the room's row");
        assert_eq!(again.status, 200, "{:?}", again.body);
        assert_eq!(again.body["last_read_seq"], 3);
        assert_eq!(again.body["unread"], 0);
    }
    release.send(()).unwrap();
    held.await.unwrap();
}
