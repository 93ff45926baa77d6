import { describe, expect, it } from 'vitest';
import { roomFromPath, roomPath } from './local';

describe('room addresses', () => {
  const id = '01a24b02-0cd2-73d8-89ed-4817d81eee6c';
  it('reads a room from /rooms/<id> and nothing else', () => {
    expect(roomFromPath(`/rooms/${id}`)).toBe(id);
    expect(roomFromPath(`/rooms/${id}/`)).toBe(id);
    expect(roomFromPath(`/rooms/${id.toUpperCase()}`)).toBe(id);
    expect(roomFromPath('/')).toBeNull();
    expect(roomFromPath('/rooms/')).toBeNull();
    expect(roomFromPath(`/rooms/${id}/messages`)).toBeNull();
    expect(roomFromPath('/rooms/../api')).toBeNull();
  });
  it('writes the address of a room, and / for none', () => {
    expect(roomPath(id)).toBe(`/rooms/${id}`);
    expect(roomPath(null)).toBe('/');
  });
});
