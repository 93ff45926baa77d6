import { describe, expect, it } from 'vitest';
import { reactorsTitle, visibleReactions, type Reaction } from './reactions';

const r = (emoji: string, count: number, user_ids: string[], me?: boolean): Reaction => ({ emoji, count, user_ids, me });
const names: Record<string, string> = { a: 'Ann', b: 'Bob', c: 'Cat', me: 'Me Myself' };
const name = (id: string) => names[id] ?? '…';

describe('reactions', () => {
  it('leave out the reactions of hidden users', () => {
    const list = [r('👍', 3, ['a', 'b', 'c']), r('❤️', 1, ['b']), r('😂', 14, ['a', 'b']), r('🔥', 2, ['a', 'c'], true)];
    const hidden = (id: string) => id === 'b';
    expect(visibleReactions(list, hidden)).toEqual([r('👍', 2, ['a', 'c']), r('😂', 13, ['a']), list[3]]);
    expect(visibleReactions(list, hidden)[2]).toBe(list[3]);
    expect(visibleReactions(list, () => false)).toEqual(list);
    expect(visibleReactions(list, () => true)).toEqual([r('😂', 12, [])]);
    expect(visibleReactions([], hidden)).toEqual([]);
  });

  it('say who reacted', () => {
    expect(reactorsTitle(r('👍', 1, ['a']), name)).toBe('Ann');
    expect(reactorsTitle(r('👍', 2, ['a', 'b']), name)).toBe('Ann and Bob');
    expect(reactorsTitle(r('👍', 3, ['a', 'b', 'c']), name)).toBe('Ann, Bob and Cat');
    expect(reactorsTitle(r('👍', 5, ['a', 'b']), name)).toBe('Ann, Bob and 3 others');
    expect(reactorsTitle(r('👍', 2, ['a']), name)).toBe('Ann and 1 other');
    expect(reactorsTitle(r('👍', 4, []), name)).toBe('4 others');
    expect(reactorsTitle(r('👍', 2, ['me', 'a'], true), name, 'me')).toBe('You and Ann');
    expect(reactorsTitle(r('👍', 2, ['me', 'a'], true), name)).toBe('Me Myself and Ann');
    // My reaction came after the listed ones.
    expect(reactorsTitle(r('👍', 4, ['a', 'b'], true), name, 'me')).toBe('You, Ann, Bob and 1 other');
  });
});
