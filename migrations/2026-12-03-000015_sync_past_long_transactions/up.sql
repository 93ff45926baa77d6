-- Sync serves the outbox in (xid, id) order, and only rows of transactions older than every
-- transaction still running, so that none can commit later below a cursor already handed out.
-- "Every transaction still running" was the snapshot's xmin: one long transaction anywhere in
-- the cluster (a 4-minute DELETE of benchmark rooms, a migration, a pg_dump that took an xid)
-- froze every client's sync for as long as it ran.
--
-- Now a transaction may commit rows to the outbox only within `chat.sync_commit_deadline` of
-- its start (default 5 s; a deferred trigger checks it as the transaction commits, so whatever
-- wrote them is refused and retried instead), and sync waits only for the running
-- transactions that could still do so: those younger than three times the deadline (the
-- margin covers the commit itself, after the check). A transaction seen running and older than
-- that can no longer commit an outbox row, so sync moves past it.
--
-- The deadline is a setting, so a database can have its own (`ALTER DATABASE ... SET
-- chat.sync_commit_deadline = '2s'`): both sides read the same one.

CREATE FUNCTION sync_commit_deadline() RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('chat.sync_commit_deadline', true), ''), '5 s')::interval
$$;

CREATE FUNCTION outbox_commit_deadline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF clock_timestamp() - transaction_timestamp() > sync_commit_deadline() THEN
        RAISE EXCEPTION 'sync_commit_deadline: this transaction ran % and wrote sync events; it must commit within %',
            clock_timestamp() - transaction_timestamp(), sync_commit_deadline()
            USING ERRCODE = '40001';
    END IF;
    RETURN NULL;
END
$$;

-- Deferred: it runs at COMMIT, after everything else the transaction did. Once per outbox row
-- (a constraint trigger cannot be per statement); a send writes one.
CREATE CONSTRAINT TRIGGER outbox_commit_deadline
    AFTER INSERT ON outbox
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION outbox_commit_deadline();

-- The xid below which every outbox row is committed or never will be, for the statement
-- calling it: the lowest xid still running that is young enough to commit outbox rows, else
-- the snapshot's xmax. A running xid whose backend cannot be seen in pg_stat_activity (another
-- role without pg_read_all_stats, a prepared transaction, or one that just ended) is waited
-- for: never too far, at worst as far as the xmin it replaces.
CREATE FUNCTION sync_safe_xid() RETURNS bigint
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
