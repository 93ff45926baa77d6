// The controller: glues the REST client, the reconnecting socket and the outbox to the store.
// Components call its methods and read the store; they never talk to the network themselves.

import { ApiError, isUnauthorized, type Api, type NewRoom, type RefreshResult } from './api';
import { roomTitle, userName } from './format';
import { LinkCache, type AttachmentLinks } from './links';
import { mentionedIds } from './mentions';
import { Outbox } from './outbox';
import { framesOfEvent, type Attachment, type Message, type Pin, type Room, type ServerFrame, type User } from './protocol';
import { lastSeq, type Store } from './store';
import { Uploads, type XhrLike } from './uploads';
import { uuid } from './uuid';
import { ReconnectingSocket, gatewayUrl, type Timers, type WebSocketLike } from './ws';

export const PAGE_SIZE = 50;
const SYNC_PAGE_SIZE = 100;
/** Catching up more than this many pages after a reconnect reloads the room instead. */
const MAX_SYNC_PAGES = 10;
/** Events per page of the sync log, and how many pages a catch-up reads before it reloads. */
const LOG_PAGE_SIZE = 500;
const MAX_LOG_PAGES = 20;
export const TYPING_SHOW_MS = 4_000;
export const TYPING_SEND_EVERY_MS = 3_000;
/** The connection indicator stays quiet for drops shorter than this. */
export const CONNECTING_GRACE_MS = 2_000;
const NOTICE_MS = 6_000;

