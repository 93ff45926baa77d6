use crate::AppState;
use crate::rooms;
use actix_web::{post, web};
use chat_domain::Room;
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser, RequestId};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDirectRequest {
    /// The other user; my own id opens "Saved messages".
    pub user_id: Uuid,
}

/// Get or create the direct room with a user: one per pair, whatever the order or concurrency.
#[utoipa::path(
    tag = "rooms",
    request_body = OpenDirectRequest,
    responses((status = 200, body = Room), (status = 401, body = ErrorEnvelope), (status = 404, description = "No such user", body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[post("/api/rooms/direct")]
pub async fn open_direct(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    body: web::Json<OpenDirectRequest>,
) -> ApiResult<web::Json<Room>> {
    let room = rooms::open_direct(&state.store, request_id, auth.id, body.user_id).await?;
    Ok(web::Json(room))
}
