use crate::AppState;
use crate::access::readable;
use actix_web::{get, web};
use chat_db::rooms::{self, MemberRow, RoomRow};
use chat_domain::{Room, RoomMember};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use uuid::Uuid;

pub fn to_room(room: RoomRow, members: &[MemberRow]) -> Room {
    Room {
        id: room.id,
        kind: room.kind(),
        name: room.name,
        topic: room.topic,
        last_seq: room.last_seq,
        created_at: room.created_at,
        members: members
            .iter()
            .map(|m| RoomMember {
                user_id: m.user_id,
                role: m.role(),
                last_read_seq: m.last_read_seq,
            })
            .collect(),
    }
}

/// A room with its members. 404 unless I am a member or the room is public.
#[utoipa::path(
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    responses((status = 200, body = Room), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}")]
pub async fn get_room(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Room>> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let (room, _) = readable(&mut conn, *id, auth.id).await?;
    let members = rooms::members(&mut conn, room.id).await?;
    Ok(web::Json(to_room(room, &members)))
}
