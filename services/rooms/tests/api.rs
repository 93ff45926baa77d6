//! The rooms service, spawned for real on port 0 against its own database and exchange.

use chat_db::users::{self, NewUser};
use chat_testkit::{EventTap, Http, TestDb, common_config, mint_token, test_exchange};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

struct TestApp {
    http: Http,
    db: TestDb,
    exchange: String,
    stop: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A user row plus a token for them.
struct User {
    id: Uuid,
    token: String,
}

fn config(db: &TestDb, exchange: &str) -> chat_rooms::Config {
    chat_rooms::Config {
        max_body_chars: 100,
        ..chat_rooms::Config::for_tests(common_config(db, exchange))
    }
}

async fn spawn_with(config: chat_rooms::Config, db: TestDb) -> TestApp {
    let exchange = config.common.exchange.clone();
    let service = chat_rooms::build(config).await.expect("build rooms");
    let http = Http::new(format!("http://127.0.0.1:{}", service.port));
    let stop = CancellationToken::new();
    tokio::spawn(service.run_until(stop.clone().cancelled_owned()));
    TestApp {
        http,
        db,
        exchange,
        stop,
    }
}

async fn spawn() -> TestApp {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    spawn_with(config(&db, &exchange), db).await
}

impl TestApp {
    async fn user(&self, name: &str) -> User {
        let mut conn = self.db.conn().await;
        let id = Uuid::now_v7();
        users::insert(
            &mut conn,
            &NewUser {
                id,
                username: name,
                email: &format!("{name}@example.com"),
                display_name: name,
                password_hash: "x",
                role: "user",
            },
        )
        .await
        .expect("insert user");
        User {
            id,
            token: mint_token(id, name, 300),
        }
    }

