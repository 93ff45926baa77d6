import { useState } from 'react';
import { useClient } from '../context';
import { Dialog } from './Dialog';
import { SearchInput } from './SearchInput';
import { useSearch } from './useSearch';

/** The public-room directory: search, open what I joined, join the rest. */
export function PublicRooms({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const [q, setQ] = useState('');
  const rooms = useSearch(q, (query) => client.act((api) => api.publicRooms(query)), 200);

  return (
    <Dialog title="Public rooms" onClose={onClose} testId="public-rooms">
      <SearchInput label="Search public rooms" placeholder="Search rooms" testId="public-search" value={q} onChange={setQ} />
      <ul className="plain-list public-list">
        {rooms?.map((r) => (
          <li key={r.id} className="public-room" data-testid="public-room">
            <span className="public-text">
              <strong>{r.name}</strong>
              {r.topic && <span className="public-topic">{r.topic}</span>}
              <span className="public-count">{r.member_count} members</span>
            </span>
            {r.joined ? (
              <button
                type="button"
                className="btn"
                onClick={() => {
                  client.selectRoom(r.id);
                  onClose();
                }}
              >
                Open
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-primary"
                data-testid="join-room"
                onClick={() => void client.joinRoom(r.id).then(onClose)}
              >
                Join
              </button>
            )}
          </li>
        ))}
        {rooms !== null && rooms.length === 0 && <li className="room-list-empty">No public rooms found.</li>}
      </ul>
    </Dialog>
  );
}
