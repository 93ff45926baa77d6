use crate::AppState;
use crate::messages;
use actix_web::{post, web};
use chat_http::error::ErrorEnvelope;
use chat_http::{Actor, ApiResult, RequestId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// I have read every message up to this seq (one past the room's last is taken as its last).
    #[schema(minimum = 0)]
    pub seq: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReadState {
    pub room_id: Uuid,
    pub last_read_seq: i64,
    pub unread: i64,
    /// Of the unread messages, those that mention me.
    #[serde(default)]
    pub mentions: i64,
}

/// Move my read watermark forward (never back); members are told.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body = ReadRequest,
    responses((status = 200, body = ReadState), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []), ("service" = []))
)]
#[post("/api/rooms/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: Actor,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<ReadRequest>,
) -> ApiResult<web::Json<ReadState>> {
    let read = messages::mark_read(&state.store, request_id, auth.id, *id, body.seq).await?;
    Ok(web::Json(ReadState {
        room_id: read.room_id,
        last_read_seq: read.last_read_seq,
        unread: read.unread,
        mentions: read.mentions,
    }))
}
