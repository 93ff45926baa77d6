use crate::AppState;
use crate::session::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chat_db::users;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username or email, ignoring case.
    pub login: String,
    pub password: String,
}

/// Log in with a username or email and a password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; cookies set", body = Session),
        (status = 401, description = "Wrong login or password, or a deactivated account", body = ErrorEnvelope),
    )
)]
#[post("/api/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let wrong = || ApiError::Unauthorized("wrong login or password".into());
    if body.login.len() > 254 || body.password.len() > 1024 {
        return Err(wrong());
    }
    let mut conn = chat_db::conn(&state.pool).await?;
    let user = users::find_by_login(&mut conn, body.login.trim()).await?;
    // Always hash once, known user or not, so timing does not tell which accounts exist.
    let ok = state
        .passwords
        .verify(
            &body.password,
            user.as_ref().map(|u| u.password_hash.as_str()),
        )
        .await?;
    let user = match user {
        Some(user) if ok && user.deactivated_at.is_none() => user,
        _ => return Err(wrong()),
    };
    tracing::info!(user.id = %user.id, "logged in");
    session::issue(&state, &mut conn, &user, None, StatusCode::OK).await
}
