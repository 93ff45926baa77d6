//! Who is connected here and to which rooms. Delivery never waits: a frame is serialised
//! once per event and offered to each socket's bounded queue; a socket whose queue is full is
//! kicked instead of slowing the others. The lock is never held across an await.
//!
//! It also keeps each client's sync cursor moving while its socket stays open: the relay's
//! checkpoints ([`Hub::checkpoint`]) become `cursor` frames for sockets whose live stream is
//! known to be whole, so the next resync or reconnect fetches what the outage missed, not
//! everything since the socket opened.

use chat_db::outbox::Cursor;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub type ConnId = Uuid;

/// One socket as the hub sees it.
struct Conn {
    user_id: Uuid,
    /// The session its token belongs to (`sid`).
    session: Option<Uuid>,
    tx: mpsc::Sender<Arc<str>>,
    /// Cancelled when the socket must go (too slow).
    kick: CancellationToken,
    /// Cancelled when its session was ended (logged out elsewhere, password changed, account
    /// deactivated).
    end: CancellationToken,
    /// Set when the socket was told to resync: its client's sync serves every event before
    /// this place in the log, so such events are not also sent live (after a broker outage
    /// the relay publishes its whole backlog at once, while every client fetches it too).
    synced_below: Option<Cursor>,
    /// Where its live stream is whole: every event at or after this place in the log reaches
    /// the socket (live, or replayed when its room list arrived). `None` until the list
    /// arrived, and for good when that cannot be known (events were dropped from
    /// [`Recent`] before the list came, or the head could not be read after a resync): such a
    /// socket gets no `cursor` frames, and its client keeps the cursor of its last sync.
    live_from: Option<Cursor>,
    /// Set while the client has not shown a sync reaching `live_from`: the events between its
    /// cursor and there may never have come live. Cleared by a `synced` frame at or past it,
    /// or by the `resync` the first checkpoint past it sends.
    band: Option<Cursor>,
    /// Got an event since its last `cursor` frame.
    dirty: AtomicBool,
}

/// Room events offered while some socket's room list is loading, so that each such socket gets
/// those of its rooms once the list arrives (it was subscribed to none of them meanwhile).
/// Bounded: a socket whose first entry was dropped is not sure to have every event
/// ([`Conn::live_from`] stays `None`).
#[derive(Default)]
struct Recent {
    /// The number the next entry gets.
    next: u64,
    entries: VecDeque<RecentEvent>,
}

struct RecentEvent {
    n: u64,
    room: Uuid,
    frame: Arc<str>,
    skip_user: Option<Uuid>,
    at: Option<Cursor>,
}

/// At most this many events kept for loading sockets (a room list takes milliseconds to
/// arrive, seconds in a reconnect storm).
const RECENT_MAX: usize = 16_384;

/// A socket loading its room list.
struct Loading {
    /// Rooms its user left (or that were deleted) meanwhile: the list may have been read
    /// before the removal, and must not subscribe them again.
    left: HashSet<Uuid>,
    /// The first [`Recent`] entry it needs.
    from: u64,
    /// Its live stream is not known whole: its user joined or left a room meanwhile (the
    /// room's events around the change may have reached it in part; a room it left: none of
    /// those before), or a broker reconnect's head could not be read (rare: within the
    /// milliseconds a list takes).
    unsure: bool,
    /// The lowest `live_from` a broker reconnect meanwhile allows ([`Hub::resync_all`]).
    floor: Option<Cursor>,
}

/// What a socket's room list said about the sync log, for [`Hub::loaded`].
#[derive(Debug, Clone, Copy)]
pub struct ListedAt {
    /// The cursor the list was read at (the client's `hello` cursor).
    pub cursor: Cursor,
    /// Where transactions that began after the read start ([`chat_db::outbox::RoomsAtHead`]).
    pub live_from: Cursor,
}

/// A socket as it registers with the hub.
pub struct Entry {
    pub user_id: Uuid,
    pub session: Option<Uuid>,
    pub tx: mpsc::Sender<Arc<str>>,
    pub kick: CancellationToken,
    pub end: CancellationToken,
}

