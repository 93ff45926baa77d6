// The REST client. Authentication rides on the HttpOnly cookies the backend sets, so no token is
// ever handled here: every request goes out with `credentials: 'same-origin'`, and a 401 triggers
// one shared `POST /api/auth/refresh` followed by a single retry.

import type {
  AttachmentLink,
  ErrorEnvelope,
  Me,
  Message,
  MessagePage,
  MessageReactions,
  Pins,
  PublicRoom,
  ReadResult,
  Readers,
  Room,
  RoomSummary,
  Session,
  SyncPage,
  User,
} from './protocol';
import { uuid } from './uuid';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  /** Seconds, from `Retry-After` on 429. */
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    fields: Record<string, string> = {},
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

/** `status` 0 means the request never got an HTTP answer. */
export const isNetworkError = (e: unknown): boolean => e instanceof ApiError && e.status === 0;
export const isUnauthorized = (e: unknown): boolean => e instanceof ApiError && e.status === 401;

/** Outcome of a refresh: `unauthorized` means the session is over and the user must log in. */
export type RefreshResult = 'ok' | 'unauthorized' | 'error';

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  display_name?: string;
}

export interface MessageQuery {
  before?: number;
  after?: number;
  around?: number;
  limit?: number;
}

export interface NewRoom {
  kind: 'group' | 'public';
  name: string;
  topic?: string;
  member_ids: string[];
}

export interface ApiOptions {
  fetch?: typeof fetch;
  /** Prefix for every path; '' (same origin) in the app. */
  baseUrl?: string;
  /** Called when a request fails with 401 even after a refresh: the session is over. */
  onUnauthorized?: () => void;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const FALLBACK_MESSAGES: Record<number, string> = {
  0: 'Cannot reach the server. Check your connection.',
  429: 'Too many requests. Please wait a moment.',
  502: 'The server is unavailable. Please try again.',
  503: 'The server is unavailable. Please try again.',
  504: 'The server did not answer in time.',
};

/**
 * The error an HTTP answer stands for: the service's envelope (code, message, fields), or a
 * plain one by its status when the body is none. `retryAfterHeader`: `Retry-After`, on 429.
 */
export function apiErrorOf(status: number, envelope: unknown, retryAfterHeader: string | null): ApiError {
  const retryAfter = retryAfterHeader !== null && retryAfterHeader !== '' ? Number(retryAfterHeader) : null;
  const after = Number.isFinite(retryAfter) ? retryAfter : null;
  const err = (envelope as Partial<ErrorEnvelope> | null)?.error;
  if (err && typeof err.code === 'string') {
    return new ApiError(status, err.code, typeof err.message === 'string' && err.message !== '' ? err.message : err.code, err.fields ?? {}, after);
  }
  return new ApiError(status, `http_${status}`, FALLBACK_MESSAGES[status] ?? `Request failed (${status}).`, {}, after);
}

async function toApiError(res: Response): Promise<ApiError> {
  let envelope: unknown = null;
  try {
    envelope = await res.json();
  } catch {
    envelope = null;
  }
  return apiErrorOf(res.status, envelope, res.headers.get('Retry-After'));
}

function query(params: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * Runs `f` under a lock shared by every tab of this origin, where the browser has Web Locks.
 * Refresh tokens rotate on use and reusing an old one revokes the whole family, so two tabs must
 * not refresh with the same cookie at once; in turn, the second one sends the rotated cookie.
 */
function acrossTabs<T>(f: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? (locks.request('chat-auth-refresh', f) as Promise<T>) : f();
}

const roomPath = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}`;
const pinPath = (roomId: string, seq: number) => `${roomPath(roomId)}/pins/${seq}`;
const reactionPath = (roomId: string, seq: number, emoji: string) =>
  `${roomPath(roomId)}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;

export function createApi(options: ApiOptions = {}) {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = options.baseUrl ?? '';
  let refreshing: Promise<RefreshResult> | null = null;

  async function raw(method: Method, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Request-Id': uuid() };
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (method !== 'GET' && method !== 'DELETE') {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body ?? {});
    }
    try {
      return await doFetch(base + path, init);
    } catch {
      throw new ApiError(0, 'network', FALLBACK_MESSAGES[0], {}, null);
    }
  }

