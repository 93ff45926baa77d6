DROP INDEX messages_attachment_id;
