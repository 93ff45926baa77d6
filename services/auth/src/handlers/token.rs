//! The OAuth2 token endpoint (RFC 6749 §4.3 password grant, §6 refresh), for API clients and
//! the "Authorize" button of /docs. It answers JSON and sets no cookies.

use crate::AppState;
use crate::sessions;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_domain::Invalid;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    /// `password` or `refresh_token`.
    pub grant_type: String,
    /// Username or email (password grant).
    pub username: Option<String>,
    /// Password grant.
    pub password: Option<String>,
    /// Refresh grant.
    pub refresh_token: Option<String>,
    // `scope`, `client_id` and other fields are accepted and ignored: there are no scopes, and
    // every client is public.
}

/// A grant the form asks for, with what it needs.
enum Grant<'a> {
    Password { login: &'a str, password: &'a str },
    RefreshToken(&'a str),
}

impl<'a> Grant<'a> {
    /// The grant of a form: 422 for another grant type, or one without its fields.
    fn parse(form: &'a TokenForm) -> ApiResult<Self> {
        let required = |field: &'static str, value: Option<&'a str>| {
            value.ok_or_else(|| {
                ApiError::invalid([Invalid::new(field, "is required for this grant type")])
            })
        };
        match form.grant_type.as_str() {
            "password" => Ok(Self::Password {
                login: required("username", form.username.as_deref())?,
                password: required("password", form.password.as_deref())?,
            }),
            "refresh_token" => Ok(Self::RefreshToken(required(
                "refresh_token",
                form.refresh_token.as_deref(),
            )?)),
            _ => Err(ApiError::invalid([Invalid::new(
                "grant_type",
                "must be password or refresh_token",
            )])),
        }
    }
}

/// RFC 6749 §5.1.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
}

/// OAuth2 token endpoint: `grant_type=password` with `username` (or email) and `password`, or
/// `grant_type=refresh_token` with `refresh_token`. Used by the "Authorize" button of /docs.
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens (no cookies)", body = TokenResponse),
        (status = 401, description = "Wrong credentials or refresh token", body = ErrorEnvelope),
        (status = 422, description = "Unsupported grant type or missing fields", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorEnvelope),
        (status = 503, description = "Every password-hashing slot stayed busy; see Retry-After", body = ErrorEnvelope),
    )
)]
#[post("/api/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> ApiResult<HttpResponse> {
    let session = match Grant::parse(&form)? {
        Grant::Password { login, password } => {
            let client_address = state.client_address(&req);
            sessions::login(&state.service, &client_address, login, password).await?
        }
        Grant::RefreshToken(token) => sessions::refresh(&state.service, Some(token)).await?,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: session.access_token,
            token_type: "bearer",
            expires_in: session.expires_in,
            refresh_token: session.refresh_token.unwrap_or_default(),
        }))
}
