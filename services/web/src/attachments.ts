// Files sent with messages, pure: which are shown as pictures, the box a picture is drawn in,
// and a size a person reads. No React, no network. Where the server serves them (short-lived
// links made for each reader) is links.ts's.

import type { Attachment } from './protocol';

/** The largest file a message carries (the server's default `ROOMS_ATTACHMENT_MAX_BYTES`). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** The types the server serves inline and thumbnails. */
export const INLINE_IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** The longest side of a thumbnail, and of a picture in the timeline. */
export const THUMB_SIDE = 320;

/** Shown as a picture (with its thumbnail and the viewer), not as a file card. */
export function isImage(a: Pick<Attachment, 'content_type' | 'thumbnail'>): boolean {
  return a.thumbnail === true && INLINE_IMAGE_TYPES.includes(a.content_type);
}

/**
 * The box a picture of `width` × `height` is drawn in: scaled down (never up) to fit `side` ×
 * `side`, at least 1 px. Unknown sides give a 4:3 box.
 */
export function fitBox(width: number | null | undefined, height: number | null | undefined, side = THUMB_SIDE): { width: number; height: number } {
  if (!width || !height || width <= 0 || height <= 0) return { width: side, height: Math.round((side * 3) / 4) };
  const scale = Math.min(1, side / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** "512 B", "12.3 KB", "1.2 MB", "3 GB" (powers of 1024, as the 20 MB limit is). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = bytes / 1024;
  let u = 0;
  // 1023.96 KB would round to "1024.0 KB": that is 1.0 MB.
  while (n >= 1023.95 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  const shown = n >= 100 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[u]}`;
}

/** What a preview says of a file: "🖼 Photo" for a picture, "📎 name" for anything else. */
export function attachmentLabel(a: Pick<Attachment, 'content_type' | 'thumbnail' | 'name'>): string {
  return isImage(a) ? '🖼 Photo' : `📎 ${a.name}`;
}

/**
 * A message's text as a preview says it with its file: the label alone for no text, else the
 * text after 🖼 or 📎; the text alone without a file.
 */
export function withAttachment(text: string, a: Pick<Attachment, 'content_type' | 'thumbnail' | 'name'> | null | undefined): string {
  if (!a) return text;
  if (text.trim() === '') return attachmentLabel(a);
  return `${isImage(a) ? '🖼' : '📎'} ${text}`;
}
