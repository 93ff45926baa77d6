import { useEffect, useRef, useState } from 'react';
import { QUICK, emojiName, searchEmoji } from '../emoji';
import { SearchInput } from './SearchInput';

/**
 * A small popover to pick a reaction: a search box, the quick row while the query is empty, and a
 * grid of matches. Escape or a mousedown outside closes it; picking calls onPick, then onClose.
 * The caller positions it (it is absolutely positioned inside the nearest positioned ancestor).
 */
export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  });

  useEffect(() => {
    input.current?.focus();
    const down = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) closeRef.current();
    };
    // Escape while the focus is elsewhere; inside, the popover's own handler takes it first.
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeRef.current();
    };
    document.addEventListener('mousedown', down);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('mousedown', down);
      document.removeEventListener('keydown', key);
    };
  }, []);

  const pick = (e: string) => {
    onPick(e);
    onClose();
  };
  const found = searchEmoji(query);
  const option = (e: string, name: string, testId: string) => (
    <button key={e} type="button" data-testid={testId} aria-label={name} title={name} className="emoji" onClick={() => pick(e)}>
      {e}
    </button>
  );

  return (
    <div
      ref={box}
      className="emoji-picker"
      role="dialog"
      aria-label="Choose a reaction"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        } else if (e.key === 'Enter' && e.target === input.current && found.length > 0) {
          e.preventDefault();
          pick(found[0].e);
        }
      }}
    >
      <SearchInput label="Search emoji" placeholder="Search emoji" testId="emoji-search" value={query} onChange={setQuery} inputRef={input} />
      {query.trim() === '' && (
        <div className="emoji-quick" role="group" aria-label="Frequently used">
          {QUICK.map((e) => option(e, emojiName(e), 'emoji-quick'))}
        </div>
      )}
      {found.length === 0 ? (
        <p className="emoji-empty">No emoji found</p>
      ) : (
        <div className="emoji-grid" role="group" aria-label={query.trim() === '' ? 'All emoji' : 'Matching emoji'}>
          {found.map((x) => option(x.e, x.n, 'emoji-option'))}
        </div>
      )}
    </div>
  );
}
