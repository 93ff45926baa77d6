use crate::AppState;
use crate::events;
use crate::handlers::get_room::to_room;
use crate::tx::TxError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chat_db::rooms::{self, NewRoom};
use chat_db::users;
use chat_domain::{Invalid, MemberRole, RoomKind, RoomName, Topic};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most members a room may be created with at once.
const MAX_INITIAL_MEMBERS: usize = 200;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewRoomKind {
    /// Private: members are added by the owner and admins.
    Group,
    /// Listed and searchable; anyone may join.
    Public,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoomRequest {
    pub kind: NewRoomKind,
    /// 1 to 64 characters.
    pub name: String,
    /// Up to 256 characters.
    pub topic: Option<String>,
    /// Initial members besides me (I am the owner).
    #[serde(default)]
    pub member_ids: Vec<Uuid>,
}

/// Create a private group or a public room; I become its owner.
#[utoipa::path(
    tag = "rooms",
    request_body = CreateRoomRequest,
    responses(
        (status = 201, body = chat_domain::Room),
        (status = 401, body = ErrorEnvelope),
        (status = 422, description = "Invalid name or topic, unknown or too many members", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms")]
pub async fn create_room(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    body: web::Json<CreateRoomRequest>,
) -> ApiResult<HttpResponse> {
    let name = RoomName::parse(&body.name);
    let topic = Topic::parse(body.topic.as_deref().unwrap_or(""));
    let (name, topic) = match (name, topic) {
        (Ok(n), Ok(t)) => (n, t),
        (n, t) => return Err(ApiError::invalid([n.err(), t.err()].into_iter().flatten())),
    };
    let mut member_ids: Vec<Uuid> = body
        .member_ids
        .iter()
        .copied()
        .filter(|id| *id != auth.id)
        .collect();
    member_ids.sort_unstable();
    member_ids.dedup();
    if member_ids.len() > MAX_INITIAL_MEMBERS {
        return Err(ApiError::invalid([Invalid::new(
            "member_ids",
            format!("at most {MAX_INITIAL_MEMBERS} members at once"),
        )]));
    }
    let kind = match body.kind {
        NewRoomKind::Group => RoomKind::Group,
        NewRoomKind::Public => RoomKind::Public,
    };
    let mut conn = chat_db::conn(&state.pool).await?;
    let found = users::active_among(&mut conn, &member_ids).await?;
    if found.len() != member_ids.len() {
        return Err(ApiError::invalid([Invalid::new(
            "member_ids",
            "some of these users do not exist",
        )]));
    }
    let room = conn
        .transaction::<_, TxError, _>(async |conn| {
            let mut members = vec![(auth.id, MemberRole::Owner)];
            members.extend(member_ids.iter().map(|id| (*id, MemberRole::Member)));
            let new = NewRoom {
                id: Uuid::now_v7(),
                kind: kind.as_str(),
                name: Some(name.as_str()),
                topic: topic.as_deref(),
                owner_id: Some(auth.id),
                direct_key: None,
            };
            Ok(events::create_room(conn, &request_id, &new, &members)
                .await?
                .ok_or_else(|| ApiError::internal("a new room collided"))?)
        })
        .await?;
    state.relay_wake.notify_one();
    let members = rooms::members(&mut conn, room.id).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(to_room(room, &members)))
}
