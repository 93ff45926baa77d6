//! Rooms: creating groups, public rooms and direct chats, renaming, deleting, and reading one
//! with its members.

use crate::access::{member_of, readable, require, require_multi_user, room_not_found};
use crate::error::{Result, RoomsError};
use crate::events::{create_room, emit};
use crate::store::Store;
use chat_db::outbox;
use chat_db::rooms::{self, MemberRow, NewRoom, PublicRoomRow, RoomRow, direct_key};
use chat_db::{AsyncPgConnection, blocks, users};
use chat_domain::api::MAX_ROOM_IDS_BATCH;
use chat_domain::events::EventPayload;
use chat_domain::paging::{self, TimeKey};
use chat_domain::{MemberRole, Room, RoomKind, RoomMember, RoomName, RoomSummary, Topic};
use chat_http::RequestId;
use chat_http::limits::Limiter;
use uuid::Uuid;

/// Most members a room may be created with at once.
pub const MAX_INITIAL_MEMBERS: usize = 200;

/// Most members a room carries with it; the rest are read a page at a time ([`members`]).
pub const EMBEDDED_MEMBERS: i64 = 100;

fn to_member(m: &MemberRow) -> RoomMember {
    RoomMember {
        user_id: m.user_id,
        role: m.role(),
        last_read_seq: m.last_read_seq,
    }
}

/// The room with its member count and first [`EMBEDDED_MEMBERS`] members, read on the
/// caller's connection: taking a second one from the pool while holding the first deadlocks
/// once as many requests as the pool has connections do so.
async fn with_members(conn: &mut AsyncPgConnection, room: RoomRow) -> Result<Room> {
    let members = rooms::members_page(conn, room.id, None, EMBEDDED_MEMBERS).await?;
    let member_count = match i64::try_from(members.len()) {
        Ok(n) if n < EMBEDDED_MEMBERS => n,
        _ => rooms::member_count(conn, room.id).await?,
    };
    Ok(Room {
        id: room.id,
        kind: room.kind(),
        name: room.name,
        topic: room.topic,
        last_seq: room.last_seq,
        created_at: room.created_at,
        member_count,
        members: members.iter().map(to_member).collect(),
    })
}

/// The room as it is now (see [`with_members`]).
pub async fn view(conn: &mut AsyncPgConnection, room_id: Uuid) -> Result<Room> {
    let room = rooms::find(conn, room_id)
        .await?
        .ok_or_else(room_not_found)?;
    with_members(conn, room).await
}

/// A room with its first members, if I am a member or it is public.
pub async fn get(store: &Store, me: Uuid, room_id: Uuid) -> Result<Room> {
    let mut conn = store.conn().await?;
    let (room, _) = readable(&mut conn, room_id, me).await?;
    with_members(&mut conn, room).await
}

/// A page of a room's members, oldest first, if I am a member or it is public; with the
/// position after its last member when more follow.
pub async fn members(
    store: &Store,
    me: Uuid,
    room_id: Uuid,
    after: Option<TimeKey>,
    size: i64,
) -> Result<(Vec<RoomMember>, Option<TimeKey>)> {
    let mut conn = store.conn().await?;
    readable(&mut conn, room_id, me).await?;
    let mut rows = rooms::members_page(&mut conn, room_id, after, paging::read_size(size)).await?;
    let next = paging::has_more(&mut rows, size)
        .then(|| rows.last().map(|m| (m.joined_at, m.user_id)))
        .flatten();
    Ok((rows.iter().map(to_member).collect(), next))
}

/// A group or public room to create; I become its owner.
pub struct NewGroup {
    /// `Group` or `Public`.
    pub kind: RoomKind,
    pub name: RoomName,
    pub topic: Topic,
    /// Initial members besides me.
    pub member_ids: Vec<Uuid>,
}

