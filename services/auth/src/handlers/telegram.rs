//! Linking Telegram: the web app asks for a one-time deep link; the notifier's bot redeems the
//! token through the internal endpoints, which only services can call, so the users table keeps
//! one owner.

use crate::AppState;
use crate::handlers::me::active_user;
use crate::tokens::{hash_token, new_opaque_token};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chat_db::telegram_links;
use chat_db::users::{self, UserRow};
use chat_http::auth::ServiceCaller;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
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

/// Get a one-time link that connects a Telegram chat to this account. Asking again voids the
/// links given before.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 201, body = TelegramLink),
        (status = 401, body = ErrorEnvelope),
        (status = 503, description = "No Telegram bot is configured", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/users/me/telegram/link")]
pub async fn create_link(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<HttpResponse> {
    let bot = state
        .config
        .telegram_bot_username
        .as_deref()
        .ok_or_else(|| ApiError::Unavailable("Telegram is not configured here".into()))?;
    let (token, hash) = new_opaque_token();
    let expires_at = Utc::now() + chrono::Duration::seconds(state.config.telegram_link_ttl_secs);
    let mut conn = chat_db::conn(&state.pool).await?;
    active_user(&mut conn, &auth).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        telegram_links::delete_for_user(conn, auth.id).await?;
        telegram_links::insert(conn, auth.id, &hash, expires_at).await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(TelegramLink {
            url: format!("https://t.me/{bot}?start={token}"),
            expires_at,
        }))
}

/// Disconnect Telegram from this account.
#[utoipa::path(
    tag = "me",
    responses((status = 204), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/users/me/telegram")]
pub async fn unlink(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<HttpResponse> {
    let mut conn = chat_db::conn(&state.pool).await?;
    users::unlink_telegram(&mut conn, auth.id).await?;
    tracing::info!(user.id = %auth.id, "telegram unlinked from the web");
    Ok(HttpResponse::NoContent().finish())
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redeem {
    /// The token from `/start <token>`.
    pub token: String,
    /// The private chat that sent it.
    pub chat_id: i64,
}

/// Service only: spend a link token and link the chat to its account.
#[utoipa::path(
    tag = "internal",
    request_body = Redeem,
    responses(
        (status = 200, body = LinkedAccount),
        (status = 401, description = "Not a service", body = ErrorEnvelope),
        (status = 404, description = "Unknown, used or expired token", body = ErrorEnvelope),
    ),
    security(("service" = []))
)]
#[post("/internal/telegram/redeem")]
pub async fn redeem(
    state: web::Data<AppState>,
    _service: ServiceCaller,
    body: web::Json<Redeem>,
) -> ApiResult<web::Json<LinkedAccount>> {
    let gone = || ApiError::NotFound("this link is unknown, used or expired".into());
    if body.token.len() > 128 {
        return Err(gone());
    }
    let hash = hash_token(&body.token);
    let chat_id = body.chat_id;
    let mut conn = chat_db::conn(&state.pool).await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let user_id = telegram_links::redeem(conn, &hash)
                .await?
                .ok_or_else(gone)?;
            users::link_telegram(conn, user_id, chat_id)
                .await?
                .filter(|u| u.deactivated_at.is_none())
                .ok_or_else(gone)
        })
        .await?;
    tracing::info!(user.id = %row.id, "telegram linked");
    Ok(web::Json(row.into()))
}

async fn linked(state: &AppState, chat_id: i64) -> ApiResult<UserRow> {
    let mut conn = chat_db::conn(&state.pool).await?;
    users::find_by_telegram(&mut conn, chat_id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or_else(|| ApiError::NotFound("no account is linked to this chat".into()))
}

/// Service only: the account a Telegram chat is linked to.
#[utoipa::path(
    tag = "internal",
    params(("chat_id" = i64, Path)),
    responses(
        (status = 200, body = LinkedAccount),
        (status = 401, body = ErrorEnvelope),
        (status = 404, description = "Not linked", body = ErrorEnvelope),
    ),
    security(("service" = []))
)]
#[get("/internal/telegram/chats/{chat_id}")]
pub async fn chat_account(
    state: web::Data<AppState>,
    _service: ServiceCaller,
    chat_id: web::Path<i64>,
) -> ApiResult<web::Json<LinkedAccount>> {
    Ok(web::Json(linked(&state, *chat_id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetNotifications {
    pub enabled: bool,
}

/// Service only: turn notifications on or off for the account linked to a chat (`/mute`,
/// `/unmute`).
#[utoipa::path(
    tag = "internal",
    params(("chat_id" = i64, Path)),
    request_body = SetNotifications,
    responses(
        (status = 200, body = LinkedAccount),
        (status = 401, body = ErrorEnvelope),
        (status = 404, description = "Not linked", body = ErrorEnvelope),
    ),
    security(("service" = []))
)]
#[put("/internal/telegram/chats/{chat_id}/notifications")]
pub async fn set_notifications(
    state: web::Data<AppState>,
    _service: ServiceCaller,
    chat_id: web::Path<i64>,
    body: web::Json<SetNotifications>,
) -> ApiResult<web::Json<LinkedAccount>> {
    let row = linked(&state, *chat_id).await?;
    let mut conn = chat_db::conn(&state.pool).await?;
    let row = users::update_profile(&mut conn, row.id, None, Some(body.enabled))
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(web::Json(row.into()))
}

/// Service only: unlink a chat (`/unlink`, or the user blocked the bot).
#[utoipa::path(
    tag = "internal",
    params(("chat_id" = i64, Path)),
    responses(
        (status = 204),
        (status = 401, body = ErrorEnvelope),
        (status = 404, description = "Not linked", body = ErrorEnvelope),
    ),
    security(("service" = []))
)]
#[delete("/internal/telegram/chats/{chat_id}")]
pub async fn unlink_chat(
    state: web::Data<AppState>,
    _service: ServiceCaller,
    chat_id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let row = users::find_by_telegram(&mut conn, *chat_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no account is linked to this chat".into()))?;
    users::unlink_telegram(&mut conn, row.id).await?;
    tracing::info!(user.id = %row.id, "telegram unlinked by the bot");
    Ok(HttpResponse::NoContent().finish())
}
