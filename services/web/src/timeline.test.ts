// Edits, deletions, receipts, unread counts from other devices, membership changes and the
// timeline rows built from them.

import { describe, expect, it } from 'vitest';
import { buildRows } from './components/MessageList';
import { parseServerFrame } from './protocol';
import { initialState, reducer, timelineItems, type Action, type ChatState } from './store';
import { BOB, ME, ROOM, msg, summary, user } from './testutil';

function run(actions: Action[], from: ChatState = initialState): ChatState {
  return actions.reduce(reducer, from);
}

const opened = (): ChatState =>
  run([
    { type: 'me', user: user(ME) },
    { type: 'rooms_loaded', rooms: [summary(ROOM, { kind: 'group', last_seq: 3, unread: 3, member_count: 2, last_message: msg(3) })] },
    { type: 'messages_loaded', room_id: ROOM, messages: [msg(1), msg(2), msg(3)], direction: 'latest', has_more: false },
  ]);

describe('rooms, receipts and membership', () => {
  it('an edit replaces the text and marks it edited; a deletion leaves a tombstone everywhere', () => {
    let s = run([{ type: 'message_received', message: msg(2, { body: 'fixed', edited_at: '2024-01-01T12:05:00Z' }) }], opened());
    const items = timelineItems(s.timelines[ROOM]);
    expect(items[1]).toMatchObject({ body: 'fixed', edited: true });
    s = run([{ type: 'message_deleted', room_id: ROOM, seq: 3 }], s);
    expect(timelineItems(s.timelines[ROOM])[2]).toMatchObject({ deleted: true, body: '' });
    expect(s.rooms[0].last_message).toMatchObject({ deleted: true, body: '' });
  });

  it('read by all only moves forward, and room details set it from the lowest watermark', () => {
    let s = run([{ type: 'read_by_all', room_id: ROOM, seq: 2 }, { type: 'read_by_all', room_id: ROOM, seq: 1 }], opened());
    expect(s.readByAll[ROOM]).toBe(2);
    s = run(
      [
        {
          type: 'room_detail',
          room: {
            id: ROOM,
            kind: 'group',
            name: 'g',
            topic: null,
            last_seq: 3,
            created_at: '2024-01-01T12:00:00Z',
            member_count: 2,
            members: [
              { user_id: ME, role: 'owner', last_read_seq: 3 },
              { user_id: BOB, role: 'member', last_read_seq: 3 },
            ],
          },
        },
      ],
      s,
    );
    expect(s.readByAll[ROOM]).toBe(3);
    expect(s.members[ROOM]).toHaveLength(2);
  });

  it('an unread frame from another device sets the count and my watermark', () => {
    const s = run([{ type: 'unread', room_id: ROOM, last_read_seq: 3, unread: 0 }], opened());
    expect(s.rooms[0]).toMatchObject({ unread: 0, last_read_seq: 3 });
    expect(s.receipts[ROOM][ME]).toBe(3);
  });

  it('joins and leaves change the member count and show in the timeline after the newest message', () => {
    let s = run([{ type: 'member_joined', room_id: ROOM, user_id: 'u-carol', role: 'member', at: '2024-01-01T12:10:00Z' }], opened());
    expect(s.rooms[0].member_count).toBe(3);
    expect(s.notices[ROOM]).toEqual([expect.objectContaining({ kind: 'joined', user_id: 'u-carol', after_seq: 3 })]);
    s = run([{ type: 'member_left', room_id: ROOM, user_id: 'u-carol', at: '2024-01-01T12:11:00Z' }], s);
    expect(s.rooms[0].member_count).toBe(2);
    const rows = buildRows(timelineItems(s.timelines[ROOM]), s.notices[ROOM], ME, 'group', null);
    expect(rows.map((r) => (r.kind === 'message' ? r.item.seq : r.notice.kind))).toEqual([1, 2, 3, 'joined', 'left']);
  });

  it('a room I left or that was deleted disappears and closes', () => {
    const s = run([{ type: 'select_room', room_id: ROOM }, { type: 'room_gone', room_id: ROOM }], opened());
    expect(s.rooms).toEqual([]);
    expect(s.selectedRoomId).toBeNull();
  });

  it('the unread divider goes before the first unread message, and only once it is loaded', () => {
    const items = timelineItems(opened().timelines[ROOM]);
    const at = (readUpTo: number | null) =>
      buildRows(items, [], ME, 'group', readUpTo)
        .filter((r) => r.kind === 'message' && r.unreadDivider)
        .map((r) => (r.kind === 'message' ? r.item.seq : null));
    expect(at(1)).toEqual([2]);
    expect(at(0)).toEqual([1]);
    expect(at(3)).toEqual([]);
    expect(at(null)).toEqual([]);
    // Unread messages before the loaded ones: the divider is further up, not here.
    const later = items.slice(1);
    expect(buildRows(later, [], ME, 'group', 0).some((r) => r.kind === 'message' && r.unreadDivider)).toBe(false);
  });
});

