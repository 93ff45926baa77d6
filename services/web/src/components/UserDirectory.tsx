import { useEffect, useRef, useState } from 'react';
import { knownPresence } from '../store';
import { useChat } from '../context';
import { userName } from '../format';
import { Avatar } from './Avatar';
import { SearchInput } from './SearchInput';
import { useUserSearch } from './UserPicker';

export function UserDirectory({ onClose, onPick }: { onClose: () => void; onPick: (userId: string) => void }) {
  const presence = useChat(knownPresence);
  const connected = useChat((s) => s.connection === 'online');
  const [q, setQ] = useState('');
  const users = useUserSearch(q);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  return (
    <section className="directory" aria-label="New chat">
      <div className="directory-header">
        <button type="button" className="btn btn-ghost btn-icon" aria-label="Back to chats" data-testid="new-chat-close" onClick={onClose}>
          ←
        </button>
        <SearchInput label="Search people" placeholder="Search people" testId="user-search" value={q} onChange={setQ} inputRef={input} onEscape={onClose} />
      </div>
      <ul className="user-list" data-testid="user-list" aria-label="People">
        {users?.map((u) => (
          <li key={u.id}>
            <button type="button" className="user-item" data-testid="user-item" data-user-id={u.id} onClick={() => onPick(u.id)}>
              <Avatar id={u.id} name={userName(u)} online={connected && (presence[u.id] ?? u.online)} />
              <span className="user-text">
                <span className="user-name">{userName(u)}</span>
                <span className="user-username">@{u.username}</span>
              </span>
            </button>
          </li>
        ))}
        {users !== null && users.length === 0 && <li className="room-list-empty">No one found.</li>}
      </ul>
    </section>
  );
}
