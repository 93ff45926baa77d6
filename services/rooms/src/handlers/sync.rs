use crate::AppState;
use actix_web::{get, web};
use chat_db::outbox;
use chat_domain::events::Event;
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
    /// Events per page, 1 to 500 (default 200).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncPage {
    /// What happened after the cursor in my rooms (and to my memberships), oldest first: new,
    /// edited and deleted messages, membership and room changes, receipts.
    pub events: Vec<Event>,
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
    let limit = query.limit.unwrap_or(200).clamp(1, 500);
    let mut conn = chat_db::conn(&state.pool).await?;
    let Some(raw) = query.cursor.as_deref() else {
        let head = outbox::head(&mut conn).await?;
        return Ok(web::Json(SyncPage {
            events: vec![],
            next_cursor: head.encode(),
            has_more: false,
            reset: false,
        }));
    };
    let cursor = outbox::Cursor::decode(raw)
        .ok_or_else(|| ApiError::BadRequest("this is not a sync cursor".into()))?;
    let mut rows = match outbox::sync_since(&mut conn, auth.id, cursor, limit + 1).await? {
        outbox::Synced::Events(rows) => rows,
        outbox::Synced::Reset { head } => {
            return Ok(web::Json(SyncPage {
                events: vec![],
                next_cursor: head.encode(),
                has_more: false,
                reset: true,
            }));
        }
    };
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().map_or(cursor, |(c, _)| *c);
    Ok(web::Json(SyncPage {
        events: rows.into_iter().map(|(_, e)| e).collect(),
        next_cursor: next.encode(),
        has_more,
        reset: false,
    }))
}
