DROP TABLE pinned_messages;
