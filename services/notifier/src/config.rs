use chat_http::config::{self, Common, ConfigError, Secret};

/// Everything the notifier reads from the environment (see `.env.example`).
#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    /// Address of the health and metrics endpoints (`NOTIFIER_BIND`).
    pub bind: String,
    /// The durable queue all notifier instances share (`NOTIFIER_QUEUE`).
    pub queue: String,
    /// Whether that queue (and its dead-letter queue) is a quorum queue
    /// (`NOTIFIER_QUEUE_TYPE=quorum`) or a classic one (`classic`, the default). A queue keeps
    /// the type it was created with: changing it on an existing queue needs a new
    /// `NOTIFIER_QUEUE` name.
    pub quorum_queue: bool,
    /// Deliveries in flight per instance (`NOTIFIER_PREFETCH`).
    pub prefetch: u16,
    /// The bot token (`TELEGRAM_BOT_TOKEN`); without one, notifications are only logged.
    pub telegram_token: Option<Secret>,
    /// The Bot API base URL (`TELEGRAM_API_URL`); tests point it at a fake server.
    pub telegram_api_url: Option<String>,
    /// Where the web app is, for links in notifications (`PUBLIC_URL`).
    pub public_url: String,
    /// Seconds a gateway heartbeat stays fresh for presence (`PRESENCE_FRESH_SECS`).
    pub presence_fresh_secs: i64,
    /// Base URL of auth, whose service-only Telegram endpoints the bot calls
    /// (`NOTIFIER_AUTH_URL`).
    pub auth_url: String,
    /// Seconds one long poll of `getUpdates` waits (`TELEGRAM_POLL_TIMEOUT_SECS`).
    pub telegram_poll_timeout_secs: u64,
    /// Seconds a digest collects messages for one user and room before it is sent
    /// (`NOTIFIER_DIGEST_WINDOW_SECS`).
    pub digest_window_secs: u64,
    /// How often senders look for digests that are due, in milliseconds
    /// (`NOTIFIER_DIGEST_POLL_MS`).
    pub digest_poll_ms: u64,
    /// Digests sent at once by this instance (`NOTIFIER_SEND_WORKERS`).
    pub send_workers: usize,
    /// Failed attempts at an event before it goes to the dead-letter queue
    /// (`NOTIFIER_MAX_ATTEMPTS`).
    pub max_attempts: u32,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: Common::from_env()?,
            bind: config::or("NOTIFIER_BIND", "127.0.0.1:8084"),
            queue: config::or("NOTIFIER_QUEUE", "notifier.messages"),
            quorum_queue: match config::or("NOTIFIER_QUEUE_TYPE", "classic").as_str() {
                "classic" => false,
                "quorum" => true,
                other => {
                    return Err(ConfigError {
                        name: "NOTIFIER_QUEUE_TYPE".to_owned(),
                        message: format!("{other:?}: must be classic or quorum"),
                    });
                }
            },
            prefetch: config::parse_in("NOTIFIER_PREFETCH", 32, 1..=65_535)?,
            telegram_token: config::optional("TELEGRAM_BOT_TOKEN").map(Secret::new),
            telegram_api_url: config::optional("TELEGRAM_API_URL"),
            public_url: config::or("PUBLIC_URL", "http://localhost:8080"),
            presence_fresh_secs: config::parse_in("PRESENCE_FRESH_SECS", 30, 1..=86_400)?,
            auth_url: config::or("NOTIFIER_AUTH_URL", "http://127.0.0.1:8081"),
            telegram_poll_timeout_secs: config::parse_in(
                "TELEGRAM_POLL_TIMEOUT_SECS",
                25,
                0..=600,
            )?,
            digest_window_secs: config::parse_in("NOTIFIER_DIGEST_WINDOW_SECS", 45, 0..=86_400)?,
            digest_poll_ms: config::parse_in("NOTIFIER_DIGEST_POLL_MS", 1000, 10..=600_000)?,
            send_workers: config::parse_in("NOTIFIER_SEND_WORKERS", 4, 1..=256)?,
            max_attempts: config::parse_in("NOTIFIER_MAX_ATTEMPTS", 8, 1..=100)?,
        })
    }

    /// Settings for tests: any free port, the given queue, no bot token.
    pub fn for_tests(common: Common, queue: String, auth_url: String) -> Self {
        Self {
            common,
            bind: "127.0.0.1:0".into(),
            queue,
            quorum_queue: false,
            prefetch: 8,
            telegram_token: None,
            telegram_api_url: None,
            public_url: "http://localhost:8080".into(),
            presence_fresh_secs: 5,
            auth_url,
            telegram_poll_timeout_secs: 1,
            digest_window_secs: 2,
            digest_poll_ms: 100,
            send_workers: 2,
            max_attempts: 3,
        }
    }
}
