-- Owned by the gateway. A gateway that stops heartbeating is removed with its sessions, so a
-- crashed instance never leaves its users online.
CREATE TABLE gateway_instances (
    id UUID PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE ws_sessions (
    id UUID PRIMARY KEY,
    instance_id UUID NOT NULL REFERENCES gateway_instances (id) ON DELETE CASCADE,
    user_id UUID NOT NULL,
    connected_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ws_sessions_user_idx ON ws_sessions (user_id);
CREATE INDEX ws_sessions_instance_idx ON ws_sessions (instance_id);

-- When each user was last seen online.
CREATE TABLE user_presence (
    user_id UUID PRIMARY KEY,
    last_seen_at TIMESTAMPTZ NOT NULL
);
