use crate::AppState;
use crate::handlers::refresh::{RefreshRequest, presented_token};
use crate::session;
use crate::tokens::hash_token;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_db::sessions;
use chat_http::ApiResult;

/// Log out: revoke this session's refresh tokens and clear the cookies.
#[utoipa::path(
    tag = "auth",
    request_body(content = RefreshRequest, description = "Empty for browsers, which send the cookie"),
    responses((status = 204, description = "Logged out; cookies cleared"))
)]
#[post("/api/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<web::Json<RefreshRequest>>,
) -> ApiResult<HttpResponse> {
    if let Some(token) = presented_token(&state, &req, body.as_deref())? {
        let mut conn = chat_db::conn(&state.pool).await?;
        if let Some(row) = sessions::find_by_hash(&mut conn, &hash_token(&token)).await? {
            sessions::revoke_family(&mut conn, row.family_id).await?;
            tracing::info!(user.id = %row.user_id, "logged out");
        }
    }
    Ok(session::cleared(
        HttpResponse::NoContent(),
        state.config.cookie_secure,
    ))
}

/// Log out everywhere: revoke every session of the caller and clear this browser's cookies.
/// Access tokens already issued stay valid until they expire (minutes).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Every session revoked; cookies cleared"),
        (status = 401, body = chat_http::error::ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/auth/logout-all")]
pub async fn logout_all(
    state: web::Data<AppState>,
    auth: chat_http::AuthUser,
) -> ApiResult<HttpResponse> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let revoked = sessions::revoke_all_for_user(&mut conn, auth.id).await?;
    tracing::info!(user.id = %auth.id, revoked, "logged out everywhere");
    Ok(session::cleared(
        HttpResponse::NoContent(),
        state.config.cookie_secure,
    ))
}