describe('frames and message text', () => {
  it('parses the new frames and rejects malformed ones', () => {
    expect(parseServerFrame(JSON.stringify({ type: 'read_by_all', room_id: ROOM, seq: 4 }))).toEqual({ type: 'read_by_all', room_id: ROOM, seq: 4 });
    expect(parseServerFrame(JSON.stringify({ type: 'message_deleted', room_id: ROOM, seq: 4, message_id: 'm' }))?.type).toBe('message_deleted');
    expect(parseServerFrame(JSON.stringify({ type: 'unread', room_id: ROOM, last_read_seq: 4, unread: 0 }))?.type).toBe('unread');
    expect(parseServerFrame(JSON.stringify({ type: 'member_joined', room_id: ROOM, user_id: BOB, role: 'member' }))?.type).toBe('member_joined');
    expect(parseServerFrame(JSON.stringify({ type: 'unread', room_id: ROOM }))).toBeNull();
    expect(parseServerFrame(JSON.stringify({ type: 'message_edited', message: { id: 1 } }))).toBeNull();
  });
});

describe('reactions', () => {
  const thumbs = (user_ids: string[], me?: boolean) => ({ emoji: '👍', count: user_ids.length, user_ids, ...(me === undefined ? {} : { me }) });
  const heart = (user_ids: string[], me?: boolean) => ({ emoji: '❤️', count: user_ids.length, user_ids, ...(me === undefined ? {} : { me }) });
  /** A reactions_changed event for message 2, as the client dispatches it. */
  const changed = (version: number, reactions: ReturnType<typeof thumbs>[], user_id: string, emoji: string, added: boolean): Action => ({
    type: 'reactions',
    room_id: ROOM,
    seq: 2,
    message_id: msg(2).id,
    version,
    reactions,
    change: { user_id, emoji, added },
  });
  const held = (s: ChatState) => s.timelines[ROOM].messages[1];
  const item = (s: ChatState) => timelineItems(s.timelines[ROOM])[1];

  it('a reactions frame applies only over an older version; a duplicate or an older one changes nothing; an edit keeps reactions; a deletion clears them; me follows my own changes', () => {
    const start = opened();
    let s = run([changed(2, [thumbs([BOB])], BOB, '👍', true)], start);
    expect(held(s)).toMatchObject({ reactions_version: 2, reactions: [{ emoji: '👍', count: 1, user_ids: [BOB], me: false }] });
    expect(item(s).reactions).toEqual([{ emoji: '👍', count: 1, user_ids: [BOB], me: false }]);
    // The room list does not follow reactions.
    expect(s.rooms).toBe(start.rooms);

    // A duplicate, or an older summary arriving late, changes nothing.
    expect(run([changed(2, [thumbs([BOB])], BOB, '👍', true)], s)).toBe(s);
    expect(run([changed(1, [], BOB, '👍', false)], s)).toBe(s);
    // Nor does one for another message at that seq, or for a message not held.
    expect(run([{ ...changed(3, [], BOB, '👍', false), message_id: 'm-other' } as Action], s)).toBe(s);
    expect(run([{ ...changed(3, [], BOB, '👍', false), seq: 9 } as Action], s)).toBe(s);

    // My own reaction: pressed; another's on top of it keeps mine.
    s = run([changed(3, [thumbs([BOB, ME])], ME, '👍', true)], s);
    expect(item(s).reactions).toEqual([{ emoji: '👍', count: 2, user_ids: [BOB, ME], me: true }]);
    s = run([changed(4, [thumbs([BOB, ME]), heart([BOB])], BOB, '❤️', true)], s);
    expect(item(s).reactions.map((r) => [r.emoji, r.me])).toEqual([['👍', true], ['❤️', false]]);
    // Past ten reactors my own may not be listed: what was held says it.
    const many = Array.from({ length: 10 }, (_, i) => `u-${i}`);
    s = run([changed(5, [{ ...thumbs(many), count: 12 }, heart([BOB])], 'u-9', '👍', true)], s);
    expect(item(s).reactions.map((r) => r.me)).toEqual([true, false]);
    s = run([changed(6, [{ ...thumbs(many), count: 11 }, heart([BOB])], ME, '👍', false)], s);
    expect(item(s).reactions.map((r) => r.me)).toEqual([false, false]);

    // An edit (no reactions on the wire) keeps them.
    s = run([{ type: 'message_received', message: msg(2, { body: 'fixed', edited_at: '2024-01-01T12:05:00Z' }) }], s);
    expect(item(s)).toMatchObject({ body: 'fixed', edited: true });
    expect(held(s).reactions_version).toBe(6);
    expect(item(s).reactions).toHaveLength(2);

    // A REST answer carries `me` as it is.
    s = run([{ type: 'reactions', room_id: ROOM, seq: 2, message_id: msg(2).id, version: 7, reactions: [heart([BOB, ME], true)] }], s);
    expect(item(s).reactions).toEqual([{ emoji: '❤️', count: 2, user_ids: [BOB, ME], me: true }]);

    // A deletion clears them, and none apply after it.
    s = run([{ type: 'message_deleted', room_id: ROOM, seq: 2 }], s);
    expect(held(s).reactions).toEqual([]);
    expect(item(s).reactions).toEqual([]);
    expect(run([changed(8, [thumbs([BOB])], BOB, '👍', true)], s)).toBe(s);
  });

  it('history brings reactions with me; the newer of two summaries wins when merging', () => {
    let s = run(
      [{ type: 'messages_loaded', room_id: ROOM, messages: [msg(2, { reactions: [thumbs([ME], true)], reactions_version: 3 })], direction: 'after', has_more: false }],
      opened(),
    );
    expect(item(s).reactions).toEqual([{ emoji: '👍', count: 1, user_ids: [ME], me: true }]);
    // An older page fetched earlier keeps the newer summary.
    const older = run(
      [{ type: 'messages_loaded', room_id: ROOM, messages: [msg(2, { reactions: [], reactions_version: 1 })], direction: 'after', has_more: false }],
      s,
    );
    expect(older).toBe(s);
    s = run(
      [{ type: 'messages_loaded', room_id: ROOM, messages: [msg(2, { reactions: [heart([BOB], false)], reactions_version: 4 })], direction: 'after', has_more: false }],
      s,
    );
    expect(item(s).reactions).toEqual([{ emoji: '❤️', count: 1, user_ids: [BOB], me: false }]);
    // Pending sends have none.
    s = run([{ type: 'send_pending', pending: { client_msg_id: 'c-9', room_id: ROOM, sender_id: ME, body: 'x', reply_to: null, created_at: '2024-01-01T12:01:00Z' } }], s);
    expect(timelineItems(s.timelines[ROOM]).at(-1)?.reactions).toEqual([]);
  });
});
