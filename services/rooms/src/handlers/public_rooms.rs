use crate::AppState;
use crate::rooms;
use actix_web::{get, web};
use chat_domain::paging;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicRoomsQuery {
    /// Any part of a word of the name or topic, ignoring case.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20); out-of-range values are clamped.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRoom {
    pub id: Uuid,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub member_count: i64,
    /// Whether I am a member.
    pub joined: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRoomPage {
    pub rooms: Vec<PublicRoom>,
    pub next_cursor: Option<String>,
}

/// The directory of public rooms, by name, searchable by any part of the name or topic.
#[utoipa::path(
    tag = "rooms",
    params(PublicRoomsQuery),
    responses((status = 200, body = PublicRoomPage), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/public")]
pub async fn public_rooms(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PublicRoomsQuery>,
) -> ApiResult<web::Json<PublicRoomPage>> {
    let size = paging::page_size(query.limit, 20, 100);
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            c.rsplit_once('|')
                .and_then(|(name, id)| Some((name.to_owned(), id.parse::<Uuid>().ok()?)))
                .ok_or_else(|| ApiError::BadRequest("this cursor is not valid".into()))
        })
        .transpose()?;
    let after = after.as_ref().map(|(n, id)| (n.as_str(), *id));
    let (rows, next) =
        rooms::public(&state.store, auth.id, query.q.as_deref(), after, size).await?;
    Ok(web::Json(PublicRoomPage {
        rooms: rows
            .into_iter()
            .map(|r| PublicRoom {
                id: r.id,
                name: r.name,
                topic: r.topic,
                member_count: r.member_count,
                joined: r.joined,
            })
            .collect(),
        next_cursor: next.map(|(name, id)| format!("{name}|{id}")),
    }))
}
