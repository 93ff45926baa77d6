DROP FUNCTION sync_room_page(uuid, bigint, bigint, bigint, bigint);
ALTER TABLE outbox ALTER COLUMN payload TYPE jsonb USING payload::jsonb;
CREATE FUNCTION sync_room_page(room uuid, after_xid bigint, after_id bigint, below_xid bigint,
                               page bigint)
RETURNS TABLE (xid bigint, id bigint, payload jsonb)
LANGUAGE sql STABLE
SET enable_bitmapscan = off
AS $$
    SELECT o.xid, o.id, o.payload FROM outbox o
    WHERE o.room_id = room AND (o.xid, o.id) > (after_xid, after_id) AND o.xid < below_xid
    ORDER BY o.xid, o.id
    LIMIT page
$$;
