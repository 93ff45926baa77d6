-- Reactions: one per person, emoji and message.
--
-- A message that is deleted loses them: the delete removes them in its own transaction, and a
-- room's hard delete cascades through its messages. `user_id` has no foreign key, like
-- `room_members.user_id` and `messages.sender_id` (users are auth's).
CREATE TABLE message_reactions (
    message_id UUID NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id UUID NOT NULL,
    emoji TEXT NOT NULL CHECK (octet_length(emoji) BETWEEN 1 AND 64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    -- Also the index of the foreign key.
    PRIMARY KEY (message_id, user_id, emoji)
);

-- A page's summaries, and an emoji's reactors first to last.
CREATE INDEX message_reactions_emoji_idx
    ON message_reactions (message_id, emoji, created_at, user_id);

-- Per message, how many times its reactions changed: the version every summary carries, and
-- the row on which concurrent changes of one message line up. Apart from `messages` so that a
-- reaction never rewrites a message's row (an update there that is not HOT indexes its text
-- again in both full-text indexes).
CREATE TABLE message_reaction_versions (
    message_id UUID PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    version BIGINT NOT NULL CHECK (version > 0)
);
