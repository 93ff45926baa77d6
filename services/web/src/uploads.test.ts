import { describe, expect, it, vi } from 'vitest';
import { createApi } from './api';
import { MAX_ATTACHMENT_BYTES } from './attachments';
import { ChatClient } from './client';
import type { Message } from './protocol';
import { createStore, timelineItems } from './store';
import { FakeSocket, ME, ROOM, msg, user } from './testutil';
import { Uploads, refusal, type FileLike, type UploadsOptions, type XhrLike } from './uploads';

/** An XMLHttpRequest driven by the test: it records what was sent and answers when told. */
class FakeXhr implements XhrLike {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: Blob | null = null;
  aborted = false;
  status = 0;
  responseText = '';
  responseHeaders: Record<string, string> = {};
  upload: XhrLike['upload'] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;

  constructor() {
    FakeXhr.all.push(this);
  }
  static latest(): FakeXhr {
    const x = FakeXhr.all[FakeXhr.all.length - 1];
    if (!x) throw new Error('no request made');
    return x;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name] ?? null;
  }
  send(body: Blob) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  answer(status: number, body: unknown, headers: Record<string, string> = {}) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.responseHeaders = headers;
    this.onload?.();
  }
  fail() {
    this.onerror?.();
  }
}

/** A file of `size` bytes (never read: only its size and name matter here). */
function file(name: string, size: number, type = 'application/octet-stream'): FileLike {
  const blob = new Blob([new Uint8Array(Math.min(size, 16))], { type });
  return Object.defineProperties(blob, { name: { value: name }, size: { value: size } }) as FileLike;
}

const stored = (over: Partial<Message> = {}): Message =>
  msg(7, {
    sender_id: ME,
    body: '',
    client_msg_id: 'up-1',
    attachment: { id: 'a-1', name: 'photo.png', content_type: 'image/png', size: 1234, width: 64, height: 48, thumbnail: true },
    ...over,
  });

function setup(over: Partial<UploadsOptions> = {}) {
  FakeXhr.all = [];
  let n = 0;
  const uploaded: Message[] = [];
  const o: UploadsOptions = {
    onUploaded: (m) => uploaded.push(m),
    refresh: vi.fn(async () => 'ok' as const),
    onUnauthorized: vi.fn(),
    createXhr: () => new FakeXhr(),
    newId: () => `up-${++n}`,
    ...over,
  };
  const uploads = new Uploads(o);
  const changes = vi.fn();
  uploads.subscribe(changes);
  return { uploads, uploaded, o, changes, list: () => uploads.getSnapshot() };
}

