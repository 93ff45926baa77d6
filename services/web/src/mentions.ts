// Mentions. A message's stored text names a member as `<@USER-ID>` and everyone in the room as
// `<@room>` (owners and admins only; the server refuses it from others and counts and notifies
// the mentions it stores). Ids, so a rename never breaks a mention: each is shown as `@` and the
// person's current name (markdown.ts). People type `@username`; the composer turns the usernames
// of the room's members into tokens on send (`toTokens`) and back for editing (`fromTokens`), and
// offers the members whose name starts with what follows an `@` (`mentionQuery`,
// `mentionOptions`). Pure functions only: no React, no store, no imports of app modules.

import type { MemberRole, User } from './protocol';

/** The token that mentions everyone in the room. */
export const EVERYONE = '<@room>';
/** What `@room` stands for in the composer and in the options' `username`. */
export const EVERYONE_NAME = 'room';
/** Above this many members, mentioning everyone asks first. */
export const CONFIRM_EVERYONE_OVER = 50;
/** At most this many options in the composer's list. */
export const MAX_OPTIONS = 8;

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** A mention token at the start of a string: its id (lowercase hex or not) or `room`. */
export const MENTION_AT = new RegExp(`^<@(${UUID}|room)>`);
/** Every mention token of a text (global: use with `matchAll` or `replace` only). */
const MENTIONS = new RegExp(`<@(${UUID}|room)>`, 'g');

/** The name a mention shows (without its `@`): the display name, else the username; `…` while unknown. */
export function mentionLabel(u: Pick<User, 'display_name' | 'username'> | undefined): string {
  if (!u) return '…';
  return u.display_name.trim() !== '' ? u.display_name : u.username;
}

/** The user ids a text mentions (lowercase), each once, in the order first mentioned. */
export function mentionedIds(text: string): string[] {
  if (!text.includes('<@')) return [];
  const out: string[] = [];
  for (const m of text.matchAll(MENTIONS)) {
    const id = m[1].toLowerCase();
    if (id !== EVERYONE_NAME && !out.includes(id)) out.push(id);
  }
  return out;
}

/** Whether a text mentions everyone (anywhere, as the server checks it). */
export function mentionsEveryone(text: string): boolean {
  return text.includes(EVERYONE);
}

/**
 * Whether a message's text mentions me: my id or everyone. Counted as the server counts them:
 * any token in the text (in code too).
 */
export function mentionsMe(text: string, meId: string | null | undefined): boolean {
  if (!meId || !text.includes('<@')) return false;
  if (mentionsEveryone(text)) return true;
  return mentionedIds(text).includes(meId.toLowerCase());
}

/**
 * Whether a message about to be sent asks first: it mentions everyone (as the server reads it),
 * I may do that, and the room has more than `CONFIRM_EVERYONE_OVER` members.
 */
export function confirmEveryone(body: string, canMentionAll: boolean, memberCount: number): boolean {
  return canMentionAll && mentionsEveryone(body) && memberCount > CONFIRM_EVERYONE_OVER;
}

