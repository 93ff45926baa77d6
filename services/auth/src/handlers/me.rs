use crate::AppState;
use crate::handlers::get_user::with_presence;
use actix_web::{get, web};
use chat_db::users;
use chat_domain::User;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};

/// The logged-in user.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 200, body = User),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/users/me")]
pub async fn me(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<web::Json<User>> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let user = users::find(&mut conn, auth.id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
    let mut out = with_presence(&state, &mut conn, &[user]).await?;
    Ok(web::Json(out.remove(0)))
}
