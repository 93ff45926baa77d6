//! Membership checks. Someone who is not a member gets the same 404 whether the room exists
//! or not, so room ids cannot be probed.

use crate::error::{Result, RoomsError};
use chat_db::AsyncPgConnection;
use chat_db::rooms::{self, MemberRow, RoomRow};
use chat_domain::{Invalid, MemberRole, RoomKind};
use uuid::Uuid;

pub fn room_not_found() -> RoomsError {
    RoomsError::NotFound("room")
}

/// The room and the caller's membership, or 404.
pub async fn member_of(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<(RoomRow, MemberRow)> {
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
) -> Result<(RoomRow, Option<MemberRow>)> {
    let room = rooms::find(conn, room_id).await?;
    as_seen_by(conn, room, user_id).await
}

/// Inside a transaction: [`readable`], with the room locked so concurrent changes line up.
pub async fn locked(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<(RoomRow, Option<MemberRow>)> {
    let room = rooms::lock(conn, room_id).await?;
    as_seen_by(conn, room, user_id).await
}

async fn as_seen_by(
    conn: &mut AsyncPgConnection,
    room: Option<RoomRow>,
    user_id: Uuid,
) -> Result<(RoomRow, Option<MemberRow>)> {
    let room = room.ok_or_else(room_not_found)?;
    let member = rooms::member(conn, room.id, user_id).await?;
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
pub fn require(member: &MemberRow, min: MemberRole, what: &str) -> Result<()> {
    if rank(member.role()) >= rank(min) {
        Ok(())
    } else {
        Err(RoomsError::Forbidden(format!(
            "only the room's {}s may {what}",
            min.as_str()
        )))
    }
}

/// 422 for operations that make no sense in direct and saved rooms.
pub fn require_multi_user(room: &RoomRow, what: &str) -> Result<()> {
    match room.kind() {
        RoomKind::Group | RoomKind::Public => Ok(()),
        RoomKind::Direct | RoomKind::Saved => Err(Invalid::new(
            "room",
            format!("direct chats and saved messages cannot {what}"),
        )
        .into()),
    }
}