/** Whether someone of this role may mention everyone. */
export function canMentionEveryone(role: MemberRole | null | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

// ---------------------------------------------------------------------------
// Typed `@username` <-> stored `<@USER-ID>`

/**
 * Code (a fenced block, to its end or the text's; an inline code span) is shown as typed, so
 * neither direction touches it.
 */
const CODE = /```[\s\S]*?(?:```|$)|`[^`\n]*`/g;

/** `text` with `f` applied to each stretch outside code. */
function outsideCode(text: string, f: (prose: string) => string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(CODE)) {
    out += f(text.slice(at, m.index)) + m[0];
    at = m.index + m[0].length;
  }
  return out + f(text.slice(at));
}

/**
 * `@name` at a word boundary: not after a letter, digit, `_`, `@` (an address) or `<` (a token),
 * and the whole name (usernames are ASCII letters, digits and `_`).
 */
const TYPED = /(^|[^\w@<])@(\w+)/g;

export interface MentionMember {
  id: string;
  username: string;
}

/**
 * The text to send: each `@username` of a member (the exact username, any case) becomes
 * `<@USER-ID>`, and `@room` becomes `<@room>` when I may mention everyone (otherwise it stays
 * the text it was typed as, as does any other `@word`). Code is left alone.
 */
export function toTokens(text: string, members: MentionMember[], canMentionAll: boolean): string {
  if (!text.includes('@')) return text;
  const byName = new Map(members.map((m) => [m.username.toLowerCase(), m.id]));
  return outsideCode(text, (prose) =>
    prose.replace(TYPED, (whole, before: string, name: string) => {
      const lower = name.toLowerCase();
      if (lower === EVERYONE_NAME && canMentionAll) return `${before}${EVERYONE}`;
      const id = byName.get(lower);
      return id ? `${before}<@${id}>` : whole;
    }),
  );
}

/**
 * The stored text as the composer shows it for editing: `<@USER-ID>` as `@username` (a person
 * not known keeps the token, which is sent back unchanged) and `<@room>` as `@room`.
 */
export function fromTokens(text: string, users: Record<string, Pick<User, 'username'> | undefined>): string {
  if (!text.includes('<@')) return text;
  return outsideCode(text, (prose) =>
    prose.replace(MENTIONS, (whole, id: string) => {
      if (id === EVERYONE_NAME) return `@${EVERYONE_NAME}`;
      const u = users[id] ?? users[id.toLowerCase()];
      return u ? `@${u.username}` : whole;
    }),
  );
}

// ---------------------------------------------------------------------------
// The composer's list

/** An `@` being typed: where it is, and what follows it up to the caret. */
export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  query: string;
}

/** The `@word` the caret is at the end of (or inside), if any; null otherwise. */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  if (caret < 0 || caret > text.length) return null;
  const m = /(^|[^\w@<])@(\w{0,32})$/.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

export interface MentionOption {
  /** The member's id; null for everyone (`@room`). */
  id: string | null;
  username: string;
  /** What the list shows. */
  label: string;
}

/**
 * The members to offer for `query`: those (but me) whose username or display name (or a word of
 * it) starts with it, ignoring case; usernames that match first, then by name. At most `limit`,
 * `@room` last among them for those who may mention everyone.
 */
export function mentionOptions(
  candidates: User[],
  query: string,
  canMentionAll: boolean,
  meId: string | null,
  limit = MAX_OPTIONS,
): MentionOption[] {
  const q = query.toLowerCase();
  const byUsername = (u: User) => u.username.toLowerCase().startsWith(q);
  const byName = (u: User) => {
    const name = mentionLabel(u).toLowerCase();
    return name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q));
  };
  const found = candidates
    .filter((u, i) => u.id !== meId && candidates.findIndex((c) => c.id === u.id) === i && (byUsername(u) || byName(u)))
    .sort(
      (a, b) =>
        Number(byUsername(b)) - Number(byUsername(a)) ||
        mentionLabel(a).localeCompare(mentionLabel(b)) ||
        a.username.localeCompare(b.username),
    );
  const everyone = canMentionAll && EVERYONE_NAME.startsWith(q);
  const options: MentionOption[] = found
    .slice(0, everyone ? limit - 1 : limit)
    .map((u) => ({ id: u.id, username: u.username, label: mentionLabel(u) }));
  if (everyone) options.push({ id: null, username: EVERYONE_NAME, label: 'Everyone in this room' });
  return options;
}

/**
 * Puts `@username ` in place of the `@word` being typed (the whole word, when the caret is
 * inside it). Returns the new text and where the caret goes: after the space.
 */
export function insertMention(text: string, q: MentionQuery, caret: number, username: string): { text: string; caret: number } {
  const rest = /^\w*/.exec(text.slice(caret))?.[0].length ?? 0;
  let after = text.slice(caret + rest);
  // One space after the name; one already there is used instead of adding a second.
  if (after.startsWith(' ')) after = after.slice(1);
  const inserted = `@${username} `;
  return { text: text.slice(0, q.start) + inserted + after, caret: q.start + inserted.length };
}
