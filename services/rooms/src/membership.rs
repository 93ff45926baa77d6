//! Membership: join and leave, add and kick, change a role, mute. Every change is an event the
//! members see, and each one locks the room row so concurrent changes line up.

use crate::access::{locked, member_of, rank, require, require_multi_user, room_not_found};
use crate::error::{Result, RoomsError};
use crate::events::emit;
use crate::rooms::{delete_locked, view};
use crate::store::Store;
use chat_db::rooms::RoomRow;
use chat_db::rooms::{self, MemberRow};
use chat_db::{AsyncPgConnection, blocks, users};
use chat_domain::events::EventPayload;
use chat_domain::{MemberRole, Room};
use chat_http::RequestId;
use chat_http::limits::Limiter;
use uuid::Uuid;

async fn joined(
    conn: &mut AsyncPgConnection,
    request_id: &RequestId,
    room_id: Uuid,
    user_id: Uuid,
    by: Uuid,
) -> Result<()> {
    rooms::add_members(conn, room_id, &[(user_id, MemberRole::Member)]).await?;
    let role = MemberRole::Member;
    let payload = EventPayload::MemberJoined {
        room_id,
        user_id,
        role,
        by,
    };
    Ok(emit(conn, request_id, payload).await?)
}

/// Inside a transaction: the locked room, if it is a group or public room (else 422: it cannot
/// `change`) and I am a member with at least the role `min` (else 403: I cannot `act`).
async fn managed(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    me: Uuid,
    change: &str,
    min: MemberRole,
    act: &str,
) -> Result<(RoomRow, MemberRow)> {
    let (room, member) = locked(conn, room_id, me).await?;
    let member = member.ok_or_else(room_not_found)?;
    require_multi_user(&room, change)?;
    require(&member, min, act)?;
    Ok((room, member))
}

/// The membership of `target`, someone other than me (else 422: do `instead`), or 404.
async fn other_member(
    conn: &mut AsyncPgConnection,
    room_id: Uuid,
    target: Uuid,
    me: Uuid,
    instead: &str,
) -> Result<MemberRow> {
    if target == me {
        return Err(RoomsError::invalid("user_id", instead));
    }
    rooms::member(conn, room_id, target)
        .await?
        .ok_or(RoomsError::NotFound("member"))
}

/// Joins a public room (a member already: nothing changes). Returns the room as it is now.
pub async fn join(store: &Store, request_id: RequestId, me: Uuid, room_id: Uuid) -> Result<Room> {
    let mut conn = store.conn().await?;
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let (room, member) = locked(conn, room_id, me).await?;
                if member.is_none() {
                    joined(conn, &request_id, room.id, me, me).await?;
                }
                Ok(())
            })
        })
        .await?;
    view(&mut conn, room_id).await
}

/// What leaving did.
pub struct Left {
    /// Who owns the room now, when I was its last owner.
    pub new_owner: Option<Uuid>,
    /// I was the last member: the room was deleted.
    pub room_deleted: bool,
}

/// Leaves a group or public room. When the last owner leaves, ownership passes to the
/// longest-standing admin, else to the longest-standing member; when nobody is left, the room
/// is deleted.
pub async fn leave(store: &Store, request_id: RequestId, me: Uuid, room_id: Uuid) -> Result<Left> {
    let mut conn = store.conn().await?;
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let (room, member) = locked(conn, room_id, me).await?;
                let member = member.ok_or_else(room_not_found)?;
                require_multi_user(&room, "be left")?;
                let others: Vec<MemberRow> = rooms::members(conn, room.id)
                    .await?
                    .into_iter()
                    .filter(|m| m.user_id != me)
                    .collect();
                if others.is_empty() {
                    delete_locked(conn, &request_id, room.id, me).await?;
                    return Ok(Left {
                        new_owner: None,
                        room_deleted: true,
                    });
                }
                let mut new_owner = None;
                let last_owner = member.role() == MemberRole::Owner
                    && !others.iter().any(|m| m.role() == MemberRole::Owner);
                if last_owner {
                    // Members come ordered by joined_at: the first admin, else the first member.
                    let heir = others
                        .iter()
                        .find(|m| m.role() == MemberRole::Admin)
                        .unwrap_or(&others[0]);
                    rooms::set_role(conn, room.id, heir.user_id, MemberRole::Owner).await?;
                    let payload = EventPayload::MemberRoleChanged {
                        room_id: room.id,
                        user_id: heir.user_id,
                        role: MemberRole::Owner,
                        by: me,
                    };
                    emit(conn, &request_id, payload).await?;
                    new_owner = Some(heir.user_id);
                }
                rooms::remove_member(conn, room.id, me).await?;
                let payload = EventPayload::MemberLeft {
                    room_id: room.id,
                    user_id: me,
                    by: me,
                };
                emit(conn, &request_id, payload).await?;
                Ok(Left {
                    new_owner,
                    room_deleted: false,
                })
            })
        })
        .await
}

