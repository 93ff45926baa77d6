import { describe, expect, it } from 'vitest';
import {
  applyMessageToRoom,
  createStore,
  initialState,
  mergeMessages,
  peersReadSeq,
  reducer,
  sortRooms,
  timelineItems,
  totalMentions,
  totalUnread,
  type Action,
  type ChatState,
} from './store';
import { BOB, ME, ROOM, msg, summary, user } from './testutil';

function run(actions: Action[], from: ChatState = initialState): ChatState {
  return actions.reduce(reducer, from);
}

const withMe = (): ChatState => run([{ type: 'me', user: user(ME) }]);

describe('mergeMessages', () => {
  it('sorts by seq whatever the arrival order', () => {
    const out = mergeMessages([], [msg(3), msg(1), msg(2)]);
    expect(out.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('interleaves a later page with what is held', () => {
    const out = mergeMessages([msg(2), msg(5)], [msg(4), msg(1), msg(3)]);
    expect(out.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps one copy of a message seen twice', () => {
    const out = mergeMessages([msg(1), msg(2)], [msg(2), msg(2), msg(3)]);
    expect(out.map((m) => m.id)).toEqual([msg(1).id, msg(2).id, msg(3).id]);
  });

  it('returns the same array when nothing new arrives', () => {
    const held = [msg(1), msg(2)];
    expect(mergeMessages(held, [msg(1), { ...msg(2) }])).toBe(held);
    expect(mergeMessages(held, [])).toBe(held);
  });

  it('replaces a message whose content changed (edit)', () => {
    const edited = { ...msg(2), body: 'fixed', edited_at: '2024-01-02T00:00:00Z' };
    const out = mergeMessages([msg(1), msg(2)], [edited]);
    expect(out).toHaveLength(2);
    expect(out[1].body).toBe('fixed');
  });

  it('keeps the reactions of the higher version, and held ones when the incoming copy has none', () => {
    const r = (emoji: string) => [{ emoji, count: 1, user_ids: [BOB] }];
    const held = [msg(1), msg(2, { reactions: r('👍'), reactions_version: 3 })];
    // An edit or an ack carries no reactions: the held ones stay.
    const edited = mergeMessages(held, [msg(2, { body: 'fixed', edited_at: '2024-01-02T00:00:00Z' })]);
    expect(edited[1]).toMatchObject({ body: 'fixed', reactions: r('👍'), reactions_version: 3 });
    // An older summary is not taken; a newer one is.
    expect(mergeMessages(held, [msg(2, { reactions: [], reactions_version: 2 })])).toBe(held);
    expect(mergeMessages(held, [msg(2, { reactions: r('🔥'), reactions_version: 4 })])[1]).toMatchObject({ reactions: r('🔥'), reactions_version: 4 });
    // A deleted copy has none.
    expect(mergeMessages(held, [msg(2, { deleted: true, body: '' })])[1]).toMatchObject({ deleted: true, reactions: [] });
  });

  it('keeps a file\'s links from a REST answer when a copy without them (a live frame, an edit) comes', () => {
    const file = { id: 'a-1', name: 'f.txt', content_type: 'text/plain', size: 3, thumbnail: false };
    const signed = { ...file, url: '/f?expires=1&signature=x', thumbnail_url: null };
    const held = [msg(1), msg(2, { attachment: signed })];
    // The same message again without links: nothing changes.
    expect(mergeMessages(held, [msg(2, { attachment: file })])).toBe(held);
    // Its caption edited: the edit is taken, the links stay.
    const edited = mergeMessages(held, [msg(2, { attachment: file, body: 'new', edited_at: '2024-01-02T00:00:00Z' })]);
    expect(edited[1]).toMatchObject({ body: 'new', attachment: signed });
    // A later answer's links replace them.
    const newer = { ...file, url: '/f?expires=2&signature=y' };
    expect(mergeMessages(held, [msg(2, { attachment: newer })])[1].attachment).toEqual(newer);
    // A live frame first, its page after: the page's links are taken.
    expect(mergeMessages([msg(2, { attachment: file })], [msg(2, { attachment: signed })])[0].attachment).toEqual(signed);
    // Another file (or none, once deleted) has nothing of them.
    expect(mergeMessages(held, [msg(2, { attachment: { ...file, id: 'a-2' } })])[1].attachment).toEqual({ ...file, id: 'a-2' });
    expect(mergeMessages(held, [msg(2, { deleted: true, body: '', attachment: null })])[1].attachment).toBeNull();
  });

  it('lets the server decide which message holds a seq', () => {
    const other = { ...msg(2), id: 'm-other' };
    const out = mergeMessages([msg(1), msg(2)], [other]);
    expect(out.map((m) => m.id)).toEqual([msg(1).id, 'm-other']);
  });
});

describe('pending sends', () => {
  const pending = (id = 'c-1', body = 'hi'): Action => ({
    type: 'send_pending',
    pending: { client_msg_id: id, room_id: ROOM, sender_id: ME, body, reply_to: null, created_at: '2024-01-01T13:00:00Z' },
  });
  const stored = (seq: number, cmid = 'c-1') => msg(seq, { sender_id: ME, client_msg_id: cmid, body: 'hi' });

  it('shows a send at once as pending, after the confirmed messages', () => {
    const s = run([{ type: 'messages_loaded', room_id: ROOM, messages: [msg(1)], direction: 'latest', has_more: false }, pending()], withMe());
    const items = timelineItems(s.timelines[ROOM]);
    expect(items.map((i) => [i.status, i.seq])).toEqual([
      ['sent', 1],
      ['pending', null],
    ]);
  });

  it('turns pending into sent on ack, keeping the same key', () => {
    let s = run([pending()], withMe());
    const before = timelineItems(s.timelines[ROOM])[0];
    s = reducer(s, { type: 'message_received', message: stored(7) });
    const items = timelineItems(s.timelines[ROOM]);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: 'sent', seq: 7, key: before.key });
    expect(s.timelines[ROOM].pending).toEqual([]);
  });

  it('dedupes the ack and the message_created echo of the same send', () => {
    const s = run([pending(), { type: 'message_received', message: stored(7) }, { type: 'message_received', message: stored(7) }], withMe());
    expect(timelineItems(s.timelines[ROOM])).toHaveLength(1);
  });

  it('settles a pending send when a fetch brings its message (ack lost)', () => {
    const s = run([pending(), { type: 'messages_loaded', room_id: ROOM, messages: [stored(3)], direction: 'after', has_more: false }], withMe());
    expect(s.timelines[ROOM].pending).toEqual([]);
    expect(s.timelines[ROOM].messages.map((m) => m.seq)).toEqual([3]);
  });

  it('does not settle on the same client_msg_id from another sender', () => {
    const s = run([pending(), { type: 'message_received', message: msg(3, { sender_id: BOB, client_msg_id: 'c-1' }) }], withMe());
    expect(s.timelines[ROOM].pending).toHaveLength(1);
  });

  it('goes pending -> failed -> pending (retry) -> sent', () => {
    let s = run([pending()], withMe());
    s = reducer(s, { type: 'send_failed', room_id: ROOM, client_msg_id: 'c-1', error: 'rate limited' });
    expect(timelineItems(s.timelines[ROOM])[0]).toMatchObject({ status: 'failed', error: 'rate limited' });
    s = reducer(s, { type: 'send_retry', room_id: ROOM, client_msg_id: 'c-1' });
    expect(timelineItems(s.timelines[ROOM])[0]).toMatchObject({ status: 'pending', error: null });
    s = reducer(s, { type: 'message_received', message: stored(1) });
    expect(timelineItems(s.timelines[ROOM]).map((i) => i.status)).toEqual(['sent']);
  });

  it('keeps pending sends in the order they were written', () => {
    const s = run([pending('c-1', 'a'), pending('c-2', 'b'), pending('c-1', 'a')], withMe());
    expect(timelineItems(s.timelines[ROOM]).map((i) => i.body)).toEqual(['a', 'b']);
  });

  it('keeps pending sends across a timeline reset', () => {
    const s = run(
      [{ type: 'messages_loaded', room_id: ROOM, messages: [msg(1)], direction: 'latest', has_more: false }, pending(), { type: 'timeline_reset', room_id: ROOM }],
      withMe(),
    );
    expect(s.timelines[ROOM].messages).toEqual([]);
    expect(s.timelines[ROOM].loaded).toBe(false);
    expect(s.timelines[ROOM].pending).toHaveLength(1);
  });
});

describe('pages', () => {
  it('records whether older history exists from latest and before pages', () => {
    let s = run([{ type: 'messages_loaded', room_id: ROOM, messages: [msg(51), msg(52)], direction: 'latest', has_more: true }], withMe());
    expect(s.timelines[ROOM]).toMatchObject({ loaded: true, hasMoreBefore: true });
    s = reducer(s, { type: 'messages_loaded', room_id: ROOM, messages: [msg(49), msg(50)], direction: 'before', has_more: false });
    expect(s.timelines[ROOM].hasMoreBefore).toBe(false);
    expect(s.timelines[ROOM].messages.map((m) => m.seq)).toEqual([49, 50, 51, 52]);
    // A catch-up page says nothing about older history.
    s = reducer(s, { type: 'messages_loaded', room_id: ROOM, messages: [msg(53)], direction: 'after', has_more: true });
    expect(s.timelines[ROOM].hasMoreBefore).toBe(false);
  });
});

describe('unread counting', () => {
  const loaded = (over = {}) => run([{ type: 'rooms_loaded', rooms: [summary(ROOM, { last_seq: 4, last_read_seq: 4, ...over })] }], withMe());

  it('counts a new message from someone else', () => {
    const s = reducer(loaded(), { type: 'message_received', message: msg(5) });
    expect(s.rooms[0]).toMatchObject({ unread: 1, last_seq: 5 });
    expect(s.rooms[0].last_message?.seq).toBe(5);
  });

  it('counts a replayed frame once', () => {
    const s = run([{ type: 'message_received', message: msg(5) }, { type: 'message_received', message: msg(5) }], loaded());
    expect(s.rooms[0].unread).toBe(1);
  });

  it('does not count a message the room list already counted', () => {
    const s = reducer(loaded({ last_seq: 5, unread: 1 }), { type: 'message_received', message: msg(5) });
    expect(s.rooms[0].unread).toBe(1);
  });

  it('does not count own messages, and treats them as read', () => {
    const s = reducer(loaded(), { type: 'message_received', message: msg(5, { sender_id: ME }) });
    expect(s.rooms[0]).toMatchObject({ unread: 0, last_read_seq: 5, last_seq: 5 });
  });

  it('counts every new message of a catch-up page', () => {
    const s = reducer(loaded(), { type: 'messages_loaded', room_id: ROOM, messages: [msg(7), msg(5), msg(6, { sender_id: ME })], direction: 'after', has_more: false });
    expect(s.rooms[0]).toMatchObject({ unread: 2, last_seq: 7 });
  });

  it('takes the server count after marking read', () => {
    let s = run([{ type: 'message_received', message: msg(5) }, { type: 'message_received', message: msg(6) }], loaded());
    expect(s.rooms[0].unread).toBe(2);
    s = reducer(s, { type: 'read_marked', result: { room_id: ROOM, last_read_seq: 6, unread: 0 } });
    expect(s.rooms[0]).toMatchObject({ unread: 0, last_read_seq: 6 });
    expect(totalUnread(s)).toBe(0);
  });

  it('keeps counting messages that came before a late unread frame for an older mark', () => {
    let s = run([5, 6].map((n): Action => ({ type: 'message_received', message: msg(n) })), loaded());
    s = reducer(s, { type: 'read_marked', result: { room_id: ROOM, last_read_seq: 6, unread: 0 } });
    // 7 and 8 arrive; then the frame of the mark at 6, counted before they were stored.
    s = run([7, 8].map((n): Action => ({ type: 'message_received', message: msg(n) })), s);
    expect(s.rooms[0].unread).toBe(2);
    s = reducer(s, { type: 'unread', room_id: ROOM, last_read_seq: 6, unread: 0 });
    expect(s.rooms[0]).toMatchObject({ unread: 2, last_read_seq: 6 });
    // A frame of a mark older than the room's changes nothing.
    s = reducer(s, { type: 'unread', room_id: ROOM, last_read_seq: 5, unread: 1 });
    expect(s.rooms[0]).toMatchObject({ unread: 2, last_read_seq: 6 });
    // Reading up to 8 elsewhere brings it to the server's count.
    s = reducer(s, { type: 'unread', room_id: ROOM, last_read_seq: 8, unread: 0 });
    expect(s.rooms[0]).toMatchObject({ unread: 0, last_read_seq: 8 });
  });

  it('lowers unread when I read on another device', () => {
    let s = run([5, 6, 7].map((n): Action => ({ type: 'message_received', message: msg(n) })), loaded());
    s = reducer(s, { type: 'read_receipt', room_id: ROOM, user_id: ME, seq: 6 });
    expect(s.rooms[0]).toMatchObject({ unread: 1, last_read_seq: 6 });
    // An older receipt changes nothing.
    expect(reducer(s, { type: 'read_receipt', room_id: ROOM, user_id: ME, seq: 5 }).rooms[0].unread).toBe(1);
  });

  it('keeps a live message that is newer than a room list fetched before it', () => {
    let s = reducer(loaded(), { type: 'message_received', message: msg(5) });
    s = reducer(s, { type: 'rooms_loaded', rooms: [summary(ROOM, { last_seq: 4, last_read_seq: 4 })] });
    expect(s.rooms[0]).toMatchObject({ last_seq: 5, unread: 1 });
  });

  it('sums unread over rooms', () => {
    const s = run([{ type: 'rooms_loaded', rooms: [summary('a', { unread: 2 }), summary('b', { unread: 3 })] }], withMe());
    expect(totalUnread(s)).toBe(5);
  });

  it('does not count a message from someone I blocked as unread', () => {
    let s = run([{ type: 'rooms_loaded', rooms: [summary(ROOM, { last_seq: 4, last_read_seq: 4 })] }], withMe());
    s = reducer(s, { type: 'block_changed', user_id: BOB, blocked: true });
    s = reducer(s, { type: 'message_received', message: msg(5) });
    expect(s.rooms[0]).toMatchObject({ last_seq: 5, unread: 0 });
    s = reducer(s, { type: 'block_changed', user_id: BOB, blocked: false });
    s = reducer(s, { type: 'message_received', message: msg(6) });
    expect(s.rooms[0]).toMatchObject({ last_seq: 6, unread: 1 });
  });

  it('applyMessageToRoom ignores an older message', () => {
    const room = summary(ROOM, { last_seq: 9, last_message: msg(9) });
    expect(applyMessageToRoom(room, msg(3), ME)).toBe(room);
  });
});

describe('rooms', () => {
  it('sorts newest activity first and moves a room up on a new message', () => {
    const a = summary('a', { last_activity_at: '2024-01-01T10:00:00Z' });
    const b = summary('b', { last_activity_at: '2024-01-01T11:00:00Z' });
    expect(sortRooms([a, b]).map((r) => r.id)).toEqual(['b', 'a']);
    let s = run([{ type: 'rooms_loaded', rooms: [a, b] }], withMe());
    s = reducer(s, { type: 'message_received', message: msg(1, { room_id: 'a', created_at: '2024-01-01T12:00:00Z' }) });
    expect(s.rooms.map((r) => r.id)).toEqual(['a', 'b']);
  });
});

describe('receipts, typing, presence', () => {
  it('tracks the highest seq read by others', () => {
    const s = run(
      [
        { type: 'room_detail', room: { id: ROOM, kind: 'direct', name: null, topic: null, last_seq: 9, created_at: '', member_count: 2, members: [{ user_id: ME, role: 'member', last_read_seq: 9 }, { user_id: BOB, role: 'member', last_read_seq: 3 }] } },
        { type: 'read_receipt', room_id: ROOM, user_id: BOB, seq: 5 },
        { type: 'read_receipt', room_id: ROOM, user_id: BOB, seq: 4 },
      ],
      withMe(),
    );
    expect(peersReadSeq(s, ROOM, ME)).toBe(5);
  });

  it('clears typing only with the timer of the latest typing frame', () => {
    let s = run([{ type: 'typing', room_id: ROOM, user_id: BOB, until: 100 }, { type: 'typing', room_id: ROOM, user_id: BOB, until: 200 }], withMe());
    s = reducer(s, { type: 'typing_clear', room_id: ROOM, user_id: BOB, until: 100 });
    expect(s.typing[ROOM]).toEqual({ [BOB]: 200 });
    s = reducer(s, { type: 'typing_clear', room_id: ROOM, user_id: BOB, until: 200 });
    expect(s.typing[ROOM]).toEqual({});
  });

  it('stops showing typing once that user’s message arrives, and ignores my own typing', () => {
    let s = run([{ type: 'typing', room_id: ROOM, user_id: BOB, until: 100 }, { type: 'typing', room_id: ROOM, user_id: ME, until: 100 }], withMe());
    expect(Object.keys(s.typing[ROOM])).toEqual([BOB]);
    s = reducer(s, { type: 'message_received', message: msg(1) });
    expect(s.typing[ROOM]).toEqual({});
  });

  it('takes presence from user records and then from presence frames', () => {
    let s = run([{ type: 'users', users: [user(BOB, { online: true })] }], withMe());
    expect(s.presence[BOB]).toBe(true);
    s = reducer(s, { type: 'presence', user_id: BOB, online: false });
    expect(s.presence[BOB]).toBe(false);
    // A later user fetch does not override the live presence.
    s = reducer(s, { type: 'users', users: [user(BOB, { online: true })] });
    expect(s.presence[BOB]).toBe(false);
  });

  it('takes a new display name from a user_renamed frame, mine into me too', () => {
    let s = run([{ type: 'users', users: [user(BOB)] }], withMe());
    s = reducer(s, { type: 'user_renamed', user_id: BOB, display_name: 'Robert' });
    expect(s.users[BOB].display_name).toBe('Robert');
    s = reducer(s, { type: 'user_renamed', user_id: ME, display_name: 'Me Myself' });
    expect(s.me?.display_name).toBe('Me Myself');
    expect(s.users[ME].display_name).toBe('Me Myself');
    // Someone not held yet is fetched when shown, with the new name already.
    const unknown = reducer(s, { type: 'user_renamed', user_id: 'someone-else', display_name: 'X' });
    expect(unknown.users['someone-else']).toBeUndefined();
  });
});

describe('createStore', () => {
  it('notifies subscribers only when the state changes', () => {
    const store = createStore();
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.dispatch({ type: 'connection', status: 'online' });
    store.dispatch({ type: 'connection', status: 'online' });
    expect(calls).toBe(1);
    unsubscribe();
    store.dispatch({ type: 'connection', status: 'offline' });
    expect(calls).toBe(1);
    expect(store.getState().connection).toBe('offline');
  });
});

describe('blocks and rooms I was added to', () => {
  it('keeps whom I blocked, and forgets an unblocked one', () => {
    let s = reducer(initialState, { type: 'blocks_loaded', user_ids: ['b1', 'b2'] });
    expect(Object.keys(s.blocked).sort()).toEqual(['b1', 'b2']);
    s = reducer(s, { type: 'block_changed', user_id: 'b1', blocked: false });
    s = reducer(s, { type: 'block_changed', user_id: 'b3', blocked: true });
    expect(Object.keys(s.blocked).sort()).toEqual(['b2', 'b3']);
  });

  it('remembers who added me to a room until I leave or stay', () => {
    let s = reducer(initialState, { type: 'added_to_room', room_id: 'r', by: 'alice' });
    expect(s.addedBy.r).toBe('alice');
    s = reducer(s, { type: 'added_seen', room_id: 'r' });
    expect(s.addedBy.r).toBeUndefined();
    expect(reducer(s, { type: 'added_seen', room_id: 'r' })).toBe(s);
  });
});

describe('pinned messages and forwarded ones', () => {
  const pin = (seq: number, over: Partial<ReturnType<typeof msg>> = {}) => ({
    message: msg(seq, over),
    pinned_by: ME,
    pinned_at: new Date(Date.UTC(2024, 0, 2, 0, 0, seq)).toISOString(),
  });
  const withPins = () =>
    run(
      [
        { type: 'rooms_loaded', rooms: [summary(ROOM, { kind: 'group', last_seq: 3 })] },
        { type: 'pins', room_id: ROOM, pins: [pin(3), pin(1)] },
      ],
      withMe(),
    );
  const pinned = (s: ChatState) => (s.pins[ROOM] ?? []).map((p) => [p.message.seq, p.message.body]);

  it('keeps the pins of a room as given, and the same state for the same pins again', () => {
    const s = withPins();
    expect(pinned(s)).toEqual([
      [3, 'message 3'],
      [1, 'message 1'],
    ]);
    expect(reducer(s, { type: 'pins', room_id: ROOM, pins: [pin(3), pin(1)] })).toBe(s);
    expect(pinned(reducer(s, { type: 'pins', room_id: ROOM, pins: [] }))).toEqual([]);
    // Other rooms' pins are not touched.
    expect(reducer(s, { type: 'pins', room_id: 'r-2', pins: [pin(1, { room_id: 'r-2' })] }).pins[ROOM]).toBe(s.pins[ROOM]);
  });

  it('shows an edit of a pinned message in its pin, live or from a page; a late older edit changes nothing', () => {
    let s = withPins();
    const edited = msg(1, { body: 'fixed', edited_at: '2024-01-03T00:00:00Z' });
    s = reducer(s, { type: 'message_received', message: edited });
    expect(pinned(s)).toEqual([
      [3, 'message 3'],
      [1, 'fixed'],
    ]);
    expect(s.pins[ROOM][1].pinned_at).toBe(pin(1).pinned_at);
    const older = msg(1, { body: 'first fix', edited_at: '2024-01-02T12:00:00Z' });
    expect(reducer(s, { type: 'message_received', message: older }).pins).toBe(s.pins);
    // The same message again (a page, an echo) changes nothing either.
    expect(reducer(s, { type: 'message_received', message: edited }).pins).toBe(s.pins);
    s = reducer(s, {
      type: 'messages_loaded',
      room_id: ROOM,
      messages: [msg(3, { body: 'also fixed', edited_at: '2024-01-03T00:00:00Z' })],
      direction: 'after',
      has_more: false,
    });
    expect(pinned(s)[0]).toEqual([3, 'also fixed']);
  });

  it('unpins a deleted message, from a deletion or a page that shows it deleted', () => {
    let s = withPins();
    s = reducer(s, { type: 'message_deleted', room_id: ROOM, seq: 3 });
    expect(pinned(s)).toEqual([[1, 'message 1']]);
    expect(reducer(s, { type: 'message_deleted', room_id: ROOM, seq: 2 }).pins).toBe(s.pins);
    s = reducer(s, {
      type: 'messages_loaded',
      room_id: ROOM,
      messages: [msg(1, { deleted: true, body: '' })],
      direction: 'latest',
      has_more: false,
    });
    expect(pinned(s)).toEqual([]);
  });

  it('forgets the pins of a room I am no longer in', () => {
    const s = reducer(withPins(), { type: 'room_gone', room_id: ROOM });
    expect(s.pins[ROOM]).toBeUndefined();
  });

  it('keeps who wrote a forwarded message in its timeline item', () => {
    const from = { sender_id: BOB, created_at: '2023-12-31T00:00:00Z' };
    const s = run([{ type: 'message_received', message: msg(1, { sender_id: ME, forwarded_from: from }) }, { type: 'message_received', message: msg(2) }], withMe());
    expect(timelineItems(s.timelines[ROOM]).map((i) => i.forwarded_from)).toEqual([from, null]);
  });
});

describe('mentions counting', () => {
  const MEID = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
  const other = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5c';
  const start = (over = {}) =>
    run([{ type: 'me', user: user(MEID) }, { type: 'rooms_loaded', rooms: [summary(ROOM, { last_seq: 4, last_read_seq: 4, ...over })] }]);
  const toMe = (seq: number, over = {}) => msg(seq, { body: `hey <@${MEID}>`, ...over });

  it('takes the room list’s count, and sums it over rooms', () => {
    const s = run(
      [{ type: 'rooms_loaded', rooms: [summary('a', { unread: 3, mentions: 1 }), summary('b', { unread: 2, mentions: 2 }), summary('c', { unread: 4 })] }],
      start(),
    );
    expect(s.rooms.map((r) => r.mentions ?? 0).sort()).toEqual([0, 1, 2]);
    expect(totalMentions(s)).toBe(3);
  });

  it('counts a live message that mentions me, or everyone, from someone else and newer than my mark, once', () => {
    let s = reducer(start(), { type: 'message_received', message: toMe(5) });
    expect(s.rooms[0]).toMatchObject({ unread: 1, mentions: 1 });
    s = reducer(s, { type: 'message_received', message: toMe(5) });
    expect(s.rooms[0]).toMatchObject({ unread: 1, mentions: 1 });
    s = reducer(s, { type: 'message_received', message: msg(6, { body: '<@room> lunch' }) });
    expect(s.rooms[0]).toMatchObject({ unread: 2, mentions: 2 });
    // Not: someone else mentioned, a message without a token, my own, an edit of an older one.
    s = run(
      [
        { type: 'message_received', message: msg(7, { body: `hey <@${other}>` }) },
        { type: 'message_received', message: msg(8, { body: 'hey @me' }) },
        { type: 'message_received', message: toMe(9, { sender_id: MEID }) },
        { type: 'message_received', message: toMe(2, { edited_at: '2024-01-02T00:00:00Z' }) },
      ],
      s,
    );
    expect(s.rooms[0]).toMatchObject({ unread: 4, mentions: 2 });
    expect(totalMentions(s)).toBe(2);
  });

  it('does not count a mention by someone I blocked', () => {
    const s = run([{ type: 'block_changed', user_id: BOB, blocked: true }, { type: 'message_received', message: toMe(5) }], start());
    expect(s.rooms[0]).toMatchObject({ last_seq: 5, unread: 0 });
    expect(totalMentions(s)).toBe(0);
  });

  it('takes the count of the mark-read answer and of the unread frame, counting what came after the mark', () => {
    let s = run([5, 6].map((n): Action => ({ type: 'message_received', message: toMe(n) })), start());
    expect(s.rooms[0].mentions).toBe(2);
    s = reducer(s, { type: 'read_marked', result: { room_id: ROOM, last_read_seq: 6, unread: 0, mentions: 0 } });
    expect(s.rooms[0]).toMatchObject({ unread: 0, mentions: 0 });
    // 7 mentions me and arrives; the frame of the mark at 6, counted before it, comes later.
    s = reducer(s, { type: 'message_received', message: toMe(7) });
    s = reducer(s, { type: 'unread', room_id: ROOM, last_read_seq: 6, unread: 0, mentions: 0 });
    expect(s.rooms[0]).toMatchObject({ unread: 1, mentions: 1 });
    // Another device read up to 7.
    s = reducer(s, { type: 'unread', room_id: ROOM, last_read_seq: 7, unread: 0, mentions: 0 });
    expect(s.rooms[0]).toMatchObject({ unread: 0, mentions: 0, last_read_seq: 7 });
    expect(totalMentions(s)).toBe(0);
  });

  it('replaces a local count by the server’s, which may know of more', () => {
    const s = reducer(start({ last_seq: 9, unread: 5, mentions: 0 }), { type: 'unread', room_id: ROOM, last_read_seq: 4, unread: 5, mentions: 3 });
    expect(s.rooms[0]).toMatchObject({ unread: 5, mentions: 3 });
  });

  it('never counts more mentions than unread messages when read elsewhere', () => {
    let s = run([5, 6, 7].map((n): Action => ({ type: 'message_received', message: toMe(n) })), start());
    s = reducer(s, { type: 'read_receipt', room_id: ROOM, user_id: MEID, seq: 6 });
    expect(s.rooms[0]).toMatchObject({ unread: 1, mentions: 1 });
  });
});
