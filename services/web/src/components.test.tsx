// Renders the real components to static HTML (no DOM needed) to check what the end-to-end tests
// will look for: test ids, message status attributes, and that message text is escaped.

import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApi } from './api';
import { ChatClient } from './client';
import { AuthScreen } from './components/AuthScreen';
import { ChatView } from './components/ChatView';
import { Profile } from './components/Profile';
import { Sidebar } from './components/Sidebar';
import { ChatContext } from './context';
import { createStore } from './store';
import { BOB, FakeSocket, ME, ROOM, msg, summary, user } from './testutil';

function renderChat() {
  const store = createStore();
  const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
  const client = new ChatClient({ api, store, me: user(ME), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u) });
  store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob Stone' })] });
  store.dispatch({
    type: 'rooms_loaded',
    rooms: [
      summary('r-saved', { kind: 'saved', peer_id: null, last_message: msg(1, { room_id: 'r-saved', sender_id: ME, body: 'note' }) }),
      summary(ROOM, { last_seq: 2, unread: 2, last_message: msg(2) }),
    ],
  });
  store.dispatch({ type: 'select_room', room_id: ROOM });
  store.dispatch({
    type: 'messages_loaded',
    room_id: ROOM,
    messages: [msg(1, { body: '<script>alert(1)</script>' }), msg(2, { sender_id: ME, client_msg_id: 'c-0' })],
    direction: 'latest',
    has_more: false,
  });
  store.dispatch({ type: 'send_pending', pending: { client_msg_id: 'c-1', room_id: ROOM, sender_id: ME, body: 'on its way', reply_to: null, created_at: '2024-01-01T12:00:10Z' } });
  store.dispatch({ type: 'send_pending', pending: { client_msg_id: 'c-2', room_id: ROOM, sender_id: ME, body: 'lost', reply_to: null, created_at: '2024-01-01T12:00:11Z' } });
  store.dispatch({ type: 'send_failed', room_id: ROOM, client_msg_id: 'c-2', error: 'No answer from the server.' });
  store.dispatch({ type: 'typing', room_id: ROOM, user_id: BOB, until: Date.now() + 4000 });
  return renderToStaticMarkup(
    <ChatContext.Provider value={{ store, client }}>
      <Sidebar onLogout={() => {}} />
      <ChatView />
    </ChatContext.Provider>,
  );
}

const testIds = (html: string) => [...html.matchAll(/data-testid="([^"]+)"/g)].map((m) => m[1]);
const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;

