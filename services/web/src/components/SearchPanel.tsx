import { useState } from 'react';
import { useChat, useClient } from '../context';
import { formatShortDate, messagePreview, roomTitle, userName } from '../format';
import { Dialog } from './Dialog';
import { SearchInput } from './SearchInput';
import { useSearch } from './useSearch';

/** Searches messages in every room I can read; a hit opens its room at that message. */
export function SearchPanel({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const rooms = useChat((s) => s.rooms);
  const users = useChat((s) => s.users);
  const [q, setQ] = useState('');
  const hits = useSearch(
    q,
    (query) =>
      client.act((api) => api.search(query, null)).then((h) => {
        for (const m of h ?? []) void client.ensureUser(m.sender_id);
        return h;
      }),
    250,
    2,
  );

  return (
    <Dialog title="Search messages" onClose={onClose} testId="search">
      <SearchInput label="Search messages" placeholder="Words to find" testId="message-search" value={q} onChange={setQ} />
      <ul className="plain-list hit-list">
        {hits?.map((m) => {
          const room = rooms.find((r) => r.id === m.room_id);
          return (
            <li key={m.id}>
              <button
                type="button"
                className="hit"
                data-testid="search-hit"
                onClick={() => {
                  void client.openAt(m.room_id, m.seq);
                  onClose();
                }}
              >
                <span className="hit-top">
                  <strong>{room ? roomTitle(room, users) : 'A room'}</strong> · {userName(users[m.sender_id])}
                  <span className="hit-time">{formatShortDate(m.created_at)}</span>
                </span>
                <span className="hit-text">{messagePreview(m, 120, users)}</span>
              </button>
            </li>
          );
        })}
        {hits !== null && hits.length === 0 && <li className="room-list-empty">Nothing found.</li>}
      </ul>
    </Dialog>
  );
}
