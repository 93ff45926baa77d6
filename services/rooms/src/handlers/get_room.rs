use crate::AppState;
use crate::handlers::list_rooms::PageQuery;
use crate::rooms;
use actix_web::{get, web};
use chat_domain::paging::time_cursor;
use chat_domain::{Room, RoomMember};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A room with its member count and first 100 members. 404 unless I am a member or the room
/// is public.
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
    Ok(web::Json(rooms::get(&state.store, auth.id, *id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPage {
    pub members: Vec<RoomMember>,
    /// Where the next page starts; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of a room's members, oldest first. 404 unless I am a member or the room is public.
#[utoipa::path(
    tag = "members",
    params(("id" = Uuid, Path, description = "Room id"), PageQuery),
    responses((status = 200, body = MemberPage), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<MemberPage>> {
    let (size, after) = query.read()?;
    let (members, next) = rooms::members(&state.store, auth.id, *id, after, size).await?;
    Ok(web::Json(MemberPage {
        members,
        next_cursor: next.map(|(at, id)| time_cursor(at, id)),
    }))
}
