use crate::AppState;
use crate::messages::{self, Draft, Outgoing};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chat_domain::Message;
use chat_http::error::ErrorEnvelope;
use chat_http::{Actor, ApiResult, RequestId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// Chosen by the client (a UUID); a retry with the same id returns the first message.
    /// 1-64 printable ASCII characters.
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    pub client_msg_id: String,
    /// 1 to 4,000 characters (the default of `ROOMS_MAX_BODY_CHARS`), not only whitespace.
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
    /// A message of the same room this one answers.
    pub reply_to: Option<Uuid>,
}

/// Store a message in a room. It takes the room's next seq, and its event is published
/// through the outbox after commit.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body = SendRequest,
    responses(
        (status = 201, description = "Stored", body = Message),
        (status = 200, description = "A retry: the message stored the first time", body = Message),
        (status = 403, description = "A direct chat in which one of the two blocked the other", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "client_msg_id already used in another room", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 429, description = "Too many messages: see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("service" = []))
)]
#[post("/api/rooms/{id}/messages")]
pub async fn send_message(
    state: web::Data<AppState>,
    auth: Actor,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<SendRequest>,
) -> ApiResult<HttpResponse> {
    let draft = Draft {
        sender: auth.id,
        room_id: id.into_inner(),
        client_msg_id: &body.client_msg_id,
        body: &body.body,
        reply_to: body.reply_to,
        request_id,
    };
    let outgoing = Outgoing::parse(draft, &state.send_limit, state.config.max_body_chars).await?;
    let (message, created) = messages::send(&state.store, &outgoing).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(message))
}
