use crate::AppState;
use crate::access::member_of;
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
    /// Page size, 1 to 100 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    /// Ascending by seq.
    pub messages: Vec<Message>,
    /// More exist in the direction of travel: older for the latest page and `before`, newer
    /// for `after`.
    pub has_more: bool,
}

/// A page of history, by seq cursor: the latest messages by default.
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
    let page = match (query.before, query.after) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "give `before` or `after`, not both".into(),
            ));
        }
        (Some(seq), None) => Page::Before(seq),
        (None, Some(seq)) => Page::After(seq),
        (None, None) => Page::Latest,
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 100);
    let mut conn = chat_db::conn(&state.pool).await?;
    let (room, _) = member_of(&mut conn, *id, auth.id).await?;
    let (rows, has_more) = messages::page(&mut conn, room.id, page, limit).await?;
    Ok(web::Json(MessagePage {
        messages: rows.into_iter().map(Message::from).collect(),
        has_more,
    }))
}
