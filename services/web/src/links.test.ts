import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { ANSWER_FRESH_MS, LinkCache, MIN_FRESH_MS, ViewLinks } from './links';
import type { Attachment, AttachmentLink } from './protocol';
import { ROOM, msg } from './testutil';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const path = (seq: number, n: number, small = false) =>
  `/api/rooms/${ROOM}/messages/${seq}/attachment${small ? '/thumbnail' : ''}?expires=${n}&signature=${'0'.repeat(64)}`;
const photo = (over: Partial<Attachment> = {}): Attachment => ({
  id: 'a-1',
  name: 'beach.jpg',
  content_type: 'image/jpeg',
  size: 1000,
  width: 64,
  height: 48,
  thumbnail: true,
  ...over,
});
/** A photo as a history page gives it: with links numbered `n`. */
const fromAnswer = (seq: number, n: number) => photo({ url: path(seq, n), thumbnail_url: path(seq, n, true) });

/** A cache on a clock the test moves, whose `/link` answers are numbered 100, 101, … */
function setup(linkSecs = 600) {
  let now = T0;
  let n = 100;
  const pending: { resolve: () => void }[] = [];
  let hold = false;
  const fetchLink = vi.fn((_room: string, seq: number): Promise<AttachmentLink> => {
    const answer = () => ({ url: path(seq, n), thumbnail_url: path(seq, n++, true), expires_at: new Date(now + linkSecs * 1000).toISOString() });
    if (!hold) return Promise.resolve(answer());
    return new Promise((resolve) => pending.push({ resolve: () => resolve(answer()) }));
  });
  const cache = new LinkCache(fetchLink, () => now);
  return {
    cache,
    fetchLink,
    advance: (ms: number) => (now += ms),
    /** Requests wait until `release`. */
    holdRequests: () => (hold = true),
    release: () => pending.splice(0).forEach((p) => p.resolve()),
  };
}

