import { reactorsTitle, type Reaction } from '../reactions';

/**
 * The reaction chips under a message, one per emoji with its count; mine are pressed. Clicking a chip
 * adds or takes back my reaction. It shows what it is given: the caller leaves out blocked reactors
 * (visibleReactions) and may load the names of `user_ids` on hover (onHover).
 */
export function Reactions({
  reactions,
  meId,
  name,
  onToggle,
  onHover,
}: {
  reactions: Reaction[];
  meId?: string;
  name: (id: string) => string;
  onToggle: (emoji: string, on: boolean) => void;
  onHover?: (userIds: string[]) => void;
}) {
  if (reactions.length === 0) return null;
  return (
    <div className="reactions" data-testid="reactions">
      {reactions.map((r) => {
        const title = reactorsTitle(r, name, meId);
        return (
          <button
            key={r.emoji}
            type="button"
            className="reaction"
            data-testid="reaction"
            data-emoji={r.emoji}
            aria-pressed={!!r.me}
            title={title}
            aria-label={`${r.emoji} ${r.count}: ${title}`}
            onClick={() => onToggle(r.emoji, !r.me)}
            onMouseEnter={() => onHover?.(r.user_ids)}
            onFocus={() => onHover?.(r.user_ids)}
          >
            <span className="emoji">{r.emoji}</span> <span className="reaction-count" data-testid="reaction-count">{r.count}</span>
          </button>
        );
      })}
    </div>
  );
}
