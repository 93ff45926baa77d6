//! Linking Telegram: the web app asks for a one-time deep link; the notifier's bot redeems the
//! token through the internal endpoints, which only services can call, so the users table keeps
//! one owner (the rules are in [`crate::telegram`]).

use crate::AppState;
use crate::telegram::{self, LinkedAccount, TelegramLink};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chat_http::auth::ServiceCaller;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Deserialize;
use utoipa::ToSchema;

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
    let link = telegram::create_link(&state.service, auth.id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(link))
}

/// Disconnect Telegram from this account.
#[utoipa::path(
    tag = "me",
    responses((status = 204), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/users/me/telegram")]
pub async fn unlink(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<HttpResponse> {
    telegram::unlink(&state.service, auth.id).await?;
    Ok(HttpResponse::NoContent().finish())
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
    let account = telegram::redeem(&state.service, &body.token, body.chat_id).await?;
    Ok(web::Json(account))
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
    Ok(web::Json(
        telegram::linked_account(&state.service, *chat_id).await?,
    ))
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
    let account = telegram::set_notifications(&state.service, *chat_id, body.enabled).await?;
    Ok(web::Json(account))
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
    telegram::unlink_chat(&state.service, *chat_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
