//! Accounts: registration, the caller's own profile and settings, password change, and the
//! admins' deactivation and reactivation.

use crate::directory::profile;
use crate::error::{AuthError, Result};
use crate::service::AuthService;
use crate::sessions::{self, Session};
use chat_db::users::{self, EMAIL_TAKEN, NewUser, USERNAME_TAKEN, UserRow};
use chat_db::{AsyncPgConnection, sessions as refresh_tokens};
use chat_domain::{DisplayName, Email, Invalid, Password, User, Username};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A registration as the API takes it, before it is checked.
pub struct Registration<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    /// Blank means none: the username is shown.
    pub display_name: Option<&'a str>,
}

/// Creates an account from `client_address` (under its registration limit) and logs it in.
/// Every invalid field is reported at once; a taken username or email is a conflict naming it.
pub async fn register(
    service: &AuthService,
    client_address: &str,
    draft: &Registration<'_>,
) -> Result<Session> {
    let username = Username::parse(draft.username);
    let email = Email::parse(draft.email);
    let password = Password::parse(draft.password);
    let display_name = draft
        .display_name
        .filter(|d| !d.trim().is_empty())
        .map(DisplayName::parse)
        .transpose();
    let (username, email, password, display_name) = match (username, email, password, display_name)
    {
        (Ok(u), Ok(e), Ok(p), Ok(d)) => (u, e, p, d),
        (u, e, p, d) => {
            return Err(AuthError::Invalid(
                [u.err(), e.err(), p.err(), d.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            ));
        }
    };
    // A refused registration spends none of the address's quota: the fields are checked first,
    // then whether the username or email is taken (the unique indexes still decide a race), and
    // only then is the attempt counted and the password hashed.
    let mut conn = service.conn().await?;
    for (value, field, message) in [
        (username.as_str(), "username", "this username is taken"),
        (email.as_str(), "email", "this email is already registered"),
    ] {
        if users::find_by_login(&mut conn, value).await?.is_some() {
            return Err(AuthError::Conflict { field, message });
        }
    }
    drop(conn);
    service.limits.register_address.check(client_address)?;
    let password_hash = service.passwords.hash(&password).await?;
    let mut conn = service.conn().await?;
    let display = display_name
        .as_ref()
        .map_or(username.as_str(), DisplayName::as_str);
    let user = users::insert(
        &mut conn,
        &NewUser {
            id: Uuid::now_v7(),
            username: username.as_str(),
            email: email.as_str(),
            display_name: display,
            password_hash: &password_hash,
            role: "user",
        },
    )
    .await
    .map_err(|e| match e.unique_violation() {
        Some(USERNAME_TAKEN) => AuthError::Conflict {
            field: "username",
            message: "this username is taken",
        },
        Some(EMAIL_TAKEN) => AuthError::Conflict {
            field: "email",
            message: "this email is already registered",
        },
        _ => e.into(),
    })?;
    tracing::info!(user.id = %user.id, "user registered");
    sessions::create(service, &mut conn, &user, None).await
}

/// The active account behind a token: [`AuthError::Inactive`] when it was deactivated or
/// deleted since.
pub async fn active_user(conn: &mut AsyncPgConnection, id: Uuid) -> Result<UserRow> {
    users::find(conn, id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or(AuthError::Inactive)
}

/// The caller's own account: the public profile and what only they see.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    pub email: String,
    /// `user` or `admin`.
    pub role: String,
    /// Whether Telegram notifications are on.
    pub notifications_enabled: bool,
    pub telegram: TelegramState,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TelegramState {
    /// Whether this deployment has a Telegram bot (linking is possible).
    pub available: bool,
    /// Whether a Telegram chat is linked to the account.
    pub linked: bool,
    /// The bot's username, when there is one.
    pub bot_username: Option<String>,
}

async fn me_of(service: &AuthService, conn: &mut AsyncPgConnection, row: UserRow) -> Result<Me> {
    let user = profile(service, conn, &row).await?;
    let bot = &service.config.telegram_bot_username;
    Ok(Me {
        user,
        email: row.email,
        role: row.role,
        notifications_enabled: row.notifications_enabled,
        telegram: TelegramState {
            available: bot.is_some(),
            linked: row.telegram_chat_id.is_some(),
            bot_username: bot.clone(),
        },
    })
}

/// My own account.
pub async fn me(service: &AuthService, me: Uuid) -> Result<Me> {
    let mut conn = service.conn().await?;
    let row = active_user(&mut conn, me).await?;
    me_of(service, &mut conn, row).await
}

/// Changes my display name or notification setting; what is `None` stays as it is.
pub async fn update(
    service: &AuthService,
    me: Uuid,
    display_name: Option<&DisplayName>,
    notifications_enabled: Option<bool>,
) -> Result<Me> {
    let mut conn = service.conn().await?;
    active_user(&mut conn, me).await?;
    let row = users::update_profile(
        &mut conn,
        me,
        display_name.map(DisplayName::as_str),
        notifications_enabled,
    )
    .await?
    .ok_or(AuthError::Inactive)?;
    me_of(service, &mut conn, row).await
}

/// Changes my password, given the current one. Wrong current passwords have a budget of their
/// own per user (the size of the login one), so failed logins never block a change. Every other
/// session is revoked; `session`, this one, stays.
pub async fn change_password(
    service: &AuthService,
    me: Uuid,
    session: Option<Uuid>,
    current_password: &str,
    new_password: std::result::Result<Password, Invalid>,
) -> Result<()> {
    let key = me.to_string();
    service.limits.password_change.admit(&key)?;
    let mut conn = service.conn().await?;
    let row = active_user(&mut conn, me).await?;
    drop(conn);
    if !service
        .passwords
        .verify(current_password, Some(&row.password_hash))
        .await?
    {
        let _ = service.limits.password_change.failed(&key);
        let mut fields = vec![Invalid::new(
            "current_password",
            "is not your current password",
        )];
        fields.extend(new_password.err());
        return Err(AuthError::Invalid(fields));
    }
    let new_password = new_password.map_err(|e| AuthError::Invalid(vec![e]))?;
    let hash = service.passwords.hash(&new_password).await?;
    let mut conn = service.conn().await?;
    let revoked = conn
        .transaction::<_, AuthError, _>(async |conn| {
            refresh_tokens::lock_user(conn, me).await?;
            users::set_password_hash(conn, me, &hash).await?;
            Ok(refresh_tokens::revoke_others(conn, me, session).await?)
        })
        .await?;
    tracing::info!(user.id = %me, revoked, "password changed; other sessions revoked");
    Ok(())
}

/// An account as an admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountStatus {
    pub id: Uuid,
    pub username: String,
    pub role: String,
    /// Set while the account is deactivated.
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// Admin only: deactivates an account (`off`: it can no longer log in or refresh, and its
/// sessions are revoked) or reactivates it. An admin cannot deactivate themselves.
pub async fn set_deactivated(
    service: &AuthService,
    admin: Uuid,
    id: Uuid,
    off: bool,
) -> Result<AccountStatus> {
    let mut conn = service.conn().await?;
    // The role is read from the database, not trusted from the token.
    if active_user(&mut conn, admin).await?.role != "admin" {
        return Err(AuthError::Forbidden("only admins may do this"));
    }
    if off && id == admin {
        return Err(AuthError::Forbidden("admins cannot deactivate themselves"));
    }
    let row = conn
        .transaction::<_, AuthError, _>(async |conn| {
            let row = users::set_deactivated(conn, id, off)
                .await?
                .ok_or(AuthError::NotFound("user"))?;
            if off {
                refresh_tokens::lock_user(conn, id).await?;
                refresh_tokens::revoke_all_for_user(conn, id).await?;
            }
            Ok(row)
        })
        .await?;
    tracing::info!(user.id = %id, admin.id = %admin, deactivated = off, "account status changed");
    Ok(AccountStatus {
        id: row.id,
        username: row.username,
        role: row.role,
        deactivated_at: row.deactivated_at,
    })
}
