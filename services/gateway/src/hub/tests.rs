//! The hub's unit tests: delivery, membership while loading, resyncs and cursor frames.

use super::*;

fn entry(user_id: Uuid, tx: mpsc::Sender<Arc<str>>, kick: CancellationToken) -> Entry {
    Entry {
        user_id,
        session: None,
        tx,
        kick,
        end: CancellationToken::new(),
    }
}

#[test]
fn ending_sessions_ends_their_sockets_and_no_other() {
    let hub = Hub::default();
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let (ended, kept) = (Uuid::new_v4(), Uuid::new_v4());
    let mut ends = Vec::new();
    for (user, session) in [(alice, ended), (alice, ended), (alice, kept), (bob, ended)] {
        let end = CancellationToken::new();
        let (tx, _rx) = mpsc::channel(1);
        hub.add(
            Uuid::new_v4(),
            Entry {
                user_id: user,
                session: Some(session),
                tx,
                kick: CancellationToken::new(),
                end: end.clone(),
            },
        );
        ends.push(end);
    }
    assert_eq!(hub.end_sessions(alice, &[ended]), 2);
    let cancelled: Vec<bool> = ends.iter().map(CancellationToken::is_cancelled).collect();
    // Bob's socket names the same session id, but it is not his session to end.
    assert_eq!(cancelled, [true, true, false, false]);
    assert_eq!(hub.end_sessions(Uuid::new_v4(), &[ended]), 0);
}

#[test]
fn frames_reach_members_only_and_slow_sockets_are_kicked() {
    let hub = Hub::default();
    let (alice, bob, room) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let (tx_a, mut rx_a) = mpsc::channel(1);
    let (tx_b, mut rx_b) = mpsc::channel(1);
    let (kick_a, kick_b) = (CancellationToken::new(), CancellationToken::new());
    let (ca, cb) = (Uuid::new_v4(), Uuid::new_v4());
    hub.add(ca, entry(alice, tx_a, kick_a.clone()));
    hub.add(cb, entry(bob, tx_b, kick_b.clone()));
    hub.join_users(&[alice], room);
    let frame: Arc<str> = Arc::from("{}");
    assert_eq!(hub.deliver(room, &frame, None, None), 1);
    assert!(rx_a.try_recv().is_ok());
    assert!(rx_b.try_recv().is_err());
    // Alice stops reading: her queue of one fills and the next frame kicks her.
    hub.deliver(room, &frame, None, None);
    assert!(!kick_a.is_cancelled());
    hub.deliver(room, &frame, None, None);
    assert!(kick_a.is_cancelled());
    assert!(!kick_b.is_cancelled());
    assert!(hub.remove(ca));
    assert_eq!(hub.deliver(room, &frame, None, None), 0);
}

#[test]
fn a_room_left_while_the_socket_loads_its_list_is_not_subscribed() {
    let hub = Hub::default();
    let (alice, left, kept, back) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let (tx, mut rx) = mpsc::channel(8);
    let conn = Uuid::new_v4();
    hub.add(conn, entry(alice, tx, CancellationToken::new()));
    // The list was read before these changes committed; their events come first.
    hub.leave_users(Some(&[alice]), left);
    hub.leave_users(Some(&[alice]), back);
    hub.join_users(&[alice], back);
    hub.loaded(conn, &[left, kept, back], None);
    let mut rooms = hub.rooms_of(conn);
    rooms.sort_unstable();
    let mut expected = vec![kept, back];
    expected.sort_unstable();
    assert_eq!(rooms, expected);
    let frame: Arc<str> = Arc::from("{}");
    assert_eq!(
        hub.deliver(left, &frame, None, None),
        0,
        "nothing more from a room left"
    );
    assert!(rx.try_recv().is_err());
    // Once loaded, later changes go through membership events as before.
    hub.leave_users(Some(&[alice]), kept);
    assert_eq!(hub.rooms_of(conn), vec![back]);
}

#[test]
fn a_resync_reaches_every_socket_registered_before_it_and_none_after() {
    let hub = Hub::default();
    let before = hub.resync_token();
    hub.resync_all(None);
    assert!(before.is_cancelled());
    let after = hub.resync_token();
    assert!(!after.is_cancelled());
}

