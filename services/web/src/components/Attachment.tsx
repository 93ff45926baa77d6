import { useState } from 'react';
import { fitBox, formatSize, isImage } from '../attachments';
import type { Attachment } from '../protocol';
import { ImageViewer } from './ImageViewer';
import { downloadClick, useAttachmentLinks } from './useAttachmentLinks';

interface Props {
  roomId: string;
  /** The stored message that carries it. */
  seq: number;
  attachment: Attachment;
}

/**
 * A message's file: a picture as its thumbnail (a click opens it whole in the viewer), anything
 * else as a card with its name and size that downloads it. Both through short-lived links made
 * for this reader (same origin, so the CSP's `img-src 'self'` allows them; links.ts): until they
 * are had, a picture is a placeholder of its size and the card waits; a picture whose link
 * failed (expired: 403) asks for a fresh one once.
 */
export function AttachmentView({ roomId, seq, attachment: a }: Props) {
  const [viewing, setViewing] = useState(false);
  const view = useAttachmentLinks(roomId, seq, a);
  const links = view.links;
  // A picture that cannot be loaded even so (the file just deleted, say) leaves the card.
  if (isImage(a) && !view.failed && (!links || links.thumbnailUrl)) {
    const box = fitBox(a.width, a.height);
    return (
      <>
        <button type="button" className="attachment-image" data-testid="attachment-open" aria-label={`Open ${a.name}`} title={a.name} onClick={() => setViewing(true)}>
          {links?.thumbnailUrl ? (
            <img
              data-testid="attachment-image"
              src={links.thumbnailUrl}
              alt={a.name}
              width={box.width}
              height={box.height}
              loading="lazy"
              onLoad={() => view.imageLoaded()}
              onError={(e) => view.imageFailed(e.currentTarget.getAttribute('src') ?? '')}
            />
          ) : (
            // Its box (as an SVG's attributes: no inline style under the CSP) until the link comes.
            <svg
              className="attachment-placeholder"
              data-testid="attachment-placeholder"
              role="img"
              aria-label={a.name}
              width={box.width}
              height={box.height}
              viewBox={`0 0 ${box.width} ${box.height}`}
            />
          )}
        </button>
        {viewing && <ImageViewer roomId={roomId} seq={seq} attachment={a} onClose={() => setViewing(false)} />}
      </>
    );
  }
  const state = links ? 'ready' : view.failed ? 'failed' : 'loading';
  return (
    <a
      className={`attachment-file ${state}`}
      data-testid="attachment-file"
      data-state={state}
      href={links?.url ?? undefined}
      aria-disabled={links ? undefined : 'true'}
      aria-busy={state === 'loading' ? 'true' : undefined}
      download={a.name}
      title={state === 'failed' ? `${a.name} cannot be downloaded now` : `Download ${a.name}`}
      onClick={downloadClick(view)}
    >
      <span className="attachment-icon" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
          <path d="M14 3H6.5A1.5 1.5 0 0 0 5 4.5v15A1.5 1.5 0 0 0 6.5 21h11a1.5 1.5 0 0 0 1.5-1.5V8z" />
          <path d="M14 3v5h5" />
          <path d="M12 11v6m-3-3 3 3 3-3" />
        </svg>
      </span>
      <span className="attachment-info">
        <span className="attachment-name" data-testid="attachment-name">
          {a.name}
        </span>
        <span className="attachment-size" data-testid="attachment-size">
          {formatSize(a.size)}
        </span>
      </span>
    </a>
  );
}
