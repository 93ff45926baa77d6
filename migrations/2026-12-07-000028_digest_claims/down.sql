ALTER TABLE notification_digests DROP COLUMN mention_seq, DROP COLUMN claimed_until;
