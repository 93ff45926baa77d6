use crate::AppState;
use crate::access::readable;
use actix_web::{get, web};
use chat_db::messages::{self, Page};
use chat_domain::Message;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiError, ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Messages with a lower seq (older), nearest first.
    pub before: Option<i64>,
    /// Messages with a higher seq (newer), nearest first.
    pub after: Option<i64>,
    /// Messages centred on this seq (it included): to jump to a search hit or a reply.
    pub around: Option<i64>,
    /// Page size, 1 to 100 (default 50).
    pub limit: Option<i64>,
    /// `asc` (default) or `desc`: the order of `messages` in the answer.
    #[serde(default)]
    pub order: Order,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Oldest first.
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    /// By seq, in the order asked for.
    pub messages: Vec<Message>,
    /// More exist in the direction of travel: older for the latest page, `before` and
    /// `around`, newer for `after`.
    pub has_more: bool,
    /// Older messages exist before this page.
    pub has_older: bool,
    /// Newer messages exist after this page.
    pub has_newer: bool,
}

/// A page of history, by seq cursor (never OFFSET): the latest messages by default. Members
/// read any room they are in; anyone may read a public room.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path, description = "Room id"), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[get("/api/rooms/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> ApiResult<web::Json<MessagePage>> {
    let page = match (query.before, query.after, query.around) {
        (Some(seq), None, None) => Page::Before(seq),
        (None, Some(seq), None) => Page::After(seq),
        (None, None, Some(seq)) => Page::Around(seq),
        (None, None, None) => Page::Latest,
        _ => {
            return Err(ApiError::BadRequest(
                "give at most one of `before`, `after` and `around`".into(),
            ));
        }
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 100);
    let mut conn = chat_db::conn(&state.pool).await?;
    let (room, _) = readable(&mut conn, *id, auth.id).await?;
    let history = messages::page(&mut conn, room.id, page, limit).await?;
    let first = history.rows.first().map(|m| m.seq);
    let last = history.rows.last().map(|m| m.seq);
    // Known from the read itself in the direction(s) read; otherwise from the room's bounds.
    let has_older = match page {
        Page::After(seq) => first.map_or(seq > 0, |f| f > 1),
        _ => history.more_before,
    };
    let has_newer = match page {
        Page::After(_) | Page::Around(_) => history.more_after,
        _ => {
            last.is_some_and(|l| l < room.last_seq)
                || matches!(page, Page::Before(seq) if last.is_none() && seq <= room.last_seq)
        }
    };
    let has_more = match page {
        Page::After(_) => has_newer,
        _ => has_older,
    };
    let mut messages: Vec<Message> = history.rows.into_iter().map(Message::from).collect();
    if query.order == Order::Desc {
        messages.reverse();
    }
    Ok(web::Json(MessagePage {
        messages,
        has_more,
        has_older,
        has_newer,
    }))
}
