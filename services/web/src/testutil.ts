// Shared fixtures for the unit tests.

import type { Message, RoomSummary, User } from './protocol';
import type { WebSocketLike } from './ws';

export const ME = 'u-me';
export const BOB = 'u-bob';
export const ROOM = 'r-1';

export function user(id: string, over: Partial<User> = {}): User {
  return {
    id,
    username: id.replace(/^u-/, ''),
    display_name: id.replace(/^u-/, '').toUpperCase(),
    created_at: '2024-01-01T00:00:00Z',
    online: false,
    last_seen_at: null,
    ...over,
  };
}

export function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `m-${over.room_id ?? ROOM}-${seq}`,
    room_id: ROOM,
    seq,
    sender_id: BOB,
    body: `message ${seq}`,
    reply_to: null,
    client_msg_id: '',
    created_at: new Date(Date.UTC(2024, 0, 1, 12, 0, seq)).toISOString(),
    edited_at: null,
    deleted: false,
    ...over,
  };
}

export function summary(id: string, over: Partial<RoomSummary> = {}): RoomSummary {
  return {
    id,
    kind: 'direct',
    name: null,
    topic: null,
    last_seq: 0,
    last_read_seq: 0,
    unread: 0,
    member_count: 2,
    my_role: 'member',
    muted: false,
    peer_id: BOB,
    last_message: null,
    last_activity_at: '2024-01-01T00:00:00Z',
    ...over,
  };
}

/** A WebSocket stand-in driven by the test. */
export class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: unknown[] = [];
  closedWith: number | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  static latest(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1];
    if (!s) throw new Error('no socket created');
    return s;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The server or network closes the socket. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}
