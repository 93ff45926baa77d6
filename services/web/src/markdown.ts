// Message formatting: a safe Markdown subset, rendered with markdown-it.
//
// Messages are stored and searched as their source text; only the web app renders them. The
// subset: **bold**, *italic*, ~~strikethrough~~, `inline code`, fenced and indented code blocks,
// > quotes, [links](https://…) and bare URLs, bullet and ordered lists, line breaks, \escapes
// and &entities;. Everything else (headings, tables, images, rules, reference definitions, raw
// HTML) stays the text it was typed as. Raw HTML is never passed through (`html: false`): every
// character of the source reaches the page escaped, so the output is safe as innerHTML.
// Mentions (`<@USER-ID>`, `<@room>`, see mentions.ts) are shown as `@` and the person's current
// name, escaped like any text; in code they stay the text they are.

import MarkdownIt from 'markdown-it';
import type { StateBlock, StateInline, Token } from 'markdown-it';
import { EVERYONE_NAME, MENTION_AT, mentionLabel, mentionedIds } from './mentions';
import type { User } from './protocol';

/** How deep blocks may nest (a quote is 1 level, a list item 2). Deeper content is plain text. */
export const MAX_NESTING = 20;

/** The link schemes a message may link to; anything else (relative links too) stays text. */
const ALLOWED_LINK = /^(https?:|mailto:)/i;

/** The attributes every link gets: a new tab, no opener, no referrer, no endorsement. */
export const LINK_TARGET = '_blank';
export const LINK_REL = 'noopener noreferrer nofollow ugc';

// 'zero' enables nothing but paragraphs and text: the subset is an allow-list, so a rule a later
// markdown-it version adds stays off.
const md = new MarkdownIt('zero', {
  html: false,
  xhtmlOut: false,
  linkify: true,
  breaks: true,
  typographer: false,
  maxNesting: MAX_NESTING,
});
md.enable([
  // block
  'code',
  'fence',
  'blockquote',
  'list',
  // inline (emphasis and strikethrough also have their post-processing rules of the same name)
  'newline',
  'escape',
  'backticks',
  'strikethrough',
  'emphasis',
  'link',
  'autolink',
  'entity',
  // bare URLs: the inline rule (with a scheme) and the core rule
  'linkify',
]);

// markdown-it's own check refuses javascript:, vbscript:, file: and data: (but data:image/…);
// on top of it only web and mail links are allowed. The URL checked is the normalized href.
const baseValidateLink = md.validateLink.bind(md);
md.validateLink = (url: string) => baseValidateLink(url) && ALLOWED_LINK.test(url.trim());

// A line break is <br> alone: paragraphs keep the typed spaces (white-space: pre-wrap in the CSS),
// where a newline after the <br> would show as a second break.
md.renderer.rules.softbreak = () => '<br>';
md.renderer.rules.hardbreak = () => '<br>';

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  token.attrSet('target', LINK_TARGET);
  token.attrSet('rel', LINK_REL);
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/**
 * markdown-it drops whatever is nested past `maxNesting`. Just before that depth this block rule
 * takes the rest of the container instead and shows it as one plain-text paragraph (its lines as
 * line breaks, no further parsing), so ten thousand nested quotes render as a few quotes and
 * then the remaining `>>>…` as text, quickly, with nothing lost. Containers nest 1 (quote) or 2
 * (list) levels at a time, so starting 2 levels early always comes before markdown-it stops.
 */
function tooDeep(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (state.level < MAX_NESTING - 2) return false;
  if (silent) return true;
  const lines = state.getLines(startLine, endLine, state.blkIndent, false).trim().split('\n');
  const open = state.push('paragraph_open', 'p', 1);
  open.map = [startLine, endLine];
  const inline = state.push('inline', '', 0);
  // No content: the inline parser has nothing to parse; the children are the text itself.
  inline.content = '';
  inline.map = [startLine, endLine];
  inline.children = lines.flatMap((line, i) => {
    const text = new state.Token('text', '', 0);
    text.content = line;
    if (i === 0) return [text];
    return [new state.Token('softbreak', 'br', 0), text];
  });
  state.push('paragraph_close', 'p', -1);
  state.line = endLine;
  return true;
}
md.block.ruler.before('table', 'too_deep', tooDeep);

/** The names mentions show: the users the app knows, and me (a mention of me is highlighted). */
export interface MentionNames {
  users: Record<string, User | undefined>;
  meId?: string | null;
}

