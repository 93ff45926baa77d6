//! Presence in PostgreSQL: this instance heartbeats, records its sockets, and removes
//! instances that stopped heartbeating (with their sessions), so a crashed gateway never
//! leaves its users online. Changes are told to the people who share a room with the user
//! (`presence.changed`): online when their first socket here opens, offline once the last one
//! anywhere has been closed for the grace period.
//!
//! Opening or closing a socket never waits for the database: it queues the change for the
//! [`writer`], which writes whatever has queued in one statement while the previous write is
//! in flight (so batches grow with the load), into `UNLOGGED` tables, without waiting for a
//! WAL flush.

use crate::AppState;
use crate::batch::{self, Limits};
use crate::events::publish_presence;
use crate::rooms_client::rooms_of;
use chat_db::presence::{self, Changes, Status};
use chat_domain::events::PresenceChanged;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// A socket change waiting to be written.
#[derive(Debug)]
pub enum Change {
    Opened {
        session: Uuid,
        user: Uuid,
    },
    /// `written` is told once the close is in the database: only then may the user's presence
    /// be read to decide whether they went offline (read earlier, their closed socket would
    /// still count and the offline notice would never be sent).
    Closed {
        session: Uuid,
        user: Uuid,
        written: Option<oneshot::Sender<()>>,
    },
}

/// The changes of the next write, and who waits to hear it was done.
#[derive(Default)]
struct Pending {
    changes: Changes,
    written: Vec<oneshot::Sender<()>>,
}

impl Pending {
    fn len(&self) -> usize {
        self.changes.opened.len() + self.changes.closed.len()
    }
}

/// The queue of socket changes; [`writer`] drains it.
pub type Queue = mpsc::UnboundedSender<Change>;

/// The most changes written in one statement.
const MAX_BATCH: usize = 5000;

/// Folds queued changes into a batch. A session opened and closed within the same batch is
/// not inserted at all (its close still stamps the user's last seen).
fn fold(batch: &mut Pending, change: Change) {
    match change {
        Change::Opened { session, user } => batch.changes.opened.push((session, user)),
        Change::Closed {
            session,
            user,
            written,
        } => {
            batch.changes.opened.retain(|(s, _)| *s != session);
            batch.changes.closed.push((session, user));
            batch.written.extend(written);
        }
    }
}

/// Writes queued socket changes until cancelled. A failed write is kept and retried with the
/// next batch (after re-registering this instance, in case a peer reaped it meanwhile).
pub async fn writer(state: Arc<AppState>, mut queue: mpsc::UnboundedReceiver<Change>) {
    let mut batch = Pending::default();
    let mut backoff = Duration::from_millis(100);
    loop {
        if batch.changes.is_empty() {
            tokio::select! {
                change = queue.recv() => match change {
                    Some(c) => fold(&mut batch, c),
                    None => return,
                },
                () = state.cancel.cancelled() => return,
            }
        }
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(c) => fold(&mut batch, c),
                Err(_) => break,
            }
        }
        let written = async {
            let mut conn = chat_db::conn(&state.pool).await?;
            presence::apply(&mut conn, state.config.instance_id, &batch.changes).await
        }
        .await;
        match written {
            Ok(()) => {
                for done in std::mem::take(&mut batch).written {
                    let _ = done.send(());
                }
                backoff = Duration::from_millis(100);
            }
            Err(e) => {
                tracing::warn!(error = %e, changes = batch.len(), "cannot record presence; will retry");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = state.cancel.cancelled() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                beat(&state).await;
            }
        }
    }
}

/// The users this instance told were online and has not since told went offline (or handed
/// over to another instance): a user who reconnects within the grace period is not announced
/// again, so a reconnect loop cannot make every room of theirs hear "online" each time.
#[derive(Default)]
pub struct Announced(std::sync::Mutex<std::collections::HashSet<Uuid>>);

impl Announced {
    /// Records `user` as announced; false if they already were.
    fn announce(&self, user: Uuid) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user)
    }

    fn forget(&self, user: Uuid) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&user);
    }
}

/// Queues a new socket and, if it is the user's first here, tells their rooms they are online.
pub async fn connected(
    state: &AppState,
    session_id: Uuid,
    user_id: Uuid,
    first_here: bool,
    room_ids: Vec<Uuid>,
) {
    let _ = state.presence.send(Change::Opened {
        session: session_id,
        user: user_id,
    });
    if !first_here || !state.announced.announce(user_id) {
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

/// Queues a closed socket; if it was the user's last one here, then once the close is written
/// and the grace period is over, if the user has no socket left on any instance, tells their
/// rooms they went offline.
pub fn disconnected(
    state: &Arc<AppState>,
    session_id: Uuid,
    user_id: Uuid,
    last_here: bool,
    room_ids: Vec<Uuid>,
) {
    let (done, written) = if last_here {
        let (done, written) = oneshot::channel();
        (Some(done), Some(written))
    } else {
        (None, None)
    };
    let _ = state.presence.send(Change::Closed {
        session: session_id,
        user: user_id,
        written: done,
    });
    let Some(written) = written else { return };
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let grace = Duration::from_secs(state.config.presence_grace_secs);
        tokio::select! {
            // A write that never comes (the writer stopped) means shutdown: nothing to tell.
            (w, ()) = futures_util::future::join(written, tokio::time::sleep(grace)) => {
                if w.is_err() {
                    return;
                }
            }
            // On shutdown the sockets move to other instances; the reaper covers the rest.
            () = state.cancel.cancelled() => return,
        }
        if state.hub.has_user(user_id) {
            return;
        }
        // Offline now, or online on another instance, which speaks for them from here on.
        state.announced.forget(user_id);
        tell_if_offline(&state, user_id, Some(room_ids)).await;
    });
}

