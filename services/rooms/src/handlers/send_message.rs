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
    let body = body.into_inner();
    let outgoing = Outgoing::parse(
        &state,
        auth.id,
        id.into_inner(),
        &body.client_msg_id,
        &body.body,
        body.reply_to,
        request_id,
    )?;
    let (message, created) = send(&state, &outgoing).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(message))
}

/// A send that parsed: who sends what where.
pub struct Outgoing {
    pub sender: Uuid,
    pub room_id: Uuid,
    pub client_msg_id: ClientMsgId,
    pub text: MessageBody,
    pub reply_to: Option<Uuid>,
    pub request_id: RequestId,
}

impl Outgoing {
    /// Checks a send as the API takes it: the sender's send limit, then the body and the
    /// `client_msg_id` (both reported at once when both are wrong).
    pub fn parse(
        state: &AppState,
        sender: Uuid,
        room_id: Uuid,
        client_msg_id: &str,
        body: &str,
        reply_to: Option<Uuid>,
        request_id: RequestId,
    ) -> Result<Self, ApiError> {
        state.send_limit.check(&sender.to_string())?;
        let text = MessageBody::parse(body, state.config.max_body_chars);
        let client_msg_id = ClientMsgId::parse(client_msg_id);
        match (text, client_msg_id) {
            (Ok(text), Ok(client_msg_id)) => Ok(Self {
                sender,
                room_id,
                client_msg_id,
                text,
                reply_to,
                request_id,
            }),
            (t, c) => Err(ApiError::invalid([t.err(), c.err()].into_iter().flatten())),
        }
    }
}

/// Stores a message (or finds the one a retry refers to). Returns it and whether it is new.
///
/// The common case is one statement, committed on its own (`chat_db::messages::store`): one
/// round trip and one durable flush. Only when it stores nothing does a second look tell why
/// (a retry, not a member, a bad `reply_to`).
pub async fn send(state: &AppState, outgoing: &Outgoing) -> Result<(Message, bool), ApiError> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let (message, event) = prepare(outgoing, moment());
    let stored = store_one(&mut conn, message, &event, &outgoing.client_msg_id).await;
    if matches!(stored, Ok((_, true))) {
        state.relay_wake.notify_one();
    }
    stored
}

/// Stores the sends of a batch (`POST /api/rooms/messages/batch`), each answered as [`send`]
/// answers it. Their common case is one statement for all (`chat_db::messages::store_many`):
/// one round trip, one transaction, one durable flush, and every answer given only after it
/// committed. If that statement fails as a whole (two copies of one send raced in two
/// batches), the sends are stored one by one, in their order.
pub async fn send_many(
    state: &AppState,
    sends: &[Outgoing],
) -> Vec<Result<(Message, bool), ApiError>> {
    let mut conn = match chat_db::conn(&state.pool).await {
        Ok(conn) => conn,
        Err(e) => {
            let e = ApiError::from(e);
            return sends.iter().map(|_| Err(e.clone())).collect();
        }
    };
    let now = moment();
    let prepared: Vec<(Message, Event)> = sends.iter().map(|s| prepare(s, now)).collect();
    let stored = match prepared
        .iter()
        .map(|(message, event)| to_send(message, event))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(batch) => messages::store_many(&mut conn, &batch).await,
        Err(e) => {
            let e = ApiError::internal(e);
            return sends.iter().map(|_| Err(e.clone())).collect();
        }
    };
    let mut results = Vec::with_capacity(sends.len());
    match stored {
        Ok(seqs) => {
            for ((mut message, _), (seq, s)) in
                prepared.into_iter().zip(seqs.into_iter().zip(sends))
            {
                results.push(match seq {
                    Some(seq) => {
                        message.seq = seq;
                        Ok((message, true))
                    }
                    None => {
                        not_stored(&mut conn, s.sender, s.room_id, &s.client_msg_id, s.reply_to)
                            .await
                    }
                });
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, sends = sends.len(), "batch refused as a whole: storing its sends one by one");
            for ((message, event), s) in prepared.into_iter().zip(sends) {
                results.push(store_one(&mut conn, message, &event, &s.client_msg_id).await);
            }
        }
    }
    if results.iter().any(|r| matches!(r, Ok((_, true)))) {
        state.relay_wake.notify_one();
    }
    results
}

/// Now, to the microsecond: PostgreSQL keeps microseconds, and the answer must say what a
/// later read will.
fn moment() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The message to store (its seq is taken when it is stored) and the event announcing it.
fn prepare(s: &Outgoing, created_at: chrono::DateTime<chrono::Utc>) -> (Message, Event) {
    let message = Message {
        id: Uuid::now_v7(),
        room_id: s.room_id,
        seq: 0,
        sender_id: s.sender,
        body: s.text.as_str().to_owned(),
        reply_to: s.reply_to,
        client_msg_id: s.client_msg_id.as_str().to_owned(),
        created_at,
        edited_at: None,
        deleted: false,
    };
    let event = Event::new(
        EventPayload::MessageCreated {
            room_id: s.room_id,
            message: message.clone(),
        },
        Some(s.request_id.0.clone()),
    );
    (message, event)
}

fn to_send<'a>(
    message: &'a Message,
    event: &'a Event,
) -> Result<messages::Send<'a>, serde_json::Error> {
    Ok(messages::Send {
        message,
        event_id: event.id,
        routing_key: event.payload.routing_key(),
        event: serde_json::to_value(event)?,
    })
}

/// Stores one prepared message in its own statement.
async fn store_one(
    conn: &mut chat_db::AsyncPgConnection,
    mut message: Message,
    event: &Event,
    client_msg_id: &ClientMsgId,
) -> Result<(Message, bool), ApiError> {
    let send = to_send(&message, event)
        .map_err(|e| ApiError::internal(format!("event not serialisable: {e}")))?;
    let stored = messages::store(conn, &send).await;
    match stored {
        Ok(Some(seq)) => {
            message.seq = seq;
            tracing::debug!(room.id = %message.room_id, message.seq = seq, user.id = %message.sender_id, "message stored");
            Ok((message, true))
        }
        Ok(None) => {
            not_stored(
                conn,
                message.sender_id,
                message.room_id,
                client_msg_id,
                message.reply_to,
            )
            .await
        }
        // Two copies of one send raced: the loser returns what the winner stored.
        Err(e) if e.unique_violation() == Some(SAME_CLIENT_MSG_ID) => {
            let row = messages::find_by_client_id(conn, message.sender_id, client_msg_id.as_str())
                .await?
                .ok_or_else(|| ApiError::internal("idempotent send lost its message"))?;
            earlier(row, message.room_id)
        }
        Err(e) => Err(e.into()),
    }
}

/// A send stored nothing: the message a retry refers to, or the error that explains it.
async fn not_stored(
    conn: &mut chat_db::AsyncPgConnection,
    sender: Uuid,
    room_id: Uuid,
    client_msg_id: &ClientMsgId,
    reply_to: Option<Uuid>,
) -> Result<(Message, bool), ApiError> {
    let row = why_not_stored(conn, sender, room_id, client_msg_id, reply_to).await?;
    earlier(row, room_id)
}

/// The message a retry refers to, if it was sent to the same room.
fn earlier(row: messages::MessageRow, room_id: Uuid) -> Result<(Message, bool), ApiError> {
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
