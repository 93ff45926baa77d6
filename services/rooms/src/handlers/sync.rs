use crate::AppState;
use crate::sync as log;
use actix_web::{get, web};
use chat_db::outbox::Cursor;
use chat_domain::events::Event;
use chat_domain::paging;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// Where the client stands: the `cursor` of its `hello` frame or the `next_cursor` of the
    /// previous sync. Absent: just the current cursor, no events.
    pub cursor: Option<String>,
    /// Events per page, 1 to 500 (default 200); out-of-range values are clamped.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncPage {
    /// What happened after the cursor in my rooms (and to my memberships), oldest first: new,
    /// edited and deleted messages, membership and room changes, receipts.
    #[schema(value_type = Vec<Event>)]
    pub events: Vec<Box<serde_json::value::RawValue>>,
    /// Pass it to the next sync.
    pub next_cursor: String,
    /// More events are waiting: sync again at once.
    pub has_more: bool,
    /// The cursor is too old to serve: reload rooms and history, then sync from
    /// `next_cursor`.
    pub reset: bool,
}

/// Everything I missed since a cursor, across all my rooms, in order, paginated; or `reset`
/// when the cursor is older than the retained log.
#[utoipa::path(
    tag = "sync",
    params(SyncQuery),
    responses((status = 200, body = SyncPage), (status = 400, description = "Not a cursor", body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/sync")]
pub async fn sync(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SyncQuery>,
) -> ApiResult<web::Json<SyncPage>> {
    let size = paging::page_size(query.limit, 200, 500);
    let cursor = query
        .cursor
        .as_deref()
        .map(|raw| {
            Cursor::decode(raw)
                .ok_or_else(|| ApiError::BadRequest("this is not a sync cursor".into()))
        })
        .transpose()?;
    let page = log::since(&state.store, auth.id, cursor, size).await?;
    Ok(web::Json(SyncPage {
        events: page.events,
        next_cursor: page.next.encode(),
        has_more: page.has_more,
        reset: page.reset,
    }))
}
