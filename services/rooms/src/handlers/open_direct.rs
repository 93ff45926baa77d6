use crate::AppState;
use crate::events::create_room;
use crate::handlers::get_room::to_room;
use crate::tx::TxError;
use actix_web::{post, web};
use chat_db::rooms::{self, NewRoom, direct_key};
use chat_db::users;
use chat_domain::{MemberRole, Room, RoomKind};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDirectRequest {
    /// The other user; my own id opens "Saved messages".
    pub user_id: Uuid,
}

/// Get or create the direct room with a user: one per pair, whatever the order or concurrency.
#[utoipa::path(
    tag = "rooms",
    request_body = OpenDirectRequest,
    responses((status = 200, body = Room), (status = 401, body = ErrorEnvelope), (status = 404, description = "No such user", body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms/direct")]
pub async fn open_direct(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    body: web::Json<OpenDirectRequest>,
) -> ApiResult<web::Json<Room>> {
    let me = auth.id;
    let peer = body.user_id;
    let mut conn = chat_db::conn(&state.pool).await?;
    users::find(&mut conn, peer)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or_else(|| ApiError::not_found("user"))?;
    let kind = if me == peer {
        RoomKind::Saved
    } else {
        RoomKind::Direct
    };
    let key = direct_key(me, peer);
    let (room, created) = conn
        .transaction::<_, TxError, _>(async |conn| {
            let new = NewRoom {
                id: Uuid::now_v7(),
                kind: kind.as_str(),
                name: None,
                topic: None,
                owner_id: None,
                direct_key: Some(&key),
            };
            let mut members = vec![(me, MemberRole::Member)];
            if peer != me {
                members.push((peer, MemberRole::Member));
            }
            if let Some(room) = create_room(conn, &request_id, &new, &members).await? {
                return Ok((room, true));
            }
            let room = rooms::find_by_direct_key(conn, &key)
                .await?
                .ok_or_else(|| ApiError::internal("direct room vanished"))?;
            Ok((room, false))
        })
        .await?;
    if created {
        state.relay_wake.notify_one();
    }
    let members = rooms::members(&mut conn, room.id).await?;
    Ok(web::Json(to_room(room, &members)))
}
