//! Accounts: registration, the caller's own profile and settings, password change, and the
//! admins' deactivation and reactivation.

use crate::directory::profile;
use crate::error::{AuthError, Result};
use crate::service::AuthService;
use crate::sessions::{self, Session};
use chat_db::users::{self, EMAIL_TAKEN, NewUser, USERNAME_TAKEN, UserRow};
use chat_db::{AsyncPgConnection, outbox};
use chat_domain::events::{USER_RENAMED, UserRenamed};
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
    service
        .limits
        .register_address
        .check(client_address)
        .await?;
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
    let before = active_user(&mut conn, me).await?;
    let renamed = display_name.filter(|d| d.as_str() != before.display_name);
    let row = conn
        .transaction::<_, AuthError, _>(async |conn| {
            if renamed.is_some() {
                outbox::declare_writer(conn).await?;
            }
            let row = users::update_profile(
                conn,
                me,
                display_name.map(DisplayName::as_str),
                notifications_enabled,
            )
            .await?
            .ok_or(AuthError::Inactive)?;
            if let Some(name) = renamed {
                announce_rename(conn, me, name.as_str()).await?;
            }
            Ok(row)
        })
        .await?;
    me_of(service, &mut conn, row).await
}

/// Tells everyone who shares a room with the user, and the user's other devices, the new
/// display name (`user.renamed`, through the outbox). Inside the transaction that renames,
/// declared a writer of events first.
async fn announce_rename(conn: &mut AsyncPgConnection, user_id: Uuid, name: &str) -> Result<()> {
    let event = UserRenamed {
        id: Uuid::now_v7(),
        user_id,
        display_name: name.to_owned(),
        room_ids: chat_db::rooms::room_ids_of(conn, user_id).await?,
    };
    outbox::push_unsynced(conn, event.id, USER_RENAMED, &event).await?;
    Ok(())
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
    service.limits.password_change.admit(&key).await?;
    let mut conn = service.conn().await?;
    let row = active_user(&mut conn, me).await?;
    drop(conn);
    if !service
        .passwords
        .verify(current_password, Some(&row.password_hash))
        .await?
    {
        let _ = service.limits.password_change.failed(&key).await;
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
            sessions::begin_revocation(conn, me).await?;
            users::set_password_hash(conn, me, &hash).await?;
            sessions::revoke_all_but(conn, me, session).await
        })
        .await?;
    service.forget_sessions(&revoked);
    tracing::info!(user.id = %me, revoked = revoked.len(), "password changed; other sessions revoked");
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
    /// Whether the account appears in the people directory.
    pub listed: bool,
}

impl From<UserRow> for AccountStatus {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            role: row.role,
            deactivated_at: row.deactivated_at,
            listed: row.listed,
        }
    }
}

/// Refuses anyone but an active admin: the role is read from the database, not trusted from the
/// token.
async fn require_admin(conn: &mut AsyncPgConnection, caller: Uuid) -> Result<()> {
    if active_user(conn, caller).await?.role != "admin" {
        return Err(AuthError::Forbidden("only admins may do this"));
    }
    Ok(())
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
    require_admin(&mut conn, admin).await?;
    if off && id == admin {
        return Err(AuthError::Forbidden("admins cannot deactivate themselves"));
    }
    let (row, revoked) = conn
        .transaction::<_, AuthError, _>(async |conn| {
            if off {
                sessions::begin_revocation(conn, id).await?;
            }
            let row = users::set_deactivated(conn, id, off)
                .await?
                .ok_or(AuthError::NotFound("user"))?;
            let revoked = if off {
                sessions::revoke_all_but(conn, id, None).await?
            } else {
                Vec::new()
            };
            Ok((row, revoked))
        })
        .await?;
    service.forget_sessions(&revoked);
    tracing::info!(user.id = %id, admin.id = %admin, deactivated = off, "account status changed");
    Ok(row.into())
}

/// Admin only: lists an account in the people directory or takes it out (demo, test and script
/// accounts). It changes nothing else: the account logs in and chats as before.
pub async fn set_listed(
    service: &AuthService,
    admin: Uuid,
    id: Uuid,
    listed: bool,
) -> Result<AccountStatus> {
    let mut conn = service.conn().await?;
    require_admin(&mut conn, admin).await?;
    let row = users::set_listed(&mut conn, id, listed)
        .await?
        .ok_or(AuthError::NotFound("user"))?;
    tracing::info!(user.id = %id, admin.id = %admin, listed, "directory listing changed");
    Ok(row.into())
}

/// How many accounts an admin's clean-up took out of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unlisted {
    pub unlisted: usize,
}

/// Admin only: takes every account that was never seen online, admins aside, out of the
/// directory at once.
pub async fn unlist_never_seen(service: &AuthService, admin: Uuid) -> Result<Unlisted> {
    let mut conn = service.conn().await?;
    require_admin(&mut conn, admin).await?;
    let unlisted = users::unlist_never_seen(&mut conn).await?;
    tracing::info!(admin.id = %admin, unlisted, "accounts never seen online unlisted");
    Ok(Unlisted { unlisted })
}
