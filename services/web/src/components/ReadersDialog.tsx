import { useEffect, useState } from 'react';
import { useChat, useClient } from '../context';
import { userName } from '../format';
import type { Readers } from '../protocol';
import { Dialog } from './Dialog';

/** Who has read one of my messages. */
export function ReadersDialog({ roomId, seq, onClose }: { roomId: string; seq: number; onClose: () => void }) {
  const client = useClient();
  const users = useChat((s) => s.users);
  const meId = useChat((s) => s.me?.id);
  const [readers, setReaders] = useState<Readers | null>(null);

  useEffect(() => {
    let live = true;
    void client.act((api) => api.readers(roomId, seq)).then((r) => {
      if (!live || !r) return;
      setReaders(r);
      for (const id of r.read_by) void client.ensureUser(id);
    });
    return () => {
      live = false;
    };
  }, [client, roomId, seq]);

  const others = readers?.read_by.filter((id) => id !== meId) ?? [];
  return (
    <Dialog title="Seen by" onClose={onClose} testId="readers">
      {readers === null ? (
        <span className="spinner" aria-label="Loading" />
      ) : others.length === 0 ? (
        <p>Nobody has read it yet.</p>
      ) : (
        <>
          {readers.read_by_all && <p data-testid="read-by-all">Read by everyone.</p>}
          <ul className="plain-list" data-testid="readers-list">
            {others.map((id) => (
              <li key={id}>{userName(users[id])}</li>
            ))}
          </ul>
        </>
      )}
    </Dialog>
  );
}
