import { useEffect, useState } from 'react';
import { useChat, useClient } from '../context';
import { firstLine, formatShortDate, roomTitle, userName } from '../format';
import type { Message } from '../protocol';
import { Dialog } from './Dialog';

/** Searches messages in every room I can read; a hit opens its room at that message. */
export function SearchPanel({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const rooms = useChat((s) => s.rooms);
  const users = useChat((s) => s.users);
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Message[] | null>(null);

  useEffect(() => {
    if (q.trim().length < 2) {
      setHits(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      void client.act((api) => api.search(q.trim(), null)).then((h) => {
        if (!live || !h) return;
        setHits(h);
        for (const m of h) void client.ensureUser(m.sender_id);
      });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [client, q]);

  return (
    <Dialog title="Search messages" onClose={onClose} testId="search">
      <input
        type="search"
        className="search"
        placeholder="Words to find"
        aria-label="Search messages"
        data-testid="message-search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
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
                <span className="hit-text">{firstLine(m.body, 120)}</span>
              </button>
            </li>
          );
        })}
        {hits !== null && hits.length === 0 && <li className="room-list-empty">Nothing found.</li>}
      </ul>
    </Dialog>
  );
}