#[test]
fn after_a_resync_what_the_sync_serves_is_not_also_sent_live() {
    let hub = Hub::default();
    let (alice, bob, room) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let (tx_a, mut rx_a) = mpsc::channel(8);
    let (tx_b, mut rx_b) = mpsc::channel(8);
    let (ca, cb) = (Uuid::new_v4(), Uuid::new_v4());
    hub.add(ca, entry(alice, tx_a, CancellationToken::new()));
    hub.join_conn(ca, &[room]);
    let at = |xid, id| Some(Cursor { xid, id });
    hub.resync_all(at(100, 0).map(|h| (h, h)));
    // Bob's socket came after the resync: it gets everything live, as before.
    hub.add(cb, entry(bob, tx_b, CancellationToken::new()));
    hub.join_conn(cb, &[room]);
    let frame: Arc<str> = Arc::from("{}");
    // Before the head: Alice's sync serves it.
    assert_eq!(hub.deliver(room, &frame, None, at(99, 7)), 1);
    assert!(rx_a.try_recv().is_err());
    assert!(rx_b.try_recv().is_ok());
    assert_eq!(hub.deliver_user(alice, &frame, at(99, 8)), 0);
    // From the head on, and ephemeral events (no place in the log), go live.
    assert_eq!(hub.deliver(room, &frame, None, at(100, 0)), 2);
    assert_eq!(hub.deliver(room, &frame, None, at(101, 3)), 2);
    assert_eq!(hub.deliver(room, &frame, None, None), 2);
    assert_eq!(hub.deliver_rooms(&[room], &frame, None), 2);
    for _ in 0..4 {
        assert!(rx_a.try_recv().is_ok());
        assert!(rx_b.try_recv().is_ok());
    }
    // A second resync never lowers a socket's mark (heads only move forward anyway).
    hub.resync_all(at(50, 0).map(|h| (h, h)));
    assert_eq!(hub.deliver(room, &frame, None, at(60, 0)), 1);
    assert!(rx_a.try_recv().is_err());
}

fn at(xid: i64, id: i64) -> Cursor {
    Cursor { xid, id }
}

fn listed(cursor: Cursor, live_from: Cursor) -> Option<ListedAt> {
    Some(ListedAt { cursor, live_from })
}

/// Everything queued for a socket, as text.
fn drain(rx: &mut mpsc::Receiver<Arc<str>>) -> Vec<String> {
    std::iter::from_fn(|| rx.try_recv().ok())
        .map(|f| f.to_string())
        .collect()
}

