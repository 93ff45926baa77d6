import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { formatSize, INLINE_IMAGE_TYPES } from '../attachments';
import { useClient } from '../context';
import type { FileLike, Upload } from '../uploads';

/** A local picture of a pending image, read as a `data:` URL (the CSP allows no `blob:` images). */
const PREVIEW_MAX_BYTES = 5 * 1024 * 1024;

function usePreview(file: FileLike, type: string): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!INLINE_IMAGE_TYPES.includes(type) || file.size > PREVIEW_MAX_BYTES || typeof FileReader === 'undefined') return;
    const reader = new FileReader();
    reader.onload = () => setUrl(typeof reader.result === 'string' ? reader.result : null);
    reader.readAsDataURL(file);
    return () => reader.abort();
  }, [file, type]);
  return url;
}

/** The files being sent to a room, above its composer: progress and cancel, or what went wrong. */
export function UploadList({ roomId }: { roomId: string }) {
  const uploads = useClient().uploads;
  const all = useSyncExternalStore(uploads.subscribe, uploads.getSnapshot, uploads.getSnapshot);
  const here = useMemo(() => all.filter((u) => u.room_id === roomId), [all, roomId]);
  if (here.length === 0) return null;
  return (
    <ul className="upload-list" data-testid="upload-list" aria-label="Files being sent">
      {here.map((u) => (
        <UploadItem key={u.id} upload={u} />
      ))}
    </ul>
  );
}

function UploadItem({ upload: u }: { upload: Upload }) {
  const uploads = useClient().uploads;
  const preview = usePreview(u.file, u.type);
  const [previewBroken, setPreviewBroken] = useState(false);
  const failed = u.status === 'failed';
  return (
    <li className={`upload${failed ? ' failed' : ''}`} data-testid="upload" data-status={u.status}>
      {preview && !previewBroken ? (
        <img className="upload-thumb" src={preview} alt="" onError={() => setPreviewBroken(true)} />
      ) : (
        <span className="upload-icon" aria-hidden="true">
          📎
        </span>
      )}
      <div className="upload-main">
        <div className="upload-title">
          <span className="upload-name" data-testid="upload-name" title={u.name}>
            {u.name}
          </span>
          <span className="upload-size">{formatSize(u.size)}</span>
        </div>
        {failed ? (
          <span className="upload-error" role="alert" data-testid="upload-error">
            {u.error}
          </span>
        ) : (
          <progress
            className="upload-progress"
            data-testid="upload-progress"
            role="progressbar"
            aria-label={`Sending ${u.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={u.percent}
            max={100}
            value={u.percent}
          />
        )}
      </div>
      {failed && u.retryable && (
        <button type="button" className="btn btn-link" data-testid="upload-retry" onClick={() => uploads.retry(u.id)}>
          Retry
        </button>
      )}
      {failed ? (
        <button type="button" className="btn btn-ghost btn-icon" data-testid="upload-dismiss" aria-label={`Dismiss ${u.name}`} onClick={() => uploads.dismiss(u.id)}>
          ×
        </button>
      ) : (
        <button type="button" className="btn btn-ghost btn-icon" data-testid="upload-cancel" aria-label={`Cancel sending ${u.name}`} onClick={() => uploads.cancel(u.id)}>
          ×
        </button>
      )}
    </li>
  );
}
