// Wire types shared with the backend: REST payloads (docs/API.md) and WebSocket frames (/ws).
// Field names are snake_case on the wire and kept that way here so nothing is renamed twice.

import type { components } from './generated/wire';

// Every wire type below is generated from the Rust types (scripts/gen-types.mjs, from
// services/*/openapi.json and proto/protocol.schema.json; CI fails when they drift). This file
// only names them the way the app uses them.
type Wire = components['schemas'];

export type Uuid = string;
/** RFC 3339 timestamp in UTC. */
export type Timestamp = string;

export type User = Wire['User'];
/** The signed-in user, with private settings. */
export type Me = Wire['Me'];
export type Session = Wire['Session'];
export type PublicRoom = Wire['PublicRoom'];
export type Readers = Wire['Readers'];
export type RoomKind = Wire['RoomKind'];
export type MemberRole = Wire['MemberRole'];
export type RoomMember = Wire['RoomMember'];
export type Room = Wire['Room'];
/** A message; its file with the links made for this reader when a REST answer carried them. */
export type Message = Omit<Wire['Message'], 'attachment'> & { attachment?: Attachment | null };
export type RoomSummary = Wire['RoomSummary'];
export type MessagePage = Wire['MessagePage'];
export type ReadResult = Wire['ReadState'];
/** One emoji's reactions on a message (`me` only in REST answers). */
export type Reaction = Wire['Reaction'];
/** A message's whole reaction summary as of `version`: the answer to adding or removing one. */
export type MessageReactions = Wire['MessageReactions'];
/** A pinned message, with who pinned it and when. */
export type Pin = Wire['Pin'];
/** A room's pins, the latest first: what reading or changing them answers. */
export type Pins = Wire['Pins'];
/** Who wrote a forwarded message's original, and when (`Message.forwarded_from`). */
export type Forwarded = Wire['Forwarded'];
/**
 * A file sent with a message (`Message.attachment`): its name, checked type, size, and a picture's
 * sides; in history, search and upload answers also short-lived links to it made for this reader
 * (absent in live frames and synced events: see links.ts).
 */
export type Attachment = Wire['Attachment'];
/** New links to a message's file for the caller (`GET .../messages/{seq}/attachment/link`). */
export type AttachmentLink = Wire['AttachmentLink'];
export type ErrorEnvelope = Wire['ErrorEnvelope'];

// ---------------------------------------------------------------------------
// WebSocket frames

export type ClientFrame = Wire['ClientFrame'];
type ClientFrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;
export type SendFrame = ClientFrameOf<'send'>;
export type TypingOutFrame = ClientFrameOf<'typing'>;
export type ReadOutFrame = ClientFrameOf<'read'>;
export type PingFrame = ClientFrameOf<'ping'>;
export type SyncedFrame = ClientFrameOf<'synced'>;

export type ServerFrame = Wire['ServerFrame'];
export type EventPayload = Wire['EventPayload'];
export type SyncPage = Wire['SyncPage'];
type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
export type HelloFrame = FrameOf<'hello'>;
export type AckFrame = FrameOf<'ack'>;
export type ErrorFrame = FrameOf<'error'>;
export type MessageCreatedFrame = FrameOf<'message_created'>;
export type RoomCreatedFrame = FrameOf<'room_created'>;
export type TypingFrame = FrameOf<'typing'>;
export type ReadFrame = FrameOf<'read'>;
export type PresenceFrame = FrameOf<'presence'>;
export type ReadByAllFrame = FrameOf<'read_by_all'>;
export type MessageEditedFrame = FrameOf<'message_edited'>;
export type MessageDeletedFrame = FrameOf<'message_deleted'>;
export type RoomUpdatedFrame = FrameOf<'room_updated'>;
export type RoomDeletedFrame = FrameOf<'room_deleted'>;
export type MemberJoinedFrame = FrameOf<'member_joined'>;
export type MemberLeftFrame = FrameOf<'member_left'>;
export type MemberRoleChangedFrame = FrameOf<'member_role_changed'>;
export type UnreadFrame = FrameOf<'unread'>;
export type UserRenamedFrame = FrameOf<'user_renamed'>;
export type PongFrame = FrameOf<'pong'>;
export type ResyncFrame = FrameOf<'resync'>;
export type CursorFrame = FrameOf<'cursor'>;
export type ReactionsChangedFrame = FrameOf<'reactions_changed'>;
export type PinsChangedFrame = FrameOf<'pins_changed'>;