const NO_NAMES: MentionNames = { users: {} };

/**
 * `<@USER-ID>` or `<@room>` as a `mention` token holding the id (lowercase) or `room`. An inline
 * rule, so code spans and blocks (parsed by their own rules) keep the token as text, and a
 * backslash before the `<` too.
 */
function mention(state: StateInline, silent: boolean): boolean {
  const at = state.pos;
  if (state.src.charCodeAt(at) !== 0x3c /* < */ || state.src.charCodeAt(at + 1) !== 0x40 /* @ */) return false;
  const m = MENTION_AT.exec(state.src.slice(at, Math.min(state.posMax, at + 40)));
  if (!m) return false;
  if (!silent) {
    const token = state.push('mention', '', 0);
    token.markup = m[0];
    token.meta = { id: m[1] === EVERYONE_NAME ? EVERYONE_NAME : m[1].toLowerCase() };
  }
  state.pos += m[0].length;
  return true;
}
md.inline.ruler.before('autolink', 'mention', mention);

const mentionId = (t: Token): string => (t.meta as { id: string }).id;

md.renderer.rules.mention = (tokens, idx, _options, e) => {
  const env = e as MentionNames | undefined;
  const id = mentionId(tokens[idx]);
  if (id === EVERYONE_NAME) return '<span class="mention mention-all">@room</span>';
  const name = md.utils.escapeHtml(mentionLabel(env?.users?.[id]));
  const me = env?.meId != null && env.meId.toLowerCase() === id;
  return `<span class="mention${me ? ' mention-me' : ''}" data-user-id="${md.utils.escapeHtml(id)}">@${name}</span>`;
};

/**
 * What a text's output depends on besides the text: the names of the people it mentions (and
 * who I am, when `withMe`). The text itself when it mentions nobody, else all of it as JSON (no
 * two different inputs give the same key), so a rename renders anew.
 */
function cacheKey(source: string, names: MentionNames, withMe: boolean): string {
  const ids = mentionedIds(source);
  if (ids.length === 0) return source;
  const labels = ids.map((id) => (names.users[id] ? mentionLabel(names.users[id]) : null));
  return JSON.stringify([source, labels, withMe ? (names.meId ?? null) : null]);
}

/** A small least-recently-used cache: messages re-render often, with the same text. */
function lru(size: number): (key: string, compute: () => string) => string {
  const cache = new Map<string, string>();
  return (key, compute) => {
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const value = compute();
    cache.set(key, value);
    if (cache.size > size) cache.delete(cache.keys().next().value as string);
    return value;
  };
}

const rendered = lru(500);

/**
 * The message as HTML: escaped text in the subset's elements only, safe to set as innerHTML.
 * Mentions show the current names of `names.users` (`@…` for one not known yet).
 */
export function renderMarkdown(source: string, names: MentionNames = NO_NAMES): string {
  return rendered(cacheKey(source, names, true), () => md.render(source, { users: names.users, meId: names.meId ?? null }));
}

function inlineText(children: Token[] | null, users: MentionNames['users'], out: string[]): void {
  for (const t of children ?? []) {
    if (t.type === 'text' || t.type === 'text_special' || t.type === 'code_inline') out.push(t.content);
    else if (t.type === 'softbreak' || t.type === 'hardbreak') out.push('\n');
    else if (t.type === 'mention') {
      const id = mentionId(t);
      out.push(id === EVERYONE_NAME ? '@room' : `@${mentionLabel(users[id])}`);
    }
  }
}

const plain = lru(500);

/**
 * The text a reader sees, without the markers: '**bold** and `code`' -> 'bold and code',
 * '[site](https://x.y)' -> 'site', quote and list markers dropped, mentions as `@Name` (the
 * current names of `users`). Blocks and line breaks become newlines (blank lines dropped), so
 * `firstLine` still gives a preview's first line and collapsing whitespace gives one line. For
 * previews, reply quotes and notifications.
 */
export function plainText(source: string, users: MentionNames['users'] = NO_NAMES.users): string {
  return plain(cacheKey(source, { users }, false), () => {
    const out: string[] = [];
    for (const t of md.parse(source, {})) {
      if (t.type === 'inline') inlineText(t.children, users, out);
      else if (t.type === 'fence' || t.type === 'code_block') out.push(t.content, '\n');
      else out.push('\n');
    }
    return out
      .join('')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .join('\n');
  });
}
