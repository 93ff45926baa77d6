//! The caller's own account: profile, settings, password (the rules are in
//! [`crate::accounts`]).

use crate::AppState;
use crate::accounts::{self, Me};
use actix_web::{HttpResponse, get, patch, post, web};
use chat_domain::{DisplayName, Invalid, Password};
use chat_http::body::ObjectJson;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Deserialize;
use utoipa::ToSchema;

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
    Ok(web::Json(accounts::me(&state.service, auth.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// 1-64 characters after trimming; shown instead of the username.
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
    /// Telegram notifications on or off.
    pub notifications_enabled: Option<bool>,
}

/// Change the display name or the notification setting; fields left out stay as they are. A
/// new display name reaches everyone who shares a room with the caller live (`user_renamed`).
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
    body: ObjectJson<UpdateMe>,
) -> ApiResult<web::Json<Me>> {
    let display_name = body
        .display_name
        .as_deref()
        .map(DisplayName::parse)
        .transpose()?;
    let updated = accounts::update(
        &state.service,
        auth.id,
        display_name.as_ref(),
        body.notifications_enabled,
    )
    .await?;
    Ok(web::Json(updated))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// At least 8 characters and at most 72 bytes.
    pub new_password: String,
}

/// Change the password. The current one is required; every other session is logged out at
/// once, its access tokens refused and its sockets closed (this one stays).
#[utoipa::path(
    tag = "me",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; other sessions revoked"),
        (status = 401, body = ErrorEnvelope),
        (status = 422, description = "Wrong current password or invalid new one", body = ErrorEnvelope),
        (status = 429, description = "Too many wrong current passwords; see Retry-After", body = ErrorEnvelope),
        (status = 503, description = "Every password-hashing slot stayed busy; see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/users/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    // Checked after the current password, so a wrong one is reported even when the new one is
    // also refused.
    let new_password =
        Password::parse(&body.new_password).map_err(|e| Invalid::new("new_password", e.message));
    accounts::change_password(
        &state.service,
        auth.id,
        auth.session,
        &body.current_password,
        new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
