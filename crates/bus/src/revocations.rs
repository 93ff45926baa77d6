//! Following revoked sessions: every service that takes access tokens refuses those of ended
//! sessions at once, not when they expire.
//!
//! Each instance binds an exclusive queue to `session.revoked` and adds each event's sessions
//! to its verifier's [`Revocations`]. Such a queue misses what was published while the instance
//! had no broker connection, so each time the queue is (re)made the instance reloads every
//! session revoked within the longest access-token lifetime from the database (auth's
//! `refresh_tokens`, where the revocation is the source of truth).

use crate::{Connected, Handled, QueueSpec, consume};
use chat_db::Pool;
use chat_domain::events::{SESSION_REVOKED, SessionsRevoked};
use chat_http::auth::{MAX_ACCESS_TTL_SECS, Revocations};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Adds the sessions of a `session.revoked` event (one a delivery carries, see
/// [`crate::carried`]) to `revoked`; returns the event, if it was one. A malformed event is
/// dropped (logged): it cannot become valid by waiting.
pub fn apply(revoked: &Revocations, body: &[u8]) -> Option<SessionsRevoked> {
    match serde_json::from_slice::<SessionsRevoked>(body) {
        Ok(event) => {
            revoked.revoke(
                event.session_ids.iter().copied(),
                event.revoked_at.timestamp(),
            );
            Some(event)
        }
        Err(e) => {
            tracing::warn!(error = %e, "malformed session.revoked event dropped");
            None
        }
    }
}

/// Reloads every session revoked within the longest access-token lifetime into `revoked`,
/// retrying (with backoff, until `cancel`) while the database is unreachable.
pub async fn reload(pool: &Pool, revoked: &Revocations, cancel: &CancellationToken) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let since = chrono::Utc::now() - chrono::Duration::seconds(MAX_ACCESS_TTL_SECS + 60);
        let loaded = async {
            let mut conn = chat_db::conn(pool).await?;
            chat_db::sessions::revoked_since(&mut conn, since).await
        }
        .await;
        match loaded {
            Ok(rows) => {
                for (session, at) in rows {
                    revoked.revoke([session], at.timestamp());
                }
                tracing::debug!(remembered = revoked.len(), "revoked sessions reloaded");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "cannot reload revoked sessions");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = cancel.cancelled() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Reloads `revoked` from the database each time `connected` comes up: the first time and
/// after every reconnect of an exclusive queue that carries `session.revoked`.
async fn reload_on_connect(
    pool: Pool,
    revoked: Revocations,
    connected: Connected,
    cancel: CancellationToken,
) {
    let mut connects = connected.connects();
    loop {
        tokio::select! {
            changed = connects.changed() => if changed.is_err() { return },
            () = cancel.cancelled() => return,
        }
        connects.borrow_and_update();
        reload(&pool, &revoked, &cancel).await;
    }
}

/// For a service that only needs to refuse revoked tokens (auth, rooms): consumes
/// `session.revoked` on an exclusive queue into `revoked` and reloads it on every connect,
/// until `cancel`. `connected` reports whether it consumes.
pub async fn follow(
    amqp_url: String,
    exchange: String,
    pool: Pool,
    revoked: Revocations,
    connected: Connected,
    cancel: CancellationToken,
) {
    let reloading = tokio::spawn(reload_on_connect(
        pool,
        revoked.clone(),
        connected.clone(),
        cancel.clone(),
    ));
    consume(
        amqp_url,
        exchange,
        QueueSpec::Exclusive {
            bindings: vec![SESSION_REVOKED.to_owned()],
        },
        connected,
        cancel,
        move |delivery| {
            match crate::carried(&delivery) {
                Ok(events) => {
                    for event in events {
                        apply(&revoked, event.body);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "session.revoked events dropped"),
            }
            std::future::ready(Handled::Ack)
        },
    )
    .await;
    let _ = reloading.await;
}
