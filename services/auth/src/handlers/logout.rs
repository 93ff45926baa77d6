use crate::AppState;
use crate::cookies;
use crate::handlers::refresh::{RefreshRequest, presented_token};
use crate::sessions;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_http::body::OptionalJson;
use chat_http::{ApiResult, AuthUser};

/// Log out: revoke this session's refresh tokens and clear the cookies.
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Optional: browsers send none, and the cookie instead"),
    responses((status = 204, description = "Logged out; cookies cleared"))
)]
#[post("/api/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: OptionalJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let token = presented_token(&state, &req, body.0.as_ref())?;
    sessions::logout(&state.service, token.as_deref()).await?;
    Ok(cookies::cleared(
        HttpResponse::NoContent(),
        state.config().cookie_secure,
    ))
}

/// Log out everywhere: revoke every session of the caller and clear this browser's cookies.
/// Their access tokens stop working at once in every service, and their sockets are closed.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Every session revoked; cookies cleared"),
        (status = 401, body = chat_http::error::ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/auth/logout-all")]
pub async fn logout_all(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<HttpResponse> {
    sessions::logout_everywhere(&state.service, auth.id).await?;
    Ok(cookies::cleared(
        HttpResponse::NoContent(),
        state.config().cookie_secure,
    ))
}
