import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, type Api, type MessageQuery } from './api';
import { ChatClient, CONNECTING_GRACE_MS, TYPING_SHOW_MS } from './client';
import type { EventPayload, Message, MessagePage, Pin, SyncPage } from './protocol';
import { createStore, timelineItems, type Store } from './store';
import { BOB, FakeSocket, ME, ROOM, msg, summary, user } from './testutil';

/** A backend in memory: one direct room with Bob. */
class FakeBackend {
  messages: Message[] = [];
  listRoomsCalls = 0;
  queries: MessageQuery[] = [];
  reads: number[] = [];
  failRooms: ApiError | null = null;
  /** The sync log: each event at its cursor (a number here); older than `horizon` resets. */
  log: { at: number; payload: EventPayload }[] = [];
  horizon = 0;
  syncs: string[] = [];
  /** The pins of every room, the latest first, and the rooms whose pins were read. */
  pins: Pin[] = [];
  pinReads: string[] = [];
  /** The messages whose file links were asked for (`GET …/attachment/link`). */
  linkReads: number[] = [];

  add(m: Message) {
    this.messages.push(m);
  }

  api(): Api {
    const page = (q: MessageQuery): MessagePage => {
      this.queries.push(q);
      const limit = q.limit ?? 50;
      let ms = [...this.messages].sort((a, b) => a.seq - b.seq);
      if (q.after !== undefined) {
        ms = ms.filter((m) => m.seq > q.after!);
        return { messages: ms.slice(0, limit), has_more: ms.length > limit, has_older: false, has_newer: ms.length > limit };
      }
      if (q.before !== undefined) ms = ms.filter((m) => m.seq < q.before!);
      return { messages: ms.slice(-limit), has_more: ms.length > limit, has_older: ms.length > limit, has_newer: false };
    };
    const last = () => this.messages.reduce((n, m) => Math.max(n, m.seq), 0);
    return {
      refresh: vi.fn(async () => 'ok' as const),
      me: vi.fn(async () => user(ME)),
      getUser: vi.fn(async (id: string) => user(id)),
      listRooms: vi.fn(async () => {
        this.listRoomsCalls++;
        if (this.failRooms) throw this.failRooms;
        return [summary(ROOM, { last_seq: last(), last_read_seq: 0, unread: 0, last_message: this.messages.at(-1) ?? null })];
      }),
      getRoom: vi.fn(async (id: string) => ({ id, kind: 'direct' as const, name: null, topic: null, last_seq: last(), created_at: '', member_count: 2, members: [{ user_id: ME, role: 'member' as const, last_read_seq: 0 }, { user_id: BOB, role: 'member' as const, last_read_seq: 1 }] })),
      getMessages: vi.fn(async (_room: string, q: MessageQuery = {}) => page(q)),
      sync: vi.fn(async (cursor: string, limit = 500): Promise<SyncPage> => {
        this.syncs.push(cursor);
        const head = this.log.reduce((n, e) => Math.max(n, e.at), 0);
        if (Number(cursor) < this.horizon) return { events: [], next_cursor: String(head), has_more: false, reset: true };
        const after = this.log.filter((e) => e.at > Number(cursor));
        const served = after.slice(0, limit);
        return {
          events: served.map((e) => ({ id: `e${e.at}`, occurred_at: '', payload: e.payload })),
          next_cursor: String(served.at(-1)?.at ?? cursor),
          has_more: after.length > limit,
          reset: false,
        };
      }),
      markRead: vi.fn(async (room_id: string, seq: number) => {
        this.reads.push(seq);
        return { room_id, last_read_seq: seq, unread: 0 };
      }),
      pins: vi.fn(async (room_id: string) => {
        this.pinReads.push(room_id);
        return { room_id, pins: [...this.pins] };
      }),
      attachmentLink: vi.fn(async (room_id: string, seq: number) => {
        this.linkReads.push(seq);
        const url = `/api/rooms/${room_id}/messages/${seq}/attachment?expires=${this.linkReads.length}&signature=s`;
        return { url, thumbnail_url: null, expires_at: new Date(Date.now() + 600_000).toISOString() };
      }),
      openDirect: vi.fn(),
      searchUsers: vi.fn(async () => [user(BOB)]),
      postMessage: vi.fn(),
      register: vi.fn(),
      login: vi.fn(),
      logout: vi.fn(),
    } as unknown as Api;
  }
}

