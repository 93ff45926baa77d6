// Download links to message files. The rooms service serves a file only through a short-lived
// link made for one reader (its fixed path plus `?expires=…&signature=…`, good for 10 minutes and
// only with that reader's session; an expired one answers 403). History, search and upload
// answers carry them (`attachment.url`, `thumbnail_url`); live frames and synced events do not,
// and `GET …/attachment/link` makes new ones. `LinkCache` hands out links still good to use,
// asking the server only when it must (once per message at a time); `ViewLinks` is what one
// shown file does with them (the React side is components/useAttachmentLinks.ts). No React here.

import type { Attachment, AttachmentLink, Message } from './protocol';

export interface AttachmentLinks {
  /** The file. */
  url: string;
  /** Its thumbnail (pictures only). */
  thumbnailUrl: string | null;
}

/** How long the links of a REST answer are used after it arrived (they work for 10 minutes). */
export const ANSWER_FRESH_MS = 8 * 60_000;
/** Links made by `…/attachment/link` are used until this long before they expire. */
export const EXPIRY_MARGIN_MS = 60_000;
/** …but at least this long, however soon a clock ahead of the server's says they expire. */
export const MIN_FRESH_MS = 30_000;
/** Bounds of what is remembered (links seen in answers, links held). */
const MAX_SEEN = 5_000;
const MAX_HELD = 1_000;

/** Asks the server for new links (`GET /api/rooms/{id}/messages/{seq}/attachment/link`). */
export type FetchLink = (roomId: string, seq: number) => Promise<AttachmentLink>;

const keyOf = (roomId: string, seq: number, a: Pick<Attachment, 'id'>) => `${roomId}\u0000${seq}\u0000${a.id}`;

export class LinkCache {
  /** message file -> links in use and until when they are. */
  private readonly held = new Map<string, { links: AttachmentLinks; until: number }>();
  /** An answer's file link -> when it was first seen (the answer's arrival: `note`). */
  private readonly seen = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<AttachmentLinks>>();

  constructor(
    private readonly fetchLink: FetchLink,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Messages of a REST answer that just arrived: their links count as fresh from now. */
  note(messages: readonly Message[]): void {
    for (const m of messages) if (m.attachment?.url) this.firstSeen(m.attachment.url);
  }

  /**
   * Links to a message's file still good to use, without asking the server: those in use, or
   * else those of the REST answer the message came in (for 8 minutes after it); null when none.
   * The same object while the same links are.
   */
  peek(roomId: string, seq: number, a: Attachment): AttachmentLinks | null {
    const key = keyOf(roomId, seq, a);
    const now = this.now();
    const held = this.held.get(key);
    if (held && now < held.until) return held.links;
    if (a.url) {
      const until = this.firstSeen(a.url) + ANSWER_FRESH_MS;
      if (now < until) {
        const links = { url: a.url, thumbnailUrl: a.thumbnail_url ?? null };
        this.hold(key, links, until);
        return links;
      }
    }
    return null;
  }

  /**
   * Links good to use: `peek`'s, or new ones from the server (one request per message at a
   * time, shared by every caller; kept until a minute before they expire). `failedUrl`: a link
   * that just failed (a picture that did not load): it and its pair are not used again.
   * Rejects with the `ApiError` of the request (404: the file is gone or not mine to read).
   */
  get(roomId: string, seq: number, a: Attachment, failedUrl?: string): Promise<AttachmentLinks> {
    const key = keyOf(roomId, seq, a);
    if (failedUrl !== undefined) this.spoil(key, a, failedUrl);
    const fresh = this.peek(roomId, seq, a);
    if (fresh) return Promise.resolve(fresh);
    const running = this.inFlight.get(key);
    if (running) return running;
    const p = this.fetchLink(roomId, seq)
      .then((answer) => {
        const got = this.now();
        const links = { url: answer.url, thumbnailUrl: answer.thumbnail_url ?? null };
        const expires = Date.parse(answer.expires_at);
        const until = Number.isNaN(expires) ? got + ANSWER_FRESH_MS : Math.max(got + MIN_FRESH_MS, expires - EXPIRY_MARGIN_MS);
        this.hold(key, links, until);
        return links;
      })
      .finally(() => {
        if (this.inFlight.get(key) === p) this.inFlight.delete(key);
      });
    this.inFlight.set(key, p);
    return p;
  }

  /** Forgets links that failed: held ones that include `url`, and the answer's when it does. */
  private spoil(key: string, a: Attachment, url: string): void {
    const held = this.held.get(key);
    if (held && (held.links.url === url || held.links.thumbnailUrl === url)) this.held.delete(key);
    if (a.url && (a.url === url || a.thumbnail_url === url)) this.seen.set(a.url, -Infinity);
  }

  private firstSeen(url: string): number {
    let t = this.seen.get(url);
    if (t === undefined) {
      t = this.now();
      this.seen.set(url, t);
      // The oldest first: by then they are long expired.
      if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.keys().next().value as string);
    }
    return t;
  }

