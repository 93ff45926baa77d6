//! Administration: deactivating and reactivating accounts (the rules are in
//! [`crate::accounts`]).

use crate::AppState;
use crate::accounts::{self, AccountStatus, Unlisted};
use actix_web::{post, put, web};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Admin only: deactivate an account. It can no longer log in or refresh, its sessions are
/// revoked (their access tokens refused at once everywhere, their sockets closed), and it
/// leaves the directory.
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

/// Whether an account appears in the people directory.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    pub listed: bool,
}

/// Admin only: list an account in the people directory or take it out (demo, test and script
/// accounts). The account keeps working; only the directory stops showing it.
#[utoipa::path(
    tag = "admin",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = Listing,
    responses(
        (status = 200, body = AccountStatus),
        (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 422, description = "`listed` missing or not a boolean", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[put("/api/admin/users/{id}/listed")]
pub async fn set_listed(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<Listing>,
) -> ApiResult<web::Json<AccountStatus>> {
    let status = accounts::set_listed(&state.service, auth.id, *id, body.listed).await?;
    Ok(web::Json(status))
}

/// Admin only: take every account that was never seen online (admins aside) out of the people
/// directory at once: the accounts scripts and tests made.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, body = Unlisted),
        (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/admin/users/unlist-never-seen")]
pub async fn unlist_never_seen(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<web::Json<Unlisted>> {
    Ok(web::Json(
        accounts::unlist_never_seen(&state.service, auth.id).await?,
    ))
}
