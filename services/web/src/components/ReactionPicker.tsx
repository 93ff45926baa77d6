import { useRef, useState, type MouseEvent } from 'react';
import { EmojiPicker } from './EmojiPicker';

/** Where a message's reaction picker opens: under the message, or over it when the list has no room below. */
export type PickerPlace = 'above' | 'below';

/** The picker's height at most (styles.css: .emoji-picker max-height), with a margin. */
const PICKER_ROOM = 340;

function placeOf(row: Element | null): PickerPlace {
  if (!row) return 'below';
  const r = row.getBoundingClientRect();
  const view = row.closest('.message-list')?.getBoundingClientRect() ?? { top: 0, bottom: window.innerHeight };
  const below = view.bottom - r.bottom;
  return below >= PICKER_ROOM || below >= r.top - view.top ? 'below' : 'above';
}

/**
 * Whether a message's reaction picker is open (and where), and the props of the button that
 * toggles it. A mousedown outside the open picker closes it, on that very button too: the button
 * remembers the picker was open at the press, so its click leaves it closed instead of reopening it.
 */
export function useReactionPicker() {
  const [place, setPlace] = useState<PickerPlace | null>(null);
  const openAtPress = useRef<boolean | null>(null);
  return {
    place,
    close: () => setPlace(null),
    button: {
      'aria-expanded': place !== null,
      'aria-haspopup': 'dialog' as const,
      onMouseDown: () => {
        openAtPress.current = place !== null;
      },
      onClick: (e: MouseEvent<HTMLElement>) => {
        const wasOpen = openAtPress.current ?? place !== null;
        openAtPress.current = null;
        setPlace(wasOpen ? null : placeOf(e.currentTarget.closest('.message')));
      },
    },
  };
}

/** The emoji picker of one message, placed beside its bubble (inside the message row). */
export function ReactionPicker({ place, onPick, onClose }: { place: PickerPlace; onPick: (emoji: string) => void; onClose: () => void }) {
  return (
    <div className={`reaction-picker ${place}`} data-testid="reaction-picker">
      <EmojiPicker onPick={onPick} onClose={onClose} />
    </div>
  );
}
