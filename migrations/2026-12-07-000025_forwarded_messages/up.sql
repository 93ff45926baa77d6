-- Forwarded messages: a copy of another message's text, sent by the forwarder, shown as
-- forwarded with who wrote it first and when. Both set together or neither. Adding nullable
-- columns without a default rewrites nothing; a forward sets them in the transaction that
-- stores it (its own update of the row it just wrote).
ALTER TABLE messages
    ADD COLUMN forwarded_from_sender UUID,
    ADD COLUMN forwarded_from_at TIMESTAMPTZ,
    ADD CONSTRAINT messages_forwarded_both
        CHECK ((forwarded_from_sender IS NULL) = (forwarded_from_at IS NULL));
