import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  BODY_MAX,
  DesktopNotifier,
  ICON_DRAWING,
  PLAIN_ICON,
  ROOM_WAIT_MS,
  faviconFor,
  notificationFor,
  requestNotificationPermission,
  shouldNotify,
  showNotification,
  tabTitle,
  type NotificationApi,
  type NotifyEnv,
  type NotifyInput,
} from './notify';
import { createStore, type Store } from './store';
import { BOB, ME, ROOM, msg, summary, user } from './testutil';

/** A browser's Notification that records what it was asked to show. */
function fakeNotifications(permission: NotificationPermission = 'granted', answer: NotificationPermission = permission) {
  const shown: FakeNotification[] = [];
  class FakeNotification {
    static permission = permission;
    static requestPermission = vi.fn(async () => {
      FakeNotification.permission = answer;
      return answer;
    });
    onclick: ((ev: Event) => unknown) | null = null;
    closed = false;
    constructor(
      readonly title: string,
      readonly options: NotificationOptions = {},
    ) {
      shown.push(this);
    }
    close() {
      this.closed = true;
    }
  }
  return { N: FakeNotification as NotificationApi & typeof FakeNotification, shown };
}

function env(over: Partial<NotifyEnv> = {}): NotifyEnv {
  return { Notification: fakeNotifications().N, hidden: () => true, focus: () => {}, now: () => 0, ...over };
}

describe('shouldNotify', () => {
  const base: NotifyInput = {
    message: msg(1),
    room: summary(ROOM),
    meId: ME,
    blocked: {},
    hidden: true,
    enabled: true,
    permission: 'granted',
  };

  it('notifies someone else’s message in a known, unmuted room, in a hidden tab, switched on and allowed', () => {
    expect(shouldNotify(base)).toBe(true);
  });
  it('never notifies my own message (sent from another tab or device)', () => {
    expect(shouldNotify({ ...base, message: msg(1, { sender_id: ME }) })).toBe(false);
  });
  it('never notifies a message of someone I blocked', () => {
    expect(shouldNotify({ ...base, blocked: { [BOB]: true } })).toBe(false);
  });
  it('never notifies a deleted message', () => {
    expect(shouldNotify({ ...base, message: msg(1, { deleted: true, body: '' }) })).toBe(false);
  });
  it('keeps a muted room quiet, and a room it does not know (its mute is unknown)', () => {
    expect(shouldNotify({ ...base, room: summary(ROOM, { muted: true }) })).toBe(false);
    expect(shouldNotify({ ...base, room: undefined })).toBe(false);
  });
  it('rings for a mention of me or of everyone even in a muted room, with the rest of the rules', () => {
    const meId = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
    const muted = { ...base, meId, room: summary(ROOM, { muted: true }) };
    expect(shouldNotify({ ...muted, message: msg(1, { body: `look <@${meId}>` }) })).toBe(true);
    expect(shouldNotify({ ...muted, message: msg(1, { body: '<@room> standup' }) })).toBe(true);
    // Someone else's mention, or my name only typed, stays quiet in a muted room.
    expect(shouldNotify({ ...muted, message: msg(1, { body: '<@0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5c>' }) })).toBe(false);
    expect(shouldNotify({ ...muted, message: msg(1, { body: '@me look' }) })).toBe(false);
    // A mention still needs a hidden tab, the switch and the permission, and is never from me or someone I blocked.
    const mention = { ...muted, message: msg(1, { body: `look <@${meId}>` }) };
    expect(shouldNotify({ ...mention, hidden: false })).toBe(false);
    expect(shouldNotify({ ...mention, enabled: false })).toBe(false);
    expect(shouldNotify({ ...mention, permission: 'denied' })).toBe(false);
    expect(shouldNotify({ ...mention, blocked: { [BOB]: true } })).toBe(false);
    expect(shouldNotify({ ...mention, message: msg(1, { sender_id: meId, body: `look <@${meId}>` }) })).toBe(false);
    expect(shouldNotify({ ...mention, room: undefined })).toBe(false);
  });
  it('says nothing while the tab is visible: the message is on screen already', () => {
    expect(shouldNotify({ ...base, hidden: false })).toBe(false);
  });
  it('says nothing while the switch is off', () => {
    expect(shouldNotify({ ...base, enabled: false })).toBe(false);
  });
  it('says nothing without the browser’s permission, or without notifications at all', () => {
    for (const permission of ['default', 'denied', 'unsupported'] as const) {
      expect(shouldNotify({ ...base, permission }), permission).toBe(false);
    }
  });
});

