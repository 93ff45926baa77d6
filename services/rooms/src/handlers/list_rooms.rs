use crate::AppState;
use crate::rooms;
use actix_web::{get, web};
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
    let rooms = rooms::list(&state.store, auth.id).await?;
    Ok(web::Json(RoomList { rooms }))
}