#[test]
fn events_of_its_rooms_that_arrive_while_a_socket_loads_reach_it_when_its_list_does() {
    let hub = Hub::default();
    let (alice, mine, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let (tx, mut rx) = mpsc::channel(8);
    let conn = Uuid::new_v4();
    hub.add(conn, entry(alice, tx, CancellationToken::new()));
    let (m1, m2, elsewhere): (Arc<str>, Arc<str>, Arc<str>) =
        (Arc::from("m1"), Arc::from("m2"), Arc::from("elsewhere"));
    hub.deliver(mine, &m1, None, Some(at(101, 1)));
    hub.deliver(other, &elsewhere, None, Some(at(101, 2)));
    hub.deliver(mine, &m2, None, Some(at(102, 3)));
    assert!(drain(&mut rx).is_empty(), "subscribed to nothing yet");
    hub.loaded(conn, &[mine], listed(at(100, 0), at(101, 0)));
    assert_eq!(drain(&mut rx), ["m1", "m2"], "in order, its rooms only");
    // Nobody loads any more: nothing is kept.
    assert!(hub.recent().entries.is_empty());
    let live: Arc<str> = Arc::from("live");
    hub.deliver(mine, &live, None, Some(at(103, 4)));
    assert_eq!(drain(&mut rx), ["live"]);
    // Writers were running while its list was read (its cursor, 100, is below 101, where
    // its live stream is whole): the first checkpoint past 101 asks for a sync of that band.
    assert_eq!(hub.checkpoint(at(104, 0)), 1);
    assert_eq!(drain(&mut rx), [r#"{"type":"resync"}"#]);
}

#[test]
fn a_socket_whose_user_joined_or_left_a_room_while_it_loaded_gets_no_cursor_frames() {
    let hub = Hub::default();
    let room = Uuid::new_v4();
    let event: Arc<str> = Arc::from("event");
    let changes: [fn(&Hub, &[Uuid], Uuid); 2] = [Hub::join_users, |hub, users, room| {
        hub.leave_users(Some(users), room)
    }];
    for change in changes {
        let alice = Uuid::new_v4();
        let (tx, mut rx) = mpsc::channel(8);
        let conn = Uuid::new_v4();
        hub.add(conn, entry(alice, tx, CancellationToken::new()));
        change(&hub, &[alice], Uuid::new_v4());
        hub.loaded(conn, &[room], listed(at(100, 0), at(100, 0)));
        hub.deliver(room, &event, None, Some(at(101, 1)));
        assert_eq!(drain(&mut rx), ["event"]);
        assert_eq!(hub.checkpoint(at(102, 0)), 0);
    }
    // A room deleted meanwhile is not such a change (sync never serves a deleted room).
    let (tx, mut rx) = mpsc::channel(8);
    let conn = Uuid::new_v4();
    hub.add(conn, entry(Uuid::new_v4(), tx, CancellationToken::new()));
    hub.leave_users(None, Uuid::new_v4());
    hub.loaded(conn, &[room], listed(at(100, 0), at(100, 0)));
    hub.deliver(room, &event, None, Some(at(103, 1)));
    assert_eq!(hub.checkpoint(at(104, 0)), 1);
    assert_eq!(drain(&mut rx).len(), 2);
}

#[test]
fn a_socket_whose_loading_events_were_no_longer_kept_gets_no_cursor_frames() {
    let hub = Hub::default();
    let (alice, room) = (Uuid::new_v4(), Uuid::new_v4());
    let (tx, mut rx) = mpsc::channel(8);
    let conn = Uuid::new_v4();
    hub.add(conn, entry(alice, tx, CancellationToken::new()));
    let frame: Arc<str> = Arc::from("{}");
    for i in 0..=RECENT_MAX as i64 {
        hub.deliver(Uuid::new_v4(), &frame, None, Some(at(101, i)));
    }
    hub.loaded(conn, &[room], listed(at(100, 0), at(100, 0)));
    hub.deliver(room, &frame, None, Some(at(200, 1)));
    assert_eq!(drain(&mut rx).len(), 1, "live events still come");
    assert_eq!(hub.checkpoint(at(300, 0)), 0, "but never a cursor");
    assert!(rx.try_recv().is_err());
}

#[test]
fn checkpoints_move_the_cursor_of_a_socket_once_its_band_is_synced() {
    let hub = Hub::default();
    let room = Uuid::new_v4();
    let socket = |list: Option<ListedAt>| {
        let (tx, rx) = mpsc::channel(8);
        let conn = Uuid::new_v4();
        hub.add(conn, entry(Uuid::new_v4(), tx, CancellationToken::new()));
        hub.loaded(conn, &[room], list);
        (conn, rx)
    };
    // Writers were running while its list was read: a band from 100 to 105.
    let (_, mut banded) = socket(listed(at(100, 0), at(105, 0)));
    // None were: its live stream is whole from its hello cursor.
    let (_, mut whole) = socket(listed(at(105, 0), at(105, 0)));
    // Its client shows a sync that covered the band; another's stopped short of it.
    let (reporting, mut reported) = socket(listed(at(100, 0), at(105, 0)));
    hub.synced(reporting, at(105, 0));
    let (short, mut short_rx) = socket(listed(at(100, 0), at(105, 0)));
    hub.synced(short, at(104, 9));
    let event: Arc<str> = Arc::from("event");
    hub.deliver(room, &event, None, Some(at(104, 7)));
    for rx in [&mut banded, &mut whole, &mut reported, &mut short_rx] {
        assert_eq!(drain(rx), ["event"]);
    }
    // Before any live stream is whole: nothing.
    assert_eq!(hub.checkpoint(at(104, 8)), 0);
    assert_eq!(hub.checkpoint(at(106, 0)), 4);
    let cursor = r#"{"type":"cursor","cursor":"106.0"}"#;
    assert_eq!(drain(&mut banded), [r#"{"type":"resync"}"#]);
    assert_eq!(drain(&mut short_rx), [r#"{"type":"resync"}"#]);
    assert_eq!(drain(&mut whole), [cursor]);
    assert_eq!(drain(&mut reported), [cursor]);
    // Nothing new since: no frame. Then an event, and the next checkpoint moves all three.
    assert_eq!(hub.checkpoint(at(107, 0)), 0);
    hub.deliver(room, &event, None, Some(at(107, 1)));
    assert_eq!(hub.checkpoint(at(108, 0)), 4);
    for rx in [&mut banded, &mut whole, &mut reported, &mut short_rx] {
        assert_eq!(
            drain(rx),
            ["event", r#"{"type":"cursor","cursor":"108.0"}"#]
        );
    }
    // Ephemeral frames (typing, presence) have no place in the log and move nothing.
    hub.deliver(room, &event, None, None);
    assert_eq!(hub.checkpoint(at(109, 0)), 0);
    // A socket loaded without knowing where its list was read gets no cursor.
    let (_, mut unsure) = socket(None);
    hub.deliver(room, &event, None, Some(at(109, 1)));
    assert_eq!(hub.checkpoint(at(110, 0)), 4);
    assert_eq!(drain(&mut unsure), ["event"]);
}

#[test]
fn after_a_broker_reconnect_cursors_wait_for_a_sync_past_the_rebuilt_queue() {
    let hub = Hub::default();
    let room = Uuid::new_v4();
    let (tx, mut rx) = mpsc::channel(8);
    let conn = Uuid::new_v4();
    hub.add(conn, entry(Uuid::new_v4(), tx, CancellationToken::new()));
    hub.loaded(conn, &[room], listed(at(100, 0), at(100, 0)));
    let event: Arc<str> = Arc::from("event");
    hub.resync_all(Some((at(200, 0), at(205, 0))));
    hub.deliver(room, &event, None, Some(at(206, 1)));
    assert_eq!(drain(&mut rx), ["event"]);
    assert_eq!(
        hub.checkpoint(at(203, 0)),
        0,
        "its stream is whole from 205 only"
    );
    hub.synced(conn, at(205, 0));
    assert_eq!(hub.checkpoint(at(207, 0)), 1);
    assert_eq!(drain(&mut rx), [r#"{"type":"cursor","cursor":"207.0"}"#]);
    // A reconnect whose head could not be read: no cursor frames from then on.
    hub.resync_all(None);
    hub.deliver(room, &event, None, Some(at(300, 1)));
    assert_eq!(hub.checkpoint(at(400, 0)), 0);
}

#[test]
fn a_socket_in_several_of_the_rooms_gets_a_frame_once() {
    let hub = Hub::default();
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let (r1, r2) = (Uuid::new_v4(), Uuid::new_v4());
    let (tx_a, mut rx_a) = mpsc::channel(8);
    let (tx_b, mut rx_b) = mpsc::channel(8);
    let (ca, cb) = (Uuid::new_v4(), Uuid::new_v4());
    hub.add(ca, entry(alice, tx_a, CancellationToken::new()));
    hub.add(cb, entry(bob, tx_b, CancellationToken::new()));
    hub.join_conn(ca, &[r1, r2]);
    hub.join_conn(cb, &[r1, r2]);
    let frame: Arc<str> = Arc::from("{}");
    assert_eq!(hub.deliver_rooms(&[r1, r2], &frame, Some(bob)), 1);
    assert!(rx_a.try_recv().is_ok());
    assert!(rx_a.try_recv().is_err(), "once, not once per room");
    assert!(rx_b.try_recv().is_err(), "the skipped user gets nothing");
    assert_eq!(hub.deliver_user(bob, &frame, None), 1);
    assert!(rx_b.try_recv().is_ok());
    let mut rooms = hub.rooms_of(ca);
    rooms.sort_unstable();
    let mut expected = vec![r1, r2];
    expected.sort_unstable();
    assert_eq!(rooms, expected);
}