describe('Uploads', () => {
  it('sends the raw bytes with the name, type, send id and caption as headers', () => {
    const { uploads, list } = setup();
    const f = file('Été photo.png', 1000, 'image/png');
    uploads.add('room/1', f, 'look at <@u-x> & this');
    const x = FakeXhr.latest();
    expect(x.method).toBe('POST');
    expect(x.url).toBe('/api/rooms/room%2F1/attachments');
    expect(x.body).toBe(f);
    expect(x.headers['Content-Type']).toBe('image/png');
    expect(x.headers['X-Filename']).toBe('%C3%89t%C3%A9%20photo.png');
    expect(decodeURIComponent(x.headers['X-Filename'])).toBe('Été photo.png');
    expect(x.headers['X-Client-Msg-Id']).toBe('up-1');
    expect(decodeURIComponent(x.headers['X-Caption'])).toBe('look at <@u-x> & this');
    expect(x.headers['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(list()).toMatchObject([{ id: 'up-1', room_id: 'room/1', name: 'Été photo.png', size: 1000, status: 'uploading', percent: 0 }]);
  });

  it('sends a file of unknown type as application/octet-stream, and no caption header without one', () => {
    const { uploads } = setup();
    uploads.add(ROOM, file('data', 10, ''));
    expect(FakeXhr.latest().headers['Content-Type']).toBe('application/octet-stream');
    expect('X-Caption' in FakeXhr.latest().headers).toBe(false);
  });

  it('shows the progress as it goes, telling only when the percentage changes', () => {
    const { uploads, list, changes } = setup();
    uploads.add(ROOM, file('big.bin', 1000));
    const x = FakeXhr.latest();
    changes.mockClear();
    x.progress(250, 1000);
    expect(list()[0].percent).toBe(25);
    x.progress(251, 1000);
    expect(changes).toHaveBeenCalledTimes(1);
    x.progress(1000, 1000);
    expect(list()[0].percent).toBe(100);
    expect(list()[0].status).toBe('uploading');
  });

  it('hands over the stored message and drops the item when the server has it', () => {
    const { uploads, list, uploaded } = setup();
    const snapshot = list();
    uploads.add(ROOM, file('photo.png', 1234, 'image/png'));
    expect(list()).not.toBe(snapshot);
    FakeXhr.latest().answer(201, stored());
    expect(uploaded).toEqual([stored()]);
    expect(list()).toEqual([]);
  });

  it('cancels: the request is aborted, the item goes, and a late answer merges nothing', () => {
    const { uploads, list, uploaded } = setup();
    uploads.add(ROOM, file('big.bin', 15_000_000));
    const x = FakeXhr.latest();
    x.progress(1_000_000, 15_000_000);
    uploads.cancel('up-1');
    expect(x.aborted).toBe(true);
    expect(list()).toEqual([]);
    // Whatever the request still reports is ignored.
    x.progress(2_000_000, 15_000_000);
    x.answer(201, stored());
    x.fail();
    expect(uploaded).toEqual([]);
    expect(list()).toEqual([]);
  });

  it('refuses a file over 20 MB, and an empty one, without a request', () => {
    const { uploads, list } = setup();
    expect(refusal(file('ok.bin', MAX_ATTACHMENT_BYTES))).toBeNull();
    uploads.add(ROOM, file('movie.mp4', MAX_ATTACHMENT_BYTES + 1, 'video/mp4'));
    uploads.add(ROOM, file('nothing.txt', 0, 'text/plain'));
    expect(FakeXhr.all).toHaveLength(0);
    expect(list().map((u) => [u.name, u.status, u.error, u.retryable])).toEqual([
      ['movie.mp4', 'failed', 'movie.mp4 is too large (20 MB): files can be at most 20 MB.', false],
      ['nothing.txt', 'failed', 'nothing.txt is empty.', false],
    ]);
    // Dismissed, it is gone; a retry does nothing.
    uploads.retry(list()[0].id);
    expect(FakeXhr.all).toHaveLength(0);
    uploads.dismiss(list()[0].id);
    expect(list().map((u) => u.name)).toEqual(['nothing.txt']);
  });

  it('gives the caption to the first file that may be sent', () => {
    const { uploads, list } = setup();
    expect(uploads.addAll(ROOM, [file('huge.iso', MAX_ATTACHMENT_BYTES + 5), file('a.txt', 3), file('b.txt', 4)], 'both')).toBe(true);
    expect(list().map((u) => [u.name, u.caption])).toEqual([
      ['huge.iso', ''],
      ['a.txt', 'both'],
      ['b.txt', ''],
    ]);
    expect(FakeXhr.all.map((x) => x.headers['X-Caption'] ?? null)).toEqual(['both', null]);
    // None could be sent: the caption stays where it was.
    expect(uploads.addAll(ROOM, [file('huge.iso', MAX_ATTACHMENT_BYTES + 5)], 'kept')).toBe(false);
    expect(uploads.addAll(ROOM, [file('c.txt', 3)])).toBe(false);
  });

  it("shows the server's reason for a refused file, with the file's name", () => {
    const { uploads, list, uploaded } = setup();
    uploads.add(ROOM, file('cat.png', 100, 'image/png'));
    FakeXhr.latest().answer(422, { error: { code: 'validation_failed', message: 'some fields are not valid', fields: { file: 'is not the image it claims to be' } } });
    uploads.add(ROOM, file('broken.jpg', 100, 'image/jpeg'));
    FakeXhr.latest().answer(422, { error: { code: 'validation_failed', message: 'some fields are not valid', fields: { file: 'is a broken or unsupported image' } } });
    uploads.add(ROOM, file('big.bin', 100));
    FakeXhr.latest().answer(413, { error: { code: 'payload_too_large', message: 'the request body is too large' } });
    uploads.add(ROOM, file('x.txt', 100));
    FakeXhr.latest().answer(403, { error: { code: 'forbidden', message: 'this chat is closed' } });
    uploads.add(ROOM, file('y.txt', 100));
    FakeXhr.latest().answer(429, { error: { code: 'rate_limited', message: 'too many requests; retry in 3 s' } }, { 'Retry-After': '3' });
    uploads.add(ROOM, file('z.txt', 100));
    FakeXhr.latest().answer(502, '<html>bad gateway</html>');
    expect(uploaded).toEqual([]);
    expect(list().map((u) => [u.status, u.error, u.retryable])).toEqual([
      ['failed', 'cat.png: is not the image it claims to be', false],
      ['failed', 'broken.jpg: is a broken or unsupported image', false],
      ['failed', 'big.bin is too large: files can be at most 20 MB.', false],
      ['failed', 'x.txt: this chat is closed', false],
      ['failed', 'y.txt: too many requests; retry in 3 s', true],
      ['failed', 'z.txt: The server is unavailable. Please try again.', true],
    ]);
  });

  it('fails on a lost connection, and a retry sends it again with the same id', () => {
    const { uploads, list, uploaded } = setup();
    uploads.add(ROOM, file('notes.txt', 100, 'text/plain'), 'caption');
    const first = FakeXhr.latest();
    first.progress(50, 100);
    first.fail();
    expect(list()[0]).toMatchObject({ status: 'failed', retryable: true, error: 'notes.txt was not sent: Cannot reach the server. Check your connection.' });
    uploads.retry('up-1');
    const second = FakeXhr.latest();
    expect(second).not.toBe(first);
    expect(second.headers['X-Client-Msg-Id']).toBe('up-1');
    expect(decodeURIComponent(second.headers['X-Caption'])).toBe('caption');
    expect(list()[0]).toMatchObject({ status: 'uploading', percent: 0, error: null });
    second.answer(200, stored({ client_msg_id: 'up-1' }));
    expect(uploaded).toHaveLength(1);
    expect(list()).toEqual([]);
  });

  it('renews the session once on 401 and sends again; ends it when that fails', async () => {
    const { uploads, list, uploaded, o } = setup();
    uploads.add(ROOM, file('a.txt', 10));
    FakeXhr.latest().answer(401, { error: { code: 'unauthorized', message: 'expired' } });
    await vi.waitFor(() => expect(FakeXhr.all).toHaveLength(2));
    expect(o.refresh).toHaveBeenCalledTimes(1);
    // A second 401 right after a refresh: the session is over.
    FakeXhr.latest().answer(401, { error: { code: 'unauthorized', message: 'expired' } });
    await vi.waitFor(() => expect(list()[0].status).toBe('failed'));
    expect(o.refresh).toHaveBeenCalledTimes(1);
    expect(o.onUnauthorized).toHaveBeenCalledTimes(1);
    expect(uploaded).toEqual([]);
  });

  it('sends nothing more when cancelled while the session is renewed', async () => {
    let renew: (r: 'ok') => void = () => {};
    const { uploads, list } = setup({ refresh: () => new Promise((r) => (renew = r)) });
    uploads.add(ROOM, file('a.txt', 10));
    FakeXhr.latest().answer(401, {});
    uploads.cancel('up-1');
    renew('ok');
    await Promise.resolve();
    await Promise.resolve();
    expect(FakeXhr.all).toHaveLength(1);
    expect(list()).toEqual([]);
  });

  it('aborts everything on clear (logout)', () => {
    const { uploads, list } = setup();
    uploads.add(ROOM, file('a.txt', 10));
    uploads.add('r-2', file('b.txt', 10));
    uploads.clear();
    expect(FakeXhr.all.map((x) => x.aborted)).toEqual([true, true]);
    expect(list()).toEqual([]);
  });
});

describe('ChatClient with uploads', () => {
  it('merges the uploaded message into its timeline once, with the frame that announces it too', () => {
    FakeXhr.all = [];
    const store = createStore();
    const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
    const client = new ChatClient({
      api,
      store,
      me: user(ME),
      onSessionExpired: () => {},
      url: 'ws://x/ws',
      createSocket: (u) => new FakeSocket(u),
      createXhr: () => new FakeXhr(),
    });
    client.start();
    client.uploads.add(ROOM, file('photo.png', 1234, 'image/png'));
    const id = FakeXhr.latest().headers['X-Client-Msg-Id'];
    FakeXhr.latest().answer(201, stored({ client_msg_id: id }));
    const items = () => timelineItems(store.getState().timelines[ROOM]);
    expect(items()).toHaveLength(1);
    expect(items()[0]).toMatchObject({ seq: 7, status: 'sent', attachment: { name: 'photo.png' } });
    // The frame that announces it changes nothing more.
    FakeSocket.latest().open();
    FakeSocket.latest().receive({ type: 'message_created', message: stored({ client_msg_id: id }) });
    expect(items()).toHaveLength(1);
    // A logout aborts what is on its way, and merges nothing of it.
    client.uploads.add(ROOM, file('late.png', 10, 'image/png'));
    const late = FakeXhr.latest();
    client.stop();
    expect(late.aborted).toBe(true);
    late.answer(201, stored({ id: 'm-late', seq: 8, client_msg_id: late.headers['X-Client-Msg-Id'] }));
    expect(items()).toHaveLength(1);
  });
});
