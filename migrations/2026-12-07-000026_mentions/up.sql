-- Mentions: who a message mentions, for their unread-mention counts and their notifications.
--
-- A message's text names people as `<@USER-ID>` and everyone as `<@room>` (only an owner's or
-- an admin's counts: rooms refuses it from others). The rows are written by a trigger in the
-- statement that stores the message, so every way of storing one (a send, a batch, a forward)
-- records them with it; the trigger runs only for a text that holds `<@`, so a message without
-- mentions costs nothing more. Only members other than the sender are recorded, and not those
-- who blocked the sender (they are not shown the message). A deleted message loses its rows;
-- an edit adds none (nobody is notified twice of one message).
CREATE TABLE message_mentions (
    message_id UUID NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id UUID NOT NULL,
    room_id UUID NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
-- My unread mentions in a room: those past my read watermark.
CREATE INDEX message_mentions_unread_idx ON message_mentions (user_id, room_id, seq);

CREATE FUNCTION message_mentions_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_mentions (message_id, user_id, room_id, seq)
    SELECT NEW.id, rm.user_id, NEW.room_id, NEW.seq
    FROM room_members rm
    WHERE rm.room_id = NEW.room_id
      AND rm.user_id <> NEW.sender_id
      AND (rm.user_id IN (
               SELECT m[1]::uuid
               FROM regexp_matches(NEW.body,
                   '<@([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})>',
                   'g') AS m)
           OR (strpos(NEW.body, '<@room>') > 0 AND EXISTS (
               SELECT 1 FROM room_members s
               WHERE s.room_id = NEW.room_id AND s.user_id = NEW.sender_id
                 AND s.role IN ('owner', 'admin'))))
      AND NOT EXISTS (
          SELECT 1 FROM user_blocks b
          WHERE b.blocker_id = rm.user_id AND b.blocked_id = NEW.sender_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_mentions AFTER INSERT ON messages
    FOR EACH ROW WHEN (strpos(NEW.body, '<@') > 0)
    EXECUTE FUNCTION message_mentions_add();

-- A digest that holds a mention is sent at once, and even from a muted room.
ALTER TABLE notification_digests ADD COLUMN mentioned BOOLEAN NOT NULL DEFAULT false;