describe('ChatClient', () => {
  let backend: FakeBackend;
  let store: Store;
  let client: ChatClient;
  let expired: ReturnType<typeof vi.fn<() => void>>;

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    backend = new FakeBackend();
    store = createStore();
    expired = vi.fn<() => void>();
    client = makeClient();
  });

  /** A client of the fake backend; `onMessageCreated` as given. */
  function makeClient(onMessageCreated?: (m: Message) => void): ChatClient {
    return new ChatClient({
      api: backend.api(),
      store,
      me: user(ME),
      onSessionExpired: expired,
      onMessageCreated,
      url: 'ws://test/ws',
      createSocket: (u) => new FakeSocket(u),
      random: () => 0,
    });
  }
  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });

  async function connect(cursor?: string) {
    const s = FakeSocket.latest();
    s.open();
    s.receive({ type: 'hello', user_id: ME, session_id: 's', cursor });
    await vi.advanceTimersByTimeAsync(0);
    return s;
  }

  it('loads rooms on start and the latest page when a room is opened', async () => {
    for (let i = 1; i <= 60; i++) backend.add(msg(i));
    client.start();
    await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    const t = store.getState().timelines[ROOM];
    expect(t.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    expect(t.hasMoreBefore).toBe(true);
    expect(store.getState().users[BOB]).toBeDefined();
    await client.loadOlder(ROOM);
    expect(store.getState().timelines[ROOM].messages[0].seq).toBe(1);
    expect(store.getState().timelines[ROOM].hasMoreBefore).toBe(false);
    expect(backend.queries.at(-1)).toEqual({ before: 11, limit: 50 });
  });

  it('after a reconnect refetches rooms and the open room after its last seq, without duplicates', async () => {
    backend.add(msg(1));
    backend.add(msg(2));
    client.start();
    const s1 = await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    const roomsBefore = backend.listRoomsCalls;

    s1.drop(1006);
    backend.add(msg(3)); // missed while away
    backend.add(msg(4));
    await vi.advanceTimersByTimeAsync(250); // backoff with random() = 0
    const s2 = await connect();
    expect(s2).not.toBe(s1);
    expect(backend.listRoomsCalls).toBeGreaterThan(roomsBefore);
    expect(backend.queries.at(-1)).toMatchObject({ after: 2 });
    // The live frame for a message the resync already brought changes nothing.
    s2.receive({ type: 'message_created', room_id: ROOM, seq: 4, message: msg(4) });
    expect(store.getState().timelines[ROOM].messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('on a resync frame refetches rooms and the open room on the same socket', async () => {
    backend.add(msg(1));
    client.start();
    const s = await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    const roomsBefore = backend.listRoomsCalls;
    backend.add(msg(2)); // published while the gateway had no broker: never live
    backend.add(msg(3));
    s.receive({ type: 'resync' });
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.latest()).toBe(s);
    expect(store.getState().connection).toBe('online');
    expect(backend.listRoomsCalls).toBeGreaterThan(roomsBefore);
    expect(backend.queries.at(-1)).toMatchObject({ after: 1 });
    expect(store.getState().timelines[ROOM].messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('after a reconnect applies the sync log from the previous hello: edits, deletions, new messages, without notifying', async () => {
    const notified: Message[] = [];
    client = makeClient((m) => notified.push(m));
    backend.add(msg(1));
    backend.add(msg(2));
    client.start();
    const s1 = await connect('10');
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    s1.drop(1006);
    // While away: message 1 edited, message 2 deleted, message 3 sent (in the log, at 11-13).
    const edited = { ...msg(1), body: 'edited while away', edited_at: '2026-12-07T00:00:00Z' };
    const three = msg(3);
    backend.add(three);
    backend.log.push(
      { at: 11, payload: { type: 'message_edited', room_id: ROOM, message: edited } },
      { at: 12, payload: { type: 'message_deleted', room_id: ROOM, seq: 2, message_id: msg(2).id, deleted_by: BOB } },
      { at: 13, payload: { type: 'message_created', room_id: ROOM, message: three } },
    );
    await vi.advanceTimersByTimeAsync(250);
    await connect('20');
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.syncs).toEqual(['10']);
    const shown = store.getState().timelines[ROOM].messages;
    expect(shown.find((m) => m.seq === 1)?.body).toBe('edited while away');
    expect(shown.find((m) => m.seq === 2)?.deleted).toBe(true);
    expect(shown.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(notified).toEqual([]);
  });

  it('a resync syncs from the cursor and goes on from where it ended; a reset reloads', async () => {
    backend.add(msg(1));
    client.start();
    const s = await connect('10');
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    backend.log.push({ at: 14, payload: { type: 'message_edited', room_id: ROOM, message: { ...msg(1), body: 'edited' } } });
    s.receive({ type: 'resync' });
    await vi.advanceTimersByTimeAsync(0);
    s.receive({ type: 'resync' });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.syncs).toEqual(['10', '14']);
    expect(store.getState().timelines[ROOM].messages[0].body).toBe('edited');
    // The log no longer reaches back that far: every timeline starts over.
    backend.horizon = 100;
    backend.add(msg(2));
    const before = backend.queries.length;
    s.receive({ type: 'resync' });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.queries.slice(before)).toContainEqual({ limit: 50 });
    expect(store.getState().timelines[ROOM].messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('takes cursor frames as its cursor, except while a sync runs, and reports where each sync ended', async () => {
    client.start();
    const s = await connect('10');
    s.receive({ type: 'cursor', cursor: '12' });
    backend.log.push({ at: 14, payload: { type: 'message_edited', room_id: ROOM, message: { ...msg(1), body: 'edited' } } });
    // The sync this resync asks for reads from 12; the cursor frame right behind it must not
    // move its start, and its end (14) wins over the frame's 13.
    s.receive({ type: 'resync' });
    s.receive({ type: 'cursor', cursor: '13' });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.syncs).toEqual(['12']);
    expect(s.sent).toContainEqual({ type: 'synced', cursor: '14' });
    s.receive({ type: 'resync' });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.syncs).toEqual(['12', '14']);
    s.receive({ type: 'cursor', cursor: '20' });
    s.receive({ type: 'resync' });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.syncs).toEqual(['12', '14', '20']);
    // A new socket syncs from the last cursor frame of the one before.
    s.close(1012);
    await vi.advanceTimersByTimeAsync(60_000);
    await connect('30');
    expect(backend.syncs).toEqual(['12', '14', '20', '20']);
  });

  it('fetches the gap when a live message skips seqs', async () => {
    backend.add(msg(1));
    client.start();
    const s = await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    backend.add(msg(2));
    backend.add(msg(3));
    s.receive({ type: 'message_created', room_id: ROOM, seq: 3, message: msg(3) });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.queries.at(-1)).toMatchObject({ after: 1 });
    expect(store.getState().timelines[ROOM].messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('sends: pending at once, queued while offline, sent on ack with the echo deduped', async () => {
    client.start();
    client.selectRoom(ROOM);
    const id = client.sendMessage(ROOM, 'hi bob')!;
    expect(timelineItems(store.getState().timelines[ROOM]).map((i) => i.status)).toEqual(['pending']);
    const s = await connect();
    expect(s.sent).toContainEqual({ type: 'send', room_id: ROOM, client_msg_id: id, body: 'hi bob', reply_to: null });
    const stored = msg(1, { sender_id: ME, client_msg_id: id, body: 'hi bob' });
    s.receive({ type: 'ack', client_msg_id: id, message: stored });
    s.receive({ type: 'message_created', room_id: ROOM, seq: 1, message: stored });
    const items = timelineItems(store.getState().timelines[ROOM]);
    expect(items.map((i) => [i.status, i.seq])).toEqual([['sent', 1]]);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(timelineItems(store.getState().timelines[ROOM])[0].status).toBe('sent');
  });

  it('hands live messages, and only those, to onMessageCreated: not pages loaded, acks or edits', async () => {
    const live: number[] = [];
    client = makeClient((m) => live.push(m.seq));
    backend.add(msg(1));
    client.start();
    const s = await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().timelines[ROOM].messages.map((m) => m.seq)).toEqual([1]);
    s.receive({ type: 'message_created', room_id: ROOM, seq: 2, message: msg(2) });
    // Called after the store has it, so what it reads (room, names) is current.
    expect(live).toEqual([2]);
    expect(store.getState().timelines[ROOM].messages.map((m) => m.seq)).toEqual([1, 2]);
    s.receive({ type: 'message_edited', room_id: ROOM, seq: 2, message: msg(2, { body: 'edited', edited_at: '2024-01-01T13:00:00Z' }) });
    const id = client.sendMessage(ROOM, 'mine')!;
    s.receive({ type: 'ack', client_msg_id: id, message: msg(3, { sender_id: ME, client_msg_id: id, body: 'mine' }) });
    expect(live).toEqual([2]);
  });

  it('gives links to files: a page\'s for 8 minutes from its arrival, else asked for once; a live copy keeps them', async () => {
    const file = { id: 'a-1', name: 'f.txt', content_type: 'text/plain', size: 3, thumbnail: false };
    const pageUrl = `/api/rooms/${ROOM}/messages/1/attachment?expires=0&signature=page`;
    backend.add(msg(1, { attachment: { ...file, url: pageUrl, thumbnail_url: null } }));
    client.start();
    const s = await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    const held = () => store.getState().timelines[ROOM].messages.find((m) => m.seq === 1)!;
    // An edit of its caption comes live, without links: the page's stay.
    s.receive({ type: 'message_edited', room_id: ROOM, seq: 1, message: msg(1, { attachment: file, body: 'caption', edited_at: '2024-01-01T13:00:00Z' }) });
    expect(held()).toMatchObject({ body: 'caption', attachment: { url: pageUrl } });
    // Drawn 7 minutes after the page came: still its links.
    await vi.advanceTimersByTimeAsync(7 * 60_000);
    expect((await client.attachmentLink(ROOM, 1, held().attachment!)).url).toBe(pageUrl);
    expect(backend.linkReads).toEqual([]);
    // 8 minutes after: new ones, asked once however many views ask.
    await vi.advanceTimersByTimeAsync(60_000);
    const [a, b] = await Promise.all([client.attachmentLink(ROOM, 1, held().attachment!), client.attachmentLink(ROOM, 1, held().attachment!)]);
    expect(a.url).toMatch(/\/messages\/1\/attachment\?expires=1&/);
    expect(b).toBe(a);
    // A file that came live (or from the sync log) has none: asked for.
    expect((await client.attachmentLink(ROOM, 2, { ...file, id: 'a-2' })).url).toMatch(/\/messages\/2\//);
    expect(backend.linkReads).toEqual([1, 2]);
  });

  it('marks a send failed on an error frame, and Retry resends the same id', async () => {
    client.start();
    const s = await connect();
    const id = client.sendMessage(ROOM, 'hi')!;
    s.receive({ type: 'error', code: 'rate_limited', message: 'Slow down', client_msg_id: id });
    expect(timelineItems(store.getState().timelines[ROOM])[0]).toMatchObject({ status: 'failed', error: 'Slow down' });
    client.retry(id);
    expect(timelineItems(store.getState().timelines[ROOM])[0].status).toBe('pending');
    const sends = s.sent.filter((f) => (f as { type: string }).type === 'send') as { client_msg_id: string }[];
    expect(sends.map((f) => f.client_msg_id)).toEqual([id, id]);
  });

  it('shows "connecting" only after the drop lasts 2 s', async () => {
    client.start();
    const s = await connect();
    expect(store.getState().connection).toBe('online');
    s.drop(1006);
    expect(store.getState().connection).toBe('connecting');
    await vi.advanceTimersByTimeAsync(CONNECTING_GRACE_MS - 1);
    expect(store.getState().connection).toBe('connecting');
    FakeSocket.latest().drop(1006); // the first retry fails too
    await vi.advanceTimersByTimeAsync(1);
    expect(store.getState().connection).toBe('offline');
    await vi.advanceTimersByTimeAsync(1000);
    await connect();
    expect(store.getState().connection).toBe('online');
  });

  it('shows typing for 4 s and refetches rooms on room_created', async () => {
    client.start();
    const s = await connect();
    const calls = backend.listRoomsCalls;
    s.receive({ type: 'typing', room_id: ROOM, user_id: BOB });
    expect(Object.keys(store.getState().typing[ROOM])).toEqual([BOB]);
    await vi.advanceTimersByTimeAsync(TYPING_SHOW_MS);
    expect(store.getState().typing[ROOM]).toEqual({});
    s.receive({ type: 'room_created', room_id: 'r-2', kind: 'direct', member_ids: [ME, BOB] });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.listRoomsCalls).toBe(calls + 1);
  });

  it('sends typing at most every 3 s', async () => {
    client.start();
    const s = await connect();
    client.typing(ROOM);
    client.typing(ROOM);
    await vi.advanceTimersByTimeAsync(2999);
    client.typing(ROOM);
    await vi.advanceTimersByTimeAsync(1);
    client.typing(ROOM);
    expect(s.sent.filter((f) => (f as { type: string }).type === 'typing')).toHaveLength(2);
  });

  it('marks read once per new highest seq', async () => {
    backend.add(msg(1));
    backend.add(msg(2));
    client.start();
    await connect();
    client.markRead(ROOM, 2);
    client.markRead(ROOM, 2);
    await vi.advanceTimersByTimeAsync(0);
    client.markRead(ROOM, 2);
    client.markRead(ROOM, 1);
    expect(backend.reads).toEqual([2]);
    expect(store.getState().rooms[0].last_read_seq).toBe(2);
  });

  it('react PUTs the encoded emoji and applies the answer; unreact DELETEs; a refusal shows and changes nothing', async () => {
    backend.add(msg(1));
    backend.add(msg(2));
    const calls: string[] = [];
    let status = 200;
    // The real REST client over a fake fetch, for the reaction calls only.
    const rest = createApi({
      fetch: (async (url: string, init: RequestInit) => {
        calls.push(`${init.method} ${url}`);
        const on = init.method === 'PUT';
        const body =
          status === 200
            ? { room_id: ROOM, seq: 2, message_id: msg(2).id, version: on ? 1 : 2, reactions: on ? [{ emoji: '👍', count: 1, user_ids: [ME], me: true }] : [] }
            : { error: { code: 'invalid_emoji', message: 'Not one emoji.' } };
        return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
      }) as unknown as typeof fetch,
    });
    client = new ChatClient({
      api: { ...backend.api(), react: rest.react, unreact: rest.unreact },
      store,
      me: user(ME),
      onSessionExpired: expired,
      url: 'ws://test/ws',
      createSocket: (u) => new FakeSocket(u),
      random: () => 0,
    });
    client.start();
    await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    const reactions = () => timelineItems(store.getState().timelines[ROOM])[1].reactions;

    await expect(client.react(ROOM, 2, '👍', true)).resolves.toBe(true);
    expect(calls).toEqual([`PUT /api/rooms/${ROOM}/messages/2/reactions/%F0%9F%91%8D`]);
    expect(reactions()).toEqual([{ emoji: '👍', count: 1, user_ids: [ME], me: true }]);
    // The echo of my own change, live, is not newer: nothing changes.
    const before = store.getState();
    FakeSocket.latest().receive({ type: 'reactions_changed', room_id: ROOM, seq: 2, message_id: msg(2).id, version: 1, user_id: ME, emoji: '👍', added: true, reactions: [{ emoji: '👍', count: 1, user_ids: [ME] }] });
    expect(store.getState()).toBe(before);
    // Someone else's reaction, live: applied, mine still pressed.
    FakeSocket.latest().receive({
      type: 'reactions_changed', room_id: ROOM, seq: 2, message_id: msg(2).id, version: 2, user_id: BOB, emoji: '🔥', added: true,
      reactions: [{ emoji: '👍', count: 1, user_ids: [ME] }, { emoji: '🔥', count: 1, user_ids: [BOB] }],
    });
    expect(reactions().map((r) => [r.emoji, r.me])).toEqual([['👍', true], ['🔥', false]]);

    // The answer to the DELETE (version 2) is not newer than what the event brought.
    await client.react(ROOM, 2, '❤️', false);
    expect(calls.at(-1)).toBe(`DELETE /api/rooms/${ROOM}/messages/2/reactions/%E2%9D%A4%EF%B8%8F`);
    expect(reactions()).toHaveLength(2);

    status = 422;
    await expect(client.react(ROOM, 2, 'x', true)).resolves.toBe(false);
    expect(store.getState().notice).toBe('Not one emoji.');
    expect(reactions()).toHaveLength(2);
  });

  it('applies reactions from the sync log after a reconnect', async () => {
    backend.add(msg(1));
    client.start();
    const s1 = await connect('10');
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    s1.drop(1006);
    const event = (at: number, version: number, user_ids: string[]) => ({
      at,
      payload: { type: 'reactions_changed' as const, room_id: ROOM, seq: 1, message_id: msg(1).id, version, user_id: BOB, emoji: '🎉', added: true, reactions: [{ emoji: '🎉', count: user_ids.length, user_ids }] },
    });
    // Out of order: the newer summary first.
    backend.log.push(event(11, 2, [BOB, ME]), event(12, 1, [BOB]));
    await vi.advanceTimersByTimeAsync(250);
    await connect('20');
    await vi.advanceTimersByTimeAsync(0);
    expect(timelineItems(store.getState().timelines[ROOM])[0].reactions).toEqual([{ emoji: '🎉', count: 2, user_ids: [BOB, ME], me: true }]);
  });

  const pinOf = (m: Message): Pin => ({ message: m, pinned_by: ME, pinned_at: '2024-01-02T00:00:00Z' });
  const pinnedSeqs = (roomId = ROOM) => store.getState().pins[roomId]?.map((p) => p.message.seq);

  it('reads the pins when a room opens, and again on pins_changed for a room held or open only', async () => {
    backend.add(msg(1));
    backend.add(msg(2));
    backend.pins = [pinOf(msg(2))];
    client.start();
    const s = await connect();
    expect(backend.pinReads).toEqual([]);
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.pinReads).toEqual([ROOM]);
    expect(pinnedSeqs()).toEqual([2]);

    backend.pins = [pinOf(msg(1)), pinOf(msg(2))];
    s.receive({ type: 'pins_changed', room_id: ROOM, message_id: msg(1).id, seq: 1, pinned: true, by: BOB });
    // Delivered twice while the first read runs: one more read after it, not two.
    s.receive({ type: 'pins_changed', room_id: ROOM, message_id: msg(1).id, seq: 1, pinned: true, by: BOB });
    s.receive({ type: 'pins_changed', room_id: ROOM, message_id: msg(1).id, seq: 1, pinned: true, by: BOB });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.pinReads).toEqual([ROOM, ROOM, ROOM]);
    expect(pinnedSeqs()).toEqual([1, 2]);

    // A room whose pins were never read, and which is not open: nothing to read.
    s.receive({ type: 'pins_changed', room_id: 'r-other', message_id: 'm', seq: 1, pinned: true, by: BOB });
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.pinReads).toEqual([ROOM, ROOM, ROOM]);
  });

  it('reads the open room’s pins again after a reconnect, and on a pins_changed from the sync log', async () => {
    backend.add(msg(1));
    client.start();
    const s1 = await connect('10');
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    expect(pinnedSeqs()).toEqual([]);
    s1.drop(1006);
    backend.pins = [pinOf(msg(1))];
    backend.log.push({ at: 11, payload: { type: 'pins_changed', room_id: ROOM, message_id: msg(1).id, seq: 1, pinned: true, by: BOB } });
    await vi.advanceTimersByTimeAsync(250);
    await connect('20');
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.syncs).toEqual(['10']);
    expect(backend.pinReads.length).toBeGreaterThanOrEqual(2);
    expect(pinnedSeqs()).toEqual([1]);
  });

  it('drops the answer to a pins read asked before the pins shown', async () => {
    backend.add(msg(1));
    backend.add(msg(2));
    let answer: (pins: Pin[]) => void = () => {};
    const api = backend.api();
    const slow = vi.fn(() => new Promise<{ room_id: string; pins: Pin[] }>((resolve) => (answer = (pins) => resolve({ room_id: ROOM, pins }))));
    client = new ChatClient({
      api: { ...api, pins: slow, pin: vi.fn(async () => ({ room_id: ROOM, pins: [pinOf(msg(2)), pinOf(msg(1))] })) },
      store,
      me: user(ME),
      onSessionExpired: expired,
      url: 'ws://test/ws',
      createSocket: (u) => new FakeSocket(u),
      random: () => 0,
    });
    client.start();
    await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    expect(slow).toHaveBeenCalledTimes(1);
    // Pinning answers first; the read asked before it answers later with what it saw then.
    await expect(client.setPinned(ROOM, 2, true)).resolves.toBe(true);
    expect(pinnedSeqs()).toEqual([2, 1]);
    answer([pinOf(msg(1))]);
    await vi.advanceTimersByTimeAsync(0);
    expect(pinnedSeqs()).toEqual([2, 1]);
  });

  it('pins with PUT and unpins with DELETE, applying the answer; a refusal shows and changes nothing', async () => {
    backend.add(msg(1));
    backend.add(msg(2));
    const calls: string[] = [];
    let status = 200;
    const rest = createApi({
      fetch: (async (url: string, init: RequestInit) => {
        calls.push(`${init.method} ${url}`);
        const body =
          status === 200
            ? { room_id: ROOM, pins: init.method === 'PUT' ? [pinOf(msg(2))] : [] }
            : { error: { code: 'forbidden', message: 'Only owners and admins pin messages.' } };
        return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
      }) as unknown as typeof fetch,
    });
    client = new ChatClient({
      api: { ...backend.api(), pin: rest.pin, unpin: rest.unpin },
      store,
      me: user(ME),
      onSessionExpired: expired,
      url: 'ws://test/ws',
      createSocket: (u) => new FakeSocket(u),
      random: () => 0,
    });
    client.start();
    await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);

    await expect(client.setPinned(ROOM, 2, true)).resolves.toBe(true);
    expect(calls).toEqual([`PUT /api/rooms/${ROOM}/pins/2`]);
    expect(pinnedSeqs()).toEqual([2]);
    await expect(client.setPinned(ROOM, 2, false)).resolves.toBe(true);
    expect(calls.at(-1)).toBe(`DELETE /api/rooms/${ROOM}/pins/2`);
    expect(pinnedSeqs()).toEqual([]);

    status = 403;
    await expect(client.setPinned(ROOM, 1, true)).resolves.toBe(false);
    expect(store.getState().notice).toBe('Only owners and admins pin messages.');
    expect(pinnedSeqs()).toEqual([]);
  });

  it('forwards with a fresh client_msg_id, merges the copy into the target room and fetches the original writer', async () => {
    const CAROL = 'u-carol';
    const TARGET = 'r-2';
    backend.add(msg(1, { sender_id: CAROL }));
    const bodies: { url: string; body: { client_msg_id: string; message_id: string } }[] = [];
    let seq = 4;
    const rest = createApi({
      fetch: (async (url: string, init: RequestInit) => {
        const body = JSON.parse(String(init.body)) as { client_msg_id: string; message_id: string };
        bodies.push({ url, body });
        const copy = msg(++seq, {
          room_id: TARGET,
          sender_id: ME,
          client_msg_id: body.client_msg_id,
          body: 'message 1',
          forwarded_from: { sender_id: CAROL, created_at: msg(1).created_at },
        });
        return new Response(JSON.stringify(copy), { status: 201, headers: { 'Content-Type': 'application/json' } });
      }) as unknown as typeof fetch,
    });
    const api = backend.api();
    client = new ChatClient({
      api: { ...api, forward: rest.forward },
      store,
      me: user(ME),
      onSessionExpired: expired,
      url: 'ws://test/ws',
      createSocket: (u) => new FakeSocket(u),
      random: () => 0,
    });
    client.start();
    const s = await connect();
    store.dispatch({ type: 'messages_loaded', room_id: TARGET, messages: [msg(4, { room_id: TARGET })], direction: 'latest', has_more: false });

    const copy = await client.forward(TARGET, msg(1));
    expect(bodies[0].url).toBe(`/api/rooms/${TARGET}/forward`);
    expect(bodies[0].body.message_id).toBe(msg(1).id);
    expect(bodies[0].body.client_msg_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(copy?.seq).toBe(5);
    const items = timelineItems(store.getState().timelines[TARGET]);
    expect(items.map((i) => [i.seq, i.sender_id, i.forwarded_from?.sender_id ?? null])).toEqual([
      [4, BOB, null],
      [5, ME, CAROL],
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().users[CAROL]).toBeDefined();
    // Its live echo changes nothing; a second forward is a new copy with a new id.
    s.receive({ type: 'message_created', room_id: TARGET, seq: 5, message: copy });
    expect(timelineItems(store.getState().timelines[TARGET])).toHaveLength(2);
    await client.forward(TARGET, msg(1));
    expect(bodies[1].body.client_msg_id).not.toBe(bodies[0].body.client_msg_id);
    expect(timelineItems(store.getState().timelines[TARGET]).map((i) => i.seq)).toEqual([4, 5, 6]);
  });

  it('shows a held message by focusing it, and opens the page around one not held', async () => {
    for (let i = 1; i <= 60; i++) backend.add(msg(i));
    client.start();
    await connect();
    client.selectRoom(ROOM);
    await vi.advanceTimersByTimeAsync(0);
    const before = backend.queries.length;
    await client.showMessage(ROOM, 30);
    expect(store.getState().focus).toEqual({ room_id: ROOM, seq: 30, highlight: true });
    expect(backend.queries.length).toBe(before);
    await client.showMessage(ROOM, 3);
    expect(backend.queries[before]).toEqual({ around: 3, limit: 50 });
    expect(store.getState().focus).toEqual({ room_id: ROOM, seq: 3, highlight: true });
  });

  it('fetches the names of whom a live message mentions, and takes the mention count of an unread frame', async () => {
    const ann = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
    backend.add(msg(1));
    client.start();
    const s = await connect();
    expect(store.getState().users[ann]).toBeUndefined();
    s.receive({ type: 'message_created', room_id: ROOM, seq: 2, message: msg(2, { body: `ask <@${ann}>` }) });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().users[ann]).toBeDefined();
    s.receive({ type: 'unread', room_id: ROOM, last_read_seq: 0, unread: 2, mentions: 1 });
    expect(store.getState().rooms[0]).toMatchObject({ unread: 2, mentions: 1 });
  });

  it('hands over to the login screen when the session is gone', async () => {
    backend.failRooms = new ApiError(401, 'unauthorized', 'expired');
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(client.socket.state).toBe('stopped');
  });
});
