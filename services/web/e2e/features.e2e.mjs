// The features chat users look for first (reactions, pinned messages, forwarding, formatting, mentions,
// files and pictures, desktop notifications), end to end like chat.e2e.mjs: headless Debian Chromium against the real
// stack through nginx, the steps shared in support.mjs. Run after chat.e2e.mjs, not beside it
// (that file restarts the gateways).
//
//   BASE_URL=http://127.0.0.1:18080 node --test e2e/features.e2e.mjs

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import {
  BASE,
  WAIT,
  browser,
  run,
  people,
  person,
  shot,
  PHONE,
  DESKTOP,
  assertFits,
  fill,
  name,
  messageNamed,
  roomItem,
  roomItemById,
  api,
  userId,
  register,
  openDirectWith,
  send,
  fakeNotifications,
  notificationsWith,
  launch,
  closeBrowser,
  inView,
  waitInView,
} from './support.mjs';

before(launch);
after(closeBrowser);

/**
 * How many clearly coloured pixels `emoji` draws in the font of the page's first reaction chip:
 * a colour emoji draws hundreds, a missing glyph's box none.
 */
const colourPixels = (page, emoji) =>
  page.evaluate(async (emoji) => {
    await document.fonts.ready;
    const chip = document.querySelector('[data-testid="reaction"] .emoji');
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const g = canvas.getContext('2d');
    g.font = `48px ${getComputedStyle(chip).fontFamily}`;
    g.textBaseline = 'top';
    g.fillText(emoji, 4, 4);
    const d = g.getImageData(0, 0, 64, 64).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
    }
    return n;
  }, emoji);

/** Scrolls the open room's list to its end until the message with `text` is in view. */
async function scrollToEnd(page, text) {
  const message = messageNamed(page, text);
  const deadline = Date.now() + WAIT;
  while (!(await inView(page, message))) {
    assert.ok(Date.now() < deadline, `"${text}" comes into view at the end of the list`);
    await page.getByTestId('message-list').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(100);
  }
  return message;
}

/** `n` people registered from a page of their own (closed after): their ids. */
async function crowd(n) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(BASE);
    return await page.evaluate(
      async ({ n, run }) => {
        const ids = [];
        for (let i = 0; i < n; i++) {
          const username = `crowd${i}_${run}`;
          const res = await fetch('/api/auth/register', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username, email: `${username}@example.com`, password: 'correct horse battery', display_name: `Crowd ${i}` }),
          });
          if (!res.ok) throw new Error(`registering ${username}: ${res.status} ${await res.text()}`);
          ids.push((await res.json()).user.id);
        }
        return ids;
      },
      { n, run },
    );
  } finally {
    await context.close();
  }
}

/** A message's actions: hovered first, as on a desktop. */
async function action(message, testId) {
  await message.hover();
  await message.getByTestId(testId).click();
}

/** A valid `width` × `height` PNG (8-bit RGB, a gradient), encoded here with node:zlib. */
function png(width, height) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 2; // RGB
  const row = width * 3 + 1;
  const pixels = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([x * 4, y * 5, 160], y * row + 1 + x * 3);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** Waits until the `<img>` of `locator` has loaded a picture. */
async function loaded(page, locator) {
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await locator.elementHandle(), { timeout: WAIT });
  return locator.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
}

/** `{status, disposition, type, body}` of a GET from the page, with its cookies, never from the browser's cache. */
const download = (page, url) =>
  page.evaluate(async (url) => {
    const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    return { status: res.status, disposition: res.headers.get('content-disposition'), type: res.headers.get('content-type'), body: await res.text() };
  }, url);

/** The statuses of GETs from the page, as `download` makes them. */
const statuses = (page, urls) => Promise.all(urls.map((url) => download(page, url).then((r) => r.status)));

/**
 * New links to a message's file for the page's user: `{url, thumbnail_url, expires_at}` of
 * `GET …/attachment/link`, asked from the page with its cookies.
 */
async function linkOf(page, roomId, seq) {
  const got = await page.evaluate(async (url) => {
    const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    return { status: res.status, body: await res.json() };
  }, `/api/rooms/${roomId}/messages/${seq}/attachment/link`);
  assert.equal(got.status, 200, `a link to message ${seq}: ${JSON.stringify(got.body)}`);
  return got.body;
}

