use crate::AppState;
use crate::rooms;
use actix_web::{get, web};
use chat_domain::RoomSummary;
use chat_domain::paging::{self, TimeKey, parse_time_cursor, time_cursor};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 100); out-of-range values are clamped.
    pub limit: Option<i64>,
}

impl PageQuery {
    /// The page size and the position to read after; 400 for a cursor this API never gave.
    pub fn read(&self) -> Result<(i64, Option<TimeKey>), ApiError> {
        let size = paging::page_size(self.limit, 100, 200);
        let after = self
            .cursor
            .as_deref()
            .map(|c| {
                parse_time_cursor(c)
                    .ok_or_else(|| ApiError::BadRequest("this cursor is not valid".into()))
            })
            .transpose()?;
        Ok((size, after))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomList {
    pub rooms: Vec<RoomSummary>,
    /// Where the next page starts; absent on the last page. A room with new activity moves to
    /// the front, so a client paging while messages arrive keeps the rooms by id.
    pub next_cursor: Option<String>,
}

/// A page of my rooms, newest activity first, each with its last message and my unread count.
#[utoipa::path(
    tag = "rooms",
    params(PageQuery),
    responses((status = 200, body = RoomList), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms")]
pub async fn list_rooms(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<RoomList>> {
    let (size, after) = query.read()?;
    let (rooms, next) = rooms::list(&state.store, auth.id, after, size).await?;
    Ok(web::Json(RoomList {
        rooms,
        next_cursor: next.map(|(at, id)| time_cursor(at, id)),
    }))
}
