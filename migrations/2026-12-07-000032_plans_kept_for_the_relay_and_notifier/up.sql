-- Two statements PostgreSQL planned again on every call (issue 15; session 25's profile at 300
-- messages/s, pg_stat_statements with track_planning): planning cost more than running them.
--
-- The notifier's read (`offline_members_each`, migration 000031): 340 us of planning a call for
-- 100 us of work. PL/pgSQL keeps a statement's plan only when its generic plan looks no dearer
-- than the custom ones, and a custom plan sees the arrays' real length (usually a few
-- elements) while the generic one guesses more, so every call was planned anew. Both plans are
-- the same shape (a probe of room_members by room, then of ws_sessions by user, per pair), so
-- the generic one is kept.
ALTER FUNCTION offline_members_each(UUID[], UUID[], TIMESTAMPTZ)
    SET plan_cache_mode = force_generic_plan;

-- The relay's claim of pending rows (`chat_db::outbox::lock_batch`), sent as an unnamed
-- statement, was parsed and planned on every call: 205 us of planning for 118 us of work. In
-- a PL/pgSQL function its plan is kept for the session. The look-ahead is a constant (four
-- batches of the relay's largest, 256), so the plan does not depend on the arguments and the
-- generic plan is the custom one: an ordered probe of outbox_pending's key, and of outbox's
-- per claimed row. What it does is unchanged (see `lock_batch`).
CREATE FUNCTION outbox_claim(p_limit INT, p_class INT)
RETURNS TABLE (id BIGINT, xid BIGINT, event_id UUID, routing_key TEXT, payload TEXT,
               created_at TIMESTAMPTZ)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
        WITH first AS MATERIALIZED (
            SELECT p.id FROM outbox_pending p ORDER BY p.id LIMIT 1024),
        claimed AS MATERIALIZED (
            SELECT f.id FROM first f
            WHERE pg_try_advisory_xact_lock(p_class, (f.id % 2147483647)::int)
            LIMIT least(p_limit, 256))
        SELECT o.id, o.xid, o.event_id, o.routing_key, o.payload::text, o.created_at
        FROM claimed c JOIN outbox o ON o.id = c.id
        ORDER BY o.id;
END
$$;

-- The relay's mark of what the broker confirmed (`chat_db::outbox::mark_published`): a custom
-- plan for most calls (74 us of planning for 45 us of work), for the same reason as the
-- notifier's read. The generic plan is the custom one: a probe of outbox_pending's key per id.
CREATE FUNCTION outbox_published(p_ids BIGINT[]) RETURNS INT
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_n INT;
BEGIN
    DELETE FROM outbox_pending p WHERE p.id = ANY (p_ids);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
