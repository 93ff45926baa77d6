use crate::AppState;
use crate::rooms;
use actix_web::{get, web};
use chat_domain::Room;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use uuid::Uuid;

/// A room with its members. 404 unless I am a member or the room is public.
#[utoipa::path(
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    responses((status = 200, body = Room), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}")]
pub async fn get_room(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Room>> {
    Ok(web::Json(rooms::get(&state.store, auth.id, *id).await?))
}
