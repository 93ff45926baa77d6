DROP FUNCTION reaction_summaries(UUID[], UUID, INT);
