//! Presence, owned by the gateway: instances with heartbeats, their sockets, and last seen.

use crate::DbError;
use crate::schema::{gateway_instances, user_presence, ws_sessions};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

pub async fn register_instance(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), DbError> {
    diesel::insert_into(gateway_instances::table)
        .values(gateway_instances::id.eq(id))
        .on_conflict(gateway_instances::id)
        .do_update()
        .set(gateway_instances::heartbeat_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Refreshes this instance's heartbeat. Returns true when its row was missing (a peer reaped
/// it, or PostgreSQL restarted and emptied the unlogged presence tables): the caller then
/// records its sessions again.
pub async fn heartbeat(conn: &mut AsyncPgConnection, id: Uuid) -> Result<bool, DbError> {
    #[derive(QueryableByName)]
    struct Beat {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        inserted: bool,
    }
    let beat: Beat = diesel::sql_query(
        "INSERT INTO gateway_instances (id) VALUES ($1) \
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now() \
         RETURNING (xmax = 0) AS inserted",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .get_result(conn)
    .await?;
    Ok(beat.inserted)
}

/// One batch of socket changes on an instance, written by [`apply`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    /// Sockets opened: (session id, user id).
    pub opened: Vec<(Uuid, Uuid)>,
    /// Sockets closed: (session id, user id).
    pub closed: Vec<(Uuid, Uuid)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.closed.is_empty()
    }
}

/// Writes a batch of socket changes in one statement and one transaction that does not wait
/// for a WAL flush: the session tables are `UNLOGGED` (presence is ephemeral), and a last seen
/// lost in a crash is only a few seconds old. Closed users get their last seen stamped. A
/// session both opened and closed within the batch must be left out of both by the caller.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    instance_id: Uuid,
    changes: &Changes,
) -> Result<(), DbError> {
    use diesel::sql_types::{Array, Uuid as SqlUuid};
    use diesel_async::AsyncConnection;
    let (open_ids, open_users): (Vec<Uuid>, Vec<Uuid>) = changes.opened.iter().copied().unzip();
    let (closed_ids, closed_users): (Vec<Uuid>, Vec<Uuid>) = changes.closed.iter().copied().unzip();
    conn.transaction::<_, DbError, _>(async |conn| {
        diesel::sql_query("SET LOCAL synchronous_commit = off")
            .execute(conn)
            .await?;
        diesel::sql_query(
            "WITH gone AS (DELETE FROM ws_sessions WHERE id = ANY($4)), \
                  added AS ( \
                      INSERT INTO ws_sessions (id, instance_id, user_id) \
                      SELECT s.id, $1, s.user_id FROM unnest($2::uuid[], $3::uuid[]) AS s(id, user_id) \
                      ON CONFLICT (id) DO NOTHING) \
             INSERT INTO user_presence (user_id, last_seen_at) \
             SELECT DISTINCT u, now() FROM unnest($5::uuid[]) AS u \
             ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at",
        )
        .bind::<SqlUuid, _>(instance_id)
        .bind::<Array<SqlUuid>, _>(&open_ids)
        .bind::<Array<SqlUuid>, _>(&open_users)
        .bind::<Array<SqlUuid>, _>(&closed_ids)
        .bind::<Array<SqlUuid>, _>(&closed_users)
        .execute(conn)
        .await?;
        Ok(())
    })
    .await
}

