import { describe, expect, it } from 'vitest';
import { EMOJI, QUICK, canonicalEmoji, emojiName, searchEmoji } from './emoji';

const found = (q: string) => searchEmoji(q).map((x) => x.e);

describe('emoji', () => {
  it('finds emoji by the prefixes of the words of their name and keywords', () => {
    expect(found('thu')).toContain('👍');
    expect(found('THUMBS')).toEqual(['👍', '👎']);
    expect(found('+1')).toContain('👍');
    expect(found('red hea')).toContain('❤️');
    expect(found('hea red')).toContain('❤️');
    expect(found('red hea')).not.toContain('💙');
    expect(found('  lol  ')).toContain('😂');
    expect(found('eyes')).toContain('😍');
    expect(found('zzzz')).toEqual([]);
  });

  it('gives the first ones for an empty query, and no more than the limit', () => {
    expect(searchEmoji('')).toEqual(EMOJI.slice(0, 48));
    expect(searchEmoji('   ', 5)).toEqual(EMOJI.slice(0, 5));
    expect(searchEmoji('face', 3)).toHaveLength(3);
  });

  it('puts emoji in the canonical form of the server', () => {
    expect(canonicalEmoji('\u2764')).toBe('\u2764\uFE0F');
    expect(canonicalEmoji('\u2764\uFE0F')).toBe('\u2764\uFE0F');
    expect(canonicalEmoji('\u2764\uFE0F\uFE0F')).toBe('\u2764\uFE0F');
    expect(canonicalEmoji('👍')).toBe('👍');
    expect(canonicalEmoji('👍\uFE0F')).toBe('👍');
    expect(canonicalEmoji('#\u20E3')).toBe('#\uFE0F\u20E3');
    expect(canonicalEmoji('1\uFE0F\u20E3')).toBe('1\uFE0F\u20E3');
    expect(canonicalEmoji('👍🏽')).toBe('👍🏽');
    expect(canonicalEmoji('\u270C\uFE0F\u{1F3FD}')).toBe('\u270C\u{1F3FD}');
    expect(canonicalEmoji('\u2764\uFE0F\u200D\u{1F525}')).toBe('\u2764\uFE0F\u200D\u{1F525}');
    expect(canonicalEmoji('\u2764\u200D\u{1F525}')).toBe('\u2764\uFE0F\u200D\u{1F525}');
    expect(canonicalEmoji('\u{1F937}\u200D\u2642')).toBe('\u{1F937}\u200D\u2642\uFE0F');
  });

  it('lists every emoji once, in canonical form, with a lowercase name and keywords', () => {
    expect(EMOJI.length).toBeGreaterThanOrEqual(150);
    expect(new Set(EMOJI.map((x) => x.e)).size).toBe(EMOJI.length);
    for (const x of EMOJI) {
      expect(canonicalEmoji(x.e), x.n).toBe(x.e);
      expect(x.n, x.e).toBe(x.n.toLowerCase());
      expect(x.k.length, x.e).toBeGreaterThan(0);
    }
    expect(new Set(QUICK).size).toBe(QUICK.length);
    for (const e of QUICK) {
      expect(canonicalEmoji(e)).toBe(e);
      expect(emojiName(e), e).not.toBe(e);
    }
  });
});
