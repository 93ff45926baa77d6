//! What the rooms service's integration tests share: the service spawned for real on port 0
//! against its own database and exchange, users with tokens, and a few calls.

use chat_db::users::{self, NewUser};
pub use chat_testkit::TestApp;
use chat_testkit::{TestDb, common_config, mint_token, test_exchange};
use serde_json::{Value, json};
use uuid::Uuid;

/// A user row plus a token for them.
pub struct User {
    pub id: Uuid,
    pub token: String,
}

pub fn config(db: &TestDb, exchange: &str) -> chat_rooms::Config {
    chat_rooms::Config {
        max_body_chars: 100,
        ..chat_rooms::Config::for_tests(common_config(db, exchange))
    }
}

pub async fn spawn_with(config: chat_rooms::Config, db: TestDb) -> TestApp {
    let exchange = config.common.exchange.clone();
    let service = chat_rooms::build(config).await.expect("build rooms");
    TestApp::start(service, db, &exchange)
}

pub async fn spawn() -> TestApp {
    let db = TestDb::new().await;
    let exchange = test_exchange();
    spawn_with(config(&db, &exchange), db).await
}

/// What the rooms tests do with the service: users, rooms and calls.
pub trait Rooms {
    async fn user(&self, name: &str) -> User;
    async fn direct(&self, a: &User, b: &User) -> Value;
    async fn send(&self, user: &User, room: &str, cid: &str, body: &str) -> chat_testkit::Reply;
    async fn call(
        &self,
        user: &User,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> chat_testkit::Reply;
    async fn group(&self, owner: &User, kind: &str, name: &str, members: &[&User]) -> String;
}

impl Rooms for TestApp {
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

    /// Any method on any path, as `user`.
    async fn call(
        &self,
        user: &User,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> chat_testkit::Reply {
        let mut req = self
            .http
            .client
            .request(method, self.http.url(path))
            .bearer_auth(&user.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.http.send(req).await
    }

    /// A group or public room made by `owner` with `members`; its id.
    async fn group(&self, owner: &User, kind: &str, name: &str, members: &[&User]) -> String {
        let ids: Vec<Uuid> = members.iter().map(|m| m.id).collect();
        let reply = self
            .http
            .post(
                "/api/rooms",
                Some(&owner.token),
                &json!({"kind": kind, "name": name, "topic": "all about rust builds", "member_ids": ids}),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }
}

/// The role of `user` in a room as `GET /api/rooms/{id}` answers it.
pub fn role_of(room: &Value, user: &User) -> Option<String> {
    room["members"]
        .as_array()?
        .iter()
        .find(|m| m["user_id"] == user.id.to_string())
        .map(|m| m["role"].as_str().unwrap().to_owned())
}

/// Waits until the relay has published every pending event (30 s at most, then fails).
pub async fn all_published(app: &TestApp) {
    let published = chat_testkit::eventually(std::time::Duration::from_secs(30), || async {
        let mut conn = app.db.conn().await;
        let pending = chat_db::outbox::pending(&mut conn).await.unwrap();
        (pending == 0).then_some(())
    })
    .await;
    assert!(published.is_some(), "published rows must leave the outbox");
}

/// A fresh client_msg_id.
pub fn cid() -> String {
    Uuid::new_v4().to_string()
}