    async fn direct(&self, a: &User, b: &User) -> Value {
        let reply = self
            .http
            .post(
                "/api/rooms/direct",
                Some(&a.token),
                &json!({"user_id": b.id}),
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body
    }

    async fn send(&self, user: &User, room: &str, cid: &str, body: &str) -> chat_testkit::Reply {
        self.http
            .post(
                &format!("/api/rooms/{room}/messages"),
                Some(&user.token),
                &json!({"client_msg_id": cid, "body": body}),
            )
            .await
    }
}

#[tokio::test]
async fn a_direct_room_is_unique_per_pair_whatever_the_order_or_concurrency() {
    let app = spawn().await;
    let (a, b) = (app.user("ann").await, app.user("ben").await);
    let (x, y) = tokio::join!(app.direct(&a, &b), app.direct(&b, &a));
    assert_eq!(x["id"], y["id"]);
    assert_eq!(x["kind"], "direct");
    assert_eq!(x["members"].as_array().unwrap().len(), 2);
    let again = app.direct(&a, &b).await;
    assert_eq!(again["id"], x["id"]);
}

#[tokio::test]
async fn saved_messages_is_the_direct_room_with_oneself() {
    let app = spawn().await;
    let a = app.user("solo").await;
    let saved = app.direct(&a, &a).await;
    assert_eq!(saved["kind"], "saved");
    assert_eq!(saved["members"].as_array().unwrap().len(), 1);
    let list = app.http.get("/api/rooms", Some(&a.token)).await;
    assert_eq!(list.body["rooms"][0]["peer_id"], a.id.to_string());
}

#[tokio::test]
async fn opening_a_chat_with_an_unknown_user_is_404() {
    let app = spawn().await;
    let a = app.user("lonely").await;
    let reply = app
        .http
        .post(
            "/api/rooms/direct",
            Some(&a.token),
            &json!({"user_id": Uuid::new_v4()}),
        )
        .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn outsiders_get_the_same_404_whether_the_room_exists_or_not() {
    let app = spawn().await;
    let (a, b, eve) = (
        app.user("amy").await,
        app.user("bo").await,
        app.user("eve").await,
    );
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let ghost = Uuid::new_v4().to_string();
    for id in [&room, &ghost] {
        let get = app
            .http
            .get(&format!("/api/rooms/{id}"), Some(&eve.token))
            .await;
        let history = app
            .http
            .get(&format!("/api/rooms/{id}/messages"), Some(&eve.token))
            .await;
        let send = app.send(&eve, id, "c1", "hi").await;
        let read = app
            .http
            .post(
                &format!("/api/rooms/{id}/read"),
                Some(&eve.token),
                &json!({"seq": 1}),
            )
            .await;
        for reply in [&get, &history, &send, &read] {
            assert_eq!(reply.status, 404, "{:?}", reply.body);
            assert_eq!(
                reply.body, get.body,
                "the answers must not tell rooms apart"
            );
        }
    }
    let none = app.http.get("/api/rooms", None).await;
    assert_eq!(none.status, 401);
}

#[tokio::test]
async fn a_retried_send_returns_the_first_message() {
    let app = spawn().await;
    let (a, b) = (app.user("cat").await, app.user("dog").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let first = app.send(&a, &room, "same-id", "hello").await;
    assert_eq!(first.status, 201);
    assert_eq!(first.body["seq"], 1);
    let retry = app.send(&a, &room, "same-id", "hello").await;
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body["id"], first.body["id"]);
    let history = app
        .http
        .get(&format!("/api/rooms/{room}/messages"), Some(&b.token))
        .await;
    assert_eq!(history.body["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_sends_to_one_room_get_gap_free_seqs() {
    let app = spawn().await;
    let (a, b) = (app.user("eli").await, app.user("fay").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let sends = (0..100).map(|i| {
        let sender = if i % 2 == 0 { &a } else { &b };
        let room = room.clone();
        let app = &app;
        async move {
            app.send(sender, &room, &format!("c{i}"), &format!("m{i}"))
                .await
        }
    });
    let replies = futures_util::future::join_all(sends).await;
    let mut seqs: Vec<i64> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{:?}", r.body);
            r.body["seq"].as_i64().unwrap()
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
}

#[tokio::test]
async fn history_pages_by_seq_in_both_directions() {
    let app = spawn().await;
    let (a, b) = (app.user("gus").await, app.user("hal").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    for i in 1..=7 {
        app.send(&a, &room, &format!("h{i}"), &format!("msg {i}"))
            .await;
    }
    let seqs = |v: &Value| -> Vec<i64> {
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect()
    };
    let latest = app
        .http
        .get(
            &format!("/api/rooms/{room}/messages?limit=3"),
            Some(&b.token),
        )
        .await;
    assert_eq!(seqs(&latest.body), [5, 6, 7]);
    assert_eq!(latest.body["has_more"], true);
    let older = app
        .http
        .get(
            &format!("/api/rooms/{room}/messages?limit=3&before=5"),
            Some(&b.token),
        )
        .await;
    assert_eq!(seqs(&older.body), [2, 3, 4]);
    let oldest = app
        .http
        .get(
            &format!("/api/rooms/{room}/messages?limit=3&before=2"),
            Some(&b.token),
        )
        .await;
    assert_eq!(seqs(&oldest.body), [1]);
    assert_eq!(oldest.body["has_more"], false);
    let newer = app
        .http
        .get(
            &format!("/api/rooms/{room}/messages?limit=4&after=4"),
            Some(&b.token),
        )
        .await;
    assert_eq!(seqs(&newer.body), [5, 6, 7]);
    assert_eq!(newer.body["has_more"], false);
    let both = app
        .http
        .get(
            &format!("/api/rooms/{room}/messages?before=3&after=1"),
            Some(&b.token),
        )
        .await;
    assert_eq!(both.status, 400);
    let bad = app
        .http
        .get(
            &format!("/api/rooms/{room}/messages?limit=lots"),
            Some(&b.token),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn read_watermarks_only_move_forward_and_drive_unread_counts() {
    let app = spawn().await;
    let (a, b) = (app.user("ida").await, app.user("jon").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    for i in 1..=5 {
        app.send(&a, &room, &format!("r{i}"), "x").await;
    }
    let list = app.http.get("/api/rooms", Some(&b.token)).await;
    assert_eq!(list.body["rooms"][0]["unread"], 5);
    assert_eq!(list.body["rooms"][0]["last_message"]["seq"], 5);
    let sender_view = app.http.get("/api/rooms", Some(&a.token)).await;
    assert_eq!(
        sender_view.body["rooms"][0]["unread"], 0,
        "own messages are read"
    );
    let read = app
        .http
        .post(
            &format!("/api/rooms/{room}/read"),
            Some(&b.token),
            &json!({"seq": 3}),
        )
        .await;
    assert_eq!(read.body["unread"], 2);
    let back = app
        .http
        .post(
            &format!("/api/rooms/{room}/read"),
            Some(&b.token),
            &json!({"seq": 1}),
        )
        .await;
    assert_eq!(back.body["last_read_seq"], 3, "never moves back");
    let beyond = app
        .http
        .post(
            &format!("/api/rooms/{room}/read"),
            Some(&b.token),
            &json!({"seq": 99}),
        )
        .await;
    assert_eq!(
        beyond.body["last_read_seq"], 5,
        "capped at the last message"
    );
    assert_eq!(beyond.body["unread"], 0);
}

#[tokio::test]
async fn bodies_and_replies_are_validated() {
    let app = spawn().await;
    let (a, b, c) = (
        app.user("kim").await,
        app.user("lee").await,
        app.user("max").await,
    );
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let other = app.direct(&a, &c).await["id"].as_str().unwrap().to_owned();
    assert_eq!(app.send(&a, &room, "e1", "   ").await.status, 422);
    assert_eq!(
        app.send(&a, &room, "e2", &"x".repeat(101)).await.status,
        422
    );
    assert_eq!(app.send(&a, &room, "", "hi").await.status, 422);
    let elsewhere = app.send(&a, &other, "o1", "over there").await;
    let reply = app
        .http
        .post(
            &format!("/api/rooms/{room}/messages"),
            Some(&a.token),
            &json!({"client_msg_id": "e3", "body": "re", "reply_to": elsewhere.body["id"]}),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body["error"]["fields"]["reply_to"].is_string());
    let reused = app.send(&a, &room, "o1", "same id, other room").await;
    assert_eq!(reused.status, 409);
}

#[tokio::test]
async fn every_change_is_published_with_its_seq_after_commit() {
    let app = spawn().await;
    let mut tap = EventTap::new(&app.exchange, "room.#").await;
    let (a, b) = (app.user("ned").await, app.user("oli").await);
    let room = app.direct(&a, &b).await["id"].as_str().unwrap().to_owned();
    let created = tap
        .next(Duration::from_secs(10))
        .await
        .expect("room.created event");
    assert_eq!(created["payload"]["type"], "room_created");
    app.send(&a, &room, "p1", "published?").await;
    let event = tap
        .next(Duration::from_secs(10))
        .await
        .expect("message event");
    assert_eq!(event["payload"]["type"], "message_created");
    assert_eq!(event["payload"]["message"]["seq"], 1);
    assert_eq!(event["payload"]["message"]["body"], "published?");
    assert!(event["id"].is_string());
    let mut conn = app.db.conn().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while chat_db::outbox::pending(&mut conn).await.unwrap() > 0 {
        assert!(
            Instant::now() < deadline,
            "published rows must leave the outbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_api_is_documented() {
    let app = spawn().await;
    let doc = app.http.get("/api/rooms/openapi.json", None).await;
    for path in [
        "/api/rooms",
        "/api/rooms/direct",
        "/api/rooms/{id}",
        "/api/rooms/{id}/messages",
        "/api/rooms/{id}/read",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "{path} is not documented"
        );
    }
}

#[tokio::test]
async fn a_database_that_is_down_gives_503_quickly() {
    let db = TestDb::new().await;
    let mut config = config(&db, &test_exchange());
    config.common.database_url =
        chat_http::config::Secret::new("postgres://postgres@127.0.0.1:1/none");
    let app = spawn_with(config, db).await;
    let token = mint_token(Uuid::new_v4(), "x", 60);
    let started = Instant::now();
    let reply = app.http.get("/api/rooms", Some(&token)).await;
    assert_eq!(reply.status, 503, "{:?}", reply.body);
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(app.http.get("/readyz", None).await.status, 503);
}
