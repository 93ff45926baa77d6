-- Who blocked whom. A block is one person's choice about another: nobody opens a direct chat
-- between the two, the blocked one cannot add the blocker to a group, the blocker is sent no
-- notification of the blocked one's messages, and the web app shows the blocker none of them.
CREATE TABLE user_blocks (
    blocker_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
-- "Who blocked this sender", for the notifier and for adding members.
CREATE INDEX user_blocks_blocked_idx ON user_blocks (blocked_id, blocker_id);