/// Removes an instance with its sessions (clean shutdown, or a stale one found by a peer),
/// stamping the last seen of their users in the same statement. Returns those users.
pub async fn remove_instance(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<Uuid>, DbError> {
    #[derive(QueryableByName)]
    struct Gone {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        user_id: Uuid,
    }
    let gone: Vec<Gone> = diesel::sql_query(
        "WITH gone AS (DELETE FROM ws_sessions WHERE instance_id = $1 RETURNING user_id), \
              inst AS (DELETE FROM gateway_instances WHERE id = $1) \
         INSERT INTO user_presence (user_id, last_seen_at) \
         SELECT DISTINCT user_id, now() FROM gone \
         ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at \
         RETURNING user_id",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .load(conn)
    .await?;
    Ok(gone.into_iter().map(|g| g.user_id).collect())
}

/// Instances whose heartbeat is older than `before`.
pub async fn stale_instances(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbError> {
    Ok(gateway_instances::table
        .filter(gateway_instances::heartbeat_at.lt(before))
        .select(gateway_instances::id)
        .load(conn)
        .await?)
}

pub async fn add_session(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    instance_id: Uuid,
    user_id: Uuid,
) -> Result<(), DbError> {
    diesel::insert_into(ws_sessions::table)
        .values((
            ws_sessions::id.eq(session_id),
            ws_sessions::instance_id.eq(instance_id),
            ws_sessions::user_id.eq(user_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes one socket's session and stamps its user's last seen in the same statement, so
/// nobody ever sees the user offline without a last seen.
pub async fn remove_session(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    user_id: Uuid,
) -> Result<(), DbError> {
    diesel::sql_query(
        "WITH gone AS (DELETE FROM ws_sessions WHERE id = $1) \
         INSERT INTO user_presence (user_id, last_seen_at) VALUES ($2, now()) \
         ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at",
    )
    .bind::<diesel::sql_types::Uuid, _>(session_id)
    .bind::<diesel::sql_types::Uuid, _>(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The instant after which a gateway's heartbeat is fresh, for a freshness window of `secs`:
/// a socket counts as open while its gateway beat after it.
pub fn fresh_after(secs: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::seconds(secs)
}

/// Online state and last seen of each given user. A user is online while a session of theirs
/// is on an instance that heartbeats.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Status {
    pub online: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// For each `(room, sender)` of `messages`, in their order, the members of the room other than
/// the sender who have not muted it and have no socket on a gateway whose heartbeat is newer
/// than `fresh_after`: whom that message could notify. One statement however many messages (the
/// database function `offline_members_each`), so a pack of events costs one round trip.
pub async fn offline_members_of_each(
    conn: &mut AsyncPgConnection,
    messages: &[(Uuid, Uuid)],
    fresh_after: DateTime<Utc>,
) -> Result<Vec<Vec<Uuid>>, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        i: i32,
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        user_id: Uuid,
    }
    let mut of = vec![Vec::new(); messages.len()];
    if messages.is_empty() {
        return Ok(of);
    }
    let (rooms, senders): (Vec<Uuid>, Vec<Uuid>) = messages.iter().copied().unzip();
    let rows: Vec<Row> =
        diesel::sql_query("SELECT i, user_id FROM offline_members_each($1, $2, $3)")
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(rooms)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(senders)
            .bind::<diesel::sql_types::Timestamptz, _>(fresh_after)
            .load(conn)
            .await?;
    for row in rows {
        // Ordinals start at 1; anything else would be the function's bug, not a reason to panic.
        if let Some(members) = usize::try_from(row.i - 1).ok().and_then(|i| of.get_mut(i)) {
            members.push(row.user_id);
        }
    }
    Ok(of)
}

pub async fn status_of(
    conn: &mut AsyncPgConnection,
    users: &[Uuid],
    fresh_after: DateTime<Utc>,
) -> Result<HashMap<Uuid, Status>, DbError> {
    let online: Vec<Uuid> = ws_sessions::table
        .inner_join(gateway_instances::table)
        .filter(ws_sessions::user_id.eq_any(users))
        .filter(gateway_instances::heartbeat_at.gt(fresh_after))
        .select(ws_sessions::user_id)
        .distinct()
        .load(conn)
        .await?;
    let seen: Vec<(Uuid, DateTime<Utc>)> = user_presence::table
        .filter(user_presence::user_id.eq_any(users))
        .select((user_presence::user_id, user_presence::last_seen_at))
        .load(conn)
        .await?;
    let mut out: HashMap<Uuid, Status> = users.iter().map(|u| (*u, Status::default())).collect();
    for u in online {
        out.entry(u).or_default().online = true;
    }
    for (u, at) in seen {
        out.entry(u).or_default().last_seen_at = Some(at);
    }
    Ok(out)
}