#[derive(Default)]
struct Inner {
    conns: HashMap<ConnId, Conn>,
    by_user: HashMap<Uuid, HashSet<ConnId>>,
    by_room: HashMap<Uuid, HashSet<ConnId>>,
    rooms_of: HashMap<ConnId, HashSet<Uuid>>,
    /// Sockets whose room list is still loading.
    loading: HashMap<ConnId, Loading>,
    /// Cancelled when every socket here must resync (the event queue was lost and rebuilt);
    /// each socket holds the token current when it registered.
    resync: CancellationToken,
}

#[derive(Default)]
pub struct Hub {
    inner: RwLock<Inner>,
    /// Locked only while holding `inner` (never the other way round).
    recent: Mutex<Recent>,
}

impl Hub {
    /// Registers a socket before its rooms are known, so membership events that arrive while
    /// they are being fetched still reach it. Returns true if it is the user's first socket here.
    pub fn add(&self, id: ConnId, entry: Entry) -> bool {
        let Entry {
            user_id,
            session,
            tx,
            kick,
            end,
        } = entry;
        let mut inner = self.write();
        inner.conns.insert(
            id,
            Conn {
                user_id,
                session,
                tx,
                kick,
                end,
                synced_below: None,
                live_from: None,
                band: None,
                dirty: AtomicBool::new(false),
            },
        );
        let from = self.recent().next;
        inner.loading.insert(
            id,
            Loading {
                left: HashSet::new(),
                from,
                unsure: false,
                floor: None,
            },
        );
        let sockets = inner.by_user.entry(user_id).or_default();
        sockets.insert(id);
        let first = sockets.len() == 1;
        inner.rooms_of.entry(id).or_default();
        first
    }

    /// Subscribes a new socket to the rooms its list named, except those its user left while
    /// the list was loading, and offers it, first, the events of those rooms that arrived
    /// meanwhile; from now on it follows membership events alone. `at` is where the list was
    /// read in the sync log: with it the socket's live stream is known to be whole from
    /// `at.live_from` on (unless events it needed were no longer kept), and the client will
    /// get `cursor` frames.
    pub fn loaded(&self, id: ConnId, rooms: &[Uuid], at: Option<ListedAt>) {
        let mut inner = self.write();
        let Some(loading) = inner.loading.remove(&id) else {
            return;
        };
        let rooms: Vec<Uuid> = rooms
            .iter()
            .filter(|r| !loading.left.contains(r))
            .copied()
            .collect();
        // Rooms it joined while loading got their events live since.
        let new: HashSet<Uuid> = {
            let subscribed = inner.rooms_of.get(&id);
            rooms
                .iter()
                .filter(|r| !subscribed.is_some_and(|s| s.contains(r)))
                .copied()
                .collect()
        };
        join_locked(&mut inner, id, &rooms);
        let mut recent = self.recent();
        let first = recent.entries.front().map_or(recent.next, |e| e.n);
        let whole = first <= loading.from && !loading.unsure;
        // Entries are numbered in a row: skip straight to the socket's first.
        let skip = usize::try_from(loading.from.saturating_sub(first)).unwrap_or(usize::MAX);
        for e in recent
            .entries
            .iter()
            .skip(skip)
            .filter(|e| new.contains(&e.room))
        {
            offer(&inner, std::iter::once(&id), &e.frame, e.skip_user, e.at);
        }
        if inner.loading.is_empty() {
            recent.entries.clear();
        }
        drop(recent);
        if let (Some(at), true) = (at, whole)
            && let Some(conn) = inner.conns.get_mut(&id)
        {
            let live_from = at.live_from.max(loading.floor.unwrap_or(at.live_from));
            conn.live_from = Some(live_from);
            conn.band = (at.cursor < live_from).then_some(live_from);
        }
    }

    /// The client of a socket says its sync reached `cursor`: if that is past the socket's
    /// band, its cursor may move on with `cursor` frames from the next checkpoint.
    pub fn synced(&self, id: ConnId, cursor: Cursor) {
        let mut inner = self.write();
        if let Some(conn) = inner.conns.get_mut(&id)
            && conn.band.is_some_and(|band| cursor >= band)
        {
            conn.band = None;
        }
    }

