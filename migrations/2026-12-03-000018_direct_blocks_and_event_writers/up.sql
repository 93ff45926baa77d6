-- Two changes to the message path.
--
-- 1. Sync waits only for transactions that may write sync events. Sync serves outbox rows of
--    transactions older than every one still running that could commit rows below a cursor
--    already handed out (sync_safe_xid, 000015 and 000017). "Could" was "any transaction with
--    an xid younger than three commit deadlines", so an unrelated long transaction (a bulk
--    DELETE, a pg_dump, a migration, a session left open in psql) still held every client's
--    sync back for up to 15 s. Now a transaction that writes sync events says so before it
--    takes an xid, by calling outbox_writer(): a shared advisory lock (visible to every
--    session at once, unlike a row it inserts) and a transaction-local flag. A trigger refuses
--    outbox rows from any transaction without the flag, and sync_safe_xid waits only for
--    running xids whose transaction holds the lock, or that it cannot see in pg_locks (one
--    that just ended, say): never too far. A writer is still bound by the commit deadline.
--
-- 2. A block closes the direct chat between the two (000016 only kept a new one from being
--    opened): store_message stores nothing in a direct chat where either member blocked the
--    other, and the rooms service answers such a send 403.

-- 3. The commit deadline's default goes from 5 s to 30 s. It bounds how long sync waits for a
--    writer (three deadlines at most), and now that sync waits for declared writers only, what
--    it bounds is a writer that hangs, which none of ours does. At 5 s it refused sends that had
--    only waited in line for a busy room's row lock on a loaded machine (100 concurrent sends
--    to one room, the last ones past 5 s): a 503 for nothing.
CREATE OR REPLACE FUNCTION sync_commit_deadline() RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('chat.sync_commit_deadline', true), ''), '30 s')::interval
$$;

-- The writer lock's two keys: "chat" in ASCII, then 1.
CREATE FUNCTION outbox_writer() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('chat.outbox_writer', true) = 'on' THEN
        RETURN;
    END IF;
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'outbox_writer() must be called before the transaction writes anything'
            USING ERRCODE = '55000';
    END IF;
    PERFORM pg_advisory_xact_lock_shared(1667785076, 1);
    PERFORM set_config('chat.outbox_writer', 'on', true);
END
$$;

CREATE FUNCTION outbox_writer_declared() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('chat.outbox_writer', true), '') <> 'on' THEN
        RAISE EXCEPTION 'sync events are written only by a transaction that called outbox_writer() first'
            USING ERRCODE = '55000';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_writer_declared
    BEFORE INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_writer_declared();

CREATE OR REPLACE FUNCTION sync_safe_xid() RETURNS bigint
LANGUAGE sql STABLE AS $$
    WITH snap AS MATERIALIZED (
        SELECT pg_current_snapshot() AS s,
               clock_timestamp() - 3 * sync_commit_deadline() AS old_before),
    running AS MATERIALIZED (
        SELECT x::text::bigint AS xid FROM snap, pg_snapshot_xip(snap.s) AS x),
    -- Read after the snapshot: a writer in it took the writer lock before its xid, and holds
    -- both until it ends.
    locks AS MATERIALIZED (
        SELECT l.locktype, l.transactionid, l.virtualtransaction
        FROM pg_locks l
        WHERE l.granted AND EXISTS (SELECT 1 FROM running)
          AND ((l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock')
               OR (l.locktype = 'advisory' AND l.classid = 1667785076 AND l.objid = 1
                   AND l.objsubid = 2))),
    -- Running xids seen to belong to a transaction that is no writer.
    bystanders AS MATERIALIZED (
        SELECT t.transactionid::text::bigint AS xid FROM locks t
        WHERE t.locktype = 'transactionid'
          AND NOT EXISTS (SELECT 1 FROM locks w
                          WHERE w.locktype = 'advisory'
                            AND w.virtualtransaction = t.virtualtransaction)),
    waited AS MATERIALIZED (
        SELECT r.xid FROM running r
        WHERE (r.xid % 4294967296) NOT IN (SELECT xid FROM bystanders)),
    -- Writers too old to commit outbox rows any more (the commit deadline, 000015).
    old AS MATERIALIZED (
        SELECT a.backend_xid::text::bigint AS xid
        FROM snap, pg_stat_get_activity(NULL) AS a
        WHERE a.backend_xid IS NOT NULL AND a.xact_start < snap.old_before
          AND EXISTS (SELECT 1 FROM waited))
    SELECT coalesce(
        (SELECT min(w.xid) FROM waited w
         WHERE (w.xid % 4294967296) NOT IN (SELECT xid FROM old)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))
$$;

CREATE OR REPLACE FUNCTION store_message(
    p_id UUID,
    p_room_id UUID,
    p_sender_id UUID,
    p_body TEXT,
    p_reply_to UUID,
    p_client_msg_id TEXT,
    p_created_at TIMESTAMPTZ,
    p_event_id UUID,
    p_routing_key TEXT,
    -- The event's JSON; the stored seq is written at payload.message.seq.
    p_event JSONB
) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    v_seq BIGINT;
BEGIN
    -- First, while this transaction has no xid yet (store_messages calls this once per send;
    -- the later calls find the flag set).
    PERFORM outbox_writer();
    IF NOT EXISTS (SELECT 1 FROM room_members WHERE room_id = p_room_id AND user_id = p_sender_id)
       OR EXISTS (SELECT 1 FROM messages WHERE sender_id = p_sender_id AND client_msg_id = p_client_msg_id)
       OR (p_reply_to IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM messages WHERE id = p_reply_to AND room_id = p_room_id)) THEN
        RETURN NULL;
    END IF;
    -- A direct chat between two people one of whom blocked the other takes no more messages.
    -- The first test is one index probe that finds nothing for nearly every sender.
    IF (EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = p_sender_id)
        OR EXISTS (SELECT 1 FROM user_blocks WHERE blocked_id = p_sender_id))
       AND EXISTS (
           SELECT 1 FROM rooms r
           JOIN room_members p ON p.room_id = r.id AND p.user_id <> p_sender_id
           JOIN user_blocks b ON (b.blocker_id = p_sender_id AND b.blocked_id = p.user_id)
                              OR (b.blocker_id = p.user_id AND b.blocked_id = p_sender_id)
           WHERE r.id = p_room_id AND r.kind = 'direct') THEN
        RETURN NULL;
    END IF;
    UPDATE rooms SET last_seq = last_seq + 1, last_activity_at = p_created_at
        WHERE id = p_room_id AND deleted_at IS NULL
        RETURNING last_seq INTO v_seq;
    IF v_seq IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO messages (id, room_id, seq, sender_id, body, reply_to, client_msg_id, created_at)
        VALUES (p_id, p_room_id, v_seq, p_sender_id, p_body, p_reply_to, p_client_msg_id, p_created_at);
    UPDATE room_members SET last_read_seq = v_seq
        WHERE room_id = p_room_id AND user_id = p_sender_id AND last_read_seq < v_seq;
    INSERT INTO outbox (event_id, routing_key, payload, room_id)
        VALUES (p_event_id, p_routing_key,
                jsonb_set(p_event, '{payload,message,seq}', to_jsonb(v_seq)), p_room_id);
    RETURN v_seq;
END
$$
-- Its statements are index lookups whose plan never depends on the values: plan them once per
-- connection, not (as PostgreSQL otherwise may) on every call.
SET plan_cache_mode = force_generic_plan;
