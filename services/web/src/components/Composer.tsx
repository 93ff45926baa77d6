import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useClient } from '../context';

/** Unsent text per room, kept while switching rooms. */
const drafts = new Map<string, string>();

/** Forgets every draft (on logout, so the next user of this browser does not see them). */
export function clearDrafts(): void {
  drafts.clear();
}

export function Composer({ roomId }: { roomId: string }) {
  const client = useClient();
  const [text, setText] = useState(() => drafts.get(roomId) ?? '');
  const area = useRef<HTMLTextAreaElement>(null);

  function update(v: string) {
    setText(v);
    if (v === '') drafts.delete(roomId);
    else drafts.set(roomId, v);
  }

  function send(e?: FormEvent) {
    e?.preventDefault();
    if (text.trim() === '') return;
    client.sendMessage(roomId, text);
    update('');
    area.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter is a newline; never while an IME is composing a character.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  }

  return (
    <form className="composer" onSubmit={send}>
      <textarea
        ref={area}
        className="composer-input"
        data-testid="composer"
        aria-label="Message"
        placeholder="Write a message…"
        rows={1}
        value={text}
        autoFocus
        onChange={(e) => {
          update(e.target.value);
          if (e.target.value !== '') client.typing(roomId);
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="btn btn-primary send" data-testid="send" disabled={text.trim() === ''} aria-label="Send">
        Send
      </button>
    </form>
  );
}
