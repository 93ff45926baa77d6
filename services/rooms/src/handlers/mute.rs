use crate::AppState;
use crate::membership;
use actix_web::{put, web};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MuteSetting {
    /// True: no Telegram notifications for this room.
    pub muted: bool,
}

/// Mute or unmute this room's Telegram notifications, for me only. Messages still arrive and
/// count as unread.
#[utoipa::path(
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body = MuteSetting,
    responses((status = 200, body = MuteSetting), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []), ("cookie" = []))
)]
#[put("/api/rooms/{id}/mute")]
pub async fn set_mute(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<MuteSetting>,
) -> ApiResult<web::Json<MuteSetting>> {
    membership::set_mute(&state.store, auth.id, *id, body.muted).await?;
    Ok(web::Json(MuteSetting { muted: body.muted }))
}