    /// A relay checkpoint: every event before `at` was published before it, so every socket
    /// whose live stream is whole from at or before `at` has had each of them (live, or through
    /// the sync that covered its band). Such a socket that got events since its last `cursor`
    /// frame gets one now; one whose client has not shown a sync covering its band gets a
    /// `resync` instead (that sync reaches `at` at least, so its band is then covered).
    /// Returns how many sockets were sent a frame.
    pub fn checkpoint(&self, at: Cursor) -> usize {
        let (Some(cursor), Some(resync)) = (
            crate::events::encode(&chat_domain::ws::ServerFrame::Cursor {
                cursor: at.encode(),
            }),
            crate::events::encode(&chat_domain::ws::ServerFrame::Resync),
        ) else {
            return 0;
        };
        let mut inner = self.write();
        let (mut cursors, mut resyncs) = (0, 0);
        for (id, conn) in inner.conns.iter_mut() {
            if conn.live_from.is_none_or(|live| at < live) {
                continue;
            }
            let frame = if conn.band.take().is_some() {
                resyncs += 1;
                conn.dirty.store(false, Ordering::Relaxed);
                &resync
            } else if conn.dirty.swap(false, Ordering::Relaxed) {
                cursors += 1;
                &cursor
            } else {
                continue;
            };
            queue(id, conn, frame);
        }
        metrics::counter!("gateway_cursor_frames_total").increment(cursors);
        metrics::counter!("gateway_band_resyncs_total").increment(resyncs);
        (cursors + resyncs) as usize
    }

    /// What a socket watches to learn it must resync: take it before [`Hub::add`], so a resync
    /// between the two still reaches the socket.
    pub fn resync_token(&self) -> CancellationToken {
        self.read().resync.clone()
    }

    /// Tells every socket here to resync what it missed (the gateway's event queue was lost
    /// with its broker connection). `head`, a place in the sync log read after the new queue
    /// began to consume, is where their syncs will reach at least: events before it are no
    /// longer sent live to these sockets. `live_from`, read with it, is where their live
    /// streams are whole again: until a client shows a sync reaching it, its socket gets no
    /// `cursor` frame. Without them (the database did not answer) every event still goes live
    /// and these sockets get no `cursor` frames at all. Sockets that register from now on are
    /// not affected.
    pub fn resync_all(&self, read: Option<(Cursor, Cursor)>) {
        let mut inner = self.write();
        for conn in inner.conns.values_mut() {
            match read {
                Some((head, live_from)) => {
                    conn.synced_below = conn.synced_below.max(Some(head));
                    if let Some(live) = conn.live_from {
                        let live = live.max(live_from);
                        conn.live_from = Some(live);
                        conn.band = Some(live);
                    }
                }
                None => {
                    conn.live_from = None;
                    conn.band = None;
                }
            }
        }
        // Sockets still loading: their list may have been read before the queue was rebuilt.
        for loading in inner.loading.values_mut() {
            match read {
                Some((_, live_from)) => loading.floor = loading.floor.max(Some(live_from)),
                None => loading.unsure = true,
            }
        }
        let old = std::mem::take(&mut inner.resync);
        old.cancel();
    }

    /// Ends the user's sockets of these sessions (they were revoked); returns how many.
    pub fn end_sessions(&self, user_id: Uuid, sessions: &[Uuid]) -> usize {
        let inner = self.read();
        let Some(ids) = inner.by_user.get(&user_id) else {
            return 0;
        };
        let mut ended = 0;
        for conn in ids.iter().filter_map(|id| inner.conns.get(id)) {
            if conn.session.is_some_and(|s| sessions.contains(&s)) {
                conn.end.cancel();
                ended += 1;
            }
        }
        ended
    }

    /// Ends every socket here whose session `revoked` holds (after a reload of the list, for
    /// revocations whose events this instance missed); returns how many.
    pub fn end_revoked(&self, revoked: &chat_http::auth::Revocations) -> usize {
        let inner = self.read();
        let mut ended = 0;
        for conn in inner.conns.values() {
            if conn.session.is_some_and(|s| revoked.contains(&s)) && !conn.end.is_cancelled() {
                conn.end.cancel();
                ended += 1;
            }
        }
        ended
    }

