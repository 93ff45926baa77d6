//! The OAuth2 token endpoint (RFC 6749 §4.3 password grant, §6 refresh), for API clients and
//! the "Authorize" button of /docs. It answers JSON and sets no cookies.

use crate::AppState;
use crate::handlers::login::check_credentials;
use crate::handlers::refresh::rotate;
use crate::session;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    )
)]
#[post("/api/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> ApiResult<HttpResponse> {
    let missing = |field: &str| {
        ApiError::Validation(BTreeMap::from([(
            field.to_owned(),
            "is required for this grant type".to_owned(),
        )]))
    };
    let session = match form.grant_type.as_str() {
        "password" => {
            let login = form
                .username
                .as_deref()
                .ok_or_else(|| missing("username"))?;
            let password = form
                .password
                .as_deref()
                .ok_or_else(|| missing("password"))?;
            let user = check_credentials(&state, &req, login, password).await?;
            let mut conn = chat_db::conn(&state.pool).await?;
            session::create(&state, &mut conn, &user, None).await?
        }
        "refresh_token" => {
            let token = form
                .refresh_token
                .as_deref()
                .ok_or_else(|| missing("refresh_token"))?;
            let mut conn = chat_db::conn(&state.pool).await?;
            let (user, family) = rotate(&mut conn, token).await?;
            session::create(&state, &mut conn, &user, Some(family)).await?
        }
        _ => {
            return Err(ApiError::Validation(BTreeMap::from([(
                "grant_type".to_owned(),
                "must be password or refresh_token".to_owned(),
            )])));
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: session.access_token,
            token_type: "bearer",
            expires_in: session.expires_in,
            refresh_token: session.refresh_token,
        }))
}
