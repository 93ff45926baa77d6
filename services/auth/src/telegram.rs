//! Linking Telegram: a user asks for a one-time deep link; the notifier's bot redeems its token
//! and manages the linked chat through the internal endpoints, so the users table keeps one
//! writer.

use crate::accounts::active_user;
use crate::error::{AuthError, Result};
use crate::service::AuthService;
use crate::tokens::{hash_token, new_opaque_token};
use chat_db::telegram_links;
use chat_db::users::{self, UserRow};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct TelegramLink {
    /// `https://t.me/<bot>?start=<token>`: open it and press Start.
    pub url: String,
    /// The token stops working at this time, or once used.
    pub expires_at: DateTime<Utc>,
}

/// A new one-time link that connects a Telegram chat to my account; the links given before
/// stop working.
pub async fn create_link(service: &AuthService, me: Uuid) -> Result<TelegramLink> {
    let bot = service
        .config
        .telegram_bot_username
        .as_deref()
        .ok_or(AuthError::NoTelegram)?;
    let (token, hash) = new_opaque_token();
    let expires_at = Utc::now() + chrono::Duration::seconds(service.config.telegram_link_ttl_secs);
    let mut conn = service.conn().await?;
    active_user(&mut conn, me).await?;
    conn.transaction::<_, AuthError, _>(async |conn| {
        telegram_links::delete_for_user(conn, me).await?;
        telegram_links::insert(conn, me, &hash, expires_at).await?;
        Ok(())
    })
    .await?;
    Ok(TelegramLink {
        url: format!("https://t.me/{bot}?start={token}"),
        expires_at,
    })
}

/// Disconnects Telegram from my account (from the web).
pub async fn unlink(service: &AuthService, me: Uuid) -> Result<()> {
    let mut conn = service.conn().await?;
    users::unlink_telegram(&mut conn, me).await?;
    tracing::info!(user.id = %me, "telegram unlinked from the web");
    Ok(())
}

/// What the bot needs to know about a linked chat.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinkedAccount {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub notifications_enabled: bool,
}

impl From<UserRow> for LinkedAccount {
    fn from(row: UserRow) -> Self {
        Self {
            user_id: row.id,
            username: row.username,
            display_name: row.display_name,
            notifications_enabled: row.notifications_enabled,
        }
    }
}

/// Spends a link token and links `chat_id` to its (active) account.
pub async fn redeem(service: &AuthService, token: &str, chat_id: i64) -> Result<LinkedAccount> {
    if token.len() > 128 {
        return Err(AuthError::LinkGone);
    }
    let hash = hash_token(token);
    let mut conn = service.conn().await?;
    let row = conn
        .transaction::<_, AuthError, _>(async |conn| {
            let user_id = telegram_links::redeem(conn, &hash)
                .await?
                .ok_or(AuthError::LinkGone)?;
            users::link_telegram(conn, user_id, chat_id)
                .await?
                .filter(|u| u.deactivated_at.is_none())
                .ok_or(AuthError::LinkGone)
        })
        .await?;
    tracing::info!(user.id = %row.id, "telegram linked");
    Ok(row.into())
}

/// The active account a chat is linked to.
async fn linked(service: &AuthService, chat_id: i64) -> Result<UserRow> {
    let mut conn = service.conn().await?;
    users::find_by_telegram(&mut conn, chat_id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or(AuthError::NotLinked)
}

/// The account a chat is linked to.
pub async fn linked_account(service: &AuthService, chat_id: i64) -> Result<LinkedAccount> {
    Ok(linked(service, chat_id).await?.into())
}

/// Turns notifications on or off for the account a chat is linked to.
pub async fn set_notifications(
    service: &AuthService,
    chat_id: i64,
    enabled: bool,
) -> Result<LinkedAccount> {
    let row = linked(service, chat_id).await?;
    let mut conn = service.conn().await?;
    let row = users::update_profile(&mut conn, row.id, None, Some(enabled))
        .await?
        .ok_or(AuthError::NotFound("account"))?;
    Ok(row.into())
}

/// Unlinks a chat (the bot's `/unlink`, or the user blocked the bot), whatever the state of
/// its account.
pub async fn unlink_chat(service: &AuthService, chat_id: i64) -> Result<()> {
    let mut conn = service.conn().await?;
    let row = users::find_by_telegram(&mut conn, chat_id)
        .await?
        .ok_or(AuthError::NotLinked)?;
    users::unlink_telegram(&mut conn, row.id).await?;
    tracing::info!(user.id = %row.id, "telegram unlinked by the bot");
    Ok(())
}
