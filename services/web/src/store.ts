// All chat state lives here, in one plain reducer: rooms, message timelines (confirmed and
// pending sends), read receipts, typing, presence, pinned messages and the user cache. Components read it through
// `useSyncExternalStore`; the controller in client.ts is the only code that dispatches.

import { mentionsMe } from './mentions';
import type { Attachment, Forwarded, Me, MemberRole, Message, Pin, Reaction, ReadResult, Room, RoomMember, RoomSummary, User } from './protocol';

export type MessageStatus = 'pending' | 'sent' | 'failed';

/** A message the user sent that the server has not confirmed yet. */
export interface PendingMessage {
  client_msg_id: string;
  room_id: string;
  sender_id: string;
  body: string;
  reply_to: string | null;
  created_at: string;
  status: 'pending' | 'failed';
  error: string | null;
}

export interface Timeline {
  /** Confirmed messages, ascending by seq, unique by id and by seq. */
  messages: Message[];
  /** Own sends not confirmed yet, in the order they were written. */
  pending: PendingMessage[];
  /** True once the latest page was fetched (a timeline may hold live messages before that). */
  loaded: boolean;
  /** Whether older messages exist before `messages[0]`. */
  hasMoreBefore: boolean;
  /** Grows each time the timeline is started over (a jump), so views know to start over too. */
  epoch: number;
}

/** One row of the rendered timeline. `key` stays the same from pending to sent. */
export interface TimelineItem {
  key: string;
  id: string | null;
  seq: number | null;
  room_id: string;
  sender_id: string;
  body: string;
  created_at: string;
  client_msg_id: string | null;
  reply_to: string | null;
  edited: boolean;
  deleted: boolean;
  status: MessageStatus;
  error: string | null;
  /** Its reactions by emoji, with `me`; [] for pending sends and deleted messages. */
  reactions: Reaction[];
  /** Who wrote the original, for a forwarded message. */
  forwarded_from: Forwarded | null;
  /** The file it carries (stored messages only; none once deleted). */
  attachment: Attachment | null;
}

/** Someone joined or left while the room was open: shown in the timeline after `after_seq`. */
export interface RoomNotice {
  key: string;
  after_seq: number;
  user_id: string;
  kind: 'joined' | 'left';
  /** Who did it, when someone else than `user_id` (added or removed them). */
  by?: string;
  at: string;
}

/** connecting: the socket is not open yet (quiet); offline: that has lasted past the grace time. */
export type ConnectionStatus = 'connecting' | 'offline' | 'online';

export interface ChatState {
  me: User | null;
  /** My private settings (email, notifications, Telegram), once fetched. */
  account: Me | null;
  /** room id -> members, for rooms whose details were fetched. */
  members: Record<string, RoomMember[]>;
  /** room id -> highest seq every member has read. */
  readByAll: Record<string, number>;
  /** room id -> joins and leaves seen live. */
  notices: Record<string, RoomNotice[]>;
  /** user id -> last seen, from presence frames. */
  lastSeen: Record<string, string>;
  /** A message to scroll to and highlight (a search hit). */
  focus: { room_id: string; seq: number; highlight: boolean } | null;
  users: Record<string, User>;
  rooms: RoomSummary[];
  roomsLoaded: boolean;
  timelines: Record<string, Timeline>;
  /** room id -> user id -> highest seq that user has read. */
  receipts: Record<string, Record<string, number>>;
  /** room id -> user id -> time (ms) until which "typing" is shown. */
  typing: Record<string, Record<string, number>>;
  presence: Record<string, boolean>;
  connection: ConnectionStatus;
  selectedRoomId: string | null;
  /** Last error not tied to one message (shown as a banner). */
  notice: string | null;
  /** user id -> true for the people I blocked: their messages are not shown. */
  blocked: Record<string, true>;
  /** room id -> its pinned messages, the latest pin first, for rooms whose pins were fetched. */
  pins: Record<string, Pin[]>;
  /** room id -> who added me to it, seen live: the room offers to leave at once. */
  addedBy: Record<string, string>;
}

export const initialState: ChatState = {
  me: null,
  account: null,
  members: {},
  readByAll: {},
  notices: {},
  lastSeen: {},
  focus: null,
  users: {},
  rooms: [],
  roomsLoaded: false,
  timelines: {},
  receipts: {},
  typing: {},
  presence: {},
  connection: 'connecting',
  selectedRoomId: null,
  notice: null,
  blocked: {},
  pins: {},
  addedBy: {},
};

