//! Forwarding a message to a room.

use crate::AppState;
use crate::forward;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chat_domain::{ClientMsgId, Message};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser, RequestId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardRequest {
    /// Chosen by the client (a UUID); a retry with the same id returns the first copy.
    /// 1-64 printable ASCII characters.
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    pub client_msg_id: String,
    /// The message to forward: one of a room I belong to, or of a public room.
    pub message_id: Uuid,
}

/// Forward a message to this room: a copy of its text and of its file, sent by me, marked as
/// forwarded with who wrote the original (`forwarded_from`). The copy's file is its own: it
/// stays when the original is deleted. The members are told as for any message.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "The room to forward to")),
    request_body = ForwardRequest,
    responses(
        (status = 201, description = "Forwarded", body = Message),
        (status = 200, description = "A retry: the copy stored the first time", body = Message),
        (status = 403, description = "A direct chat in which one of the two blocked the other", body = ErrorEnvelope),
        (status = 404, description = "Not a member of the room, or no such message (or one I may not read, or deleted)", body = ErrorEnvelope),
        (status = 409, description = "client_msg_id already used in another room", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 429, description = "Too many messages: see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms/{id}/forward")]
pub async fn forward_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<ForwardRequest>,
) -> ApiResult<HttpResponse> {
    state.send_limit.check(&auth.id.to_string()).await?;
    let client_msg_id = ClientMsgId::parse(&body.client_msg_id)?;
    let (mut message, created) = forward::forward(
        &state.store,
        &state.files,
        request_id,
        auth.id,
        id.into_inner(),
        client_msg_id,
        body.message_id,
    )
    .await?;
    state
        .files
        .links
        .sign_page(auth.id, std::slice::from_mut(&mut message));
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(message))
}