describe('components', () => {
  it('render the sidebar with Saved messages first, then rooms by peer name with unread badges', () => {
    const html = renderChat();
    const ids = testIds(html);
    for (const id of ['room-list', 'new-chat', 'logout', 'connection-state', 'message-list', 'composer', 'send', 'typing-indicator']) {
      expect(ids, id).toContain(id);
    }
    const rooms = [...html.matchAll(/data-testid="room-item"[^>]*data-kind="(\w+)"[^>]*>.*?data-testid="room-name">([^<]*)</g)].map((m) => [m[1], m[2]]);
    expect(rooms).toEqual([
      ['saved', 'Saved messages'],
      ['direct', 'Bob Stone'],
    ]);
    expect(html).toMatch(/data-testid="unread-badge"[^>]*>2</);
  });

  it('render messages with seq, status and ownership, escaping their text', () => {
    const html = renderChat();
    const messages = [...html.matchAll(/<div class="message [^"]*" data-testid="message"([^>]*)>/g)].map((m) => m[1]);
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatch(/data-seq="1" data-status="sent" data-own="false"/);
    expect(messages[1]).toMatch(/data-seq="2" data-status="sent" data-own="true"/);
    expect(messages[2]).toMatch(/^ data-status="pending" data-own="true"/);
    expect(messages[3]).toMatch(/^ data-status="failed" data-own="true"/);
    expect(count(testIds(html), 'retry')).toBe(1);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toMatch(/data-testid="typing-indicator"[^>]*>Bob Stone is typing…</);
  });

  describe('the desktop notifications switch', () => {
    afterEach(() => vi.unstubAllGlobals());
    const renderProfile = () => {
      const store = createStore();
      const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
      const client = new ChatClient({ api, store, me: user(ME), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u) });
      return renderToStaticMarkup(
        <ChatContext.Provider value={{ store, client }}>
          <Profile onClose={() => {}} />
        </ChatContext.Provider>,
      );
    };
    const input = (html: string) => /<input[^>]*data-testid="desktop-notifications"[^>]*>/.exec(html)?.[0] ?? '';

    it('is off by default, and can be turned on where the browser has notifications', () => {
      vi.stubGlobal('Notification', { permission: 'default', requestPermission: async () => 'granted' });
      const html = renderProfile();
      expect(input(html)).not.toMatch(/disabled|checked/);
      expect(testIds(html)).not.toContain('desktop-notifications-unsupported');
      expect(testIds(html)).not.toContain('desktop-notifications-denied');
    });

    it('is disabled, with a note, where the browser has none', () => {
      const html = renderProfile();
      expect(input(html)).toMatch(/disabled/);
      expect(testIds(html)).toContain('desktop-notifications-unsupported');
    });
  });

  it('render the login and register forms with their fields', () => {
    const api = createApi();
    const login = testIds(renderToStaticMarkup(<AuthScreen api={api} notice={null} onAuthed={() => {}} />));
    expect(login).toEqual(expect.arrayContaining(['login-form', 'login', 'password', 'login-submit']));
    expect(login).not.toContain('register-form');
    const register = testIds(renderToStaticMarkup(<AuthScreen api={api} notice={null} onAuthed={() => {}} initialMode="register" />));
    expect(register).toEqual(expect.arrayContaining(['register-form', 'username', 'email', 'password', 'display-name', 'register-submit']));
    expect(register).not.toContain('login-form');
  });
});

// Imported here, not above, so that this block only appends to the file.
const { EmojiPicker } = await import('./components/EmojiPicker');
const { Reactions } = await import('./components/Reactions');
const { ReactionsDialog } = await import('./components/ReactionsDialog');

describe('reactions', () => {
  const name = (id: string) => ({ [ME]: 'Me', [BOB]: 'Bob Stone' })[id] ?? '…';

  it('render one chip per emoji with its count, mine pressed', () => {
    const html = renderToStaticMarkup(
      <Reactions
        reactions={[
          { emoji: '👍', count: 2, user_ids: [BOB, ME], me: true },
          { emoji: '❤️', count: 12, user_ids: [BOB] },
        ]}
        meId={ME}
        name={name}
        onToggle={() => {}}
      />,
    );
    expect(testIds(html)).toEqual(['reactions', 'reaction', 'reaction-count', 'reaction', 'reaction-count']);
    const chips = [...html.matchAll(/<button[^>]*data-testid="reaction"[^>]*>/g)].map((m) => m[0]);
    expect(chips[0]).toMatch(/data-emoji="👍" aria-pressed="true" title="Bob Stone and You"/);
    expect(chips[1]).toMatch(/data-emoji="❤️" aria-pressed="false" title="Bob Stone and 11 others"/);
    expect([...html.matchAll(/data-testid="reaction-count">(\d+)</g)].map((m) => m[1])).toEqual(['2', '12']);
    expect(renderToStaticMarkup(<Reactions reactions={[]} name={name} onToggle={() => {}} />)).toBe('');
  });

  it('list who reacted in a dialog', () => {
    const html = renderToStaticMarkup(
      <ReactionsDialog reactions={[{ emoji: '🔥', count: 3, user_ids: [BOB] }]} name={name} onClose={() => {}} />,
    );
    expect(testIds(html)).toContain('reactions-dialog');
    expect(html).toContain('<h2>Reactions</h2>');
    expect(html).toMatch(/🔥<\/span> <span class="reaction-count">3</);
    expect(html).toMatch(/<li>Bob Stone<\/li><li class="reaction-others">… and 2 others<\/li>/);
    expect(renderToStaticMarkup(<ReactionsDialog reactions={[]} name={name} onClose={() => {}} />)).toContain('No reactions yet.');
  });

  it('render the emoji picker with its search, the quick row and the grid', () => {
    const html = renderToStaticMarkup(<EmojiPicker onPick={() => {}} onClose={() => {}} />);
    expect(html).toMatch(/class="emoji-picker" role="dialog" aria-label="Choose a reaction"/);
    expect(html).toMatch(/<input[^>]*placeholder="Search emoji"[^>]*data-testid="emoji-search"/);
    expect(count(testIds(html), 'emoji-quick')).toBe(8);
    expect(count(testIds(html), 'emoji-option')).toBe(48);
    expect(html).toContain('aria-label="thumbs up" title="thumbs up" class="emoji"');
  });
});

