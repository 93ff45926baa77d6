-- Whether an account appears in the people directory. Admins unlist demo, test and script
-- accounts (one by one, or every account never seen online at once); an unlisted account still
-- logs in, chats and can be found by the people it shares rooms with.
ALTER TABLE users ADD COLUMN listed BOOLEAN NOT NULL DEFAULT true;
