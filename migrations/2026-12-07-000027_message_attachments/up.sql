-- Attachments: a message may carry one file (an image or any other file), described here as
-- JSON (`chat_domain::Attachment`: its id, name, checked content type, size, and an image's
-- size and thumbnail); the bytes live in the object store (`ROOMS_ATTACHMENTS_URL`) under
-- `<room id>/<attachment id>`. Set in the transaction that stores the message; cleared when
-- the message is deleted (its files are deleted after that commits). A nullable column
-- without a default rewrites nothing.
ALTER TABLE messages ADD COLUMN attachment JSONB;
