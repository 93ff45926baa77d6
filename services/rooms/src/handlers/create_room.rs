use crate::AppState;
use crate::rooms::{self, NewGroup};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chat_domain::{RoomKind, RoomName, Topic};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser, RequestId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

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
    /// 1 to 64 characters after trimming.
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// Up to 256 characters.
    #[schema(max_length = 256)]
    pub topic: Option<String>,
    /// Initial members besides me (I am the owner), at most 200.
    #[serde(default)]
    #[schema(max_items = 200)]
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
        (status = 429, description = "Too many rooms created and members added (per user); see Retry-After", body = ErrorEnvelope),
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
    let body = body.into_inner();
    let name = RoomName::parse(&body.name);
    let topic = Topic::parse(body.topic.as_deref().unwrap_or(""));
    let (name, topic) = match (name, topic) {
        (Ok(n), Ok(t)) => (n, t),
        (n, t) => return Err(ApiError::invalid([n.err(), t.err()].into_iter().flatten())),
    };
    let kind = match body.kind {
        NewRoomKind::Group => RoomKind::Group,
        NewRoomKind::Public => RoomKind::Public,
    };
    let group = NewGroup {
        kind,
        name,
        topic,
        member_ids: body.member_ids,
    };
    let room = rooms::create(
        &state.store,
        &state.manage_limit,
        request_id,
        auth.id,
        group,
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(room))
}
