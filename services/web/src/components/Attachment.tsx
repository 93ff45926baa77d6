import { useState } from 'react';
import { attachmentUrl, fitBox, formatSize, isImage, thumbnailUrl } from '../attachments';
import type { Attachment } from '../protocol';
import { ImageViewer } from './ImageViewer';

interface Props {
  roomId: string;
  /** The stored message that carries it. */
  seq: number;
  attachment: Attachment;
}

/**
 * A message's file: a picture as its thumbnail (a click opens it whole in the viewer), anything
 * else as a card with its name and size that downloads it. Both are the server's same-origin
 * URLs, which the CSP's `img-src 'self'` allows and the session's cookie opens.
 */
export function AttachmentView({ roomId, seq, attachment: a }: Props) {
  const [viewing, setViewing] = useState(false);
  // A thumbnail that cannot be loaded (the file just deleted, say) leaves the card.
  const [broken, setBroken] = useState(false);
  if (isImage(a) && !broken) {
    const box = fitBox(a.width, a.height);
    return (
      <>
        <button type="button" className="attachment-image" data-testid="attachment-open" aria-label={`Open ${a.name}`} title={a.name} onClick={() => setViewing(true)}>
          <img
            data-testid="attachment-image"
            src={thumbnailUrl(roomId, seq)}
            alt={a.name}
            width={box.width}
            height={box.height}
            loading="lazy"
            onError={() => setBroken(true)}
          />
        </button>
        {viewing && <ImageViewer src={attachmentUrl(roomId, seq)} name={a.name} onClose={() => setViewing(false)} />}
      </>
    );
  }
  return (
    <a className="attachment-file" data-testid="attachment-file" href={attachmentUrl(roomId, seq)} download={a.name} title={`Download ${a.name}`}>
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
