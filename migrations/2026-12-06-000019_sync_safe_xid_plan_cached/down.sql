-- Back to 000018's SQL function.
CREATE OR REPLACE FUNCTION sync_safe_xid() RETURNS bigint
LANGUAGE sql STABLE AS $$
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
$$;
