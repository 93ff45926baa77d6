//! What the rules work with: the database, the token signer, the password hasher, the rate
//! limits and the settings. Built once at start; every function of the service layer takes it.

use crate::config::{self, Config};
use crate::error::Result;
use crate::passwords::Passwords;
use crate::tokens::Signer;
use chat_db::{Conn, Pool};
use chat_http::limits::{FailureLimiter, Limiter, SharedLimits};
use uuid::Uuid;

pub struct AuthService {
    pub config: Config,
    /// PostgreSQL; fails fast when the database is down.
    pub pool: Pool,
    /// Signs access tokens with the private key.
    pub signer: Signer,
    /// bcrypt with a bound on concurrent hashes.
    pub passwords: Passwords,
    pub limits: RateLimits,
    /// The revoked sessions the verifier refuses (shared with it).
    pub revoked: chat_http::auth::Revocations,
}

pub struct RateLimits {
    /// Failed logins per account and client address.
    pub login_failures: FailureLimiter,
    /// Failed logins per account, from anywhere (a high ceiling).
    pub login_account: FailureLimiter,
    /// Login attempts per client address, failed or not.
    pub login_address: Limiter,
    /// Wrong current passwords per user when changing it: apart from logins, so failed logins
    /// by someone else never block a password change.
    pub password_change: FailureLimiter,
    pub register_address: Limiter,
}

impl RateLimits {
    /// The limits, counted in `shared` (Redis, when configured: one budget for every replica).
    pub fn new(limits: &config::Limits, shared: &SharedLimits) -> Self {
        let login = config::Limits::LOGIN_WINDOW;
        Self {
            login_failures: FailureLimiter::shared(
                shared,
                "login-failures",
                limits.login_per_account,
                login,
            ),
            login_account: FailureLimiter::shared(
                shared,
                "login-account",
                limits.login_account_ceiling,
                login,
            ),
            password_change: FailureLimiter::shared(
                shared,
                "password-change",
                limits.login_per_account,
                login,
            ),
            login_address: Limiter::shared(
                shared,
                "login-address",
                limits.login_per_address,
                login,
            ),
            register_address: Limiter::shared(
                shared,
                "register-address",
                limits.register_per_address,
                config::Limits::REGISTER_WINDOW,
            ),
        }
    }
}

impl AuthService {
    /// Refuses the sessions' tokens on this replica from now on (the others learn of it from
    /// the `session.revoked` event written with the revocation).
    pub fn forget_sessions(&self, sessions: &[Uuid]) {
        if !sessions.is_empty() {
            self.revoked
                .revoke(sessions.iter().copied(), chrono::Utc::now().timestamp());
        }
    }

    /// A connection for one request (503 when none comes in time).
    pub async fn conn(&self) -> Result<Conn> {
        Ok(chat_db::conn(&self.pool).await?)
    }
}
