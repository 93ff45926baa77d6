import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { createPortal } from 'react-dom';
import type { Attachment } from '../protocol';
import { downloadClick, useAttachmentLinks } from './useAttachmentLinks';

interface Props {
  roomId: string;
  /** The stored message whose picture it is. */
  seq: number;
  attachment: Attachment;
  onClose: () => void;
}

/**
 * A picture over the whole window: its name, a download link, closed by Escape, the close
 * button or a click beside the picture. Put in `document.body`, above everything, with the
 * focus on its close button (and back where it was after). The picture comes through a
 * short-lived link for this reader (links.ts): "Loading…" until it is had, and a fresh one asked
 * for once when it fails to load (an expired link answers 403).
 */
export function ImageViewer({ roomId, seq, attachment, onClose }: Props) {
  const name = attachment.name;
  const view = useAttachmentLinks(roomId, seq, attachment);
  const src = view.links?.url ?? null;
  const closeButton = useRef<HTMLButtonElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  const [loaded, setLoaded] = useState<string | null>(null);
  const state: 'loading' | 'loaded' | 'error' = view.failed ? 'error' : src !== null && loaded === src ? 'loaded' : 'loading';

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
        <a
          className="btn"
          href={src ?? undefined}
          aria-disabled={src === null ? 'true' : undefined}
          download={name}
          data-testid="viewer-download"
          onClick={downloadClick(view)}
        >
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
          src !== null && (
            <img
              className={`image-viewer-img${state === 'loaded' ? '' : ' pending'}`}
              data-testid="viewer-image"
              src={src}
              alt={name}
              onLoad={(e) => {
                setLoaded(e.currentTarget.getAttribute('src'));
                view.imageLoaded();
              }}
              onError={(e) => view.imageFailed(e.currentTarget.getAttribute('src') ?? '')}
            />
          )
        )}
      </div>
    </div>,
    document.body,
  );
}
