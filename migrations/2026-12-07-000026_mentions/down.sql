ALTER TABLE notification_digests DROP COLUMN mentioned;
DROP TRIGGER messages_mentions ON messages;
DROP FUNCTION message_mentions_add();
DROP TABLE message_mentions;
