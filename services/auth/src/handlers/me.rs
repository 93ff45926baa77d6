//! The caller's own account: profile, settings, password.

use crate::AppState;
use crate::handlers::get_user::with_presence;
use actix_web::{HttpResponse, get, patch, post, web};
use chat_db::users::{self, UserRow};
use chat_db::{AsyncPgConnection, sessions};
use chat_domain::{DisplayName, Password, User};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

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

/// The active account behind a token: 401 when it was deactivated or deleted since.
pub async fn active_user(conn: &mut AsyncPgConnection, auth: &AuthUser) -> ApiResult<UserRow> {
    users::find(conn, auth.id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or_else(|| ApiError::Unauthorized("this account is not active".into()))
}

async fn me_of(state: &AppState, conn: &mut AsyncPgConnection, row: UserRow) -> ApiResult<Me> {
    let user = with_presence(state, conn, std::slice::from_ref(&row))
        .await?
        .remove(0);
    Ok(Me {
        user,
        email: row.email,
        role: row.role,
        notifications_enabled: row.notifications_enabled,
        telegram: TelegramState {
            available: state.config.telegram_bot_username.is_some(),
            linked: row.telegram_chat_id.is_some(),
            bot_username: state.config.telegram_bot_username.clone(),
        },
    })
}

/// The logged-in user's own account.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, body = Me),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/users/me")]
pub async fn me(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<web::Json<Me>> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let row = active_user(&mut conn, &auth).await?;
    Ok(web::Json(me_of(&state, &mut conn, row).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// 1-64 characters; shown instead of the username.
    pub display_name: Option<String>,
    /// Telegram notifications on or off.
    pub notifications_enabled: Option<bool>,
}

/// Change the display name or the notification setting; fields left out stay as they are.
#[utoipa::path(
    tag = "me",
    request_body = UpdateMe,
    responses(
        (status = 200, body = Me),
        (status = 401, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[patch("/api/users/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<UpdateMe>,
) -> ApiResult<web::Json<Me>> {
    let display_name = body
        .display_name
        .as_deref()
        .map(DisplayName::parse)
        .transpose()?;
    let mut conn = chat_db::conn(&state.pool).await?;
    active_user(&mut conn, &auth).await?;
    let row = users::update_profile(
        &mut conn,
        auth.id,
        display_name.as_ref().map(DisplayName::as_str),
        body.notifications_enabled,
    )
    .await?
    .ok_or_else(|| ApiError::Unauthorized("this account is not active".into()))?;
    Ok(web::Json(me_of(&state, &mut conn, row).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// At least 8 characters and at most 72 bytes.
    pub new_password: String,
}

/// Change the password. The current one is required; every other session is logged out
/// (this one stays).
#[utoipa::path(
    tag = "me",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; other sessions revoked"),
        (status = 401, body = ErrorEnvelope),
        (status = 422, description = "Wrong current password or invalid new one", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/users/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let new_password = Password::parse(&body.new_password).map_err(|e| {
        ApiError::Validation(BTreeMap::from([("new_password".to_owned(), e.message)]))
    })?;
    // Guessing the current password here is guessing a login: same budget.
    state.limits.login_account.check(&auth.id.to_string())?;
    let mut conn = chat_db::conn(&state.pool).await?;
    let row = active_user(&mut conn, &auth).await?;
    drop(conn);
    if !state
        .passwords
        .verify(&body.current_password, Some(&row.password_hash))
        .await?
    {
        return Err(ApiError::Validation(BTreeMap::from([(
            "current_password".to_owned(),
            "is not your current password".to_owned(),
        )])));
    }
    let hash = state.passwords.hash(&new_password).await?;
    let mut conn = chat_db::conn(&state.pool).await?;
    let revoked = conn
        .transaction::<_, ApiError, _>(async |conn| {
            users::set_password_hash(conn, auth.id, &hash).await?;
            Ok(sessions::revoke_others(conn, auth.id, auth.session).await?)
        })
        .await?;
    tracing::info!(user.id = %auth.id, revoked, "password changed; other sessions revoked");
    Ok(HttpResponse::NoContent().finish())
}
