use crate::AppState;
use crate::rooms;
use actix_web::{get, post, web};
use chat_domain::api::{RoomIds, RoomIdsBatch, RoomIdsBatchAnswer};
use chat_http::auth::ServiceCaller;
use chat_http::error::{ErrorEnvelope, JsonUpTo};
use chat_http::{Actor, ApiResult};

/// The ids of my rooms and the sync cursor of this moment (a gateway subscribes a new socket
/// to them and hands the cursor to the client in `hello`).
#[utoipa::path(
    tag = "rooms",
    responses((status = 200, body = RoomIds), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []), ("service" = []))
)]
#[get("/api/rooms/ids")]
pub async fn room_ids(state: web::Data<AppState>, auth: Actor) -> ApiResult<web::Json<RoomIds>> {
    let mut at = rooms::ids_of(&state.store, &[auth.id]).await?;
    Ok(web::Json(RoomIds {
        room_ids: at.rooms.pop().unwrap_or_default(),
        cursor: at.cursor.encode(),
        live_from: at.live_from.encode(),
    }))
}

/// The rooms of several users and one sync cursor taken before any of them was read (service
/// credential only): a gateway asks for the users whose sockets connected together, in one
/// round trip and one statement. Each user's rooms are what `GET /api/rooms/ids` would answer
/// them.
#[utoipa::path(
    tag = "rooms",
    request_body = RoomIdsBatch,
    responses(
        (status = 200, description = "Each user's rooms, in the order they were named", body = RoomIdsBatchAnswer),
        (status = 401, description = "Not a service credential", body = ErrorEnvelope),
        (status = 422, description = "No user, or more than 1,000", body = ErrorEnvelope),
        (status = 503, description = "The database is down", body = ErrorEnvelope),
    ),
    security(("service" = []))
)]
#[post("/api/rooms/ids/batch")]
pub async fn room_ids_batch(
    state: web::Data<AppState>,
    _service: ServiceCaller,
    // Room for 1,000 ids (a send's limit would not be).
    batch: JsonUpTo<RoomIdsBatch, { 64 * 1024 }>,
) -> ApiResult<web::Json<RoomIdsBatchAnswer>> {
    let at = rooms::ids_of(&state.store, &batch.user_ids).await?;
    Ok(web::Json(RoomIdsBatchAnswer {
        cursor: at.cursor.encode(),
        live_from: at.live_from.encode(),
        rooms: at.rooms,
    }))
}