    /// Whether the user has a socket here.
    pub fn has_user(&self, user_id: Uuid) -> bool {
        self.read().by_user.contains_key(&user_id)
    }

    /// Every socket here with its user.
    pub fn sessions(&self) -> Vec<(ConnId, Uuid)> {
        self.read()
            .conns
            .iter()
            .map(|(id, c)| (*id, c.user_id))
            .collect()
    }

    /// Removes a socket; returns true if it was the user's last one here.
    pub fn remove(&self, id: ConnId) -> bool {
        let mut inner = self.write();
        if inner.loading.remove(&id).is_some() && inner.loading.is_empty() {
            self.recent().entries.clear();
        }
        let Some(conn) = inner.conns.remove(&id) else {
            return false;
        };
        for room in inner.rooms_of.remove(&id).unwrap_or_default() {
            if let Some(set) = inner.by_room.get_mut(&room) {
                set.remove(&id);
                if set.is_empty() {
                    inner.by_room.remove(&room);
                }
            }
        }
        let last = match inner.by_user.get_mut(&conn.user_id) {
            Some(set) => {
                set.remove(&id);
                set.is_empty()
            }
            None => true,
        };
        if last {
            inner.by_user.remove(&conn.user_id);
        }
        last
    }

    /// Subscribes one socket to rooms.
    pub fn join_conn(&self, id: ConnId, rooms: &[Uuid]) {
        join_locked(&mut self.write(), id, rooms);
    }

    /// Subscribes every socket of these users to a room (they just became members).
    pub fn join_users(&self, users: &[Uuid], room: Uuid) {
        let conns: Vec<ConnId> = {
            let mut inner = self.write();
            let conns: Vec<ConnId> = users
                .iter()
                .filter_map(|u| inner.by_user.get(u))
                .flatten()
                .copied()
                .collect();
            // Back in the room: a socket still loading may subscribe to it after all.
            for conn in &conns {
                if let Some(loading) = inner.loading.get_mut(conn) {
                    loading.left.remove(&room);
                    loading.unsure = true;
                }
            }
            conns
        };
        for conn in conns {
            self.join_conn(conn, &[room]);
        }
    }

    /// Unsubscribes every socket of these users from a room (they left or were removed), or
    /// every socket when `users` is `None` (the room was deleted).
    pub fn leave_users(&self, users: Option<&[Uuid]>, room: Uuid) {
        let mut inner = self.write();
        let conns: Vec<ConnId> = match users {
            Some(users) => users
                .iter()
                .filter_map(|u| inner.by_user.get(u))
                .flatten()
                .copied()
                .collect(),
            None => inner
                .by_room
                .get(&room)
                .map(|c| c.iter().copied().collect())
                .unwrap_or_default(),
        };
        // Sockets still loading their rooms: the list may name this room; remember to skip it.
        let loading: Vec<ConnId> = match users {
            Some(users) => users
                .iter()
                .filter_map(|u| inner.by_user.get(u))
                .flatten()
                .filter(|c| inner.loading.contains_key(c))
                .copied()
                .collect(),
            None => inner.loading.keys().copied().collect(),
        };
        for conn in loading {
            if let Some(loading) = inner.loading.get_mut(&conn) {
                loading.left.insert(room);
                // A deleted room's events are served by no sync: a cursor past them loses
                // nothing.
                loading.unsure |= users.is_some();
            }
        }
        for conn in conns {
            if let Some(set) = inner.by_room.get_mut(&room) {
                set.remove(&conn);
            }
            if let Some(set) = inner.rooms_of.get_mut(&conn) {
                set.remove(&room);
            }
        }
        if inner.by_room.get(&room).is_some_and(|c| c.is_empty()) {
            inner.by_room.remove(&room);
        }
    }

    pub fn is_subscribed(&self, id: ConnId, room: Uuid) -> bool {
        self.read()
            .rooms_of
            .get(&id)
            .is_some_and(|r| r.contains(&room))
    }

