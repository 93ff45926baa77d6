import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { framesOfEvent, parseServerFrame, type EventPayload } from './protocol';
import { msg } from './testutil';

describe('parseServerFrame', () => {
  it('accepts every known frame', () => {
    const frames = [
      { type: 'hello', user_id: 'u', session_id: 's' },
      { type: 'ack', client_msg_id: 'c', message: msg(1) },
      { type: 'error', code: 'rate_limited', message: 'slow down', client_msg_id: 'c' },
      { type: 'message_created', room_id: 'r-1', seq: 1, message: msg(1) },
      { type: 'room_created', room_id: 'r', kind: 'direct', member_ids: ['a', 'b'] },
      { type: 'typing', room_id: 'r', user_id: 'u' },
      { type: 'read', room_id: 'r', user_id: 'u', seq: 3 },
      { type: 'presence', user_id: 'u', online: true },
      { type: 'pong' },
    ];
    for (const f of frames) expect(parseServerFrame(JSON.stringify(f))).toEqual(f);
  });

  it('fills in an error frame without client_msg_id', () => {
    expect(parseServerFrame('{"type":"error","code":"bad_request"}')).toEqual({
      type: 'error',
      code: 'bad_request',
      message: 'bad_request',
      client_msg_id: null,
    });
  });

  it('rejects malformed or unknown frames', () => {
    for (const text of [
      'nope',
      '[]',
      'null',
      '{"type":42}',
      '{"type":"message_created","message":{"id":"x"}}',
      '{"type":"read","room_id":"r","user_id":"u","seq":"3"}',
      '{"type":"presence","user_id":"u"}',
      '{"type":"message_edited","room_id":"r"}',
    ]) {
      expect(parseServerFrame(text)).toBeNull();
    }
  });

  it('accepts a reactions_changed frame and rejects a malformed one', () => {
    const frame = {
      type: 'reactions_changed',
      room_id: 'r',
      seq: 3,
      message_id: 'm',
      version: 2,
      user_id: 'u',
      emoji: '👍',
      added: true,
      reactions: [{ emoji: '👍', count: 1, user_ids: ['u'] }],
    };
    expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame);
    const { version: _version, ...noVersion } = frame;
    for (const bad of [
      noVersion,
      { ...frame, version: '2' },
      { ...frame, added: 'yes' },
      { ...frame, emoji: 1 },
      { ...frame, reactions: null },
      { ...frame, seq: undefined },
    ]) {
      expect(parseServerFrame(JSON.stringify(bad))).toBeNull();
    }
  });
});

describe('pins_changed', () => {
  const frame = { type: 'pins_changed', room_id: 'r', message_id: 'm', seq: 4, pinned: true, by: 'u' };

  it('accepts a pins_changed frame, pinned or not', () => {
    expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame);
    expect(parseServerFrame(JSON.stringify({ ...frame, pinned: false }))).toEqual({ ...frame, pinned: false });
  });

  it('rejects a malformed pins_changed frame', () => {
    const { by: _by, ...noBy } = frame;
    const { room_id: _room, ...noRoom } = frame;
    for (const bad of [
      noBy,
      noRoom,
      { ...frame, seq: '4' },
      { ...frame, seq: null },
      { ...frame, pinned: 'true' },
      { ...frame, pinned: undefined },
      { ...frame, message_id: 7 },
      { ...frame, room_id: null },
    ]) {
      expect(parseServerFrame(JSON.stringify(bad)), JSON.stringify(bad)).toBeNull();
    }
  });
});

// Every frame the server may send, built from the protocol schema the Rust types generate
// (proto/protocol.schema.json): a frame type added on the server without a parser here fails.
type Schema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
};

describe('parseServerFrame and the protocol schema', () => {
  const doc = JSON.parse(
    readFileSync(new URL('../../../proto/protocol.schema.json', import.meta.url), 'utf8'),
  ) as { components: { schemas: Record<string, Schema> } };
  const schemas = doc.components.schemas;

  function sample(s: Schema): unknown {
    if (s.$ref) return sample(schemas[s.$ref.split('/').pop()!]);
    if (s.oneOf) return sample(s.oneOf[0]);
    if (s.enum) return s.enum[0];
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    switch (type) {
      case 'string':
        if (s.format === 'uuid') return '0190c0de-0000-7000-8000-000000000001';
        if (s.format === 'date-time') return '2024-01-01T12:00:00Z';
        return 'text';
      case 'integer':
      case 'number':
        return 1;
      case 'boolean':
        return true;
      case 'array':
        return [sample(s.items ?? {})];
      default:
        return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(v)]));
    }
  }

  const frames = schemas.ServerFrame.oneOf ?? [];

  it('knows every frame type the server sends', () => {
    expect(frames.length).toBeGreaterThanOrEqual(18);
  });

  for (const frame of frames) {
    const type = String(frame.properties?.type?.enum?.[0]);
    it(`accepts a ${type} frame with every field`, () => {
      const full = sample(frame) as { type: string };
      expect(parseServerFrame(JSON.stringify(full))?.type).toBe(type);
    });
  }
});

describe('framesOfEvent', () => {
  it('gives the frames the gateway would have sent for a synced event', () => {
    expect(framesOfEvent({ type: 'message_created', room_id: 'r', message: msg(3) }, 'me')).toEqual([
      { type: 'message_created', room_id: 'r', seq: 3, message: msg(3) },
    ]);
    // My own read: the receipt and my unread count; someone else's: only the receipt.
    const read = { type: 'read_up_to', room_id: 'r', user_id: 'me', seq: 4, unread: 2 } as const;
    expect(framesOfEvent(read, 'me')).toEqual([
      { type: 'read', room_id: 'r', user_id: 'me', seq: 4 },
      { type: 'unread', room_id: 'r', last_read_seq: 4, unread: 2 },
    ]);
    expect(framesOfEvent(read, 'other')).toEqual([{ type: 'read', room_id: 'r', user_id: 'me', seq: 4 }]);
    // With the mentions among them, when the event has them.
    expect(framesOfEvent({ ...read, mentions: 1 }, 'me')[1]).toEqual({ type: 'unread', room_id: 'r', last_read_seq: 4, unread: 2, mentions: 1 });
    expect(framesOfEvent({ type: 'message_deleted', room_id: 'r', seq: 2, message_id: 'm', deleted_by: 'u' }, 'me')).toEqual([
      { type: 'message_deleted', room_id: 'r', seq: 2, message_id: 'm' },
    ]);
    const reacted: EventPayload = {
      type: 'reactions_changed',
      room_id: 'r',
      seq: 2,
      message_id: 'm',
      version: 5,
      user_id: 'u',
      emoji: '🔥',
      added: true,
      reactions: [{ emoji: '🔥', count: 1, user_ids: ['u'] }],
    };
    expect(framesOfEvent(reacted, 'me')).toEqual([reacted]);
    const pinned: EventPayload = { type: 'pins_changed', room_id: 'r', message_id: 'm', seq: 2, pinned: false, by: 'u' };
    expect(framesOfEvent(pinned, 'me')).toEqual([{ type: 'pins_changed', room_id: 'r', message_id: 'm', seq: 2, pinned: false, by: 'u' }]);
    expect(framesOfEvent({ type: 'typing', room_id: 'r', user_id: 'u' }, 'me')).toEqual([]);
  });
});
