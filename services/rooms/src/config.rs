use chat_domain::MessageBody;
use chat_http::config::{self, Common, ConfigError};

/// Everything rooms reads from the environment (see `.env.example`).
#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    /// Address to listen on (`ROOMS_BIND`); port 0 picks a free one.
    pub bind: String,
    /// Longest message body in characters (`ROOMS_MAX_BODY_CHARS`).
    pub max_body_chars: usize,
    /// Seconds events stay in the sync log (`ROOMS_SYNC_RETENTION_SECS`); a client whose
    /// cursor is older is told to reset.
    pub sync_retention_secs: i64,
    /// Messages one user may send (and edit) per minute, over REST or through a gateway,
    /// across replicas with `REDIS_URL`, else per replica (`ROOMS_SEND_LIMIT_PER_MINUTE`); 0
    /// turns the limit off.
    pub send_per_minute: u32,
    /// Rooms one user may create plus members they may add, per minute, like the send limit
    /// (`ROOMS_MANAGE_LIMIT_PER_MINUTE`); 0 turns the limit off.
    pub manage_per_minute: u32,
    /// Message searches one user may run per minute, like the send limit
    /// (`ROOMS_SEARCH_LIMIT_PER_MINUTE`); 0 turns the limit off.
    pub search_per_minute: u32,
    /// Reactions one user may add or remove per minute, like the send limit
    /// (`ROOMS_REACTION_LIMIT_PER_MINUTE`); 0 turns the limit off.
    pub reaction_per_minute: u32,
    /// Where files sent with messages are kept (`ROOMS_ATTACHMENTS_URL`): a directory (made if
    /// missing), or `s3://bucket` for S3-compatible storage, configured by the `AWS_*`
    /// variables (`AWS_ENDPOINT` and `AWS_ALLOW_HTTP` for a store other than Amazon's).
    pub attachments_url: String,
    /// The largest file one message carries, in bytes (`ROOMS_ATTACHMENT_MAX_BYTES`, 20 MB).
    pub attachment_max_bytes: u64,
    /// How long a download link works, in seconds (`ROOMS_ATTACHMENT_LINK_SECS`, 10 minutes).
    pub attachment_link_secs: u64,
    /// How often each replica sweeps the store of files nothing carries any more (the files of
    /// deleted rooms, and files no message carries), in seconds
    /// (`ROOMS_ATTACHMENT_SWEEP_SECS`, 6 hours; 0 = never).
    pub attachment_sweep_secs: u64,
    /// Searches running at once per rooms replica (`ROOMS_SEARCH_CONCURRENCY`); more wait up to
    /// 5 s for a slot, then get 503. Keep it well below `DATABASE_POOL_SIZE`.
    pub search_concurrency: usize,
    /// The most events the outbox relay sends to the broker in one message, when consecutive
    /// events share a routing key (`ROOMS_OUTBOX_PACK_MAX`, 128; 1 = one message per event).
    pub outbox_pack_max: usize,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut common = Common::from_env()?;
        if common.jwt_public_key_files.is_empty() {
            common.jwt_public_key_files = vec![".run/keys/jwt-public.pem".to_owned()];
        }
        Ok(Self {
            common,
            bind: config::or("ROOMS_BIND", "127.0.0.1:8082"),
            max_body_chars: config::parse_in(
                "ROOMS_MAX_BODY_CHARS",
                MessageBody::DEFAULT_MAX_CHARS,
                1..=65_536,
            )?,
            sync_retention_secs: config::parse_in(
                "ROOMS_SYNC_RETENTION_SECS",
                7 * 24 * 3600,
                60..=365 * 24 * 3600,
            )?,
            send_per_minute: config::parse_or("ROOMS_SEND_LIMIT_PER_MINUTE", 120)?,
            manage_per_minute: config::parse_or("ROOMS_MANAGE_LIMIT_PER_MINUTE", 30)?,
            search_per_minute: config::parse_or("ROOMS_SEARCH_LIMIT_PER_MINUTE", 60)?,
            reaction_per_minute: config::parse_or("ROOMS_REACTION_LIMIT_PER_MINUTE", 120)?,
            attachments_url: config::or("ROOMS_ATTACHMENTS_URL", ".run/attachments"),
            attachment_max_bytes: config::parse_in(
                "ROOMS_ATTACHMENT_MAX_BYTES",
                20 * 1024 * 1024,
                1..=1024 * 1024 * 1024,
            )?,
            attachment_link_secs: config::parse_in("ROOMS_ATTACHMENT_LINK_SECS", 600, 10..=86_400)?,
            attachment_sweep_secs: config::parse_in(
                "ROOMS_ATTACHMENT_SWEEP_SECS",
                6 * 3600,
                0..=7 * 86_400,
            )?,
            search_concurrency: config::parse_in("ROOMS_SEARCH_CONCURRENCY", 2, 1..=256)?,
            outbox_pack_max: config::parse_in("ROOMS_OUTBOX_PACK_MAX", 128, 1..=256)?,
        })
    }

    /// Settings for tests and the in-process stack: any free port, the default body limit, no
    /// rate limit.
    pub fn for_tests(common: Common) -> Self {
        Self {
            common,
            bind: "127.0.0.1:0".into(),
            max_body_chars: MessageBody::DEFAULT_MAX_CHARS,
            sync_retention_secs: 7 * 24 * 3600,
            send_per_minute: 0,
            manage_per_minute: 0,
            search_per_minute: 0,
            reaction_per_minute: 0,
            attachments_url: std::env::temp_dir()
                .join(format!("chat-attachments-{}", uuid::Uuid::new_v4()))
                .to_string_lossy()
                .into_owned(),
            attachment_max_bytes: 20 * 1024 * 1024,
            attachment_link_secs: 600,
            attachment_sweep_secs: 0,
            search_concurrency: 2,
            outbox_pack_max: 128,
        }
    }
}
