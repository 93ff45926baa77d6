//! Administration: deactivating and reactivating accounts (the rules are in
//! [`crate::accounts`]).

use crate::AppState;
use crate::accounts::{self, AccountStatus};
use actix_web::{post, web};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use uuid::Uuid;

/// Admin only: deactivate an account. It can no longer log in or refresh, its sessions are
/// revoked, and it leaves the directory; access tokens already issued expire within minutes.
#[utoipa::path(
    tag = "admin",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = AccountStatus),
        (status = 401, body = ErrorEnvelope),
        (status = 403, description = "Not an admin, or deactivating oneself", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/admin/users/{id}/deactivate")]
pub async fn deactivate(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AccountStatus>> {
    let status = accounts::set_deactivated(&state.service, auth.id, *id, true).await?;
    Ok(web::Json(status))
}

/// Admin only: reactivate an account.
#[utoipa::path(
    tag = "admin",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = AccountStatus),
        (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/admin/users/{id}/reactivate")]
pub async fn reactivate(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AccountStatus>> {
    let status = accounts::set_deactivated(&state.service, auth.id, *id, false).await?;
    Ok(web::Json(status))
}
