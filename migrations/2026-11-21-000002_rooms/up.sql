-- Owned by the rooms service, the only writer of rooms, membership and messages.
CREATE TABLE rooms (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('direct', 'saved', 'group', 'public')),
    name TEXT,
    topic TEXT,
    owner_id UUID,
    -- "<smaller user id>:<larger user id>" for direct and saved rooms: one room per pair.
    direct_key TEXT UNIQUE,
    -- The seq of the newest message; a new message takes last_seq + 1 in the same transaction.
    last_seq BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_activity_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ,
    CHECK ((kind IN ('direct', 'saved')) = (direct_key IS NOT NULL))
);

CREATE TABLE room_members (
    room_id UUID NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id UUID NOT NULL,
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    joined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Read watermark: only ever moves forward.
    last_read_seq BIGINT NOT NULL DEFAULT 0,
    muted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (room_id, user_id)
);
-- "My rooms" starts from the member side.
CREATE INDEX room_members_user_idx ON room_members (user_id, room_id);

CREATE TABLE messages (
    id UUID PRIMARY KEY,
    room_id UUID NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    sender_id UUID NOT NULL,
    body TEXT NOT NULL,
    reply_to UUID REFERENCES messages (id) ON DELETE SET NULL,
    client_msg_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    edited_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ,
    -- History is paged by (room_id, seq); this is also what keeps seq unique per room.
    UNIQUE (room_id, seq),
    -- Sends are idempotent: a retry with the same client_msg_id returns the first message.
    UNIQUE (sender_id, client_msg_id)
);
