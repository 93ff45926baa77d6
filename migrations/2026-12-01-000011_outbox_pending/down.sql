DROP TRIGGER outbox_pending_add ON outbox;
DROP FUNCTION outbox_pending_add();
ALTER TABLE outbox ADD COLUMN published_at TIMESTAMPTZ;
UPDATE outbox SET published_at = now() WHERE id NOT IN (SELECT id FROM outbox_pending);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
DROP TABLE outbox_pending;
