import { useState } from 'react';
import { useChat } from '../context';
import { roomTitle } from '../format';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';
import { SearchInput } from './SearchInput';

/**
 * Where to forward a message: my rooms (this one too), newest activity first, found by their name
 * (or a direct peer's username). Picking one calls `onPick` with its id and title.
 */
export function ForwardDialog({ onPick, onClose }: { onPick: (roomId: string, title: string) => void; onClose: () => void }) {
  const rooms = useChat((s) => s.rooms);
  const users = useChat((s) => s.users);
  const [q, setQ] = useState('');
  const needle = q.trim().toLowerCase();
  const shown = rooms
    .map((r) => ({ room: r, title: roomTitle(r, users) }))
    .filter(
      ({ room, title }) =>
        needle === '' ||
        title.toLowerCase().includes(needle) ||
        (room.peer_id != null && (users[room.peer_id]?.username.toLowerCase().includes(needle) ?? false)),
    );

  return (
    <Dialog title="Forward to…" onClose={onClose} testId="forward-dialog">
      <SearchInput label="Find a chat" placeholder="Chat name" testId="forward-search" value={q} onChange={setQ} />
      <ul className="plain-list forward-list">
        {shown.map(({ room, title }) => (
          <li key={room.id}>
            <button type="button" className="user-item" data-testid="forward-target" data-room-id={room.id} onClick={() => onPick(room.id, title)}>
              <Avatar id={room.id} name={title} saved={room.kind === 'saved'} />
              <span className="forward-name">{title}</span>
            </button>
          </li>
        ))}
        {shown.length === 0 && <li className="room-list-empty">No chat by that name.</li>}
      </ul>
    </Dialog>
  );
}
