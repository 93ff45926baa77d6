-- A digest being sent is claimed until `claimed_until`: a mention that arrives meanwhile does
-- not make it due again (another sender would send it twice), and when the send ends, the
-- messages that arrived meanwhile stay as a digest of their own, due at once if one of them
-- mentions the user (`mention_seq`: the newest mention folded in) and at the window's end
-- otherwise.
ALTER TABLE notification_digests
    ADD COLUMN claimed_until TIMESTAMPTZ,
    ADD COLUMN mention_seq BIGINT NOT NULL DEFAULT 0;
