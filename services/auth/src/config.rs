use chat_http::config::{self, Common, ConfigError};

/// Everything auth reads from the environment (see `.env.example`).
#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    /// Address to listen on (`AUTH_BIND`); port 0 picks a free one.
    pub bind: String,
    /// PEM file of the Ed25519 key that signs access tokens (`AUTH_JWT_PRIVATE_KEY_FILE`).
    pub private_key_file: String,
    /// PEM file of its public half (`AUTH_JWT_PUBLIC_KEY_FILE`), which names the key id.
    pub public_key_file: String,
    /// Lifetime of access tokens in seconds (`AUTH_ACCESS_TTL_SECS`).
    pub access_ttl_secs: i64,
    /// Lifetime of refresh tokens in seconds (`AUTH_REFRESH_TTL_SECS`).
    pub refresh_ttl_secs: i64,
    /// bcrypt cost (`AUTH_BCRYPT_COST`): at least 10 in production, 4 in tests.
    pub bcrypt_cost: u32,
    /// Hashes computed at once (`AUTH_MAX_CONCURRENT_HASHES`); the rest wait.
    pub max_concurrent_hashes: usize,
    /// Mark cookies `Secure` (`AUTH_COOKIE_SECURE`): on whenever served over https.
    pub cookie_secure: bool,
    /// Seconds a gateway heartbeat stays fresh for presence (`PRESENCE_FRESH_SECS`).
    pub presence_fresh_secs: i64,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let public_key_file = config::or("AUTH_JWT_PUBLIC_KEY_FILE", ".run/keys/jwt-public.pem");
        let mut common = Common::from_env()?;
        if common.jwt_public_key_files.is_empty() {
            common.jwt_public_key_files = vec![public_key_file.clone()];
        }
        Ok(Self {
            common,
            bind: config::or("AUTH_BIND", "127.0.0.1:8081"),
            private_key_file: config::or("AUTH_JWT_PRIVATE_KEY_FILE", ".run/keys/jwt-private.pem"),
            public_key_file,
            access_ttl_secs: config::parse_or("AUTH_ACCESS_TTL_SECS", 900)?,
            refresh_ttl_secs: config::parse_or("AUTH_REFRESH_TTL_SECS", 30 * 24 * 3600)?,
            bcrypt_cost: config::parse_or("AUTH_BCRYPT_COST", 12)?,
            max_concurrent_hashes: config::parse_or("AUTH_MAX_CONCURRENT_HASHES", 2)?,
            cookie_secure: config::parse_or("AUTH_COOKIE_SECURE", false)?,
            presence_fresh_secs: config::parse_or("PRESENCE_FRESH_SECS", 30)?,
        })
    }
}
