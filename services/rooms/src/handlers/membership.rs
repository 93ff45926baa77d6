//! Membership: join and leave, add and kick, change a role. Every change is an event the
//! members see, and each one locks the room row so concurrent changes line up.

use crate::AppState;
use crate::access::{rank, require, require_multi_user, room_not_found};
use crate::events::emit;
use crate::handlers::get_room::to_room;
use crate::handlers::update_room::delete_locked;
use crate::tx::TxError;
use actix_web::{HttpResponse, delete, post, put, web};
use chat_db::rooms::{self, MemberRow, RoomRow};
use chat_db::{AsyncPgConnection, users};
use chat_domain::events::EventPayload;
use chat_domain::{MemberRole, Room, RoomKind};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Inside a transaction: the locked room and the caller's membership (404 for outsiders of a
/// private room, like a room that does not exist).
async fn locked(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<(RoomRow, Option<MemberRow>), TxError> {
    let room = rooms::lock(conn, room_id)
        .await?
        .ok_or_else(room_not_found)?;
    let member = rooms::member(conn, room_id, user_id).await?;
    if member.is_none() && room.kind() != RoomKind::Public {
        return Err(room_not_found().into());
    }
    Ok((room, member))
}

/// The room as it is now, read on the caller's connection: taking a second one from the pool
/// while holding the first deadlocks once as many requests as the pool has connections do so.
async fn room_view(conn: &mut AsyncPgConnection, room_id: Uuid) -> ApiResult<Room> {
    let room = rooms::find(conn, room_id)
        .await?
        .ok_or_else(room_not_found)?;
    let members = rooms::members(conn, room.id).await?;
    Ok(to_room(room, &members))
}

async fn joined(
    conn: &mut AsyncPgConnection,
    request_id: &RequestId,
    room_id: Uuid,
    user_id: Uuid,
    by: Uuid,
) -> Result<(), TxError> {
    rooms::add_members(conn, room_id, &[(user_id, MemberRole::Member)]).await?;
    emit(
        conn,
        request_id,
        EventPayload::MemberJoined {
            room_id,
            user_id,
            role: MemberRole::Member,
            by,
        },
    )
    .await?;
    Ok(())
}

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
    let mut conn = chat_db::conn(&state.pool).await?;
    let changed = conn
        .transaction::<_, TxError, _>(async |conn| {
            let (room, member) = locked(conn, *id, auth.id).await?;
            if member.is_some() {
                return Ok(false);
            }
            joined(conn, &request_id, room.id, auth.id, auth.id).await?;
            Ok(true)
        })
        .await?;
    if changed {
        state.relay_wake.notify_one();
    }
    Ok(web::Json(room_view(&mut conn, *id).await?))
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
    let mut conn = chat_db::conn(&state.pool).await?;
    let left = conn
        .transaction::<_, TxError, _>(async |conn| {
            let (room, member) = locked(conn, *id, auth.id).await?;
            let member = member.ok_or_else(room_not_found)?;
            require_multi_user(&room, "be left")?;
            let others: Vec<MemberRow> = rooms::members(conn, room.id)
                .await?
                .into_iter()
                .filter(|m| m.user_id != auth.id)
                .collect();
            if others.is_empty() {
                delete_locked(conn, &request_id, room.id, auth.id).await?;
                return Ok(LeftRoom {
                    room_id: room.id,
                    new_owner: None,
                    room_deleted: true,
                });
            }
            let mut new_owner = None;
            let last_owner = member.role() == MemberRole::Owner
                && !others.iter().any(|m| m.role() == MemberRole::Owner);
            if last_owner {
                // Members come ordered by joined_at: the first admin, else the first member.
                let heir = others
                    .iter()
                    .find(|m| m.role() == MemberRole::Admin)
                    .unwrap_or(&others[0]);
                rooms::set_role(conn, room.id, heir.user_id, MemberRole::Owner).await?;
                emit(
                    conn,
                    &request_id,
                    EventPayload::MemberRoleChanged {
                        room_id: room.id,
                        user_id: heir.user_id,
                        role: MemberRole::Owner,
                        by: auth.id,
                    },
                )
                .await?;
                new_owner = Some(heir.user_id);
            }
            rooms::remove_member(conn, room.id, auth.id).await?;
            emit(
                conn,
                &request_id,
                EventPayload::MemberLeft {
                    room_id: room.id,
                    user_id: auth.id,
                    by: auth.id,
                },
            )
            .await?;
            Ok(LeftRoom {
                room_id: room.id,
                new_owner,
                room_deleted: false,
            })
        })
        .await?;
    state.relay_wake.notify_one();
    Ok(web::Json(left))
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
    let mut conn = chat_db::conn(&state.pool).await?;
    users::find(&mut conn, body.user_id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or_else(|| ApiError::not_found("user"))?;
    let changed = conn
        .transaction::<_, TxError, _>(async |conn| {
            let (room, member) = locked(conn, *id, auth.id).await?;
            let member = member.ok_or_else(room_not_found)?;
            require_multi_user(&room, "get more members")?;
            require(&member, MemberRole::Admin, "add members")?;
            if rooms::member(conn, room.id, body.user_id).await?.is_some() {
                return Ok(false);
            }
            joined(conn, &request_id, room.id, body.user_id, auth.id).await?;
            Ok(true)
        })
        .await?;
    if changed {
        state.relay_wake.notify_one();
    }
    Ok(web::Json(room_view(&mut conn, *id).await?))
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
    let mut conn = chat_db::conn(&state.pool).await?;
    conn.transaction::<_, TxError, _>(async |conn| {
        let (room, member) = locked(conn, room_id, auth.id).await?;
        let member = member.ok_or_else(room_not_found)?;
        require_multi_user(&room, "lose members")?;
        require(&member, MemberRole::Admin, "remove members")?;
        if target == auth.id {
            return Err(ApiError::invalid([chat_domain::Invalid::new(
                "user_id",
                "leave the room instead of removing yourself",
            )])
            .into());
        }
        let victim = rooms::member(conn, room.id, target)
            .await?
            .ok_or_else(|| ApiError::not_found("member"))?;
        if rank(victim.role()) >= rank(member.role()) {
            return Err(ApiError::Forbidden(
                "you can only remove members below your own role".into(),
            )
            .into());
        }
        rooms::remove_member(conn, room.id, target).await?;
        emit(
            conn,
            &request_id,
            EventPayload::MemberLeft {
                room_id: room.id,
                user_id: target,
                by: auth.id,
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    state.relay_wake.notify_one();
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
    let role = body.role;
    let mut conn = chat_db::conn(&state.pool).await?;
    conn.transaction::<_, TxError, _>(async |conn| {
        let (room, member) = locked(conn, room_id, auth.id).await?;
        let member = member.ok_or_else(room_not_found)?;
        require_multi_user(&room, "have roles")?;
        require(&member, MemberRole::Owner, "change roles")?;
        if target == auth.id {
            return Err(ApiError::invalid([chat_domain::Invalid::new(
                "user_id",
                "hand ownership to someone else instead",
            )])
            .into());
        }
        rooms::member(conn, room.id, target)
            .await?
            .ok_or_else(|| ApiError::not_found("member"))?;
        let mut changes = vec![(target, role)];
        if role == MemberRole::Owner {
            changes.push((auth.id, MemberRole::Admin));
        }
        for (user_id, role) in changes {
            rooms::set_role(conn, room.id, user_id, role).await?;
            emit(
                conn,
                &request_id,
                EventPayload::MemberRoleChanged {
                    room_id: room.id,
                    user_id,
                    role,
                    by: auth.id,
                },
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    state.relay_wake.notify_one();
    Ok(web::Json(room_view(&mut conn, room_id).await?))
}
