use crate::AppState;
use crate::session::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_db::users::{self, EMAIL_TAKEN, NewUser, USERNAME_TAKEN};
use chat_domain::{DisplayName, Email, Password, Username};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3-32 letters, digits or underscores; unique ignoring case.
    pub username: String,
    /// Unique ignoring case.
    pub email: String,
    /// At least 8 characters and at most 72 bytes.
    pub password: String,
    /// Shown instead of the username; defaults to it.
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
    )
)]
#[post("/api/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .register_address
        .check(&state.client_address(&req))?;
    let body = body.into_inner();
    let username = Username::parse(&body.username);
    let email = Email::parse(&body.email);
    let password = Password::parse(&body.password);
    let display_name = body
        .display_name
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(DisplayName::parse)
        .transpose();
    let (username, email, password, display_name) = match (username, email, password, display_name)
    {
        (Ok(u), Ok(e), Ok(p), Ok(d)) => (u, e, p, d),
        (u, e, p, d) => {
            return Err(ApiError::invalid(
                [u.err(), e.err(), p.err(), d.err()].into_iter().flatten(),
            ));
        }
    };
    let password_hash = state.passwords.hash(&password).await?;
    let mut conn = chat_db::conn(&state.pool).await?;
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
        Some(USERNAME_TAKEN) => ApiError::Conflict {
            field: "username".into(),
            message: "this username is taken".into(),
        },
        Some(EMAIL_TAKEN) => ApiError::Conflict {
            field: "email".into(),
            message: "this email is already registered".into(),
        },
        _ => e.into(),
    })?;
    tracing::info!(user.id = %user.id, "user registered");
    session::issue(&state, &mut conn, &user, None, StatusCode::CREATED).await
}
