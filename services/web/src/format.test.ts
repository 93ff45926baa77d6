import { describe, expect, it } from 'vitest';
import { avatarClass, firstLine, formatFullDate, initials, plural, roomPreview, roomTitle, typingText } from './format';
import { BOB, ME, msg, summary, user } from './testutil';

describe('format', () => {
  const users = { [BOB]: user(BOB, { display_name: 'Bob Stone' }), [ME]: user(ME) };

  it('names rooms by kind', () => {
    expect(roomTitle(summary('r', { kind: 'saved' }), users)).toBe('Saved messages');
    expect(roomTitle(summary('r', { kind: 'direct', peer_id: BOB }), users)).toBe('Bob Stone');
    expect(roomTitle(summary('r', { kind: 'direct', peer_id: 'u-unknown' }), users)).toBe('…');
    expect(roomTitle(summary('r', { kind: 'group', name: 'Team' }), users)).toBe('Team');
    expect(roomTitle(summary('r', { kind: 'group', name: null }), users)).toBe('Untitled room');
    expect(roomTitle(summary('r', { kind: 'direct', peer_id: BOB }), { [BOB]: user(BOB, { display_name: '' }) })).toBe('bob');
  });

  it('previews the last message', () => {
    expect(roomPreview(summary('r'), ME, users)).toBe('No messages yet');
    expect(roomPreview(summary('r', { last_message: msg(1, { sender_id: BOB, body: 'psst' }) }), ME, users, { [BOB]: true })).toBe(
      'Message from someone you blocked',
    );
    expect(roomPreview(summary('r', { last_message: msg(1, { body: 'hey\nthere' }) }), ME, users)).toBe('hey');
    expect(roomPreview(summary('r', { last_message: msg(1, { sender_id: ME, body: 'yo' }) }), ME, users)).toBe('You: yo');
    expect(roomPreview(summary('r', { kind: 'group', last_message: msg(1, { body: 'yo' }) }), ME, users)).toBe('Bob Stone: yo');
    expect(roomPreview(summary('r', { last_message: msg(1, { deleted: true }) }), ME, users)).toBe('Message deleted');
  });

  it('shortens long lines', () => {
    expect(firstLine('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('says who is typing', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Ann'])).toBe('Ann is typing…');
    expect(typingText(['Ann', 'Bob'])).toBe('Ann and Bob are typing…');
    expect(typingText(['A', 'B', 'C'])).toBe('3 people are typing…');
  });

  it('makes initials and stable avatar classes', () => {
    expect(initials('Bob Stone')).toBe('BS');
    expect(initials('alice')).toBe('A');
    expect(initials('  ')).toBe('?');
    expect(avatarClass('abc')).toBe(avatarClass('abc'));
    expect(avatarClass('abc')).toMatch(/^av-[0-7]$/);
  });
});

describe('plural and full dates', () => {
  it('says one member and two members', () => {
    expect(plural(1, 'member')).toBe('1 member');
    expect(plural(2, 'member')).toBe('2 members');
    expect(plural(0, 'person', 'people')).toBe('0 people');
  });
  it('gives the full date and time for a tooltip, and nothing for a bad date', () => {
    expect(formatFullDate('2026-12-06T14:05:00')).toMatch(/2026.*14:05$/);
    expect(formatFullDate('not a date')).toBe('');
  });
});
