ALTER TABLE messages
    DROP CONSTRAINT messages_forwarded_both,
    DROP COLUMN forwarded_from_at,
    DROP COLUMN forwarded_from_sender;
