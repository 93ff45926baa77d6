DROP TABLE user_presence;
DROP TABLE ws_sessions;
DROP TABLE gateway_instances;