describe('notificationFor', () => {
  const users = { [BOB]: user(BOB, { display_name: 'Bob Stone' }) };

  it('titles a direct chat with the other person and a group with its name; the body is "Sender: text"', () => {
    expect(notificationFor(msg(1, { body: 'hi there' }), summary(ROOM), users)).toEqual({
      title: 'Bob Stone',
      body: 'Bob Stone: hi there',
      tag: ROOM,
    });
    const group = summary('r-g', { kind: 'group', name: 'Team', peer_id: null });
    expect(notificationFor(msg(1, { room_id: 'r-g', body: 'hello' }), group, users)).toEqual({
      title: 'Team',
      body: 'Bob Stone: hello',
      tag: 'r-g',
    });
  });

  it('makes one line of plain text, clipped to about 140 characters, markup and all left as written', () => {
    const long = `<b>bold?</b>\n\n${'x'.repeat(300)}`;
    const { body } = notificationFor(msg(1, { body: long }), summary(ROOM), users);
    expect(Array.from(body).length).toBe(BODY_MAX);
    expect(body.startsWith('Bob Stone: <b>bold?</b> xxx')).toBe(true);
    expect(body.endsWith('…')).toBe(true);
    expect(body).not.toContain('\n');
    // Emoji are whole characters: never cut in half.
    const emoji = notificationFor(msg(1, { body: '😀'.repeat(200) }), summary(ROOM), users).body;
    expect(Array.from(emoji).length).toBe(BODY_MAX);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('shows the text as read: Markdown markers left out, HTML kept as the text it is', () => {
    const md = '**Deploy** is _done_: see [the log](https://ci.example/1)\n> quoted\n- `a` item';
    expect(notificationFor(msg(1, { body: md }), summary(ROOM), users).body).toBe('Bob Stone: Deploy is done: see the log quoted a item');
    expect(notificationFor(msg(1, { body: '~~<i>x</i>~~ &amp;' }), summary(ROOM), users).body).toBe('Bob Stone: <i>x</i> &');
  });

  it('shows mentions by name, never as their tokens', () => {
    const ann = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
    const named = { ...users, [ann]: user(ann, { display_name: 'Ann' }) };
    expect(notificationFor(msg(1, { body: `<@${ann}> and <@room>: **now**` }), summary(ROOM), named).body).toBe('Bob Stone: @Ann and @room: now');
  });

  it('leaves out a name not fetched yet instead of a placeholder', () => {
    expect(notificationFor(msg(1, { body: 'hi' }), summary(ROOM), {})).toEqual({ title: 'New message', body: 'hi', tag: ROOM });
  });
});

describe('showNotification', () => {
  it('shows title, body and the room as tag; a click focuses the window, opens the room and closes it', () => {
    const { N, shown } = fakeNotifications();
    const focus = vi.fn();
    const open = vi.fn();
    const n = showNotification(env({ Notification: N, focus }), { title: 'Bob', body: 'Bob: hi', tag: ROOM }, open);
    expect(n).toBe(shown[0]);
    expect(shown[0].title).toBe('Bob');
    expect(shown[0].options).toEqual({ body: 'Bob: hi', tag: ROOM });
    shown[0].onclick?.(new Event('click'));
    expect(focus).toHaveBeenCalledOnce();
    expect(open).toHaveBeenCalledOnce();
    expect(shown[0].closed).toBe(true);
  });

  it('shows nothing where the browser has no notifications, or refuses to make one', () => {
    expect(showNotification(env({ Notification: undefined }), { title: 't', body: 'b', tag: ROOM }, () => {})).toBeNull();
    const Throwing = class {
      static permission = 'granted';
      constructor() {
        throw new TypeError('Illegal constructor');
      }
    } as unknown as NotificationApi;
    expect(showNotification(env({ Notification: Throwing }), { title: 't', body: 'b', tag: ROOM }, () => {})).toBeNull();
  });
});

describe('requestNotificationPermission', () => {
  it('answers what the browser answers, and "unsupported" without notifications', async () => {
    expect(await requestNotificationPermission(env({ Notification: fakeNotifications('default', 'granted').N }))).toBe('granted');
    expect(await requestNotificationPermission(env({ Notification: fakeNotifications('default', 'denied').N }))).toBe('denied');
    expect(await requestNotificationPermission(env({ Notification: undefined }))).toBe('unsupported');
  });
  it('understands an older browser that answers through a callback only', async () => {
    const Old = { permission: 'default', requestPermission: (cb?: (p: NotificationPermission) => void) => cb?.('granted') };
    expect(await requestNotificationPermission(env({ Notification: Old as unknown as NotificationApi }))).toBe('granted');
  });
});

describe('DesktopNotifier', () => {
  function setup(over: { hidden?: () => boolean; enabled?: boolean; rooms?: boolean } = {}) {
    const store: Store = createStore();
    store.dispatch({ type: 'me', user: user(ME) });
    store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob' })] });
    if (over.rooms !== false) store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM)] });
    const { N, shown } = fakeNotifications();
    const open = vi.fn();
    let now = 0;
    const notifier = new DesktopNotifier({
      store,
      open,
      enabled: () => over.enabled ?? true,
      env: env({ Notification: N, hidden: over.hidden ?? (() => true), now: () => now }),
    });
    return { store, shown, open, notifier, later: (ms: number) => (now += ms) };
  }

  it('notifies a live message once, even when it is delivered twice', () => {
    const { shown, notifier } = setup();
    expect(notifier.message(msg(1, { body: 'hello' }))).toBe(true);
    expect(notifier.message(msg(1, { body: 'hello' }))).toBe(false);
    expect(shown.map((n) => [n.title, n.options.body])).toEqual([['Bob', 'Bob: hello']]);
    expect(notifier.message(msg(2))).toBe(true);
    expect(shown).toHaveLength(2);
  });

  it('does not notify later a message first seen while the tab was visible', () => {
    let hidden = false;
    const { shown, notifier } = setup({ hidden: () => hidden });
    expect(notifier.message(msg(1))).toBe(false);
    hidden = true;
    expect(notifier.message(msg(1))).toBe(false);
    expect(shown).toHaveLength(0);
    expect(notifier.message(msg(2))).toBe(true);
  });

  it('opens the room of the clicked notification', () => {
    const { shown, open, notifier } = setup();
    notifier.message(msg(1));
    shown[0].onclick?.(new Event('click'));
    expect(open).toHaveBeenCalledWith(ROOM);
    expect(shown[0].closed).toBe(true);
  });

  it('follows the switch and the tab at each message', () => {
    expect(setup({ enabled: false }).notifier.message(msg(1))).toBe(false);
    expect(setup({ hidden: () => false }).notifier.message(msg(1))).toBe(false);
  });

  it('waits for the room list when a message opens a new chat, and gives up after a while', () => {
    const { store, shown, notifier, later } = setup({ rooms: false });
    expect(notifier.message(msg(1, { body: 'first words' }))).toBe(false);
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM)] });
    expect(shown.map((n) => n.options.body)).toEqual(['Bob: first words']);

    const other = 'r-2';
    notifier.message(msg(1, { room_id: other }));
    later(ROOM_WAIT_MS + 1);
    store.dispatch({ type: 'notice', message: 'anything' });
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM), summary(other)] });
    expect(shown).toHaveLength(1);
  });

  it('closes what it showed and says nothing more once stopped (logout)', () => {
    const { shown, notifier } = setup();
    notifier.message(msg(1));
    notifier.stop();
    expect(shown[0].closed).toBe(true);
    expect(notifier.message(msg(2))).toBe(false);
    expect(shown).toHaveLength(1);
  });
});

