-- Owned by rooms.

-- The outbox is also the sync log: a row is marked published once RabbitMQ confirms it and
-- kept until it is older than the sync retention, so a client that reconnects can fetch what
-- it missed. `xid` is the writing transaction's id: a client's cursor is (xid, id), and sync
-- serves only rows of transactions older than every transaction still running, so a row that
-- commits late can never land behind a cursor already handed out.
ALTER TABLE outbox
    ADD COLUMN room_id UUID,
    -- The member a membership event is about, so it reaches them even once they are out.
    ADD COLUMN user_id UUID,
    ADD COLUMN xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    ADD COLUMN published_at TIMESTAMPTZ;
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_room_sync_idx ON outbox (room_id, xid, id);
CREATE INDEX outbox_user_sync_idx ON outbox (user_id, xid, id) WHERE user_id IS NOT NULL;
CREATE INDEX outbox_created_idx ON outbox (created_at);

-- Where pruning stopped: a cursor below it is too old to serve ("reset").
CREATE TABLE sync_horizon (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    xid BIGINT NOT NULL,
    id BIGINT NOT NULL
);
INSERT INTO sync_horizon (xid, id) VALUES (0, 0);

-- Full-text search over messages: whole words and prefixes (tsvector), and any part of a word
-- (trigrams). Public rooms are found by any part of their name or topic.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_fts_idx ON messages USING GIN (to_tsvector('simple', body))
    WHERE deleted_at IS NULL;
CREATE INDEX messages_trgm_idx ON messages USING GIN (body gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX rooms_public_search_idx ON rooms
    USING GIN ((coalesce(name, '') || ' ' || coalesce(topic, '')) gin_trgm_ops)
    WHERE kind = 'public' AND deleted_at IS NULL;
CREATE INDEX rooms_public_name_idx ON rooms (lower(name), id)
    WHERE kind = 'public' AND deleted_at IS NULL;
