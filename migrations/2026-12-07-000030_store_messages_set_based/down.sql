-- Back to storing a batch one send at a time (migration 000012's function, kept by up.sql).
DROP FUNCTION store_messages(UUID[], UUID[], UUID[], TEXT[], UUID[], TEXT[], TIMESTAMPTZ, UUID[], TEXT[], JSONB[]);
ALTER FUNCTION store_messages_one_by_one(UUID[], UUID[], UUID[], TEXT[], UUID[], TEXT[], TIMESTAMPTZ, UUID[], TEXT[], JSONB[]) RENAME TO store_messages;
