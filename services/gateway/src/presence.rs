//! Presence in PostgreSQL: this instance heartbeats, records its sockets, and removes
//! instances that stopped heartbeating (with their sessions), so a crashed gateway never
//! leaves its users online.

use crate::AppState;
use chat_db::presence;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub async fn connected(state: &AppState, session_id: Uuid, user_id: Uuid) {
    let result = async {
        let mut conn = chat_db::conn(&state.pool).await?;
        presence::add_session(&mut conn, session_id, state.config.instance_id, user_id).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot record presence");
    }
}

pub async fn disconnected(state: &AppState, session_id: Uuid, user_id: Uuid) {
    let result = async {
        let mut conn = chat_db::conn(&state.pool).await?;
        presence::remove_session(&mut conn, session_id, user_id).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot clear presence");
    }
}

/// Heartbeats until cancelled, then removes this instance.
pub async fn heartbeat(
    pool: chat_db::Pool,
    instance_id: Uuid,
    every: Duration,
    fresh_secs: i64,
    cancel: CancellationToken,
) {
    loop {
        let beat = async {
            let mut conn = chat_db::conn(&pool).await?;
            presence::heartbeat(&mut conn, instance_id).await?;
            let stale = presence::stale_instances(
                &mut conn,
                chrono::Utc::now() - chrono::Duration::seconds(fresh_secs),
            )
            .await?;
            for id in stale {
                let users = presence::remove_instance(&mut conn, id).await?;
                tracing::info!(instance.id = %id, users = users.len(), "removed a stale gateway instance");
            }
            Ok::<_, chat_db::DbError>(())
        };
        if let Err(e) = beat.await {
            tracing::warn!(error = %e, "presence heartbeat failed");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = cancel.cancelled() => break,
        }
    }
    let result = async {
        let mut conn = chat_db::conn(&pool).await?;
        presence::remove_instance(&mut conn, instance_id).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot remove this instance from presence");
    }
}
