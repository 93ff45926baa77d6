import { useEffect, useState } from 'react';
import { useClient } from '../context';
import { userName } from '../format';
import type { User } from '../protocol';
import { Avatar } from './Avatar';

const DEBOUNCE_MS = 200;

/** Searches the user directory as the query changes. */
export function useUserSearch(q: string): { users: User[] | null; error: string | null } {
  const client = useClient();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(
      () => {
        client.searchUsers(q.trim(), 20).then(
          (found) => {
            if (cancelled) return;
            setUsers(found);
            setError(null);
          },
          (e: unknown) => {
            if (!cancelled) setError(e instanceof Error ? e.message : 'Search failed.');
          },
        );
      },
      q === '' ? 0 : DEBOUNCE_MS,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [q, client]);
  return { users, error };
}

/** Search people and pick some (a new group's members, a member to add). */
export function UserPicker({ picked, onToggle, exclude = [] }: { picked: string[]; onToggle: (u: User) => void; exclude?: string[] }) {
  const [q, setQ] = useState('');
  const { users, error } = useUserSearch(q);
  return (
    <div className="user-picker">
      <input
        type="search"
        className="search"
        placeholder="Search people"
        aria-label="Search people"
        data-testid="picker-search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ul className="user-list" aria-label="People">
        {users
          ?.filter((u) => !exclude.includes(u.id))
          .map((u) => {
            const on = picked.includes(u.id);
            return (
              <li key={u.id}>
                <button
                  type="button"
                  className={`user-item${on ? ' picked' : ''}`}
                  data-testid="picker-user"
                  data-username={u.username}
                  aria-pressed={on}
                  onClick={() => onToggle(u)}
                >
                  <Avatar id={u.id} name={userName(u)} />
                  <span className="user-text">
                    <span className="user-name">{userName(u)}</span>
                    <span className="user-username">@{u.username}</span>
                  </span>
                  <span className="pick-mark" aria-hidden="true">
                    {on ? '✓' : '+'}
                  </span>
                </button>
              </li>
            );
          })}
        {users !== null && users.length === 0 && <li className="room-list-empty">No one found.</li>}
      </ul>
    </div>
  );
}