export type Action =
  | { type: 'reset' }
  | { type: 'me'; user: User }
  | { type: 'users'; users: User[] }
  | { type: 'rooms_loaded'; rooms: RoomSummary[] }
  | { type: 'room_detail'; room: Room }
  | { type: 'select_room'; room_id: string | null }
  | {
      type: 'messages_loaded';
      room_id: string;
      messages: Message[];
      /** latest: the newest page; before: an older page; after: catching up. */
      direction: 'latest' | 'before' | 'after';
      has_more: boolean;
    }
  | { type: 'timeline_reset'; room_id: string }
  | { type: 'message_received'; message: Message }
  | { type: 'send_pending'; pending: Omit<PendingMessage, 'status' | 'error'> }
  | { type: 'send_retry'; room_id: string; client_msg_id: string }
  | { type: 'send_failed'; room_id: string; client_msg_id: string; error: string }
  | { type: 'typing'; room_id: string; user_id: string; until: number }
  | { type: 'typing_clear'; room_id: string; user_id: string; until: number }
  | { type: 'read_receipt'; room_id: string; user_id: string; seq: number }
  | { type: 'read_marked'; result: ReadResult }
  | { type: 'presence'; user_id: string; online: boolean; last_seen_at?: string | null }
  | { type: 'user_renamed'; user_id: string; display_name: string }
  | { type: 'account'; account: Me }
  | { type: 'message_deleted'; room_id: string; seq: number }
  | {
      /**
       * A message's whole reaction summary as of `version`: a REST answer (with `me`), or a
       * `reactions_changed` event (without `me`; `change` says whose change it was).
       */
      type: 'reactions';
      room_id: string;
      seq: number;
      message_id: string;
      version: number;
      reactions: Reaction[];
      change?: { user_id: string; emoji: string; added: boolean };
    }
  /** A room's pins as the server gave them (fetched, or the answer to pinning or unpinning). */
  | { type: 'pins'; room_id: string; pins: Pin[] }
  | { type: 'read_by_all'; room_id: string; seq: number }
  | { type: 'unread'; room_id: string; last_read_seq: number; unread: number; mentions?: number }
  | { type: 'room_updated'; room_id: string; name: string | null; topic: string | null }
  | { type: 'room_gone'; room_id: string }
  | { type: 'member_joined'; room_id: string; user_id: string; role: MemberRole; at: string }
  | { type: 'member_left'; room_id: string; user_id: string; by?: string; at: string }
  | { type: 'member_role'; room_id: string; user_id: string; role: MemberRole }
  | { type: 'muted'; room_id: string; muted: boolean }
  | { type: 'focus'; room_id: string; seq: number; highlight?: boolean }
  | { type: 'focus_done' }
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'notice'; message: string | null }
  | { type: 'blocks_loaded'; user_ids: string[] }
  | { type: 'block_changed'; user_id: string; blocked: boolean }
  | { type: 'added_to_room'; room_id: string; by: string }
  | { type: 'added_seen'; room_id: string };

export const emptyTimeline: Timeline = { messages: [], pending: [], loaded: false, hasMoreBefore: false, epoch: 0 };

/**
 * Merges messages into an ascending list. A message with a known id replaces the stored one (it
 * may have been edited); a message whose seq is already taken by another id is the server's later
 * word and replaces it too. Reactions go by their version: a message that carries none (an edit
 * event, an ack) keeps the held ones, and of two summaries the newer wins. A file's download
 * links likewise: a message without them (a live frame, an edit) keeps those a REST answer gave
 * for the same file, and newer ones replace them. Returns `existing` itself when nothing changed.
 */
export function mergeMessages(existing: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return existing;
  const bySeq = new Map<number, Message>();
  for (const m of existing) bySeq.set(m.seq, m);
  let changed = false;
  const idToSeq = new Map<string, number>();
  for (const m of existing) idToSeq.set(m.id, m.seq);
  for (const next of incoming) {
    const oldSeq = idToSeq.get(next.id);
    if (oldSeq !== undefined && oldSeq !== next.seq) bySeq.delete(oldSeq);
    const old = bySeq.get(next.seq);
    const m = old && old.id === next.id ? withLinksOf(withReactionsOf(next, old), old) : next;
    if (old && sameMessage(old, m)) continue;
    bySeq.set(m.seq, m);
    idToSeq.set(m.id, m.seq);
    changed = true;
  }
  if (!changed) return existing;
  return Array.from(bySeq.values()).sort((a, b) => a.seq - b.seq);
}

