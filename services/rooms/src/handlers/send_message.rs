use crate::AppState;
use crate::access::{member_of, room_not_found};
use crate::events::emit;
use crate::tx::TxError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chat_db::messages::NewMessage;
use chat_db::{messages, rooms};
use chat_domain::events::EventPayload;
use chat_domain::{ClientMsgId, Message, MessageBody};
use chat_http::error::ErrorEnvelope;
use chat_http::{Actor, ApiError, ApiResult, RequestId};
use diesel_async::AsyncConnection;
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
    let result = conn
        .transaction::<_, TxError, _>(async |conn| {
            member_of(conn, room_id, sender).await?;
            if let Some(existing) =
                messages::find_by_client_id(conn, sender, client_msg_id.as_str()).await?
            {
                return Ok((existing, false));
            }
            if let Some(reply_to) = reply_to {
                let parent = messages::find(conn, reply_to).await?;
                if parent.is_none_or(|p| p.room_id != room_id) {
                    return Err(ApiError::invalid([chat_domain::Invalid::new(
                        "reply_to",
                        "must be a message of the same room",
                    )])
                    .into());
                }
            }
            let seq = rooms::take_next_seq(conn, room_id)
                .await?
                .ok_or_else(room_not_found)?;
            let row = messages::insert(
                conn,
                &NewMessage {
                    id: Uuid::now_v7(),
                    room_id,
                    seq,
                    sender_id: sender,
                    body: text.as_str(),
                    reply_to,
                    client_msg_id: client_msg_id.as_str(),
                },
            )
            .await?;
            // Whoever writes has read everything up to their own message.
            rooms::mark_read(conn, room_id, sender, seq).await?;
            let message = Message::from(row.clone());
            emit(
                conn,
                request_id,
                EventPayload::MessageCreated { room_id, message },
            )
            .await?;
            Ok((row, true))
        })
        .await;
    let (row, created) = match result {
        Ok(done) => done,
        // Two copies of one send raced: the loser returns what the winner stored.
        Err(TxError::Db(e)) if e.unique_violation() == Some(SAME_CLIENT_MSG_ID) => {
            let existing = messages::find_by_client_id(&mut conn, sender, client_msg_id.as_str())
                .await?
                .ok_or_else(|| ApiError::internal("idempotent send lost its message"))?;
            (existing, false)
        }
        Err(e) => return Err(e.into()),
    };
    if row.room_id != room_id {
        return Err(ApiError::Conflict {
            field: "client_msg_id".into(),
            message: "this client_msg_id was already used in another room".into(),
        });
    }
    if created {
        state.relay_wake.notify_one();
        tracing::info!(room.id = %room_id, message.seq = row.seq, user.id = %sender, "message stored");
    }
    Ok((Message::from(row), created))
}
