// Wire types shared with the backend: REST payloads (docs/API.md) and WebSocket frames (/ws).
// Field names are snake_case on the wire and kept that way here so nothing is renamed twice.

export type Uuid = string;
/** RFC 3339 timestamp in UTC. */
export type Timestamp = string;

export interface User {
  id: Uuid;
  username: string;
  display_name: string;
  created_at: Timestamp;
  online: boolean;
  last_seen_at: Timestamp | null;
}

/** The signed-in user, with private settings. */
export interface Me extends User {
  email: string;
  role: 'user' | 'admin';
  notifications_enabled: boolean;
  telegram: { available: boolean; linked: boolean; bot_username: string | null };
}

export interface PublicRoom {
  id: Uuid;
  name: string;
  topic: string | null;
  member_count: number;
  joined: boolean;
}

export interface Readers {
  room_id: Uuid;
  seq: number;
  read_by: Uuid[];
  read_by_all: boolean;
}

export interface Session {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: User;
}

export type RoomKind = 'direct' | 'saved' | 'group' | 'public';
export type MemberRole = 'owner' | 'admin' | 'member';

export interface RoomMember {
  user_id: Uuid;
  role: MemberRole;
  last_read_seq: number;
}

export interface Room {
  id: Uuid;
  kind: RoomKind;
  name: string | null;
  topic: string | null;
  last_seq: number;
  created_at: Timestamp;
  members: RoomMember[];
}

export interface Message {
  id: Uuid;
  room_id: Uuid;
  seq: number;
  sender_id: Uuid;
  body: string;
  reply_to: Uuid | null;
  client_msg_id: string | null;
  created_at: Timestamp;
  edited_at: Timestamp | null;
  deleted: boolean;
}

export interface RoomSummary {
  id: Uuid;
  kind: RoomKind;
  name: string | null;
  topic: string | null;
  last_seq: number;
  last_read_seq: number;
  unread: number;
  member_count: number;
  my_role: MemberRole;
  /** Whether I muted this room's Telegram notifications. */
  muted: boolean;
  peer_id: Uuid | null;
  last_message: Message | null;
  last_activity_at: Timestamp;
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
  has_older?: boolean;
  has_newer?: boolean;
}

export interface ReadResult {
  room_id: Uuid;
  last_read_seq: number;
  unread: number;
}

export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    fields?: Record<string, string>;
  };
}

// ---------------------------------------------------------------------------
// WebSocket frames

export interface SendFrame {
  type: 'send';
  room_id: Uuid;
  client_msg_id: string;
  body: string;
  reply_to: Uuid | null;
}
export interface TypingOutFrame {
  type: 'typing';
  room_id: Uuid;
}
export interface ReadOutFrame {
  type: 'read';
  room_id: Uuid;
  seq: number;
}
export interface PingFrame {
  type: 'ping';
}
export type ClientFrame = SendFrame | TypingOutFrame | ReadOutFrame | PingFrame;

export interface HelloFrame {
  type: 'hello';
  user_id: Uuid;
  session_id: string;
  /** A sync cursor: every event after it is delivered live or found by `/api/rooms/sync`. */
  cursor?: string;
  instance_id?: Uuid;
}
export interface AckFrame {
  type: 'ack';
  client_msg_id: string;
  message: Message;
}
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  client_msg_id: string | null;
}
export interface MessageCreatedFrame {
  type: 'message_created';
  room_id: Uuid;
  seq: number;
  message: Message;
}
export interface RoomCreatedFrame {
  type: 'room_created';
  room_id: Uuid;
  kind: RoomKind;
  member_ids: Uuid[];
}
export interface TypingFrame {
  type: 'typing';
  room_id: Uuid;
  user_id: Uuid;
}
export interface ReadFrame {
  type: 'read';
  room_id: Uuid;
  user_id: Uuid;
  seq: number;
}
export interface PresenceFrame {
  type: 'presence';
  user_id: Uuid;
  online: boolean;
  last_seen_at?: Timestamp | null;
}
export interface ReadByAllFrame {
  type: 'read_by_all';
  room_id: Uuid;
  seq: number;
}
export interface MessageEditedFrame {
  type: 'message_edited';
  room_id: Uuid;
  seq: number;
  message: Message;
}
export interface MessageDeletedFrame {
  type: 'message_deleted';
  room_id: Uuid;
  seq: number;
  message_id: Uuid;
}
export interface RoomUpdatedFrame {
  type: 'room_updated';
  room_id: Uuid;
  name: string | null;
  topic: string | null;
}
export interface RoomDeletedFrame {
  type: 'room_deleted';
  room_id: Uuid;
}
export interface MemberJoinedFrame {
  type: 'member_joined';
  room_id: Uuid;
  user_id: Uuid;
  role: MemberRole;
}
export interface MemberLeftFrame {
  type: 'member_left';
  room_id: Uuid;
  user_id: Uuid;
}
export interface MemberRoleChangedFrame {
  type: 'member_role_changed';
  room_id: Uuid;
  user_id: Uuid;
  role: MemberRole;
}
export interface UnreadFrame {
  type: 'unread';
  room_id: Uuid;
  last_read_seq: number;
  unread: number;
}
export interface PongFrame {
  type: 'pong';
}
export type ServerFrame =
  | HelloFrame
  | AckFrame
  | ErrorFrame
  | MessageCreatedFrame
  | RoomCreatedFrame
  | TypingFrame
  | ReadFrame
  | PresenceFrame
  | ReadByAllFrame
  | MessageEditedFrame
  | MessageDeletedFrame
  | RoomUpdatedFrame
  | RoomDeletedFrame
  | MemberJoinedFrame
  | MemberLeftFrame
  | MemberRoleChangedFrame
  | UnreadFrame
  | PongFrame;

