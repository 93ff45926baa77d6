use crate::AppState;
use crate::search as searching;
use actix_web::{get, web};
use chat_domain::{Message, paging};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
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
    /// Hits per page, 1 to 50 (default 20); out-of-range values are clamped.
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
/// prefixes and any part of a word. Rate-limited per user; searches run on a few slots of
/// their own, so they never hold back sends.
#[utoipa::path(
    tag = "messages",
    params(SearchQuery),
    responses(
        (status = 200, body = SearchPage),
        (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
        (status = 404, description = "`room_id` names a room I may not read, or none", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 429, description = "Too many searches (per user); see Retry-After", body = ErrorEnvelope),
        (status = 503, description = "Every search slot stayed busy; see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/search")]
pub async fn search(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SearchQuery>,
) -> ApiResult<web::Json<SearchPage>> {
    let size = paging::page_size(query.limit, 20, 50);
    let (mut hits, next_cursor) = searching::search(
        &state.store,
        &state.searches,
        auth.id,
        &query.q,
        query.room_id,
        query.cursor,
        size,
    )
    .await?;
    state.files.links.sign_page(auth.id, &mut hits);
    Ok(web::Json(SearchPage { hits, next_cursor }))
}
