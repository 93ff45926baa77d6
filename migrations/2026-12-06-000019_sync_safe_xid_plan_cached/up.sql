-- sync_safe_xid() (000018) in PL/pgSQL instead of SQL, with the same query. A SQL function
-- whose body is not inlined (this one has CTEs) is planned again on every call, and planning
-- this query cost more than running it (0.46 ms against 0.13 ms with nothing running): every
-- sync page and every cursor paid it. PL/pgSQL keeps the plan for the session. pgbench, two
-- clients calling it on this machine: 3,400-3,900 calls/s as SQL, 13,300-14,100 as PL/pgSQL
-- (000017's smaller SQL function: 5,500-6,000), with or without a transaction running.
CREATE OR REPLACE FUNCTION sync_safe_xid() RETURNS bigint
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN (
        WITH snap AS MATERIALIZED (
                SELECT pg_current_snapshot() AS s,
                       clock_timestamp() - 3 * sync_commit_deadline() AS old_before),
            running AS MATERIALIZED (
                SELECT x::text::bigint AS xid FROM snap, pg_snapshot_xip(snap.s) AS x),
            -- Read after the snapshot: a writer in it took the writer lock before its xid, and holds
            -- both until it ends.
            locks AS MATERIALIZED (
                SELECT l.locktype, l.transactionid, l.virtualtransaction
                FROM pg_locks l
                WHERE l.granted AND EXISTS (SELECT 1 FROM running)
                  AND ((l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock')
                       OR (l.locktype = 'advisory' AND l.classid = 1667785076 AND l.objid = 1
                           AND l.objsubid = 2))),
            -- Running xids seen to belong to a transaction that is no writer.
            bystanders AS MATERIALIZED (
                SELECT t.transactionid::text::bigint AS xid FROM locks t
                WHERE t.locktype = 'transactionid'
                  AND NOT EXISTS (SELECT 1 FROM locks w
                                  WHERE w.locktype = 'advisory'
                                    AND w.virtualtransaction = t.virtualtransaction)),
            waited AS MATERIALIZED (
                SELECT r.xid FROM running r
                WHERE (r.xid % 4294967296) NOT IN (SELECT xid FROM bystanders)),
            -- Writers too old to commit outbox rows any more (the commit deadline, 000015).
            old AS MATERIALIZED (
                SELECT a.backend_xid::text::bigint AS xid
                FROM snap, pg_stat_get_activity(NULL) AS a
                WHERE a.backend_xid IS NOT NULL AND a.xact_start < snap.old_before
                  AND EXISTS (SELECT 1 FROM waited))
            SELECT coalesce(
                (SELECT min(w.xid) FROM waited w
                 WHERE (w.xid % 4294967296) NOT IN (SELECT xid FROM old)),
                (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))
    );
END
$fn$;
