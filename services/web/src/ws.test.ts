import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RefreshResult } from './api';
import type { ServerFrame } from './protocol';
import { FakeSocket } from './testutil';
import { backoffDelay, gatewayUrl, ReconnectingSocket, type ReconnectingSocketOptions } from './ws';

describe('backoffDelay', () => {
  it('stays within [ceiling/2, ceiling] with the ceiling doubling from 0.5 s', () => {
    const ceilings = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000];
    ceilings.forEach((ceiling, attempt) => {
      expect(backoffDelay(attempt, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, () => 1)).toBe(ceiling);
      expect(backoffDelay(attempt, () => 0.5)).toBe(Math.round(ceiling * 0.75));
    });
  });

  it('never exceeds 30 s, even for huge attempt counts or a bad random source', () => {
    for (const attempt of [10, 50, 1000, Number.MAX_SAFE_INTEGER]) {
      const d = backoffDelay(attempt, Math.random);
      expect(d).toBeGreaterThanOrEqual(15_000);
      expect(d).toBeLessThanOrEqual(30_000);
    }
    expect(backoffDelay(0, () => 7)).toBe(500);
    expect(backoffDelay(0, () => -3)).toBe(250);
  });

  it('grows on average and is jittered', () => {
    const samples = (attempt: number) => Array.from({ length: 200 }, () => backoffDelay(attempt));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const means = [0, 1, 2, 3, 4, 5].map((a) => mean(samples(a)));
    for (let i = 1; i < means.length; i++) expect(means[i]).toBeGreaterThan(means[i - 1]);
    expect(new Set(samples(4)).size).toBeGreaterThan(10);
  });
});

