//! Administration: deactivating and reactivating accounts.

use crate::AppState;
use crate::handlers::me::active_user;
use actix_web::{post, web};
use chat_db::{sessions, users};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An account as an admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountStatus {
    pub id: Uuid,
    pub username: String,
    pub role: String,
    /// Set while the account is deactivated.
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// The caller, if they are (still) an active admin: the role is read from the database, not
/// trusted from the token.
async fn require_admin(state: &AppState, auth: &AuthUser) -> ApiResult<()> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let me = active_user(&mut conn, auth).await?;
    if me.role != "admin" {
        return Err(ApiError::Forbidden("only admins may do this".into()));
    }
    Ok(())
}

async fn set_active(
    state: &AppState,
    auth: &AuthUser,
    id: Uuid,
    off: bool,
) -> ApiResult<web::Json<AccountStatus>> {
    require_admin(state, auth).await?;
    if off && id == auth.id {
        return Err(ApiError::Forbidden(
            "admins cannot deactivate themselves".into(),
        ));
    }
    let mut conn = chat_db::conn(&state.pool).await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = users::set_deactivated(conn, id, off)
                .await?
                .ok_or_else(|| ApiError::not_found("user"))?;
            if off {
                sessions::revoke_all_for_user(conn, id).await?;
            }
            Ok(row)
        })
        .await?;
    tracing::info!(user.id = %id, admin.id = %auth.id, deactivated = off, "account status changed");
    Ok(web::Json(AccountStatus {
        id: row.id,
        username: row.username,
        role: row.role,
        deactivated_at: row.deactivated_at,
    }))
}

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
    set_active(&state, &auth, *id, true).await
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
    set_active(&state, &auth, *id, false).await
}