describe('reactions on messages', () => {
  const CAROL = 'u-carol';
  function renderReacted(blocked: string[]) {
    const store = createStore();
    const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
    const client = new ChatClient({ api, store, me: user(ME), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u) });
    store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob Stone' }), user(CAROL, { display_name: 'Carol' })] });
    store.dispatch({ type: 'blocks_loaded', user_ids: blocked });
    // Unread, so the list opens at its first message and renders them all.
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM, { kind: 'group', last_seq: 3, unread: 3, last_message: msg(3) })] });
    store.dispatch({ type: 'select_room', room_id: ROOM });
    store.dispatch({
      type: 'messages_loaded',
      room_id: ROOM,
      messages: [
        msg(1, {
          reactions: [
            { emoji: '👍', count: 2, user_ids: [BOB, ME], me: true },
            { emoji: '🔥', count: 1, user_ids: [CAROL], me: false },
          ],
          reactions_version: 3,
        }),
        msg(2, { sender_id: CAROL, reactions: [{ emoji: '😂', count: 1, user_ids: [BOB], me: false }], reactions_version: 1 }),
        msg(3, { deleted: true, body: '', reactions: [], reactions_version: 2 }),
      ],
      direction: 'latest',
      has_more: false,
    });
    return renderToStaticMarkup(
      <ChatContext.Provider value={{ store, client }}>
        <ChatView />
      </ChatContext.Provider>,
    );
  }
  /** Each message's chips, as [emoji, count, pressed]. */
  const chipsBySeq = (html: string) =>
    html
      .split('data-testid="message"')
      .slice(1)
      .map((part) =>
        [...part.matchAll(/data-testid="reaction" data-emoji="([^"]+)" aria-pressed="(\w+)"[^>]*>.*?data-testid="reaction-count">(\d+)</g)].map((m) => [
          m[1],
          Number(m[3]),
          m[2] === 'true',
        ]),
      );

  it('shows the chips of a reacted message, mine pressed, with React and Reactions actions', () => {
    const html = renderReacted([]);
    expect(chipsBySeq(html)).toEqual([
      [
        ['👍', 2, true],
        ['🔥', 1, false],
      ],
      [['😂', 1, false]],
      [],
    ]);
    expect(html).toMatch(/title="Bob Stone and You"/);
    // React on each message shown; who reacted only where there are reactions; none on a deleted one.
    expect(count(testIds(html), 'react')).toBe(2);
    expect(count(testIds(html), 'who-reacted')).toBe(2);
    expect(testIds(html)).not.toContain('reaction-picker');
  });

  it('leaves out a reactor I blocked, and hides a blocked sender’s message with its reactions', () => {
    const html = renderReacted([CAROL]);
    expect(chipsBySeq(html)).toEqual([[['👍', 2, true]], [], []]);
    expect(count(testIds(html), 'hidden-message')).toBe(1);
    expect(count(testIds(html), 'react')).toBe(1);
    expect(count(testIds(html), 'who-reacted')).toBe(1);
  });
});