/// Adds someone to a group or public room (owner or admin; a member already: nothing changes).
pub async fn add(
    store: &Store,
    limit: &Limiter,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    user_id: Uuid,
) -> Result<Room> {
    limit.check(&me.to_string()).await?;
    let mut conn = store.conn().await?;
    users::find(&mut conn, user_id)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or(RoomsError::NotFound("user"))?;
    if !blocks::who_blocked(&mut conn, me, &[user_id])
        .await?
        .is_empty()
    {
        return Err(RoomsError::Forbidden(
            "this user does not accept being added by you".into(),
        ));
    }
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let (room, _) = managed(
                    conn,
                    room_id,
                    me,
                    "get more members",
                    MemberRole::Admin,
                    "add members",
                )
                .await?;
                if rooms::member(conn, room.id, user_id).await?.is_none() {
                    joined(conn, &request_id, room.id, user_id, me).await?;
                }
                Ok(())
            })
        })
        .await?;
    view(&mut conn, room_id).await
}

/// Removes someone (owner: anyone else; admin: members only).
pub async fn kick(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    target: Uuid,
) -> Result<()> {
    let mut conn = store.conn().await?;
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let (room, member) = managed(
                    conn,
                    room_id,
                    me,
                    "lose members",
                    MemberRole::Admin,
                    "remove members",
                )
                .await?;
                let instead = "leave the room instead of removing yourself";
                let victim = other_member(conn, room.id, target, me, instead).await?;
                if rank(victim.role()) >= rank(member.role()) {
                    return Err(RoomsError::Forbidden(
                        "you can only remove members below your own role".into(),
                    ));
                }
                rooms::remove_member(conn, room.id, target).await?;
                let payload = EventPayload::MemberLeft {
                    room_id: room.id,
                    user_id: target,
                    by: me,
                };
                Ok(emit(conn, &request_id, payload).await?)
            })
        })
        .await
}

/// Changes a member's role (owner only); giving `owner` hands ownership over (I become an
/// admin).
pub async fn set_role(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    target: Uuid,
    role: MemberRole,
) -> Result<Room> {
    let mut conn = store.conn().await?;
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let (room, _) = managed(
                    conn,
                    room_id,
                    me,
                    "have roles",
                    MemberRole::Owner,
                    "change roles",
                )
                .await?;
                let instead = "hand ownership to someone else instead";
                other_member(conn, room.id, target, me, instead).await?;
                let mut changes = vec![(target, role)];
                if role == MemberRole::Owner {
                    changes.push((me, MemberRole::Admin));
                }
                for (user_id, role) in changes {
                    rooms::set_role(conn, room.id, user_id, role).await?;
                    let payload = EventPayload::MemberRoleChanged {
                        room_id: room.id,
                        user_id,
                        role,
                        by: me,
                    };
                    emit(conn, &request_id, payload).await?;
                }
                Ok(())
            })
        })
        .await?;
    view(&mut conn, room_id).await
}

/// Mutes or unmutes a room's Telegram notifications, for me only.
pub async fn set_mute(store: &Store, me: Uuid, room_id: Uuid, muted: bool) -> Result<()> {
    let mut conn = store.conn().await?;
    let (room, _) = member_of(&mut conn, room_id, me).await?;
    rooms::set_muted(&mut conn, room.id, me, muted).await?;
    Ok(())
}
