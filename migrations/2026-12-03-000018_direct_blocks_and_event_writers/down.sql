CREATE OR REPLACE FUNCTION sync_commit_deadline() RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('chat.sync_commit_deadline', true), ''), '5 s')::interval
$$;
DROP TRIGGER IF EXISTS outbox_writer_declared ON outbox;
DROP FUNCTION IF EXISTS outbox_writer_declared();
-- Back to 000010's store_message, which does not look at blocks.
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
    IF NOT EXISTS (SELECT 1 FROM room_members WHERE room_id = p_room_id AND user_id = p_sender_id)
       OR EXISTS (SELECT 1 FROM messages WHERE sender_id = p_sender_id AND client_msg_id = p_client_msg_id)
       OR (p_reply_to IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM messages WHERE id = p_reply_to AND room_id = p_room_id)) THEN
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


-- Back to 000017's sync_safe_xid.
CREATE OR REPLACE FUNCTION sync_safe_xid() RETURNS bigint
LANGUAGE sql STABLE AS $$
    WITH snap AS MATERIALIZED (
        SELECT pg_current_snapshot() AS s,
               clock_timestamp() - 3 * sync_commit_deadline() AS old_before),
    running AS MATERIALIZED (
        SELECT x::text::bigint AS xid FROM snap, pg_snapshot_xip(snap.s) AS x),
    old AS MATERIALIZED (
        SELECT a.backend_xid::text::bigint AS xid
        FROM snap, pg_stat_get_activity(NULL) AS a
        WHERE a.backend_xid IS NOT NULL AND a.xact_start < snap.old_before
          AND EXISTS (SELECT 1 FROM running))
    SELECT coalesce(
        (SELECT min(r.xid) FROM running r
         WHERE (r.xid % 4294967296) NOT IN (SELECT xid FROM old)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))
$$;

DROP FUNCTION IF EXISTS outbox_writer();
