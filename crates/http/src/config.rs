//! Typed settings from the environment. This is the only place that reads it.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
#[error("setting {name}: {message}")]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

/// A setting that must be present.
pub fn required(name: &str) -> Result<String, ConfigError> {
    std::env::var(name).map_err(|_| ConfigError {
        name: name.to_owned(),
        message: "is required".to_owned(),
    })
}

/// A setting with a default; an empty value counts as absent.
pub fn or(name: &str, default: &str) -> String {
    optional(name).unwrap_or_else(|| default.to_owned())
}

/// A setting that may be absent; an empty value counts as absent.
pub fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A parsed setting with a default.
pub fn parse_or<T>(name: &str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    match optional(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError {
            name: name.to_owned(),
            message: e.to_string(),
        }),
    }
}

/// A parsed setting with a default that must lie in `range`: a value that would panic or stall
/// the service later (a zero interval, an empty queue, a pool of no connections) is refused at
/// start, with its name.
pub fn parse_in<T>(name: &str, default: T, range: RangeInclusive<T>) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + fmt::Display,
    T::Err: fmt::Display,
{
    within(name, parse_or(name, default)?, &range)
}

fn within<T: PartialOrd + fmt::Display>(
    name: &str,
    value: T,
    range: &RangeInclusive<T>,
) -> Result<T, ConfigError> {
    if range.contains(&value) {
        return Ok(value);
    }
    Err(ConfigError {
        name: name.to_owned(),
        message: format!(
            "{value} is out of range: it must be from {} to {}",
            range.start(),
            range.end()
        ),
    })
}

/// A comma-separated list; empty items are dropped.
pub fn list(name: &str, default: &str) -> Vec<String> {
    or(name, default)
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A value that must never reach a log: its Debug and Display print a placeholder.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Settings every service shares.
#[derive(Debug, Clone)]
pub struct Common {
    /// PostgreSQL URL (`DATABASE_URL`).
    pub database_url: Secret,
    /// Connections in this process's pool (`DATABASE_POOL_SIZE`).
    pub database_pool_size: usize,
    /// RabbitMQ URL (`AMQP_URL`).
    pub amqp_url: Secret,
    /// The topic exchange for domain events (`CHAT_EXCHANGE`); tests use one per test.
    pub exchange: String,
    /// Files holding the public keys that verify access tokens (`JWT_PUBLIC_KEY_FILES`).
    pub jwt_public_key_files: Vec<String>,
    /// Origins browsers may call from (`ALLOWED_ORIGINS`): CSRF and WebSocket checks.
    pub allowed_origins: Vec<String>,
    /// Seconds to finish in-flight work after SIGTERM (`SHUTDOWN_TIMEOUT_SECS`).
    pub shutdown_timeout_secs: u64,
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`): addresses, or
    /// `private` for loopback and private networks.
    pub trusted_proxies: Vec<String>,
    /// The credential services present to each other's internal endpoints: the contents of
    /// `SERVICE_TOKEN_FILE` (default `.run/keys/service-token`) or `SERVICE_TOKEN`. Absent, the
    /// internal endpoints refuse every call.
    pub service_token: Option<Secret>,
    /// The Redis every replica's rate limits count in (`REDIS_URL`); unset, each replica
    /// counts its own.
    pub redis_url: Option<Secret>,
    /// What this deployment's rate-limit keys in Redis start with (`RATE_LIMIT_PREFIX`), so
    /// several stacks can share one Redis.
    pub rate_limit_prefix: String,
}

impl Common {
    /// The verifier of access tokens, from `JWT_PUBLIC_KEY_FILES`.
    pub fn verifier(&self) -> Result<crate::JwtVerifier, String> {
        crate::JwtVerifier::from_files(&self.jwt_public_key_files)
            .map_err(|e| format!("verifying keys: {e}"))
    }

    /// This process's database pool; a request waits at most 3 s for a connection. Its state
    /// is read at each scrape of `/metrics` (while it lives).
    pub fn pool(&self) -> Result<chat_db::Pool, chat_db::PoolBuildError> {
        let pool = chat_db::pool(
            self.database_url.expose(),
            self.database_pool_size,
            std::time::Duration::from_secs(3),
        )?;
        let weak = pool.weak();
        crate::metrics::on_scrape(move || {
            if let Some(pool) = weak.upgrade() {
                chat_db::record_pool_status(&pool);
            }
        });
        Ok(pool)
    }

    /// Where this process's rate limits count: Redis when `REDIS_URL` is set, else here. Must
    /// be called inside a Tokio runtime.
    pub fn shared_limits(&self) -> Result<crate::limits::SharedLimits, String> {
        match &self.redis_url {
            Some(url) => crate::limits::SharedLimits::redis(url.expose(), &self.rate_limit_prefix),
            None => Ok(crate::limits::SharedLimits::local()),
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            database_url: Secret::new(or(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/chat",
            )),
            database_pool_size: parse_in("DATABASE_POOL_SIZE", 16, 1..=1_000)?,
            amqp_url: Secret::new(or("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")),
            exchange: or("CHAT_EXCHANGE", "chat.events"),
            jwt_public_key_files: list("JWT_PUBLIC_KEY_FILES", ""),
            allowed_origins: list(
                "ALLOWED_ORIGINS",
                "http://localhost:8080,http://127.0.0.1:8080",
            ),
            shutdown_timeout_secs: parse_in("SHUTDOWN_TIMEOUT_SECS", 10, 1..=3_600)?,
            trusted_proxies: list("TRUSTED_PROXIES", "127.0.0.1,::1"),
            service_token: service_token()?,
            redis_url: optional("REDIS_URL").map(Secret::new),
            rate_limit_prefix: or("RATE_LIMIT_PREFIX", "chat"),
        })
    }
}

fn service_token() -> Result<Option<Secret>, ConfigError> {
    if let Some(token) = optional("SERVICE_TOKEN") {
        return Ok(Some(Secret::new(token.trim())));
    }
    let explicit = optional("SERVICE_TOKEN_FILE");
    let path = explicit
        .clone()
        .unwrap_or_else(|| ".run/keys/service-token".to_owned());
    match std::fs::read_to_string(&path) {
        Ok(token) if token.trim().len() >= 32 => Ok(Some(Secret::new(token.trim()))),
        Ok(_) => Err(ConfigError {
            name: "SERVICE_TOKEN_FILE".to_owned(),
            message: format!("{path}: the token must be at least 32 characters"),
        }),
        Err(_) if explicit.is_none() => Ok(None),
        Err(e) => Err(ConfigError {
            name: "SERVICE_TOKEN_FILE".to_owned(),
            message: format!("{path}: {e}"),
        }),
    }
}

/// `LOG_FORMAT=json` asks for JSON logs.
pub fn json_logs() -> bool {
    or("LOG_FORMAT", "text").eq_ignore_ascii_case("json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_would_panic_later_are_refused_with_their_name() {
        let err = within("GATEWAY_PING_SECS", 0u64, &(1..=3_600)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting GATEWAY_PING_SECS: 0 is out of range: it must be from 1 to 3600"
        );
        assert_eq!(
            within("GATEWAY_PING_SECS", 20u64, &(1..=3_600)).unwrap(),
            20
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "hunter2");
    }
}
