//! A room's pinned messages: reading them, pinning and unpinning.

use crate::AppState;
use crate::pins;
use actix_web::{delete, get, put, web};
use chat_domain::Pins;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser, RequestId};
use uuid::Uuid;

/// The room's pinned messages, the latest pin first (members, or anyone for a public room).
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id")),
    responses((status = 200, body = Pins), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}/pins")]
pub async fn list_pins(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Pins>> {
    Ok(web::Json(
        pins::list(&state.store, auth.id, path.into_inner()).await?,
    ))
}

/// Pin a message (owners and admins; either person in a direct chat). Pinning it again
/// changes nothing. The members are told with `pins_changed`.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    responses(
        (status = 200, description = "The room's pins after the change", body = Pins),
        (status = 403, description = "Not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such room or message (or it was deleted)", body = ErrorEnvelope),
        (status = 422, description = "The room already keeps 50 pinned messages", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[put("/api/rooms/{id}/pins/{seq}")]
pub async fn pin(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, i64)>,
) -> ApiResult<web::Json<Pins>> {
    let (room_id, seq) = path.into_inner();
    state.manage_limit.check(&auth.id.to_string()).await?;
    let pins = pins::change(&state.store, request_id, auth.id, room_id, seq, true).await?;
    Ok(web::Json(pins))
}

/// Unpin a message (who may pin may unpin). Unpinning one that is not pinned changes nothing.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    responses(
        (status = 200, description = "The room's pins after the change", body = Pins),
        (status = 403, description = "Not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such room or message (or it was deleted)", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/rooms/{id}/pins/{seq}")]
pub async fn unpin(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, i64)>,
) -> ApiResult<web::Json<Pins>> {
    let (room_id, seq) = path.into_inner();
    let pins = pins::change(&state.store, request_id, auth.id, room_id, seq, false).await?;
    Ok(web::Json(pins))
}
