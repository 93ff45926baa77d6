// Files on their way into a room: each is one `POST /api/rooms/{id}/attachments` whose body is
// the file's bytes, sent with XMLHttpRequest (fetch reports no upload progress), and shown above
// the composer with its progress until the server answers with the message that carries it.
// A cancel aborts the request and forgets the file: nothing of it is merged. A file the server
// cannot take (over the size limit, or empty) is refused here, before any request.

import { apiErrorOf, FALLBACK_MESSAGES, type ApiError, type RefreshResult } from './api';
import { MAX_ATTACHMENT_BYTES, formatSize } from './attachments';
import type { Message } from './protocol';
import { uuid } from './uuid';

/** The part of XMLHttpRequest used here (tests put a fake in its place). */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  ontimeout: (() => void) | null;
}

/** A file as chosen, dropped or pasted (a `File`; tests pass a Blob with a name). */
export type FileLike = Blob & { readonly name: string };

export interface Upload {
  /** The `X-Client-Msg-Id` it is sent with: a retry sends the same, so it is stored once. */
  id: string;
  room_id: string;
  name: string;
  /** Its type as the browser says, '' when it does not know. */
  type: string;
  size: number;
  /** Sent with it as the message's text (mentions as tokens); may be ''. */
  caption: string;
  /** 0 to 100: how much of it has gone out. */
  percent: number;
  status: 'uploading' | 'failed';
  /** What went wrong, for a person to read: "cat.png: is not the image it claims to be". */
  error: string | null;
  /** Whether sending it again may work (the network, a busy server); not for a refused file. */
  retryable: boolean;
  file: FileLike;
}

export interface UploadsOptions {
  /** The stored message that carries a file: merged into its timeline as an ack is. */
  onUploaded: (m: Message) => void;
  /** Renews the session after a 401 (the REST client's shared refresh). */
  refresh: () => Promise<RefreshResult>;
  /** The session is over. */
  onUnauthorized: () => void;
  createXhr?: () => XhrLike;
  baseUrl?: string;
  newId?: () => string;
  maxBytes?: number;
}

