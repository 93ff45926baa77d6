use crate::AppState;
use crate::blocks;
use actix_web::{HttpResponse, delete, get, put, web};
use chat_domain::User;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Block a user: no direct chat between you, they cannot add you to groups, and you are not
/// notified of their messages (the web app hides them). They are not told.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The user to block")),
    responses(
        (status = 204, description = "Blocked (also when already blocked)"),
        (status = 404, body = ErrorEnvelope),
        (status = 422, description = "Yourself, or over the limit of 1,000", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[put("/api/users/{id}/block")]
pub async fn block(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    blocks::block(&state.service, auth.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unblock a user.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The user to unblock")),
    responses(
        (status = 204, description = "Not blocked (also when they were not)"),
        (status = 404, description = "Not a user id", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/users/{id}/block")]
pub async fn unblock(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    blocks::unblock(&state.service, auth.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockedUsers {
    /// Newest block first.
    pub users: Vec<User>,
}

/// The people I blocked.
#[utoipa::path(
    tag = "users",
    responses((status = 200, body = BlockedUsers)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/users/me/blocks")]
pub async fn list_blocks(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<web::Json<BlockedUsers>> {
    Ok(web::Json(BlockedUsers {
        users: blocks::list(&state.service, auth.id).await?,
    }))
}
