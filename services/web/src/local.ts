// What the app keeps in the browser between page loads: unsent drafts per room (local storage,
// so they survive a reload and a closed tab, and are cleared at logout), the place each
// room was read at (session storage: one tab's reload, not another tab's), and settings that
// belong to this browser rather than to the account (local storage, kept across logouts).

const DRAFT = 'chat.draft.';
const PLACE = 'chat.place.';
const SETTING = 'chat.setting.';

// Whose drafts and places these are: keys carry the user's id, so on a shared browser one
// person never sees another's (a direct chat has the same room id for both of its people).
let owner = '';
export function setStorageOwner(userId: string): void {
  owner = `${userId}.`;
}

function storage(kind: 'local' | 'session'): Storage | null {
  try {
    return kind === 'local' ? window.localStorage : window.sessionStorage;
  } catch {
    // Storage switched off: nothing is kept, and nothing fails.
    return null;
  }
}

function keysWith(s: Storage, prefix: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k?.startsWith(prefix)) keys.push(k);
  }
  return keys;
}

export const drafts = {
  get(roomId: string): string {
    return storage('local')?.getItem(DRAFT + owner + roomId) ?? '';
  },
  set(roomId: string, text: string): void {
    const s = storage('local');
    try {
      if (text === '') s?.removeItem(DRAFT + owner + roomId);
      else s?.setItem(DRAFT + owner + roomId, text);
    } catch {
      // Over quota: the draft lives only in the composer.
    }
  },
  /** Forgets every draft of everyone (at logout and when a session ends). */
  clear(): void {
    const s = storage('local');
    if (s) for (const k of keysWith(s, DRAFT)) s.removeItem(k);
  },
};

/** The newest message seen in a room, so a reload opens the room where it was read. */
export const places = {
  get(roomId: string): number | null {
    const v = Number(storage('session')?.getItem(PLACE + owner + roomId) ?? NaN);
    return Number.isInteger(v) && v > 0 ? v : null;
  },
  set(roomId: string, seq: number): void {
    try {
      storage('session')?.setItem(PLACE + owner + roomId, String(seq));
    } catch {
      // Over quota: a reload opens at the newest message instead.
    }
  },
  clear(): void {
    const s = storage('session');
    if (s) for (const k of keysWith(s, PLACE)) s.removeItem(k);
  },
};

/**
 * Desktop notifications in this browser: off until the person turns them on (the browser asks
 * for permission then). Per browser, since permission is; per person, since one may want them
 * and the next one on the same computer not.
 */
export const desktopNotifications = {
  get(): boolean {
    return storage('local')?.getItem(`${SETTING}${owner}desktopNotifications`) === '1';
  },
  set(on: boolean): void {
    try {
      storage('local')?.setItem(`${SETTING}${owner}desktopNotifications`, on ? '1' : '0');
    } catch {
      // Over quota: not kept, so notifications stay as they were.
    }
  },
};

/** The room a path names: `/rooms/<id>`. */
export function roomFromPath(path: string): string | null {
  const m = /^\/rooms\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  return m ? m[1].toLowerCase() : null;
}

export const roomPath = (roomId: string | null) => (roomId ? `/rooms/${roomId}` : '/');
