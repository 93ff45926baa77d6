//! Sessions: logging in under the rate limits, issuing tokens, refresh-token rotation with
//! reuse detection, and logging out (here or everywhere). How a session reaches a browser
//! (cookies) is [`crate::session`]'s business.

use crate::directory::public_user;
use crate::error::{AuthError, Result};
use crate::service::AuthService;
use crate::tokens::{hash_token, new_opaque_token};
use chat_db::sessions::{self, NewRefreshToken};
use chat_db::users::{self, UserRow};
use chat_db::{AsyncPgConnection, outbox};
use chat_domain::User;
use chat_domain::events::{SESSION_REVOKED, SessionsRevoked};
use diesel_async::AsyncConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Tokens for API clients; browsers get the same as cookies.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub access_token: String,
    /// Absent for browsers (a request with an `Origin` header), which get it only as an
    /// HttpOnly cookie, out of reach of scripts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: User,
}

/// Logs in with a username or email and a password, from `client_address`: a new session.
pub async fn login(
    service: &AuthService,
    client_address: &str,
    login: &str,
    password: &str,
) -> Result<Session> {
    let checked = check_credentials(service, client_address, login, password).await;
    let outcome = match &checked {
        Ok(_) => "success",
        Err(AuthError::RateLimited(_)) => "rate_limited",
        Err(AuthError::WrongCredentials) => "failure",
        Err(_) => "error",
    };
    metrics::counter!("auth_logins_total", "outcome" => outcome).increment(1);
    let user = checked?;
    tracing::info!(user.id = %user.id, "logged in");
    let mut conn = service.conn().await?;
    create(service, &mut conn, &user, None).await
}

/// Checks a login and password under the rate limits and returns the active user they belong
/// to. Every attempt counts against the client address; only failures count against the
/// account, per address (so a stranger failing on purpose cannot keep the owner out) and under a
/// high ceiling from all addresses together (against guessing from many).
async fn check_credentials(
    service: &AuthService,
    client_address: &str,
    login: &str,
    password: &str,
) -> Result<UserRow> {
    let limits = &service.limits;
    limits.login_address.check(client_address).await?;
    if login.len() > 254 || password.len() > 1024 {
        return Err(AuthError::WrongCredentials);
    }
    let login = login.trim();
    let mut conn = service.conn().await?;
    let user = users::find_by_login(&mut conn, login).await?;
    drop(conn);
    // Keyed by the account when there is one, so its username and email share one budget.
    let account = user
        .as_ref()
        .map_or_else(|| login.to_lowercase(), |u| u.id.to_string());
    let from_here = format!("{account} {client_address}");
    limits.login_failures.admit(&from_here).await?;
    limits.login_account.admit(&account).await?;
    // Always hash once, known user or not, so timing does not tell which accounts exist.
    let ok = service
        .passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    match user {
        Some(user) if ok && user.deactivated_at.is_none() => Ok(user),
        _ => {
            // Counted for the next attempt: this one is answered as what it is, a wrong login.
            let _ = limits.login_failures.failed(&from_here).await;
            let _ = limits.login_account.failed(&account).await;
            Err(AuthError::WrongCredentials)
        }
    }
}

/// Trades the refresh token presented (if any) for a new session in the same family. One
/// transaction under the user's session lock ([`sessions::lock_user`]): a logout racing it
/// comes wholly before (the token is refused) or wholly after (the new token is revoked with
/// its family), never between.
pub async fn refresh(service: &AuthService, token: Option<&str>) -> Result<Session> {
    let hash = hash_token(token.ok_or(AuthError::BadRefreshToken)?);
    let mut conn = service.conn().await?;
    let user_id = sessions::find_by_hash(&mut conn, &hash)
        .await?
        .ok_or(AuthError::BadRefreshToken)?
        .user_id;
    // A refusal commits too: a reused token's family stays revoked. Declared a writer of
    // events first, for the `session.revoked` a reuse writes.
    let (outcome, revoked) = conn
        .transaction::<_, AuthError, _>(async |conn| {
            begin_revocation(conn, user_id).await?;
            Ok(match rotate(conn, &hash).await? {
                Rotated::Next(user, family) => (
                    Ok(create(service, conn, &user, Some(family)).await?),
                    Vec::new(),
                ),
                Rotated::Refused => (Err(AuthError::BadRefreshToken), Vec::new()),
                Rotated::Reused(revoked) => (Err(AuthError::BadRefreshToken), revoked),
            })
        })
        .await?;
    service.forget_sessions(&revoked);
    outcome
}

/// What presenting a refresh token came to.
enum Rotated {
    /// The token was spent: the user and the family the next one continues.
    Next(UserRow, Uuid),
    /// It cannot be spent (unknown, revoked, expired, or its user deactivated).
    Refused,
    /// It was spent before: its family was revoked (these sessions, announced).
    Reused(Vec<Uuid>),
}

/// Spends a refresh token. A spent token presented again revokes its whole family. Inside a
/// transaction declared a writer of events.
async fn rotate(conn: &mut AsyncPgConnection, hash: &[u8]) -> Result<Rotated> {
    let Some(row) = sessions::find_by_hash(conn, hash).await? else {
        return Ok(Rotated::Refused);
    };
    if row.revoked_at.is_some() {
        return Ok(Rotated::Refused);
    }
    if row.used_at.is_some() || !sessions::consume(conn, row.id).await? {
        let revoked = sessions::revoke_family(conn, row.family_id).await?;
        announce_revoked(conn, row.user_id, &revoked).await?;
        tracing::warn!(user.id = %row.user_id, "refresh token reused: family revoked");
        return Ok(Rotated::Reused(revoked));
    }
    if row.expires_at < chrono::Utc::now() {
        return Ok(Rotated::Refused);
    }
    let user = users::find(conn, row.user_id)
        .await?
        .filter(|u| u.deactivated_at.is_none());
    Ok(user.map_or(Rotated::Refused, |u| Rotated::Next(u, row.family_id)))
}

