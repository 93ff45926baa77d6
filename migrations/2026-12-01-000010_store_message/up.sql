-- Storing a message is one call: it takes the room's next seq, inserts the message, moves the
-- sender's read watermark to it and records its event in the outbox, all in the caller's
-- statement (so one round trip and, outside a transaction, one commit). A PL/pgSQL function
-- because its statements' plans are prepared once per connection; the same statements sent as
-- one ad-hoc query were parsed and planned on every send (the planner was the largest part of
-- PostgreSQL's time per message). It returns NULL, writing nothing, when the room is gone, the
-- sender is not a member, reply_to is not a message of the room, or client_msg_id was used
-- already; the caller tells which apart. A racing copy of the same send fails on the unique
-- (sender_id, client_msg_id) and rolls its seq back with it, so seqs stay gap-free.
CREATE FUNCTION store_message(
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