/** A link to `path` (a file's fixed path) signed for its reader: the path, its expiry and signature. */
const signedLink = (path) => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\?expires=\\d+&signature=[0-9a-f]{64}$`);

/** The reaction chip `emoji` on a message. */
const chip = (message, emoji) => message.locator(`[data-testid="reaction"][data-emoji="${emoji}"]`);

describe('what chat users expect next', { concurrency: false }, () => {
  it('reacts with an emoji: everyone sees the count and who, live and after a reload; a deletion clears them', async () => {
    const ann = await person('ann');
    await register(ann, 'ann');
    const ben = await person('ben');
    await register(ben, 'ben');
    await openDirectWith(ann, 'ben');
    await send(ann, 'lunch at noon?');
    await roomItem(ben, 'Ann').click();
    const theirs = messageNamed(ben, 'lunch at noon?');
    await theirs.waitFor();

    // Ben reacts from the picker, finding the emoji by name.
    await theirs.hover();
    await theirs.getByTestId('react').click();
    await ben.getByTestId('emoji-search').fill('thumbs');
    await ben.getByTestId('emoji-option').first().click();
    await chip(theirs, '👍').and(ben.locator('[aria-pressed="true"]')).waitFor();

    // Ann sees it live, not as hers, with who reacted.
    const mine = messageNamed(ann, 'lunch at noon?');
    await chip(mine, '👍').waitFor();
    assert.equal(await chip(mine, '👍').getAttribute('aria-pressed'), 'false');
    assert.equal(await chip(mine, '👍').getByTestId('reaction-count').innerText(), '1');
    assert.match(await chip(mine, '👍').getAttribute('title'), /Ben/);
    // In colour, from the system's emoji font or the one the app ships, never as a box.
    assert.ok((await colourPixels(ann, '👍')) > 100, 'the emoji is drawn in colour');

    // She adds hers with a click on the chip: 2 on both sides, pressed on hers only.
    await chip(mine, '👍').click();
    await chip(mine, '👍').and(ann.locator('[aria-pressed="true"]')).waitFor();
    for (const m of [mine, theirs]) {
      await m.locator('[data-testid="reaction-count"]', { hasText: '2' }).waitFor();
    }
    assert.equal(await chip(theirs, '👍').getAttribute('aria-pressed'), 'true', 'Ben still has his');

    // Who reacted, in a dialog.
    await mine.hover();
    await mine.getByTestId('who-reacted').click();
    const dialog = ann.getByTestId('reactions-dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Ben/);
    await shot(ann, 'reactions');
    await ann.getByTestId('dialog-close').click();

    // A reload reads them back from history, mine still mine.
    await ann.reload();
    const reloaded = messageNamed(ann, 'lunch at noon?');
    await reloaded.locator('[data-testid="reaction-count"]', { hasText: '2' }).waitFor();
    assert.equal(await chip(reloaded, '👍').getAttribute('aria-pressed'), 'true');

    // Ben takes his back; then Ann deletes the message, and its reactions go with it.
    await chip(theirs, '👍').click();
    await reloaded.locator('[data-testid="reaction-count"]', { hasText: '1' }).waitFor();
    await reloaded.hover();
    await reloaded.getByTestId('delete').click();
    await ben.locator('[data-testid="message"]', { hasText: 'Message deleted' }).waitFor();
    assert.equal(await ben.getByTestId('reaction').count(), 0);
  });

  it('formats a safe Markdown subset and shows hostile input as text', async () => {
    const ann = people.ann.page;
    const ben = people.ben.page;
    const lines = [
      '**bold** *italic* ~~gone~~ `code` [docs](https://example.com/docs)',
      '> quoted',
      '- one',
      '- two',
      '```',
      'let x = 1;',
      '```',
      '<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> [click](javascript:window.__pwned=3)',
    ];
    await ann.getByTestId('composer').fill(lines.join('\n'));
    await ann.getByTestId('composer').press('Enter');
    const got = messageNamed(ben, 'italic');
    await got.waitFor();
    const body = got.getByTestId('message-body');
    for (const [selector, text] of [
      ['strong', 'bold'],
      ['em', 'italic'],
      ['s', 'gone'],
      ['p code', 'code'],
      ['blockquote', 'quoted'],
      ['ul li', 'one'],
      ['pre code', 'let x = 1;'],
    ]) {
      assert.equal((await body.locator(selector).first().innerText()).trim(), text, selector);
    }
    const link = body.locator('a', { hasText: 'docs' });
    assert.equal(await link.getAttribute('href'), 'https://example.com/docs');
    assert.match(await link.getAttribute('rel'), /noopener/);
    // The hostile part is text: no script, no image, no javascript: link, nothing ran.
    assert.equal(await body.locator('script, img, a[href^="javascript" i]').count(), 0);
    assert.match(await body.innerText(), /<script>window.__pwned = 1<\/script>/);
    assert.equal(await ben.evaluate(() => window.__pwned), undefined);
    // The room list's preview shows the text without its markers.
    const preview = await roomItem(ben, 'Ann').innerText();
    assert.match(preview, /bold italic gone code docs/);
    assert.doesNotMatch(preview, /\*\*/);
    await shot(ben, 'formatting');
  });

  it('pins messages: owners pin and unpin, everyone sees the bar live, a click shows the message', async () => {
    const ann = people.ann.page;
    const ben = people.ben.page;
    const group = await api(ann, 'POST', '/api/rooms', { kind: 'group', name: `Pinboard ${run}`, member_ids: [await userId(ann, 'ben')] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const groupId = group.body.id;
    const snacks = 'third: bring snacks, drinks, plates, cups, napkins, a speaker and the long extension cord for the lights';
    await fill(ann, groupId, 'plan', 4, 1, {
      1: 'first: **agenda** for Monday',
      2: 'second: the venue',
      3: snacks,
      4: 'fourth: see you there',
    });
    for (const page of [ann, ben]) {
      await roomItemById(page, groupId).click();
      await messageNamed(page, 'see you there').waitFor();
    }
    const annBar = ann.getByTestId('pinned-bar');
    const benBar = ben.getByTestId('pinned-bar');
    assert.equal(await benBar.count(), 0, 'no bar without pins');

    // Ann (the owner) pins the first message; Ben sees it live, as plain text without markers.
    await action(messageNamed(ann, 'agenda'), 'pin');
    await benBar.getByTestId('pinned-text').filter({ hasText: 'agenda' }).waitFor();
    assert.equal(await benBar.getByTestId('pinned-text').innerText(), 'first: agenda for Monday');
    assert.match(await benBar.innerText(), /Ann:/);
    assert.equal(await benBar.getByTestId('pinned-count').count(), 0, 'no count for one pin');
    await messageNamed(ann, 'agenda').getByTestId('pinned-mark').waitFor();

    // Ben, a plain member, may forward but not pin or unpin.
    const benFirst = messageNamed(ben, 'agenda');
    await benFirst.hover();
    await benFirst.getByTestId('forward').waitFor();
    assert.equal(await benFirst.getByTestId('pin').count(), 0, 'no Pin for a member');
    assert.equal(await benFirst.getByTestId('unpin-message').count(), 0, 'no Unpin for a member');
    assert.equal(await benBar.getByTestId('unpin').count(), 0, 'no unpin on the bar for a member');

    // A second pin: the latest shows first, "1 of 2".
    await action(messageNamed(ann, 'bring snacks'), 'pin');
    await benBar.getByTestId('pinned-count').filter({ hasText: '1 of 2' }).waitFor();
    assert.equal(await benBar.getByTestId('pinned-text').innerText(), snacks);

    // Enough after them that neither is on screen; a click on the bar shows each, highlighted.
    await fill(ann, groupId, 'filler', 40, 5);
    await roomItemById(ben, groupId).filter({ hasText: 'filler 044' }).waitFor();
    await scrollToEnd(ben, 'filler 044');
    assert.equal(await inView(ben, messageNamed(ben, 'bring snacks')), false, 'the pinned message is out of view');
    await benBar.getByTestId('pinned-open').click();
    const benSnacks = ben.locator('[data-testid="message"].highlight', { hasText: 'bring snacks' });
    await benSnacks.waitFor();
    await waitInView(ben, benSnacks, 'the pinned message');
    await benBar.getByTestId('pinned-next').click();
    await benBar.getByTestId('pinned-count').filter({ hasText: '2 of 2' }).waitFor();
    assert.equal(await benBar.getByTestId('pinned-text').innerText(), 'first: agenda for Monday');
    await benBar.getByTestId('pinned-open').click();
    const benAgenda = ben.locator('[data-testid="message"].highlight', { hasText: 'agenda' });
    await benAgenda.waitFor();
    await waitInView(ben, benAgenda, 'the first pinned message');
    await shot(ben, 'pinned-bar');
    // The highlight stays until he moves on in the history.
    await ben.getByTestId('message-list').hover();
    await ben.mouse.wheel(0, -40);
    await benAgenda.waitFor({ state: 'detached' });
    // Round to the first again. On a phone the bar stays one compact row: the long text is cut,
    // nothing is wider than the screen.
    await benBar.getByTestId('pinned-next').click();
    await benBar.getByTestId('pinned-count').filter({ hasText: '1 of 2' }).waitFor();
    assert.equal(await benBar.getByTestId('pinned-text').innerText(), snacks);
    await ben.setViewportSize(PHONE);
    await benBar.waitFor();
    await assertFits(ben, 'the pinned bar on a phone');
    const barBox = await benBar.boundingBox();
    assert.ok(barBox.height < 70, `the bar is ${barBox.height} px high`);
    await shot(ben, 'pinned-bar-phone');
    await ben.setViewportSize(DESKTOP);

    // Ann unpins the latest from her bar: Ben's bar drops it live.
    assert.equal(await annBar.getByTestId('pinned-text').innerText(), snacks);
    await annBar.getByTestId('unpin').click();
    await benBar.getByTestId('pinned-count').waitFor({ state: 'detached' });
    assert.equal(await benBar.getByTestId('pinned-text').innerText(), 'first: agenda for Monday');

    // She goes to the pinned one from her bar and pins the next message there too.
    await annBar.getByTestId('pinned-open').click();
    await ann.locator('[data-testid="message"].highlight', { hasText: 'agenda' }).waitFor();
    const annFirst = messageNamed(ann, 'agenda');
    await annFirst.hover();
    await annFirst.getByTestId('unpin-message').waitFor();
    assert.equal(await annFirst.getByTestId('pin').count(), 0);
    await action(messageNamed(ann, 'the venue'), 'pin');
    await benBar.getByTestId('pinned-count').waitFor();
    // Ben's list of all pins, the latest first; an item shows its message.
    await benBar.getByTestId('pins-list').click();
    const list = ben.getByTestId('pins-dialog');
    await list.getByTestId('pin-item').nth(1).waitFor();
    assert.deepEqual(await list.getByTestId('pin-item').locator('.hit-text').allInnerTexts(), ['second: the venue', 'first: agenda for Monday']);
    await list.getByTestId('pin-item').first().click();
    await list.waitFor({ state: 'detached' });
    await ben.locator('[data-testid="message"].highlight', { hasText: 'the venue' }).waitFor();
    assert.equal(await benBar.getByTestId('pinned-text').innerText(), 'second: the venue');

    // A deleted message is unpinned: Ben's bar drops it live.
    await action(messageNamed(ann, 'the venue'), 'delete');
    await benBar.getByTestId('pinned-count').waitFor({ state: 'detached' });
    await benBar.getByTestId('pinned-text').filter({ hasText: 'agenda' }).waitFor();
    // The last pin goes from the message's own action, and with it Ben's bar.
    await action(annFirst, 'unpin-message');
    await benBar.waitFor({ state: 'detached' });
    await annBar.waitFor({ state: 'detached' });
  });

  it('forwards a message to another chat, shown as forwarded from its writer and not editable', async () => {
    const ann = people.ann.page;
    const ben = people.ben.page;
    const groupId = await roomItem(ben, `Pinboard ${run}`).getAttribute('data-room-id');
    const directId = await roomItem(ben, 'Ann').getAttribute('data-room-id');
    const text = `the address is 5 Elm Street ${run}`;
    await fill(ann, groupId, '', 1, 100, { 100: text });
    // Ann waits in her chat with Ben; Ben opens the group again, at its newest message.
    await roomItem(ann, 'Ben').click();
    await ann.getByTestId('chat-title').filter({ hasText: 'Ben' }).waitFor();
    await roomItemById(ben, directId).click();
    await ben.getByTestId('chat-title').filter({ hasText: 'Ann' }).waitFor();
    await roomItemById(ben, groupId).click();
    await ben.getByTestId('chat-title').filter({ hasText: 'Pinboard' }).waitFor();
    const original = await scrollToEnd(ben, text);

    // The dialog lists his rooms, found by name; a pick forwards and closes it.
    await action(original, 'forward');
    const dialog = ben.getByTestId('forward-dialog');
    await dialog.locator(`[data-testid="forward-target"][data-room-id="${groupId}"]`).waitFor();
    await ben.getByTestId('forward-search').fill('Ann');
    await dialog.locator(`[data-testid="forward-target"][data-room-id="${groupId}"]`).waitFor({ state: 'detached' });
    await dialog.locator(`[data-testid="forward-target"][data-room-id="${directId}"]`).click();
    await dialog.waitFor({ state: 'detached' });
    await ben.getByTestId('notice').filter({ hasText: 'Forwarded to Ann' }).waitFor();

    // Ann gets it live from Ben, forwarded from her.
    const got = messageNamed(ann, text);
    await got.getByTestId('forwarded-from').waitFor();
    assert.equal(await got.getByTestId('forwarded-from').innerText(), 'Forwarded from Ann');
    assert.equal(await got.getAttribute('data-own'), 'false');

    // Ben's copy: his, deletable, not editable (unlike a message he writes himself).
    await roomItemById(ben, directId).click();
    await send(ben, `noted ${run}`);
    const copy = messageNamed(ben, text);
    assert.equal(await copy.getAttribute('data-own'), 'true');
    assert.equal(await copy.getByTestId('forwarded-from').innerText(), 'Forwarded from Ann');
    await copy.hover();
    await copy.getByTestId('delete').waitFor();
    assert.equal(await copy.getByTestId('edit').count(), 0, 'no Edit on a forwarded copy');
    const written = messageNamed(ben, `noted ${run}`);
    await written.hover();
    await written.getByTestId('edit').waitFor();
    await shot(ann, 'forwarded');
  });

  it('mentions: @ offers the members, the mentioned person gets a badge, @ in the title and her name; renames show; @room for owners only', async () => {
    const ann = people.ann.page;
    const ben = people.ben.page;
    const groupId = await roomItem(ben, `Pinboard ${run}`).getAttribute('data-room-id');
    const directId = await roomItem(ann, 'Ben').getAttribute('data-room-id');
    const annId = await userId(ben, 'ann');
    // Ann (the group's owner) is in her chat with Ben; Ben (a member) opens the group.
    await roomItemById(ann, directId).click();
    await ann.getByTestId('chat-title').filter({ hasText: 'Ben' }).waitFor();
    await roomItemById(ben, groupId).click();
    await ben.getByTestId('chat-title').filter({ hasText: 'Pinboard' }).waitFor();
    assert.equal(await roomItemById(ann, groupId).getByTestId('mention-badge').count(), 0, 'no mention badge before the mention');
    assert.doesNotMatch(await ann.title(), /@/);

    // Ben types "@an": the list offers Ann (not himself, and no @room for a member); a click picks her.
    const composer = ben.getByTestId('composer');
    await composer.click();
    await composer.pressSequentially('lunch? @an', { delay: 10 });
    const list = ben.getByTestId('mention-list');
    await list.waitFor();
    assert.deepEqual(await list.getByTestId('mention-option').evaluateAll((os) => os.map((o) => o.dataset.username)), [name('ann')]);
    await shot(ben, 'mention-list');
    await list.locator(`[data-testid="mention-option"][data-username="${name('ann')}"]`).click();
    await list.waitFor({ state: 'detached' });
    assert.equal(await composer.inputValue(), `lunch? @${name('ann')} `);
    await composer.pressSequentially('are you in?', { delay: 5 });
    await composer.press('Enter');
    const sent = messageNamed(ben, 'are you in?').and(ben.locator('[data-status="sent"]'));
    await sent.waitFor();
    // Stored as her id, shown as her name; not highlighted for Ben, whom it does not mention.
    const benMention = sent.locator(`.mention[data-user-id="${annId}"]`);
    assert.equal(await benMention.innerText(), '@Ann');
    assert.equal(await sent.locator('.mention-me').count(), 0);
    assert.equal(await sent.getAttribute('data-mentions-me'), null);

    // Ann, in another chat, sees the group's mention badge beside its unread count, and @ in the tab's title.
    const annGroup = roomItemById(ann, groupId);
    await annGroup.getByTestId('mention-badge').waitFor();
    assert.equal(await annGroup.getByTestId('mention-badge').innerText(), '@');
    await annGroup.getByTestId('unread-badge').waitFor();
    await ann.waitForFunction(() => /^\(\d+\) @1 Chat$/.test(document.title), undefined, { timeout: WAIT });
    // The preview shows her name, not the token.
    const preview = await annGroup.innerText();
    assert.match(preview, /lunch\? @Ann are you in\?/);
    assert.doesNotMatch(preview, /<@/);
    await shot(ann, 'mention-badge');

    // She opens the group: the message mentions her, highlighted; reading it clears the badge and the @.
    await annGroup.click();
    const got = messageNamed(ann, 'are you in?');
    await got.waitFor();
    assert.equal(await got.getAttribute('data-mentions-me'), 'true');
    assert.equal(await got.locator(`.mention.mention-me[data-user-id="${annId}"]`).innerText(), '@Ann');
    await annGroup.getByTestId('mention-badge').waitFor({ state: 'detached' });
    await ann.waitForFunction(() => !document.title.includes('@'), undefined, { timeout: WAIT });
    await shot(ann, 'mention-of-me');

    // Ann renames herself: Ben's old message and preview show the new name.
    const renamed = `Annabel ${run}`;
    await ann.getByTestId('open-profile').click();
    await ann.getByTestId('display-name-input').fill(renamed);
    await ann.getByTestId('save-profile').click();
    await ann.getByTestId('profile-saved').waitFor();
    await ann.getByTestId('dialog-close').click();
    await benMention.filter({ hasText: `@${renamed}` }).waitFor();
    await roomItemById(ben, groupId).filter({ hasText: `@${renamed}` }).waitFor();
    await got.locator('.mention-me').filter({ hasText: `@${renamed}` }).waitFor();

    // Ben edits it: the box shows her username, and the saved text still mentions her.
    await action(sent, 'edit');
    await ben.getByTestId('compose-context').waitFor();
    assert.equal(await composer.inputValue(), `lunch? @${name('ann')} are you in?`);
    await composer.press('End');
    await composer.pressSequentially(' now', { delay: 5 });
    await composer.press('Enter');
    const edited = messageNamed(ann, 'are you in? now');
    await edited.getByTestId('edited').waitFor();
    assert.equal(await edited.locator(`.mention.mention-me[data-user-id="${annId}"]`).innerText(), `@${renamed}`);
    await ben.getByTestId('compose-context').waitFor({ state: 'detached' });

    // Ben, a member, is offered no @room; Escape closes the list.
    await composer.fill('');
    await composer.pressSequentially('@', { delay: 10 });
    await list.waitFor();
    await list.getByTestId('mention-option').first().waitFor();
    assert.equal(await list.locator('[data-username="room"]').count(), 0, 'no @room for a member');
    await composer.press('Escape');
    await list.waitFor({ state: 'detached' });
    await composer.fill('');

    // Ann, the owner, is: picked with the keyboard, it mentions everyone, Ben too.
    const annComposer = ann.getByTestId('composer');
    await annComposer.click();
    await annComposer.pressSequentially('@ro', { delay: 10 });
    const annList = ann.getByTestId('mention-list');
    await annList.locator('[data-testid="mention-option"][data-username="room"]').waitFor();
    await annComposer.press('ArrowDown');
    await annComposer.press('Enter');
    await annList.waitFor({ state: 'detached' });
    assert.equal(await annComposer.inputValue(), '@room ');
    await annComposer.pressSequentially(`standup in five ${run}`, { delay: 5 });
    await annComposer.press('Enter');
    const everyone = messageNamed(ben, `standup in five ${run}`);
    await everyone.locator('.mention.mention-all').filter({ hasText: '@room' }).waitFor();
    assert.equal(await everyone.getAttribute('data-mentions-me'), 'true');
    await messageNamed(ann, `standup in five ${run}`).and(ann.locator('[data-status="sent"]')).waitFor();

    // In a room of more than 50 members @room asks first: cancelled, nothing is sent and the text
    // stays; confirmed, it is sent, and Ben (elsewhere) gets the room's mention badge.
    const big = await api(ann, 'POST', '/api/rooms', { kind: 'group', name: `Town hall ${run}`, member_ids: [...(await crowd(50)), await userId(ann, 'ben')] });
    assert.equal(big.status, 201, JSON.stringify(big.body));
    await roomItemById(ann, big.body.id).click();
    await ann.getByTestId('chat-title').filter({ hasText: 'Town hall' }).waitFor();
    await ann.getByTestId('chat-subtitle').filter({ hasText: '52 members' }).waitFor();
    const hall = `all hands at noon ${run}`;
    await annComposer.click();
    await annComposer.pressSequentially(`@room ${hall}`, { delay: 5 });
    await annComposer.press('Enter');
    const confirm = ann.getByTestId('confirm-everyone');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /52 members/);
    await shot(ann, 'confirm-everyone');
    await confirm.getByTestId('confirm-everyone-cancel').click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await annComposer.inputValue(), `@room ${hall}`);
    assert.equal(await messageNamed(ann, hall).count(), 0, 'nothing sent without the confirmation');
    await annComposer.press('Enter');
    await confirm.getByTestId('confirm-everyone-ok').click();
    await confirm.waitFor({ state: 'detached' });
    await messageNamed(ann, hall).and(ann.locator('[data-status="sent"]')).locator('.mention-all').waitFor();
    assert.equal(await annComposer.inputValue(), '');
    await roomItemById(ben, big.body.id).getByTestId('mention-badge').waitFor();

    // Her name back, for whatever comes next.
    await ann.getByTestId('open-profile').click();
    await ann.getByTestId('display-name-input').fill('Ann');
    await ann.getByTestId('save-profile').click();
    await ann.getByTestId('profile-saved').waitFor();
    await ann.getByTestId('dialog-close').click();
    await benMention.filter({ hasText: /^@Ann$/ }).waitFor();
  });

  it('sends pictures and files: progress, a thumbnail and the viewer, a download card, clear errors, cancel, and deletion', async () => {
    const ann = people.ann.page;
    const ben = people.ben.page;
    const directId = await roomItem(ann, 'Ben').getAttribute('data-room-id');
    await roomItemById(ann, directId).click();
    await ann.getByTestId('chat-title').filter({ hasText: 'Ben' }).waitFor();
    await roomItemById(ben, directId).click();
    await ben.getByTestId('chat-title').filter({ hasText: 'Ann' }).waitFor();
    // Every request that sends a file, and every state of the files shown above Ann's composer.
    const uploads = [];
    ann.on('request', (r) => r.url().endsWith('/attachments') && uploads.push(r.url()));
    await ann.evaluate(() => {
      window.__uploadsSeen = [];
      const look = () => {
        for (const el of document.querySelectorAll('[data-testid="upload"]')) {
          const bar = el.querySelector('[data-testid="upload-progress"]');
          window.__uploadsSeen.push({
            name: el.querySelector('[data-testid="upload-name"]')?.textContent,
            role: bar?.getAttribute('role') ?? null,
            percent: bar ? Number(bar.getAttribute('aria-valuenow')) : null,
            cancel: el.querySelector('[data-testid="upload-cancel"]') !== null,
          });
        }
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    });

    // A picture, with the text in the box as its caption: shown with its progress, then as the message.
    const caption = `the beach ${run}`;
    await ann.getByTestId('composer').fill(caption);
    await ann.getByTestId('file-input').setInputFiles({ name: 'beach.png', mimeType: 'image/png', buffer: png(64, 48) });
    const annPhoto = messageNamed(ann, caption).and(ann.locator('[data-status="sent"]'));
    await annPhoto.getByTestId('attachment-image').waitFor();
    await ann.getByTestId('upload').waitFor({ state: 'detached' });
    const seen = await ann.evaluate(() => window.__uploadsSeen);
    assert.ok(
      seen.some((u) => u.name === 'beach.png' && u.role === 'progressbar' && u.percent >= 0 && u.percent <= 100 && u.cancel),
      `the upload showed with its progress bar and cancel: ${JSON.stringify(seen.slice(0, 5))}`,
    );
    assert.equal(await ann.getByTestId('composer').inputValue(), '', 'the caption left the box');
    assert.equal(uploads.length, 1);
    const seq = await annPhoto.getAttribute('data-seq');
    // Its fixed path: the file is served only through links signed for one reader (this path
    // plus `?expires=…&signature=…`, 10 minutes, with that reader's session).
    const fileUrl = `/api/rooms/${directId}/messages/${seq}/attachment`;

    // Ben sees its thumbnail, with the caption under it, and the room list says it is a photo.
    const benPhoto = ben.locator(`[data-testid="message"][data-seq="${seq}"]`);
    const thumb = benPhoto.getByTestId('attachment-image');
    await thumb.waitFor();
    // The thumbnail is a JPEG of at most 320 px with the picture's shape, drawn at the picture's own size.
    const [tw, th] = await loaded(ben, thumb);
    assert.ok(tw <= 320 && th <= 320 && Math.abs(tw * 48 - th * 64) <= 64, `thumbnail ${tw}×${th}`);
    assert.deepEqual(await thumb.evaluate((img) => [img.width, img.height]), [64, 48]);
    // Ben got it live, without links: his app asked for some (`…/attachment/link`).
    assert.match(await thumb.getAttribute('src'), signedLink(`${fileUrl}/thumbnail`));
    assert.equal(await thumb.getAttribute('alt'), 'beach.png');
    assert.equal(await benPhoto.getByTestId('message-body').locator('.markdown').innerText(), caption);
    await roomItemById(ann, directId).filter({ hasText: `🖼 ${caption}` }).waitFor();
    await shot(ben, 'attachment-image');

    // A click opens the whole picture over the window; Escape, the close button and a click beside it close it.
    const viewer = ben.getByTestId('image-viewer');
    await benPhoto.getByTestId('attachment-open').click();
    await viewer.waitFor();
    assert.deepEqual(await loaded(ben, viewer.getByTestId('viewer-image')), [64, 48]);
    assert.match(await viewer.getByTestId('viewer-image').getAttribute('src'), signedLink(fileUrl));
    assert.match(await viewer.getByTestId('viewer-download').getAttribute('href'), signedLink(fileUrl));
    assert.equal(await viewer.getByTestId('viewer-name').innerText(), 'beach.png');
    assert.equal(await viewer.getByTestId('viewer-download').getAttribute('download'), 'beach.png');
    const box = await viewer.boundingBox();
    assert.deepEqual([box.width, box.height], [1200, 800], 'the viewer covers the window');
    await shot(ben, 'image-viewer');
    await ben.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    await benPhoto.getByTestId('attachment-open').click();
    await viewer.getByTestId('viewer-close').click();
    await viewer.waitFor({ state: 'detached' });
    await benPhoto.getByTestId('attachment-open').click();
    await viewer.getByTestId('viewer-image').waitFor();
    await ben.mouse.click(40, 700);
    await viewer.waitFor({ state: 'detached' });

    // Ben forwards the picture to the group: a copy of the file, shown there to Ann with its
    // own thumbnail through links of that room.
    const groupId = await roomItem(ben, `Pinboard ${run}`).getAttribute('data-room-id');
    await action(benPhoto, 'forward');
    const dialog = ben.getByTestId('forward-dialog');
    await dialog.locator(`[data-testid="forward-target"][data-room-id="${groupId}"]`).click();
    await dialog.waitFor({ state: 'detached' });
    await ben.getByTestId('notice').filter({ hasText: /^Forwarded to Pinboard/ }).waitFor();
    await roomItemById(ann, groupId).click();
    await ann.getByTestId('chat-title').filter({ hasText: 'Pinboard' }).waitFor();
    const forwarded = messageNamed(ann, caption).filter({ has: ann.getByTestId('forwarded-from') });
    await scrollToEnd(ann, caption);
    const copyThumb = forwarded.getByTestId('attachment-image');
    await copyThumb.waitFor();
    const copySeq = await forwarded.getAttribute('data-seq');
    assert.match(await copyThumb.getAttribute('src'), signedLink(`/api/rooms/${groupId}/messages/${copySeq}/attachment/thumbnail`));
    const [cw, ch] = await loaded(ann, copyThumb);
    assert.ok(Math.abs(cw * 48 - ch * 64) <= 64, `the copy's thumbnail ${cw}×${ch}`);
    assert.equal(await forwarded.getByTestId('forwarded-from').innerText(), 'Forwarded from Ann');
    await roomItemById(ann, directId).click();
    await ann.getByTestId('chat-title').filter({ hasText: 'Ben' }).waitFor();

    // A text file: Ben gets a card with its name and size that downloads it.
    const notes = `notes ${run}\n`.padEnd(2560, 'abcdefghij\n');
    await ann.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(notes) });
    const benNotes = ben.locator('[data-testid="message"]', { has: ben.getByTestId('attachment-name').filter({ hasText: /^notes\.txt$/ }) });
    await benNotes.waitFor();
    assert.equal(await benNotes.getByTestId('attachment-size').innerText(), '2.5 KB');
    // The card links to the file once its link is had.
    const card = benNotes.locator('[data-testid="attachment-file"][href]');
    await card.waitFor();
    assert.equal(await card.getAttribute('download'), 'notes.txt');
    const notesUrl = `/api/rooms/${directId}/messages/${await benNotes.getAttribute('data-seq')}/attachment`;
    assert.match(await card.getAttribute('href'), signedLink(notesUrl));
    // A link Ben takes gets the file as a download; so does the card's.
    const notesLink = await linkOf(ben, directId, await benNotes.getAttribute('data-seq'));
    assert.match(notesLink.url, signedLink(notesUrl));
    assert.equal(notesLink.thumbnail_url, null);
    assert.ok(Date.parse(notesLink.expires_at) > Date.now(), `expires ${notesLink.expires_at}`);
    const got = await download(ben, notesLink.url);
    assert.equal(got.status, 200);
    assert.match(got.disposition, /^attachment/);
    assert.equal(got.body, notes);
    assert.equal((await download(ben, await card.getAttribute('href'))).body, notes);
    // A link is its reader's alone: Ann's opens nothing for Ben, nor does the path without a signature.
    const annLink = await linkOf(ann, directId, await benNotes.getAttribute('data-seq'));
    assert.notEqual(annLink.url, notesLink.url);
    assert.equal((await download(ann, annLink.url)).status, 200);
    assert.deepEqual(await statuses(ben, [annLink.url, notesUrl]), [403, 403]);
    await roomItemById(ben, directId).filter({ hasText: '📎 notes.txt' }).waitFor();
    await shot(ben, 'attachment-file');
    // On a phone the picture and the card fit the screen.
    await ben.setViewportSize(PHONE);
    await benNotes.waitFor();
    await assertFits(ben, 'files on a phone');
    await ben.setViewportSize(DESKTOP);

    // An executable named like a picture, and a file over 20 MB: each says why on its item; the
    // big one never leaves the browser. Dismissed, they are gone.
    const sentBefore = uploads.length;
    await ann.getByTestId('file-input').setInputFiles({ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(1022, 0x90)]) });
    const cat = ann.locator('[data-testid="upload"][data-status="failed"]', { hasText: 'cat.png' });
    await cat.waitFor();
    assert.equal(await cat.getByTestId('upload-error').innerText(), 'cat.png: is not the image it claims to be');
    assert.equal(uploads.length, sentBefore + 1);
    await ann.getByTestId('file-input').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(20 * 1024 * 1024 + 1) });
    const huge = ann.locator('[data-testid="upload"][data-status="failed"]', { hasText: 'huge.bin' });
    await huge.waitFor();
    assert.match(await huge.getByTestId('upload-error').innerText(), /^huge\.bin is too large \(20 MB\): files can be at most 20 MB\.$/);
    assert.equal(uploads.length, sentBefore + 1, 'no request for a file over 20 MB');
    await shot(ann, 'upload-errors');
    await ann.setViewportSize(PHONE);
    await assertFits(ann, 'failed uploads on a phone');
    await ann.setViewportSize(DESKTOP);
    await cat.getByTestId('upload-dismiss').click();
    await huge.getByTestId('upload-dismiss').click();
    await ann.getByTestId('upload').waitFor({ state: 'detached' });

    // A file cancelled while it goes: it disappears and nothing is sent. The request is held in
    // the browser until then (a throttled line let the whole body through to the server before
    // the click, now and then); that a cut-off upload leaves nothing on the server is the rooms
    // service's own test.
    let held = null;
    let dropped = false;
    const onFailed = (r) => {
      if (r.url().endsWith('/attachments')) dropped = true;
    };
    ann.on('requestfailed', onFailed);
    await ann.route('**/api/rooms/*/attachments', (route) => {
      held = route;
    });
    try {
      await ann.getByTestId('file-input').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(2 * 1024 * 1024) });
      const big = ann.locator('[data-testid="upload"][data-status="uploading"]', { hasText: 'big.bin' });
      await big.waitFor();
      await ann.waitForFunction(() => document.querySelector('[data-testid="upload-progress"]') !== null, undefined, { timeout: WAIT });
      await big.getByTestId('upload-cancel').click();
      await big.waitFor({ state: 'detached' });
      assert.ok(held !== null, 'the upload was on its way');
      // The cancel aborted the request itself (not only its line on screen).
      const until = Date.now() + WAIT;
      while (!dropped && Date.now() < until) await ann.waitForTimeout(50);
      assert.ok(dropped, 'the browser dropped the request');
    } finally {
      ann.off('requestfailed', onFailed);
      // Answered before the handler goes: a route left pending would be sent on.
      await held?.abort().catch(() => {});
      await ann.unroute('**/api/rooms/*/attachments');
    }
    assert.equal(await ann.getByTestId('upload').count(), 0);
    // Had it gone on at full speed, it would be through by now.
    await ann.waitForTimeout(2000);

    // What Ann writes next reaches Ben after anything those could have made: nothing of them did.
    const next = `after the files ${run}`;
    await send(ann, next);
    await messageNamed(ben, next).waitFor();
    const names = await ben.getByTestId('message-list').locator('[data-testid="attachment-name"], [data-testid="attachment-image"]').evaluateAll((els) =>
      els.map((e) => e.textContent || e.getAttribute('alt')),
    );
    assert.deepEqual(names, ['beach.png', 'notes.txt']);

    // Ann deletes the picture: it leaves Ben's chat live, and its file and thumbnail are gone,
    // for links taken before too. The fixed paths answer 403 without a signature.
    const before = await linkOf(ben, directId, seq);
    assert.match(before.url, signedLink(fileUrl));
    assert.match(before.thumbnail_url, signedLink(`${fileUrl}/thumbnail`));
    assert.deepEqual(await statuses(ben, [before.url, before.thumbnail_url]), [200, 200]);
    assert.deepEqual(await statuses(ben, [fileUrl, `${fileUrl}/thumbnail`]), [403, 403]);
    await action(annPhoto, 'delete');
    await benPhoto.filter({ hasText: 'Message deleted' }).waitFor();
    assert.equal(await benPhoto.getByTestId('attachment-image').count(), 0);
    assert.equal(await benPhoto.getByTestId('attachment-open').count(), 0);
    assert.deepEqual(await statuses(ben, [before.url, before.thumbnail_url, `${fileUrl}/link`]), [404, 404, 404]);
  });

  it('notifies on the desktop while the tab is hidden, and the click opens the room', async () => {
    // Nia's browser has (fake) notifications from its first page on; Otto writes to her.
    const nia = await person('nia');
    await people.nia.context.addInitScript(fakeNotifications);
    await register(nia, 'nia');
    const otto = await person('otto');
    await register(otto, 'otto');
    const direct = await api(otto, 'POST', '/api/rooms/direct', { user_id: await userId(otto, 'nia') });
    assert.ok(direct.status < 300, JSON.stringify(direct.body));
    const group = await api(otto, 'POST', '/api/rooms', { kind: 'group', name: `Bells ${run}`, member_ids: [await userId(otto, 'nia')] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    for (const id of [direct.body.id, group.body.id]) await roomItemById(nia, id).waitFor();

    // Off until she turns it on; on, with the browser's permission, and no refusal shown.
    await nia.getByTestId('open-profile').click();
    const toggle = nia.getByTestId('desktop-notifications');
    assert.equal(await toggle.isChecked(), false, 'off by default');
    await toggle.click();
    await nia.locator('[data-testid="desktop-notifications"]:checked').waitFor();
    assert.equal(await nia.getByTestId('desktop-notifications-denied').count(), 0);
    await shot(nia, 'desktop-notifications-switch');
    await nia.getByTestId('dialog-close').click();

    // She looks at another chat, then at another tab.
    await roomItem(nia, 'Saved messages').click();
    await nia.getByTestId('chat-title').filter({ hasText: 'Saved messages' }).waitFor();
    await nia.evaluate(() => window.__setHidden(true));
    const text = `are you there ${run}`;
    const said = await api(otto, 'POST', `/api/rooms/${direct.body.id}/messages`, { client_msg_id: crypto.randomUUID(), body: text });
    assert.equal(said.status, 201);
    await nia.waitForFunction((text) => window.__notifications.some((n) => n.body.includes(text)), text, { timeout: 2 * WAIT });
    assert.deepEqual(await notificationsWith(nia, text), [{ title: 'Otto', body: `Otto: ${text}`, tag: direct.body.id, closed: false }]);

    // The tab's icon carries the count the title shows.
    await nia.waitForFunction(
      () => {
        const href = document.querySelector('link[rel~="icon"]')?.getAttribute('href') ?? '';
        const n = Number(/^\((\d+)\) /.exec(document.title)?.[1] ?? 0);
        return n > 0 && href.startsWith('data:image/svg+xml,') && decodeURIComponent(href).includes(`>${n > 99 ? '99+' : n}<`);
      },
      undefined,
      { timeout: 2 * WAIT },
    );

    // A click on it opens the chat (and closes the notification).
    await nia.evaluate((text) => window.__notifications.find((n) => n.body.includes(text)).instance.onclick(new Event('click')), text);
    await nia.waitForURL(`**/rooms/${direct.body.id}`);
    await nia.getByTestId('chat-title').filter({ hasText: 'Otto' }).waitFor();
    await messageNamed(nia, text).waitFor();
    assert.equal((await notificationsWith(nia, text))[0].closed, true);

    // Muted, the chat stays quiet; the group, not muted, still rings. (The muted message is
    // on screen before the group's is sent, so it was handled, and made no notification.)
    await nia.evaluate(() => window.__setHidden(false));
    await nia.getByTestId('mute').click();
    await nia.locator('[data-testid="mute"][aria-pressed="true"]').waitFor();
    await nia.evaluate(() => window.__setHidden(true));
    const hushed = `hushed ${run}`;
    assert.equal((await api(otto, 'POST', `/api/rooms/${direct.body.id}/messages`, { client_msg_id: crypto.randomUUID(), body: hushed })).status, 201);
    await messageNamed(nia, hushed).waitFor();
    const ring = `in the group ${run}`;
    assert.equal((await api(otto, 'POST', `/api/rooms/${group.body.id}/messages`, { client_msg_id: crypto.randomUUID(), body: ring })).status, 201);
    await nia.waitForFunction((text) => window.__notifications.some((n) => n.body.includes(text)), ring, { timeout: 2 * WAIT });
    assert.deepEqual(await notificationsWith(nia, ring), [{ title: `Bells ${run}`, body: `Otto: ${ring}`, tag: group.body.id, closed: false }]);
    assert.deepEqual(await notificationsWith(nia, hushed), [], 'a muted chat makes no notification');
    // A mention of her rings even there, her name in place of the token.
    const called = `call me ${run}`;
    const mention = { client_msg_id: crypto.randomUUID(), body: `<@${await userId(otto, 'nia')}> ${called}` };
    assert.equal((await api(otto, 'POST', `/api/rooms/${direct.body.id}/messages`, mention)).status, 201);
    await nia.waitForFunction((text) => window.__notifications.some((n) => n.body.includes(text)), called, { timeout: 2 * WAIT });
    assert.deepEqual(await notificationsWith(nia, called), [{ title: 'Otto', body: `Otto: @Nia ${called}`, tag: direct.body.id, closed: false }]);
    await nia.evaluate(() => window.__setHidden(false));
  });

  it('never broke the Content-Security-Policy or threw', () => {
    for (const [who, p] of Object.entries(people)) assert.deepEqual(p.problems, [], `${who}'s page`);
  });
});