describe('message formatting', () => {
  it('renders a message body’s Markdown inside the message body, HTML still as text', () => {
    const store = createStore();
    const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
    const client = new ChatClient({ api, store, me: user(ME), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u) });
    store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob Stone' })] });
    // Both unread: the server render starts at the first of them.
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM, { last_seq: 2, unread: 2, last_message: msg(2, { body: '**hi** <b>x</b>' }) })] });
    store.dispatch({ type: 'select_room', room_id: ROOM });
    store.dispatch({
      type: 'messages_loaded',
      room_id: ROOM,
      messages: [msg(1, { body: '**hi**' }), msg(2, { body: '**hi** <b>x</b>', reply_to: `m-${ROOM}-1` })],
      direction: 'latest',
      has_more: false,
    });
    const html = renderToStaticMarkup(
      <ChatContext.Provider value={{ store, client }}>
        <Sidebar onLogout={() => {}} />
        <ChatView />
      </ChatContext.Provider>,
    );
    const bodies = [...html.matchAll(/data-testid="message-body">(.*?)<\/div><div class="meta"/gs)].map((m) => m[1]);
    expect(bodies).toEqual([
      '<div class="markdown"><p><strong>hi</strong></p>\n</div>',
      '<div class="markdown"><p><strong>hi</strong> &lt;b&gt;x&lt;/b&gt;</p>\n</div>',
    ]);
    // Previews show the text without markers: the room list and the reply quote.
    expect(html).toMatch(/class="reply-text">hi</);
    expect(html).toContain('hi &lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('**hi**');
  });
});

const { ForwardDialog } = await import('./components/ForwardDialog');

describe('pinned messages and forwarding', () => {
  const CAROL = 'u-carol';
  function renderPinned(role: 'owner' | 'member', pinned: number[]) {
    const store = createStore();
    const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
    const client = new ChatClient({ api, store, me: user(ME), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u) });
    store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob Stone' }), user(CAROL, { display_name: 'Carol' })] });
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM, { kind: 'group', name: 'Team', my_role: role, last_seq: 3, unread: 3, last_message: msg(3) })] });
    store.dispatch({ type: 'select_room', room_id: ROOM });
    const messages = [
      msg(1, { body: 'the **plan** for [Monday](https://example.com)\nsecond line' }),
      msg(2, { sender_id: ME, client_msg_id: 'c-2', body: 'passed on', forwarded_from: { sender_id: CAROL, created_at: '2023-12-31T00:00:00Z' } }),
      msg(3, { sender_id: ME, client_msg_id: 'c-3', body: 'my own words' }),
    ];
    store.dispatch({ type: 'messages_loaded', room_id: ROOM, messages, direction: 'latest', has_more: false });
    store.dispatch({
      type: 'pins',
      room_id: ROOM,
      pins: pinned.map((seq) => ({ message: messages[seq - 1], pinned_by: ME, pinned_at: '2024-01-02T00:00:00Z' })),
    });
    return renderToStaticMarkup(
      <ChatContext.Provider value={{ store, client }}>
        <ChatView />
      </ChatContext.Provider>,
    );
  }
  /** The action test ids of each message, in order. */
  const actionsBySeq = (html: string) =>
    html
      .split('data-testid="message"')
      .slice(1)
      .map((part) => testIds(/aria-label="Message actions">(.*?)<\/div>/s.exec(part)?.[1] ?? ''));

  it('shows the latest pin with its sender and a plain line of its text, and a count with more than one', () => {
    const one = renderPinned('member', [1]);
    expect(one).toMatch(/data-testid="pinned-bar" data-seq="1"/);
    expect(one).toMatch(/class="pinned-name">Bob Stone:<\/span><span class="pinned-text" data-testid="pinned-text">the plan for Monday</);
    expect(testIds(one)).not.toContain('pinned-count');
    const two = renderPinned('member', [3, 1]);
    expect(two).toMatch(/data-testid="pinned-bar" data-seq="3"/);
    expect(two).toMatch(/data-testid="pinned-count">1 of 2</);
    expect(testIds(two)).toEqual(expect.arrayContaining(['pinned-next', 'pins-list']));
    expect(renderPinned('member', [])).not.toContain('pinned-bar');
  });

  it('offers Pin and Unpin to an owner, not to a plain member; Forward to both; no Edit on a forwarded message', () => {
    const owner = renderPinned('owner', [1]);
    expect(actionsBySeq(owner)).toEqual([
      ['react', 'reply', 'forward', 'unpin-message', 'delete'],
      ['react', 'reply', 'forward', 'pin', 'delete', 'info'],
      ['react', 'reply', 'forward', 'pin', 'edit', 'delete', 'info'],
    ]);
    expect(testIds(owner)).toContain('unpin');
    expect(count(testIds(owner), 'pinned-mark')).toBe(1);
    const member = renderPinned('member', [1]);
    expect(actionsBySeq(member)).toEqual([
      ['react', 'reply', 'forward'],
      ['react', 'reply', 'forward', 'delete', 'info'],
      ['react', 'reply', 'forward', 'edit', 'delete', 'info'],
    ]);
    expect(testIds(member)).not.toContain('unpin');
  });

  it('says who wrote a forwarded message above its text', () => {
    const html = renderPinned('member', []);
    expect(count(testIds(html), 'forwarded-from')).toBe(1);
    expect(html).toMatch(/data-testid="forwarded-from">Forwarded from <span class="forwarded-name">Carol<\/span><\/div><div class="body"[^>]*><div class="markdown"><p>passed on/);
  });

  it('lists my rooms to forward to, each with its id', () => {
    const store = createStore();
    const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
    const client = new ChatClient({ api, store, me: user(ME), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u) });
    store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob Stone' })] });
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM), summary('r-2', { kind: 'group', name: 'Team', peer_id: null })] });
    const html = renderToStaticMarkup(
      <ChatContext.Provider value={{ store, client }}>
        <ForwardDialog onPick={() => {}} onClose={() => {}} />
      </ChatContext.Provider>,
    );
    expect(testIds(html)).toEqual(expect.arrayContaining(['forward-dialog', 'forward-search']));
    const targets = [...html.matchAll(/data-testid="forward-target" data-room-id="([^"]+)"[^>]*>.*?class="forward-name">([^<]*)</g)].map((m) => [m[1], m[2]]);
    expect(targets.sort()).toEqual([
      ['r-1', 'Bob Stone'],
      ['r-2', 'Team'],
    ]);
  });
});

