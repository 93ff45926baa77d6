DROP FUNCTION offline_members_each(UUID[], UUID[], TIMESTAMPTZ);

-- 000013's function, as it was.
CREATE FUNCTION offline_members(p_room_id UUID, p_except UUID, p_fresh_after TIMESTAMPTZ)
RETURNS UUID[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        SELECT coalesce(array_agg(m.user_id ORDER BY m.joined_at), '{}')
        FROM room_members m
        WHERE m.room_id = p_room_id
          AND m.user_id <> p_except
          AND NOT m.muted
          AND NOT EXISTS (
              SELECT 1 FROM ws_sessions s JOIN gateway_instances g ON g.id = s.instance_id
              WHERE s.user_id = m.user_id AND g.heartbeat_at > p_fresh_after
              OFFSET 0));
END
$$;