describe('LinkCache', () => {
  it('uses the links a REST answer carried, without asking the server', async () => {
    const { cache, fetchLink } = setup();
    const a = fromAnswer(5, 1);
    expect(cache.peek(ROOM, 5, a)).toEqual({ url: path(5, 1), thumbnailUrl: path(5, 1, true) });
    // The same object while the same links: nothing re-renders for nothing.
    expect(cache.peek(ROOM, 5, a)).toBe(cache.peek(ROOM, 5, a));
    await expect(cache.get(ROOM, 5, a)).resolves.toEqual({ url: path(5, 1), thumbnailUrl: path(5, 1, true) });
    expect(fetchLink).not.toHaveBeenCalled();
  });

  it('asks GET …/attachment/link for a message that came without links (a live frame), once', async () => {
    const { cache, fetchLink } = setup();
    const a = photo();
    expect(cache.peek(ROOM, 7, a)).toBeNull();
    await expect(cache.get(ROOM, 7, a)).resolves.toEqual({ url: path(7, 100), thumbnailUrl: path(7, 100, true) });
    expect(fetchLink).toHaveBeenCalledWith(ROOM, 7);
    // Held from then on.
    expect(cache.peek(ROOM, 7, a)).toEqual({ url: path(7, 100), thumbnailUrl: path(7, 100, true) });
    await cache.get(ROOM, 7, a);
    expect(fetchLink).toHaveBeenCalledTimes(1);
  });

  it('asks once for requests made at the same time, per message', async () => {
    const { cache, fetchLink, holdRequests, release } = setup();
    holdRequests();
    const a = photo();
    const asked = [cache.get(ROOM, 7, a), cache.get(ROOM, 7, a), cache.get(ROOM, 7, a, 'whatever failed'), cache.get(ROOM, 8, photo({ id: 'a-2' }))];
    expect(fetchLink).toHaveBeenCalledTimes(2);
    release();
    const [x, y, z, other] = await Promise.all(asked);
    expect(x).toBe(y);
    expect(x).toBe(z);
    expect(other.url).toBe(path(8, 101));
  });

  it('uses an answer\'s links for 8 minutes from when it arrived, then asks for new ones', async () => {
    const { cache, fetchLink, advance } = setup();
    const a = fromAnswer(5, 1);
    // The page arrived now; the message is first drawn later (scrolled to).
    cache.note([msg(5, { attachment: a }), msg(6)]);
    advance(ANSWER_FRESH_MS - 1);
    expect(cache.peek(ROOM, 5, a)?.url).toBe(path(5, 1));
    advance(1);
    expect(cache.peek(ROOM, 5, a)).toBeNull();
    expect((await cache.get(ROOM, 5, a)).url).toBe(path(5, 100));
    expect(fetchLink).toHaveBeenCalledTimes(1);
  });

  it('keeps the links in use while they are good, then takes a newer page\'s', () => {
    const { cache, fetchLink, advance } = setup();
    const first = fromAnswer(5, 1);
    cache.note([msg(5, { attachment: first })]);
    expect(cache.peek(ROOM, 5, first)?.url).toBe(path(5, 1));
    // A page read again 5 minutes later has new links for the same file: a picture drawn keeps its own.
    advance(5 * MIN);
    const newer = fromAnswer(5, 2);
    cache.note([msg(5, { attachment: newer })]);
    expect(cache.peek(ROOM, 5, newer)?.url).toBe(path(5, 1));
    advance(3 * MIN);
    expect(cache.peek(ROOM, 5, newer)?.url).toBe(path(5, 2));
    advance(5 * MIN);
    expect(cache.peek(ROOM, 5, newer)).toBeNull();
    expect(fetchLink).not.toHaveBeenCalled();
  });

  it('keeps links it asked for until a minute before they expire, then asks again', async () => {
    const { cache, fetchLink, advance } = setup();
    const a = photo();
    await cache.get(ROOM, 7, a);
    advance(9 * MIN - 1);
    expect(cache.peek(ROOM, 7, a)?.url).toBe(path(7, 100));
    advance(1);
    expect(cache.peek(ROOM, 7, a)).toBeNull();
    expect((await cache.get(ROOM, 7, a)).url).toBe(path(7, 101));
    expect(fetchLink).toHaveBeenCalledTimes(2);
  });

  it('keeps fresh links a little while even when a clock ahead of the server\'s says they expire', async () => {
    const { cache, advance } = setup(30);
    const a = photo();
    await cache.get(ROOM, 7, a);
    advance(MIN_FRESH_MS - 1);
    expect(cache.peek(ROOM, 7, a)).not.toBeNull();
    advance(1);
    expect(cache.peek(ROOM, 7, a)).toBeNull();
  });

  it('does not use a link that failed again, nor its pair, and asks for new ones', async () => {
    const { cache, fetchLink } = setup();
    const a = fromAnswer(5, 1);
    cache.note([msg(5, { attachment: a })]);
    // The thumbnail failed (its link expired early, say): both of that answer's links are dropped.
    expect(await cache.get(ROOM, 5, a, path(5, 1, true))).toEqual({ url: path(5, 100), thumbnailUrl: path(5, 100, true) });
    expect(cache.peek(ROOM, 5, a)?.url).toBe(path(5, 100));
    // Another view failing late with the old link gets the new one, without a request.
    expect((await cache.get(ROOM, 5, a, path(5, 1))).url).toBe(path(5, 100));
    expect(fetchLink).toHaveBeenCalledTimes(1);
    // The new one failing too is asked again.
    expect((await cache.get(ROOM, 5, a, path(5, 100))).url).toBe(path(5, 101));
  });

  it('keeps links per file of a message: another seq or another file is asked for apart', async () => {
    const { cache, fetchLink } = setup();
    await cache.get(ROOM, 7, photo());
    await cache.get(ROOM, 8, photo());
    await cache.get('r-2', 7, photo());
    await cache.get(ROOM, 7, photo({ id: 'a-other' }));
    expect(fetchLink).toHaveBeenCalledTimes(4);
  });

  it('rejects with the server\'s error (the file is gone), and asks again the next time', async () => {
    const fetchLink = vi.fn().mockRejectedValueOnce(new ApiError(404, 'not_found', 'gone'));
    fetchLink.mockResolvedValueOnce({ url: path(7, 1), thumbnail_url: null, expires_at: new Date(Date.now() + 600_000).toISOString() });
    const cache = new LinkCache(fetchLink);
    await expect(cache.get(ROOM, 7, photo())).rejects.toMatchObject({ status: 404 });
    await expect(cache.get(ROOM, 7, photo())).resolves.toEqual({ url: path(7, 1), thumbnailUrl: null });
  });
});

