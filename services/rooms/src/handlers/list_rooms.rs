use crate::AppState;
use actix_web::{get, web};
use chat_db::rooms;
use chat_domain::RoomSummary;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomList {
    pub rooms: Vec<RoomSummary>,
}

/// My rooms, newest activity first, each with its last message and my unread count.
#[utoipa::path(
    tag = "rooms",
    responses((status = 200, body = RoomList), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms")]
pub async fn list_rooms(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<web::Json<RoomList>> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let rooms = rooms::summaries(&mut conn, auth.id).await?;
    Ok(web::Json(RoomList { rooms }))
}
