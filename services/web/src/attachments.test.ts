import { describe, expect, it } from 'vitest';
import { attachmentLabel, fitBox, formatSize, isImage, withAttachment } from './attachments';
import { messagePreview, roomPreview } from './format';
import { notificationFor } from './notify';
import type { Attachment } from './protocol';
import { createStore, timelineItems } from './store';
import { BOB, ME, ROOM, msg, summary, user } from './testutil';

const photo: Attachment = { id: 'a-1', name: 'beach.jpg', content_type: 'image/jpeg', size: 250_000, width: 1600, height: 1200, thumbnail: true };
const doc: Attachment = { id: 'a-2', name: 'report Q3.pdf', content_type: 'application/pdf', size: 1_300_000, thumbnail: false };

describe('formatSize', () => {
  it('says bytes, KB, MB and GB in powers of 1024, one decimal below 100', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1 KB');
    expect(formatSize(12_595)).toBe('12.3 KB');
    expect(formatSize(150 * 1024)).toBe('150 KB');
    expect(formatSize(1024 * 1024 - 1)).toBe('1 MB');
    expect(formatSize(1_258_291)).toBe('1.2 MB');
    expect(formatSize(20 * 1024 * 1024)).toBe('20 MB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3 GB');
  });
  it('says nothing for a size that is none', () => {
    expect(formatSize(-1)).toBe('');
    expect(formatSize(Number.NaN)).toBe('');
  });
});

describe('attachments', () => {
  it('shows the four inline image types with a thumbnail as pictures, anything else as a file', () => {
    expect(isImage(photo)).toBe(true);
    for (const t of ['image/png', 'image/gif', 'image/webp']) expect(isImage({ content_type: t, thumbnail: true })).toBe(true);
    expect(isImage({ content_type: 'image/png', thumbnail: false })).toBe(false);
    expect(isImage({ content_type: 'image/svg+xml', thumbnail: true })).toBe(false);
    expect(isImage(doc)).toBe(false);
  });

  it('fit a picture in 320 px, never enlarging a small one', () => {
    expect(fitBox(1600, 1200)).toEqual({ width: 320, height: 240 });
    expect(fitBox(600, 2400)).toEqual({ width: 80, height: 320 });
    expect(fitBox(64, 48)).toEqual({ width: 64, height: 48 });
    expect(fitBox(5000, 1)).toEqual({ width: 320, height: 1 });
    expect(fitBox(null, undefined)).toEqual({ width: 320, height: 240 });
  });

  it('are labelled in previews as a photo or by name, before any caption', () => {
    expect(attachmentLabel(photo)).toBe('🖼 Photo');
    expect(attachmentLabel(doc)).toBe('📎 report Q3.pdf');
    expect(withAttachment('', doc)).toBe('📎 report Q3.pdf');
    expect(withAttachment('  ', photo)).toBe('🖼 Photo');
    expect(withAttachment('sunset', photo)).toBe('🖼 sunset');
    expect(withAttachment('read this', doc)).toBe('📎 read this');
    expect(withAttachment('plain', null)).toBe('plain');
  });
});

describe('previews of messages with a file', () => {
  const users = { [BOB]: user(BOB, { display_name: 'Bob Stone' }), [ME]: user(ME) };

  it('say "🖼 Photo" or "📎 name" without a caption, and the caption as read after the icon', () => {
    expect(messagePreview(msg(1, { body: '', attachment: photo }))).toBe('🖼 Photo');
    expect(messagePreview(msg(1, { body: '', attachment: doc }))).toBe('📎 report Q3.pdf');
    expect(messagePreview(msg(1, { body: '**look**\nmore', attachment: photo }))).toBe('🖼 look');
    expect(messagePreview(msg(1, { body: '', attachment: { ...doc, name: 'x'.repeat(100) } }), 20)).toBe(`📎 ${'x'.repeat(17)}…`);
    expect(messagePreview(msg(1, { body: 'no file' }))).toBe('no file');
  });

  it('in the room list, with who sent it; a deleted one is only deleted', () => {
    expect(roomPreview(summary('r', { last_message: msg(1, { body: '', attachment: photo }) }), ME, users)).toBe('🖼 Photo');
    expect(roomPreview(summary('r', { last_message: msg(1, { sender_id: ME, body: '', attachment: doc }) }), ME, users)).toBe('You: 📎 report Q3.pdf');
    expect(roomPreview(summary('r', { kind: 'group', last_message: msg(1, { body: '', attachment: doc }) }), ME, users)).toBe('Bob Stone: 📎 report Q3.pdf');
    expect(roomPreview(summary('r', { last_message: msg(1, { body: '', deleted: true, attachment: null }) }), ME, users)).toBe('Message deleted');
  });

  it('in a desktop notification', () => {
    expect(notificationFor(msg(1, { body: '', attachment: photo }), summary(ROOM), users).body).toBe('Bob Stone: 🖼 Photo');
    expect(notificationFor(msg(1, { body: 'the *numbers*', attachment: doc }), summary(ROOM), users).body).toBe('Bob Stone: 📎 the numbers');
  });

  it('go with the message when it is deleted: from the timeline and from the room list', () => {
    const store = createStore();
    store.dispatch({ type: 'me', user: user(ME) });
    const m = msg(3, { body: '', attachment: doc });
    store.dispatch({ type: 'rooms_loaded', rooms: [summary(ROOM, { last_seq: 3, last_message: m })] });
    store.dispatch({ type: 'messages_loaded', room_id: ROOM, messages: [msg(2), m], direction: 'latest', has_more: false });
    expect(timelineItems(store.getState().timelines[ROOM])[1].attachment).toEqual(doc);
    store.dispatch({ type: 'message_deleted', room_id: ROOM, seq: 3 });
    const item = timelineItems(store.getState().timelines[ROOM])[1];
    expect(item).toMatchObject({ deleted: true, attachment: null });
    expect(store.getState().rooms[0].last_message?.attachment ?? null).toBeNull();
    expect(roomPreview(store.getState().rooms[0], ME, users)).toBe('Message deleted');
  });
});