/// Where users who may have gone offline queue to have their presence read (see
/// [`status_batcher`]); `None` answers a read that failed.
pub type Statuses = batch::Queue<Uuid, Option<Status>>;

/// The presence of users whose last socket here closed is read for many at once, in one
/// statement: 10,000 sockets closing together (a gateway killed, nginx reloaded) would
/// otherwise make 10,000 reads on a pool that the reconnects need too.
pub async fn status_batcher(state: Arc<AppState>, queue: batch::Queued<Uuid, Option<Status>>) {
    batch::run(
        queue,
        state.cancel.clone(),
        Limits::by_count(2, 1000),
        |_| 0,
        |users| {
            let state = state.clone();
            async move {
                let read = async {
                    let mut conn = chat_db::conn(&state.pool).await?;
                    presence::status_of(&mut conn, &users, state.fresh_after()).await
                }
                .await;
                match read {
                    Ok(all) => users
                        .iter()
                        .map(|u| Some(all.get(u).copied().unwrap_or_default()))
                        .collect(),
                    Err(e) => {
                        tracing::warn!(error = %e, users = users.len(), "cannot read presence");
                        vec![None; users.len()]
                    }
                }
            }
        },
    )
    .await;
}

/// Tells the user's rooms they are offline, with their last seen, unless a socket of theirs is
/// open somewhere. Without `room_ids` they are asked of the rooms service.
async fn tell_if_offline(state: &AppState, user_id: Uuid, room_ids: Option<Vec<Uuid>>) {
    let Some(status) = batch::ask(&state.statuses, user_id).await.flatten() else {
        return;
    };
    if status.online {
        return;
    }
    let room_ids = match room_ids {
        Some(ids) => ids,
        None => match rooms_of(&state.room_lists, user_id).await {
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

/// Refreshes this instance's heartbeat; if its row had gone (reaped by a peer, or PostgreSQL
/// restarted and emptied the unlogged tables), records every local socket again.
async fn beat(state: &AppState) {
    let result = async {
        let mut conn = chat_db::conn(&state.pool).await?;
        if presence::heartbeat(&mut conn, state.config.instance_id).await? {
            let again = Changes {
                opened: state.hub.sessions(),
                closed: Vec::new(),
            };
            if !again.is_empty() {
                tracing::info!(
                    sessions = again.opened.len(),
                    "this instance's presence was gone: sessions recorded again"
                );
                presence::apply(&mut conn, state.config.instance_id, &again).await?;
            }
        }
        Ok::<_, chat_db::DbError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "presence heartbeat failed");
    }
}

/// Heartbeats until cancelled, then removes this instance. Users of instances found stale go
/// offline, and their rooms are told.
pub async fn heartbeat(state: Arc<AppState>) {
    let every = Duration::from_secs(state.config.heartbeat_secs);
    let (pool, instance_id) = (&state.pool, state.config.instance_id);
    loop {
        beat(&state).await;
        let reaped = async {
            let mut conn = chat_db::conn(pool).await?;
            let stale = presence::stale_instances(&mut conn, state.fresh_after()).await?;
            let mut gone = Vec::new();
            for id in stale {
                let users = presence::remove_instance(&mut conn, id).await?;
                tracing::info!(instance.id = %id, users = users.len(), "removed a stale gateway instance");
                gone.extend(users);
            }
            Ok::<_, chat_db::DbError>(gone)
        };
        match reaped.await {
            Ok(gone) => {
                // At once, so that their reads share batches.
                let state = &state;
                futures_util::future::join_all(
                    gone.into_iter()
                        .map(|user_id| tell_if_offline(state, user_id, None)),
                )
                .await;
            }
            Err(e) => tracing::warn!(error = %e, "reaping stale gateway instances failed"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_opened_and_closed_in_one_batch_are_never_inserted_but_stamp_last_seen() {
        let (s1, s2, u) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut batch = Pending::default();
        fold(
            &mut batch,
            Change::Opened {
                session: s1,
                user: u,
            },
        );
        fold(
            &mut batch,
            Change::Opened {
                session: s2,
                user: u,
            },
        );
        fold(
            &mut batch,
            Change::Closed {
                session: s1,
                user: u,
                written: None,
            },
        );
        let (done, _written) = oneshot::channel();
        fold(
            &mut batch,
            Change::Closed {
                session: s2,
                user: u,
                written: Some(done),
            },
        );
        assert!(batch.changes.opened.is_empty());
        assert_eq!(batch.changes.closed, vec![(s1, u), (s2, u)]);
        assert_eq!(
            batch.written.len(),
            1,
            "the waiter of the last close is kept"
        );
    }
}
