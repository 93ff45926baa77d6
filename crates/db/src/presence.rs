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

pub async fn heartbeat(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), DbError> {
    register_instance(conn, id).await
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

/// Online state and last seen of each given user. A user is online while a session of theirs
/// is on an instance that heartbeats.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Status {
    pub online: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
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
