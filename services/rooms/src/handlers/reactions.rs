//! Adding and removing my reaction on a message. Both are idempotent and answer the message's
//! summary with its version, so a retry is safe and the caller can apply the answer at once.

use crate::AppState;
use crate::reactions::{self, Change};
use actix_web::{delete, put, web};
use chat_domain::{Emoji, MessageReactions};
use chat_http::error::ErrorEnvelope;
use chat_http::{ApiResult, AuthUser, RequestId};
use uuid::Uuid;

async fn react(
    state: &AppState,
    auth: AuthUser,
    request_id: RequestId,
    (room_id, seq, emoji): (Uuid, i64, String),
    change: Change,
) -> ApiResult<web::Json<MessageReactions>> {
    state.reaction_limit.check(&auth.id.to_string()).await?;
    let emoji = Emoji::parse(&emoji)?;
    let answer = reactions::change(
        &state.store,
        request_id,
        auth.id,
        room_id,
        seq,
        emoji,
        change,
    )
    .await?;
    Ok(web::Json(answer))
}

/// React to a message with one emoji (at most one reaction per emoji and person; reacting
/// again changes nothing). The members are told with `reactions_changed`.
#[utoipa::path(
    tag = "messages",
    params(
        ("id" = Uuid, Path, description = "Room id"),
        ("seq" = i64, Path, description = "The message's seq"),
        ("emoji" = String, Path, description = "One emoji, percent-encoded UTF-8 (`%F0%9F%91%8D` for 👍)"),
    ),
    responses(
        (status = 200, description = "The message's reactions, with mine", body = MessageReactions),
        (status = 403, description = "A direct chat closed by a block", body = ErrorEnvelope),
        (status = 404, description = "Not a member, or no such message (or it was deleted)", body = ErrorEnvelope),
        (status = 422, description = "Not one emoji, or a 21st different emoji on the message", body = ErrorEnvelope),
        (status = 429, description = "Too many reactions: see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[put("/api/rooms/{id}/messages/{seq}/reactions/{emoji}")]
pub async fn add_reaction(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, i64, String)>,
) -> ApiResult<web::Json<MessageReactions>> {
    react(&state, auth, request_id, path.into_inner(), Change::Add).await
}

/// Take back my reaction (taking back one that is not there changes nothing). Also allowed in
/// a direct chat closed by a block.
#[utoipa::path(
    tag = "messages",
    params(
        ("id" = Uuid, Path, description = "Room id"),
        ("seq" = i64, Path, description = "The message's seq"),
        ("emoji" = String, Path, description = "One emoji, percent-encoded UTF-8"),
    ),
    responses(
        (status = 200, description = "The message's reactions, with mine", body = MessageReactions),
        (status = 404, description = "Not a member, or no such message (or it was deleted)", body = ErrorEnvelope),
        (status = 422, description = "Not one emoji", body = ErrorEnvelope),
        (status = 429, description = "Too many reactions: see Retry-After", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
#[delete("/api/rooms/{id}/messages/{seq}/reactions/{emoji}")]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    auth: AuthUser,
    request_id: RequestId,
    path: web::Path<(Uuid, i64, String)>,
) -> ApiResult<web::Json<MessageReactions>> {
    react(&state, auth, request_id, path.into_inner(), Change::Remove).await
}
