use crate::AppState;
use crate::directory;
use actix_web::{get, web};
use chat_domain::User;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use uuid::Uuid;

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
    Ok(web::Json(directory::get(&state.service, *id).await?))
}
