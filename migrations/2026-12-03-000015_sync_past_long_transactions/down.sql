DROP FUNCTION IF EXISTS sync_safe_xid();
DROP TRIGGER IF EXISTS outbox_commit_deadline ON outbox;
DROP FUNCTION IF EXISTS outbox_commit_deadline();
DROP FUNCTION IF EXISTS sync_commit_deadline();
