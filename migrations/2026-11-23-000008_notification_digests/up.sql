-- Owned by the notifier: one pending Telegram digest per user and room. The consumer folds
-- each message event into it (in the transaction that records the event id); a sender sends
-- it when `due_at` passes, unless the user read the messages or came online meanwhile, and
-- deletes it in the same transaction. A new message after that opens a new window.
CREATE TABLE notification_digests (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id UUID NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    message_count INTEGER NOT NULL,
    -- The newest message: its current text is shown (edited, or gone if deleted).
    last_seq BIGINT NOT NULL,
    -- Distinct sender names in order of arrival, at most five.
    sender_names TEXT[] NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    due_at TIMESTAMPTZ NOT NULL,
    -- Failed sends so far (Telegram unreachable); the digest is dropped after too many.
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, room_id)
);
CREATE INDEX notification_digests_due_idx ON notification_digests (due_at);
