use crate::AppState;
use actix_web::{get, web};
use chat_db::rooms;
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
    /// Page size, 1 to 100 (default 20).
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
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let q = q.map(|q| q.chars().take(64).collect::<String>());
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            c.rsplit_once('|')
                .and_then(|(name, id)| Some((name.to_owned(), id.parse::<Uuid>().ok()?)))
                .ok_or_else(|| ApiError::BadRequest("this cursor is not valid".into()))
        })
        .transpose()?;
    let mut conn = chat_db::conn(&state.pool).await?;
    let rows = rooms::public_rooms(
        &mut conn,
        auth.id,
        q.as_deref(),
        after.as_ref().map(|(n, id)| (n.as_str(), *id)),
        limit + 1,
    )
    .await?;
    let has_more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = has_more
        .then(|| rows.last().map(|r| format!("{}|{}", r.sort_name, r.id)))
        .flatten();
    Ok(web::Json(PublicRoomPage {
        rooms: rows
            .iter()
            .map(|r| PublicRoom {
                id: r.id,
                name: r.name.clone(),
                topic: r.topic.clone(),
                member_count: r.member_count,
                joined: r.joined,
            })
            .collect(),
        next_cursor,
    }))
}