/** Why a file is not even sent, or null when it may be. */
export function refusal(file: Pick<FileLike, 'name' | 'size'>, maxBytes = MAX_ATTACHMENT_BYTES): string | null {
  if (file.size > maxBytes) return `${file.name} is too large (${formatSize(file.size)}): files can be at most ${formatSize(maxBytes)}.`;
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

/** A failed upload's message for a person, and whether trying again may help. */
export function uploadError(name: string, e: ApiError, maxBytes = MAX_ATTACHMENT_BYTES): { error: string; retryable: boolean } {
  if (e.status === 413) return { error: `${name} is too large: files can be at most ${formatSize(maxBytes)}.`, retryable: false };
  if (e.fields.file) return { error: `${name}: ${e.fields.file}`, retryable: false };
  if (e.fields.caption) return { error: `${name}: the caption ${e.fields.caption}`, retryable: false };
  if (e.status === 0) return { error: `${name} was not sent: ${FALLBACK_MESSAGES[0]}`, retryable: true };
  if (e.status === 400) return { error: `${name}: the upload was cut off. Please try again.`, retryable: true };
  const retryable = e.status === 408 || e.status === 429 || e.status >= 500;
  return { error: `${name}: ${e.message}`, retryable };
}

const realXhr = (): XhrLike => new XMLHttpRequest() as unknown as XhrLike;

export class Uploads {
  private readonly o: UploadsOptions;
  private list: readonly Upload[] = [];
  /** upload id -> its request in flight. */
  private readonly inFlight = new Map<string, XhrLike>();
  private readonly listeners = new Set<() => void>();

  constructor(options: UploadsOptions) {
    this.o = options;
  }

  /** For `useSyncExternalStore`: a new array after every change, the same one otherwise. */
  readonly getSnapshot = (): readonly Upload[] => this.list;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private get maxBytes(): number {
    return this.o.maxBytes ?? MAX_ATTACHMENT_BYTES;
  }

  /**
   * Sends each file as a message of its own; `caption` goes with the first one that may be sent.
   * Answers whether the caption was used (no file could be sent: it was not).
   */
  addAll(roomId: string, files: readonly FileLike[], caption = ''): boolean {
    let used = caption === '';
    for (const file of files) {
      const ok = refusal(file, this.maxBytes) === null;
      this.add(roomId, file, ok && !used ? caption : '');
      if (ok) used = true;
    }
    return used && caption !== '';
  }

  /** Sends one file (or shows at once why it cannot be sent). */
  add(roomId: string, file: FileLike, caption = ''): Upload {
    const refused = refusal(file, this.maxBytes);
    const u: Upload = {
      id: (this.o.newId ?? uuid)(),
      room_id: roomId,
      name: file.name,
      type: file.type,
      size: file.size,
      caption,
      percent: 0,
      status: refused ? 'failed' : 'uploading',
      error: refused,
      retryable: false,
      file,
    };
    this.set([...this.list, u]);
    if (!refused) this.start(u, false);
    return u;
  }

  /** Stops sending a file (its request is aborted) and forgets it; nothing of it is merged. */
  cancel(id: string): void {
    const xhr = this.inFlight.get(id);
    this.inFlight.delete(id);
    xhr?.abort();
    if (this.list.some((u) => u.id === id)) this.set(this.list.filter((u) => u.id !== id));
  }

  /** Takes a failed one off the list. */
  dismiss(id: string): void {
    this.cancel(id);
  }

  /** Sends a failed one again, with the same id. */
  retry(id: string): void {
    const u = this.list.find((x) => x.id === id);
    if (!u || u.status !== 'failed' || !u.retryable) return;
    this.start(this.patch(id, { status: 'uploading', error: null, percent: 0 }) ?? u, false);
  }

  /** Aborts everything (logout). */
  clear(): void {
    for (const xhr of this.inFlight.values()) xhr.abort();
    this.inFlight.clear();
    if (this.list.length > 0) this.set([]);
  }

  private start(u: Upload, afterRefresh: boolean): void {
    const xhr = (this.o.createXhr ?? realXhr)();
    this.inFlight.set(u.id, xhr);
    const current = () => this.inFlight.get(u.id) === xhr;
    xhr.open('POST', `${this.o.baseUrl ?? ''}/api/rooms/${encodeURIComponent(u.room_id)}/attachments`);
    xhr.setRequestHeader('Content-Type', u.type !== '' ? u.type : 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-Request-Id', uuid());
    xhr.setRequestHeader('X-Filename', encodeURIComponent(u.name));
    xhr.setRequestHeader('X-Client-Msg-Id', u.id);
    if (u.caption !== '') xhr.setRequestHeader('X-Caption', encodeURIComponent(u.caption));
    xhr.upload.onprogress = (e) => {
      if (!current()) return;
      const total = e.lengthComputable && e.total > 0 ? e.total : u.size;
      const percent = total > 0 ? Math.min(100, Math.floor((e.loaded / total) * 100)) : 0;
      if (percent !== this.list.find((x) => x.id === u.id)?.percent) this.patch(u.id, { percent });
    };
    const lost = () => {
      if (!current()) return;
      this.inFlight.delete(u.id);
      this.failed(u.id, `${u.name} was not sent: ${FALLBACK_MESSAGES[0]}`, true);
    };
    xhr.onerror = lost;
    xhr.ontimeout = lost;
    xhr.onabort = null;
    xhr.onload = () => {
      if (!current()) return;
      this.inFlight.delete(u.id);
      void this.answered(u, xhr, afterRefresh);
    };
    xhr.send(u.file);
  }

  private async answered(u: Upload, xhr: XhrLike, afterRefresh: boolean): Promise<void> {
    const status = xhr.status;
    if (status === 200 || status === 201) {
      let m: Message;
      try {
        m = JSON.parse(xhr.responseText) as Message;
      } catch {
        this.failed(u.id, `${u.name}: the server's answer could not be read.`, true);
        return;
      }
      this.set(this.list.filter((x) => x.id !== u.id));
      this.o.onUploaded(m);
      return;
    }
    if (status === 401) {
      // As the REST client does: one refresh, then one more try (the same id: stored once).
      const r = afterRefresh ? 'unauthorized' : await this.o.refresh();
      if (!this.list.some((x) => x.id === u.id)) return; // cancelled meanwhile
      if (r === 'ok') {
        this.start(this.patch(u.id, { percent: 0 }) ?? u, true);
        return;
      }
      if (r === 'unauthorized') {
        this.failed(u.id, `${u.name} was not sent: your session has ended.`, false);
        this.o.onUnauthorized();
        return;
      }
      this.failed(u.id, `${u.name} was not sent: could not renew your session. Please try again.`, true);
      return;
    }
    let envelope: unknown = null;
    try {
      envelope = JSON.parse(xhr.responseText);
    } catch {
      envelope = null;
    }
    const { error, retryable } = uploadError(u.name, apiErrorOf(status, envelope, xhr.getResponseHeader('Retry-After')), this.maxBytes);
    this.failed(u.id, error, retryable);
  }

  private failed(id: string, error: string, retryable: boolean): void {
    this.patch(id, { status: 'failed', error, retryable });
  }

  private patch(id: string, change: Partial<Upload>): Upload | null {
    const i = this.list.findIndex((u) => u.id === id);
    if (i < 0) return null;
    const next = [...this.list];
    next[i] = { ...next[i], ...change };
    this.set(next);
    return next[i];
  }

  private set(list: readonly Upload[]): void {
    this.list = list;
    for (const l of [...this.listeners]) l();
  }
}
