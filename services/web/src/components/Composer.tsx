import { useEffect, useId, useMemo, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import { useChat, useChatContext, useClient } from '../context';
import { messagePreview, plural } from '../format';
import { drafts } from '../local';
import {
  canMentionEveryone,
  confirmEveryone,
  fromTokens,
  insertMention,
  mentionedIds,
  mentionOptions,
  mentionQuery,
  toTokens,
  type MentionMember,
  type MentionOption,
} from '../mentions';
import type { RoomMember, User } from '../protocol';
import type { TimelineItem } from '../store';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';
import { UploadList } from './UploadList';

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

const NO_MEMBERS: RoomMember[] = [];

export function Composer({ roomId, mode, onDone }: Props) {
  const client = useClient();
  const { store } = useChatContext();
  const [text, setText] = useState(() => drafts.get(roomId));
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const editing = mode.kind === 'edit' ? mode.item : null;
  const members = useChat((s) => s.members[roomId]) ?? NO_MEMBERS;
  const users = useChat((s) => s.users);
  const meId = useChat((s) => s.me?.id ?? null);
  const role = useChat((s) => s.rooms.find((r) => r.id === roomId)?.my_role);
  const memberCount = useChat((s) => s.rooms.find((r) => r.id === roomId)?.member_count ?? 0);
  const canAll = canMentionEveryone(role);
  // The room's members with their names: whom `@` offers and `@username` turns into a mention.
  const candidates = useMemo(() => members.map((m) => users[m.user_id]).filter((u): u is User => u !== undefined), [members, users]);
  useEffect(() => {
    for (const m of members) if (!users[m.user_id]) void client.ensureUser(m.user_id);
  }, [client, members, users]);

  // The `@word` at the caret: -1 while the box has no focus (no list then).
  const [caret, setCaret] = useState(-1);
  const [active, setActive] = useState(0);
  // The `@` whose list Escape closed: it stays closed until another `@` is typed.
  const [dismissed, setDismissed] = useState<number | null>(null);
  // Where the caret goes once the text of a pick is on screen.
  const placeCaret = useRef<number | null>(null);
  // A message that mentions everyone in a large room, waiting to be confirmed.
  const [confirming, setConfirming] = useState<string | null>(null);
  const listId = useId();

  const query = mentionQuery(text, caret);
  const options = query && query.start !== dismissed ? mentionOptions(candidates, query.query, canAll, meId) : [];
  const open = options.length > 0;
  const activeIndex = Math.min(active, options.length - 1);

  // Editing puts the message's text in the box (mentions as `@username`); leaving edit mode
  // restores the draft.
  useEffect(() => {
    setText(editing ? fromTokens(editing.body, store.getState().users) : drafts.get(roomId));
    area.current?.focus();
  }, [editing, roomId, store]);

  useEffect(() => {
    if (mode.kind === 'reply') area.current?.focus();
  }, [mode]);

  useEffect(() => {
    const at = placeCaret.current;
    if (at === null || !area.current) return;
    placeCaret.current = null;
    area.current.focus();
    area.current.setSelectionRange(at, at);
  }, [text]);

  function update(v: string) {
    setText(v);
    if (editing) return;
    drafts.set(roomId, v);
  }

  /** The members whose `@username` becomes a mention; when editing, also those the message mentioned. */
  function mentionable(): MentionMember[] {
    const list: MentionMember[] = [...candidates];
    if (editing) {
      for (const id of mentionedIds(editing.body)) {
        const u = users[id];
        if (u && !list.some((m) => m.id === id)) list.push(u);
      }
    }
    return list;
  }

  function send(e?: FormEvent) {
    e?.preventDefault();
    if (text.trim() === '') return;
    const body = toTokens(text, mentionable(), canAll);
    if (editing && editing.seq !== null) {
      if (body !== editing.body) void client.editMessage(roomId, editing.seq, body);
      onDone();
      return;
    }
    // Everyone in a large room is many people to ring: asked first.
    if (confirmEveryone(body, canAll, memberCount)) {
      setConfirming(body);
      return;
    }
    deliver(body);
  }

  function deliver(body: string) {
    client.sendMessage(roomId, body, mode.kind === 'reply' ? mode.item.id : null);
    update('');
    setCaret(0);
    if (mode.kind !== 'new') onDone();
    area.current?.focus();
  }

  /**
   * Sends files, each as a message; the text in the box goes with the first as its caption (and
   * leaves the box), unless it is an edit or `@room` that would need confirming first.
   */
  function attach(files: File[]) {
    if (files.length === 0) return;
    let caption = '';
    if (!editing && text.trim() !== '') {
      const body = toTokens(text, mentionable(), canAll);
      if (!confirmEveryone(body, canAll, memberCount)) caption = body;
    }
    if (client.uploads.addAll(roomId, files, caption)) {
      update('');
      setCaret(0);
    }
    area.current?.focus();
  }

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const files = Array.from(e.clipboardData.files);
    if (files.length === 0 || editing) return;
    e.preventDefault();
    attach(files);
  }

  function pick(o: MentionOption) {
    if (!query) return;
    const next = insertMention(text, query, caret, o.username);
    placeCaret.current = next.caret;
    setCaret(next.caret);
    setActive(0);
    update(next.text);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    const composing = e.nativeEvent.isComposing;
    if (open && !composing) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setActive((activeIndex + step + options.length) % options.length);
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        pick(options[activeIndex]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setDismissed(query?.start ?? null);
        return;
      }
    }
    // Enter sends, Shift+Enter is a newline; never while an IME is composing a character.
    if (e.key === 'Enter' && !e.shiftKey && !composing) {
      e.preventDefault();
      send();
    } else if (e.key === 'Escape' && mode.kind !== 'new') {
      e.preventDefault();
      onDone();
    }
  }

  const optionId = (i: number) => `${listId}-${i}`;

  return (
    <>
      <form className="composer-wrap" onSubmit={send}>
        {mode.kind !== 'new' && (
          <div className="compose-context" data-testid="compose-context">
            <span className="compose-context-text">
              {mode.kind === 'reply' ? (
                <>
                  Replying to <strong>{mode.name}</strong>: {messagePreview(mode.item, 60, users)}
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
        {open && (
          <ul className="mention-list" id={listId} role="listbox" aria-label="Mention someone" data-testid="mention-list">
            {options.map((o, i) => (
              <li
                key={o.id ?? o.username}
                id={optionId(i)}
                role="option"
                aria-selected={i === activeIndex}
                className={`mention-option${i === activeIndex ? ' active' : ''}`}
                data-testid="mention-option"
                data-username={o.username}
                // The box keeps the focus (and its caret) while an option is clicked.
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => pick(o)}
              >
                {o.id ? <Avatar id={o.id} name={o.label} /> : <span className="mention-everyone-icon" aria-hidden="true">@</span>}
                <span className="mention-option-name">{o.label}</span>
                <span className="mention-option-username">@{o.username}</span>
              </li>
            ))}
          </ul>
        )}
        <UploadList roomId={roomId} />
        <div className="composer">
          <button
            type="button"
            className="btn btn-ghost btn-icon attach"
            data-testid="attach"
            aria-label="Attach files"
            title="Attach files (up to 20 MB each)"
            disabled={editing !== null}
            onClick={() => fileInput.current?.click()}
          >
            <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
              <path d="M21 11.5 12.4 20a5.5 5.5 0 0 1-7.8-7.8l8.9-8.8a3.7 3.7 0 0 1 5.2 5.2l-8.9 8.8a1.8 1.8 0 0 1-2.6-2.6l8.2-8.1" />
            </svg>
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            data-testid="file-input"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              // Cleared, so the same file can be chosen again.
              e.target.value = '';
              attach(files);
            }}
          />
          <textarea
            ref={area}
            className="composer-input"
            data-testid="composer"
            aria-label={editing ? 'Edit message' : 'Message'}
            aria-autocomplete="list"
            aria-controls={open ? listId : undefined}
            aria-activedescendant={open ? optionId(activeIndex) : undefined}
            placeholder="Write a message…"
            rows={1}
            maxLength={4000}
            value={text}
            autoFocus
            onChange={(e) => {
              update(e.target.value);
              setCaret(e.target.selectionStart);
              setActive(0);
              // An `@` closed with Escape stays closed while its word is typed on, not once it is gone.
              if (mentionQuery(e.target.value, e.target.selectionStart)?.start !== dismissed) setDismissed(null);
              if (e.target.value !== '' && !editing) client.typing(roomId);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
            onBlur={() => setCaret(-1)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
          />
          <button type="submit" className="btn btn-primary send" data-testid="send" disabled={text.trim() === ''} aria-label={editing ? 'Save' : 'Send'}>
            {editing ? 'Save' : 'Send'}
          </button>
        </div>
      </form>
      {confirming !== null && (
        <Dialog title="Notify everyone?" onClose={() => setConfirming(null)} testId="confirm-everyone">
          <p className="confirm-text">
            <strong>@room</strong> notifies all {plural(memberCount, 'member')} of this room, even those who muted it.
          </p>
          <div className="confirm-actions">
            <button type="button" className="btn" data-testid="confirm-everyone-cancel" onClick={() => setConfirming(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-primary"
              data-testid="confirm-everyone-ok"
              onClick={() => {
                const body = confirming;
                setConfirming(null);
                deliver(body);
              }}
            >
              Send to everyone
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
