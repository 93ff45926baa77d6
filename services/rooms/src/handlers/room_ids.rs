use crate::AppState;
use actix_web::{get, web};
use chat_db::outbox;
use chat_http::error::ErrorEnvelope;
use chat_http::{Actor, ApiResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RoomIds {
    pub room_ids: Vec<Uuid>,
    /// A sync cursor taken before the rooms were read: every event after it is in the sync
    /// log (`GET /api/rooms/sync?cursor=`).
    pub cursor: String,
}

/// The ids of my rooms and the sync cursor of this moment (a gateway subscribes a new socket
/// to them and hands the cursor to the client in `hello`).
#[utoipa::path(
    tag = "rooms",
    responses((status = 200, body = RoomIds), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []), ("service" = []))
)]
#[get("/api/rooms/ids")]
pub async fn room_ids(state: web::Data<AppState>, auth: Actor) -> ApiResult<web::Json<RoomIds>> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let (room_ids, cursor) = outbox::rooms_at_head(&mut conn, auth.id).await?;
    Ok(web::Json(RoomIds {
        room_ids,
        cursor: cursor.encode(),
    }))
}
