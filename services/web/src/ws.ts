// The reconnecting WebSocket client. It knows nothing about chat state: it keeps one socket open,
// parses frames, pings, and reconnects with exponential backoff and jitter. Close code 4001
// (access token expired) refreshes the session first and reconnects at once.

import { CLOSE_TOKEN_EXPIRED, CLOSE_UNAUTHORIZED, parseServerFrame, type ClientFrame, type ServerFrame } from './protocol';
import type { RefreshResult } from './api';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry). The ceiling doubles from
 * `initialMs` up to `maxMs`; the delay is drawn uniformly from [ceiling / 2, ceiling] ("equal
 * jitter"), so clients that dropped together do not all come back in the same instant, and no
 * delay ever exceeds `maxMs`.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}

/** The subset of the browser WebSocket this client uses (so tests can pass a fake). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

export type SocketState = 'idle' | 'connecting' | 'open' | 'stopped';

export interface Timers {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  setInterval(f: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (f, ms) => globalThis.setTimeout(f, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
  setInterval: (f, ms) => globalThis.setInterval(f, ms),
  clearInterval: (id) => globalThis.clearInterval(id as ReturnType<typeof setInterval>),
  now: () => Date.now(),
};

export interface ReconnectingSocketOptions {
  url: string | (() => string);
  createSocket?: (url: string) => WebSocketLike;
  onFrame: (frame: ServerFrame) => void;
  /** Each time a socket opens (the first time and after every reconnect). */
  onOpen?: () => void;
  /** Each time a socket closes or fails to open. */
  onClose?: (code: number, wasOpen: boolean) => void;
  onStateChange?: (state: SocketState) => void;
  /** Renews the access cookie (after close code 4001). */
  refreshAuth: () => Promise<RefreshResult>;
  /**
   * Asked when a socket closed before it ever opened (a failed upgrade gives the browser no
   * status) or with 4003 (no valid credentials), so the app can find out whether the session
   * is over, and renew it if it only expired.
   */
  checkAuth?: () => Promise<RefreshResult>;
  /** The session is over: the socket has stopped and the user must log in again. */
  onUnauthorized?: () => void;
  timers?: Timers;
  random?: () => number;
  backoff?: BackoffOptions;
  pingIntervalMs?: number;
  /** A socket that has received nothing for this long is closed and reconnected. */
  idleTimeoutMs?: number;
}

export class ReconnectingSocket {
  private readonly o: ReconnectingSocketOptions;
  private readonly t: Timers;
  private socket: WebSocketLike | null = null;
  private _state: SocketState = 'idle';
  private _attempt = 0;
  private tokenExpiredInARow = 0;
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private lastFrameAt = 0;

  constructor(options: ReconnectingSocketOptions) {
    this.o = options;
    this.t = options.timers ?? realTimers;
  }

  get state(): SocketState {
    return this._state;
  }

  /** Reconnect attempts since the last successful hello. */
  get attempt(): number {
    return this._attempt;
  }

  get isOpen(): boolean {
    return this._state === 'open' && this.socket !== null && this.socket.readyState === OPEN;
  }

  start(): void {
    if (this._state !== 'idle' && this._state !== 'stopped') return;
    this.connect();
  }

  stop(): void {
    this.setState('stopped');
    this.clearRetry();
    this.stopPing();
    const s = this.socket;
    this.socket = null;
    if (s) {
      detach(s);
      try {
        s.close(1000, 'bye');
      } catch {
        // already closed
      }
    }
  }