function sameMessage(a: Message, b: Message): boolean {
  return (
    a.id === b.id &&
    a.seq === b.seq &&
    a.body === b.body &&
    a.edited_at === b.edited_at &&
    a.deleted === b.deleted &&
    (a.reactions_version ?? null) === (b.reactions_version ?? null) &&
    (a.attachment?.id ?? null) === (b.attachment?.id ?? null) &&
    (a.attachment?.url ?? null) === (b.attachment?.url ?? null) &&
    (a.attachment?.thumbnail_url ?? null) === (b.attachment?.thumbnail_url ?? null)
  );
}

/** `next` with the download links of `held`'s file when it carries the same file without any. */
function withLinksOf(next: Message, held: Message): Message {
  const a = next.attachment;
  const h = held.attachment;
  if (!a || !h || a.id !== h.id || a.url || !h.url) return next;
  return { ...next, attachment: { ...a, url: h.url, thumbnail_url: h.thumbnail_url ?? null } };
}

/** `next` with the reactions of `held` when those are newer (or `next` carries none); none once deleted. */
function withReactionsOf(next: Message, held: Message): Message {
  const heldVersion = held.reactions_version ?? null;
  const nextVersion = next.reactions_version ?? null;
  let m = next;
  if (heldVersion !== null && (nextVersion === null || heldVersion > nextVersion)) {
    m = { ...next, reactions: held.reactions, reactions_version: heldVersion };
  }
  if (m.deleted && (m.reactions?.length ?? 0) > 0) m = { ...m, reactions: [] };
  return m;
}

/**
 * `me` for a summary from an event, which carries none: my own change says it for its emoji;
 * otherwise the listed reactors do when they are all listed, and past ten what was held.
 */
function reactionsWithMe(
  reactions: Reaction[],
  held: Reaction[],
  change: { user_id: string; emoji: string; added: boolean },
  meId: string | null,
): Reaction[] {
  return reactions.map((r) => {
    let me: boolean;
    if (meId !== null && change.user_id === meId && r.emoji === change.emoji) me = change.added;
    else if (meId !== null && r.user_ids.includes(meId)) me = true;
    else if (r.count <= r.user_ids.length) me = false;
    else me = held.find((h) => h.emoji === r.emoji)?.me ?? false;
    return { ...r, me };
  });
}

/** Drops pending sends that the given confirmed messages stand for. */
function settlePending(pending: PendingMessage[], confirmed: Message[]): PendingMessage[] {
  if (pending.length === 0) return pending;
  const done = new Set<string>();
  for (const m of confirmed) {
    if (m.client_msg_id) done.add(`${m.sender_id}\u0000${m.client_msg_id}`);
  }
  const left = pending.filter((p) => !done.has(`${p.sender_id}\u0000${p.client_msg_id}`));
  return left.length === pending.length ? pending : left;
}

function time(t: string | null | undefined): number {
  const n = t ? Date.parse(t) : NaN;
  return Number.isNaN(n) ? 0 : n;
}

const NO_PRESENCE: Record<string, boolean> = Object.freeze({}) as Record<string, boolean>;

/**
 * Who is online, as far as this app knows: nothing while its own socket is down, since presence
 * frames cannot arrive then and what it last heard may be stale.
 */
export function knownPresence(s: ChatState): Record<string, boolean> {
  return s.connection === 'online' ? s.presence : NO_PRESENCE;
}

