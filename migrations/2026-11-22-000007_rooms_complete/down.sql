DROP INDEX rooms_public_name_idx;
DROP INDEX rooms_public_search_idx;
DROP INDEX messages_trgm_idx;
DROP INDEX messages_fts_idx;
DROP TABLE sync_horizon;
DROP INDEX outbox_created_idx;
DROP INDEX outbox_user_sync_idx;
DROP INDEX outbox_room_sync_idx;
DROP INDEX outbox_unpublished_idx;
ALTER TABLE outbox DROP COLUMN published_at, DROP COLUMN xid, DROP COLUMN user_id,
    DROP COLUMN room_id;
