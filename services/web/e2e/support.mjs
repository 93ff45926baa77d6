// What the browser tests share: the browser, one context per person, and the steps people take.
// Each *.e2e.mjs file calls `launch()` before its tests and `closeBrowser()` after them.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:18080';
export const RESTART = process.env.CHAT_RESTART ?? join(dirname(fileURLToPath(import.meta.url)), '../../../scripts/restart-service');
export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
export const WAIT = 15_000;
export const run = Math.random().toString(36).slice(2, 8);
export const name = (who) => `${who}_${run}`;

export let browser;
/** who -> { context, page, problems } */
export const people = {};

export async function person(who, viewport = { width: 1200, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  // The app must work under the CSP nginx sends, and never throw.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => void d.accept());
  page.setDefaultTimeout(WAIT);
  people[who] = { context, page, problems };
  return page;
}

export const shot = (page, file) => page.screenshot({ path: join(SHOTS, `${file}.png`) });
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1200, height: 800 };
/** `file` at the page's width and `file-phone` (or `file-desktop`) at the other, then back. */
export async function shots(page, file) {
  const size = page.viewportSize();
  await shot(page, file);
  const phone = size.width > PHONE.width;
  await page.setViewportSize(phone ? PHONE : DESKTOP);
  await shot(page, `${file}-${phone ? 'phone' : 'desktop'}`);
  await page.setViewportSize(size);
}
export const messageNamed = (page, text) => page.locator('[data-testid="message"]', { hasText: text });
export const roomItemById = (page, id) => page.locator(`[data-testid="room-item"][data-room-id="${id}"]`);
export const roomItem = (page, title) =>
  page.getByTestId('room-item').filter({ has: page.getByTestId('room-name').getByText(title, { exact: true }) });

/** A REST call from the page, with its cookies: `{status, body}`. */
export const api = (page, method, path, body) =>
  page.evaluate(
    async ({ method, path, body }) => {
      const res = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? null : JSON.parse(text) };
    },
    { method, path, body },
  );

/** The id of the user registered as `who`. */
export async function userId(page, who) {
  const res = await api(page, 'GET', `/api/users?q=${name(who)}`);
  const user = res.body.users.find((u) => u.username === name(who));
  assert.ok(user, `${who} in the directory`);
  return user.id;
}

/**
 * `count` messages in a room, sent over REST in order: `${prefix} 001`, `${prefix} 002`, ...,
 * or `special[i]` for the numbers it names.
 */
export async function fill(page, roomId, prefix, count, from = 1, special = {}) {
  const statuses = await page.evaluate(
    async ({ roomId, prefix, count, from, special }) => {
      const out = [];
      for (let i = from; i < from + count; i++) {
        const res = await fetch(`/api/rooms/${roomId}/messages`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ client_msg_id: crypto.randomUUID(), body: special[i] ?? `${prefix} ${String(i).padStart(3, '0')}` }),
        });
        out.push(res.status);
      }
      return out;
    },
    { roomId, prefix, count, from, special },
  );
  assert.ok(statuses.every((s) => s === 201), `sends: ${[...new Set(statuses)]}`);
}

/** Every element that reaches past the window's left or right edge, and the page's width. */
export const overflow = (page) =>
  page.evaluate(() => {
    const width = window.innerWidth;
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (r.right > width + 1 || r.left < -1) wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10) };
  });

export async function assertFits(page, where) {
  const o = await overflow(page);
  assert.ok(o.scrollWidth <= o.width, `${where}: page ${o.scrollWidth} px wide in a ${o.width} px window`);
  assert.deepEqual(o.wide, [], `${where}: elements past the edge`);
}

export async function register(page, who) {
  await page.goto(BASE);
  await page.getByTestId('show-register').click();
  await page.getByTestId('username').fill(name(who));
  await page.getByTestId('email').fill(`${name(who)}@example.com`);
  await page.getByTestId('display-name').fill(who[0].toUpperCase() + who.slice(1));
  await page.getByTestId('password').fill('correct horse battery');
  await page.getByTestId('register-submit').click();
  await page.getByTestId('me-name').waitFor();
}

