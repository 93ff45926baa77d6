//! Presence in PostgreSQL: this instance heartbeats, records its sockets, and removes
//! instances that stopped heartbeating (with their sessions), so a crashed gateway never
//! leaves its users online. Changes are told to the people who share a room with the user
//! (`presence.changed`): online when a socket opens, offline once the last one anywhere has
//! been closed for the grace period.

use crate::AppState;
use crate::events::publish_presence;
use chat_db::presence;
use chat_domain::events::PresenceChanged;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Records a new socket and tells the user's rooms they are online.
pub async fn connected(state: &AppState, session_id: Uuid, user_id: Uuid, room_ids: Vec<Uuid>) {
    let result = async {
        let mut conn = chat_db::conn(&state.pool).await?;
        presence::add_session(&mut conn, session_id, state.config.instance_id, user_id).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot record presence");
        return;
    }
    let change = PresenceChanged {
        user_id,
        online: true,
        last_seen_at: None,
        room_ids,
    };
    publish_presence(state, &change).await;
}

/// Removes a socket's session; after the grace period, if the user has no socket left on any
/// instance, tells their rooms they went offline.
pub async fn disconnected(
    state: &Arc<AppState>,
    session_id: Uuid,
    user_id: Uuid,
    room_ids: Vec<Uuid>,
) {
    let result = async {
        let mut conn = chat_db::conn(&state.pool).await?;
        presence::remove_session(&mut conn, session_id, user_id).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot clear presence");
    }
    let state = state.clone();
    actix_web::rt::spawn(async move {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(state.config.presence_grace_secs)) => {}
            // On shutdown the sockets move to other instances; the reaper covers the rest.
            () = state.cancel.cancelled() => return,
        }
        tell_if_offline(&state, user_id, Some(room_ids)).await;
    });
}

/// Tells the user's rooms they are offline, with their last seen, unless a socket of theirs is
/// open somewhere. Without `room_ids` they are asked of the rooms service.
async fn tell_if_offline(state: &AppState, user_id: Uuid, room_ids: Option<Vec<Uuid>>) {
    let status = async {
        let mut conn = chat_db::conn(&state.pool).await?;
        let fresh_after =
            chrono::Utc::now() - chrono::Duration::seconds(state.config.presence_fresh_secs);
        presence::status_of(&mut conn, &[user_id], fresh_after).await
    }
    .await;
    let status = match status {
        Ok(mut all) => all.remove(&user_id).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read presence");
            return;
        }
    };
    if status.online {
        return;
    }
    let room_ids = match room_ids {
        Some(ids) => ids,
        None => match state.rooms.room_ids(user_id, "presence").await {
            Ok(ids) => ids.room_ids,
            Err(e) => {
                tracing::warn!(error = %e, "cannot load the rooms of a user who went offline");
                return;
            }
        },
    };
    let change = PresenceChanged {
        user_id,
        online: false,
        last_seen_at: status.last_seen_at,
        room_ids,
    };
    publish_presence(state, &change).await;
}

/// Heartbeats until cancelled, then removes this instance. Users of instances found stale go
/// offline, and their rooms are told.
pub async fn heartbeat(state: Arc<AppState>) {
    let every = Duration::from_secs(state.config.heartbeat_secs);
    let (pool, instance_id) = (&state.pool, state.config.instance_id);
    loop {
        let beat = async {
            let mut conn = chat_db::conn(pool).await?;
            presence::heartbeat(&mut conn, instance_id).await?;
            let stale = presence::stale_instances(
                &mut conn,
                chrono::Utc::now() - chrono::Duration::seconds(state.config.presence_fresh_secs),
            )
            .await?;
            let mut gone = Vec::new();
            for id in stale {
                let users = presence::remove_instance(&mut conn, id).await?;
                tracing::info!(instance.id = %id, users = users.len(), "removed a stale gateway instance");
                gone.extend(users);
            }
            Ok::<_, chat_db::DbError>(gone)
        };
        match beat.await {
            Ok(gone) => {
                for user_id in gone {
                    tell_if_offline(&state, user_id, None).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "presence heartbeat failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = state.cancel.cancelled() => break,
        }
    }
    let result = async {
        let mut conn = chat_db::conn(pool).await?;
        presence::remove_instance(&mut conn, instance_id).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot remove this instance from presence");
    }
}