  /** One refresh at a time: concurrent 401s all wait for the same call. */
  function refresh(): Promise<RefreshResult> {
    if (refreshing) return refreshing;
    refreshing = (async (): Promise<RefreshResult> => {
      try {
        const res = await acrossTabs(() => raw('POST', '/api/auth/refresh', {}));
        if (res.ok) return 'ok';
        // 429 and 5xx say nothing about the session; any other 4xx means it is gone.
        if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
          return 'unauthorized';
        }
        return 'error';
      } catch {
        return 'error';
      }
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let res = await raw(method, path, body);
    // Auth endpoints answer 401 for bad credentials; refreshing would not help there.
    if (res.status === 401 && !path.startsWith('/api/auth/')) {
      const r = await refresh();
      if (r === 'error') {
        // The refresh itself could not be done (network, 5xx): the session may still be fine.
        throw new ApiError(503, 'unavailable', 'Could not renew your session. Please try again.');
      }
      if (r === 'ok') res = await raw(method, path, body);
      if (res.status === 401) options.onUnauthorized?.();
    }
    if (!res.ok) throw await toApiError(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  // A room carries its first 100 members; a bigger one's are all read, a page at a time.
  async function withAllMembers(room: Room): Promise<Room> {
    if (room.members.length >= room.member_count) return room;
    const members: Room['members'] = [];
    let cursor: string | undefined;
    for (;;) {
      const page: { members: Room['members']; next_cursor: string | null } = await request(
        'GET',
        `${roomPath(room.id)}/members${query({ cursor, limit: 200 })}`,
      );
      members.push(...page.members);
      if (!page.next_cursor) return { ...room, members };
      cursor = page.next_cursor;
    }
  }

  // Every page of my rooms (a room with new activity moves to the front: kept once, by id).
  async function allRooms(): Promise<RoomSummary[]> {
    const rooms = new Map<string, RoomSummary>();
    let cursor: string | undefined;
    for (;;) {
      const page: { rooms: RoomSummary[]; next_cursor: string | null } = await request(
        'GET',
        `/api/rooms${query({ cursor, limit: 200 })}`,
      );
      for (const r of page.rooms) if (!rooms.has(r.id)) rooms.set(r.id, r);
      if (!page.next_cursor) return [...rooms.values()];
      cursor = page.next_cursor;
    }
  }

  return {
    refresh,
    register: (input: RegisterInput) => request<Session>('POST', '/api/auth/register', input),
    login: (login: string, password: string) =>
      request<Session>('POST', '/api/auth/login', { login, password }),
    logout: () => request<void>('POST', '/api/auth/logout', {}),
    logoutAll: () => request<void>('POST', '/api/auth/logout-all', {}),
    me: () => request<Me>('GET', '/api/users/me'),
    updateMe: (patch: { display_name?: string; notifications_enabled?: boolean }) =>
      request<Me>('PATCH', '/api/users/me', patch),
    changePassword: (current_password: string, new_password: string) =>
      request<void>('POST', '/api/users/me/password', { current_password, new_password }),
    telegramLink: () => request<{ url: string; expires_at: string }>('POST', '/api/users/me/telegram/link', {}),
    telegramUnlink: () => request<void>('DELETE', '/api/users/me/telegram'),
    getUser: (id: string) => request<User>('GET', `/api/users/${encodeURIComponent(id)}`),
    listBlocks: () => request<{ users: User[] }>('GET', '/api/users/me/blocks').then((r) => r.users),
    block: (id: string) => request<void>('PUT', `/api/users/${encodeURIComponent(id)}/block`),
    unblock: (id: string) => request<void>('DELETE', `/api/users/${encodeURIComponent(id)}/block`),
    searchUsers: (q: string, limit = 20) =>
      request<{ users: User[] }>('GET', `/api/users${query({ q, exclude_me: true, limit })}`).then(
        (r) => r.users,
      ),
    listRooms: allRooms,
    getRoom: (id: string) => request<Room>('GET', `/api/rooms/${encodeURIComponent(id)}`).then(withAllMembers),
    openDirect: (userId: string) => request<Room>('POST', '/api/rooms/direct', { user_id: userId }),
    /** What happened in my rooms after `cursor` (the gateway's `hello` cursor), oldest first. */
    sync: (cursor: string, limit = 500) =>
      request<SyncPage>('GET', `/api/rooms/sync${query({ cursor, limit })}`),
    getMessages: (roomId: string, q: MessageQuery = {}) =>
      request<MessagePage>('GET', `/api/rooms/${encodeURIComponent(roomId)}/messages${query(q)}`),
    postMessage: (roomId: string, clientMsgId: string, body: string, replyTo: string | null = null) =>
      request<Message>('POST', `/api/rooms/${encodeURIComponent(roomId)}/messages`, {
        client_msg_id: clientMsgId,
        body,
        reply_to: replyTo,
      }),
    markRead: (roomId: string, seq: number) =>
      request<ReadResult>('POST', `/api/rooms/${encodeURIComponent(roomId)}/read`, { seq }),
    editMessage: (roomId: string, seq: number, body: string) =>
      request<Message>('PATCH', `${roomPath(roomId)}/messages/${seq}`, { body }),
    deleteMessage: (roomId: string, seq: number) => request<void>('DELETE', `${roomPath(roomId)}/messages/${seq}`),
    readers: (roomId: string, seq: number) => request<Readers>('GET', `${roomPath(roomId)}/messages/${seq}/readers`),
    /**
     * New links to a message's file (and thumbnail) for me, good for 10 minutes with my session
     * only (404: no file, or not mine to read). History, search and upload answers carry such
     * links already; live frames do not.
     */
    attachmentLink: (roomId: string, seq: number) =>
      request<AttachmentLink>('GET', `${roomPath(roomId)}/messages/${seq}/attachment/link`),
    /** Adds my reaction (idempotent); answers the message's whole summary, with `me`. */
    react: (roomId: string, seq: number, emoji: string) =>
      request<MessageReactions>('PUT', reactionPath(roomId, seq, emoji)),
    /** Takes my reaction back (idempotent); answers the message's whole summary, with `me`. */
    unreact: (roomId: string, seq: number, emoji: string) =>
      request<MessageReactions>('DELETE', reactionPath(roomId, seq, emoji)),
    /** A room's pinned messages, the latest pin first. */
    pins: (roomId: string) => request<Pins>('GET', `${roomPath(roomId)}/pins`),
    /** Pins a message (owners and admins; either person in a direct chat); idempotent; answers the pins after. */
    pin: (roomId: string, seq: number) => request<Pins>('PUT', pinPath(roomId, seq)),
    /** Unpins a message (as `pin`); idempotent; answers the pins after. */
    unpin: (roomId: string, seq: number) => request<Pins>('DELETE', pinPath(roomId, seq)),
    /**
     * Forwards a message I can read to a room I belong to: a copy sent by me, with
     * `forwarded_from`. A retry with the same `clientMsgId` answers the first copy.
     */
    forward: (roomId: string, messageId: string, clientMsgId: string) =>
      request<Message>('POST', `${roomPath(roomId)}/forward`, { client_msg_id: clientMsgId, message_id: messageId }),
    createRoom: (room: NewRoom) => request<Room>('POST', '/api/rooms', room).then(withAllMembers),
    updateRoom: (roomId: string, patch: { name?: string; topic?: string | null }) =>
      request<Room>('PATCH', roomPath(roomId), patch),
    publicRooms: (q: string, limit = 30) =>
      request<{ rooms: PublicRoom[]; next_cursor: string | null }>('GET', `/api/rooms/public${query({ q, limit })}`).then(
        (r) => r.rooms,
      ),
    joinRoom: (roomId: string) => request<Room>('POST', `${roomPath(roomId)}/join`, {}).then(withAllMembers),
    leaveRoom: (roomId: string) => request<unknown>('POST', `${roomPath(roomId)}/leave`, {}),
    addMember: (roomId: string, userId: string) => request<Room>('POST', `${roomPath(roomId)}/members`, { user_id: userId }),
    kick: (roomId: string, userId: string) =>
      request<void>('DELETE', `${roomPath(roomId)}/members/${encodeURIComponent(userId)}`),
    setRole: (roomId: string, userId: string, role: 'owner' | 'admin' | 'member') =>
      request<Room>('PUT', `${roomPath(roomId)}/members/${encodeURIComponent(userId)}/role`, { role }),
    setMute: (roomId: string, muted: boolean) => request<{ muted: boolean }>('PUT', `${roomPath(roomId)}/mute`, { muted }),
    search: (q: string, roomId: string | null, limit = 30) =>
      request<{ hits: Message[]; next_cursor: string | null }>(
        'GET',
        `/api/rooms/search${query({ q, room_id: roomId ?? undefined, limit })}`,
      ).then((r) => r.hits),
  };
}

export type Api = ReturnType<typeof createApi>;
