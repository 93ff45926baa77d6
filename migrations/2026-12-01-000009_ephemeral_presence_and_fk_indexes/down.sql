DROP INDEX notification_digests_room_idx;
DROP INDEX messages_reply_to_idx;
ALTER TABLE gateway_instances SET LOGGED;
ALTER TABLE ws_sessions SET LOGGED;
