use crate::AppState;
use crate::messages;
use actix_web::{get, web};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct Readers {
    pub room_id: Uuid,
    pub seq: i64,
    /// Members other than the sender who have read the message.
    pub read_by: Vec<Uuid>,
    /// Whether every member other than the sender has.
    pub read_by_all: bool,
}

/// Who has read a message (from the members' read watermarks).
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), ("seq" = i64, Path, description = "The message's seq")),
    responses((status = 200, body = Readers), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}/messages/{seq}/readers")]
pub async fn readers(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, i64)>,
) -> ApiResult<web::Json<Readers>> {
    let (room_id, seq) = path.into_inner();
    let (read_by, read_by_all) = messages::readers(&state.store, auth.id, room_id, seq).await?;
    Ok(web::Json(Readers {
        room_id,
        seq,
        read_by,
        read_by_all,
    }))
}
