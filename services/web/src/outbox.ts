// Own sends between the composer and the server's ack. Each send shows at once as pending; it is
// written when the socket is open (else queued and flushed after the next connect), becomes the
// stored message on ack, and fails on an error frame or when no ack came within the timeout.
// A retry reuses the same client_msg_id, so the server stores it at most once.

import type { Message, SendFrame } from './protocol';
import type { Action } from './store';
import type { Timers } from './ws';
import { uuid } from './uuid';

interface Entry {
  frame: SendFrame;
  /** queued: waiting for an open socket; inflight: written, waiting for the ack. */
  state: 'queued' | 'inflight' | 'failed';
  timer: unknown;
}

export interface OutboxOptions {
  /** Writes the frame if the socket is open; false when it is not. */
  write: (frame: SendFrame) => boolean;
  dispatch: (action: Action) => void;
  senderId: () => string;
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout' | 'now'>;
  newId?: () => string;
  ackTimeoutMs?: number;
}

export const ACK_TIMEOUT_MS = 10_000;

export class Outbox {
  private readonly o: OutboxOptions;
  private readonly entries = new Map<string, Entry>();

  constructor(options: OutboxOptions) {
    this.o = options;
  }

  /** Number of sends not confirmed yet (queued, in flight or failed). */
  get size(): number {
    return this.entries.size;
  }

  stateOf(clientMsgId: string): Entry['state'] | undefined {
    return this.entries.get(clientMsgId)?.state;
  }

  send(roomId: string, body: string, replyTo: string | null = null): string {
    const id = (this.o.newId ?? uuid)();
    const frame: SendFrame = { type: 'send', room_id: roomId, client_msg_id: id, body, reply_to: replyTo };
    this.entries.set(id, { frame, state: 'queued', timer: null });
    this.o.dispatch({
      type: 'send_pending',
      pending: {
        client_msg_id: id,
        room_id: roomId,
        sender_id: this.o.senderId(),
        body,
        reply_to: replyTo,
        created_at: new Date(this.o.timers.now()).toISOString(),
      },
    });
    // Everything still queued goes first, so a new send never overtakes older ones: the
    // gateway stores one socket's sends in the order they arrive.
    this.flush();
    return id;
  }

  retry(clientMsgId: string): void {
    const e = this.entries.get(clientMsgId);
    if (!e || e.state !== 'failed') return;
    e.state = 'queued';
    this.o.dispatch({ type: 'send_retry', room_id: e.frame.room_id, client_msg_id: clientMsgId });
    this.write(clientMsgId);
  }

  /** After a (re)connect: writes everything that waited for the socket. */
  flush(): void {
    for (const [id, e] of this.entries) if (e.state === 'queued') this.write(id);
  }

  /**
   * The socket dropped: sends in flight may or may not have arrived. They go back to the queue and
   * are written again after reconnecting; the server's dedupe by client_msg_id makes that safe.
   */
  disconnected(): void {
    for (const e of this.entries.values()) {
      if (e.state === 'inflight') {
        this.clearTimer(e);
        e.state = 'queued';
      }
    }
  }

  /** An ack, or the same message seen through message_created or a fetch. */
  confirmed(message: Message): void {
    if (!message.client_msg_id) return;
    const e = this.entries.get(message.client_msg_id);
    if (!e || message.sender_id !== this.o.senderId()) return;
    this.clearTimer(e);
    this.entries.delete(message.client_msg_id);
  }

  failed(clientMsgId: string, error: string): void {
    const e = this.entries.get(clientMsgId);
    if (!e) return;
    this.clearTimer(e);
    e.state = 'failed';
    this.o.dispatch({ type: 'send_failed', room_id: e.frame.room_id, client_msg_id: clientMsgId, error });
  }

  /** Drops everything (logout). */
  clear(): void {
    for (const e of this.entries.values()) this.clearTimer(e);
    this.entries.clear();
  }

  private write(id: string): void {
    const e = this.entries.get(id);
    if (!e || e.state !== 'queued') return;
    if (!this.o.write(e.frame)) return; // stays queued until flush()
    e.state = 'inflight';
    e.timer = this.o.timers.setTimeout(() => {
      e.timer = null;
      if (this.entries.get(id) === e && e.state === 'inflight') this.failed(id, 'No answer from the server.');
    }, this.o.ackTimeoutMs ?? ACK_TIMEOUT_MS);
  }

  private clearTimer(e: Entry): void {
    if (e.timer !== null) {
      this.o.timers.clearTimeout(e.timer);
      e.timer = null;
    }
  }
}
