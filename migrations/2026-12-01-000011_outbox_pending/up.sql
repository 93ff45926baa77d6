-- What the relay has still to publish, apart from the sync log itself. Marking a published
-- row by updating `outbox.published_at` wrote a new version of the row with an entry in each
-- of the outbox's five indexes (the column is in a partial index's predicate, so the update
-- could never be HOT), once per event. Now a send adds its event's id here (one small index)
-- and the relay deletes it once the broker confirmed; the outbox row is never updated.
CREATE TABLE outbox_pending (
    id BIGINT PRIMARY KEY
);
INSERT INTO outbox_pending (id) SELECT id FROM outbox WHERE published_at IS NULL;
DROP INDEX outbox_unpublished_idx;
ALTER TABLE outbox DROP COLUMN published_at;

-- Every event is pending from the moment it is written, whoever writes it.
CREATE FUNCTION outbox_pending_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_pending (id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_pending_add AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_pending_add();

-- A queue table: every row is deleted soon after it is inserted, so dead rows pile up at the
-- front of its index, which the relay walks on every batch. Vacuum it after every thousand
-- changes, not after a fifth of the table, and without the cost pauses.
ALTER TABLE outbox_pending SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);
