use crate::AppState;
use crate::access::member_of;
use crate::events::emit;
use crate::tx::TxError;
use actix_web::{post, web};
use chat_db::rooms;
use chat_domain::events::EventPayload;
use chat_http::error::ErrorEnvelope;
use chat_http::{Actor, ApiError, ApiResult, RequestId};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// I have read every message up to this seq.
    pub seq: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReadState {
    pub room_id: Uuid,
    pub last_read_seq: i64,
    pub unread: i64,
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
    if body.seq < 0 {
        return Err(ApiError::invalid([chat_domain::Invalid::new(
            "seq",
            "must not be negative",
        )]));
    }
    let mut conn = chat_db::conn(&state.pool).await?;
    let (room, member) = member_of(&mut conn, *id, auth.id).await?;
    let seq = body.seq.min(room.last_seq);
    let (last_read_seq, moved) = conn
        .transaction::<_, TxError, _>(async |conn| {
            // Reads of one room line up on its row, so exactly one of two concurrent readers
            // sees the lowest watermark rise.
            let last_seq = rooms::lock(conn, room.id)
                .await?
                .map_or(room.last_seq, |r| r.last_seq);
            let all_before = rooms::min_read_seq(conn, room.id).await?;
            match rooms::mark_read(conn, room.id, auth.id, seq).await? {
                Some(moved) => {
                    emit(
                        conn,
                        &request_id,
                        EventPayload::ReadUpTo {
                            room_id: room.id,
                            user_id: auth.id,
                            seq: moved,
                            unread: (last_seq - moved).max(0),
                        },
                    )
                    .await?;
                    // When this read raised the lowest watermark, every member has now read
                    // up to the new one: the senders of those messages are told.
                    let all_after = rooms::min_read_seq(conn, room.id).await?;
                    if all_after > all_before {
                        emit(
                            conn,
                            &request_id,
                            EventPayload::ReadByAll {
                                room_id: room.id,
                                seq: all_after,
                            },
                        )
                        .await?;
                    }
                    Ok((moved, true))
                }
                None => Ok((member.last_read_seq.max(seq), false)),
            }
        })
        .await?;
    if moved {
        state.relay_wake.notify_one();
    }
    Ok(web::Json(ReadState {
        room_id: room.id,
        last_read_seq,
        unread: (room.last_seq - last_read_seq).max(0),
    }))
}