/// Creates a private group or a public room with its first members, all of whom must exist.
/// Counts against the caller's budget of room changes (`limit`).
pub async fn create(
    store: &Store,
    limit: &Limiter,
    request_id: RequestId,
    me: Uuid,
    group: NewGroup,
) -> Result<Room> {
    limit.check(&me.to_string()).await?;
    let mut member_ids: Vec<Uuid> = group
        .member_ids
        .into_iter()
        .filter(|id| *id != me)
        .collect();
    member_ids.sort_unstable();
    member_ids.dedup();
    if member_ids.len() > MAX_INITIAL_MEMBERS {
        return Err(RoomsError::invalid(
            "member_ids",
            format!("at most {MAX_INITIAL_MEMBERS} members at once"),
        ));
    }
    let mut conn = store.conn().await?;
    let found = users::active_among(&mut conn, &member_ids).await?;
    if found.len() != member_ids.len() {
        return Err(RoomsError::invalid(
            "member_ids",
            "some of these users do not exist",
        ));
    }
    if !blocks::who_blocked(&mut conn, me, &member_ids)
        .await?
        .is_empty()
    {
        return Err(RoomsError::Forbidden(
            "some of these users do not accept being added by you".into(),
        ));
    }
    let (kind, name, topic) = (group.kind, group.name, group.topic);
    let room = store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let mut members = vec![(me, MemberRole::Owner)];
                members.extend(member_ids.iter().map(|id| (*id, MemberRole::Member)));
                let new = NewRoom {
                    id: Uuid::now_v7(),
                    kind: kind.as_str(),
                    name: Some(name.as_str()),
                    topic: topic.as_deref(),
                    owner_id: Some(me),
                    direct_key: None,
                };
                create_room(conn, &request_id, &new, &members)
                    .await?
                    .ok_or(RoomsError::Bug("a new room collided"))
            })
        })
        .await?;
    with_members(&mut conn, room).await
}

/// Gets or creates the direct room with a user: one per pair, whatever the order or
/// concurrency. My own id opens "Saved messages".
pub async fn open_direct(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    peer: Uuid,
) -> Result<Room> {
    let mut conn = store.conn().await?;
    users::find(&mut conn, peer)
        .await?
        .filter(|u| u.deactivated_at.is_none())
        .ok_or(RoomsError::NotFound("user"))?;
    if me != peer && blocks::between(&mut conn, me, peer).await? {
        // Either one blocked the other; which one is not told.
        return Err(RoomsError::Forbidden(
            "you cannot have a direct chat with this user".into(),
        ));
    }
    let kind = if me == peer {
        RoomKind::Saved
    } else {
        RoomKind::Direct
    };
    let key = direct_key(me, peer);
    if let Some(room) = rooms::find_by_direct_key(&mut conn, &key).await? {
        return with_members(&mut conn, room).await;
    }
    let room = store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let new = NewRoom {
                    id: Uuid::now_v7(),
                    kind: kind.as_str(),
                    name: None,
                    topic: None,
                    owner_id: None,
                    direct_key: Some(&key),
                };
                let mut members = vec![(me, MemberRole::Member)];
                if peer != me {
                    members.push((peer, MemberRole::Member));
                }
                if let Some(room) = create_room(conn, &request_id, &new, &members).await? {
                    return Ok(room);
                }
                // Created meanwhile by the other side.
                rooms::find_by_direct_key(conn, &key)
                    .await?
                    .ok_or(RoomsError::Bug("a direct room vanished"))
            })
        })
        .await?;
    with_members(&mut conn, room).await
}

/// Renames a room or changes its topic (owner or admin); `None` leaves a field as it is.
pub async fn update(
    store: &Store,
    request_id: RequestId,
    me: Uuid,
    room_id: Uuid,
    name: Option<RoomName>,
    topic: Option<Topic>,
) -> Result<Room> {
    let mut conn = store.conn().await?;
    let (room, member) = member_of(&mut conn, room_id, me).await?;
    require_multi_user(&room, "be renamed")?;
    require(
        &member,
        MemberRole::Admin,
        "rename the room or change its topic",
    )?;
    if name.is_none() && topic.is_none() {
        // Nothing to change (`{}`): the room as it is, and no event.
        return with_members(&mut conn, room).await;
    }
    let room = store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let room = rooms::update(
                    conn,
                    room_id,
                    name.as_ref().map(RoomName::as_str),
                    topic.as_ref().map(Topic::as_deref),
                )
                .await?;
                let payload = EventPayload::RoomUpdated {
                    room_id: room.id,
                    name: room.name.clone(),
                    topic: room.topic.clone(),
                    by: me,
                };
                emit(conn, &request_id, payload).await?;
                Ok(room)
            })
        })
        .await?;
    with_members(&mut conn, room).await
}