describe('mentions', () => {
  const MEID = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
  const OTHER = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5c';
  function renderMentions() {
    const store = createStore();
    const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
    const client = new ChatClient({ api, store, me: user(MEID, { display_name: 'Ann <b>Lee</b>' }), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u) });
    store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob Stone' }), user(OTHER, { display_name: 'Olga' })] });
    store.dispatch({
      type: 'rooms_loaded',
      rooms: [
        summary(ROOM, { kind: 'group', name: 'Team', peer_id: null, last_seq: 3, unread: 3, mentions: 1, my_role: 'member' }),
        summary('r-2', { kind: 'group', name: 'Many', peer_id: null, unread: 5, mentions: 2 }),
        summary('r-3', { kind: 'group', name: 'Quiet', peer_id: null, unread: 4 }),
      ],
    });
    store.dispatch({ type: 'select_room', room_id: ROOM });
    store.dispatch({
      type: 'messages_loaded',
      room_id: ROOM,
      messages: [msg(1, { body: `hi <@${MEID}>` }), msg(2, { body: `and <@${OTHER}>` }), msg(3, { body: '<@room> lunch' })],
      direction: 'latest',
      has_more: false,
    });
    return renderToStaticMarkup(
      <ChatContext.Provider value={{ store, client }}>
        <Sidebar onLogout={() => {}} />
        <ChatView />
      </ChatContext.Provider>,
    );
  }

  it('puts a mention badge beside the unread badge of each room that mentions me', () => {
    const html = renderMentions();
    const badges = [...html.matchAll(/data-room-id="([^"]+)"[^>]*data-mentions="(\d+)".*?<\/button>/g)].map((m) => [
      m[1],
      m[2],
      /data-testid="mention-badge"[^>]*>([^<]*)</.exec(m[0])?.[1] ?? null,
      /data-testid="unread-badge"[^>]*>([^<]*)</.exec(m[0])?.[1] ?? null,
    ]);
    expect(badges.sort()).toEqual([
      ['r-1', '1', '@', '3'],
      ['r-2', '2', '@2', '5'],
      ['r-3', '0', null, '4'],
      ['saved', '0', null, null],
    ]);
  });

  it('shows mentions by name, mine highlighted, and marks the messages that mention me', () => {
    const html = renderMentions();
    expect(html).toContain(`<span class="mention mention-me" data-user-id="${MEID}">@Ann &lt;b&gt;Lee&lt;/b&gt;</span>`);
    expect(html).toContain(`<span class="mention" data-user-id="${OTHER}">@Olga</span>`);
    expect(html).toContain('<span class="mention mention-all">@room</span>');
    const rows = [...html.matchAll(/<div class="message [^"]*" data-testid="message"([^>]*)>/g)].map((m) => [
      /data-seq="(\d+)"/.exec(m[1])?.[1],
      /data-mentions-me="true"/.test(m[1]),
    ]);
    expect(rows).toEqual([
      ['1', true],
      ['2', false],
      ['3', true],
    ]);
    // No list of members before anything is typed.
    expect(testIds(html)).not.toContain('mention-list');
  });
});

