import { useState } from 'react';
import { useClient } from '../context';
import { userName } from '../format';
import type { User } from '../protocol';
import { Avatar } from './Avatar';
import { SearchInput } from './SearchInput';
import { useSearch } from './useSearch';

/** Searches the user directory as the query changes. */
export function useUserSearch(q: string): User[] | null {
  const client = useClient();
  return useSearch(q, (query) => client.act(() => client.searchUsers(query, 20)), 200);
}

/** Search people and pick some (a new group's members, a member to add). */
export function UserPicker({ picked, onToggle, exclude = [] }: { picked: string[]; onToggle: (u: User) => void; exclude?: string[] }) {
  const [q, setQ] = useState('');
  const users = useUserSearch(q);
  return (
    <div className="user-picker">
      <SearchInput label="Search people" placeholder="Search people" testId="picker-search" value={q} onChange={setQ} />
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
