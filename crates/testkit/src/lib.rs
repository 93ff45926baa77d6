#![doc = include_str!("../README.md")]

mod app;
mod db;
mod http;
mod keys;
mod proxy;
mod tap;
mod telegram;
mod ws;

pub use app::TestApp;
pub use db::TestDb;
pub use http::{Http, Reply};
pub use keys::{Keys, keys, mint_session_token, mint_token};
pub use proxy::TcpProxy;
pub use tap::{EventTap, Taken, publish_pack, publish_raw, take_from};
pub use telegram::{FAKE_BOT_USERNAME, FakeTelegram, Sent};
pub use ws::WsClient;

use chat_http::config::{Common, Secret};

/// The broker every test talks to.
pub fn amqp_url() -> String {
    std::env::var("TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// A fresh exchange name, so each test sees only its own events.
pub fn test_exchange() -> String {
    format!("test.{}", uuid::Uuid::new_v4().simple())
}

/// Origins the services accept in tests.
pub const TEST_ORIGIN: &str = "http://localhost:8080";

/// Shared settings for a service under test.
pub fn common_config(db: &TestDb, exchange: &str) -> Common {
    Common {
        database_url: Secret::new(db.url.clone()),
        database_pool_size: 8,
        amqp_url: Secret::new(amqp_url()),
        exchange: exchange.to_owned(),
        jwt_public_key_files: vec![keys().public_file.clone()],
        allowed_origins: vec![TEST_ORIGIN.to_owned()],
        shutdown_timeout_secs: 5,
        trusted_proxies: vec!["127.0.0.1".to_owned()],
        service_token: Some(Secret::new(SERVICE_TOKEN)),
        redis_url: None,
        rate_limit_prefix: exchange.to_owned(),
    }
}

/// The service credential every service under test shares.
pub const SERVICE_TOKEN: &str = "test-service-token-0123456789abcdef0123456789";

/// Polls `check` until it returns `Some` or `timeout` passes. `check` is an async closure, so
/// it may keep state between polls and borrow what it reads mutably (a stream, a cursor, what
/// it has collected so far).
pub async fn eventually<T>(
    timeout: std::time::Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> Option<T> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
