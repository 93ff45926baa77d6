// Desktop notifications and the unread count on the tab's icon. Whether a live message is worth
// a notification is a pure decision (`shouldNotify`); `DesktopNotifier` applies it once per
// message and shows it through the browser's Notification, which tests replace with a fake.

import { withAttachment } from './attachments';
import { clipText, roomTitle, userName } from './format';
import { plainText } from './markdown';
import { mentionsMe } from './mentions';
import type { Message, RoomSummary, User } from './protocol';
import type { Store } from './store';

/** The part of a shown notification this app uses. */
export interface NotificationLike {
  onclick: ((ev: Event) => unknown) | null;
  close(): void;
}

/** The browser's `Notification` class, as far as this app uses it. */
export interface NotificationApi {
  new (title: string, options?: NotificationOptions): NotificationLike;
  readonly permission: NotificationPermission;
  requestPermission(callback?: (p: NotificationPermission) => void): Promise<NotificationPermission> | void;
}

/** What the notifier needs from the browser: the real one, or fakes in tests. */
export interface NotifyEnv {
  /** Undefined where the browser has no notifications (older phones, some embedded views). */
  Notification: NotificationApi | undefined;
  /** Whether the tab is hidden (another tab in front, the window minimised). */
  hidden(): boolean;
  focus(): void;
  now(): number;
}

export function browserEnv(): NotifyEnv {
  return {
    Notification: typeof Notification === 'undefined' ? undefined : (Notification as unknown as NotificationApi),
    hidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
    focus: () => {
      if (typeof window !== 'undefined') window.focus();
    },
    now: () => Date.now(),
  };
}

export type Permission = NotificationPermission | 'unsupported';

export function notificationPermission(env: NotifyEnv = browserEnv()): Permission {
  return env.Notification ? env.Notification.permission : 'unsupported';
}

/**
 * Asks the browser (a prompt, the first time; must run from a click). Older Safari answers
 * through a callback instead of a promise, so both are listened to.
 */
export function requestNotificationPermission(env: NotifyEnv = browserEnv()): Promise<Permission> {
  const N = env.Notification;
  if (!N) return Promise.resolve('unsupported');
  return new Promise((resolve) => {
    try {
      const answer = N.requestPermission(resolve);
      if (answer) answer.then(resolve, () => resolve(N.permission));
    } catch {
      resolve(N.permission);
    }
  });
}

export interface NotifyInput {
  message: Message;
  /** The room's summary; undefined while the room list does not have it. */
  room: RoomSummary | undefined;
  meId: string | null;
  blocked: Record<string, true>;
  hidden: boolean;
  /** The "Desktop notifications" switch of this browser. */
  enabled: boolean;
  permission: Permission;
}

/**
 * Whether a live message deserves a desktop notification: someone else's, shown (not blocked,
 * not deleted), in a known room that is not muted (a mention of me, or of everyone, rings even
 * in a muted room), while the tab is hidden (a visible tab shows it already), with the switch on
 * and the browser's permission.
 */
export function shouldNotify(i: NotifyInput): boolean {
  const m = i.message;
  if (m.sender_id === i.meId || i.blocked[m.sender_id] || m.deleted) return false;
  // Mute is only known from the room's summary: without it, saying nothing is the safe side.
  if (!i.room) return false;
  if (i.room.muted && !mentionsMe(m.body, i.meId)) return false;
  return i.hidden && i.enabled && i.permission === 'granted';
}

export const BODY_MAX = 140;

/** The whole text on one line, at most `max` characters. */
function oneLine(text: string, max = BODY_MAX): string {
  return clipText(text.replace(/\s+/g, ' ').trim(), max);
}

export interface NotificationContent {
  title: string;
  body: string;
  /** The room: a newer notification of the same room replaces the older one. */
  tag: string;
}

/**
 * Title: the room's name as the room list shows it (the other person's, for a direct chat).
 * Body: "Sender: text", plain text (a notification body is never HTML; Markdown markers are
 * left out), clipped. A name not fetched yet is left out rather than shown as a placeholder.
 */
export function notificationFor(m: Message, room: RoomSummary, users: Record<string, User>): NotificationContent {
  const sender = users[m.sender_id] ? userName(users[m.sender_id]) : null;
  const peerUnknown = room.kind === 'direct' && room.peer_id != null && !users[room.peer_id];
  const title = peerUnknown ? (sender ?? 'New message') : roomTitle(room, users);
  // The text as read, without Markdown markers and with names for mentions (a body that reads
  // as nothing is shown as typed); a file as "🖼 Photo" or "📎 name" (before its caption).
  const text = withAttachment(plainText(m.body, users) || m.body, m.attachment);
  return { title, body: oneLine(sender ? `${sender}: ${text}` : text), tag: room.id };
}

/**
 * Shows a notification; a click brings the window forward, opens the room and closes it.
 * Null where none can be shown (some phones allow them only from a service worker and throw).
 */
export function showNotification(env: NotifyEnv, content: NotificationContent, open: () => void): NotificationLike | null {
  const N = env.Notification;
  if (!N) return null;
  let n: NotificationLike;
  try {
    n = new N(content.title, { body: content.body, tag: content.tag });
  } catch {
    return null;
  }
  n.onclick = () => {
    env.focus();
    open();
    n.close();
  };
  return n;
}