describe('attachments', () => {
  function renderFiles() {
    const store = createStore();
    const api = createApi({ fetch: (() => new Promise(() => {})) as unknown as typeof fetch });
    // Requests that never answer: the files stay on their way.
    const xhr = () => ({
      open() {},
      setRequestHeader() {},
      getResponseHeader: () => null,
      send() {},
      abort() {},
      status: 0,
      responseText: '',
      upload: { onprogress: null },
      onload: null,
      onerror: null,
      onabort: null,
      ontimeout: null,
    });
    const client = new ChatClient({ api, store, me: user(ME), onSessionExpired: () => {}, url: 'ws://x/ws', createSocket: (u) => new FakeSocket(u), createXhr: xhr });
    store.dispatch({ type: 'users', users: [user(BOB, { display_name: 'Bob Stone' })] });
    // All unread: the list opens at the first, so every row is rendered.
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM, { last_seq: 5, unread: 5 })] });
    store.dispatch({ type: 'select_room', room_id: ROOM });
    store.dispatch({
      type: 'messages_loaded',
      room_id: ROOM,
      messages: [
        // As a page of history gives them: with links made for me.
        msg(1, { body: '', attachment: { id: 'a-1', name: 'beach <1>.jpg', content_type: 'image/jpeg', size: 250_000, width: 1600, height: 1200, thumbnail: true, url: signed(1), thumbnail_url: signed(1, '/thumbnail') } }),
        msg(2, { body: 'the **numbers**', attachment: { id: 'a-2', name: 'report.pdf', content_type: 'application/pdf', size: 1_258_291, thumbnail: false, url: signed(2) } }),
        msg(3, { body: 'reply', reply_to: 'm-r-1-1' }),
        // As live frames give them: no links yet (asked for, and never answered here).
        msg(4, { body: '', attachment: { id: 'a-4', name: 'tall.png', content_type: 'image/png', size: 9_000, width: 600, height: 2400, thumbnail: true } }),
        msg(5, { body: '', attachment: { id: 'a-5', name: 'later.zip', content_type: 'application/zip', size: 10, thumbnail: false } }),
      ],
      direction: 'latest',
      has_more: false,
    });
    const file = (name: string, size: number, type: string) =>
      Object.defineProperties(new Blob(['x'], { type }), { name: { value: name }, size: { value: size } }) as Blob & { name: string };
    client.uploads.add(ROOM, file('holiday.png', 2048, 'image/png'));
    client.uploads.add(ROOM, file('movie.mp4', 30 * 1024 * 1024, 'video/mp4'));
    client.uploads.add('r-other', file('elsewhere.txt', 10, 'text/plain'));
    return renderToStaticMarkup(
      <ChatContext.Provider value={{ store, client }}>
        <ChatView />
      </ChatContext.Provider>,
    );
  }
  const signed = (seq: number, path = '') => `/api/rooms/r-1/messages/${seq}/attachment${path}?expires=1700000600&signature=${'ab'.repeat(32)}`;
  const inHtml = (url: string) => url.replace(/&/g, '&amp;');
  const rowOf = (html: string, seq: number) => new RegExp(`data-seq="${seq}"[\\s\\S]*?(?=data-testid="message" |$)`).exec(html)?.[0] ?? '';

  it('shows a picture as its thumbnail in a button that opens the viewer, scaled to 320 px', () => {
    const row = rowOf(renderFiles(), 1);
    const img = /<img[^>]*data-testid="attachment-image"[^>]*>/.exec(row)?.[0] ?? '';
    // The link its history page carried, signed for me.
    expect(img).toContain(`src="${inHtml(signed(1, '/thumbnail'))}"`);
    expect(img).toContain('alt="beach &lt;1&gt;.jpg"');
    expect(img).toMatch(/width="320"/);
    expect(img).toMatch(/height="240"/);
    expect(img).toContain('loading="lazy"');
    expect(row).toMatch(/<button[^>]*data-testid="attachment-open"[^>]*aria-label="Open beach &lt;1&gt;.jpg"/);
    expect(testIds(row)).not.toContain('attachment-file');
    // No caption: no empty text under it; and no viewer until it is clicked.
    expect(row).not.toContain('class="markdown"');
    expect(testIds(row)).not.toContain('image-viewer');
  });

  it('shows another file as a download card with its name and size, the caption under it', () => {
    const row = rowOf(renderFiles(), 2);
    const card = /<a[^>]*data-testid="attachment-file"[^>]*>/.exec(row)?.[0] ?? '';
    expect(card).toContain(`href="${inHtml(signed(2))}"`);
    expect(card).toContain('data-state="ready"');
    expect(card).toContain('download="report.pdf"');
    expect(row).toMatch(/data-testid="attachment-name"[^>]*>report.pdf</);
    expect(row).toMatch(/data-testid="attachment-size"[^>]*>1.2 MB</);
    expect(row).toContain('<strong>numbers</strong>');
    expect(row.indexOf('attachment-file')).toBeLessThan(row.indexOf('<strong>'));
    expect(testIds(row)).not.toContain('attachment-image');
    // A message with a file is replied to and forwarded (the server copies the file).
    expect(testIds(row)).toContain('reply');
    expect(testIds(row)).toContain('forward');
  });

  it('keeps a picture\'s box and a card waiting while their links are asked for', () => {
    const html = renderFiles();
    const picture = rowOf(html, 4);
    expect(testIds(picture)).not.toContain('attachment-image');
    const box = /<svg[^>]*data-testid="attachment-placeholder"[^>]*>/.exec(picture)?.[0] ?? '';
    expect(box).toMatch(/width="80"/);
    expect(box).toMatch(/height="320"/);
    expect(box).toContain('aria-label="tall.png"');
    expect(picture).toMatch(/<button[^>]*data-testid="attachment-open"/);
    const card = /<a[^>]*data-testid="attachment-file"[^>]*>/.exec(rowOf(html, 5))?.[0] ?? '';
    expect(card).not.toContain('href=');
    expect(card).toContain('data-state="loading"');
    expect(card).toContain('aria-disabled="true"');
    expect(card).toContain('download="later.zip"');
  });

  it('quotes a message with a picture as a photo', () => {
    expect(rowOf(renderFiles(), 3)).toMatch(/class="reply-text">🖼 Photo</);
  });

  it('lists the files being sent to this room above the composer: progress and cancel, or the reason and dismiss', () => {
    const html = renderFiles();
    const ids = testIds(html);
    expect(ids).toEqual(expect.arrayContaining(['attach', 'file-input', 'upload-list']));
    expect(html).toMatch(/<input[^>]*type="file"[^>]*multiple=""[^>]*hidden=""[^>]*data-testid="file-input"/);
    const items = [...html.matchAll(/<li class="upload[^"]*" data-testid="upload" data-status="(\w+)">([\s\S]*?)<\/li>/g)].map((m) => [
      m[1],
      /data-testid="upload-name"[^>]*>([^<]*)</.exec(m[2])?.[1],
      testIds(m[2]).filter((id) => id !== 'upload-name'),
    ]);
    expect(items).toEqual([
      ['uploading', 'holiday.png', ['upload-progress', 'upload-cancel']],
      ['failed', 'movie.mp4', ['upload-error', 'upload-dismiss']],
    ]);
    expect(html).toMatch(/<progress[^>]*role="progressbar"[^>]*aria-valuenow="0"/);
    expect(html).toMatch(/data-testid="upload-error"[^>]*>movie.mp4 is too large \(30 MB\): files can be at most 20 MB.</);
    expect(html.indexOf('data-testid="upload-list"')).toBeLessThan(html.indexOf('data-testid="composer"'));
  });
});
