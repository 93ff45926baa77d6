-- Pinned messages: a room's owners and admins (anyone in a direct chat or "Saved messages")
-- pin messages, shown in a bar above the room's history. A message that is deleted is
-- unpinned in its own transaction; a room's hard delete cascades.
CREATE TABLE pinned_messages (
    room_id UUID NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    message_id UUID NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    pinned_by UUID NOT NULL,
    pinned_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (room_id, message_id)
);

-- A message is pinned in its own room only; also the index of the message's foreign key.
CREATE UNIQUE INDEX pinned_messages_message_idx ON pinned_messages (message_id);
