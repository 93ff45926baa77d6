-- Owned by auth. One-time tokens that link a Telegram chat to an account: only their SHA-256
-- is stored; each is single use and expires within minutes.
CREATE TABLE telegram_link_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX telegram_link_tokens_user_idx ON telegram_link_tokens (user_id);

-- Prefix search in the directory (`lower(x) LIKE 'abc%'`) needs pattern-ops indexes: the
-- unique indexes use the database collation, which LIKE cannot use.
CREATE INDEX users_username_lower_pattern_idx ON users (lower(username) text_pattern_ops);
CREATE INDEX users_display_name_lower_pattern_idx ON users (lower(display_name) text_pattern_ops);

-- Sorting the directory by last seen.
CREATE INDEX user_presence_last_seen_idx ON user_presence (last_seen_at DESC);