/// Tells every service that `sessions` of `user` were ended (`session.revoked`, through the
/// outbox): they refuse the sessions' access tokens and gateways close their sockets, at once
/// rather than when the tokens expire. Inside the transaction that revokes them, which declared
/// itself a writer of events first ([`outbox::declare_writer`]). Nothing when none was live.
pub async fn announce_revoked(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    sessions: &[Uuid],
) -> Result<()> {
    if sessions.is_empty() {
        return Ok(());
    }
    let event = SessionsRevoked {
        id: Uuid::now_v7(),
        user_id,
        session_ids: sessions.to_vec(),
        revoked_at: chrono::Utc::now(),
    };
    outbox::push_unsynced(conn, event.id, SESSION_REVOKED, &event).await?;
    Ok(())
}

/// Stores a new refresh token (in `family`, or a new family) and signs an access token for
/// that session.
pub async fn create(
    service: &AuthService,
    conn: &mut AsyncPgConnection,
    user: &UserRow,
    family: Option<Uuid>,
) -> Result<Session> {
    let family = family.unwrap_or_else(Uuid::now_v7);
    let access_token = service
        .signer
        .access_token(user.id, &user.username, &user.role, family)?;
    let (refresh_token, hash) = new_opaque_token();
    sessions::insert(
        conn,
        &NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: user.id,
            family_id: family,
            token_hash: &hash,
            expires_at: chrono::Utc::now()
                + chrono::Duration::seconds(service.config.refresh_ttl_secs),
        },
    )
    .await?;
    Ok(Session {
        access_token,
        refresh_token: Some(refresh_token),
        token_type: "Bearer",
        expires_in: service.config.access_ttl_secs,
        user: public_user(user, false, None),
    })
}

/// Logs out the session of the refresh token presented, if any: its family is revoked. An
/// unknown token, or none, changes nothing.
pub async fn logout(service: &AuthService, token: Option<&str>) -> Result<()> {
    let Some(token) = token else {
        return Ok(());
    };
    let hash = hash_token(token);
    let mut conn = service.conn().await?;
    let Some(row) = sessions::find_by_hash(&mut conn, &hash).await? else {
        return Ok(());
    };
    let revoked = conn
        .transaction::<_, AuthError, _>(async |conn| {
            begin_revocation(conn, row.user_id).await?;
            let revoked = sessions::revoke_family(conn, row.family_id).await?;
            announce_revoked(conn, row.user_id, &revoked).await?;
            Ok(revoked)
        })
        .await?;
    service.forget_sessions(&revoked);
    tracing::info!(user.id = %row.user_id, "logged out");
    Ok(())
}

/// Revokes every session of a user; their access tokens stop working at once, everywhere.
pub async fn logout_everywhere(service: &AuthService, user_id: Uuid) -> Result<()> {
    let mut conn = service.conn().await?;
    let revoked = conn
        .transaction::<_, AuthError, _>(async |conn| {
            begin_revocation(conn, user_id).await?;
            revoke_all_but(conn, user_id, None).await
        })
        .await?;
    service.forget_sessions(&revoked);
    tracing::info!(user.id = %user_id, revoked = revoked.len(), "logged out everywhere");
    Ok(())
}

/// First in a transaction that revokes a user's sessions (and may change the account with
/// them: a new password, a deactivation): takes the user's session lock and declares the
/// transaction a writer of events, before it writes anything.
pub async fn begin_revocation(conn: &mut AsyncPgConnection, user_id: Uuid) -> Result<()> {
    sessions::lock_user(conn, user_id).await?;
    outbox::declare_writer(conn).await?;
    Ok(())
}

/// After [`begin_revocation`]: revokes every session of the user but `keep` and announces it.
/// Once the transaction committed, pass what it returns to [`AuthService::forget_sessions`].
pub async fn revoke_all_but(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<Vec<Uuid>> {
    let revoked = sessions::revoke_others(conn, user_id, keep).await?;
    announce_revoked(conn, user_id, &revoked).await?;
    Ok(revoked)
}

/// Tokens kept only while they can do something: refresh tokens until they expire (a revoked
/// one a day after its revocation) and Telegram link tokens a day after they expired or were
/// used. Every ten minutes, a batch at a time, until `cancel`.
pub async fn prune_forever(pool: chat_db::Pool, cancel: tokio_util::sync::CancellationToken) {
    let every = std::time::Duration::from_secs(600);
    chat_http::housekeeping::prune_forever(
        pool,
        "tokens",
        every,
        10_000,
        cancel,
        |mut conn| async move { prune(&mut conn, chrono::Utc::now()).await },
    )
    .await;
}

/// One round of [`prune_forever`] as of `now`: how many tokens went.
pub async fn prune(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, chat_db::DbError> {
    let a_day_ago = now - chrono::Duration::days(1);
    let refresh = sessions::prune(conn, now, a_day_ago, 10_000).await?;
    let links = chat_db::telegram_links::prune(conn, a_day_ago, 10_000).await?;
    Ok(refresh + links)
}
