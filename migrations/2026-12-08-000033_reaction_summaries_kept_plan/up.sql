-- A page of history read its reactions with one statement that PostgreSQL parsed and planned
-- on every page (issue 15; session 26's profile of the history scenario at 1,000 pages/s:
-- 132 us of planning for 11 us of work, and `base_yyparse` among PostgreSQL's top functions).
-- It was a `sql_query`, which diesel never keeps as a prepared statement. In a PL/pgSQL
-- function its plan is kept for the session; the generic plan is forced, since a custom plan
-- sees the array's real length (a page, 50 ids) where the generic one guesses ten, and both
-- are the same: a probe of message_reaction_versions' key per id, then of
-- message_reactions(message_id, ...) per version row. What it returns is unchanged
-- (`chat_db::reactions::summaries`).
CREATE FUNCTION reaction_summaries(p_ids UUID[], p_viewer UUID, p_shown INT)
RETURNS TABLE (message_id UUID, version BIGINT, emoji TEXT, n BIGINT, first_users UUID[],
               mine BOOLEAN)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
        SELECT v.message_id, v.version, r.emoji, r.n, r.first_users, r.mine
        FROM message_reaction_versions v
        LEFT JOIN LATERAL (
            SELECT x.emoji, count(*) AS n,
                   (array_agg(x.user_id ORDER BY x.created_at, x.user_id))[1:p_shown] AS first_users,
                   coalesce(bool_or(x.user_id = p_viewer), false) AS mine,
                   min(x.created_at) AS first_at
            FROM message_reactions x
            WHERE x.message_id = v.message_id
            GROUP BY x.emoji) r ON true
        WHERE v.message_id = ANY (p_ids)
        ORDER BY v.message_id, r.first_at, r.emoji;
END
$$;
