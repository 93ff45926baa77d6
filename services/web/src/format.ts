// Pure display helpers: names, previews, times. No React, no state.

import { withAttachment } from './attachments';
import { plainText } from './markdown';
import type { Attachment, RoomSummary, User } from './protocol';

export const SAVED_MESSAGES = 'Saved messages';

export function userName(u: User | undefined): string {
  if (!u) return '…';
  return u.display_name.trim() !== '' ? u.display_name : u.username;
}

export function roomTitle(room: Pick<RoomSummary, 'kind' | 'name' | 'peer_id'>, users: Record<string, User>): string {
  if (room.kind === 'saved') return SAVED_MESSAGES;
  if (room.kind === 'direct') {
    if (room.peer_id) return userName(users[room.peer_id]);
    return room.name ?? 'Direct chat';
  }
  return room.name && room.name.trim() !== '' ? room.name : 'Untitled room';
}

/** At most `max` characters, with "…" when cut; whole characters, so an emoji is never cut in half. */
export function clipText(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

export function firstLine(body: string, max = 80): string {
  return clipText(body.split('\n', 1)[0].trim(), max);
}

/**
 * A message body as a one-line preview: the first line of the text a reader sees, without the
 * Markdown markers, mentions as `@Name` of `users` (a body that reads as nothing, like a lone
 * "```", is shown as typed).
 */
export function previewLine(body: string, max = 80, users: Record<string, User> = {}): string {
  return firstLine(plainText(body, users) || body.trim(), max);
}

/**
 * A message as a one-line preview: its text (as `previewLine`), and for one that carries a file,
 * "🖼 Photo" or "📎 name" when it has no text, else the text after 🖼 or 📎.
 */
export function messagePreview(
  m: { body: string; attachment?: Attachment | null },
  max = 80,
  users: Record<string, User> = {},
): string {
  if (!m.attachment) return previewLine(m.body, max, users);
  return clipText(withAttachment(m.body.trim() === '' ? '' : previewLine(m.body, max, users), m.attachment), max);
}

export function roomPreview(
  room: RoomSummary,
  meId: string | null,
  users: Record<string, User>,
  blocked: Record<string, true> = {},
): string {
  const m = room.last_message;
  if (!m) return 'No messages yet';
  if (blocked[m.sender_id] && m.sender_id !== meId) return 'Message from someone you blocked';
  const text = m.deleted ? 'Message deleted' : messagePreview(m, 80, users);
  if (room.kind === 'saved') return text;
  if (m.sender_id === meId) return `You: ${text}`;
  if (room.kind === 'group' || room.kind === 'public') return `${userName(users[m.sender_id])}: ${text}`;
  return text;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:05" in local time. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The full local date and time, for a tooltip: "Sunday, 6 December 2026, 14:05". */
export function formatFullDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const date = d.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  return `${date}, ${formatTime(iso)}`;
}

/** "1 member", "3 members". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Time for today, weekday for the last week, else the date. */
export function formatShortDate(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  if (d.getTime() >= startOfToday) return formatTime(iso);
  if (d.getTime() >= startOfToday - 6 * 86_400_000) return d.toLocaleDateString(undefined, { weekday: 'short' });
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export function formatDay(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  if (d.getTime() >= startOfToday) return 'Today';
  if (d.getTime() >= startOfToday - 86_400_000) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0 || name === '…') return '?';
  const a = Array.from(parts[0])[0] ?? '';
  const b = parts.length > 1 ? (Array.from(parts[parts.length - 1])[0] ?? '') : '';
  return (a + b).toUpperCase();
}

/** One of 8 avatar colour classes, stable per id (CSS classes, so the CSP needs no inline style). */
export function avatarClass(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return `av-${Math.abs(h) % 8}`;
}

/** "last seen today at 14:05", "last seen Mon", … */
export function lastSeenText(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return 'offline';
  const short = formatShortDate(iso, now);
  const d = new Date(iso);
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  return d.getTime() >= startOfToday ? `last seen today at ${short}` : `last seen ${short}`;
}
