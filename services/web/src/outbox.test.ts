import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACK_TIMEOUT_MS, Outbox } from './outbox';
import type { SendFrame } from './protocol';
import type { Action } from './store';
import { BOB, ME, ROOM, msg } from './testutil';

describe('Outbox', () => {
  let open: boolean;
  let written: SendFrame[];
  let actions: Action[];
  let ids: number;
  let outbox: Outbox;

  beforeEach(() => {
    vi.useFakeTimers();
    open = true;
    written = [];
    actions = [];
    ids = 0;
    outbox = new Outbox({
      write: (f) => {
        if (!open) return false;
        written.push(f);
        return true;
      },
      dispatch: (a) => actions.push(a),
      senderId: () => ME,
      timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t as number), now: () => Date.now() },
      newId: () => `c-${++ids}`,
    });
  });
  afterEach(() => vi.useRealTimers());

  const types = () => actions.map((a) => a.type);
  const ack = (cmid: string, seq = 1) => outbox.confirmed(msg(seq, { sender_id: ME, client_msg_id: cmid }));

  it('shows the send as pending and writes the send frame', () => {
    const id = outbox.send(ROOM, 'hello');
    expect(id).toBe('c-1');
    expect(actions[0]).toMatchObject({ type: 'send_pending', pending: { client_msg_id: 'c-1', room_id: ROOM, sender_id: ME, body: 'hello' } });
    expect(written).toEqual([{ type: 'send', room_id: ROOM, client_msg_id: 'c-1', body: 'hello', reply_to: null }]);
    expect(outbox.stateOf(id)).toBe('inflight');
  });

  it('forgets a send once acked: no failure after the timeout', () => {
    const id = outbox.send(ROOM, 'hello');
    ack(id);
    vi.advanceTimersByTime(ACK_TIMEOUT_MS * 2);
    expect(types()).toEqual(['send_pending']);
    expect(outbox.size).toBe(0);
  });

  it('fails a send that got no ack within 10 s', () => {
    const id = outbox.send(ROOM, 'hello');
    vi.advanceTimersByTime(ACK_TIMEOUT_MS - 1);
    expect(outbox.stateOf(id)).toBe('inflight');
    vi.advanceTimersByTime(1);
    expect(outbox.stateOf(id)).toBe('failed');
    expect(actions[1]).toMatchObject({ type: 'send_failed', client_msg_id: id });
  });

  it('fails a send on an error frame and retries it with the same client_msg_id', () => {
    const id = outbox.send(ROOM, 'hello');
    outbox.failed(id, 'Too many messages');
    expect(actions[1]).toMatchObject({ type: 'send_failed', client_msg_id: id, error: 'Too many messages' });
    outbox.retry(id);
    expect(actions[2]).toEqual({ type: 'send_retry', room_id: ROOM, client_msg_id: id });
    expect(written.map((f) => f.client_msg_id)).toEqual([id, id]);
    expect(outbox.stateOf(id)).toBe('inflight');
    // The retry has its own 10 s.
    vi.advanceTimersByTime(ACK_TIMEOUT_MS);
    expect(outbox.stateOf(id)).toBe('failed');
  });

  it('ignores retry of a send that is not failed', () => {
    const id = outbox.send(ROOM, 'hello');
    outbox.retry(id);
    expect(written).toHaveLength(1);
  });

  it('queues sends while the socket is closed and flushes them in order on reconnect', () => {
    open = false;
    const a = outbox.send(ROOM, 'one');
    const b = outbox.send(ROOM, 'two');
    expect(written).toEqual([]);
    expect(outbox.stateOf(a)).toBe('queued');
    // Queued sends do not time out: they have not been sent yet.
    vi.advanceTimersByTime(ACK_TIMEOUT_MS * 3);
    expect(outbox.stateOf(b)).toBe('queued');
    open = true;
    outbox.flush();
    expect(written.map((f) => f.body)).toEqual(['one', 'two']);
    expect(outbox.stateOf(a)).toBe('inflight');
  });

  it('never lets a new send overtake older queued ones', () => {
    open = false;
    outbox.send(ROOM, 'one');
    outbox.send(ROOM, 'two');
    // The socket is back, but the reconnect's flush has not run yet.
    open = true;
    outbox.send(ROOM, 'three');
    expect(written.map((f) => f.body)).toEqual(['one', 'two', 'three']);
  });

  it('resends in-flight sends after a drop, in the order they were sent', () => {
    const a = outbox.send(ROOM, 'one');
    const b = outbox.send(ROOM, 'two');
    open = false;
    outbox.disconnected();
    const c = outbox.send(ROOM, 'three');
    open = true;
    outbox.flush();
    expect(written.map((f) => f.client_msg_id)).toEqual([a, b, a, b, c]);
  });

  it('resends in-flight sends after a drop, with the same id', () => {
    const id = outbox.send(ROOM, 'hello');
    open = false;
    outbox.disconnected();
    expect(outbox.stateOf(id)).toBe('queued');
    vi.advanceTimersByTime(ACK_TIMEOUT_MS);
    expect(types()).not.toContain('send_failed');
    open = true;
    outbox.flush();
    expect(written.map((f) => f.client_msg_id)).toEqual([id, id]);
  });

  it('does not resend failed sends on flush', () => {
    const id = outbox.send(ROOM, 'hello');
    outbox.failed(id, 'x');
    outbox.flush();
    expect(written).toHaveLength(1);
  });

  it('ignores confirmations of other senders or unknown ids', () => {
    const id = outbox.send(ROOM, 'hello');
    outbox.confirmed(msg(1, { sender_id: BOB, client_msg_id: id }));
    outbox.confirmed(msg(2, { sender_id: ME, client_msg_id: 'other' }));
    expect(outbox.stateOf(id)).toBe('inflight');
    ack(id, 3);
    expect(outbox.stateOf(id)).toBeUndefined();
  });
});
