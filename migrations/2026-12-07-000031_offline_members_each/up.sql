-- Whom each message of a pack could notify, in one statement: the notifier read it with one
-- `offline_members` call per message (issue 15; session 24's profile at 2,000 messages/s: about
-- one statement, one autocommit transaction and one round trip a message, the largest count of
-- statements PostgreSQL ran). Events reach the notifier in packs of up to 128 (`chat_bus::pack`),
-- so it now asks once per pack.
--
-- For each (room, sender) pair, in order (ordinal `i`, from 1): the members of the room other
-- than the sender who have not muted it and have no socket on a live gateway (one whose
-- heartbeat is newer than p_fresh_after), in the order they joined. The rule is 000013's:
-- PL/pgSQL keeps the plan for the session, and `OFFSET 0` keeps the NOT EXISTS a per-member
-- probe of ws_sessions(user_id) whatever the plan (see that migration). The LATERAL join makes
-- each pair a probe of room_members by its room.
CREATE FUNCTION offline_members_each(
    p_room_ids UUID[], p_excepts UUID[], p_fresh_after TIMESTAMPTZ
) RETURNS TABLE (i INT, user_id UUID)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
        SELECT t.i::INT, m.user_id
        FROM unnest(p_room_ids, p_excepts) WITH ORDINALITY AS t(room_id, except_id, i)
        CROSS JOIN LATERAL (
            SELECT rm.user_id, rm.joined_at
            FROM room_members rm
            WHERE rm.room_id = t.room_id
              AND rm.user_id <> t.except_id
              AND NOT rm.muted
              AND NOT EXISTS (
                  SELECT 1 FROM ws_sessions s JOIN gateway_instances g ON g.id = s.instance_id
                  WHERE s.user_id = rm.user_id AND g.heartbeat_at > p_fresh_after
                  OFFSET 0)
        ) m
        ORDER BY t.i, m.joined_at;
END
$$;

DROP FUNCTION offline_members(UUID, UUID, TIMESTAMPTZ);
