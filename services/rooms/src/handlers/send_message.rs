use crate::AppState;
use crate::access::{member_of, room_not_found};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chat_db::messages;
use chat_domain::events::{Event, EventPayload};
use chat_domain::{ClientMsgId, Message, MessageBody};
use chat_http::error::ErrorEnvelope;
use chat_http::{Actor, ApiError, ApiResult, RequestId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The unique constraint that makes sends idempotent.
const SAME_CLIENT_MSG_ID: &str = "messages_sender_id_client_msg_id_key";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// Chosen by the client (a UUID); a retry with the same id returns the first message.
    pub client_msg_id: String,
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
    let room_id = id.into_inner();
    state.send_limit.check(&auth.id.to_string())?;
    let text = MessageBody::parse(&body.body, state.config.max_body_chars);
    let client_msg_id = ClientMsgId::parse(&body.client_msg_id);
    let (text, client_msg_id) = match (text, client_msg_id) {
        (Ok(t), Ok(c)) => (t, c),
        (t, c) => return Err(ApiError::invalid([t.err(), c.err()].into_iter().flatten())),
    };
    let (message, created) = send(
        &state,
        auth.id,
        room_id,
        &client_msg_id,
        &text,
        body.reply_to,
        &request_id,
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(message))
}

/// Stores a message (or finds the one a retry refers to). Returns it and whether it is new.
///
/// The common case is one statement, committed on its own (`chat_db::messages::store`): one
/// round trip and one durable flush. Only when it stores nothing does a second look tell why
/// (a retry, not a member, a bad `reply_to`).
pub async fn send(
    state: &AppState,
    sender: Uuid,
    room_id: Uuid,
    client_msg_id: &ClientMsgId,
    text: &MessageBody,
    reply_to: Option<Uuid>,
    request_id: &RequestId,
) -> Result<(Message, bool), ApiError> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let now = chrono::Utc::now();
    // PostgreSQL keeps microseconds: the answer must say what a later read will.
    let created_at = chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut message = Message {
        id: Uuid::now_v7(),
        room_id,
        seq: 0,
        sender_id: sender,
        body: text.as_str().to_owned(),
        reply_to,
        client_msg_id: client_msg_id.as_str().to_owned(),
        created_at,
        edited_at: None,
        deleted: false,
    };
    let event = Event::new(
        EventPayload::MessageCreated {
            room_id,
            message: message.clone(),
        },
        Some(request_id.0.clone()),
    );
    let stored = messages::store(
        &mut conn,
        &messages::Send {
            message: &message,
            event_id: event.id,
            routing_key: event.payload.routing_key(),
            event: serde_json::to_value(&event)
                .map_err(|e| ApiError::internal(format!("event not serialisable: {e}")))?,
        },
    )
    .await;
    let row = match stored {
        Ok(Some(seq)) => {
            message.seq = seq;
            state.relay_wake.notify_one();
            tracing::debug!(room.id = %room_id, message.seq = seq, user.id = %sender, "message stored");
            return Ok((message, true));
        }
        Ok(None) => why_not_stored(&mut conn, sender, room_id, client_msg_id, reply_to).await?,
        // Two copies of one send raced: the loser returns what the winner stored.
        Err(e) if e.unique_violation() == Some(SAME_CLIENT_MSG_ID) => {
            messages::find_by_client_id(&mut conn, sender, client_msg_id.as_str())
                .await?
                .ok_or_else(|| ApiError::internal("idempotent send lost its message"))?
        }
        Err(e) => return Err(e.into()),
    };
    if row.room_id != room_id {
        return Err(ApiError::Conflict {
            field: "client_msg_id".into(),
            message: "this client_msg_id was already used in another room".into(),
        });
    }
    Ok((Message::from(row), false))
}

/// A send stored nothing: the message a retry refers to, or the error that explains it.
async fn why_not_stored(
    conn: &mut chat_db::AsyncPgConnection,
    sender: Uuid,
    room_id: Uuid,
    client_msg_id: &ClientMsgId,
    reply_to: Option<Uuid>,
) -> Result<messages::MessageRow, ApiError> {
    if let Some(existing) =
        messages::find_by_client_id(conn, sender, client_msg_id.as_str()).await?
    {
        return Ok(existing);
    }
    member_of(conn, room_id, sender).await?;
    if let Some(reply_to) = reply_to {
        let parent = messages::find(conn, reply_to).await?;
        if parent.is_none_or(|p| p.room_id != room_id) {
            return Err(ApiError::invalid([chat_domain::Invalid::new(
                "reply_to",
                "must be a message of the same room",
            )]));
        }
    }
    // The room was deleted meanwhile.
    Err(room_not_found())
}
