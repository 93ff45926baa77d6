import { plural } from '../format';
import type { Reaction } from '../reactions';
import { Dialog } from './Dialog';

/** Who reacted to a message, emoji by emoji. `name` gives a user's display name (the caller says 'You' for me). */
export function ReactionsDialog({ reactions, name, onClose }: { reactions: Reaction[]; name: (id: string) => string; onClose: () => void }) {
  return (
    <Dialog title="Reactions" onClose={onClose} testId="reactions-dialog">
      {reactions.length === 0 ? (
        <p>No reactions yet.</p>
      ) : (
        reactions.map((r) => {
          const others = r.count - r.user_ids.length;
          return (
            <section key={r.emoji} className="reaction-group" data-testid="reaction-group" data-emoji={r.emoji}>
              <h3 className="reaction-heading">
                <span className="emoji">{r.emoji}</span> <span className="reaction-count">{r.count}</span>
              </h3>
              <ul className="plain-list">
                {r.user_ids.map((id) => (
                  <li key={id}>{name(id)}</li>
                ))}
                {others > 0 && (
                  <li className="reaction-others">{r.user_ids.length > 0 ? `… and ${plural(others, 'other')}` : plural(others, 'person', 'people')}</li>
                )}
              </ul>
            </section>
          );
        })
      )}
    </Dialog>
  );
}
