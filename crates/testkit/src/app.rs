//! A service spawned for real, the way every service's integration tests start theirs.

use crate::{Http, TestDb};
use chat_http::server::Service;
use tokio_util::sync::CancellationToken;

/// A service running on port 0 against its own database (and broker exchange), stopped when
/// dropped; its database is dropped with it.
pub struct TestApp {
    pub http: Http,
    pub db: TestDb,
    /// The exchange its events go to (tests tap it).
    pub exchange: String,
    stop: CancellationToken,
}

impl TestApp {
    /// Runs a built service until the test ends.
    pub fn start(service: Service, db: TestDb, exchange: &str) -> Self {
        let http = Http::new(format!("http://127.0.0.1:{}", service.port));
        let stop = CancellationToken::new();
        tokio::spawn(service.run_until(stop.clone().cancelled_owned()));
        Self {
            http,
            db,
            exchange: exchange.to_owned(),
            stop,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
