DROP INDEX IF EXISTS room_members_joined_idx;
