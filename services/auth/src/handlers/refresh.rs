use crate::AppState;
use crate::session::{self, Session};
use crate::tokens::hash_token;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_db::{sessions, users};
use chat_http::auth::{REFRESH_COOKIE, origin_allowed};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token; browsers leave it out and send the `chat_refresh` cookie.
    pub refresh_token: Option<String>,
}

/// The refresh token a request presents, from the body or (checking the Origin against CSRF)
/// the cookie.
pub fn presented_token(
    state: &AppState,
    req: &HttpRequest,
    body: Option<&RefreshRequest>,
) -> Result<Option<String>, ApiError> {
    if let Some(token) = body.and_then(|b| b.refresh_token.clone()) {
        return Ok(Some(token));
    }
    match req.cookie(REFRESH_COOKIE) {
        Some(c) if origin_allowed(req, &state.config.common.allowed_origins) => {
            Ok(Some(c.value().to_owned()))
        }
        Some(_) => Err(ApiError::Forbidden(
            "cross-site request refused: the Origin is not allowed".into(),
        )),
        None => Ok(None),
    }
}

/// Spends a refresh token: the user it belongs to and its family, which the next token
/// continues. A spent token presented again revokes its whole family.
pub async fn rotate(
    conn: &mut chat_db::AsyncPgConnection,
    token: &str,
) -> Result<(users::UserRow, uuid::Uuid), ApiError> {
    let invalid = || ApiError::Unauthorized("the refresh token is not valid".into());
    let row = sessions::find_by_hash(conn, &hash_token(token))
        .await?
        .ok_or_else(invalid)?;
    if row.revoked_at.is_some() {
        return Err(invalid());
    }
    if row.used_at.is_some() || !sessions::consume(conn, row.id).await? {
        let revoked = sessions::revoke_family(conn, row.family_id).await?;
        tracing::warn!(user.id = %row.user_id, revoked, "refresh token reused: family revoked");
        return Err(invalid());
    }
    if row.expires_at < chrono::Utc::now() {
        return Err(invalid());
    }
    let user = users::find(conn, row.user_id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or_else(invalid)?;
    Ok((user, row.family_id))
}

/// Trade a refresh token for a new session. The old token is spent; presenting a spent token
/// again revokes every token of its family (it was stolen, or leaked).
#[utoipa::path(
    tag = "auth",
    request_body(content = RefreshRequest, description = "Empty for browsers, which send the cookie"),
    responses(
        (status = 200, description = "New tokens; cookies set", body = Session),
        (status = 401, description = "Unknown, expired, spent or revoked token", body = ErrorEnvelope),
    )
)]
#[post("/api/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<web::Json<RefreshRequest>>,
) -> ApiResult<HttpResponse> {
    let invalid = || ApiError::Unauthorized("the refresh token is not valid".into());
    let token = presented_token(&state, &req, body.as_deref())?.ok_or_else(invalid)?;
    let mut conn = chat_db::conn(&state.pool).await?;
    let (user, family) = rotate(&mut conn, &token).await?;
    session::issue(&state, &mut conn, &user, Some(family), StatusCode::OK).await
}
