-- Storing a batch of sends with one statement per step instead of `store_message`'s eight per
-- send (issue 15; session 15's profile: most of PostgreSQL's CPU per message was the executor
-- start-up of those small statements, not any one of them). The checks, the seqs, the
-- messages, the senders' read watermarks and the outbox events of the whole batch are each
-- one set operation. What the answer means is unchanged: one seq per send, in the order given,
-- or NULL where `store_message` would have stored nothing (not a member, a send already
-- stored, a reply to a message not in the room, a blocked direct chat, a deleted room).
--
-- Two kinds of batch take the per-send path as before, since there one send's fate depends on
-- another's in the same batch: one naming a (sender, client_msg_id) twice, and one replying to
-- a message of its own. So does a batch of one.
--
-- Rooms are locked in id order before anything is written, as the per-send path did by
-- storing in room order, so two batches running at once cannot deadlock on each other.
-- The per-send path (migration 000012) stays, under a name of its own.
ALTER FUNCTION store_messages(UUID[], UUID[], UUID[], TEXT[], UUID[], TEXT[], TIMESTAMPTZ, UUID[], TEXT[], JSONB[]) RENAME TO store_messages_one_by_one;

CREATE FUNCTION store_messages(
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
BEGIN
    IF cardinality(p_ids) <= 1
       OR p_reply_tos && p_ids
       OR EXISTS (SELECT 1 FROM unnest(p_sender_ids, p_client_msg_ids) AS t(s, c)
                  GROUP BY t.s, t.c HAVING count(*) > 1) THEN
        RETURN store_messages_one_by_one(
            p_ids, p_room_ids, p_sender_ids, p_bodies, p_reply_tos, p_client_msg_ids,
            p_created_at, p_event_ids, p_routing_keys, p_events);
    END IF;
    -- First, while this transaction has no xid yet.
    PERFORM outbox_writer();
    PERFORM 1 FROM rooms WHERE id = ANY (p_room_ids) ORDER BY id FOR UPDATE;
    WITH items AS (
        SELECT * FROM unnest(p_ids, p_room_ids, p_sender_ids, p_bodies, p_reply_tos,
                             p_client_msg_ids, p_event_ids, p_routing_keys, p_events)
            WITH ORDINALITY AS t(id, room_id, sender_id, body, reply_to, client_msg_id,
                                 event_id, routing_key, event, i)
    ),
    accepted AS (
        SELECT it.* FROM items it
        JOIN rooms r ON r.id = it.room_id AND r.deleted_at IS NULL
        WHERE EXISTS (SELECT 1 FROM room_members m
                      WHERE m.room_id = it.room_id AND m.user_id = it.sender_id)
          AND NOT EXISTS (SELECT 1 FROM messages x
                          WHERE x.sender_id = it.sender_id AND x.client_msg_id = it.client_msg_id)
          AND (it.reply_to IS NULL
               OR EXISTS (SELECT 1 FROM messages y
                          WHERE y.id = it.reply_to AND y.room_id = it.room_id))
          -- A direct chat between two people one of whom blocked the other takes no more
          -- messages. The first test is one index probe that finds nothing for nearly every
          -- sender.
          AND NOT ((EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = it.sender_id)
                    OR EXISTS (SELECT 1 FROM user_blocks WHERE blocked_id = it.sender_id))
                   AND EXISTS (
                       SELECT 1 FROM room_members p
                       JOIN user_blocks b
                         ON (b.blocker_id = it.sender_id AND b.blocked_id = p.user_id)
                         OR (b.blocker_id = p.user_id AND b.blocked_id = it.sender_id)
                       WHERE r.kind = 'direct' AND p.room_id = it.room_id
                         AND p.user_id <> it.sender_id))
    ),
    numbered AS MATERIALIZED (
        SELECT a.*, row_number() OVER (PARTITION BY a.room_id ORDER BY a.i) AS k
        FROM accepted a
    ),
    bumped AS (
        UPDATE rooms r SET last_seq = r.last_seq + c.n, last_activity_at = p_created_at
        FROM (SELECT room_id, count(*) AS n FROM numbered GROUP BY room_id) c
        WHERE r.id = c.room_id
        RETURNING r.id, r.last_seq - c.n AS base
    ),
    placed AS MATERIALIZED (
        SELECT nb.*, b.base + nb.k AS seq FROM numbered nb JOIN bumped b ON b.id = nb.room_id
    ),
    stored AS (
        INSERT INTO messages (id, room_id, seq, sender_id, body, reply_to, client_msg_id,
                              created_at)
        SELECT id, room_id, seq, sender_id, body, reply_to, client_msg_id, p_created_at
        FROM placed ORDER BY room_id, seq
    ),
    watermarks AS (
        UPDATE room_members m SET last_read_seq = s.seq
        FROM (SELECT room_id, sender_id, max(seq) AS seq FROM placed
              GROUP BY room_id, sender_id) s
        WHERE m.room_id = s.room_id AND m.user_id = s.sender_id AND m.last_read_seq < s.seq
    ),
    -- In room and seq order, so the outbox (and the relay, which publishes in its id order)
    -- has each room's events in seq order.
    logged AS (
        INSERT INTO outbox (event_id, routing_key, payload, room_id)
        SELECT event_id, routing_key, jsonb_set(event, '{payload,message,seq}', to_jsonb(seq)),
               room_id
        FROM placed ORDER BY room_id, seq
    )
    SELECT coalesce(array_agg(p.seq ORDER BY it.i), v_seqs) INTO v_seqs
    FROM items it LEFT JOIN placed p ON p.i = it.i;
    RETURN v_seqs;
END
$$;
