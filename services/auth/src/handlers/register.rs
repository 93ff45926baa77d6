use crate::AppState;
use crate::accounts::{self, Registration};
use crate::cookies;
use crate::sessions::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_http::ApiResult;
use chat_http::error::ErrorEnvelope;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3-32 letters, digits or underscores; unique ignoring case.
    #[schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_]+$")]
    pub username: String,
    /// Unique ignoring case.
    #[schema(max_length = 254)]
    pub email: String,
    /// At least 8 characters and at most 72 bytes.
    #[schema(min_length = 8, max_length = 72)]
    pub password: String,
    /// Shown instead of the username; defaults to it. 1-64 characters after trimming.
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
}

/// Create an account and log in.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and logged in; cookies set", body = Session),
        (status = 409, description = "Username or email taken (`fields` names which)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
        (status = 429, description = "Too many registrations from this address; see Retry-After", body = ErrorEnvelope),
        (status = 503, description = "Every password-hashing slot stayed busy; see Retry-After", body = ErrorEnvelope),
    )
)]
#[post("/api/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let draft = Registration {
        username: &body.username,
        email: &body.email,
        password: &body.password,
        display_name: body.display_name.as_deref(),
    };
    let session = accounts::register(&state.service, &state.client_address(&req), &draft).await?;
    Ok(cookies::issued(
        &req,
        StatusCode::CREATED,
        session,
        state.config(),
    ))
}