/** WebSocket close code the gateway uses when the access token has expired. */
export const CLOSE_TOKEN_EXPIRED = 4001;
/** Close code for an upgrade that carried no valid credentials, or a session that was ended. */
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
    case 'reactions_changed':
      return isStr(v.room_id) &&
        isNum(v.seq) &&
        isStr(v.message_id) &&
        isNum(v.version) &&
        isStr(v.user_id) &&
        isStr(v.emoji) &&
        typeof v.added === 'boolean' &&
        Array.isArray(v.reactions)
        ? (v as unknown as ReactionsChangedFrame)
        : null;
    case 'pins_changed':
      return isStr(v.room_id) && isStr(v.message_id) && isNum(v.seq) && typeof v.pinned === 'boolean' && isStr(v.by)
        ? (v as unknown as PinsChangedFrame)
        : null;
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
    case 'user_renamed':
      return isStr(v.user_id) && isStr(v.display_name) ? (v as unknown as UserRenamedFrame) : null;
    case 'unread':
      return isStr(v.room_id) && isNum(v.last_read_seq) && isNum(v.unread) ? (v as unknown as UnreadFrame) : null;
    case 'pong':
      return { type: 'pong' };
    case 'resync':
      return { type: 'resync' };
    case 'cursor':
      return isStr(v.cursor) ? (v as unknown as CursorFrame) : null;
    default:
      return null;
  }
}

/**
 * The frames a synced event stands for, as the gateway would have sent them live (its
 * `events::dispatch`); typing is not kept in the log and gives none.
 */
export function framesOfEvent(p: EventPayload, me: string): ServerFrame[] {
  switch (p.type) {
    case 'message_created':
      return [{ type: 'message_created', room_id: p.room_id, seq: p.message.seq, message: p.message }];
    case 'message_edited':
      return [{ type: 'message_edited', room_id: p.room_id, seq: p.message.seq, message: p.message }];
    case 'message_deleted':
      return [{ type: 'message_deleted', room_id: p.room_id, seq: p.seq, message_id: p.message_id }];
    case 'room_created':
      return [{ type: 'room_created', room_id: p.room_id, kind: p.kind, member_ids: p.member_ids, by: p.by ?? null }];
    case 'read_up_to': {
      const read: ServerFrame = { type: 'read', room_id: p.room_id, user_id: p.user_id, seq: p.seq };
      if (p.user_id !== me || p.unread === undefined) return [read];
      const unread: ServerFrame = { type: 'unread', room_id: p.room_id, last_read_seq: p.seq, unread: p.unread };
      return [read, p.mentions === undefined ? unread : { ...unread, mentions: p.mentions }];
    }
    case 'read_by_all':
      return [{ type: 'read_by_all', room_id: p.room_id, seq: p.seq }];
    case 'reactions_changed':
      return [
        {
          type: 'reactions_changed',
          room_id: p.room_id,
          seq: p.seq,
          message_id: p.message_id,
          version: p.version,
          user_id: p.user_id,
          emoji: p.emoji,
          added: p.added,
          reactions: p.reactions,
        },
      ];
    case 'pins_changed':
      return [{ type: 'pins_changed', room_id: p.room_id, message_id: p.message_id, seq: p.seq, pinned: p.pinned, by: p.by }];
    case 'room_updated':
      return [{ type: 'room_updated', room_id: p.room_id, name: p.name ?? null, topic: p.topic ?? null }];
    case 'room_deleted':
      return [{ type: 'room_deleted', room_id: p.room_id }];
    case 'member_joined':
      return [{ type: 'member_joined', room_id: p.room_id, user_id: p.user_id, role: p.role, by: p.by }];
    case 'member_left':
      return [{ type: 'member_left', room_id: p.room_id, user_id: p.user_id, by: p.by }];
    case 'member_role_changed':
      return [{ type: 'member_role_changed', room_id: p.room_id, user_id: p.user_id, role: p.role }];
    default:
      return [];
  }
}
