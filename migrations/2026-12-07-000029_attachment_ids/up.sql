-- The files' sweeper (rooms, `attachments::sweep`) asks which of the files it found in the
-- object store a message still carries. A partial index: messages without a file (nearly all)
-- are not in it and cost it nothing.
CREATE INDEX messages_attachment_id ON messages ((attachment ->> 'id')) WHERE attachment IS NOT NULL;
