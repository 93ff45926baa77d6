CREATE OR REPLACE FUNCTION sync_safe_xid() RETURNS bigint
LANGUAGE sql STABLE AS $$
    WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
    old AS MATERIALIZED (
        SELECT a.backend_xid::text::bigint AS xid
        FROM pg_stat_activity a
        WHERE a.backend_xid IS NOT NULL
          AND a.xact_start < clock_timestamp() - 3 * sync_commit_deadline())
    SELECT coalesce(
        (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x
         WHERE (x::text::bigint % 4294967296) NOT IN (SELECT xid FROM old)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))
$$;
