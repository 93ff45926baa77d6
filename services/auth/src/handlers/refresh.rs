use crate::AppState;
use crate::cookies;
use crate::sessions::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_http::auth::{REFRESH_COOKIE, origin_allowed};
use chat_http::body::OptionalJson;
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
        Some(c) if origin_allowed(req, &state.config().common.allowed_origins) => {
            Ok(Some(c.value().to_owned()))
        }
        Some(_) => Err(ApiError::Forbidden(
            "cross-site request refused: the Origin is not allowed".into(),
        )),
        None => Ok(None),
    }
}

/// Trade a refresh token for a new session. The old token is spent; presenting a spent token
/// again revokes every token of its family (it was stolen, or leaked).
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Optional: browsers send none, and the cookie instead"),
    responses(
        (status = 200, description = "New tokens; cookies set", body = Session),
        (status = 401, description = "Unknown, expired, spent or revoked token", body = ErrorEnvelope),
    )
)]
#[post("/api/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: OptionalJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let token = presented_token(&state, &req, body.0.as_ref())?;
    let session = sessions::refresh(&state.service, token.as_deref()).await?;
    Ok(cookies::issued(
        &req,
        StatusCode::OK,
        session,
        state.config(),
    ))
}