/** WebSocket close code the gateway uses when the access token has expired. */
export const CLOSE_TOKEN_EXPIRED = 4001;
/** Close code for an upgrade that carried no valid credentials. */
export const CLOSE_UNAUTHORIZED = 4003;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isMessage(v: unknown): v is Message {
  return (
    isObj(v) &&
    isStr(v.id) &&
    isStr(v.room_id) &&
    isNum(v.seq) &&
    isStr(v.sender_id) &&
    isStr(v.body) &&
    isStr(v.created_at)
  );
}

/**
 * Parses one text frame from the gateway. Returns null for anything malformed or of a type this
 * client does not know, so a newer server can add frame types without breaking older clients.
 */
export function parseServerFrame(text: string): ServerFrame | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(v) || !isStr(v.type)) return null;
  switch (v.type) {
    case 'hello':
      return isStr(v.user_id) ? (v as unknown as HelloFrame) : null;
    case 'ack':
      return isStr(v.client_msg_id) && isMessage(v.message) ? (v as unknown as AckFrame) : null;
    case 'error':
      return isStr(v.code)
        ? {
            type: 'error',
            code: v.code,
            message: isStr(v.message) ? v.message : v.code,
            client_msg_id: isStr(v.client_msg_id) ? v.client_msg_id : null,
          }
        : null;
    case 'message_created':
      return isMessage(v.message) ? (v as unknown as MessageCreatedFrame) : null;
    case 'room_created':
      return isStr(v.room_id) ? (v as unknown as RoomCreatedFrame) : null;
    case 'typing':
      return isStr(v.room_id) && isStr(v.user_id) ? (v as unknown as TypingFrame) : null;
    case 'read':
      return isStr(v.room_id) && isStr(v.user_id) && isNum(v.seq) ? (v as unknown as ReadFrame) : null;
    case 'presence':
      return isStr(v.user_id) && typeof v.online === 'boolean' ? (v as unknown as PresenceFrame) : null;
    case 'read_by_all':
      return isStr(v.room_id) && isNum(v.seq) ? (v as unknown as ReadByAllFrame) : null;
    case 'message_edited':
      return isMessage(v.message) ? (v as unknown as MessageEditedFrame) : null;
    case 'message_deleted':
      return isStr(v.room_id) && isNum(v.seq) && isStr(v.message_id) ? (v as unknown as MessageDeletedFrame) : null;
    case 'room_updated':
      return isStr(v.room_id) ? (v as unknown as RoomUpdatedFrame) : null;
    case 'room_deleted':
      return isStr(v.room_id) ? (v as unknown as RoomDeletedFrame) : null;
    case 'member_joined':
    case 'member_role_changed':
      return isStr(v.room_id) && isStr(v.user_id) && isStr(v.role)
        ? (v as unknown as MemberJoinedFrame | MemberRoleChangedFrame)
        : null;
    case 'member_left':
      return isStr(v.room_id) && isStr(v.user_id) ? (v as unknown as MemberLeftFrame) : null;
    case 'unread':
      return isStr(v.room_id) && isNum(v.last_read_seq) && isNum(v.unread) ? (v as unknown as UnreadFrame) : null;
    case 'pong':
      return { type: 'pong' };
    default:
      return null;
  }
}
