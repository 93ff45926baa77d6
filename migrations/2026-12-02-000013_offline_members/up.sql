-- Whom a new message could notify: the members of its room other than the sender who have not
-- muted it and have no socket on a live gateway (one whose heartbeat is newer than
-- p_fresh_after). One statement where the notifier used three (members, then sockets and last
-- seen of the candidates), each its own round trip and commit, for every message, though
-- almost every message has nobody offline to notify. Called through diesel's DSL, so its
-- statement is prepared once per connection.
--
-- PL/pgSQL, not LANGUAGE sql: PostgreSQL 15 cannot inline a SQL function with a FROM clause
-- and plans its body again on every call (measured: about 270 µs a call against 80 µs for this
-- one, whose plan PL/pgSQL keeps for the session). A kept plan is soon a generic one, planned
-- without the room's id: for it PostgreSQL chose to hash every row of ws_sessions on each call
-- (about 1.3 ms with 2,000 sockets open, and growing with them). `OFFSET 0` keeps the NOT EXISTS
-- a per-member probe of ws_sessions' user index whatever the plan, and a room has few members
-- beside the sockets of the whole service.
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
