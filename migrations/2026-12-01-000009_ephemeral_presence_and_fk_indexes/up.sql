-- Presence is ephemeral: opening or closing a socket must never wait for a WAL flush. The
-- session tables become UNLOGGED (no WAL; PostgreSQL empties them after a crash, and each
-- gateway records its sockets again on its next heartbeat). ws_sessions first: a logged table
-- may not reference an unlogged one. Last seen (user_presence) stays logged, written in
-- batches that do not wait for their flush.
ALTER TABLE ws_sessions SET UNLOGGED;
ALTER TABLE gateway_instances SET UNLOGGED;

-- Every foreign key is indexed, so deleting a referenced row never scans the referencing
-- table (deleting one message used to scan all of `messages` for replies to it).
CREATE INDEX messages_reply_to_idx ON messages (reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX notification_digests_room_idx ON notification_digests (room_id);
