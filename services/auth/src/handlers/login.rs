use crate::AppState;
use crate::cookies;
use crate::sessions::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_http::ApiResult;
use chat_http::error::ErrorEnvelope;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username or email, ignoring case.
    #[schema(max_length = 254)]
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
        (status = 429, description = "Too many attempts for this account or address; see Retry-After", body = ErrorEnvelope),
        (status = 503, description = "Every password-hashing slot stayed busy; see Retry-After", body = ErrorEnvelope),
    )
)]
#[post("/api/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let client_address = state.client_address(&req);
    let session =
        sessions::login(&state.service, &client_address, &body.login, &body.password).await?;
    Ok(cookies::issued(
        &req,
        StatusCode::OK,
        session,
        state.config(),
    ))
}