describe('gatewayUrl', () => {
  it('follows the page scheme and host', () => {
    expect(gatewayUrl({ protocol: 'https:', host: 'chat.example:8443' })).toBe('wss://chat.example:8443/ws');
    expect(gatewayUrl({ protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/ws');
  });
});

describe('ReconnectingSocket', () => {
  let frames: ServerFrame[];
  let refresh: ReturnType<typeof vi.fn<() => Promise<RefreshResult>>>;

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    frames = [];
    refresh = vi.fn<() => Promise<RefreshResult>>(() => Promise.resolve('ok'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function make(over: Partial<ReconnectingSocketOptions> = {}) {
    const rs = new ReconnectingSocket({
      url: 'ws://test/ws',
      createSocket: (url) => new FakeSocket(url),
      onFrame: (f) => frames.push(f),
      refreshAuth: refresh,
      random: () => 1, // upper bound of the jitter: delays are the ceilings
      ...over,
    });
    rs.start();
    return rs;
  }

  it('connects, delivers parsed frames and ignores malformed ones', () => {
    const rs = make();
    const s = FakeSocket.latest();
    expect(s.url).toBe('ws://test/ws');
    expect(rs.state).toBe('connecting');
    s.open();
    expect(rs.state).toBe('open');
    s.onmessage?.({ data: 'not json' });
    s.onmessage?.({ data: JSON.stringify({ type: 'from_the_future' }) });
    s.receive({ type: 'hello', user_id: 'u', session_id: 's' });
    expect(frames).toEqual([{ type: 'hello', user_id: 'u', session_id: 's' }]);
  });

  it('writes frames only while open', () => {
    const rs = make();
    expect(rs.send({ type: 'ping' })).toBe(false);
    FakeSocket.latest().open();
    expect(rs.send({ type: 'typing', room_id: 'r' })).toBe(true);
    expect(FakeSocket.latest().sent).toEqual([{ type: 'typing', room_id: 'r' }]);
  });

  it('reconnects with growing delays while the server stays away', async () => {
    const rs = make();
    FakeSocket.latest().open();
    FakeSocket.latest().drop(1006);
    expect(rs.state).toBe('connecting');
    for (const delay of [500, 1000, 2000, 4000]) {
      const before = FakeSocket.all.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(FakeSocket.all.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeSocket.all.length).toBe(before + 1);
      FakeSocket.latest().drop(1006); // never opened: server still down
    }
    expect(rs.attempt).toBe(5);
  });

  it('resets the backoff after a hello', async () => {
    const rs = make();
    FakeSocket.latest().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.latest().drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rs.attempt).toBe(2);
    const s = FakeSocket.latest();
    s.open();
    s.receive({ type: 'hello', user_id: 'u', session_id: 's' });
    expect(rs.attempt).toBe(0);
    s.drop(1012);
    const before = FakeSocket.all.length;
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.all.length).toBe(before + 1);
  });

  it('on 4001 refreshes the session and reconnects without waiting', async () => {
    const onOpen = vi.fn();
    make({ onOpen });
    FakeSocket.latest().open();
    FakeSocket.latest().drop(4001);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.latest().open();
    expect(onOpen).toHaveBeenCalledTimes(2);
  });

  it('stops and reports when the refresh says the session is over', async () => {
    const onUnauthorized = vi.fn();
    refresh.mockResolvedValue('unauthorized');
    const rs = make({ onUnauthorized });
    FakeSocket.latest().open();
    FakeSocket.latest().drop(4001);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(rs.state).toBe('stopped');
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('falls back to backoff when the refresh cannot reach the server', async () => {
    refresh.mockResolvedValue('error');
    make();
    FakeSocket.latest().open();
    FakeSocket.latest().drop(4001);
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('asks checkAuth when the upgrade failed, and stops if the session is gone', async () => {
    const checkAuth = vi.fn<() => Promise<RefreshResult>>().mockResolvedValueOnce('error').mockResolvedValueOnce('unauthorized');
    const onUnauthorized = vi.fn();
    const rs = make({ checkAuth, onUnauthorized });
    FakeSocket.latest().drop(1006); // never opened
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.latest().drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(checkAuth).toHaveBeenCalledTimes(2);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(rs.state).toBe('stopped');
  });

  it('asks checkAuth on 4003 (no valid credentials) and stops when the session is gone', async () => {
    const checkAuth = vi.fn<() => Promise<RefreshResult>>(() => Promise.resolve('unauthorized'));
    const onUnauthorized = vi.fn();
    const rs = make({ checkAuth, onUnauthorized });
    FakeSocket.latest().open();
    FakeSocket.latest().drop(4003);
    await vi.advanceTimersByTimeAsync(0);
    expect(checkAuth).toHaveBeenCalledTimes(1);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(rs.state).toBe('stopped');
  });

  it('does not ask checkAuth when a working socket drops', async () => {
    const checkAuth = vi.fn<() => Promise<RefreshResult>>(() => Promise.resolve('ok'));
    make({ checkAuth });
    FakeSocket.latest().open();
    FakeSocket.latest().drop(1006);
    expect(checkAuth).not.toHaveBeenCalled();
  });

  it('pings while open and drops a socket that went silent', async () => {
    const onClose = vi.fn();
    make({ pingIntervalMs: 1000, idleTimeoutMs: 2500, onClose });
    const s = FakeSocket.latest();
    s.open();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.sent).toEqual([{ type: 'ping' }]);
    s.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.sent).toHaveLength(3);
    expect(s.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(2000); // 3 s since the last frame
    expect(s.closedWith).toBe(4000);
    expect(onClose).toHaveBeenCalledWith(4000, true);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('stays down after stop()', async () => {
    const rs = make();
    const s = FakeSocket.latest();
    s.open();
    rs.stop();
    expect(s.closedWith).toBe(1000);
    s.drop(1006);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(rs.send({ type: 'ping' })).toBe(false);
  });

  it('networkLost drops an open socket at once, and reconnectNow connects again without the backoff', async () => {
    const rs = make();
    const first = FakeSocket.latest();
    first.open();
    expect(rs.state).toBe('open');
    rs.networkLost();
    expect(rs.state).toBe('connecting');
    expect(rs.send({ type: 'ping' })).toBe(false);
    first.drop(1006); // the old socket's late close changes nothing
    expect(FakeSocket.all).toHaveLength(1);
    rs.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.latest().open();
    expect(rs.state).toBe('open');
  });

  it('reconnectNow skips the remaining wait', async () => {
    const rs = make();
    FakeSocket.latest().drop(1006);
    await vi.advanceTimersByTimeAsync(400);
    FakeSocket.latest().drop(1006); // no-op: the socket is already gone
    rs.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
  });
});
