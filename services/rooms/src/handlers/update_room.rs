//! Renaming, changing the topic and deleting a room.

use crate::AppState;
use crate::access::{member_of, require, require_multi_user, room_not_found};
use crate::events::emit;
use crate::handlers::get_room::to_room;
use crate::tx::TxError;
use actix_web::{HttpResponse, delete, patch, web};
use chat_db::rooms;
use chat_domain::events::EventPayload;
use chat_domain::{MemberRole, Room, RoomName, Topic};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoomRequest {
    /// 1 to 64 characters.
    pub name: Option<String>,
    /// Up to 256 characters; empty clears it.
    pub topic: Option<String>,
}

/// Rename a room or change its topic (owner or admin). Members are told.
#[utoipa::path(
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body = UpdateRoomRequest,
    responses(
        (status = 200, body = Room),
        (status = 403, description = "Not an owner or admin", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[patch("/api/rooms/{id}")]
pub async fn update_room(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<UpdateRoomRequest>,
) -> ApiResult<web::Json<Room>> {
    let name = body.name.as_deref().map(RoomName::parse).transpose();
    let topic = body.topic.as_deref().map(Topic::parse).transpose();
    let (name, topic) = match (name, topic) {
        (Ok(n), Ok(t)) => (n, t),
        (n, t) => return Err(ApiError::invalid([n.err(), t.err()].into_iter().flatten())),
    };
    let mut conn = chat_db::conn(&state.pool).await?;
    let (room, member) = member_of(&mut conn, *id, auth.id).await?;
    require_multi_user(&room, "be renamed")?;
    require(
        &member,
        MemberRole::Admin,
        "rename the room or change its topic",
    )?;
    let room = conn
        .transaction::<_, TxError, _>(async |conn| {
            let room = rooms::update(
                conn,
                room.id,
                name.as_ref().map(RoomName::as_str),
                topic.as_ref().map(Topic::as_deref),
            )
            .await?;
            emit(
                conn,
                &request_id,
                EventPayload::RoomUpdated {
                    room_id: room.id,
                    name: room.name.clone(),
                    topic: room.topic.clone(),
                    by: auth.id,
                },
            )
            .await?;
            Ok(room)
        })
        .await?;
    state.relay_wake.notify_one();
    let members = rooms::members(&mut conn, room.id).await?;
    Ok(web::Json(to_room(room, &members)))
}

/// Delete a room (owner only). Its members are told; it disappears for everyone.
#[utoipa::path(
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the owner", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 422, description = "Direct chats cannot be deleted", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/rooms/{id}")]
pub async fn delete_room(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = chat_db::conn(&state.pool).await?;
    let (room, member) = member_of(&mut conn, *id, auth.id).await?;
    require_multi_user(&room, "be deleted")?;
    require(&member, MemberRole::Owner, "delete the room")?;
    conn.transaction::<_, TxError, _>(async |conn| {
        let room = rooms::lock(conn, room.id)
            .await?
            .ok_or_else(room_not_found)?;
        delete_locked(conn, &request_id, room.id, auth.id).await
    })
    .await?;
    state.relay_wake.notify_one();
    tracing::info!(room.id = %room.id, user.id = %auth.id, "room deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes a room whose row the transaction holds locked, and tells its members.
pub async fn delete_locked(
    conn: &mut chat_db::AsyncPgConnection,
    request_id: &RequestId,
    room_id: Uuid,
    by: Uuid,
) -> Result<(), TxError> {
    let member_ids = rooms::members(conn, room_id)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    rooms::delete(conn, room_id).await?;
    emit(
        conn,
        request_id,
        EventPayload::RoomDeleted {
            room_id,
            member_ids,
            by,
        },
    )
    .await?;
    Ok(())
}
