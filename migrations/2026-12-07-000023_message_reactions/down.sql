DROP TABLE message_reaction_versions;
DROP TABLE message_reactions;
