use crate::AppState;
use crate::session::public_user;
use actix_web::{get, web};
use chat_db::users::{self, UserRow};
use chat_db::{AsyncPgConnection, presence};
use chat_domain::User;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use uuid::Uuid;

/// Turns rows into public users with their online state and last seen.
pub async fn with_presence(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    rows: &[UserRow],
) -> Result<Vec<User>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let fresh_after =
        chrono::Utc::now() - chrono::Duration::seconds(state.config.presence_fresh_secs);
    let status = presence::status_of(conn, &ids, fresh_after).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let s = status.get(&row.id).copied().unwrap_or_default();
            public_user(row, s.online, s.last_seen_at)
        })
        .collect())
}

/// A user's public profile.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = User),
        (status = 401, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<User>> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let user = users::find(&mut conn, id.into_inner())
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or_else(|| ApiError::not_found("user"))?;
    let mut out = with_presence(&state, &mut conn, &[user]).await?;
    Ok(web::Json(out.remove(0)))
}
