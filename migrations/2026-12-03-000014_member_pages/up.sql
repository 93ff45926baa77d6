-- Member lists are read a page at a time, oldest member first (GET /api/rooms/{id}/members and
-- the first page embedded in a room): this index serves each page without sorting the room.
CREATE INDEX room_members_joined_idx ON room_members (room_id, joined_at, user_id);
