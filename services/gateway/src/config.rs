use chat_domain::api::MAX_SEND_BATCH;
use chat_http::config::{self, Common, ConfigError};
use uuid::Uuid;

/// Everything the gateway reads from the environment (see `.env.example`).
#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    /// Address to listen on (`GATEWAY_BIND`); port 0 picks a free one.
    pub bind: String,
    /// Base URL of the rooms service (`GATEWAY_ROOMS_URL`); several, comma-separated, fail over
    /// in order (see `chat_http::client::ServiceClient`).
    pub rooms_url: String,
    /// This instance's id for presence (`GATEWAY_INSTANCE_ID`); random by default.
    pub instance_id: Uuid,
    /// Largest frame a client may send, in bytes (`GATEWAY_MAX_FRAME_BYTES`).
    pub max_frame_bytes: usize,
    /// Frames queued for one socket before it counts as too slow (`GATEWAY_OUTBOUND_QUEUE`).
    pub outbound_queue: usize,
    /// Seconds between server pings (`GATEWAY_PING_SECS`).
    pub ping_secs: u64,
    /// Seconds without any frame from the client before it is dropped (`GATEWAY_IDLE_TIMEOUT_SECS`).
    pub idle_timeout_secs: u64,
    /// Seconds a client without credentials at the upgrade has to send `auth` (`GATEWAY_AUTH_TIMEOUT_SECS`).
    pub auth_timeout_secs: u64,
    /// Seconds between presence heartbeats of this instance (`GATEWAY_HEARTBEAT_SECS`).
    pub heartbeat_secs: u64,
    /// Seconds after which an instance that stopped heartbeating is removed (`PRESENCE_FRESH_SECS`).
    pub presence_fresh_secs: i64,
    /// Seconds a user whose last socket closed stays online for the people they share rooms
    /// with, so a reload or a short network drop does not flicker (`GATEWAY_PRESENCE_GRACE_SECS`).
    pub presence_grace_secs: u64,
    /// Batches of sends on their way to the rooms service at once (`GATEWAY_SEND_BATCHES`, at
    /// least 1): the sends that arrive meanwhile wait and leave together as the next batch.
    pub send_batches: usize,
    /// The most sends one batch carries (`GATEWAY_SEND_BATCH_MAX`, 1 to 256; 1 stores each
    /// send in a call of its own, which is how a benchmark measures what batching gains).
    pub send_batch_max: usize,
    /// Frames a socket may send per second on average (`GATEWAY_FRAMES_PER_SEC`).
    pub frames_per_sec: u32,
    /// Frames a socket may send at once above that rate (`GATEWAY_FRAME_BURST`). A frame over
    /// the budget is refused with a `rate_limited` error frame; once as many more are refused
    /// (sending at more than twice the rate) the socket is closed with 4008.
    pub frame_burst: u32,
    /// Sockets one user may have open on this gateway (`GATEWAY_MAX_SOCKETS_PER_USER`; 0: no
    /// cap). One more is closed with 4008.
    pub max_sockets_per_user: usize,
    /// Sockets one client address may have open on this gateway
    /// (`GATEWAY_MAX_SOCKETS_PER_ADDRESS`; 0: no cap; behind nginx the address nginx saw, by
    /// `TRUSTED_PROXIES`). One more is refused with 429 at the upgrade.
    pub max_sockets_per_address: usize,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut common = Common::from_env()?;
        if common.jwt_public_key_files.is_empty() {
            common.jwt_public_key_files = vec![".run/keys/jwt-public.pem".to_owned()];
        }
        let instance_id = match config::optional("GATEWAY_INSTANCE_ID") {
            Some(raw) => raw.parse().map_err(|e: uuid::Error| ConfigError {
                name: "GATEWAY_INSTANCE_ID".into(),
                message: e.to_string(),
            })?,
            None => Uuid::new_v4(),
        };
        Ok(Self {
            common,
            bind: config::or("GATEWAY_BIND", "127.0.0.1:8083"),
            rooms_url: config::or("GATEWAY_ROOMS_URL", "http://127.0.0.1:8082"),
            instance_id,
            max_frame_bytes: config::parse_in(
                "GATEWAY_MAX_FRAME_BYTES",
                64 * 1024,
                256..=16 * 1024 * 1024,
            )?,
            outbound_queue: config::parse_in("GATEWAY_OUTBOUND_QUEUE", 256, 1..=65_536)?,
            ping_secs: config::parse_in("GATEWAY_PING_SECS", 20, 1..=3_600)?,
            idle_timeout_secs: config::parse_in("GATEWAY_IDLE_TIMEOUT_SECS", 60, 1..=86_400)?,
            auth_timeout_secs: config::parse_in("GATEWAY_AUTH_TIMEOUT_SECS", 5, 1..=600)?,
            heartbeat_secs: config::parse_in("GATEWAY_HEARTBEAT_SECS", 10, 1..=3_600)?,
            presence_fresh_secs: config::parse_in("PRESENCE_FRESH_SECS", 30, 1..=86_400)?,
            presence_grace_secs: config::parse_in("GATEWAY_PRESENCE_GRACE_SECS", 5, 0..=3_600)?,
            send_batches: config::parse_in("GATEWAY_SEND_BATCHES", 4, 1..=64)?,
            // 0 would stall every send; above the batch route's limit, the limit is used.
            send_batch_max: config::parse_in(
                "GATEWAY_SEND_BATCH_MAX",
                MAX_SEND_BATCH,
                1..=usize::MAX,
            )?
            .min(MAX_SEND_BATCH),
            frames_per_sec: config::parse_in("GATEWAY_FRAMES_PER_SEC", 30, 1..=100_000)?,
            frame_burst: config::parse_in("GATEWAY_FRAME_BURST", 60, 1..=1_000_000)?,
            max_sockets_per_user: config::parse_in(
                "GATEWAY_MAX_SOCKETS_PER_USER",
                20,
                0..=1_000_000,
            )?,
            max_sockets_per_address: config::parse_in(
                "GATEWAY_MAX_SOCKETS_PER_ADDRESS",
                2_000,
                0..=10_000_000,
            )?,
        })
    }
}
