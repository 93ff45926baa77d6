//! Editing and deleting messages. A deleted message stays in history as a tombstone.

use crate::AppState;
use crate::messages;
use actix_web::{HttpResponse, delete, patch, web};
use chat_domain::{Message, MessageBody};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser, RequestId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// 1 to 4,000 characters (the default of `ROOMS_MAX_BODY_CHARS`), not only whitespace.
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
}

/// Edit one of my messages; it is marked edited and the members are told.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    request_body = EditRequest,
    responses(
        (status = 200, body = Message),
        (status = 403, description = "Not my message", body = ErrorEnvelope),
        (status = 404, description = "No such room or message (or it was deleted)", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 429, description = "Too many messages: see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[patch("/api/rooms/{id}/messages/{seq}")]
pub async fn edit_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, i64)>,
    body: web::Json<EditRequest>,
) -> ApiResult<web::Json<Message>> {
    let (room_id, seq) = path.into_inner();
    state.send_limit.check(&auth.id.to_string()).await?;
    let text = MessageBody::parse(&body.body, state.config.max_body_chars)?;
    let message = messages::edit(&state.store, request_id, auth.id, room_id, seq, text).await?;
    Ok(web::Json(message))
}

/// Delete a message: my own, or anyone's when I am the room's owner or an admin. Its place in
/// history stays as a tombstone without text.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not my message, and not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such room or message (or it was deleted)", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/rooms/{id}/messages/{seq}")]
pub async fn delete_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, i64)>,
) -> ApiResult<HttpResponse> {
    let (room_id, seq) = path.into_inner();
    if let Some(file) = messages::delete(&state.store, request_id, auth.id, room_id, seq).await? {
        state.files.delete(room_id, &file).await;
    }
    Ok(HttpResponse::NoContent().finish())
}