/// Deletes a room (owner only); its members are told.
pub async fn delete(store: &Store, request_id: RequestId, me: Uuid, room_id: Uuid) -> Result<()> {
    let mut conn = store.conn().await?;
    let (room, member) = member_of(&mut conn, room_id, me).await?;
    require_multi_user(&room, "be deleted")?;
    require(&member, MemberRole::Owner, "delete the room")?;
    store
        .write(&mut conn, move |conn| {
            Box::pin(async move {
                let room = rooms::lock(conn, room_id)
                    .await?
                    .ok_or_else(room_not_found)?;
                delete_locked(conn, &request_id, room.id, me).await
            })
        })
        .await?;
    tracing::info!(room.id = %room_id, user.id = %me, "room deleted");
    Ok(())
}

/// Deletes a room whose row the transaction holds locked, and tells its members.
pub async fn delete_locked(
    conn: &mut AsyncPgConnection,
    request_id: &RequestId,
    room_id: Uuid,
    by: Uuid,
) -> Result<()> {
    let member_ids = rooms::members(conn, room_id)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    rooms::delete(conn, room_id).await?;
    let payload = EventPayload::RoomDeleted {
        room_id,
        member_ids,
        by,
    };
    Ok(emit(conn, request_id, payload).await?)
}

/// A page of my rooms, newest activity first (after the room at `after`, its
/// `(last_activity_at, id)`), each with its last message and my unread count; with the
/// position after its last room when more follow.
pub async fn list(
    store: &Store,
    me: Uuid,
    after: Option<TimeKey>,
    size: i64,
) -> Result<(Vec<RoomSummary>, Option<TimeKey>)> {
    let mut conn = store.conn().await?;
    let mut rows = rooms::summaries(&mut conn, me, after, paging::read_size(size)).await?;
    let next = paging::has_more(&mut rows, size)
        .then(|| rows.last().map(|r| (r.last_activity_at, r.id)))
        .flatten();
    Ok((rows, next))
}

/// A page of the public rooms' directory, by name, filtered by any part of a word of the name
/// or topic; with the position after its last room when more follow.
pub async fn public(
    store: &Store,
    me: Uuid,
    q: Option<&str>,
    after: Option<(&str, Uuid)>,
    size: i64,
) -> Result<(Vec<PublicRoomRow>, Option<(String, Uuid)>)> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let q = q.map(|q| q.chars().take(64).collect::<String>());
    let mut conn = store.conn().await?;
    let mut rows =
        rooms::public_rooms(&mut conn, me, q.as_deref(), after, paging::read_size(size)).await?;
    let next = paging::has_more(&mut rows, size)
        .then(|| rows.last().map(|r| (r.sort_name.clone(), r.id)))
        .flatten();
    Ok((rows, next))
}

/// The rooms of each of `users` (1 to `MAX_ROOM_IDS_BATCH`), in their order, and one sync
/// cursor taken before any of them was read ([`outbox::RoomsAtHead`]).
pub async fn ids_of(store: &Store, users: &[Uuid]) -> Result<outbox::RoomsAtHead> {
    if users.is_empty() || users.len() > MAX_ROOM_IDS_BATCH {
        return Err(RoomsError::invalid(
            "user_ids",
            format!("must name 1 to {MAX_ROOM_IDS_BATCH} users"),
        ));
    }
    let mut conn = store.conn().await?;
    Ok(outbox::rooms_at_head(&mut conn, users).await?)
}
