-- One room's page of the sync log, read in index order and stopped at the limit.
--
-- Inside the sync query the planner estimated a room's rows after a cursor from the average
-- room (the room is a lateral parameter) and chose a bitmap scan, which reads every row after
-- the cursor and sorts them to keep the first page: a member of a busy room catching up on
-- 3,600 events read all 3,600 for the first page, 3,100 for the second, and so on (a 500-event
-- page of such a member cost 4.8-6.7 ms; in this function, which cannot use a bitmap scan,
-- 2.9-3.1 ms; a member of one quiet direct chat pays the same 0.4-0.6 ms either way). A SQL
-- function with a SET clause is not inlined, so the setting holds only for this statement.
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
