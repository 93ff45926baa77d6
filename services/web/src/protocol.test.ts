import { describe, expect, it } from 'vitest';
import { parseServerFrame } from './protocol';
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
});