    /// Offers a frame to every socket in the room, optionally skipping one user. `at` is the
    /// event's place in the sync log, if it has one (see [`Hub::resync_all`]). Returns how many
    /// sockets got it.
    pub fn deliver(
        &self,
        room: Uuid,
        frame: &Arc<str>,
        skip_user: Option<Uuid>,
        at: Option<Cursor>,
    ) -> usize {
        let inner = self.read();
        if !inner.loading.is_empty() {
            self.recent().keep(room, frame, skip_user, at);
        }
        let Some(conns) = inner.by_room.get(&room) else {
            return 0;
        };
        offer(&inner, conns.iter(), frame, skip_user, at)
    }

    /// Offers a frame once to every socket subscribed to any of these rooms, optionally
    /// skipping one user.
    pub fn deliver_rooms(
        &self,
        rooms: &[Uuid],
        frame: &Arc<str>,
        skip_user: Option<Uuid>,
    ) -> usize {
        let inner = self.read();
        let targets: HashSet<ConnId> = rooms
            .iter()
            .filter_map(|r| inner.by_room.get(r))
            .flatten()
            .copied()
            .collect();
        offer(&inner, targets.iter(), frame, skip_user, None)
    }

    /// Offers a frame to every socket of one user here (`at` as for [`Hub::deliver`]).
    pub fn deliver_user(&self, user: Uuid, frame: &Arc<str>, at: Option<Cursor>) -> usize {
        let inner = self.read();
        let Some(conns) = inner.by_user.get(&user) else {
            return 0;
        };
        offer(&inner, conns.iter(), frame, None, at)
    }

    /// The rooms a socket is subscribed to.
    pub fn rooms_of(&self, id: ConnId) -> Vec<Uuid> {
        self.read()
            .rooms_of
            .get(&id)
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default()
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Recent {
    fn keep(&mut self, room: Uuid, frame: &Arc<str>, skip_user: Option<Uuid>, at: Option<Cursor>) {
        if self.entries.len() == RECENT_MAX {
            self.entries.pop_front();
        }
        self.entries.push_back(RecentEvent {
            n: self.next,
            room,
            frame: frame.clone(),
            skip_user,
            at,
        });
        self.next += 1;
    }
}

/// Subscribes one socket to rooms.
fn join_locked(inner: &mut Inner, id: ConnId, rooms: &[Uuid]) {
    if !inner.conns.contains_key(&id) {
        return;
    }
    for room in rooms {
        inner.by_room.entry(*room).or_default().insert(id);
        inner.rooms_of.entry(id).or_default().insert(*room);
    }
}

/// Queues a frame for one socket; a full queue kicks it. Whether it was queued.
fn queue(id: &ConnId, conn: &Conn, frame: &Arc<str>) -> bool {
    match conn.tx.try_send(frame.clone()) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!(conn.id = %id, user.id = %conn.user_id, "socket too slow: kicked");
            metrics::counter!("gateway_slow_socket_kicks_total").increment(1);
            conn.kick.cancel();
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

/// Offers a frame to each socket's queue; a full queue kicks its socket.
fn offer<'a>(
    inner: &Inner,
    conns: impl Iterator<Item = &'a ConnId>,
    frame: &Arc<str>,
    skip_user: Option<Uuid>,
    at: Option<Cursor>,
) -> usize {
    let mut delivered = 0;
    let mut synced = 0;
    // One registry lookup per event, not one per socket under the hub's lock.
    let depths = metrics::histogram!("gateway_socket_queue_frames");
    for id in conns {
        let Some(conn) = inner.conns.get(id) else {
            continue;
        };
        if Some(conn.user_id) == skip_user {
            continue;
        }
        if at.is_some() && at < conn.synced_below {
            synced += 1;
            continue;
        }
        if queue(id, conn, frame) {
            delivered += 1;
            if at.is_some() {
                conn.dirty.store(true, Ordering::Relaxed);
            }
            depths.record((conn.tx.max_capacity() - conn.tx.capacity()) as f64);
        }
    }
    metrics::counter!("gateway_deliveries_total").increment(delivered as u64);
    if synced > 0 {
        metrics::counter!("gateway_deliveries_left_to_sync_total").increment(synced);
    }
    delivered
}

#[cfg(test)]
mod tests;
