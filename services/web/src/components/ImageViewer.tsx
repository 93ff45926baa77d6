import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { createPortal } from 'react-dom';

interface Props {
  /** The full picture (the server's same-origin URL). */
  src: string;
  name: string;
  onClose: () => void;
}

/**
 * A picture over the whole window: its name, a download link, closed by Escape, the close
 * button or a click beside the picture. Put in `document.body`, above everything, with the
 * focus on its close button (and back where it was after).
 */
export function ImageViewer({ src, name, onClose }: Props) {
  const closeButton = useRef<HTMLButtonElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  const [state, setState] = useState<'loading' | 'loaded' | 'error'>('loading');

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeButton.current?.focus();
    // Caught first, so the composer or a dialog below does not also take this Escape.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      close.current();
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      before?.focus?.();
    };
  }, []);

  // A click on the picture itself or on the bar keeps it open; anywhere else closes it.
  const outside = (e: MouseEvent) => {
    e.stopPropagation();
    if (e.target === e.currentTarget) onClose();
  };

  return createPortal(
    <div className="image-viewer" role="dialog" aria-modal="true" aria-label={name} data-testid="image-viewer" data-state={state} onClick={outside}>
      <div className="image-viewer-bar">
        <span className="image-viewer-name" data-testid="viewer-name" title={name}>
          {name}
        </span>
        <a className="btn" href={src} download={name} data-testid="viewer-download">
          Download
        </a>
        <button ref={closeButton} type="button" className="btn btn-icon image-viewer-close" aria-label="Close" data-testid="viewer-close" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="image-viewer-stage" onClick={outside}>
        {state === 'loading' && <span className="image-viewer-note">Loading…</span>}
        {state === 'error' ? (
          <span className="image-viewer-note" role="alert">
            The picture could not be loaded.
          </span>
        ) : (
          <img
            className={`image-viewer-img${state === 'loaded' ? '' : ' pending'}`}
            data-testid="viewer-image"
            src={src}
            alt={name}
            onLoad={() => setState('loaded')}
            onError={() => setState('error')}
          />
        )}
      </div>
    </div>,
    document.body,
  );
}
