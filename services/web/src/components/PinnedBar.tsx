import { useState } from 'react';
import { useChat, useClient } from '../context';
import { formatShortDate, messagePreview, userName } from '../format';
import type { Pin } from '../protocol';
import { Dialog } from './Dialog';

const NO_PINS: Pin[] = [];

/**
 * The room's pinned messages, at the top of the chat (live: the store holds them, read again on
 * every `pins_changed`). One pin is shown, the latest first: its sender and a line of its text,
 * a click on which shows the message in the history, highlighted. With more than one: which of
 * how many, a button to the next one and one to the list of all. Those who may pin unpin here.
 */
export function PinnedBar({ roomId, canPin }: { roomId: string; canPin: boolean }) {
  const client = useClient();
  const pins = useChat((s) => s.pins[roomId]) ?? NO_PINS;
  const users = useChat((s) => s.users);
  const blocked = useChat((s) => s.blocked);
  const meId = useChat((s) => s.me?.id ?? null);
  // The pin shown, by its message: it stays the one shown while others come and go.
  const [shownId, setShownId] = useState<string | null>(null);
  const [listOpen, setListOpen] = useState(false);
  if (pins.length === 0) return null;

  const found = pins.findIndex((p) => p.message.id === shownId);
  const index = found >= 0 ? found : 0;
  const pin = pins[index];
  const name = (p: Pin) => userName(users[p.message.sender_id]);
  // What someone I blocked wrote is not shown, pinned or not.
  const text = (p: Pin) =>
    blocked[p.message.sender_id] && p.message.sender_id !== meId ? 'Message from someone you blocked' : messagePreview(p.message, 120, users);
  const show = (p: Pin) => void client.showMessage(roomId, p.message.seq);

  return (
    <>
      <div className="pinned-bar" data-testid="pinned-bar" data-seq={pin.message.seq}>
        <button type="button" className="pinned-main" data-testid="pinned-open" title="Show in the chat" onClick={() => show(pin)}>
          <span className="pinned-label">
            Pinned message
            {pins.length > 1 && (
              <span className="pinned-count" data-testid="pinned-count">
                {`${index + 1} of ${pins.length}`}
              </span>
            )}
          </span>
          <span className="pinned-line">
            <span className="pinned-name">{name(pin)}:</span>
            <span className="pinned-text" data-testid="pinned-text">
              {text(pin)}
            </span>
          </span>
        </button>
        {pins.length > 1 && (
          <>
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              data-testid="pinned-next"
              aria-label="Next pinned message"
              title="Next pinned message"
              onClick={() => setShownId(pins[(index + 1) % pins.length].message.id)}
            >
              ›
            </button>
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              data-testid="pins-list"
              aria-label="All pinned messages"
              title="All pinned messages"
              onClick={() => setListOpen(true)}
            >
              ≡
            </button>
          </>
        )}
        {canPin && (
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            data-testid="unpin"
            aria-label="Unpin this message"
            title="Unpin"
            onClick={() => void client.setPinned(roomId, pin.message.seq, false)}
          >
            ×
          </button>
        )}
      </div>
      {listOpen && (
        <Dialog title="Pinned messages" onClose={() => setListOpen(false)} testId="pins-dialog">
          <ul className="plain-list hit-list">
            {pins.map((p) => (
              <li key={p.message.id}>
                <button
                  type="button"
                  className="hit"
                  data-testid="pin-item"
                  data-seq={p.message.seq}
                  onClick={() => {
                    setShownId(p.message.id);
                    setListOpen(false);
                    show(p);
                  }}
                >
                  <span className="hit-top">
                    <strong>{name(p)}</strong>
                    <span className="hit-time">{formatShortDate(p.message.created_at)}</span>
                  </span>
                  <span className="hit-text">{text(p)}</span>
                </button>
              </li>
            ))}
          </ul>
        </Dialog>
      )}
    </>
  );
}
