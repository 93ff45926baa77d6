use crate::AppState;
use actix_web::{get, web};
use chat_db::messages;
use chat_domain::Message;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words or parts of words; 2 to 100 characters.
    pub q: String,
    /// Only this room.
    pub room_id: Option<Uuid>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Hits per page, 1 to 50 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    /// Newest first. Each hit names its room and seq: open it with
    /// `GET /api/rooms/{room_id}/messages?around={seq}`.
    pub hits: Vec<Message>,
    pub next_cursor: Option<Uuid>,
}

/// Full-text search over the messages of my rooms and of public rooms: whole words, word
/// prefixes and any part of a word.
#[utoipa::path(
    tag = "messages",
    params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/search")]
pub async fn search(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SearchQuery>,
) -> ApiResult<web::Json<SearchPage>> {
    let q = query.q.trim();
    let len = q.chars().count();
    if !(2..=100).contains(&len) {
        return Err(ApiError::invalid([chat_domain::Invalid::new(
            "q",
            "must be 2 to 100 characters long",
        )]));
    }
    let limit = query.limit.unwrap_or(20).clamp(1, 50);
    let mut conn = chat_db::conn(&state.pool).await?;
    let mut rows = messages::search(
        &mut conn,
        auth.id,
        q,
        query.room_id,
        query.cursor,
        limit + 1,
    )
    .await
    .map_err(|e| {
        if e.is_timeout() {
            ApiError::invalid([chat_domain::Invalid::new(
                "q",
                "matches too many messages: add words or search one room",
            )])
        } else {
            e.into()
        }
    })?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = has_more.then(|| rows.last().map(|r| r.id)).flatten();
    Ok(web::Json(SearchPage {
        hits: rows.into_iter().map(Message::from).collect(),
        next_cursor,
    }))
}
