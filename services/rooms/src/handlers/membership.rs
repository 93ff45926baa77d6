//! Membership routes: join and leave, add and kick, change a role (the rules are in
//! [`crate::membership`]).

use crate::AppState;
use crate::membership;
use actix_web::{HttpResponse, delete, post, put, web};
use chat_domain::{MemberRole, Room};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser, RequestId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Join a public room.
#[utoipa::path(
    tag = "members",
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "Joined (or already a member)", body = Room),
        (status = 404, description = "No such public room", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms/{id}/join")]
pub async fn join(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Room>> {
    let room = membership::join(&state.store, request_id, auth.id, *id).await?;
    Ok(web::Json(room))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeftRoom {
    pub room_id: Uuid,
    /// Who owns the room now, when I was its last owner.
    pub new_owner: Option<Uuid>,
    /// True when I was the last member: the room was deleted.
    pub room_deleted: bool,
}

/// Leave a group or public room. When the last owner leaves, ownership passes to the
/// longest-standing admin, else to the longest-standing member; when nobody is left, the room
/// is deleted.
#[utoipa::path(
    tag = "members",
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, body = LeftRoom),
        (status = 404, body = ErrorEnvelope),
        (status = 422, description = "Direct chats cannot be left", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms/{id}/leave")]
pub async fn leave(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<LeftRoom>> {
    let left = membership::leave(&state.store, request_id, auth.id, *id).await?;
    Ok(web::Json(LeftRoom {
        room_id: *id,
        new_owner: left.new_owner,
        room_deleted: left.room_deleted,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    pub user_id: Uuid,
}

/// Add someone to a group or public room (owner or admin).
#[utoipa::path(
    tag = "members",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body = AddMemberRequest,
    responses(
        (status = 200, description = "Added (or already a member)", body = Room),
        (status = 403, description = "Not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such room, or no such user", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 429, description = "Too many rooms created and members added (per user); see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<AddMemberRequest>,
) -> ApiResult<web::Json<Room>> {
    let room = membership::add(
        &state.store,
        &state.manage_limit,
        request_id,
        auth.id,
        *id,
        body.user_id,
    )
    .await?;
    Ok(web::Json(room))
}

/// Remove someone (owner: anyone else; admin: members only).
#[utoipa::path(
    tag = "members",
    params(("id" = Uuid, Path, description = "Room id"), ("user_id" = Uuid, Path, description = "The member")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "The role does not allow it", body = ErrorEnvelope),
        (status = 404, description = "No such room or member", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/rooms/{id}/members/{user_id}")]
pub async fn kick(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (room_id, target) = path.into_inner();
    membership::kick(&state.store, request_id, auth.id, room_id, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoleRequest {
    /// `admin` or `member`; `owner` hands ownership over (I become an admin).
    pub role: MemberRole,
}

/// Change a member's role (owner only).
#[utoipa::path(
    tag = "members",
    params(("id" = Uuid, Path, description = "Room id"), ("user_id" = Uuid, Path, description = "The member")),
    request_body = SetRoleRequest,
    responses(
        (status = 200, body = Room),
        (status = 403, description = "Not the owner", body = ErrorEnvelope),
        (status = 404, description = "No such room or member", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[put("/api/rooms/{id}/members/{user_id}/role")]
pub async fn set_role(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<SetRoleRequest>,
) -> ApiResult<web::Json<Room>> {
    let (room_id, target) = path.into_inner();
    let room = membership::set_role(
        &state.store,
        request_id,
        auth.id,
        room_id,
        target,
        body.role,
    )
    .await?;
    Ok(web::Json(room))
}
