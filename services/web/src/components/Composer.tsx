import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useClient } from '../context';
import { previewLine } from '../format';
import { drafts } from '../local';
import type { TimelineItem } from '../store';


/** What the composer is doing besides writing a new message. */
export type ComposeMode =
  | { kind: 'new' }
  | { kind: 'reply'; item: TimelineItem; name: string }
  | { kind: 'edit'; item: TimelineItem };

interface Props {
  roomId: string;
  mode: ComposeMode;
  onDone: () => void;
}

export function Composer({ roomId, mode, onDone }: Props) {
  const client = useClient();
  const [text, setText] = useState(() => drafts.get(roomId));
  const area = useRef<HTMLTextAreaElement>(null);
  const editing = mode.kind === 'edit' ? mode.item : null;

  // Editing puts the message's text in the box; leaving edit mode restores the draft.
  useEffect(() => {
    setText(editing ? editing.body : drafts.get(roomId));
    area.current?.focus();
  }, [editing, roomId]);

  useEffect(() => {
    if (mode.kind === 'reply') area.current?.focus();
  }, [mode]);

  function update(v: string) {
    setText(v);
    if (editing) return;
    drafts.set(roomId, v);
  }

  function send(e?: FormEvent) {
    e?.preventDefault();
    if (text.trim() === '') return;
    if (editing && editing.seq !== null) {
      if (text !== editing.body) void client.editMessage(roomId, editing.seq, text);
      onDone();
      return;
    }
    client.sendMessage(roomId, text, mode.kind === 'reply' ? mode.item.id : null);
    update('');
    if (mode.kind !== 'new') onDone();
    area.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter is a newline; never while an IME is composing a character.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    } else if (e.key === 'Escape' && mode.kind !== 'new') {
      e.preventDefault();
      onDone();
    }
  }

  return (
    <form className="composer-wrap" onSubmit={send}>
      {mode.kind !== 'new' && (
        <div className="compose-context" data-testid="compose-context">
          <span className="compose-context-text">
            {mode.kind === 'reply' ? (
              <>
                Replying to <strong>{mode.name}</strong>: {previewLine(mode.item.body, 60)}
              </>
            ) : (
              <>Editing message</>
            )}
          </span>
          <button type="button" className="btn btn-ghost btn-icon" aria-label="Cancel" data-testid="compose-cancel" onClick={onDone}>
            ×
          </button>
        </div>
      )}
      <div className="composer">
        <textarea
          ref={area}
          className="composer-input"
          data-testid="composer"
          aria-label={editing ? 'Edit message' : 'Message'}
          placeholder="Write a message…"
          rows={1}
          maxLength={4000}
          value={text}
          autoFocus
          onChange={(e) => {
            update(e.target.value);
            if (e.target.value !== '' && !editing) client.typing(roomId);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="btn btn-primary send" data-testid="send" disabled={text.trim() === ''} aria-label={editing ? 'Save' : 'Send'}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}
