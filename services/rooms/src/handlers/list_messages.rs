use crate::AppState;
use crate::messages;
use actix_web::{get, web};
use chat_db::messages::Page;
use chat_domain::{Message, paging};
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
    /// Page size, 1 to 100 (default 50); out-of-range values are clamped.
    pub limit: Option<i64>,
    /// `asc` (default) or `desc`: the order of `messages` in the answer.
    #[serde(default)]
    #[param(inline)]
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
    let size = paging::page_size(query.limit, 50, 100);
    let history = messages::history(&state.store, auth.id, *id, page, size).await?;
    let has_more = match page {
        Page::After(_) => history.has_newer,
        _ => history.has_older,
    };
    let mut messages = history.messages;
    state.files.links.sign_page(auth.id, &mut messages);
    if query.order == Order::Desc {
        messages.reverse();
    }
    Ok(web::Json(MessagePage {
        messages,
        has_more,
        has_older: history.has_older,
        has_newer: history.has_newer,
    }))
}