/** Newest activity first; ties broken by id so the order is stable. */
export function sortRooms(rooms: RoomSummary[]): RoomSummary[] {
  return [...rooms].sort(
    (a, b) => time(b.last_activity_at) - time(a.last_activity_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * Applies a new message to its room summary. Unread grows only for a message from someone else
 * that is newer than anything the summary knew (so a replayed frame, or a frame for a message the
 * room list already counted, changes nothing); `mentions` too when it mentions me (or everyone).
 */
export function applyMessageToRoom(
  room: RoomSummary,
  m: Message,
  meId: string | null,
  blocked: Record<string, true> = {},
): RoomSummary {
  const isNew = m.seq > room.last_seq;
  const newerPreview = room.last_message == null || m.seq >= room.last_message.seq;
  if (!isNew && !newerPreview) return room;
  const next: RoomSummary = { ...room };
  if (newerPreview) next.last_message = m;
  if (isNew) {
    next.last_seq = m.seq;
    if (time(m.created_at) > time(room.last_activity_at)) next.last_activity_at = m.created_at;
    if (m.sender_id === meId) {
      // Writing in a room means having read it, when nothing else was waiting.
      if (room.unread === 0) next.last_read_seq = Math.max(room.last_read_seq, m.seq);
    } else if (m.seq > room.last_read_seq && !blocked[m.sender_id]) {
      // Messages of someone I blocked are not shown, so they are not unread (as the server counts).
      next.unread = room.unread + 1;
      if (mentionsMe(m.body, meId)) next.mentions = (room.mentions ?? 0) + 1;
    }
  }
  return next;
}

/**
 * Applies my read mark and the unread and mention counts the server gave with it (an `unread`
 * frame, or the answer to marking read). A mark older than the room's tells nothing new. The
 * server counted when the mark was made, and its answer can come after newer messages did: those
 * still count. Both are lower bounds of what is unread now, so the larger wins. Without a
 * mention count (an older server) the one held stays, never above unread.
 */
function applyReadMark(
  state: ChatState,
  roomId: string,
  lastReadSeq: number,
  serverUnread: number,
  serverMentions: number | undefined,
): ChatState {
  const meId = state.me?.id ?? null;
  let s = updateRoom(state, roomId, (r) => {
    if (lastReadSeq < r.last_read_seq) return r;
    const held = unreadAfter(state.timelines[roomId], lastReadSeq, meId, state.blocked);
    const unread = Math.max(serverUnread, held.length);
    const mentionsHeld = held.filter((m) => mentionsMe(m.body, meId)).length;
    const mentions = Math.min(unread, serverMentions === undefined ? (r.mentions ?? 0) : Math.max(serverMentions, mentionsHeld));
    return r.last_read_seq === lastReadSeq && r.unread === unread && (r.mentions ?? 0) === mentions
      ? r
      : { ...r, last_read_seq: lastReadSeq, unread, mentions };
  });
  if (state.me) s = setReceipt(s, roomId, state.me.id, lastReadSeq);
  return s;
}

/** Messages held in `timeline` after `seq` that count as unread: others', shown, not deleted. */
function unreadAfter(
  timeline: Timeline | undefined,
  seq: number,
  meId: string | null,
  blocked: Record<string, true>,
): Message[] {
  if (!timeline) return [];
  return timeline.messages.filter((m) => m.seq > seq && m.sender_id !== meId && !m.deleted && !blocked[m.sender_id]);
}

/**
 * Pins follow their messages: a newer copy of a pinned message (an edit) shows in its pin, and a
 * deleted one is unpinned (as the server does). Returns `state` itself when nothing changed.
 */
function withPinnedMessages(state: ChatState, roomId: string, messages: Message[]): ChatState {
  const pins = state.pins[roomId];
  if (!pins || pins.length === 0 || messages.length === 0) return state;
  const byId = new Map(messages.map((m) => [m.id, m]));
  let changed = false;
  const next: Pin[] = [];
  for (const p of pins) {
    const m = byId.get(p.message.id);
    if (m?.deleted) {
      changed = true;
      continue;
    }
    // An edit delivered late (older than the text held) changes nothing.
    if (m && (m.body !== p.message.body || m.edited_at !== p.message.edited_at) && time(m.edited_at) >= time(p.message.edited_at)) {
      next.push({ ...p, message: { ...p.message, body: m.body, edited_at: m.edited_at } });
      changed = true;
      continue;
    }
    next.push(p);
  }
  return changed ? { ...state, pins: { ...state.pins, [roomId]: next } } : state;
}

function samePins(a: Pin[] | undefined, b: Pin[]): boolean {
  return (
    a !== undefined &&
    a.length === b.length &&
    a.every(
      (p, i) =>
        p.message.id === b[i].message.id &&
        p.message.body === b[i].message.body &&
        p.message.edited_at === b[i].message.edited_at &&
        p.pinned_at === b[i].pinned_at &&
        p.pinned_by === b[i].pinned_by,
    )
  );
}

function updateTimeline(state: ChatState, roomId: string, f: (t: Timeline) => Timeline): ChatState {
  const old = state.timelines[roomId] ?? emptyTimeline;
  const next = f(old);
  if (next === old) return state;
  return { ...state, timelines: { ...state.timelines, [roomId]: next } };
}

function updateRoom(state: ChatState, roomId: string, f: (r: RoomSummary) => RoomSummary): ChatState {
  const i = state.rooms.findIndex((r) => r.id === roomId);
  if (i < 0) return state;
  const next = f(state.rooms[i]);
  if (next === state.rooms[i]) return state;
  const rooms = [...state.rooms];
  rooms[i] = next;
  return { ...state, rooms: sortRooms(rooms) };
}

function setReceipt(state: ChatState, roomId: string, userId: string, seq: number): ChatState {
  const room = state.receipts[roomId] ?? {};
  if ((room[userId] ?? 0) >= seq) return state;
  return { ...state, receipts: { ...state.receipts, [roomId]: { ...room, [userId]: seq } } };
}

export function reducer(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'reset':
      return initialState;

    case 'me':
      return { ...state, me: action.user, users: { ...state.users, [action.user.id]: action.user } };

    case 'users': {
      if (action.users.length === 0) return state;
      const users = { ...state.users };
      const presence = { ...state.presence };
      for (const u of action.users) {
        users[u.id] = u;
        if (!(u.id in presence)) presence[u.id] = u.online;
      }
      return { ...state, users, presence };
    }

    case 'rooms_loaded': {
      // A message that arrived live may be newer than the list that was in flight: keep it.
      const known = new Map(state.rooms.map((r) => [r.id, r]));
      const rooms = action.rooms.map((r) => {
        const old = known.get(r.id);
        const live = old?.last_message;
        return live && live.seq > r.last_seq ? applyMessageToRoom(r, live, state.me?.id ?? null, state.blocked) : r;
      });
      return { ...state, rooms: sortRooms(rooms), roomsLoaded: true };
    }

    case 'room_detail': {
      let s: ChatState = { ...state, members: { ...state.members, [action.room.id]: action.room.members } };
      for (const m of action.room.members) s = setReceipt(s, action.room.id, m.user_id, m.last_read_seq);
      if (action.room.members.length > 0) {
        const all = Math.min(...action.room.members.map((m) => m.last_read_seq));
        if ((s.readByAll[action.room.id] ?? 0) < all) s = { ...s, readByAll: { ...s.readByAll, [action.room.id]: all } };
      }
      return s;
    }

    case 'select_room':
      return state.selectedRoomId === action.room_id ? state : { ...state, selectedRoomId: action.room_id };

    case 'messages_loaded': {
      const meId = state.me?.id ?? null;
      let s = updateTimeline(state, action.room_id, (t) => {
        const messages = mergeMessages(t.messages, action.messages);
        const pending = settlePending(t.pending, action.messages);
        let { loaded, hasMoreBefore } = t;
        if (action.direction === 'latest') {
          // Live messages held before the first load may leave a gap below them; the page fixes it.
          loaded = true;
          hasMoreBefore = action.has_more;
        } else if (action.direction === 'before') {
          hasMoreBefore = action.has_more;
        }
        if (messages === t.messages && pending === t.pending && loaded === t.loaded && hasMoreBefore === t.hasMoreBefore) {
          return t;
        }
        return { ...t, messages, pending, loaded, hasMoreBefore };
      });
      s = withPinnedMessages(s, action.room_id, action.messages);
      const ordered = [...action.messages].sort((a, b) => a.seq - b.seq);
      return updateRoom(s, action.room_id, (r) => ordered.reduce((acc, m) => applyMessageToRoom(acc, m, meId, state.blocked), r));
    }

    case 'timeline_reset':
      return updateTimeline(state, action.room_id, (t) => ({ ...emptyTimeline, pending: t.pending, epoch: t.epoch + 1 }));

    case 'message_received': {
      const m = action.message;
      let s = updateTimeline(state, m.room_id, (t) => {
        const messages = mergeMessages(t.messages, [m]);
        const pending = settlePending(t.pending, [m]);
        return messages === t.messages && pending === t.pending ? t : { ...t, messages, pending };
      });
      s = updateRoom(s, m.room_id, (r) => applyMessageToRoom(r, m, state.me?.id ?? null, state.blocked));
      // An edit of a pinned message shows in its pin.
      s = withPinnedMessages(s, m.room_id, [m]);
      // Whoever sent a message has stopped typing.
      const typingRoom = s.typing[m.room_id];
      if (typingRoom && m.sender_id in typingRoom) {
        const rest = { ...typingRoom };
        delete rest[m.sender_id];
        s = { ...s, typing: { ...s.typing, [m.room_id]: rest } };
      }
      // The sender has read their own message.
      return setReceipt(s, m.room_id, m.sender_id, m.seq);
    }

    case 'send_pending':
      return updateTimeline(state, action.pending.room_id, (t) => {
        if (t.pending.some((p) => p.client_msg_id === action.pending.client_msg_id)) return t;
        return { ...t, pending: [...t.pending, { ...action.pending, status: 'pending', error: null }] };
      });

    case 'send_retry':
    case 'send_failed': {
      const status = action.type === 'send_retry' ? 'pending' : 'failed';
      const error = action.type === 'send_failed' ? action.error : null;
      return updateTimeline(state, action.room_id, (t) => {
        const i = t.pending.findIndex((p) => p.client_msg_id === action.client_msg_id);
        if (i < 0) return t;
        const pending = [...t.pending];
        pending[i] = { ...pending[i], status, error };
        return { ...t, pending };
      });
    }

    case 'typing': {
      if (action.user_id === state.me?.id) return state;
      const room = state.typing[action.room_id] ?? {};
      return { ...state, typing: { ...state.typing, [action.room_id]: { ...room, [action.user_id]: action.until } } };
    }

    case 'typing_clear': {
      const room = state.typing[action.room_id];
      // Only the timer of the latest typing frame clears it.
      if (!room || room[action.user_id] !== action.until) return state;
      const rest = { ...room };
      delete rest[action.user_id];
      return { ...state, typing: { ...state.typing, [action.room_id]: rest } };
    }

    case 'read_receipt': {
      let s = setReceipt(state, action.room_id, action.user_id, action.seq);
      if (action.user_id === state.me?.id) {
        // Read on another device or tab.
        s = updateRoom(s, action.room_id, (r) => {
          if (action.seq <= r.last_read_seq) return r;
          const unread = Math.min(r.unread, Math.max(0, r.last_seq - action.seq));
          // Which of them mention me the `unread` frame that follows says; never more than unread.
          return { ...r, last_read_seq: action.seq, unread, mentions: Math.min(r.mentions ?? 0, unread) };
        });
      }
      return s;
    }

    case 'read_marked':
      return applyReadMark(state, action.result.room_id, action.result.last_read_seq, action.result.unread, action.result.mentions);

    case 'blocks_loaded':
      return { ...state, blocked: Object.fromEntries(action.user_ids.map((id) => [id, true as const])) };
    case 'block_changed': {
      const blocked = { ...state.blocked };
      if (action.blocked) blocked[action.user_id] = true;
      else delete blocked[action.user_id];
      return { ...state, blocked };
    }
    case 'added_to_room':
      return { ...state, addedBy: { ...state.addedBy, [action.room_id]: action.by } };
    case 'added_seen': {
      if (!(action.room_id in state.addedBy)) return state;
      const addedBy = { ...state.addedBy };
      delete addedBy[action.room_id];
      return { ...state, addedBy };
    }
    case 'user_renamed': {
      // Everything that shows a name reads it from `users` (and mine from `me` and `account`).
      const known = state.users[action.user_id];
      const users = known ? { ...state.users, [action.user_id]: { ...known, display_name: action.display_name } } : state.users;
      const isMe = state.me?.id === action.user_id;
      return {
        ...state,
        users,
        me: isMe && state.me ? { ...state.me, display_name: action.display_name } : state.me,
        account: isMe && state.account ? { ...state.account, display_name: action.display_name } : state.account,
      };
    }

    case 'presence': {
      const seen = action.last_seen_at ?? null;
      if (state.presence[action.user_id] === action.online && (seen === null || state.lastSeen[action.user_id] === seen)) {
        return state;
      }
      return {
        ...state,
        presence: { ...state.presence, [action.user_id]: action.online },
        lastSeen: seen === null ? state.lastSeen : { ...state.lastSeen, [action.user_id]: seen },
      };
    }

    case 'account': {
      const me: User = { ...(state.me ?? action.account), ...pickUser(action.account) };
      return { ...state, account: action.account, me, users: { ...state.users, [me.id]: me } };
    }

    case 'message_deleted': {
      let s = updateRoom(state, action.room_id, (r) =>
        r.last_message && r.last_message.seq === action.seq && !r.last_message.deleted
          ? { ...r, last_message: { ...r.last_message, deleted: true, body: '', attachment: null } }
          : r,
      );
      // A deleted message is unpinned (the server says so too, with a pins_changed).
      const pins = s.pins[action.room_id];
      if (pins?.some((p) => p.message.seq === action.seq)) {
        s = { ...s, pins: { ...s.pins, [action.room_id]: pins.filter((p) => p.message.seq !== action.seq) } };
      }
      return updateTimeline(s, action.room_id, (t) => {
        const i = t.messages.findIndex((m) => m.seq === action.seq);
        if (i < 0 || t.messages[i].deleted) return t;
        const messages = [...t.messages];
        messages[i] = { ...messages[i], deleted: true, body: '', reactions: [], attachment: null };
        return { ...t, messages };
      });
    }

    case 'reactions':
      // Only the timeline: the room list's preview and order do not follow reactions.
      return updateTimeline(state, action.room_id, (t) => {
        const i = t.messages.findIndex((m) => m.seq === action.seq);
        if (i < 0) return t;
        const m = t.messages[i];
        // At least once and in any order: a summary applies only over an older one.
        if (m.id !== action.message_id || m.deleted || action.version <= (m.reactions_version ?? 0)) return t;
        const reactions = action.change
          ? reactionsWithMe(action.reactions, m.reactions ?? [], action.change, state.me?.id ?? null)
          : action.reactions;
        const messages = [...t.messages];
        messages[i] = { ...m, reactions, reactions_version: action.version };
        return { ...t, messages };
      });

    case 'pins':
      return samePins(state.pins[action.room_id], action.pins)
        ? state
        : { ...state, pins: { ...state.pins, [action.room_id]: action.pins } };

    case 'read_by_all':
      return (state.readByAll[action.room_id] ?? 0) >= action.seq
        ? state
        : { ...state, readByAll: { ...state.readByAll, [action.room_id]: action.seq } };

    case 'unread':
      return applyReadMark(state, action.room_id, action.last_read_seq, action.unread, action.mentions);

    case 'room_updated':
      return updateRoom(state, action.room_id, (r) =>
        r.name === action.name && r.topic === action.topic ? r : { ...r, name: action.name, topic: action.topic },
      );

    case 'room_gone': {
      if (!state.rooms.some((r) => r.id === action.room_id) && state.selectedRoomId !== action.room_id) return state;
      const pins = { ...state.pins };
      delete pins[action.room_id];
      return {
        ...state,
        pins,
        rooms: state.rooms.filter((r) => r.id !== action.room_id),
        selectedRoomId: state.selectedRoomId === action.room_id ? null : state.selectedRoomId,
      };
    }

    case 'member_joined':
    case 'member_left': {
      const list = state.members[action.room_id];
      let s = state;
      if (list) {
        const rest = list.filter((m) => m.user_id !== action.user_id);
        const next =
          action.type === 'member_joined' ? [...rest, { user_id: action.user_id, role: action.role, last_read_seq: 0 }] : rest;
        s = { ...s, members: { ...s.members, [action.room_id]: next } };
      }
      s = updateRoom(s, action.room_id, (r) => {
        const count = action.type === 'member_joined' ? r.member_count + 1 : Math.max(0, r.member_count - 1);
        return { ...r, member_count: list ? (s.members[action.room_id]?.length ?? count) : count };
      });
      const t = s.timelines[action.room_id];
      const notice: RoomNotice = {
        key: `n:${action.type}:${action.user_id}:${action.at}`,
        after_seq: lastSeq(t) ?? 0,
        user_id: action.user_id,
        kind: action.type === 'member_joined' ? 'joined' : 'left',
        at: action.at,
      };
      if (action.type === 'member_left' && action.by && action.by !== action.user_id) notice.by = action.by;
      const notices = s.notices[action.room_id] ?? [];
      return { ...s, notices: { ...s.notices, [action.room_id]: [...notices, notice] } };
    }

    case 'member_role': {
      const list = state.members[action.room_id];
      let s = state;
      if (list) {
        s = {
          ...s,
          members: {
            ...s.members,
            [action.room_id]: list.map((m) => (m.user_id === action.user_id ? { ...m, role: action.role } : m)),
          },
        };
      }
      if (action.user_id === state.me?.id) s = updateRoom(s, action.room_id, (r) => ({ ...r, my_role: action.role }));
      return s;
    }

    case 'focus':
      return { ...state, focus: { room_id: action.room_id, seq: action.seq, highlight: action.highlight ?? true } };

    case 'focus_done':
      return state.focus === null ? state : { ...state, focus: null };

    case 'muted':
      return updateRoom(state, action.room_id, (r) => (r.muted === action.muted ? r : { ...r, muted: action.muted }));

    case 'connection':
      return state.connection === action.status ? state : { ...state, connection: action.status };

    case 'notice':
      return state.notice === action.message ? state : { ...state, notice: action.message };
  }
}

// ---------------------------------------------------------------------------
// Selectors

const timelineCache = new WeakMap<Timeline, TimelineItem[]>();
const NO_REACTIONS: Reaction[] = Object.freeze([]) as unknown as Reaction[];

/** Confirmed messages by seq, then pending sends; the same array for the same timeline. */
export function timelineItems(t: Timeline): TimelineItem[] {
  const cached = timelineCache.get(t);
  if (cached) return cached;
  const items: TimelineItem[] = t.messages.map((m) => ({
    key: m.client_msg_id ? `c:${m.sender_id}:${m.client_msg_id}` : `m:${m.id}`,
    id: m.id,
    seq: m.seq,
    room_id: m.room_id,
    sender_id: m.sender_id,
    body: m.body,
    created_at: m.created_at,
    client_msg_id: m.client_msg_id,
    reply_to: m.reply_to ?? null,
    edited: m.edited_at != null,
    deleted: m.deleted,
    status: 'sent',
    error: null,
    reactions: m.deleted ? NO_REACTIONS : (m.reactions ?? NO_REACTIONS),
    forwarded_from: m.forwarded_from ?? null,
    attachment: m.deleted ? null : (m.attachment ?? null),
  }));
  for (const p of t.pending) {
    items.push({
      key: `c:${p.sender_id}:${p.client_msg_id}`,
      id: null,
      seq: null,
      room_id: p.room_id,
      sender_id: p.sender_id,
      body: p.body,
      created_at: p.created_at,
      client_msg_id: p.client_msg_id,
      reply_to: p.reply_to,
      edited: false,
      deleted: false,
      status: p.status,
      error: p.error,
      reactions: NO_REACTIONS,
      forwarded_from: null,
      attachment: null,
    });
  }
  timelineCache.set(t, items);
  return items;
}

function pickUser(u: User): User {
  return {
    id: u.id,
    username: u.username,
    display_name: u.display_name,
    created_at: u.created_at,
    online: u.online,
    last_seen_at: u.last_seen_at,
  };
}

export function lastSeq(t: Timeline | undefined): number | null {
  return t && t.messages.length > 0 ? t.messages[t.messages.length - 1].seq : null;
}

export function totalUnread(state: ChatState): number {
  return state.rooms.reduce((n, r) => n + r.unread, 0);
}

/** Unread messages that mention me (or everyone), in all rooms. */
export function totalMentions(state: ChatState): number {
  return state.rooms.reduce((n, r) => n + (r.mentions ?? 0), 0);
}

/** Highest seq read by any member other than `meId` (for "read" ticks on own messages). */
export function peersReadSeq(state: ChatState, roomId: string, meId: string | null): number {
  const r = state.receipts[roomId];
  if (!r) return 0;
  let max = 0;
  for (const [uid, seq] of Object.entries(r)) if (uid !== meId && seq > max) max = seq;
  return max;
}

// ---------------------------------------------------------------------------
// A minimal external store for useSyncExternalStore.

export interface Store {
  getState(): ChatState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: ChatState = initialState): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
