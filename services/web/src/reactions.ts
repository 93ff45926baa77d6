// Emoji reactions on messages: the wire shape of a reaction summary and pure display helpers.
// No React, no state.

import { plural } from './format';

/**
 * One emoji's reactions on a message. `user_ids` holds the first reactors, oldest first, at most 10
 * (all of them when `count` <= 10); `me` says whether I reacted (only in REST answers; may be absent).
 */
export interface Reaction {
  emoji: string;
  count: number;
  user_ids: string[];
  me?: boolean | null;
}

/**
 * The reactions without those of people I blocked: a chip loses one for each hidden reactor among
 * its `user_ids`, and goes when none is left. Untouched chips are returned as they were.
 */
export function visibleReactions(reactions: Reaction[], hidden: (userId: string) => boolean): Reaction[] {
  const out: Reaction[] = [];
  for (const r of reactions) {
    const shown = r.user_ids.filter((id) => !hidden(id));
    if (shown.length === r.user_ids.length) {
      if (r.count > 0) out.push(r);
      continue;
    }
    const count = r.count - (r.user_ids.length - shown.length);
    if (count > 0) out.push({ ...r, count, user_ids: shown });
  }
  return out;
}

/** Who reacted, for a tooltip: 'Ann', 'Ann and Bob', 'You, Ann and 3 others'; I am 'You'. */
export function reactorsTitle(r: Reaction, name: (id: string) => string, meId?: string): string {
  const names = r.user_ids.map((id) => (id === meId ? 'You' : name(id)));
  let listed = r.user_ids.length;
  // Past the first ten, my own reaction may not be among the listed ones.
  if (r.me && meId !== undefined && !r.user_ids.includes(meId) && r.count > listed) {
    names.unshift('You');
    listed += 1;
  }
  const others = r.count - listed;
  if (others > 0) names.push(plural(others, 'other'));
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