describe('tabTitle', () => {
  it('shows the unread count, and the mentions of me beside it', () => {
    expect(tabTitle(0, 0)).toBe('Chat');
    expect(tabTitle(3, 0)).toBe('(3) Chat');
    expect(tabTitle(3, 1)).toBe('(3) @1 Chat');
    expect(tabTitle(0, 2)).toBe('@2 Chat');
  });
});

describe('faviconFor', () => {
  const svg = (href: string) => decodeURIComponent(href.replace(/^data:image\/svg\+xml,/, ''));

  it('is the plain icon with nothing unread', () => {
    expect(faviconFor(0)).toBe(PLAIN_ICON);
    expect(faviconFor(-1)).toBe(PLAIN_ICON);
    expect(faviconFor(NaN)).toBe(PLAIN_ICON);
  });
  it('draws the count on the icon, as a data: URL', () => {
    const href = faviconFor(5);
    expect(href.startsWith('data:image/svg+xml,')).toBe(true);
    // Nothing in the URL that ends or breaks it: `#` would start a fragment.
    expect(href).not.toMatch(/[#<>" ]/);
    expect(svg(href)).toContain('>5</text>');
    expect(svg(href)).toContain(ICON_DRAWING);
    expect(svg(faviconFor(42))).toContain('>42</text>');
  });
  it('says 99+ above 99', () => {
    expect(svg(faviconFor(99))).toContain('>99</text>');
    expect(svg(faviconFor(150))).toContain('>99+</text>');
    expect(svg(faviconFor(150))).not.toContain('150');
  });
  it('draws the same icon as public/favicon.svg', () => {
    const file = readFileSync(new URL('../public/favicon.svg', import.meta.url), 'utf8');
    expect(file).toContain(ICON_DRAWING);
  });
});
