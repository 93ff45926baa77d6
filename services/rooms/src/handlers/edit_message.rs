//! Editing and deleting messages. A deleted message stays in history as a tombstone.

use crate::AppState;
use crate::access::{member_of, rank};
use crate::events::emit;
use crate::tx::TxError;
use actix_web::{HttpResponse, delete, patch, web};
use chat_db::messages;
use chat_domain::events::EventPayload;
use chat_domain::{MemberRole, Message, MessageBody};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

fn message_not_found() -> ApiError {
    ApiError::not_found("message")
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
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
    state.send_limit.check(&auth.id.to_string())?;
    let text = MessageBody::parse(&body.body, state.config.max_body_chars)?;
    let mut conn = chat_db::conn(&state.pool).await?;
    member_of(&mut conn, room_id, auth.id).await?;
    let message = conn
        .transaction::<_, TxError, _>(async |conn| {
            let row = messages::find_by_seq(conn, room_id, seq)
                .await?
                .filter(|m| m.deleted_at.is_none())
                .ok_or_else(message_not_found)?;
            if row.sender_id != auth.id {
                return Err(
                    ApiError::Forbidden("you can only edit your own messages".into()).into(),
                );
            }
            let row = messages::edit(conn, row.id, text.as_str())
                .await?
                .ok_or_else(message_not_found)?;
            let message = Message::from(row);
            emit(
                conn,
                &request_id,
                EventPayload::MessageEdited {
                    room_id,
                    message: message.clone(),
                },
            )
            .await?;
            Ok(message)
        })
        .await?;
    state.relay_wake.notify_one();
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
    let mut conn = chat_db::conn(&state.pool).await?;
    let (_, member) = member_of(&mut conn, room_id, auth.id).await?;
    conn.transaction::<_, TxError, _>(async |conn| {
        let row = messages::find_by_seq(conn, room_id, seq)
            .await?
            .filter(|m| m.deleted_at.is_none())
            .ok_or_else(message_not_found)?;
        if row.sender_id != auth.id && rank(member.role()) < rank(MemberRole::Admin) {
            return Err(ApiError::Forbidden(
                "only the sender, an admin or the owner may delete this message".into(),
            )
            .into());
        }
        messages::soft_delete(conn, row.id)
            .await?
            .ok_or_else(message_not_found)?;
        emit(
            conn,
            &request_id,
            EventPayload::MessageDeleted {
                room_id,
                message_id: row.id,
                seq,
                deleted_by: auth.id,
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    state.relay_wake.notify_one();
    Ok(HttpResponse::NoContent().finish())
}
