//! Renaming, changing the topic and deleting a room.

use crate::AppState;
use crate::rooms;
use actix_web::{HttpResponse, delete, patch, web};
use chat_domain::{Room, RoomName, Topic};
use chat_http::body::ObjectJson;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoomRequest {
    /// 1 to 64 characters after trimming.
    #[schema(max_length = 64)]
    pub name: Option<String>,
    /// Up to 256 characters; empty clears it.
    #[schema(max_length = 256)]
    pub topic: Option<String>,
}

/// Rename a room or change its topic (owner or admin). Members are told.
#[utoipa::path(
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body = UpdateRoomRequest,
    responses(
        (status = 200, body = Room),
        (status = 403, description = "Not an owner or admin", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[patch("/api/rooms/{id}")]
pub async fn update_room(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: ObjectJson<UpdateRoomRequest>,
) -> ApiResult<web::Json<Room>> {
    let name = body.name.as_deref().map(RoomName::parse).transpose();
    let topic = body.topic.as_deref().map(Topic::parse).transpose();
    let (name, topic) = match (name, topic) {
        (Ok(n), Ok(t)) => (n, t),
        (n, t) => return Err(ApiError::invalid([n.err(), t.err()].into_iter().flatten())),
    };
    let room = rooms::update(&state.store, request_id, auth.id, *id, name, topic).await?;
    Ok(web::Json(room))
}

/// Delete a room (owner only). Its members are told; it disappears for everyone.
#[utoipa::path(
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the owner", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 422, description = "Direct chats cannot be deleted", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/rooms/{id}")]
pub async fn delete_room(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    rooms::delete(&state.store, request_id, auth.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
