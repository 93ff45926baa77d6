//! What every auth test file shares: the service spawned for real on port 0 against its own
//! database.

pub use chat_testkit::TestApp;
use chat_testkit::{Reply, TestDb, common_config, keys, test_exchange};
use serde_json::json;

pub fn config(db: &TestDb) -> chat_auth::Config {
    chat_auth::Config::for_tests(
        common_config(db, &test_exchange()),
        &keys().private_file,
        &keys().public_file,
    )
}

pub async fn spawn_with(config: chat_auth::Config, db: TestDb) -> TestApp {
    let exchange = config.common.exchange.clone();
    let service = chat_auth::build(config).await.expect("build auth");
    TestApp::start(service, db, &exchange)
}

pub async fn spawn() -> TestApp {
    let db = TestDb::new().await;
    spawn_with(config(&db), db).await
}

/// What the auth tests do with the service: register, log in, refresh.
pub trait Auth {
    async fn register(&self, username: &str) -> Reply;
    async fn login(&self, login: &str, password: &str) -> Reply;
    async fn refresh(&self, refresh_token: &str) -> Reply;
}

impl Auth for TestApp {
    async fn register(&self, username: &str) -> Reply {
        self.http
            .post(
                "/api/auth/register",
                None,
                &json!({"username": username, "email": format!("{username}@example.com"), "password": "correct horse"}),
            )
            .await
    }

    async fn login(&self, login: &str, password: &str) -> Reply {
        self.http
            .post(
                "/api/auth/login",
                None,
                &json!({"login": login, "password": password}),
            )
            .await
    }

    async fn refresh(&self, refresh_token: &str) -> Reply {
        self.http
            .post(
                "/api/auth/refresh",
                None,
                &json!({"refresh_token": refresh_token}),
            )
            .await
    }
}

/// The id of the user a register or login reply names.
pub fn user_id(reply: &Reply) -> String {
    reply.body["user"]["id"]
        .as_str()
        .expect("user id")
        .to_owned()
}

pub fn token(reply: &Reply) -> String {
    reply.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// The session (`sid`) of the access token in a login or registration reply.
pub fn session_of(reply: &Reply) -> String {
    use base64::Engine;
    let token = token(reply);
    let claims = token.split('.').nth(1).unwrap();
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&claims).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
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