describe('ViewLinks', () => {
  function view(a: Attachment, seq = 5) {
    const s = setup();
    const changed = vi.fn();
    const v = new ViewLinks(s.cache, ROOM, seq, a, changed);
    return { ...s, v, changed };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('has an answer\'s links at once, and asks for them when the message came without', async () => {
    const withLinks = view(fromAnswer(5, 1));
    expect(withLinks.v.links?.thumbnailUrl).toBe(path(5, 1, true));
    withLinks.v.start();
    expect(withLinks.fetchLink).not.toHaveBeenCalled();

    const live = view(photo(), 7);
    expect(live.v.links).toBeNull();
    live.v.start();
    await settle();
    expect(live.v.links?.thumbnailUrl).toBe(path(7, 100, true));
    expect(live.changed).toHaveBeenCalledTimes(1);
  });

  it('asks for a fresh link once after a picture failed to load, and gives up the second time', async () => {
    const { v, fetchLink, changed } = view(fromAnswer(5, 1));
    v.start();
    // 403: the link expired.
    expect(v.imageFailed(path(5, 1, true))).toBe(true);
    await settle();
    expect(fetchLink).toHaveBeenCalledTimes(1);
    expect(v.links?.thumbnailUrl).toBe(path(5, 100, true));
    expect(v.failed).toBe(false);
    expect(changed).toHaveBeenCalledTimes(1);
    // Failing with the fresh one too: not the link's fault; no more requests.
    expect(v.imageFailed(path(5, 100, true))).toBe(false);
    await settle();
    expect(fetchLink).toHaveBeenCalledTimes(1);
    expect(v.failed).toBe(true);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('may ask again after a picture that failed once loaded', async () => {
    const { v, fetchLink } = view(fromAnswer(5, 1));
    v.start();
    v.imageFailed(path(5, 1, true));
    await settle();
    v.imageLoaded();
    expect(v.imageFailed(path(5, 100, true))).toBe(true);
    await settle();
    expect(fetchLink).toHaveBeenCalledTimes(2);
    expect(v.links?.thumbnailUrl).toBe(path(5, 101, true));
  });

  it('says failed when no link can be had (the file was deleted)', async () => {
    const changed = vi.fn();
    const v = new ViewLinks({ peek: () => null, get: () => Promise.reject(new ApiError(404, 'not_found', 'gone')) }, ROOM, 5, photo(), changed);
    v.start();
    await settle();
    expect(v.failed).toBe(true);
    expect(v.links).toBeNull();
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it('gives a click links still good, or none once they may have expired: fresh ones are then asked for', async () => {
    const { v, advance, fetchLink } = view(fromAnswer(5, 1));
    v.start();
    expect(v.forClick()?.url).toBe(path(5, 1));
    advance(ANSWER_FRESH_MS);
    expect(v.forClick()).toBeNull();
    expect((await v.fresh())?.url).toBe(path(5, 100));
    expect(v.links?.url).toBe(path(5, 100));
    expect(v.forClick()?.url).toBe(path(5, 100));
    expect(fetchLink).toHaveBeenCalledTimes(1);
  });

  it('drops answers that come after it stopped being shown', async () => {
    const { v, changed } = view(photo(), 7);
    v.start();
    v.stop();
    await settle();
    expect(v.links).toBeNull();
    expect(changed).not.toHaveBeenCalled();
  });
});