  private hold(key: string, links: AttachmentLinks, until: number): void {
    this.held.delete(key);
    this.held.set(key, { links, until });
    if (this.held.size <= MAX_HELD) return;
    const now = this.now();
    for (const [k, e] of this.held) if (e.until <= now) this.held.delete(k);
    while (this.held.size > MAX_HELD) this.held.delete(this.held.keys().next().value as string);
  }
}

/** What `ViewLinks` needs of the cache (the client's `attachmentLink`, and `peek`). */
export interface LinkSource {
  peek(roomId: string, seq: number, a: Attachment): AttachmentLinks | null;
  get(roomId: string, seq: number, a: Attachment, failedUrl?: string): Promise<AttachmentLinks>;
}

/**
 * One shown file's links: those to draw now (null while they are asked for), fresh ones when a
 * picture failed to load (once: failing again gives up), and links still good for a click (a
 * download) at whatever time it comes. `changed` is called when what to show changed.
 */
export class ViewLinks {
  links: AttachmentLinks | null;
  /** No links could be had (the file is gone), or a picture failed again with fresh ones. */
  failed = false;
  /** The file as the message now carries it (its links may be newer). */
  attachment: Attachment;
  private retried = false;
  private live = false;

  constructor(
    private readonly source: LinkSource,
    private readonly roomId: string,
    private readonly seq: number,
    attachment: Attachment,
    private readonly changed: () => void,
  ) {
    this.attachment = attachment;
    this.links = source.peek(roomId, seq, attachment);
  }

  /** Shown: asks for links when it has none. */
  start(): void {
    this.live = true;
    if (!this.links && !this.failed) this.load();
  }

  /** No longer shown: answers are dropped. */
  stop(): void {
    this.live = false;
  }

  /**
   * A picture could not be loaded from `src` (an expired link answers 403): asks for fresh links
   * once and answers true (it is drawn again with them); the second time answers false and gives up.
   */
  imageFailed(src: string): boolean {
    if (this.retried) {
      this.set(this.links, true);
      return false;
    }
    this.retried = true;
    this.load(src);
    return true;
  }

  /** A picture loaded: a later failure may ask again. */
  imageLoaded(): void {
    this.retried = false;
  }

  /**
   * For a click on a download link: links still good now (the held ones, or newer ones the
   * cache has, which become the held ones), or null when they may have expired; `fresh` then
   * asks for new ones.
   */
  forClick(): AttachmentLinks | null {
    const now = this.source.peek(this.roomId, this.seq, this.attachment);
    if (now && now !== this.links) this.set(now, false);
    return now;
  }

  /** Links good to use now, asked for when needed (null when none can be had). */
  fresh(): Promise<AttachmentLinks | null> {
    return this.source.get(this.roomId, this.seq, this.attachment).then(
      (links) => {
        this.set(links, false);
        return links;
      },
      () => {
        this.set(this.links, true);
        return null;
      },
    );
  }

  private load(failedUrl?: string): void {
    this.source.get(this.roomId, this.seq, this.attachment, failedUrl).then(
      (links) => this.set(links, false),
      () => this.set(this.links, true),
    );
  }

  private set(links: AttachmentLinks | null, failed: boolean): void {
    if (!this.live || (links === this.links && failed === this.failed)) return;
    this.links = links;
    this.failed = failed;
    this.changed();
  }
}