  /** Writes a frame if the socket is open; returns whether it was written. */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen || !this.socket) return false;
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The browser says the network is gone: the open socket cannot be trusted (it may linger for
   * a minute before it notices), so it is dropped now and the state says so; `reconnectNow`
   * (on the browser's `online`) connects again at once.
   */
  networkLost(): void {
    const socket = this.socket;
    if (socket === null || this._state === 'stopped') return;
    this.socket = null;
    detach(socket);
    this.stopPing();
    try {
      socket.close();
    } catch {
      // Already closing.
    }
    this.setState('connecting');
    this.o.onClose?.(1006, true);
    this.scheduleReconnect();
  }

  /** Skips the wait of a scheduled reconnect (e.g. when the browser comes back online). */
  reconnectNow(): void {
    if (this._state !== 'connecting' || this.socket !== null) return;
    this.clearRetry();
    this.connect();
  }

  private setState(s: SocketState): void {
    if (this._state === s) return;
    this._state = s;
    this.o.onStateChange?.(s);
  }

  private connect(): void {
    this.setState('connecting');
    const url = typeof this.o.url === 'function' ? this.o.url() : this.o.url;
    let socket: WebSocketLike;
    try {
      socket = this.o.createSocket ? this.o.createSocket(url) : (new WebSocket(url) as unknown as WebSocketLike);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      opened = true;
      this.lastFrameAt = this.t.now();
      this.setState('open');
      this.startPing();
      this.o.onOpen?.();
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket || typeof ev.data !== 'string') return;
      this.lastFrameAt = this.t.now();
      const frame = parseServerFrame(ev.data);
      if (!frame) return;
      if (frame.type === 'hello') {
        // Only a hello proves the connection works end to end; reset the backoff then.
        this._attempt = 0;
        this.tokenExpiredInARow = 0;
      }
      this.o.onFrame(frame);
    };
    socket.onerror = () => {
      // Always followed by onclose, which does the work.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      detach(socket);
      this.stopPing();
      if (this._state === 'stopped') return;
      this.setState('connecting');
      this.o.onClose?.(ev.code, opened);
      if (ev.code === CLOSE_TOKEN_EXPIRED) {
        this.tokenExpiredInARow += 1;
        this.afterAuth(this.o.refreshAuth(), this.tokenExpiredInARow <= 2);
      } else if ((!opened || ev.code === CLOSE_UNAUTHORIZED) && this.o.checkAuth) {
        this.afterAuth(this.o.checkAuth(), false);
      } else {
        this.scheduleReconnect();
      }
    };
  }

  private afterAuth(p: Promise<RefreshResult>, immediate: boolean): void {
    p.catch((): RefreshResult => 'error').then((r) => {
      if (this._state === 'stopped') return;
      if (r === 'unauthorized') {
        this.stop();
        this.o.onUnauthorized?.();
      } else if (r === 'ok' && immediate) {
        this.connect();
      } else {
        this.scheduleReconnect();
      }
    });
  }

  private scheduleReconnect(): void {
    this.clearRetry();
    const delay = backoffDelay(this._attempt, this.o.random, this.o.backoff);
    this._attempt += 1;
    this.retryTimer = this.t.setTimeout(() => {
      this.retryTimer = null;
      if (this._state === 'stopped') return;
      this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) {
      this.t.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private startPing(): void {
    this.stopPing();
    const every = this.o.pingIntervalMs ?? 25_000;
    const idle = this.o.idleTimeoutMs ?? 60_000;
    this.pingTimer = this.t.setInterval(() => {
      const s = this.socket;
      if (!s) return;
      if (this.t.now() - this.lastFrameAt > idle) {
        // A dead peer: nothing came back, not even pongs. Drop it and reconnect.
        detach(s);
        this.socket = null;
        this.stopPing();
        try {
          s.close(4000, 'idle');
        } catch {
          // ignore
        }
        this.setState('connecting');
        this.o.onClose?.(4000, true);
        this.scheduleReconnect();
        return;
      }
      this.send({ type: 'ping' });
    }, every);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) {
      this.t.clearInterval(this.pingTimer);
      this.pingTimer = null;
    }
  }
}

function detach(s: WebSocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onclose = null;
  s.onerror = null;
}

/** `ws://host/ws` or `wss://host/ws` on the page's own origin. */
export function gatewayUrl(loc: { protocol: string; host: string } = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}
