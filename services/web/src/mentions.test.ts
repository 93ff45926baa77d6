import { describe, expect, it } from 'vitest';
import {
  MAX_OPTIONS,
  canMentionEveryone,
  confirmEveryone,
  fromTokens,
  insertMention,
  mentionOptions,
  mentionQuery,
  mentionedIds,
  mentionsEveryone,
  mentionsMe,
  toTokens,
} from './mentions';
import { user } from './testutil';

const ANN = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
const BEN = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5c';
const ann = user(ANN, { username: 'ann_x1', display_name: 'Ann Lee' });
const ben = user(BEN, { username: 'Ben', display_name: 'Benjamin' });
const members = [ann, ben];

describe('tokens in a text', () => {
  it('finds the ids a text mentions, each once, and whether it mentions everyone or me', () => {
    const text = `hi <@${ANN}> and <@${BEN.toUpperCase()}>, <@${ANN}> again <@nobody> <@room>`;
    expect(mentionedIds(text)).toEqual([ANN, BEN]);
    expect(mentionedIds('no mentions <@ann>')).toEqual([]);
    expect(mentionsEveryone(text)).toBe(true);
    expect(mentionsMe(`hey <@${BEN}>`, BEN)).toBe(true);
    expect(mentionsMe(`hey <@${BEN}>`, ANN)).toBe(false);
    expect(mentionsMe('all of you <@room>', ANN)).toBe(true);
    expect(mentionsMe(`@${ann.username} typed, not a token`, ANN)).toBe(false);
    expect(mentionsMe(`<@${ANN}>`, null)).toBe(false);
  });

  it('lets owners and admins mention everyone', () => {
    expect(['owner', 'admin', 'member', undefined].map((r) => canMentionEveryone(r as never))).toEqual([true, true, false, false]);
  });

  it('asks before mentioning everyone in a room of more than 50 members', () => {
    expect(confirmEveryone('<@room> all hands', true, 51)).toBe(true);
    expect(confirmEveryone('<@room> all hands', true, 50)).toBe(false);
    expect(confirmEveryone('@room all hands', true, 500)).toBe(false);
    expect(confirmEveryone(`<@${ANN}> only`, true, 500)).toBe(false);
    // Who may not mention everyone is not asked (the text is not a mention of everyone for them).
    expect(confirmEveryone('<@room> all hands', false, 500)).toBe(false);
  });
});

describe('toTokens: typed @usernames to stored ids', () => {
  it('turns the username of a member into its id, ignoring case, at a word boundary only', () => {
    expect(toTokens('@ann_x1 look, @BEN!', members, false)).toBe(`<@${ANN}> look, <@${BEN}>!`);
    expect(toTokens('(@ben) @ben.', members, false)).toBe(`(<@${BEN}>) <@${BEN}>.`);
    // Not inside a word or an address, not a longer name, not someone outside the room.
    expect(toTokens('mail ben@example.com, @benny, @ann_x, @carol', members, false)).toBe('mail ben@example.com, @benny, @ann_x, @carol');
    expect(toTokens('@@ben', members, false)).toBe('@@ben');
  });

  it('turns @room into a mention of everyone only for those who may', () => {
    expect(toTokens('@room meeting now', members, true)).toBe('<@room> meeting now');
    expect(toTokens('@room meeting now', members, false)).toBe('@room meeting now');
    expect(toTokens('@roomy', members, true)).toBe('@roomy');
  });

  it('leaves code as written', () => {
    const text = 'say `@ben` or\n```\n@ann_x1\n```\nbut @ben';
    expect(toTokens(text, members, false)).toBe(`say \`@ben\` or\n\`\`\`\n@ann_x1\n\`\`\`\nbut <@${BEN}>`);
  });

  it('leaves a text without any @ as it is', () => {
    expect(toTokens('plain', members, true)).toBe('plain');
  });
});

describe('fromTokens: stored ids back to @usernames for editing', () => {
  const users = { [ANN]: ann, [BEN]: ben };

  it('shows each mention as the username, @room as typed, an unknown id as its token', () => {
    const other = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4aff';
    expect(fromTokens(`<@${ANN}>, <@room> and <@${other}>`, users)).toBe(`@ann_x1, @room and <@${other}>`);
  });

  it('goes there and back again', () => {
    const stored = `hi <@${ANN}> and <@${BEN}>: \`<@${ANN}>\` <@room>`;
    const typed = fromTokens(stored, users);
    expect(typed).toBe(`hi @ann_x1 and @Ben: \`<@${ANN}>\` @room`);
    expect(toTokens(typed, members, true)).toBe(stored);
  });
});

describe('the composer’s list', () => {
  it('finds the @word at the caret', () => {
    expect(mentionQuery('hello @an', 9)).toEqual({ start: 6, query: 'an' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('hello @an there', 9)).toEqual({ start: 6, query: 'an' });
    expect(mentionQuery('hello @an there', 15)).toBeNull();
    expect(mentionQuery('mail me@exa', 11)).toBeNull();
    expect(mentionQuery('@an', -1)).toBeNull();
  });

  it('offers members by the start of the username or of the display name (or a word of it), never me', () => {
    const carol = user('u-carol', { username: 'carol', display_name: 'Carol Anders' });
    const all = [ann, ben, carol, user('u-me', { username: 'annie', display_name: 'Me' })];
    expect(mentionOptions(all, 'an', false, 'u-me').map((o) => o.username)).toEqual(['ann_x1', 'carol']);
    expect(mentionOptions(all, 'BENJ', false, 'u-me').map((o) => o.label)).toEqual(['Benjamin']);
    expect(mentionOptions(all, '', false, 'u-me').map((o) => o.username)).toEqual(['ann_x1', 'Ben', 'carol']);
    expect(mentionOptions(all, 'zz', false, 'u-me')).toEqual([]);
  });

  it('offers @room to those who may mention everyone, and at most eight options', () => {
    const many = Array.from({ length: 12 }, (_, i) => user(`u-${i}`, { username: `rob${String(i).padStart(2, '0')}`, display_name: '' }));
    const plain = mentionOptions(many, 'r', false, null);
    expect(plain).toHaveLength(MAX_OPTIONS);
    const owner = mentionOptions(many, 'r', true, null);
    expect(owner).toHaveLength(MAX_OPTIONS);
    expect(owner[MAX_OPTIONS - 1]).toEqual({ id: null, username: 'room', label: 'Everyone in this room' });
    expect(mentionOptions(many, 'rob', true, null).map((o) => o.username)).not.toContain('room');
  });

  it('puts the picked username in place of the typed @word, with a space after it', () => {
    expect(insertMention('hi @an', { start: 3, query: 'an' }, 6, 'ann_x1')).toEqual({ text: 'hi @ann_x1 ', caret: 11 });
    // The caret inside the word: all of it is replaced; a space already there is used.
    expect(insertMention('hi @anxx there', { start: 3, query: 'an' }, 6, 'ann_x1')).toEqual({ text: 'hi @ann_x1 there', caret: 11 });
  });
});
