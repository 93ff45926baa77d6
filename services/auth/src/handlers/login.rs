use crate::AppState;
use crate::session::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_db::users::{self, UserRow};
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

/// Checks a login and password under the rate limits (per client address, then per account)
/// and returns the active user they belong to.
pub async fn check_credentials(
    state: &AppState,
    req: &HttpRequest,
    login_name: &str,
    password: &str,
) -> Result<UserRow, ApiError> {
    let wrong = || ApiError::Unauthorized("wrong login or password".into());
    state
        .limits
        .login_address
        .check(&state.client_address(req))?;
    if login_name.len() > 254 || password.len() > 1024 {
        return Err(wrong());
    }
    let login_name = login_name.trim();
    let mut conn = chat_db::conn(&state.pool).await?;
    let user = users::find_by_login(&mut conn, login_name).await?;
    drop(conn);
    // Keyed by the account when there is one, so its username and email share one budget.
    let account_key = user
        .as_ref()
        .map_or_else(|| login_name.to_lowercase(), |u| u.id.to_string());
    state.limits.login_account.check(&account_key)?;
    // Always hash once, known user or not, so timing does not tell which accounts exist.
    let ok = state
        .passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    match user {
        Some(user) if ok && user.deactivated_at.is_none() => Ok(user),
        _ => Err(wrong()),
    }
}

/// Log in with a username or email and a password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; cookies set", body = Session),
        (status = 401, description = "Wrong login or password, or a deactivated account", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts for this account or address; see Retry-After", body = ErrorEnvelope),
    )
)]
#[post("/api/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let user = check_credentials(&state, &req, &body.login, &body.password).await?;
    tracing::info!(user.id = %user.id, "logged in");
    let mut conn = chat_db::conn(&state.pool).await?;
    session::issue(&state, &mut conn, &user, None, StatusCode::OK).await
}
