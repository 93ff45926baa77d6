-- The outbox's payload as `json` (the text, checked) instead of `jsonb`.
--
-- Nothing queries inside it on a hot path: the relay publishes it as it is, and sync serves it
-- as it is, to every member of a room, again after each reconnect. jsonb is stored parsed and
-- turned back into text on every read: in the fault harness's data that was 4.4 us a row
-- against 1.9 us for json, the largest part of a sync page's cost in PostgreSQL after the
-- index scan. The text is made once, when the row is written (the message functions still
-- build the event as jsonb, to set its seq; the assignment casts it), where the relay's read
-- used to make it. Rewriting a message in the log (`outbox::rewrite_message`) casts to jsonb
-- and back: edits and deletes are rare.
--
-- The ALTER rewrites the table and its indexes under an exclusive lock: the outbox holds the
-- sync log's retention (`ROOMS_SYNC_RETENTION_SECS`), so plan the migration for a quiet time on
-- a large deployment.
DROP FUNCTION sync_room_page(uuid, bigint, bigint, bigint, bigint);
ALTER TABLE outbox ALTER COLUMN payload TYPE json USING payload::json;
CREATE FUNCTION sync_room_page(room uuid, after_xid bigint, after_id bigint, below_xid bigint,
                               page bigint)
RETURNS TABLE (xid bigint, id bigint, payload json)
LANGUAGE sql STABLE
SET enable_bitmapscan = off
AS $$
    SELECT o.xid, o.id, o.payload FROM outbox o
    WHERE o.room_id = room AND (o.xid, o.id) > (after_xid, after_id) AND o.xid < below_xid
    ORDER BY o.xid, o.id
    LIMIT page
$$;