const realTimers: Timers = {
  setTimeout: (f, ms) => globalThis.setTimeout(f, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
  setInterval: (f, ms) => globalThis.setInterval(f, ms),
  clearInterval: (id) => globalThis.clearInterval(id as ReturnType<typeof setInterval>),
  now: () => Date.now(),
};

export interface ChatClientOptions {
  api: Api;
  store: Store;
  me: User;
  /** Called once when the session turns out to be over. */
  onSessionExpired: () => void;
  /**
   * Called with each message that arrives live (a `message_created` frame), after the store has
   * it: desktop notifications. Not for my own acks, edits, or pages loaded by history or a sync.
   * A message the broker delivers twice comes twice.
   */
  onMessageCreated?: (m: Message) => void;
  url?: string | (() => string);
  createSocket?: (url: string) => WebSocketLike;
  /** Makes the requests that send files (tests pass a fake XMLHttpRequest). */
  createXhr?: () => XhrLike;
  timers?: Timers;
  random?: () => number;
}

export class ChatClient {
  readonly socket: ReconnectingSocket;
  readonly outbox: Outbox;
  /** Files on their way (upload progress, cancel); each becomes a message like a send. */
  readonly uploads: Uploads;
  /** Short-lived download links to message files (`attachmentLink`). */
  readonly links: LinkCache;
  readonly api: Api;
  readonly store: Store;
  private readonly me: User;
  private readonly t: Timers;
  private readonly onSessionExpired: () => void;
  private readonly onMessageCreated: (m: Message) => void;
  private stopped = false;
  private graceTimer: unknown = null;
  private noticeTimer: unknown = null;
  private roomsInFlight: Promise<void> | null = null;
  private roomsAgain = false;
  private readonly usersInFlight = new Set<string>();
  private readonly roomFetches = new Map<string, Promise<void>>();
  /** room id -> seq after which a hole was seen; the next sync fetches from there. */
  private readonly gapFrom = new Map<string, number>();
  private readonly syncAgain = new Set<string>();
  private readonly olderInFlight = new Set<string>();
  private readonly detailsFetched = new Set<string>();
  private readonly lastTypingSent = new Map<string, number>();
  private readonly readSent = new Map<string, number>();
  /** room id -> the running fetch of its pins; `pinsAgain`: fetch once more after it. */
  private readonly pinsInFlight = new Map<string, Promise<void>>();
  private readonly pinsAgain = new Set<string>();
  /** Each pins request is numbered when sent; an answer older than the one shown is dropped. */
  private pinsAsked = 0;
  private readonly pinsShown = new Map<string, number>();
  /**
   * Where the sync log stands for what this client holds: the last `hello`'s, the end of a
   * sync, or the gateway's last `cursor` frame.
   */
  private cursor: string | null = null;
  /** Syncs of the log running: `cursor` frames wait for their end (it is the cursor then). */
  private syncing = 0;

  constructor(o: ChatClientOptions) {
    this.api = o.api;
    this.store = o.store;
    this.me = o.me;
    this.t = o.timers ?? realTimers;
    this.onSessionExpired = o.onSessionExpired;
    this.onMessageCreated = o.onMessageCreated ?? (() => {});
    this.store.dispatch({ type: 'me', user: o.me });
    this.socket = new ReconnectingSocket({
      url: o.url ?? (() => gatewayUrl()),
      createSocket: o.createSocket,
      timers: this.t,
      random: o.random,
      onFrame: (f) => this.onFrame(f),
      onOpen: () => this.onOpen(),
      onClose: () => this.onClose(),
      refreshAuth: () => this.api.refresh(),
      checkAuth: () => this.checkAuth(),
      onUnauthorized: () => this.expire(),
    });
    this.outbox = new Outbox({
      write: (frame) => this.socket.send(frame),
      dispatch: (a) => this.store.dispatch(a),
      senderId: () => this.me.id,
      timers: this.t,
    });
    this.links = new LinkCache((roomId, seq) => this.api.attachmentLink(roomId, seq), () => this.t.now());
    this.uploads = new Uploads({
      onUploaded: (m) => !this.stopped && this.receive(m),
      refresh: () => this.api.refresh(),
      onUnauthorized: () => this.expire(),
      createXhr: o.createXhr,
    });
  }

  start(): void {
    this.store.dispatch({ type: 'connection', status: 'connecting' });
    this.startGrace();
    this.socket.start();
    void this.refreshRooms();
    void this.loadBlocks();
  }

  /** Whom I blocked: their messages are not shown. Without the list, everything is. */
  private async loadBlocks(): Promise<void> {
    try {
      const users = await this.api.listBlocks();
      if (!this.stopped) this.store.dispatch({ type: 'blocks_loaded', user_ids: users.map((u) => u.id) });
    } catch {
      // Shown as not blocked until the next start; blocking again works regardless.
    }
  }

  /** Blocks or unblocks a user: no direct chat, no adding me to groups, their messages hidden. */
  async setBlocked(userId: string, blocked: boolean): Promise<void> {
    const done = await this.act((api) => (blocked ? api.block(userId) : api.unblock(userId)).then(() => true));
    if (done) this.store.dispatch({ type: 'block_changed', user_id: userId, blocked });
  }

  stop(): void {
    this.stopped = true;
    this.socket.stop();
    this.outbox.clear();
    this.uploads.clear();
    this.clearGrace();
    if (this.noticeTimer !== null) this.t.clearTimeout(this.noticeTimer);
  }

  // ---- connection ---------------------------------------------------------

  private onOpen(): void {
    this.clearGrace();
    this.store.dispatch({ type: 'connection', status: 'online' });
    this.outbox.flush();
    this.catchUp();
  }

  /** Anything may have happened while we were away: rooms, and messages of the open room. */
  private catchUp(): void {
    void this.refreshRooms();
    const open = this.store.getState().selectedRoomId;
    if (open) {
      void this.syncRoom(open);
      void this.loadPins(open);
    }
  }

  private onClose(): void {
    this.outbox.disconnected();
    this.store.dispatch({ type: 'connection', status: 'connecting' });
    this.startGrace();
  }

  private startGrace(): void {
    if (this.graceTimer !== null) return;
    this.graceTimer = this.t.setTimeout(() => {
      this.graceTimer = null;
      if (!this.socket.isOpen && !this.stopped) this.store.dispatch({ type: 'connection', status: 'offline' });
    }, CONNECTING_GRACE_MS);
  }

  private clearGrace(): void {
    if (this.graceTimer !== null) {
      this.t.clearTimeout(this.graceTimer);
      this.graceTimer = null;
    }
  }

  /** After a failed upgrade: is the session still good? `me` refreshes it on 401 by itself. */
  private async checkAuth(): Promise<RefreshResult> {
    try {
      await this.api.me();
      return 'ok';
    } catch (e) {
      return isUnauthorized(e) ? 'unauthorized' : 'error';
    }
  }

  /** Logs out every session of mine, this one included, and leaves for the login screen. */
  async logoutEverywhere(): Promise<void> {
    const done = await this.act((api) => api.logoutAll().then(() => true));
    if (done) this.expire();
  }

  private expire(): void {
    if (this.stopped) return;
    this.stop();
    this.onSessionExpired();
  }

  private handleError(e: unknown): void {
    if (isUnauthorized(e)) {
      this.expire();
      return;
    }
    this.notice(e instanceof Error ? e.message : 'Something went wrong.');
  }

  notice(message: string | null): void {
    if (this.noticeTimer !== null) this.t.clearTimeout(this.noticeTimer);
    this.noticeTimer = null;
    this.store.dispatch({ type: 'notice', message });
    if (message !== null) {
      this.noticeTimer = this.t.setTimeout(() => {
        this.noticeTimer = null;
        this.store.dispatch({ type: 'notice', message: null });
      }, NOTICE_MS);
    }
  }

  // ---- frames -------------------------------------------------------------

  /** A frame from the socket (`live`), or one a synced event stands for. */
  private onFrame(f: ServerFrame, live = true): void {
    switch (f.type) {
      case 'hello': {
        // Everything after the previous socket's cursor that this one did not see live: edits,
        // deletions and membership changes too, in rooms whether open or not.
        const previous = this.cursor;
        this.cursor = f.cursor || null;
        if (previous) void this.syncLog(previous, this.cursor);
        return;
      }
      case 'cursor':
        // Every event before it has reached this socket; a sync running ends at its own.
        if (this.syncing === 0) this.cursor = f.cursor;
        return;
      case 'pong':
        return;
      case 'resync':
        // The gateway missed events (its broker came back); the socket stays open. It no longer
        // sends live what this sync serves.
        this.catchUp();
        if (this.cursor) void this.syncLog(this.cursor);
        return;
      case 'ack':
        this.receive(f.message);
        return;
      case 'message_created':
        this.receive(f.message);
        if (live) this.onMessageCreated(f.message);
        return;
      case 'error':
        if (f.client_msg_id) this.outbox.failed(f.client_msg_id, f.message);
        else this.notice(f.message);
        return;
      case 'room_created':
        // A group someone else made with me in it: the room offers to leave at once.
        if (f.by && f.by !== this.me.id) {
          this.store.dispatch({ type: 'added_to_room', room_id: f.room_id, by: f.by });
          void this.ensureUser(f.by);
        }
        void this.refreshRooms();
        return;
      case 'typing': {
        if (f.user_id === this.me.id) return;
        const until = this.t.now() + TYPING_SHOW_MS;
        this.store.dispatch({ type: 'typing', room_id: f.room_id, user_id: f.user_id, until });
        this.t.setTimeout(
          () => this.store.dispatch({ type: 'typing_clear', room_id: f.room_id, user_id: f.user_id, until }),
          TYPING_SHOW_MS,
        );
        void this.ensureUser(f.user_id);
        return;
      }
      case 'read':
        this.store.dispatch({ type: 'read_receipt', room_id: f.room_id, user_id: f.user_id, seq: f.seq });
        return;
      case 'user_renamed':
        this.store.dispatch({ type: 'user_renamed', user_id: f.user_id, display_name: f.display_name });
        return;
      case 'presence':
        this.store.dispatch({ type: 'presence', user_id: f.user_id, online: f.online, last_seen_at: f.last_seen_at ?? null });
        return;
      case 'read_by_all':
        this.store.dispatch({ type: 'read_by_all', room_id: f.room_id, seq: f.seq });
        return;
      case 'unread':
        this.store.dispatch({ type: 'unread', room_id: f.room_id, last_read_seq: f.last_read_seq, unread: f.unread, mentions: f.mentions });
        return;
      case 'message_edited':
        this.store.dispatch({ type: 'message_received', message: f.message });
        return;
      case 'message_deleted':
        this.store.dispatch({ type: 'message_deleted', room_id: f.room_id, seq: f.seq });
        return;
      case 'reactions_changed':
        // Live or from the sync log; the store keeps only a summary newer than the one it holds.
        this.store.dispatch({
          type: 'reactions',
          room_id: f.room_id,
          seq: f.seq,
          message_id: f.message_id,
          version: f.version,
          reactions: f.reactions,
          change: { user_id: f.user_id, emoji: f.emoji, added: f.added },
        });
        return;
      case 'pins_changed': {
        // At least once and maybe late: reading the pins again is always right. Only for rooms
        // whose pins are held or shown; another room's are read when it opens.
        const s = this.store.getState();
        if (f.room_id in s.pins || s.selectedRoomId === f.room_id) void this.loadPins(f.room_id);
        return;
      }
      case 'room_updated':
        this.store.dispatch({ type: 'room_updated', room_id: f.room_id, name: f.name ?? null, topic: f.topic ?? null });
        return;
      case 'room_deleted':
        this.forget(f.room_id);
        return;
      case 'member_joined':
        if (f.user_id === this.me.id) {
          // Someone else put me here: the room offers to leave at once.
          if (f.by !== this.me.id) this.store.dispatch({ type: 'added_to_room', room_id: f.room_id, by: f.by });
          void this.ensureUser(f.by);
          void this.refreshRooms();
          return;
        }
        this.store.dispatch({ type: 'member_joined', room_id: f.room_id, user_id: f.user_id, role: f.role, at: new Date(this.t.now()).toISOString() });
        void this.ensureUser(f.user_id);
        return;
      case 'member_left':
        if (f.user_id === this.me.id) {
          if (f.by !== this.me.id) void this.removedBy(f.room_id, f.by);
          this.forget(f.room_id);
          return;
        }
        this.store.dispatch({ type: 'member_left', room_id: f.room_id, user_id: f.user_id, by: f.by, at: new Date(this.t.now()).toISOString() });
        if (f.by !== f.user_id) void this.ensureUser(f.by);
        return;
      case 'member_role_changed':
        this.store.dispatch({ type: 'member_role', room_id: f.room_id, user_id: f.user_id, role: f.role });
        return;
    }
  }

  /**
   * Applies the sync log after `from` as the frames it stands for (never notifying), page by
   * page; then tells the gateway where it ended (`synced`) and goes on from there, unless a
   * new socket's `hello` moved the cursor from `held` meanwhile. Too far behind, or a cursor
   * the log no longer keeps: rooms and the open room load afresh.
   */
  private async syncLog(from: string, held: string | null = from): Promise<void> {
    let cursor = from;
    // Counted before the first await: a `cursor` frame right behind the one that asked for
    // this sync must not move the cursor past what the sync has yet to read.
    this.syncing++;
    try {
      for (let i = 0; ; i++) {
        if (i === MAX_LOG_PAGES) {
          this.reloadAll();
          return;
        }
        const page = await this.api.sync(cursor, LOG_PAGE_SIZE);
        if (this.stopped) return;
        if (page.reset) {
          this.reloadAll();
          cursor = page.next_cursor;
          break;
        }
        for (const e of page.events) {
          for (const f of framesOfEvent(e.payload, this.me.id)) this.onFrame(f, false);
        }
        cursor = page.next_cursor;
        if (!page.has_more) break;
      }
      this.socket.send({ type: 'synced', cursor });
      if (this.cursor === held) this.cursor = cursor;
    } catch (e) {
      this.handleError(e);
    } finally {
      this.syncing--;
    }
  }

  /** Every timeline starts over; the room list and the open room load again. */
  private reloadAll(): void {
    for (const roomId of Object.keys(this.store.getState().timelines)) {
      this.store.dispatch({ type: 'timeline_reset', room_id: roomId });
    }
    this.catchUp();
  }

  /** Tells me who removed me from a room (which then leaves the list), by name. */
  private async removedBy(roomId: string, by: string): Promise<void> {
    const room = this.store.getState().rooms.find((r) => r.id === roomId);
    const title = room ? roomTitle(room, this.store.getState().users) : 'a room';
    await this.ensureUser(by);
    if (this.stopped) return;
    this.notice(`You were removed from ${title} by ${userName(this.store.getState().users[by])}.`);
  }

  /** A room I am no longer in (left, removed, or deleted). */
  private forget(roomId: string): void {
    this.detailsFetched.delete(roomId);
    this.store.dispatch({ type: 'room_gone', room_id: roomId });
  }

  private receive(m: Message): void {
    this.links.note([m]);
    const state = this.store.getState();
    const t = state.timelines[m.room_id];
    const top = lastSeq(t);
    this.outbox.confirmed(m);
    this.store.dispatch({ type: 'message_received', message: m });
    this.ensureSenders([m]);
    // A hole between what we hold and this message: fetch what is missing.
    if (t?.loaded && top !== null && m.seq > top + 1) {
      this.gapFrom.set(m.room_id, Math.min(this.gapFrom.get(m.room_id) ?? top, top));
      void this.syncRoom(m.room_id);
    }
    if (!state.rooms.some((r) => r.id === m.room_id)) void this.refreshRooms();
  }

  // ---- rooms and messages -------------------------------------------------

  /** Refetches the room list; calls made while one is in flight are folded into one more. */
  refreshRooms(): Promise<void> {
    if (this.roomsInFlight) {
      this.roomsAgain = true;
      return this.roomsInFlight;
    }
    this.roomsInFlight = (async () => {
      do {
        this.roomsAgain = false;
        try {
          const rooms = await this.api.listRooms();
          if (this.stopped) return;
          this.store.dispatch({ type: 'rooms_loaded', rooms });
          // The names the list shows: direct peers, and the sender of each preview (who may
          // have left the room since, and so is in no member list).
          for (const r of rooms) {
            if (r.peer_id) void this.ensureUser(r.peer_id);
            if (r.last_message) this.ensureSenders([r.last_message]);
          }
        } catch (e) {
          this.handleError(e);
          return;
        }
      } while (this.roomsAgain && !this.stopped);
    })().finally(() => {
      this.roomsInFlight = null;
    });
    return this.roomsInFlight;
  }

  async ensureUser(id: string): Promise<void> {
    if (this.store.getState().users[id] || this.usersInFlight.has(id)) return;
    this.usersInFlight.add(id);
    try {
      const u = await this.api.getUser(id);
      if (!this.stopped) this.store.dispatch({ type: 'users', users: [u] });
    } catch {
      // A name we cannot fetch stays a placeholder; try again a little later.
      this.t.setTimeout(() => this.usersInFlight.delete(id), 30_000);
      return;
    }
    this.usersInFlight.delete(id);
  }

  /** The user directory; found users also fill the name cache. */
  async searchUsers(q: string, limit = 20): Promise<User[]> {
    const users = await this.api.searchUsers(q, limit);
    if (!this.stopped) this.store.dispatch({ type: 'users', users });
    return users;
  }

  selectRoom(roomId: string | null): void {
    this.store.dispatch({ type: 'select_room', room_id: roomId });
    if (roomId === null) return;
    void this.syncRoom(roomId);
    void this.loadPins(roomId);
    if (!this.detailsFetched.has(roomId)) {
      this.detailsFetched.add(roomId);
      this.api.getRoom(roomId).then(
        (room) => {
          if (!this.stopped) this.store.dispatch({ type: 'room_detail', room });
          for (const m of room.members) void this.ensureUser(m.user_id);
        },
        () => this.detailsFetched.delete(roomId),
      );
    }
  }

  /** Loads the latest page of a room, or catches up after the newest message we hold. */
  syncRoom(roomId: string): Promise<void> {
    const running = this.roomFetches.get(roomId);
    if (running) {
      // What happened since that fetch started may not be in it: run once more after it.
      this.syncAgain.add(roomId);
      return running;
    }
    const p = (async () => {
      do {
        this.syncAgain.delete(roomId);
        await this.doSync(roomId);
      } while (this.syncAgain.has(roomId) && !this.stopped);
    })()
      .catch((e: unknown) => {
        // A room I cannot read (removed meanwhile, or an old address): out of the list and the
        // view, instead of a spinner that never ends.
        if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
          if (this.store.getState().selectedRoomId === roomId) this.selectRoom(null);
          this.forget(roomId);
          this.notice('That chat is not available to you.');
          return;
        }
        this.handleError(e);
      })
      .finally(() => {
        if (this.roomFetches.get(roomId) === p) this.roomFetches.delete(roomId);
      });
    this.roomFetches.set(roomId, p);
    return p;
  }

  private async doSync(roomId: string): Promise<void> {
    const t = this.store.getState().timelines[roomId];
    const top = lastSeq(t);
    const gap = this.gapFrom.get(roomId);
    this.gapFrom.delete(roomId);
    if (!t?.loaded || top === null) {
      await this.loadLatest(roomId);
      return;
    }
    let cursor = gap !== undefined ? Math.min(gap, top) : top;
    for (let i = 0; i < MAX_SYNC_PAGES; i++) {
      const page = await this.api.getMessages(roomId, { after: cursor, limit: SYNC_PAGE_SIZE });
      if (this.stopped) return;
      this.loaded(roomId, page.messages, 'after', page.has_more);
      if (!page.has_more || page.messages.length === 0) return;
      cursor = page.messages[page.messages.length - 1].seq;
    }
    // Too far behind: start the room over from its latest page.
    this.store.dispatch({ type: 'timeline_reset', room_id: roomId });
    await this.loadLatest(roomId);
  }

  private async loadLatest(roomId: string): Promise<void> {
    const epoch = this.store.getState().timelines[roomId]?.epoch ?? 0;
    const page = await this.api.getMessages(roomId, { limit: PAGE_SIZE });
    // The timeline was started over meanwhile (opened at a message): this page does not belong.
    if (this.stopped || (this.store.getState().timelines[roomId]?.epoch ?? 0) !== epoch) return;
    this.loaded(roomId, page.messages, 'latest', page.has_more);
  }

  /** Loads the page before the oldest message held. Resolves false when there was nothing to do. */
  async loadOlder(roomId: string): Promise<boolean> {
    const t = this.store.getState().timelines[roomId];
    if (!t?.loaded || !t.hasMoreBefore || t.messages.length === 0 || this.olderInFlight.has(roomId)) return false;
    this.olderInFlight.add(roomId);
    try {
      const page = await this.api.getMessages(roomId, { before: t.messages[0].seq, limit: PAGE_SIZE });
      if (this.stopped) return false;
      this.loaded(roomId, page.messages, 'before', page.has_more);
      return true;
    } catch (e) {
      this.handleError(e);
      return false;
    } finally {
      this.olderInFlight.delete(roomId);
    }
  }

  /** A page of history: its files' links count from now; into the store; its names fetched. */
  private loaded(roomId: string, messages: Message[], direction: 'latest' | 'before' | 'after', hasMore: boolean): void {
    this.links.note(messages);
    this.store.dispatch({ type: 'messages_loaded', room_id: roomId, messages, direction, has_more: hasMore });
    this.ensureSenders(messages);
  }

  /** The names messages show: their senders, who wrote a forwarded one's original, and whom they mention. */
  private ensureSenders(messages: Message[]): void {
    const ids = new Set<string>();
    for (const m of messages) {
      ids.add(m.sender_id);
      if (m.forwarded_from) ids.add(m.forwarded_from.sender_id);
      for (const id of mentionedIds(m.body)) ids.add(id);
    }
    for (const id of ids) void this.ensureUser(id);
  }

  /**
   * Links to a message's file for me, good to use now: those its REST answer carried (for 8
   * minutes), else new ones from the server, asked once at a time per message and kept until a
   * minute before they expire. `failedUrl`: a link that just failed to load (not used again).
   */
  attachmentLink(roomId: string, seq: number, attachment: Attachment, failedUrl?: string): Promise<AttachmentLinks> {
    return this.links.get(roomId, seq, attachment, failedUrl);
  }

  // ---- pinned messages and forwarding -------------------------------------

  /** Reads a room's pins; calls made while a read is in flight are folded into one more after it. */
  loadPins(roomId: string): Promise<void> {
    const running = this.pinsInFlight.get(roomId);
    if (running) {
      this.pinsAgain.add(roomId);
      return running;
    }
    const p = (async () => {
      do {
        this.pinsAgain.delete(roomId);
        const asked = ++this.pinsAsked;
        try {
          const got = await this.api.pins(roomId);
          if (this.stopped) return;
          this.showPins(roomId, asked, got.pins);
        } catch (e) {
          // Shown without pins; a room I cannot read is dealt with by its history.
          if (isUnauthorized(e)) this.expire();
          return;
        }
      } while (this.pinsAgain.has(roomId) && !this.stopped);
    })().finally(() => {
      if (this.pinsInFlight.get(roomId) === p) this.pinsInFlight.delete(roomId);
    });
    this.pinsInFlight.set(roomId, p);
    return p;
  }

  private showPins(roomId: string, asked: number, pins: Pin[]): void {
    // Answers may cross: one asked before the pins shown were is older than them.
    if (asked < (this.pinsShown.get(roomId) ?? 0)) return;
    this.pinsShown.set(roomId, asked);
    this.store.dispatch({ type: 'pins', room_id: roomId, pins });
    this.ensureSenders(pins.map((p) => p.message));
  }

  /** Pins (`on`) or unpins a message (owners and admins; either person in a direct chat). */
  async setPinned(roomId: string, seq: number, on: boolean): Promise<boolean> {
    const asked = ++this.pinsAsked;
    const r = await this.act((api) => (on ? api.pin(roomId, seq) : api.unpin(roomId, seq)));
    if (!r || this.stopped) return false;
    this.showPins(roomId, asked, r.pins);
    return true;
  }

  /**
   * Forwards a message to a room I belong to (the same one too): a copy sent by me that names
   * the original's writer. Everyone there gets it live; the answer is merged in at once.
   */
  async forward(toRoomId: string, message: Pick<Message, 'id'>): Promise<Message | null> {
    const copy = await this.act((api) => api.forward(toRoomId, message.id, uuid()));
    if (!copy || this.stopped) return null;
    this.receive(copy);
    return copy;
  }

  /** Shows a message and highlights it: at once when its room holds it, else the page around it. */
  showMessage(roomId: string, seq: number): Promise<void> {
    const t = this.store.getState().timelines[roomId];
    if (t?.loaded && t.messages.some((m) => m.seq === seq)) {
      this.store.dispatch({ type: 'focus', room_id: roomId, seq });
      return Promise.resolve();
    }
    return this.openAt(roomId, seq);
  }

  /** Opens (creating if needed) the direct room with a user, or "Saved messages" for oneself. */
  async openDirect(userId: string): Promise<string | null> {
    const room = await this.act((api) => api.openDirect(userId));
    if (!room || this.stopped) return null;
    await this.enter(room);
    return room.id;
  }

  openSaved(): Promise<string | null> {
    return this.openDirect(this.me.id);
  }

  // ---- sending ------------------------------------------------------------

  sendMessage(roomId: string, body: string, replyTo: string | null = null): string | null {
    if (body.trim() === '') return null;
    this.lastTypingSent.delete(roomId);
    return this.outbox.send(roomId, body, replyTo);
  }

  /**
   * Runs one REST action; a failure becomes the notice banner (or ends the session) and
   * resolves to null, so components only handle success.
   */
  async act<T>(f: (api: Api) => Promise<T>): Promise<T | null> {
    try {
      return await f(this.api);
    } catch (e) {
      this.handleError(e);
      return null;
    }
  }

  async editMessage(roomId: string, seq: number, body: string): Promise<boolean> {
    const m = await this.act((api) => api.editMessage(roomId, seq, body));
    if (m && !this.stopped) this.store.dispatch({ type: 'message_received', message: m });
    return m !== null;
  }

  async deleteMessage(roomId: string, seq: number): Promise<void> {
    const done = await this.act((api) => api.deleteMessage(roomId, seq).then(() => true));
    if (done && !this.stopped) this.store.dispatch({ type: 'message_deleted', room_id: roomId, seq });
  }

  /** Adds (`on`) or takes back my reaction to a message; the answer is its whole summary. */
  async react(roomId: string, seq: number, emoji: string, on: boolean): Promise<boolean> {
    const r = await this.act((api) => (on ? api.react(roomId, seq, emoji) : api.unreact(roomId, seq, emoji)));
    if (!r || this.stopped) return false;
    this.store.dispatch({
      type: 'reactions',
      room_id: r.room_id,
      seq: r.seq,
      message_id: r.message_id,
      version: r.version,
      reactions: r.reactions,
    });
    return true;
  }

  /** Creates a group or public room and opens it. */
  async createRoom(room: NewRoom): Promise<string | null> {
    const created = await this.act((api) => api.createRoom(room));
    if (!created || this.stopped) return null;
    await this.enter(created);
    return created.id;
  }

  async joinRoom(roomId: string): Promise<void> {
    const room = await this.act((api) => api.joinRoom(roomId));
    if (room && !this.stopped) await this.enter(room);
  }

  /** Opens a room I am a member of, once the room list has it. */
  private async enter(room: Room): Promise<void> {
    this.store.dispatch({ type: 'room_detail', room });
    this.detailsFetched.add(room.id);
    if (!this.store.getState().rooms.some((r) => r.id === room.id)) await this.refreshRooms();
    this.selectRoom(room.id);
  }

  async leaveRoom(roomId: string): Promise<void> {
    const left = await this.act((api) => api.leaveRoom(roomId).then(() => true));
    if (left) {
      this.store.dispatch({ type: 'added_seen', room_id: roomId });
      this.forget(roomId);
    }
  }

  /** Keeps a room someone added me to: its offer to leave goes away. */
  dismissAdded(roomId: string): void {
    this.store.dispatch({ type: 'added_seen', room_id: roomId });
  }

  /** Refetches a room's members (after adding, removing or changing roles). */
  async reloadRoom(roomId: string): Promise<void> {
    const room = await this.act((api) => api.getRoom(roomId));
    if (room && !this.stopped) {
      this.store.dispatch({ type: 'room_detail', room });
      for (const m of room.members) void this.ensureUser(m.user_id);
    }
  }

  async setMute(roomId: string, muted: boolean): Promise<void> {
    const r = await this.act((api) => api.setMute(roomId, muted));
    if (r) this.store.dispatch({ type: 'muted', room_id: roomId, muted: r.muted });
  }

  /** My settings: notifications and Telegram. */
  async loadAccount(): Promise<void> {
    const me = await this.act((api) => api.me());
    if (me && !this.stopped) this.store.dispatch({ type: 'account', account: me });
  }

  /**
   * Opens a room at a message (a search hit, highlighted; or where a reload left it): the page
   * around it replaces the timeline.
   */
  async openAt(roomId: string, seq: number, options: { highlight?: boolean } = {}): Promise<void> {
    const fetching = this.act((api) => api.getMessages(roomId, { around: seq, limit: PAGE_SIZE }));
    // A sync of this room asked for meanwhile (the socket opening) waits for this page, and the
    // catch-up below follows it; a latest page merged in beside it would leave a hole between.
    const waiting = fetching.then(() => undefined);
    this.roomFetches.set(roomId, waiting);
    const page = await fetching;
    if (this.roomFetches.get(roomId) === waiting) this.roomFetches.delete(roomId);
    if (this.stopped) return;
    if (!page) {
      // Where a reload left off cannot be read: open the room the usual way.
      if (options.highlight === false) this.selectRoom(roomId);
      return;
    }
    this.store.dispatch({ type: 'timeline_reset', room_id: roomId });
    this.loaded(roomId, page.messages, 'latest', page.has_older ?? page.has_more);
    this.store.dispatch({ type: 'focus', room_id: roomId, seq, highlight: options.highlight ?? true });
    // Catches up from the hit to the newest message, so nothing between is missing.
    this.selectRoom(roomId);
  }

  /** Back to the newest messages (after jumping to an old one). */
  async jumpToLatest(roomId: string): Promise<void> {
    this.store.dispatch({ type: 'timeline_reset', room_id: roomId });
    await this.syncRoom(roomId);
  }

  retry(clientMsgId: string): void {
    this.outbox.retry(clientMsgId);
  }

  /** Call on every keystroke; sends at most one typing frame per room every 3 s. */
  typing(roomId: string): void {
    const now = this.t.now();
    const last = this.lastTypingSent.get(roomId);
    if (last !== undefined && now - last < TYPING_SEND_EVERY_MS) return;
    if (this.socket.send({ type: 'typing', room_id: roomId })) this.lastTypingSent.set(roomId, now);
  }

  /** Marks a room read up to `seq` unless that is already known or already asked for. */
  markRead(roomId: string, seq: number): void {
    const room = this.store.getState().rooms.find((r) => r.id === roomId);
    if (room && room.last_read_seq >= seq && room.unread === 0) return;
    if ((this.readSent.get(roomId) ?? 0) >= seq) return;
    this.readSent.set(roomId, seq);
    this.api.markRead(roomId, seq).then(
      (result) => {
        if (!this.stopped) this.store.dispatch({ type: 'read_marked', result });
      },
      (e: unknown) => {
        if (this.readSent.get(roomId) === seq) this.readSent.delete(roomId);
        if (isUnauthorized(e)) this.expire();
      },
    );
  }
}
