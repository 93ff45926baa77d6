use crate::AppState;
use actix_web::{get, web};
use chat_db::rooms;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoomIds {
    pub room_ids: Vec<Uuid>,
}

/// The ids of my rooms (the gateway subscribes a new socket to them).
#[utoipa::path(
    tag = "rooms",
    responses((status = 200, body = RoomIds), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/ids")]
pub async fn room_ids(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<web::Json<RoomIds>> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let room_ids = rooms::room_ids_of(&mut conn, auth.id).await?;
    Ok(web::Json(RoomIds { room_ids }))
}
