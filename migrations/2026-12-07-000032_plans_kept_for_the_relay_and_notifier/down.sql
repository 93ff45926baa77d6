DROP FUNCTION outbox_published(BIGINT[]);
DROP FUNCTION outbox_claim(INT, INT);
ALTER FUNCTION offline_members_each(UUID[], UUID[], TIMESTAMPTZ) RESET plan_cache_mode;
