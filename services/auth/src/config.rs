use chat_http::config::{self, Common, ConfigError, Secret};

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
    /// Mark cookies `Secure` (`AUTH_COOKIE_SECURE`); by default on when an allowed origin
    /// (`ALLOWED_ORIGINS`) is https.
    pub cookie_secure: bool,
    /// Seconds a gateway heartbeat stays fresh for presence (`PRESENCE_FRESH_SECS`).
    pub presence_fresh_secs: i64,
    /// The bot's username for deep links (`TELEGRAM_BOT_USERNAME`); absent, linking is off.
    pub telegram_bot_username: Option<String>,
    /// Seconds a Telegram link token stays valid (`AUTH_TELEGRAM_LINK_TTL_SECS`).
    pub telegram_link_ttl_secs: i64,
    /// The first admin, created at migrate or start when absent (`AUTH_ADMIN_USERNAME`,
    /// `AUTH_ADMIN_EMAIL`, `AUTH_ADMIN_PASSWORD` or `AUTH_ADMIN_PASSWORD_FILE`).
    pub admin: Option<AdminSeed>,
    pub limits: Limits,
}

/// Rate limits; 0 turns one off.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Failed logins per account from one client address per 15 minutes
    /// (`AUTH_LOGIN_LIMIT_PER_ACCOUNT`); also failed current passwords per user when changing
    /// it, counted apart.
    pub login_per_account: u32,
    /// Failed logins per account from all addresses together per 15 minutes
    /// (`AUTH_LOGIN_CEILING_PER_ACCOUNT`): against guessing from many addresses. Set high: an
    /// attacker who reaches it keeps the owner out too, and with the per-address limit that
    /// takes about `ceiling / per_account` addresses.
    pub login_account_ceiling: u32,
    /// Login attempts per client address per 15 minutes (`AUTH_LOGIN_LIMIT_PER_ADDRESS`).
    pub login_per_address: u32,
    /// Registrations per client address per hour (`AUTH_REGISTER_LIMIT_PER_ADDRESS`).
    pub register_per_address: u32,
}

impl Limits {
    pub const LOGIN_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);
    pub const REGISTER_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

    /// No limits, for tests that are about something else.
    pub fn off() -> Self {
        Self {
            login_per_account: 0,
            login_account_ceiling: 0,
            login_per_address: 0,
            register_per_address: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdminSeed {
    pub username: String,
    pub email: String,
    pub password: Secret,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let public_key_file = config::or("AUTH_JWT_PUBLIC_KEY_FILE", ".run/keys/jwt-public.pem");
        let mut common = Common::from_env()?;
        if common.jwt_public_key_files.is_empty() {
            common.jwt_public_key_files = vec![public_key_file.clone()];
        }
        let https = served_over_https(&common.allowed_origins);
        Ok(Self {
            common,
            bind: config::or("AUTH_BIND", "127.0.0.1:8081"),
            private_key_file: config::or("AUTH_JWT_PRIVATE_KEY_FILE", ".run/keys/jwt-private.pem"),
            public_key_file,
            access_ttl_secs: config::parse_in(
                "AUTH_ACCESS_TTL_SECS",
                900,
                10..=chat_http::auth::MAX_ACCESS_TTL_SECS,
            )?,
            refresh_ttl_secs: config::parse_in(
                "AUTH_REFRESH_TTL_SECS",
                30 * 24 * 3600,
                60..=365 * 24 * 3600,
            )?,
            bcrypt_cost: config::parse_in("AUTH_BCRYPT_COST", 12, 4..=31)?,
            max_concurrent_hashes: config::parse_in("AUTH_MAX_CONCURRENT_HASHES", 2, 1..=1_024)?,
            cookie_secure: config::parse_or("AUTH_COOKIE_SECURE", https)?,
            presence_fresh_secs: config::parse_in("PRESENCE_FRESH_SECS", 30, 1..=86_400)?,
            telegram_bot_username: config::optional("TELEGRAM_BOT_USERNAME")
                .map(|name| name.trim_start_matches('@').to_owned()),
            telegram_link_ttl_secs: config::parse_in(
                "AUTH_TELEGRAM_LINK_TTL_SECS",
                600,
                10..=86_400,
            )?,
            admin: admin_seed()?,
            limits: Limits {
                login_per_account: config::parse_or("AUTH_LOGIN_LIMIT_PER_ACCOUNT", 10)?,
                login_account_ceiling: config::parse_or("AUTH_LOGIN_CEILING_PER_ACCOUNT", 1_000)?,
                login_per_address: config::parse_or("AUTH_LOGIN_LIMIT_PER_ADDRESS", 100)?,
                register_per_address: config::parse_or("AUTH_REGISTER_LIMIT_PER_ADDRESS", 20)?,
            },
        })
    }
}

impl Config {
    /// Settings for tests and the in-process stack: any free port, bcrypt cost 4, no rate
    /// limits, no admin, a bot named `test_bot`.
    pub fn for_tests(common: Common, private_key_file: &str, public_key_file: &str) -> Self {
        Self {
            common,
            bind: "127.0.0.1:0".into(),
            private_key_file: private_key_file.to_owned(),
            public_key_file: public_key_file.to_owned(),
            access_ttl_secs: 300,
            refresh_ttl_secs: 3600,
            bcrypt_cost: 4,
            max_concurrent_hashes: 4,
            cookie_secure: false,
            presence_fresh_secs: 30,
            telegram_bot_username: Some("test_bot".into()),
            telegram_link_ttl_secs: 600,
            admin: None,
            limits: Limits::off(),
        }
    }
}

fn admin_seed() -> Result<Option<AdminSeed>, ConfigError> {
    let Some(username) = config::optional("AUTH_ADMIN_USERNAME") else {
        return Ok(None);
    };
    let password = match config::optional("AUTH_ADMIN_PASSWORD_FILE") {
        Some(path) => std::fs::read_to_string(&path)
            .map(|p| p.trim_end_matches(['\r', '\n']).to_owned())
            .map_err(|e| ConfigError {
                name: "AUTH_ADMIN_PASSWORD_FILE".into(),
                message: format!("{path}: {e}"),
            })?,
        None => config::required("AUTH_ADMIN_PASSWORD")?,
    };
    Ok(Some(AdminSeed {
        email: config::required("AUTH_ADMIN_EMAIL")?,
        username,
        password: Secret::new(password),
    }))
}

/// Whether the site is served over https, as its allowed origins say: cookies are then
/// `Secure` unless `AUTH_COOKIE_SECURE` says otherwise.
fn served_over_https(allowed_origins: &[String]) -> bool {
    allowed_origins.iter().any(|o| o.starts_with("https://"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cookies_are_secure_by_default_when_an_origin_is_https() {
        let origins = |list: &[&str]| list.iter().map(|o| (*o).to_owned()).collect::<Vec<_>>();
        assert!(super::served_over_https(&origins(&[
            "http://localhost:8080",
            "https://chat.example"
        ])));
        assert!(!super::served_over_https(&origins(&[
            "http://localhost:8080"
        ])));
    }
}