/** A page of its own, logged in as the stack's first admin. */
export async function adminPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(BASE);
  const login = await api(page, 'POST', '/api/auth/login', {
    login: process.env.ADMIN_LOGIN ?? 'e2e_admin',
    password: process.env.ADMIN_PASSWORD ?? 'e2e-admin-password',
  });
  assert.equal(login.status, 200, `the stack's admin logs in (AUTH_ADMIN_* and ADMIN_LOGIN/ADMIN_PASSWORD): ${JSON.stringify(login.body)}`);
  return page;
}

export async function openDirectWith(page, who) {
  await page.getByTestId('new-chat').click();
  await page.getByTestId('user-search').fill(name(who));
  await page.locator('[data-testid="user-item"]', { hasText: name(who) }).click();
}

export async function send(page, text) {
  await page.getByTestId('composer').fill(text);
  await page.getByTestId('composer').press('Enter');
  await messageNamed(page, text).and(page.locator('[data-status="sent"]')).waitFor();
}

/**
 * An init script (run before the app in every page of a context) that stands in for the
 * browser's notifications, which headless Chromium refuses: `window.Notification` records each
 * one in `window.__notifications` ({title, body, tag, instance}; call `instance.onclick()` to
 * click it), and `window.__setHidden(true|false)` switches `document.visibilityState` and says so
 * with a `visibilitychange`, as switching tabs would.
 */
export function fakeNotifications() {
  window.__notifications = [];
  window.__hidden = false;
  class FakeNotification {
    static permission = 'granted';
    static requestPermission() {
      return Promise.resolve('granted');
    }
    constructor(title, options = {}) {
      this.title = title;
      this.body = options.body ?? '';
      this.tag = options.tag ?? '';
      this.onclick = null;
      this.closed = false;
      window.__notifications.push({ title: this.title, body: this.body, tag: this.tag, instance: this });
    }
    close() {
      this.closed = true;
    }
  }
  Object.defineProperty(window, 'Notification', { configurable: true, writable: true, value: FakeNotification });
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (window.__hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => window.__hidden });
  window.__setHidden = (hidden) => {
    window.__hidden = hidden;
    document.dispatchEvent(new Event('visibilitychange'));
  };
}

/** The desktop notifications shown so far whose body contains `text`: `{title, body, tag, closed}`. */
export const notificationsWith = (page, text) =>
  page.evaluate(
    (text) => window.__notifications.filter((n) => n.body.includes(text)).map((n) => ({ title: n.title, body: n.body, tag: n.tag, closed: n.instance.closed })),
    text,
  );

/** Starts the browser (Debian's Chromium, or CHROMIUM). */
export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export async function closeBrowser() {
  await browser?.close();
}

/** Waits until `locator` is wholly inside the message list's visible part. */
export async function waitInView(page, locator, what) {
  const deadline = Date.now() + WAIT;
  while (!(await inView(page, locator))) {
    assert.ok(Date.now() < deadline, `${what} is in view`);
    await page.waitForTimeout(100);
  }
}

/** Whether `locator` is wholly inside the message list's visible part. */
export async function inView(page, locator) {
  // A row far from the view is not rendered at all (the list is virtualised).
  if ((await locator.count()) === 0) return false;
  // The row can unmount between the count and the box: a short wait, with a
  // timeout counted as "not in view", so the caller scrolls again instead of
  // waiting out Playwright's whole action timeout.
  const box = await locator.boundingBox({ timeout: 1000 }).catch((e) => {
    if (e.name === 'TimeoutError') return null;
    throw e;
  });
  const list = await page.getByTestId('message-list').boundingBox();
  return Boolean(box && list && box.y >= list.y - 1 && box.y + box.height <= list.y + list.height + 1);
}
