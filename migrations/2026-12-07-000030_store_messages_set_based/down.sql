-- Back to storing a batch one send at a time (migration 000012).
CREATE OR REPLACE FUNCTION store_messages(
    p_ids UUID[],
    p_room_ids UUID[],
    p_sender_ids UUID[],
    p_bodies TEXT[],
    p_reply_tos UUID[],
    p_client_msg_ids TEXT[],
    p_created_at TIMESTAMPTZ,
    p_event_ids UUID[],
    p_routing_keys TEXT[],
    p_events JSONB[]
) RETURNS BIGINT[]
LANGUAGE plpgsql AS $$
DECLARE
    v_seqs BIGINT[] := array_fill(NULL::BIGINT, ARRAY[cardinality(p_ids)]);
    v_i INT;
BEGIN
    FOR v_i IN
        SELECT t.i FROM unnest(p_room_ids) WITH ORDINALITY AS t(room_id, i) ORDER BY t.room_id, t.i
    LOOP
        v_seqs[v_i] := store_message(
            p_ids[v_i], p_room_ids[v_i], p_sender_ids[v_i], p_bodies[v_i], p_reply_tos[v_i],
            p_client_msg_ids[v_i], p_created_at, p_event_ids[v_i], p_routing_keys[v_i],
            p_events[v_i]);
    END LOOP;
    RETURN v_seqs;
END
$$;
