//! Membership checks. Someone who is not a member gets the same 404 whether the room exists
//! or not, so room ids cannot be probed.

use chat_db::AsyncPgConnection;
use chat_db::rooms::{self, MemberRow, RoomRow};
use chat_http::ApiError;
use uuid::Uuid;

pub fn room_not_found() -> ApiError {
    ApiError::not_found("room")
}

/// The room and the caller's membership, or 404.
pub async fn member_of(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<(RoomRow, MemberRow), ApiError> {
    let member = rooms::member(conn, room_id, user_id)
        .await?
        .ok_or_else(room_not_found)?;
    let room = rooms::find(conn, room_id)
        .await?
        .ok_or_else(room_not_found)?;
    Ok((room, member))
}
