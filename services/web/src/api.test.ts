import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, isNetworkError, isUnauthorized } from './api';
import { user } from './testutil';

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function fakeFetch(handler: Handler) {
  const calls: { url: string; init: RequestInit }[] = [];
  const f = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init: init ?? {} });
    return handler(url, init ?? {});
  });
  return { fetch: f as unknown as typeof fetch, calls };
}

const unauthorized = () => json(401, { error: { code: 'unauthorized', message: 'token expired' } });

describe('createApi', () => {
  it('asks for links to a message\'s file', async () => {
    const answer = { url: '/api/rooms/r%201/messages/5/attachment?expires=1&signature=ab', thumbnail_url: null, expires_at: '2024-01-01T12:10:00Z' };
    const { fetch, calls } = fakeFetch(() => json(200, answer));
    await expect(createApi({ fetch }).attachmentLink('r 1', 5)).resolves.toEqual(answer);
    expect(calls[0].url).toBe('/api/rooms/r%201/messages/5/attachment/link');
    expect(calls[0].init.method).toBe('GET');
    expect(calls[0].init.credentials).toBe('same-origin');
  });

  it('sends cookies, JSON and a request id; never an Authorization header', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { room_id: 'r', last_read_seq: 4, unread: 0 }));
    const api = createApi({ fetch });
    await api.markRead('r', 4);
    const { url, init } = calls[0];
    expect(url).toBe('/api/rooms/r/read');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(JSON.parse(String(init.body))).toEqual({ seq: 4 });
    const h = init.headers as Record<string, string>;
    expect(h['Content-Type']).toBe('application/json');
    expect(h['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(h).map((k) => k.toLowerCase())).not.toContain('authorization');
  });

  it('reads every page of my rooms, each room once', async () => {
    const { fetch, calls } = fakeFetch((url) =>
      url.includes('cursor=c1')
        ? json(200, { rooms: [{ id: 'b' }, { id: 'c' }], next_cursor: null })
        : json(200, { rooms: [{ id: 'a' }, { id: 'b' }], next_cursor: 'c1' }),
    );
    const api = createApi({ fetch });
    const rooms = await api.listRooms();
    expect(rooms.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(calls.map((c) => c.url)).toEqual(['/api/rooms?limit=200', '/api/rooms?cursor=c1&limit=200']);
  });

  it("reads a big room's members a page at a time, a small one's not at all", async () => {
    const member = (id: string) => ({ user_id: id, role: 'member', last_read_seq: 0 });
    const room = (count: number) => ({ id: 'r', kind: 'group', last_seq: 0, created_at: '', member_count: count, members: [member('m1')] });
    const { fetch, calls } = fakeFetch((url) => {
      if (url === '/api/rooms/small') return json(200, { ...room(1), id: 'small' });
      if (url === '/api/rooms/r') return json(200, room(3));
      if (url.includes('cursor=p2')) return json(200, { members: [member('m3')], next_cursor: null });
      return json(200, { members: [member('m1'), member('m2')], next_cursor: 'p2' });
    });
    const api = createApi({ fetch });
    expect((await api.getRoom('small')).members).toHaveLength(1);
    const big = await api.getRoom('r');
    expect(big.members.map((m) => m.user_id)).toEqual(['m1', 'm2', 'm3']);
    expect(calls.map((c) => c.url)).toEqual([
      '/api/rooms/small',
      '/api/rooms/r',
      '/api/rooms/r/members?limit=200',
      '/api/rooms/r/members?cursor=p2&limit=200',
    ]);
  });

  it('builds message queries and omits empty parameters', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { messages: [], has_more: false }));
    const api = createApi({ fetch });
    await api.getMessages('r 1', { before: 40, limit: 50 });
    await api.getMessages('r', { after: 7 });
    await api.searchUsers('al');
    expect(calls.map((c) => c.url)).toEqual([
      '/api/rooms/r%201/messages?before=40&limit=50',
      '/api/rooms/r/messages?after=7',
      '/api/users?q=al&exclude_me=true&limit=20',
    ]);
  });

  it('reacts and takes a reaction back at the percent-encoded emoji', async () => {
    const answer = { room_id: 'r-1', seq: 3, message_id: 'm', version: 1, reactions: [{ emoji: '👍', count: 1, user_ids: ['u-me'], me: true }] };
    const { fetch, calls } = fakeFetch(() => json(200, answer));
    const api = createApi({ fetch });
    await expect(api.react('r-1', 3, '👍')).resolves.toEqual(answer);
    await api.unreact('r-1', 3, '❤️');
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'PUT /api/rooms/r-1/messages/3/reactions/%F0%9F%91%8D',
      'DELETE /api/rooms/r-1/messages/3/reactions/%E2%9D%A4%EF%B8%8F',
    ]);
    expect(calls[1].init.body).toBeUndefined();
  });

  it('reads, pins and unpins at the room and seq, answering the pins', async () => {
    const answer = { room_id: 'r 1', pins: [{ message: { id: 'm', seq: 3 }, pinned_by: 'u-me', pinned_at: '2026-01-01T00:00:00Z' }] };
    const { fetch, calls } = fakeFetch(() => json(200, answer));
    const api = createApi({ fetch });
    await expect(api.pins('r 1')).resolves.toEqual(answer);
    await expect(api.pin('r 1', 3)).resolves.toEqual(answer);
    await api.unpin('r 1', 3);
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'GET /api/rooms/r%201/pins',
      'PUT /api/rooms/r%201/pins/3',
      'DELETE /api/rooms/r%201/pins/3',
    ]);
    expect(calls[0].init.body).toBeUndefined();
    expect(calls[2].init.body).toBeUndefined();
  });

  it('forwards a message with its client_msg_id to the target room', async () => {
    const copy = { id: 'm2', room_id: 'r-2', seq: 9, forwarded_from: { sender_id: 'u-bob', created_at: '2026-01-01T00:00:00Z' } };
    const { fetch, calls } = fakeFetch(() => json(201, copy));
    const api = createApi({ fetch });
    await expect(api.forward('r-2', 'm1', 'c-1')).resolves.toEqual(copy);
    expect(`${calls[0].init.method} ${calls[0].url}`).toBe('POST /api/rooms/r-2/forward');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ client_msg_id: 'c-1', message_id: 'm1' });
  });

  it('on 401 refreshes once with {} and retries the request', async () => {
    let refreshed = false;
    const { fetch, calls } = fakeFetch((url) => {
      if (url === '/api/auth/refresh') {
        refreshed = true;
        return json(200, {});
      }
      return refreshed ? json(200, user('u-me')) : unauthorized();
    });
    const api = createApi({ fetch });
    await expect(api.me()).resolves.toMatchObject({ id: 'u-me' });
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['GET /api/users/me', 'POST /api/auth/refresh', 'GET /api/users/me']);
    expect(calls[1].init.body).toBe('{}');
  });

  it('shares one refresh between concurrent 401s', async () => {
    let refreshes = 0;
    let refreshed = false;
    const { fetch } = fakeFetch(async (url) => {
      if (url === '/api/auth/refresh') {
        refreshes++;
        await new Promise((r) => setTimeout(r, 5));
        refreshed = true;
        return json(200, {});
      }
      return refreshed ? json(200, { rooms: [] }) : unauthorized();
    });
    const api = createApi({ fetch });
    await Promise.all([api.listRooms(), api.listRooms(), api.listRooms()]);
    expect(refreshes).toBe(1);
  });

  it('gives up after one refresh and reports the session as over', async () => {
    const onUnauthorized = vi.fn();
    const { fetch, calls } = fakeFetch((url) => (url === '/api/auth/refresh' ? json(401, { error: { code: 'unauthorized', message: 'no' } }) : unauthorized()));
    const api = createApi({ fetch, onUnauthorized });
    const err = await api.me().catch((e: unknown) => e);
    expect(isUnauthorized(err)).toBe(true);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(2);
  });

  it('does not treat a failed refresh over the network as a logout', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch((url) => (url === '/api/auth/refresh' ? json(503, { error: { code: 'unavailable', message: 'down' } }) : unauthorized()));
    const api = createApi({ fetch, onUnauthorized });
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isUnauthorized(err)).toBe(false);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('does not refresh for bad credentials on login', async () => {
    const { fetch, calls } = fakeFetch(() => json(401, { error: { code: 'unauthorized', message: 'Wrong login or password' } }));
    const api = createApi({ fetch });
    await expect(api.login('bob', 'nope')).rejects.toMatchObject({ status: 401, message: 'Wrong login or password' });
    expect(calls).toHaveLength(1);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ login: 'bob', password: 'nope' });
  });

  it('parses the error envelope with field errors', async () => {
    const { fetch } = fakeFetch(() =>
      json(409, { error: { code: 'conflict', message: 'Already taken', fields: { username: 'This username is taken' } } }),
    );
    const api = createApi({ fetch });
    const err = (await api.register({ username: 'bob', email: 'b@x.io', password: 'pw' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(409);
    expect(err.code).toBe('conflict');
    expect(err.fields).toEqual({ username: 'This username is taken' });
  });

  it('turns a non-JSON error page into a readable error with Retry-After', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 429, headers: { 'Retry-After': '12' } }));
    const api = createApi({ fetch });
    const err = (await api.listRooms().catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('http_429');
    expect(err.retryAfter).toBe(12);
    expect(err.message).toMatch(/too many/i);
  });

  it('reports a network failure as status 0', async () => {
    const fetch = (() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof globalThis.fetch;
    const api = createApi({ fetch });
    const err = await api.me().catch((e: unknown) => e);
    expect(isNetworkError(err)).toBe(true);
  });

  it('resolves logout (204) without a body', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    const api = createApi({ fetch });
    await expect(api.logout()).resolves.toBeUndefined();
    expect(calls[0].init.body).toBe('{}');
  });

  it('refresh() classifies outcomes', async () => {
    for (const [status, want] of [
      [200, 'ok'],
      [401, 'unauthorized'],
      [400, 'unauthorized'],
      [429, 'error'],
      [503, 'error'],
    ] as const) {
      const { fetch } = fakeFetch(() => json(status, {}));
      expect(await createApi({ fetch }).refresh()).toBe(want);
    }
  });
});
