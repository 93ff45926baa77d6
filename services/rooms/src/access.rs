//! Membership checks. Someone who is not a member gets the same 404 whether the room exists
//! or not, so room ids cannot be probed.

use chat_db::AsyncPgConnection;
use chat_db::rooms::{self, MemberRow, RoomRow};
use chat_domain::{Invalid, MemberRole, RoomKind};
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

/// The room as `user_id` may read it: as a member, or as anyone when it is public (members
/// `None`). A private room someone is not in is 404, like one that does not exist.
pub async fn readable(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<(RoomRow, Option<MemberRow>), ApiError> {
    let room = rooms::find(conn, room_id)
        .await?
        .ok_or_else(room_not_found)?;
    let member = rooms::member(conn, room_id, user_id).await?;
    if member.is_none() && room.kind() != RoomKind::Public {
        return Err(room_not_found());
    }
    Ok((room, member))
}

/// How much a role may do: owner > admin > member.
pub fn rank(role: MemberRole) -> u8 {
    match role {
        MemberRole::Owner => 2,
        MemberRole::Admin => 1,
        MemberRole::Member => 0,
    }
}

/// 403 unless the member's role is at least `min`.
pub fn require(member: &MemberRow, min: MemberRole, what: &str) -> Result<(), ApiError> {
    if rank(member.role()) >= rank(min) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "only the room's {}s may {what}",
            min.as_str()
        )))
    }
}

/// 422 for operations that make no sense in direct and saved rooms.
pub fn require_multi_user(room: &RoomRow, what: &str) -> Result<(), ApiError> {
    match room.kind() {
        RoomKind::Group | RoomKind::Public => Ok(()),
        RoomKind::Direct | RoomKind::Saved => Err(ApiError::invalid([Invalid::new(
            "room",
            format!("direct chats and saved messages cannot {what}"),
        )])),
    }
}
