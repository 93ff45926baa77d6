//! What every auth test file shares: the service spawned for real on port 0 against its own
//! database.

#![expect(dead_code, reason = "each test file uses its own subset")]

use chat_testkit::{Http, Reply, TestDb, common_config, keys, test_exchange};
use serde_json::json;
use tokio_util::sync::CancellationToken;

pub struct TestApp {
    pub http: Http,
    pub db: TestDb,
    stop: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub fn config(db: &TestDb) -> chat_auth::Config {
    chat_auth::Config::for_tests(
        common_config(db, &test_exchange()),
        &keys().private_file,
        &keys().public_file,
    )
}

pub async fn spawn_with(config: chat_auth::Config, db: TestDb) -> TestApp {
    let service = chat_auth::build(config).await.expect("build auth");
    let http = Http::new(format!("http://127.0.0.1:{}", service.port));
    let stop = CancellationToken::new();
    tokio::spawn(service.run_until(stop.clone().cancelled_owned()));
    TestApp { http, db, stop }
}

pub async fn spawn() -> TestApp {
    let db = TestDb::new().await;
    spawn_with(config(&db), db).await
}

impl TestApp {
    pub async fn register(&self, username: &str) -> Reply {
        self.http
            .post(
                "/api/auth/register",
                None,
                &json!({"username": username, "email": format!("{username}@example.com"), "password": "correct horse"}),
            )
            .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Reply {
        self.http
            .post(
                "/api/auth/login",
                None,
                &json!({"login": login, "password": password}),
            )
            .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.http
            .post(
                "/api/auth/refresh",
                None,
                &json!({"refresh_token": refresh_token}),
            )
            .await
    }
}

pub fn token(reply: &Reply) -> String {
    reply.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub fn refresh_token(reply: &Reply) -> String {
    reply.body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned()
}

pub fn cookies(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}