/** Message ids remembered, so a message delivered again is not notified again. */
const SEEN_MAX = 1000;
/** How long a message for a room the list does not have yet waits for it (a new chat). */
export const ROOM_WAIT_MS = 10_000;

export interface NotifierOptions {
  store: Store;
  /** Opens a room (the client's `selectRoom`). */
  open: (roomId: string) => void;
  /** The switch of this browser, read at each message. */
  enabled: () => boolean;
  env?: NotifyEnv;
}

/**
 * Turns live messages into desktop notifications, at most one per message id. Fed only the
 * `message_created` frames: pages loaded by history or a sync never notify.
 */
export class DesktopNotifier {
  private readonly env: NotifyEnv;
  private readonly seen = new Set<string>();
  /** Messages of rooms the list does not have yet: the first message of a new chat. */
  private readonly waiting = new Map<string, { m: Message; until: number }>();
  private unsubscribe: (() => void) | null = null;
  /** room id -> its notification on screen, closed when this stops (logout). */
  private readonly shown = new Map<string, NotificationLike>();
  private stopped = false;

  constructor(private readonly o: NotifierOptions) {
    this.env = o.env ?? browserEnv();
  }

  /** A message that arrived live. True when it was notified now. */
  message(m: Message): boolean {
    if (this.stopped || this.seen.has(m.id)) return false;
    this.seen.add(m.id);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value as string);
    if (!this.o.store.getState().rooms.some((r) => r.id === m.room_id)) {
      // The client fetches the room list when a message names a room it lacks: decide then.
      this.waiting.set(m.id, { m, until: this.env.now() + ROOM_WAIT_MS });
      this.unsubscribe ??= this.o.store.subscribe(() => this.retry());
      return false;
    }
    return this.decide(m);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.waiting.clear();
    for (const n of this.shown.values()) n.close();
    this.shown.clear();
  }

  private retry(): void {
    const rooms = this.o.store.getState().rooms;
    const now = this.env.now();
    for (const [id, w] of [...this.waiting]) {
      if (rooms.some((r) => r.id === w.m.room_id)) {
        this.waiting.delete(id);
        this.decide(w.m);
      } else if (now > w.until) this.waiting.delete(id);
    }
    if (this.waiting.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = null;
    }
  }

  private decide(m: Message): boolean {
    const s = this.o.store.getState();
    const room = s.rooms.find((r) => r.id === m.room_id);
    const notify = shouldNotify({
      message: m,
      room,
      meId: s.me?.id ?? null,
      blocked: s.blocked,
      hidden: this.env.hidden(),
      enabled: this.o.enabled(),
      permission: notificationPermission(this.env),
    });
    if (!notify || !room) return false;
    const n = showNotification(this.env, notificationFor(m, room, s.users), () => this.o.open(m.room_id));
    if (!n) return false;
    this.shown.set(room.id, n);
    return true;
  }
}

// ---------------------------------------------------------------------------
// The tab's title and icon

/** The tab's title: `(3) Chat`, and `(3) @1 Chat` while some of those mention me. */
export function tabTitle(unread: number, mentions: number): string {
  const parts: string[] = [];
  if (unread > 0) parts.push(`(${unread})`);
  if (mentions > 0) parts.push(`@${mentions}`);
  parts.push('Chat');
  return parts.join(' ');
}

/** The icon index.html links (public/favicon.svg), shown while nothing is unread. */
export const PLAIN_ICON = '/favicon.svg';

/** What public/favicon.svg draws (a test keeps the two the same), under the badge. */
export const ICON_DRAWING =
  '<rect width="64" height="64" rx="16" fill="#2f6fed"/>' +
  '<path d="M16 20a6 6 0 0 1 6-6h20a6 6 0 0 1 6 6v14a6 6 0 0 1-6 6H30l-9 8v-8h1a6 6 0 0 1-6-6z" fill="#fff"/>';

/**
 * The tab's icon for `count` unread messages: the plain icon at 0, else the icon with a red
 * badge in its top right corner (99+ above 99), as a data: URL (the CSP allows `img-src data:`).
 * Only the number goes into the SVG: nothing a user wrote.
 */
export function faviconFor(count: number): string {
  const n = Number.isFinite(count) ? Math.floor(count) : 0;
  if (n <= 0) return PLAIN_ICON;
  const label = n > 99 ? '99+' : String(n);
  // Large enough to read at 16 px: a circle for one digit, a wider pill for more.
  const width = [36, 50, 64][label.length - 1];
  const size = label.length > 2 ? 26 : 30;
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
    ICON_DRAWING +
    `<rect x="${64 - width}" y="0" width="${width}" height="36" rx="18" fill="#e5484d"/>` +
    `<text x="${64 - width / 2}" y="${label.length > 2 ? 27 : 29}" font-family="Arial,Helvetica,sans-serif" ` +
    `font-size="${size}" font-weight="700" text-anchor="middle" fill="#fff">${label}</text>` +
    '</svg>';
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** Points the page's `<link rel="icon">` at `href` (adding one if the page has none). */
export function setFavicon(href: string): void {
  if (typeof document === 'undefined') return;
  let link = document.querySelector<HTMLLinkElement>('link[rel~="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  // Setting the same address again would make some browsers load the icon again.
  if (link.getAttribute('href') === href) return;
  link.type = 'image/svg+xml';
  link.setAttribute('href', href);
}
